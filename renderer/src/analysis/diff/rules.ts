// nftables rules of each compared node pair, by meaning (rule-index.ts): chains are matched by
// (family, table, what the chain stands for), rules inside a chain as a multiset of keys. What is
// left is paired by action (same jump / dnat / verdict, different matches: one `changed` rule),
// then reported as added or removed. Rules present in both but in another order are one
// `reordered` change for the chain, naming only the rules that moved (those outside the longest
// run kept in order); in a chain of `meta random` / `statistic` / `numgen` rules order decides
// each endpoint's probability, which the change and a finding say.

import type { Finding } from '../findings';
import { groupBy, makeChange, oneSided, pairScope, fieldChanges, type Fields } from './common';
import { sameRuleTexts, type IndexedChain, type IndexedRule, type IndexedSet, type NodeRuleIndex } from './rule-index';
import type { Change, FieldChange, NodePair } from './types';

/**
 * The rules of a chain present in both snapshots (same chain meaning, same key): `pairs` holds
 * flat (index in A, index in B) pairs in A's order, or is null when every rule of A matched the
 * rule at the same position in B (the chains have the same keys in the same order).
 */
export interface ChainMatch {
  a: IndexedChain;
  b: IndexedChain;
  pairs: number[] | null;
  /** same name, properties and rule texts, counters aside (sameRuleTexts): whatever is derived from one chain holds for the other */
  identical: boolean;
}

export interface RulesDiff {
  changes: Change[];
  /** chains present in both, in A's order */
  matches: ChainMatch[];
  /** chains that exist only in B */
  newChains: IndexedChain[];
  findings: Finding[];
}

const SERVICE_CHAIN_KINDS = new Set(['svc', 'svl', 'ext', 'fw', 'xlb']);

export const PROBABILITY_NOTE =
  'rule order decides probabilities here: random/statistic/numgen rules are tried in turn, so each endpoint is now picked with a different probability';

function chainSubject(a: IndexedChain | null, b: IndexedChain | null): string {
  const x = (a ?? b)!;
  const name = a && b && a.chain.name !== b.chain.name ? `${a.chain.name} → ${b.chain.name}` : (b ?? a)!.chain.name;
  return `${x.family} ${x.table} ${name}`;
}

function chainFields(c: IndexedChain): Fields {
  return { type: c.chain.type, hook: c.chain.hook, priority: c.chain.priority, device: c.chain.device, policy: c.chain.policy, rules: c.rules.length };
}

/** Indices (into `seq`) of one longest strictly increasing subsequence: the rules that kept their order. */
function longestIncreasing(seq: readonly number[]): Set<number> {
  const tails: number[] = [];
  const prev = new Array<number>(seq.length).fill(-1);
  for (let i = 0; i < seq.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seq[tails[mid]] < seq[i]) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tails[lo - 1];
    tails[lo] = i;
  }
  const keep = new Set<number>();
  for (let i = tails.length ? tails[tails.length - 1] : -1; i !== -1; i = prev[i]) keep.add(i);
  return keep;
}

/** Strictly equal and defined: what fieldChanges would call the same value, for scalar fields. */
function same<T>(x: T, y: T): boolean {
  return x === y && x !== undefined;
}

/** The chains' properties (all but their rules) and names are the same: no chain-level change. */
function sameChain(a: IndexedChain['chain'], b: IndexedChain['chain']): boolean {
  return same(a.type, b.type) && same(a.hook, b.hook) && same(a.priority, b.priority) && same(a.device, b.device) && same(a.policy, b.policy) && a.name === b.name;
}

/** Every rule has the key of the rule at the same position on the other side. */
function keysInOrder(ra: readonly IndexedRule[], rb: readonly IndexedRule[]): boolean {
  if (ra.length !== rb.length) return false;
  for (let i = 0; i < ra.length; i++) if (ra[i].key !== rb[i].key) return false;
  return true;
}

