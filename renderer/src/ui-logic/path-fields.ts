// The detail tree's text: a one-line summary of each path element and its fields as name/value
// pairs (Wireshark's packet details pane).

import type { EndpointRef, HopObject, ServiceRef, Transform } from '../analysis/trace/types';
import { formatCounter, formatProbability, formatSource, hopCaption, objectTitle } from './format';
import type { PathElement } from './path-index';

export type Field = [name: string, value: string];

function service(ref: ServiceRef): string {
  return `${ref.namespace}/${ref.name}${ref.portName ? `:${ref.portName}` : ''}${ref.port !== null ? ` ${ref.port}` : ''}/${ref.protocol}`;
}

function endpoint(ref: EndpointRef): string {
  const pod = ref.podName ? ` (${ref.podNamespace ?? '?'}/${ref.podName})` : '';
  const node = ref.nodeName ? ` on ${ref.nodeName}` : '';
  const ready = ref.ready === false ? ', not ready' : '';
  return `${ref.address}${ref.port !== null ? `:${ref.port}` : ''}${pod}${node}${ready}`;
}

function transform(t: Transform): string {
  return `${t.kind} ${t.field}: ${t.from ?? '∅'} → ${t.to ?? '∅'}`;
}

function objectFields(object: HopObject): Field[] {
  const { type, ...rest } = object;
  return Object.entries(rest)
    .filter(([, v]) => v !== null && v !== '')
    .map(([k, v]) => [`${type}.${k}`, String(v)]);
}

export function elementSummary(element: PathElement): string {
  switch (element.type) {
    case 'entry':
      return `Entry: ${element.entry.label} from ${element.entry.from}`;
    case 'hop':
      return `${hopCaption(element.hop)}: ${objectTitle(element.hop.object)} — ${element.hop.detail}`;
    case 'fork':
      return `Fork (${element.fork.kind}, ${element.fork.branches.length} branches): ${element.fork.reason}`;
    case 'branch': {
      const p = element.branch.probability < 1 ? ` ${formatProbability(element.branch.probability)}${element.branch.inferred ? ' inferred' : ''}` : '';
      return `Branch ${element.index + 1}: ${element.branch.label}${p}`;
    }
    case 'leaf':
      return `⇒ ${element.leaf.disposition}: ${element.leaf.reason}`;
  }
}

export function elementFields(element: PathElement): Field[] {
  switch (element.type) {
    case 'entry': {
      const e = element.entry;
      const fields: Field[] = [
        ['kind', e.kind],
        ['destination', `${e.address}:${e.port}/${e.protocol}`],
        ['from', e.from],
        ['node', e.node ?? 'candidates (forked)'],
      ];
      if (e.service) fields.push(['service', service(e.service)]);
      return fields;
    }
    case 'hop': {
      const h = element.hop;
      const fields: Field[] = [
        ['kind', h.kind],
        ['node', h.node ?? '—'],
        ['action', h.action],
        ...objectFields(h.object),
        ['detail', h.detail],
      ];
      if (h.counters) fields.push(['counters', formatCounter(h.counters)]);
      h.transforms.forEach((t) => fields.push(['transform', transform(t)]));
      if (h.service) fields.push(['service', service(h.service)]);
      if (h.endpoint) fields.push(['endpoint', endpoint(h.endpoint)]);
      h.evidence.forEach((s) => fields.push(['evidence', formatSource(s)]));
      return fields;
    }
    case 'fork': {
      const f = element.fork;
      const fields: Field[] = [
        ['kind', f.kind],
        ['node', f.node ?? '—'],
        ['reason', f.reason],
      ];
      f.branches.forEach((b, i) =>
        fields.push([`branch ${i + 1}`, `${b.label} · ${formatProbability(b.probability)}${b.inferred ? ' (inferred from kube-proxy convention)' : ''}${b.assumption ? ` · assumes ${b.assumption}` : ''}`]),
      );
      f.evidence.forEach((s) => fields.push(['evidence', formatSource(s)]));
      return fields;
    }
    case 'branch': {
      const b = element.branch;
      const fields: Field[] = [
        ['label', b.label],
        ['probability', formatProbability(b.probability)],
        ['inferred', b.inferred ? 'yes: kube-proxy convention, not in the rule text' : 'no'],
      ];
      if (b.assumption) fields.push(['assumes', b.assumption]);
      return fields;
    }
    case 'leaf': {
      const l = element.leaf;
      const p = l.packet;
      const fields: Field[] = [
        ['disposition', l.disposition],
        ['reason', l.reason],
        ['probability', `${formatProbability(l.probability)}${l.inferred ? ' (inferred)' : ''}`],
        ['packet', `${p.src ?? 'external'} → ${p.dst}:${p.dport}/${p.protocol}`],
        ['interfaces', `in ${p.iif ?? '—'} · out ${p.oif ?? '—'}`],
        ['mark', `0x${p.mark.toString(16)} · ct 0x${p.ctMark.toString(16)}`],
        ['conntrack', `orig ${p.conntrack.origDst}:${p.conntrack.origDport}${p.conntrack.dnat ? ` · dnat ${p.conntrack.dnat.address}${p.conntrack.dnat.port !== null ? `:${p.conntrack.dnat.port}` : ''}` : ''}${p.conntrack.snat ? ` · ${p.conntrack.snat.kind} ${p.conntrack.snat.address}` : ''}`],
        ['nodes', l.nodes.join(' → ') || '—'],
        ['chains', String(l.chains.length)],
      ];
      l.assumptions.forEach((a) => fields.push(['assumes', a]));
      if (l.service) fields.push(['service', service(l.service)]);
      if (l.endpoint) fields.push(['endpoint', endpoint(l.endpoint)]);
      return fields;
    }
  }
}
