// What the path plan (skip.ts) compares, read from each side's traced nodes once: per chain its
// facts (ChainFacts: its owner, the rules it keeps, the dispatch rules attributed out of it, the
// first reason to trace everything), per node its files and node-level chains and sets, per
// Service the chains and sets it owns; and how two sides' facts compare. A chain of B identical to
// A's contributes A's facts object, so the common case (counters only) compares by identity.

import { appendAll } from '../arrays';
import type { NftRule, NftStatement, NftValue, NftVerdict, NodeData } from '../model';
import { canonicalIp } from '../trace/ip';
import { jsonEqual } from './common';
import { dnatTarget, hasDnatTarget, ruleKey, type ChainNames, type IndexedChain, type NodeRuleIndex } from './rule-index';
import type { ChainMatch } from './rules';
import type { SnapshotView } from './snapshot-view';

/** One side of the diff as the plan reads it: its snapshot, its nodes' rule indexes, the nodes traced (in pair order). */
export interface PlanSide {
  view: SnapshotView;
  rules: Map<string, NodeRuleIndex>;
  traceNodes: string[];
}

/** What a dispatch rule or map element could match: null fields are unconstrained. */
export interface Literals {
  addrs: Set<string> | null;
  ports: Set<string> | null;
  protos: Set<string> | null;
}

export interface Attributed {
  /** the Services whose chains it sends traffic to */
  targets: Set<string>;
  literals: Literals;
  /** where it sits and what it is, by meaning (built only to compare it with an entry that is not the same object) */
  text: () => string;
}

/** Where a chain is: its node as the pair agrees on (A's name) and as this side names it. */
export interface ChainPlace {
  nodeId: string;
  nodeName: string;
}

/**
 * What one chain contributes to its side's facts, read from its rules once. A chain of B identical
 * to its chain of A (ChainMatch.identical: counters aside) contributes A's object, the same on
 * both sides: equal by identity, so its rule keys are never built.
 */
export class ChainFacts {
  readonly chain: IndexedChain;
  readonly at: ChainPlace;
  readonly names: ChainNames;
  /** the Service owning the chain (chainOwner); null for a node-level chain */
  readonly owner: string | null;
  /** the first reason found in the chain to trace everything */
  readonly blocker: string | null;
  /** the rules its lines hold: an owned chain's all, a node-level chain's those not attributed */
  readonly kept: readonly NftRule[];
  /** a node-level chain's dispatch rules */
  readonly attributed: readonly Attributed[];
  #dnat: string[] | undefined;
  #literals: string[] | undefined;

  constructor(chain: IndexedChain, at: ChainPlace, names: ChainNames, owner: string | null, read: Pick<ChainFacts, 'blocker' | 'kept' | 'attributed'>) {
    this.chain = chain;
    this.at = at;
    this.names = names;
    this.owner = owner;
    this.blocker = read.blocker;
    this.kept = read.kept;
    this.attributed = read.attributed;
  }

  /**
   * An owned chain's DNAT targets (`ip:port` or `ip`). Read on first use, as `literals` are: only
   * attributing entries and looking up addresses read them, and neither is needed when nothing but
   * counters changed.
   */
  get dnat(): string[] {
    this.#dnat ??= this.kept.map((r) => dnatTarget(r.statements)).filter((d) => d !== null);
    return this.#dnat;
  }

  /** IP literals in the `saddr` matches of its kept rules */
  get literals(): string[] {
    if (this.#literals === undefined) {
      const literals: string[] = [];
      for (const r of this.kept) saddrLiterals(r, this.names, literals);
      this.#literals = literals;
    }
    return this.#literals;
  }

  /** a header, then its kept rules' keys: what is compared when the facts are not the same object */
  lines(): string[] {
    const c = this.chain.chain;
    const header =
      this.owner === null
        ? `chain ${this.chain.id} ${c.type ?? '-'} ${c.hook ?? '-'} ${c.priority ?? '-'} ${c.device ?? '-'} policy ${c.policy ?? '-'}`
        : `${this.at.nodeId} ${this.chain.id} policy ${c.policy ?? '-'}`;
    return [header, ...this.kept.map((r) => ruleKey(r, this.names))];
  }
}

/** What some chains and sets contain: per chain its facts, per set a header and its elements. */
export interface Contents {
  chains: ChainFacts[];
  sets: string[];
}

/** A traced node's node-level state: its files as they are, its node-level chains and sets. */
export interface NodeFacts extends Contents {
  files: Parts;
}

