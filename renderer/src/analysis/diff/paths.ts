// Packet paths. For every Service in both snapshots the trace engine reconstructs each entry
// point's tree; entries are matched by (kind, service port, address, node), leaves by (endpoint,
// disposition), with node names read through the node pairs. A leaf appeared, disappeared,
// changed probability or crossed other hops (rules compared by meaning, as in rules.ts).

import type { Finding } from '../findings';
import type { SnapshotData } from '../model';
import { traceService } from '../trace';
import type { EntryPoint, Hop, PathLeaf, PathSegment, PathTree } from '../trace/types';
import { compareText, makeChange, pairScope, type NodeScope } from './common';
import type { Pairing } from './pairs';
import type { NodeRuleIndex } from './rule-index';
import type { Change, FieldChange, FieldValue } from './types';

/** One side of the comparison: its rule indexes and how its node names map to pair identities. */
export interface PathSide {
  snapshot: SnapshotData;
  rules: Map<string, NodeRuleIndex>;
  /** node name → the name both sides agree on (A's name of the pair), or a name that matches nothing */
  nodeId: (node: string) => string;
  /** the paired nodes: entry points elsewhere have nothing to be compared with */
  traceNodes: string[];
}

interface LeafGroup {
  leaf: PathLeaf;
  probability: number;
  /** hop key → hop as printed on this side */
  hops: Map<string, string>;
}

interface EntryInfo {
  entry: EntryPoint;
  tree: PathTree;
  leaves: Map<string, LeafGroup>;
}

const EPSILON = 1e-9;
/** a rule's counter, for the rare hop on a node whose rules were not indexed */
const COUNTER = /\s*counter packets \d+ bytes \d+/;

function round(p: number): number {
  return Math.round(p * 1e6) / 1e6;
}

function entryKey(e: EntryPoint, side: PathSide): string {
  const s = e.service;
  const port = s ? `${s.portName ?? ''}/${s.port ?? ''}/${s.protocol}` : `${e.port}/${e.protocol}`;
  return `${e.kind} ${port} ${e.kind === 'node-port' ? '' : e.address} from ${e.from} on ${e.node === null ? '*' : side.nodeId(e.node)}`;
}

function leafKey(l: PathLeaf): string {
  const ep = l.endpoint;
  return `${ep ? `${ep.address}:${ep.port ?? ''}` : '-'} ${l.disposition}`;
}

/** [key, as printed]: rules by meaning, node names by pair identity; the printed form keeps this side's names. */
function hopText(h: Hop, side: PathSide): [string, string] {
  const node = h.node === null ? '' : h.node;
  const o = h.object;
  let what: string;
  let printed: string | null = null;
  switch (o.type) {
    case 'nft-rule': {
      const chain = side.rules.get(node)?.byName.get(`${o.family} ${o.table} ${o.chain}`);
      const rule = chain?.rules[o.position];
      const text = rule ? rule.display : o.text.replace(COUNTER, '');
      what = chain && rule ? `${chain.id}: ${rule.key}` : `${o.family} ${o.table} ${o.chain}: ${text}`;
      printed = `${o.family} ${o.table} ${o.chain}: ${text}`;
      break;
    }
    case 'nft-chain':
      what = `${side.rules.get(node)?.byName.get(`${o.family} ${o.table} ${o.chain}`)?.id ?? `${o.family} ${o.table} ${o.chain}`} policy ${o.policy ?? '-'}`;
      printed = `${o.family} ${o.table} ${o.chain} policy ${o.policy ?? '-'}`;
      break;
    case 'route':
      what = `${o.line}${o.table === 'main' ? '' : ` table ${o.table}`}`;
      break;
    case 'interface':
      what = o.name;
      break;
    case 'veth':
      what = `${o.hostIfname} netns ${o.netns ?? '-'} ${o.podIfname ?? ''}`;
      break;
    case 'pod':
      what = `${o.namespace}/${o.name} ${o.address}`;
      break;
    case 'tunnel':
      what = `${o.device} to ${o.remoteNode === null ? '?' : side.nodeId(o.remoteNode)}`;
      printed = `${o.device} to ${o.remoteNode ?? '?'}`;
      break;
    case 'announcement':
      what = `${o.address} by ${side.nodeId(o.node)} (${o.source})`;
      printed = `${o.address} by ${o.node} (${o.source})`;
      break;
    case 'host':
      what = `${side.nodeId(o.node)} ${o.address}`;
      printed = `${o.node} ${o.address}`;
      break;
    case 'node':
      what = side.nodeId(o.name);
      printed = o.name;
      break;
    case 'text':
      what = o.text;
      break;
  }
  return [`${h.kind} @${h.node === null ? '-' : side.nodeId(h.node)} ${what}`, `${h.kind} @${node || '-'} ${printed ?? what}`];
}

function collectLeaves(tree: PathTree, side: PathSide): Map<string, LeafGroup> {
  const out = new Map<string, LeafGroup>();
  const visit = (seg: PathSegment, hops: [string, string][]) => {
    const here = hops.concat(seg.hops.map((h) => hopText(h, side)));
    if (seg.end.type === 'fork') {
      for (const b of seg.end.branches) visit(b.segment, here);
      return;
    }
    const leaf = seg.end;
    const key = leafKey(leaf);
    const group = out.get(key) ?? { leaf, probability: 0, hops: new Map<string, string>() };
    group.probability += leaf.probability;
    for (const [k, printed] of here) group.hops.set(k, printed);
    out.set(key, group);
  };
  visit(tree.root, []);
  return out;
}

