// Counter deltas. For every rule present in both snapshots (rule identity, rules.ts) the packet
// and byte increase; rolled up per Service port and endpoint through the endpoint chains
// (KUBE-SEP-… / endpoint-…: their dnat rule names the endpoint, their hashed name the Service
// port). nat rules see only a connection's first packet, so an endpoint chain's packets are new
// connections. A counter that went down was reset (ruleset reload, kube-proxy restart, reboot) or
// belongs to a different node: the increase is then counted from zero, the roll-up says so, and
// the node gets a finding.

import type { Finding } from '../findings';
import type { NftRule } from '../model';
import { compareText } from './common';
import { dnatTarget, ruleDisplay, type IndexedChain } from './rule-index';
import type { ChainMatch } from './rules';
import type { EndpointCounter, NodePair, RuleCounterDelta, ServiceCounterRollup } from './types';

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

/** Roll-ups by Service key, then one per port name (null as '') and protocol: a Service has a few ports. */
type Rollups = Map<string, Rollup[]>;

/**
 * The roll-up of an endpoint chain's Service port (found once per chain, not per rule); null for
 * any other chain. Found by the ref's Service key, one string shared by all its chains' refs: no
 * key is built per chain.
 */
function rollupOf(rollups: Rollups, chain: IndexedChain): Rollup | null {
  const ref = chain.ref;
  if (!ref || ref.kind !== 'sep') return null;
  let ports = rollups.get(ref.serviceKey);
  if (!ports) rollups.set(ref.serviceKey, (ports = []));
  const portName = ref.portName ?? '';
  let r = ports.find((x) => (x.portName ?? '') === portName && x.protocol === ref.protocol);
  if (!r) ports.push((r = { service: ref.serviceKey, portName: ref.portName, protocol: ref.protocol, endpoints: new Map() }));
  return r;
}

function addEndpoint(r: Rollup, rule: NftRule, packets: number, bytes: number, reset: boolean, newInB: boolean): void {
  const dnat = dnatTarget(rule.statements);
  if (dnat === null) return;
  const seen = r.endpoints.get(dnat);
  if (seen) {
    seen.packets += packets;
    seen.bytes += bytes;
    seen.reset ||= reset;
    seen.newInB ||= newInB;
  } else r.endpoints.set(dnat, { endpoint: dnat, address: addressOf(dnat), packets, bytes, reset, newInB });
}

function finishRollups(rollups: Rollups, pair: NodePair): ServiceCounterRollup[] {
  const out: ServiceCounterRollup[] = [];
  for (const r of [...rollups.values()].flat()) {
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

/**
 * The matches' indices in the output's order of chains: B's family, table, then name. Chains are
 * grouped by table (a ruleset has a few, its chains listed table by table), and each table's keys
 * (`name NUL index`) sorted in the engine's own string order (code units, as compareText): for the
 * 74,000 chains of a large ruleset several times faster than a comparator, and shorter keys than
 * ones holding the table too. A NUL (in no name) keeps the name before the index.
 */
function outputOrder(matches: readonly ChainMatch[]): number[] {
  const tables: { family: string; table: string; keys: string[] }[] = [];
  let at: (typeof tables)[number] | undefined;
  matches.forEach((m, i) => {
    const { family, table } = m.b;
    if (at === undefined || at.family !== family || at.table !== table) {
      at = tables.find((t) => t.family === family && t.table === table);
      if (at === undefined) tables.push((at = { family, table, keys: [] }));
    }
    at.keys.push(`${m.b.chain.name}\0${i}`);
  });
  tables.sort((x, y) => compareText(x.family, y.family) || compareText(x.table, y.table));
  const order: number[] = [];
  for (const t of tables) for (const k of t.keys.sort()) order.push(Number(k.slice(k.lastIndexOf('\0') + 1)));
  return order;
}

/**
 * Appends the counter deltas of a chain's rules present in both, in A's order, and rolls up an
 * endpoint chain's packets; returns how many rules were compared. Rules are read as parsed
 * (NftRule): an identical chain's IndexedRules are never made.
 */
function chainDeltas(m: ChainMatch, pair: NodePair, rollups: Rollups, deltas: RuleCounterDelta[]): number {
  const ca = m.a;
  const cb = m.b;
  const rollup = rollupOf(rollups, cb.ref ? cb : ca);
  const flat = m.pairs;
  const n = flat === null ? ca.chain.rules.length : flat.length >> 1;
  let compared = 0;
  for (let k = 0; k < n; k++) {
    const ra = ca.chain.rules[flat === null ? k : flat[2 * k]];
    const rb = cb.chain.rules[flat === null ? k : flat[2 * k + 1]];
    const before = ra.counter;
    const after = rb.counter;
    if (!before || !after) continue;
    compared++;
    const reset = after.packets < before.packets || after.bytes < before.bytes;
    const packets = reset ? after.packets : after.packets - before.packets;
    const bytes = reset ? after.bytes : after.bytes - before.bytes;
    if (rollup) addEndpoint(rollup, rb, packets, bytes, reset, false);
    if (packets === 0 && bytes === 0 && !reset) continue;
    // the same fields in the same order as ever: the JSON output is compared byte for byte
    const evidence = { a: ra.source, b: rb.source };
    const rule = ruleDisplay(rb);
    deltas.push(
      pair.crossNode
        ? { node: pair.a, nodeB: pair.b, family: cb.family, table: cb.table, chain: cb.chain.name, position: rb.position, rule, before, after, packets, bytes, reset, evidence }
        : { node: pair.a, family: cb.family, table: cb.table, chain: cb.chain.name, position: rb.position, rule, before, after, packets, bytes, reset, evidence },
    );
  }
  return compared;
}

/** `rules` lists the deltas by chain in the output's order (the caller's sort of them all is then about one pass). */
export function diffCounters(matches: readonly ChainMatch[], newChains: readonly IndexedChain[], pair: NodePair): NodeCounters {
  const rollups: Rollups = new Map();
  /** every delta in A's order; chain i's from starts[i] to starts[i + 1] */
  const deltas: RuleCounterDelta[] = [];
  const starts = new Uint32Array(matches.length + 1);
  let compared = 0;
  matches.forEach((m, i) => {
    starts[i] = deltas.length;
    compared += chainDeltas(m, pair, rollups, deltas);
  });
  starts[matches.length] = deltas.length;
  for (const chain of newChains) {
    const rollup = rollupOf(rollups, chain);
    if (!rollup) continue;
    for (const rule of chain.chain.rules) {
      const c = rule.counter;
      if (c) addEndpoint(rollup, rule, c.packets, c.bytes, false, true);
    }
  }
  const rules: RuleCounterDelta[] = [];
  for (const i of outputOrder(matches)) for (let k = starts[i]; k < starts[i + 1]; k++) rules.push(deltas[k]);
  // the finding's examples are the first in A's order, as ever
  const down = deltas.filter((r) => r.reset);
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