/** What a Service's chains and sets hold on every traced node, and what is read from them (on first use). */
export class OwnedFacts implements Contents {
  readonly chains: ChainFacts[] = [];
  readonly sets: string[] = [];
  #dnat: Set<string> | undefined;
  #literals: Set<string> | undefined;

  /** DNAT targets (`ip:port` or `ip`) in its chains */
  get dnat(): Set<string> {
    this.#dnat ??= new Set(this.chains.flatMap((c) => c.dnat));
    return this.#dnat;
  }

  /** IP literals in `saddr` matches of its rules, in the order the rules first name them */
  get literals(): Set<string> {
    this.#literals ??= new Set(this.chains.flatMap((c) => c.literals));
    return this.#literals;
  }
}

/**
 * A fingerprint as the parts it would be joined from: strings compared as they are, anything else
 * compared as its JSON would be (jsonEqual). Comparing parts one by one instead of joining them
 * into one string avoids copying every rule key of a large ruleset into a new string per side.
 */
export type Parts = unknown[];

export interface SideFacts {
  view: SnapshotView;
  /** per traced node (in pair order) */
  nodes: NodeFacts[];
  /** per Service */
  owned: Map<string, OwnedFacts>;
  attributed: Attributed[];
  /** IP literals in `saddr` matches of node-level rules and in node-level sets */
  nodeLiterals: Set<string>;
  blocker: string | null;
}

const DISPATCH_SELECTORS: Record<string, 'addr' | 'port' | 'proto'> = {
  'ip daddr': 'addr',
  'meta l4proto': 'proto',
  'ip protocol': 'proto',
  'tcp dport': 'port',
  'udp dport': 'port',
  'sctp dport': 'port',
  'th dport': 'port',
};
const IMPLIED_PROTO: Record<string, string> = { 'tcp dport': 'tcp', 'udp dport': 'udp', 'sctp dport': 'sctp' };
const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}\b/g;

/** `make`'s value, made on the first call. */
export function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/** Two fingerprints' parts are the same (so are the strings they would be joined into). */
export function partsEqual(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === 'string' || typeof y === 'string' || !jsonEqual(x, y)) return false;
  }
  return true;
}

/** Literal texts of a match value: a literal or a set of literals; null for anything else. */
function literalTexts(v: NftValue): string[] | null {
  if (v.kind === 'literal') return [v.text];
  if (v.kind !== 'set') return null;
  const out: string[] = [];
  for (const e of v.elements) {
    if (e.kind !== 'literal') return null;
    out.push(e.text);
  }
  return out;
}

function norm(kind: 'addr' | 'port' | 'proto', text: string): string {
  return kind === 'addr' ? canonicalIp(text) : text.toLowerCase();
}

function constrain(l: Literals, kind: 'addr' | 'port' | 'proto', values: string[]): void {
  const key = kind === 'addr' ? 'addrs' : kind === 'port' ? 'ports' : 'protos';
  const next = new Set<string>();
  for (const x of values) next.add(norm(kind, x));
  const held = l[key];
  if (held === null) l[key] = next;
  else for (const x of held) if (!next.has(x)) held.delete(x);
}

/** Chains a verdict or verdict map sends traffic to (named maps excluded: see setUsage), handed to `visit`. */
function verdictTargets(s: NftStatement, visit: (target: string) => void): void {
  const of = (v: NftVerdict | null) => {
    if (v && (v.kind === 'jump' || v.kind === 'goto') && v.target !== null) visit(v.target);
  };
  if (s.kind === 'verdict') of(s.verdict);
  else if ((s.kind === 'vmap' || s.kind === 'numgen-vmap') && s.map.kind === 'inline') for (const e of s.map.elements) of(e.verdict);
}

/** The rule's packet-field literals when it matches on nothing else (and does nothing but a verdict); else null. */
function dispatchLiterals(rule: NftRule): Literals | null {
  const l: Literals = { addrs: null, ports: null, protos: null };
  for (const s of rule.statements) {
    switch (s.kind) {
      case 'counter':
      case 'comment':
      case 'verdict':
        continue;
      case 'match': {
        if (s.op !== '==' || s.left.mask !== null || s.left.selectors.length !== 1) return null;
        const sel = s.left.selectors[0];
        const kind = DISPATCH_SELECTORS[sel];
        const values = literalTexts(s.right);
        if (!kind || !values) return null;
        constrain(l, kind, values);
        if (IMPLIED_PROTO[sel]) constrain(l, 'proto', [IMPLIED_PROTO[sel]]);
        continue;
      }
      default:
        return null;
    }
  }
  return l.addrs === null && l.ports === null ? null : l;
}