function diffChain(ca: IndexedChain, cb: IndexedChain, pair: NodePair, out: RulesDiff): void {
  const sameProps = sameChain(ca.chain, cb.chain);
  // the same texts mean the same keys: most chains differ in counters only, and their keys are never built
  const sameTexts = sameRuleTexts(ca.chain, cb.chain);
  const inOrder = sameTexts || keysInOrder(ca.rules, cb.rules);
  if (inOrder && sameProps) {
    // the common case: nothing changed but counters
    out.matches.push({ a: ca, b: cb, pairs: null, identical: sameTexts });
    return;
  }
  const scope = pairScope(pair);
  const subject = chainSubject(ca, cb);
  if (!sameProps) {
    const chainChange = fieldChanges(chainFields(ca), chainFields(cb)).filter((f) => f.field !== 'rules');
    if (ca.chain.name !== cb.chain.name) chainChange.push({ field: 'name', before: ca.chain.name, after: cb.chain.name });
    if (chainChange.length > 0) out.changes.push(makeChange('changed', subject, chainChange, { a: ca.chain.source, b: cb.chain.source }, scope));
  }
  if (inOrder) {
    out.matches.push({ a: ca, b: cb, pairs: null, identical: false });
    return;
  }

  const queues = new Map<string, { list: number[]; next: number }>();
  cb.rules.forEach((r, j) => {
    const q = queues.get(r.key);
    if (q) q.list.push(j);
    else queues.set(r.key, { list: [j], next: 0 });
  });
  const matched: [number, number][] = [];
  const flat: number[] = [];
  const unmatchedA: IndexedRule[] = [];
  const usedB = new Uint8Array(cb.rules.length);
  ca.rules.forEach((r, i) => {
    const q = queues.get(r.key);
    if (q && q.next < q.list.length) {
      const j = q.list[q.next++];
      usedB[j] = 1;
      matched.push([i, j]);
      flat.push(i, j);
    } else unmatchedA.push(r);
  });
  out.matches.push({ a: ca, b: cb, pairs: flat, identical: false });
  const unmatchedB = cb.rules.filter((_, j) => !usedB[j]);

  const byAction = groupBy(unmatchedB.filter((r) => r.action !== ''), (r) => r.action);
  const pairedB = new Set<IndexedRule>();
  let meaningChanged = 0;
  for (const r of unmatchedA) {
    const candidates = r.action === '' ? undefined : byAction.get(r.action);
    const other = candidates?.shift();
    const evidence = { a: r.rule.source, ...(other ? { b: other.rule.source } : {}) };
    if (!other) {
      out.changes.push(makeChange('removed', `${subject}: ${r.display}`, [{ field: 'position', before: r.rule.position, after: null }], evidence, scope));
      continue;
    }
    pairedB.add(other);
    meaningChanged++;
    const fields: FieldChange[] = [{ field: 'rule', before: r.display, after: other.display }];
    if (r.rule.position !== other.rule.position) fields.push({ field: 'position', before: r.rule.position, after: other.rule.position });
    out.changes.push(makeChange('changed', `${subject}: ${other.display}`, fields, evidence, scope));
  }
  for (const r of unmatchedB) {
    if (pairedB.has(r)) continue;
    out.changes.push(makeChange('added', `${subject}: ${r.display}`, [{ field: 'position', before: null, after: r.rule.position }], { b: r.rule.source }, scope));
  }

  const kept = longestIncreasing(matched.map(([, j]) => j));
  const moved = matched.filter((_, k) => !kept.has(k));
  const probabilistic = ca.probabilistic || cb.probabilistic;
  if (moved.length > 0) {
    const fields = moved.map(([i, j]) => ({ field: cb.rules[j].display, before: i, after: j }));
    const note = probabilistic ? PROBABILITY_NOTE : undefined;
    out.changes.push(makeChange('reordered', subject, fields, { a: ca.chain.source, b: cb.chain.source }, scope, note));
    if (probabilistic) {
      out.findings.push({
        severity: 'warning',
        code: 'probability-order-changed',
        node: pair.a,
        subject,
        message: `${subject}: ${moved.length} probability rule(s) changed order${pair.crossNode ? ` (vs ${pair.b})` : ''}; ${PROBABILITY_NOTE}`,
        evidence: [ca.chain.source, cb.chain.source],
      });
    }
  }
  const ref = cb.ref ?? ca.ref;
  if (meaningChanged > 0 && ref && SERVICE_CHAIN_KINDS.has(ref.kind)) {
    out.findings.push({
      severity: 'info',
      code: 'service-rule-changed',
      node: pair.a,
      subject,
      message: `${subject} (${ref.serviceKey}${ref.portName ? `:${ref.portName}` : ''}/${ref.protocol}): ${meaningChanged} rule(s) kept their action but now match differently`,
      evidence: [ca.chain.source, cb.chain.source],
    });
  }
}

function diffSet(sa: IndexedSet, sb: IndexedSet, pair: NodePair, out: Change[]): void {
  const scope = pairScope(pair);
  const subject = `${sb.family} ${sb.table} ${sb.set.kind} ${sb.set.name}`;
  const evidence = { a: sa.set.source, b: sb.set.source };
  for (const [key, e] of sa.elements) {
    const n = e.count - (sb.elements.get(key)?.count ?? 0);
    for (let k = 0; k < n; k++) out.push(makeChange('removed', `${subject}: ${e.display}`, [{ field: 'element', before: e.display, after: null }], evidence, scope));
  }
  for (const [key, e] of sb.elements) {
    const n = e.count - (sa.elements.get(key)?.count ?? 0);
    for (let k = 0; k < n; k++) out.push(makeChange('added', `${subject}: ${e.display}`, [{ field: 'element', before: null, after: e.display }], evidence, scope));
  }
}

export function diffRules(a: NodeRuleIndex, b: NodeRuleIndex, pair: NodePair): RulesDiff {
  const out: RulesDiff = { changes: [], matches: [], newChains: [], findings: [] };
  const scope = pairScope(pair);
  for (const [identity, ca] of a.chains) {
    const cb = b.chains.get(identity);
    if (cb) diffChain(ca, cb, pair, out);
    else out.changes.push(makeChange('removed', chainSubject(ca, null), oneSided(chainFields(ca), 'a'), { a: ca.chain.source }, scope));
  }
  for (const [identity, cb] of b.chains) {
    if (a.chains.has(identity)) continue;
    out.newChains.push(cb);
    out.changes.push(makeChange('added', chainSubject(null, cb), oneSided(chainFields(cb), 'b'), { b: cb.chain.source }, scope));
  }
  for (const [id, sa] of a.sets) {
    const sb = b.sets.get(id);
    if (sb) diffSet(sa, sb, pair, out.changes);
    else out.changes.push(makeChange('removed', id, [{ field: 'elements', before: sa.set.elements.length, after: null }], { a: sa.set.source }, scope));
  }
  for (const [id, sb] of b.sets) {
    if (!a.sets.has(id)) out.changes.push(makeChange('added', id, [{ field: 'elements', before: null, after: sb.set.elements.length }], { b: sb.set.source }, scope));
  }
  return out;
}