function entries(side: PathSide, namespace: string, name: string): Map<string, EntryInfo> {
  const trace = traceService(side.snapshot, { namespace, name }, { nodes: side.traceNodes });
  const out = new Map<string, EntryInfo>();
  for (const tree of trace.trees) out.set(entryKey(tree.entry, side), { entry: tree.entry, tree, leaves: collectLeaves(tree, side) });
  return out;
}

function leafFields(g: LeafGroup): Record<string, FieldValue> {
  const ep = g.leaf.endpoint;
  return {
    probability: round(g.probability),
    pod: ep?.podName ? `${ep.podNamespace ?? '?'}/${ep.podName}` : null,
    nodes: [...g.leaf.nodes],
  };
}

function dispositionsText(tree: PathTree): string {
  return Object.entries(tree.dispositions)
    .map(([d, n]) => `${d} ×${n}`)
    .sort(compareText)
    .join(', ');
}

function scopeOf(entry: EntryPoint, pairing: Pairing, side: 'a' | 'b'): NodeScope {
  if (entry.node === null) return {};
  const pairNode = side === 'a' ? entry.node : pairing.toA.get(entry.node);
  const pair = pairNode === undefined ? undefined : pairing.byA.get(pairNode);
  return pair ? pairScope(pair) : { node: entry.node };
}

function diffEntry(service: string, ea: EntryInfo, eb: EntryInfo, pairing: Pairing, out: { changes: Change[]; findings: Finding[] }): void {
  const base = `${service} ${eb.entry.label}`;
  const scope = scopeOf(eb.entry, pairing, 'b');
  for (const [key, ga] of ea.leaves) {
    const gb = eb.leaves.get(key);
    const subject = `${base} → ${key}`;
    if (!gb) {
      out.changes.push(makeChange('removed', subject, Object.entries(leafFields(ga)).map(([field, v]) => ({ field, before: v, after: null })), {}, scope));
      continue;
    }
    const fields: FieldChange[] = [];
    if (Math.abs(ga.probability - gb.probability) > EPSILON) fields.push({ field: 'probability', before: round(ga.probability), after: round(gb.probability) });
    const fa = leafFields(ga);
    const fb = leafFields(gb);
    if (fa.pod !== fb.pod) fields.push({ field: 'pod', before: fa.pod, after: fb.pod });
    const onlyA = [...ga.hops].filter(([k]) => !gb.hops.has(k)).map(([, printed]) => printed);
    const onlyB = [...gb.hops].filter(([k]) => !ga.hops.has(k)).map(([, printed]) => printed);
    if (onlyA.length > 0 || onlyB.length > 0) fields.push({ field: 'hops', before: onlyA, after: onlyB });
    if (fields.length > 0) out.changes.push(makeChange('changed', subject, fields, {}, scope));
  }
  for (const [key, gb] of eb.leaves) {
    if (ea.leaves.has(key)) continue;
    out.changes.push(makeChange('added', `${base} → ${key}`, Object.entries(leafFields(gb)).map(([field, v]) => ({ field, before: null, after: v })), {}, scope));
  }
  const delivered = (e: EntryInfo) => (e.tree.dispositions.delivered ?? 0) > 0;
  if (delivered(ea) && !delivered(eb)) {
    out.findings.push({
      severity: 'warning',
      code: 'path-lost-delivery',
      node: scope.node ?? null,
      subject: base,
      message: `${base}: reached an endpoint in A, but in B every path ends ${dispositionsText(eb.tree)}`,
      evidence: [],
    });
  }
}

/**
 * `retrace`: the Services whose paths could differ (skip.ts); null traces every Service in both.
 * `traced` counts the Services traced (on both sides), `compared` those in both snapshots.
 */
export function diffPaths(
  a: PathSide,
  b: PathSide,
  pairing: Pairing,
  retrace: ReadonlySet<string> | null = null,
): { changes: Change[]; findings: Finding[]; compared: number; traced: number } {
  const out = { changes: [] as Change[], findings: [] as Finding[], compared: 0, traced: 0 };
  const inB = new Set(b.snapshot.cluster.services.map((s) => `${s.namespace}/${s.name}`));
  for (const svc of a.snapshot.cluster.services) {
    const service = `${svc.namespace}/${svc.name}`;
    if (!inB.has(service)) continue;
    out.compared++;
    if (retrace !== null && !retrace.has(service)) continue;
    out.traced++;
    const ea = entries(a, svc.namespace, svc.name);
    const eb = entries(b, svc.namespace, svc.name);
    for (const [key, x] of ea) {
      const y = eb.get(key);
      if (y) diffEntry(service, x, y, pairing, out);
      else out.changes.push(makeChange('removed', `${service} ${x.entry.label}`, [{ field: 'leaves', before: x.tree.leafCount, after: null }], {}, scopeOf(x.entry, pairing, 'a')));
    }
    for (const [key, y] of eb) {
      if (!ea.has(key)) out.changes.push(makeChange('added', `${service} ${y.entry.label}`, [{ field: 'leaves', before: null, after: y.tree.leafCount }], {}, scopeOf(y.entry, pairing, 'b')));
    }
  }
  return out;
}