/**
 * Where the engine's packets could be bounded no more: a NAT whose target is not written down (the
 * first such statement; `literalDnat`: the rule has a dnat dnatTarget reads); the chains the rule's
 * verdicts send traffic to are handed to `visit`. One pass over the statements.
 */
function scanRule(rule: NftRule, literalDnat: boolean, visit: (target: string) => void): string | null {
  let nat: string | null = null;
  for (const s of rule.statements) {
    switch (s.kind) {
      case 'nat-map':
        nat ??= 'a NAT computed from a map';
        break;
      case 'nat':
        if (s.type === 'redirect') nat ??= 'a redirect';
        else if (s.type === 'dnat' && !literalDnat) nat ??= 'a DNAT without a literal target';
        break;
      case 'verdict':
      case 'vmap':
      case 'numgen-vmap':
        verdictTargets(s, visit);
        break;
    }
  }
  return nat;
}

/** Whether a statement other than the counter mentions `saddr`. */
function hasSaddr(rule: NftRule): boolean {
  for (const s of rule.statements) if (s.kind !== 'counter' && s.text.includes('saddr')) return true;
  return false;
}

/** IPv4 literals of a rule with a `saddr` match, read from its key (chain names by meaning). */
function saddrLiterals(rule: NftRule, names: ChainNames, into: string[]): void {
  // the statements are checked first: most rules have no saddr, and their keys are not built
  if (!hasSaddr(rule)) return;
  for (const m of ruleKey(rule, names).matchAll(IPV4)) into.push(m[0]);
}

/** The Service owning a chain: a kube-proxy chain no hook calls. */
function chainOwner(c: IndexedChain): string | null {
  return c.ref && c.chain.hook === null ? c.ref.serviceKey : null;
}

/** How each named set is used, by `family table name`: the selectors it is looked up with, or null when not as a dispatch map. */
function setUsage(idx: NodeRuleIndex): Map<string, string[] | null> {
  const usage = new Map<string, string[] | null>();
  const use = (c: IndexedChain, name: string, selectors: string[] | null) => {
    const id = `${c.family} ${c.table} ${name}`;
    const held = usage.get(id);
    const ok =
      selectors !== null && chainOwner(c) === null && selectors.every((s) => DISPATCH_SELECTORS[s] !== undefined) && (held === undefined || (held !== null && held.join() === selectors.join()));
    usage.set(id, ok ? selectors : null);
  };
  const refs = (c: IndexedChain, v: NftValue) => {
    if (v.kind === 'setref') use(c, v.name, null);
    else if (v.kind === 'set') for (const e of v.elements) refs(c, e);
    else if (v.kind === 'concat') for (const e of v.parts) refs(c, e);
  };
  for (const c of idx.chains.values()) {
    for (const r of c.chain.rules) {
      for (const s of r.statements) {
        if ((s.kind === 'vmap' || s.kind === 'nat-map') && s.map.kind === 'named') use(c, s.map.name, s.kind === 'vmap' ? s.key.selectors : null);
        else if (s.kind === 'numgen-vmap' && s.map.kind === 'named') use(c, s.map.name, null);
        else if (s.kind === 'match') refs(c, s.right);
        else if (s.kind === 'unknown' || s.kind === 'passive') {
          for (const m of s.text.matchAll(/@([\w.-]+)/g)) use(c, m[1], null);
        }
      }
    }
  }
  return usage;
}

function elementLiterals(key: NftValue, selectors: string[]): Literals | null {
  const parts = key.kind === 'concat' ? key.parts : [key];
  if (parts.length !== selectors.length) return null;
  const l: Literals = { addrs: null, ports: null, protos: null };
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p.kind !== 'literal') return null;
    constrain(l, DISPATCH_SELECTORS[selectors[i]], [p.text]);
    const implied = IMPLIED_PROTO[selectors[i]];
    if (implied) constrain(l, 'proto', [implied]);
  }
  return l.addrs === null && l.ports === null ? null : l;
}

/** An owned chain's dispatch entries: none (its rules are the Service's, not attributed to it). */
const NO_ENTRIES: readonly Attributed[] = [];

