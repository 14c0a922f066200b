// Counter deltas. For every rule present in both snapshots (rule identity, rules.ts) the packet
// and byte increase; rolled up per Service port and endpoint through the endpoint chains
// (KUBE-SEP-… / endpoint-…: their dnat rule names the endpoint, their hashed name the Service
// port). nat rules see only a connection's first packet, so an endpoint chain's packets are new
// connections. A counter that went down was reset (ruleset reload, kube-proxy restart, reboot) or
// belongs to a different node: the increase is then counted from zero, the roll-up says so, and
// the node gets a finding.

import type { Finding } from '../findings';
import type { NftCounter } from '../model';
import { compareText } from './common';
import type { IndexedChain, IndexedRule } from './rule-index';
import type { RulePair } from './rules';
import type { CounterDelta, EndpointCounter, NodePair, RuleCounterDelta, ServiceCounterRollup } from './types';

function counterDelta(before: NftCounter, after: NftCounter): CounterDelta {
  const reset = after.packets < before.packets || after.bytes < before.bytes;
  return reset
    ? { packets: after.packets, bytes: after.bytes, reset }
    : { packets: after.packets - before.packets, bytes: after.bytes - before.bytes, reset };
}

export interface NodeCounters {
  compared: number;
  wentDown: number;
  rules: RuleCounterDelta[];
  services: ServiceCounterRollup[];
  findings: Finding[];
}

function nodesOf(pair: NodePair): { node: string; nodeB?: string } {
  return pair.crossNode ? { node: pair.a, nodeB: pair.b } : { node: pair.a };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function addressOf(endpoint: string): string {
  const v6 = /^\[(.+)\]:\d+$/.exec(endpoint);
  if (v6) return v6[1];
  const i = endpoint.lastIndexOf(':');
  return i > 0 && !endpoint.slice(0, i).includes(':') ? endpoint.slice(0, i) : endpoint;
}

/** `of 7 new connections to default/nginx, 3 went to 10.42.0.204, 3 to 10.42.2.228, 1 to 10.42.4.11` */
function rollupSentence(service: string, total: number, endpoints: readonly EndpointCounter[]): string {
  const parts = endpoints.map((e, k) => `${e.packets} ${k === 0 ? 'went ' : ''}to ${e.address}`);
  const reset = endpoints.filter((e) => e.reset).map((e) => e.address);
  const fresh = endpoints.filter((e) => e.newInB).map((e) => e.address);
  const notes = [
    ...(reset.length ? [`counters went down for ${reset.join(', ')} (a reset or a different node): counted from zero`] : []),
    ...(fresh.length ? [`${fresh.join(', ')} appeared after A: counted from its creation`] : []),
  ];
  return `of ${plural(total, 'new connection')} to ${service}${parts.length ? `, ${parts.join(', ')}` : ''}${notes.length ? `; ${notes.join('; ')}` : ''}`;
}

interface Rollup {
  service: string;
  portName: string | null;
  protocol: string;
  endpoints: Map<string, EndpointCounter>;
}

function addEndpoint(rollups: Map<string, Rollup>, chain: IndexedChain, rule: IndexedRule, delta: CounterDelta, newInB: boolean): void {
  const ref = chain.ref;
  if (!ref || ref.kind !== 'sep' || rule.dnat === null) return;
  const key = `${ref.serviceKey}\0${ref.portName ?? ''}\0${ref.protocol}`;
  let r = rollups.get(key);
  if (!r) rollups.set(key, (r = { service: ref.serviceKey, portName: ref.portName, protocol: ref.protocol, endpoints: new Map() }));
  const seen = r.endpoints.get(rule.dnat);
  r.endpoints.set(rule.dnat, {
    endpoint: rule.dnat,
    address: addressOf(rule.dnat),
    packets: (seen?.packets ?? 0) + delta.packets,
    bytes: (seen?.bytes ?? 0) + delta.bytes,
    reset: (seen?.reset ?? false) || delta.reset,
    newInB: (seen?.newInB ?? false) || newInB,
  });
}

function finishRollups(rollups: Map<string, Rollup>, pair: NodePair): ServiceCounterRollup[] {
  const out: ServiceCounterRollup[] = [];
  for (const r of rollups.values()) {
    const endpoints = [...r.endpoints.values()].sort((x, y) => y.packets - x.packets || compareText(x.endpoint, y.endpoint));
    const packets = endpoints.reduce((n, e) => n + e.packets, 0);
    const reset = endpoints.some((e) => e.reset);
    if (packets === 0 && !reset) continue;
    const label = r.portName ? `${r.service}:${r.portName}` : r.service;
    out.push({
      service: r.service,
      portName: r.portName,
      protocol: r.protocol,
      ...nodesOf(pair),
      packets,
      bytes: endpoints.reduce((n, e) => n + e.bytes, 0),
      reset,
      endpoints,
      sentence: rollupSentence(label, packets, endpoints),
    });
  }
  return out.sort((x, y) => compareText(x.service, y.service) || compareText(x.portName ?? '', y.portName ?? '') || compareText(x.protocol, y.protocol));
}

export function diffCounters(pairs: readonly RulePair[], newChains: readonly IndexedChain[], pair: NodePair): NodeCounters {
  const rollups = new Map<string, Rollup>();
  const rules: RuleCounterDelta[] = [];
  let compared = 0;
  for (const p of pairs) {
    const before = p.a.rule.counter;
    const after = p.b.rule.counter;
    if (!before || !after) continue;
    compared++;
    const delta = counterDelta(before, after);
    addEndpoint(rollups, p.chainB.ref ? p.chainB : p.chainA, p.b, delta, false);
    if (delta.packets === 0 && delta.bytes === 0 && !delta.reset) continue;
    rules.push({
      ...nodesOf(pair),
      family: p.chainB.family,
      table: p.chainB.table,
      chain: p.chainB.chain.name,
      position: p.b.rule.position,
      rule: p.b.display,
      before,
      after,
      ...delta,
      evidence: { a: p.a.rule.source, b: p.b.rule.source },
    });
  }
  for (const chain of newChains) {
    for (const rule of chain.rules) {
      if (rule.rule.counter) addEndpoint(rollups, chain, rule, { ...rule.rule.counter, reset: false }, true);
    }
  }
  const down = rules.filter((r) => r.reset);
  const findings: Finding[] = [];
  if (down.length > 0) {
    const examples = down
      .slice(0, 3)
      .map((r) => `${r.family} ${r.table} ${r.chain}: ${r.before.packets} → ${r.after.packets} packets`)
      .join('; ');
    findings.push({
      severity: 'warning',
      code: 'counter-reset',
      node: pair.a,
      subject: pair.crossNode ? `${pair.a} / ${pair.b}` : pair.a,
      message:
        `${plural(down.length, 'rule counter')} of ${compared} went down (${examples}): ` +
        (pair.crossNode
          ? `the snapshots come from different nodes (${pair.a} in A, ${pair.b} in B), so counters are not a timeline`
          : 'the counters were reset between the snapshots (ruleset reload, kube-proxy restart, reboot) or the snapshots come from different nodes'),
      evidence: down.slice(0, 3).flatMap((r) => [r.evidence.a, r.evidence.b].filter((x) => x !== undefined)),
    });
  }
  return { compared, wentDown: down.length, rules, services: finishRollups(rollups, pair), findings };
}