function ownedChainFacts(c: IndexedChain, owner: string, at: ChainPlace, names: ChainNames): ChainFacts {
  let blocker: string | null = null;
  /** the first of the rule's verdicts sending traffic to another Service's chain: blocked after the rule's NAT, as ever */
  let sendsElsewhere: string | null = null;
  const sends = (t: string) => {
    const other = names.ref(t)?.serviceKey ?? null;
    if (other !== null && other !== owner) sendsElsewhere ??= `${c.chain.name} (${owner}) sends traffic to a chain of ${other}`;
  };
  for (const r of c.chain.rules) {
    sendsElsewhere = null;
    const nat = scanRule(r, hasDnatTarget(r.statements), sends);
    if (nat) blocker ??= `${nat} in ${c.chain.name} on ${at.nodeName}`;
    if (sendsElsewhere !== null) blocker ??= sendsElsewhere;
  }
  return new ChainFacts(c, at, names, owner, { blocker, kept: c.chain.rules, attributed: NO_ENTRIES });
}

function nodeChainFacts(c: IndexedChain, at: ChainPlace, names: ChainNames): ChainFacts {
  let blocker: string | null = null;
  const kept: NftRule[] = [];
  const attributed: Attributed[] = [];
  for (const r of c.chain.rules) {
    const targets = new Set<string>();
    const literalDnat = hasDnatTarget(r.statements);
    const nat = scanRule(r, literalDnat, (t) => {
      const owner = names.ref(t)?.serviceKey ?? null;
      if (owner !== null) targets.add(owner);
    });
    if (nat || literalDnat) blocker ??= `${nat ?? 'a DNAT'} outside Service chains (${c.chain.name} on ${at.nodeName})`;
    const literals = dispatchLiterals(r);
    if (literals) {
      const where = `${at.nodeId} ${c.id} @${kept.length}`;
      attributed.push({ targets, literals, text: lazy(() => `${where}: ${ruleKey(r, names)}`) });
      continue;
    }
    if (targets.size > 0) blocker ??= `a rule sending traffic to a Service's chain without address/port literals (${c.chain.name} on ${at.nodeName})`;
    kept.push(r);
  }
  return new ChainFacts(c, at, names, null, { blocker, kept, attributed });
}

export function chainFacts(c: IndexedChain, at: ChainPlace, names: ChainNames): ChainFacts {
  const owner = chainOwner(c);
  return owner === null ? nodeChainFacts(c, at, names) : ownedChainFacts(c, owner, at, names);
}

/** A chain's facts as chainFacts gives them; B's chains identical to A's get A's. */
export type FactsOf = (c: IndexedChain, at: ChainPlace) => ChainFacts;

function ownedBy(facts: SideFacts, owner: string): OwnedFacts {
  let held = facts.owned.get(owner);
  if (!held) facts.owned.set(owner, (held = new OwnedFacts()));
  return held;
}

function addChain(facts: SideFacts, node: NodeFacts, f: ChainFacts): void {
  facts.blocker ??= f.blocker;
  if (f.owner === null) {
    node.chains.push(f);
    appendAll(facts.attributed, f.attributed);
    for (const lit of f.literals) facts.nodeLiterals.add(lit);
    return;
  }
  ownedBy(facts, f.owner).chains.push(f);
}

function addSets(facts: SideFacts, node: NodeFacts, idx: NodeRuleIndex, at: ChainPlace, names: ChainNames): void {
  if (idx.sets.size === 0) return;
  const refOwner = (chain: string): string | null => names.ref(chain)?.serviceKey ?? null;
  const usage = setUsage(idx);
  for (const s of idx.sets.values()) {
    const owner = refOwner(s.set.name);
    const header = `${s.id} ${s.set.keyType} ${s.set.dataType ?? '-'} ${s.set.flags.join(',')}`;
    if (owner !== null) {
      ownedBy(facts, owner).sets.push(`${at.nodeId} ${header}`, [...s.elements].map(([k, e]) => `${k} ×${e.count}`).sort().join('\n'));
      continue;
    }
    node.sets.push(header);
    const selectors = s.set.kind === 'map' ? (usage.get(`${s.family} ${s.table} ${s.set.name}`) ?? null) : null;
    const nodeLevel: string[] = [];
    for (const e of s.set.elements) {
      const target = e.verdict && (e.verdict.kind === 'jump' || e.verdict.kind === 'goto') && e.verdict.target !== null ? refOwner(e.verdict.target) : null;
      const literals = selectors && e.verdict ? elementLiterals(e.key, selectors) : null;
      const text = `${names.canonical(e.verdict?.target ?? '')} ${JSON.stringify(e.key)} ${e.verdict?.kind ?? '-'} ${JSON.stringify(e.value)}`;
      if (literals) {
        // a lookup matches one element exactly: elements are attributed one by one, order aside
        const entry = `${at.nodeId} ${s.id} element ${text}`;
        facts.attributed.push({ targets: new Set(target === null ? [] : [target]), literals, text: () => entry });
        continue;
      }
      if (target !== null) facts.blocker ??= `set ${s.set.name} on ${at.nodeName} sends traffic to a Service's chain and cannot be attributed`;
      for (const m of JSON.stringify(e.key).matchAll(IPV4)) facts.nodeLiterals.add(m[0]);
      nodeLevel.push(text);
    }
    appendAll(node.sets, nodeLevel.sort());
  }
}

/** A node's files as they are, sources included: a source moves only when its file's content does. */
function nodeFiles(data: NodeData): Parts {
  return [
    [data.interfaces, data.addresses, data.routes, data.ipRules, data.neighbours, data.fdb, data.netns, data.namespaces, data.sandboxes],
    Object.entries(data.sysctls).sort(),
  ];
}

export function sideFacts(side: PlanSide, names: ChainNames, nodeIds: string[], factsOf: FactsOf): SideFacts {
  const facts: SideFacts = {
    view: side.view,
    nodes: [],
    owned: new Map(),
    attributed: [],
    nodeLiterals: new Set(),
    blocker: null,
  };
  side.traceNodes.forEach((nodeName, n) => {
    const data = side.view.nodes.get(nodeName);
    const idx = side.rules.get(nodeName);
    if (!data || !idx) {
      facts.blocker ??= `node ${nodeName}: no rule index`;
      return;
    }
    const at: ChainPlace = { nodeId: nodeIds[n], nodeName };
    const node: NodeFacts = { files: nodeFiles(data), chains: [], sets: [] };
    for (const c of idx.chains.values()) addChain(facts, node, factsOf(c, at));
    addSets(facts, node, idx, at, names);
    facts.nodes.push(node);
  });
  return facts;
}

/**
 * B's rules contribute what A's do: on every traced node each chain is identical to A's chain at
 * the same place (ChainMatch.identical), and neither side has sets (their facts are read per side).
 * `matches` lists each node's matches in A's order: every chain matched, B's in the same order.
 */
export function sameRules(a: PlanSide, b: PlanSide, matches: readonly (readonly ChainMatch[])[]): boolean {
  for (let n = 0; n < a.traceNodes.length; n++) {
    const ia = a.rules.get(a.traceNodes[n]);
    const ib = b.rules.get(b.traceNodes[n]);
    const node = matches[n];
    if (!ia || !ib || !node || node.length !== ia.chains.size || node.length !== ib.chains.size || ia.sets.size > 0 || ib.sets.size > 0) return false;
    let k = 0;
    for (const cb of ib.chains.values()) {
      const m = node[k++];
      if (!m.identical || m.b !== cb) return false;
    }
  }
  return true;
}

/** B's facts when its rules are A's (sameRules): A's rule facts, shared, and B's own node files. */
export function withRulesOf(fa: SideFacts, b: PlanSide): SideFacts {
  return { ...fa, view: b.view, nodes: fa.nodes.map((node, n) => ({ ...node, files: nodeFiles(b.view.nodes.get(b.traceNodes[n])!) })) };
}

export const NO_CONTENTS: Contents = { chains: [], sets: [] };

/** Two chains' facts are the same: the same object (identical chains), or the same lines. */
function sameChainFacts(x: ChainFacts, y: ChainFacts): boolean {
  return x === y || partsEqual(x.lines(), y.lines());
}

export function sameContents(x: Contents, y: Contents): boolean {
  if (x === y) return true;
  if (x.chains.length !== y.chains.length || !partsEqual(x.sets, y.sets)) return false;
  for (let i = 0; i < x.chains.length; i++) if (!sameChainFacts(x.chains[i], y.chains[i])) return false;
  return true;
}

export function sameNode(x: NodeFacts, y: NodeFacts): boolean {
  return partsEqual(x.files, y.files) && sameContents(x, y);
}

export function sameAttributed(x: readonly Attributed[], y: readonly Attributed[]): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i] && x[i].text() !== y[i].text()) return false;
  return true;
}

