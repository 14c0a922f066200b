// Netfilter evaluation for one hook on one node, in the kernel's order: base chains by priority,
// rules in order, jumps / gotos / returns with a call stack, verdicts and policies, marks, NAT,
// sets, maps and verdict maps, `fib … type`, `numgen random` and kube-proxy's `statistic random`.
//
// Policy for what cannot be decided from the snapshot:
// - the client's source address (an external client is only known not to be a pod or node
//   address): a 'condition' fork, "source in X" / "source not in X", remembered along the path;
// - a match the engine cannot evaluate (`xt match physdev`, `# PHYSDEV match …`, an unknown
//   selector): an 'unevaluable' fork, matched / not matched, each branch starting with an
//   'unevaluable' hop that says what it assumed;
// - `--physdev-is-bridged` alone is decided: every packet this engine follows through the forward
//   hook was routed, not bridged (br_netfilter paths are not modelled), so it does not match;
// - an unevaluable action or verdict map (`xt target …`, `queue`, a vmap keyed on the unknown
//   source): the path stops with disposition 'unevaluable';
// - kube-proxy's session affinity check (`xt match recent` before the endpoint jumps, an
//   `affinity-…` set): a new connection has no affinity entry, so it does not match; the hop is
//   shown and the assumption recorded. `recent --set` beside a DNAT always matches.

import type { NftMapElement, NftRule, NftStatement, NftValue, NftVerdict, SourceRef } from '../model';
import { endpointFor, resolveChainOwner, type ChainOwner, type TraceContext } from './context';
import { cidrContains, cidrOverlaps, parseCidr, parseIp } from './ip';
import {
  buildSetIndex,
  canonical,
  dispatchCandidates,
  endpointChoices,
  explicitRandom,
  isRecentRemnant,
  isStatisticRemnant,
  lookupSet,
  ruleJumpTarget,
  type RandomInfo,
  scalarMatches,
  selectorKind,
  type ChainIndex,
  type HookChain,
  type SetIndex,
  type TableIndex,
  type ValueKind,
} from './nft-index';
import { interfaceAddress, isLocalAddress } from './routing';
import type { ChainVisit, EndpointRef, Hop, HopKind, HopObject, StepAction, Transform } from './types';
import { append, NO_TRANSFORMS, trailIncludes, type BranchSpec, type Outcome, type Walk } from './walk-types';

export interface Frame {
  chain: ChainFacts;
  candidates: readonly number[] | null;
  /** index into candidates (or the rule position when there are none) */
  idx: number;
  /** statement to resume at within the current rule */
  stmt: number;
  /** the rule-level random choice was already made for the current rule */
  randomDecided: boolean;
  /** the current rule's rewrites so far (replaced, never mutated: hops and copies share it) */
  pending: Transform[];
}

export interface NfCursor {
  hook: string;
  /** the hook's base chains on the walk's node, looked up on the cursor's first step */
  hookChains: HookChain[] | null;
  base: number;
  stack: Frame[];
  natDone: boolean;
}

export function cloneCursor(nf: NfCursor): NfCursor {
  const stack = new Array<Frame>(nf.stack.length);
  for (let i = 0; i < stack.length; i++) stack[i] = { ...nf.stack[i] };
  return { ...nf, stack };
}

export function newCursor(hook: string): NfCursor {
  return { hook, hookChains: null, base: -1, stack: [], natDone: false };
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

export function valueText(v: NftValue): string {
  switch (v.kind) {
    case 'literal':
      return v.text;
    case 'prefix':
      return `${v.address}/${v.length}`;
    case 'range':
      return `${v.from}-${v.to}`;
    case 'set':
      return `{ ${v.elements.map(valueText).join(', ')} }`;
    case 'setref':
      return `@${v.name}`;
    case 'concat':
      return v.parts.map(valueText).join(' . ');
  }
}

// ---------------------------------------------------------------------------------------------
// Frames and chains

/**
 * What every path entering a chain shares: its visit record, the Service (and endpoint) it
 * belongs to, and its rules' facts. Built on the chain's first entry; a chain index belongs to one
 * node of one context, so none of it depends on the path. Kept for the rest of the trace, but for
 * a kube-proxy chain's, which forgettingServiceChains drops once its Service is traced.
 */
export interface ChainFacts {
  index: ChainIndex;
  visit: ChainVisit;
  owner: ChainOwner | null;
  /** by rule position, each built on the rule's first evaluation */
  rules: (RuleFacts | undefined)[];
}

/**
 * What a rule gives on every evaluation, each part built when first needed: most rules are
 * evaluated without ever matching, and every part is kept with its chain's facts.
 */
export interface RuleFacts {
  rule: NftRule;
  chain: ChainFacts;
  /** kube-proxy's endpoint choice when the rule text does not show it */
  random: RandomInfo | undefined;
  /** the object and the evidence of the rule's hops (the evidence also of its forks) */
  object: HopObject | undefined;
  evidence: SourceRef[] | undefined;
  /** the text of the rule's own verdict (a map's verdicts are found per lookup) */
  verdictText: string | undefined;
  /** the chain the rule's own jump or goto enters (null: not in the table); not its facts, which may be forgotten before this rule's */
  jumpsTo: ChainIndex | null | undefined;
  /** forks that depend only on the rule: the endpoint choice, and `meta random` matches by statement */
  choiceFork: Outcome | undefined;
  randomForks: (Outcome | undefined)[] | undefined;
  /** the target of the rule's `dnat to ADDRESS[:PORT]` and the endpoint it names */
  dnat: { target: NatTarget; endpoint: EndpointRef | null } | undefined;
}

/** Chain facts by table, then by the chain's position in it: one small lookup per chain entered, however many chains a table has. */
const tableFacts = new WeakMap<TableIndex, (ChainFacts | undefined)[]>();

/** The facts of kube-proxy chains (those with an owner) built since forgettingServiceChains began, to forget when it ends; null outside it. */
let ownedChainFacts: ChainFacts[] | null = null;

/**
 * Runs `trace` (one Service's trees), then forgets the facts it built for kube-proxy chains. A
 * Service's own chains are entered by its paths only: tracing every Service while keeping them
 * would hold every chain's facts (~100 MB for 5,000 Services), and the collector would copy them
 * all out of the young generation, where they otherwise die.
 */
export function forgettingServiceChains<T>(trace: () => T): T {
  const outer = ownedChainFacts;
  const owned: ChainFacts[] = [];
  ownedChainFacts = owned;
  try {
    return trace();
  } finally {
    ownedChainFacts = outer;
    for (const facts of owned) {
      const byPosition = tableFacts.get(facts.index.table) as (ChainFacts | undefined)[];
      byPosition[facts.index.position] = undefined;
    }
  }
}

function factsOf(w: Walk, chain: ChainIndex): ChainFacts {
  let byPosition = tableFacts.get(chain.table);
  if (!byPosition) {
    byPosition = new Array<ChainFacts | undefined>(chain.table.table.chains.length);
    tableFacts.set(chain.table, byPosition);
  }
  let facts = byPosition[chain.position];
  if (!facts) {
    const t = chain.table.table;
    facts = {
      index: chain,
      visit: { node: w.node.name, family: t.family, table: t.name, chain: chain.chain.name },
      owner: resolveChainOwner(w.ctx, chain.chain.name),
      rules: new Array<RuleFacts | undefined>(chain.chain.rules.length),
    };
    byPosition[chain.position] = facts;
    if (facts.owner !== null) ownedChainFacts?.push(facts);
  }
  return facts;
}

function ruleFacts(chain: ChainFacts, pos: number): RuleFacts {
  let facts = chain.rules[pos];
  if (!facts) {
    facts = {
      rule: chain.index.chain.rules[pos],
      chain,
      random: endpointChoices(chain.index).get(pos),
      object: undefined,
      evidence: undefined,
      verdictText: undefined,
      jumpsTo: undefined,
      choiceFork: undefined,
      randomForks: undefined,
      dnat: undefined,
    };
    chain.rules[pos] = facts;
  }
  return facts;
}

function ruleObject(r: RuleFacts): HopObject {
  if (!r.object) {
    const { table, chain } = r.chain.index;
    const rule = r.rule;
    r.object = { type: 'nft-rule', family: table.table.family, table: table.table.name, chain: chain.name, position: rule.position, handle: rule.handle, text: rule.text };
  }
  return r.object;
}

function ruleEvidence(r: RuleFacts): SourceRef[] {
  r.evidence ??= [r.rule.source];
  return r.evidence;
}

function positionOf(frame: Frame): number | undefined {
  return frame.candidates ? frame.candidates[frame.idx] : frame.idx;
}

function advance(frame: Frame): void {
  frame.idx++;
  frame.stmt = 0;
  frame.randomDecided = false;
  frame.pending = NO_TRANSFORMS;
}

function top(w: Walk): Frame {
  const nf = w.nf as NfCursor;
  return nf.stack[nf.stack.length - 1];
}

/** The rule positions of a chain worth evaluating for this packet (null: all of them, in order). */
function candidatesFor(w: Walk, chain: ChainIndex): readonly number[] | null {
  const dispatch = chain.dispatch;
  if (!dispatch) return null;
  return dispatchCandidates(dispatch, dispatch.field === 'daddr' ? canonical('addr', w.packet.dst) : String(w.packet.dport));
}

export function enterChain(w: Walk, chain: ChainFacts): void {
  const nf = w.nf as NfCursor;
  nf.stack.push({ chain, candidates: candidatesFor(w, chain.index), idx: 0, stmt: 0, randomDecided: false, pending: NO_TRANSFORMS });
  w.chains = append(w.chains, chain.visit);
  const owner = chain.owner;
  if (owner) {
    w.service = owner.service;
    if (owner.endpoint !== null) w.endpoint = owner.endpointRef;
  }
}

function ruleHop(w: Walk, r: RuleFacts, kind: HopKind, action: StepAction, detail: string, transforms: Transform[] = NO_TRANSFORMS): Hop {
  return {
    kind,
    node: w.node.name,
    action,
    object: ruleObject(r),
    detail,
    evidence: ruleEvidence(r),
    counters: r.rule.counter,
    transforms: transforms.length > 0 ? transforms : NO_TRANSFORMS,
    service: w.service,
    endpoint: w.endpoint,
  };
}

// ---------------------------------------------------------------------------------------------
// Matches

/** undecided: 'condition' forks on the source's membership (`negate` for `!=`), 'unevaluable' on the match. */
type Tri = boolean | { undecided: 'condition' | 'unevaluable'; key: string; label: string; negate: boolean };

/** What an external client's address could be, against a value: only pods and nodes are ruled out. */
function externalMember(ctx: TraceContext, v: NftValue, sets: Map<string, SetIndex>): boolean | null {
  switch (v.kind) {
    case 'literal': {
      const ip = parseIp(v.text);
      if (!ip) return null;
      if (ctx.nodeByAddress.has(v.text) || ctx.podsByIp.has(v.text)) return false;
      return ctx.podCidrs.some((p) => cidrContains(p.cidr, ip)) ? false : null;
    }
    case 'prefix': {
      if (v.length === 0) return true;
      const c = parseCidr(`${v.address}/${v.length}`);
      if (!c) return null;
      if (ctx.podCidrs.some((p) => cidrOverlaps(p.cidr, c))) return false;
      if (ctx.podCidrs.length === 0) {
        for (const ip of ctx.podsByIp.keys()) {
          const a = parseIp(ip);
          if (a && cidrContains(c, a)) return false;
        }
      }
      return null;
    }
    case 'range':
      return null;
    case 'set':
      return anyOf(v.elements.map((e) => externalMember(ctx, e, sets)));
    case 'setref': {
      if (v.name.startsWith('affinity-')) return false;
      const set = sets.get(v.name);
      if (!set?.source) return null;
      return anyOf(set.source.elements.map((e) => externalMember(ctx, e.key, sets)));
    }
    case 'concat':
      return null;
  }
}

/**
 * externalMember's answers by context and value. A value belongs to one rule of one table, so its
 * sets are fixed; the answer scans every pod CIDR, and the same source matches come on every
 * external path.
 */
const externalMembers = new WeakMap<TraceContext, WeakMap<NftValue, boolean | null>>();

function externalMemberOf(ctx: TraceContext, v: NftValue, sets: Map<string, SetIndex>): boolean | null {
  let byValue = externalMembers.get(ctx);
  if (!byValue) {
    byValue = new WeakMap();
    externalMembers.set(ctx, byValue);
  }
  let member = byValue.get(v);
  if (member === undefined) {
    member = externalMember(ctx, v, sets);
    byValue.set(v, member);
  }
  return member;
}

function anyOf(results: (boolean | null)[]): boolean | null {
  if (results.some((r) => r === true)) return true;
  return results.every((r) => r === false) ? false : null;
}

/** `ct state` of every packet the engine follows (frozen: shared by every evaluation) */
const NEW_CONNECTION = Object.freeze(['new']) as readonly string[] as string[];

const portSelectors = new Map<string, { protocol: string; field: string } | null>();

/** `tcp dport`, `th sport`, …: the protocol and field; null for any other selector. */
function portSelector(selector: string): { protocol: string; field: string } | null {
  let parsed = portSelectors.get(selector);
  if (parsed === undefined) {
    const m = /^(tcp|udp|sctp|th) (sport|dport)$/.exec(selector);
    parsed = m ? { protocol: m[1], field: m[2] } : null;
    portSelectors.set(selector, parsed);
  }
  return parsed;
}

/** The packet's value for a selector: a canonical string, 'unknown-src', 'mismatch' (the
 * selector's protocol is not the packet's) or null (a selector the engine does not evaluate). */
function selectorValue(w: Walk, selector: string): string | string[] | 'unknown-src' | 'mismatch' | null {
  const p = w.packet;
  // The cases compare strings one after another: kube-proxy's most frequent selectors come first.
  switch (selector) {
    case 'ct state':
      return NEW_CONNECTION;
    case 'ip saddr':
      return p.src === null ? 'unknown-src' : canonical('addr', p.src);
    case 'ip daddr':
      return canonical('addr', p.dst);
    case 'meta l4proto':
    case 'ip protocol':
      return p.protocol;
    case 'meta mark':
    case 'mark':
      return String(p.mark);
    case 'ct mark':
      return String(p.ctMark);
    case 'iifname':
    case 'iif':
      return p.iif ?? '';
    case 'oifname':
    case 'oif':
      return p.oif ?? '';
    case 'fib daddr type':
    case 'fib daddr . iif type':
      return isLocalAddress(w.node.net, p.dst) ? 'local' : 'unicast';
    case 'fib saddr type':
    case 'fib saddr . iif type':
      return p.src !== null && isLocalAddress(w.node.net, p.src) ? 'local' : 'unicast';
    case 'ct status': {
      const s: string[] = [];
      if (p.conntrack.dnat) s.push('dnat');
      if (p.conntrack.snat) s.push('snat');
      return s;
    }
    case 'ct direction':
      return 'original';
    case 'meta pkttype':
      return 'host';
    case 'meta nfproto':
      return 'ipv4';
    case 'meta protocol':
      return 'ip';
    case 'ip version':
      return '4';
  }
  const port = portSelector(selector);
  if (port) {
    if (port.protocol !== 'th' && port.protocol !== p.protocol) return 'mismatch';
    return port.field === 'dport' ? String(p.dport) : null;
  }
  return null;
}

/** Does a flag value (`new`, `related,established`, `{ dnat, snat }`) name one of the packet's flags? */
function namesAnyFlag(v: NftValue, flags: string[]): boolean {
  if (v.kind === 'set') return v.elements.some((e) => namesAnyFlag(e, flags));
  if (v.kind !== 'literal') return false;
  if (!v.text.includes(',')) return flags.includes(v.text.trim());
  return v.text.split(',').some((t) => flags.includes(t.trim()));
}

function compareNumbers(op: string, a: number, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '>=':
      return a >= b;
    case '!=':
      return a !== b;
    default:
      return a === b;
  }
}

/** The named sets of the table being evaluated. */
function tableSets(w: Walk): Map<string, SetIndex> {
  return top(w).chain.index.table.sets;
}

function evalMatch(w: Walk, s: Extract<NftStatement, { kind: 'match' }>): Tri {
  const selectors = s.left.selectors;
  if (selectors.length > 1) {
    const values: string[] = [];
    for (const sel of selectors) {
      const v = selectorValue(w, sel);
      if (v === 'mismatch') return false;
      if (v === null || v === 'unknown-src' || Array.isArray(v)) {
        return { undecided: 'unevaluable', key: s.text, label: s.text, negate: false };
      }
      values.push(v);
    }
    const right = s.right;
    const set: SetIndex | undefined =
      right.kind === 'setref'
        ? tableSets(w).get(right.name)
        : right.kind === 'set'
          ? inlineIndex(right, () => right.elements.map((key) => ({ key, verdict: null, value: null })), selectors)
          : undefined;
    if (!set) return { undecided: 'unevaluable', key: s.text, label: s.text, negate: false };
    const hit = lookupSet(set, values) !== null;
    return s.op === '!=' ? !hit : hit;
  }
  const selector = selectors[0];
  const value = selectorValue(w, selector);
  if (value === 'mismatch') return false;
  if (value === null) return { undecided: 'unevaluable', key: s.text, label: s.text, negate: false };
  if (value === 'unknown-src') {
    const member = externalMemberOf(w.ctx, s.right, tableSets(w));
    if (member === null) {
      const key = `ip saddr ${valueText(s.right)}`;
      const known = w.conditions[key];
      if (known === undefined) return { undecided: 'condition', key, label: `source in ${valueText(s.right)}`, negate: s.op === '!=' };
      return s.op === '!=' ? !known : known;
    }
    return s.op === '!=' ? !member : member;
  }
  if (Array.isArray(value)) {
    const hit = namesAnyFlag(s.right, value);
    return s.op === '!=' ? !hit : hit;
  }
  if (s.left.mask !== null) {
    const masked = (Number(value) & s.left.mask) >>> 0;
    if (s.right.kind !== 'literal') return { undecided: 'unevaluable', key: s.text, label: s.text, negate: false };
    return compareNumbers(s.op, masked, Number(canonical('number', s.right.text)));
  }
  const kind: ValueKind = selectorKind(selector);
  if (s.op !== '==' && s.op !== '!=') {
    if (s.right.kind !== 'literal') return { undecided: 'unevaluable', key: s.text, label: s.text, negate: false };
    return compareNumbers(s.op, Number(value), Number(canonical(kind, s.right.text)));
  }
  let hit: boolean;
  if (s.right.kind === 'setref') {
    const set = tableSets(w).get(s.right.name);
    if (!set) return { undecided: 'unevaluable', key: s.text, label: `${s.text} (set not in the ruleset)`, negate: false };
    hit = lookupSet(set, [value]) !== null;
  } else {
    hit = scalarMatches(kind, value, s.right);
  }
  return s.op === '!=' ? !hit : hit;
}

// ---------------------------------------------------------------------------------------------
// Verdicts

/** `jump KUBE-SVC-…`, `accept`, `reject with tcp reset`: the verdict as nft prints it. */
function verdictText(v: NftVerdict): string {
  let text: string = v.kind;
  if (v.target !== null) text += ` ${v.target}`;
  if (v.argument !== null) text += ` ${v.argument}`;
  return text;
}

/** Is the chain being evaluated already (a jump back into it would loop)? */
function isOnStack(nf: NfCursor, chain: ChainFacts): boolean {
  for (const f of nf.stack) if (f.chain === chain) return true;
  return false;
}

/** The chain a jump or goto enters, from the current chain's table. */
function chainNamed(frame: Frame, name: string): ChainIndex | null {
  return frame.chain.index.table.chains.get(name) ?? null;
}

/**
 * Apply a verdict of rule `r`: its own (`via` null: its text and jump target are kept with the
 * rule) or one a map lookup or numgen choice found (`via` says how).
 */
function applyVerdict(w: Walk, r: RuleFacts, verdict: NftVerdict, via: string | null): Outcome | null {
  const nf = w.nf as NfCursor;
  const frame = top(w);
  const detail = via === null ? (r.verdictText ??= verdictText(verdict)) : `${via} → ${verdictText(verdict)}`;
  const transforms = frame.pending;
  switch (verdict.kind) {
    case 'jump':
    case 'goto': {
      const target = verdict.target ?? '';
      if (via === null && r.jumpsTo === undefined) r.jumpsTo = chainNamed(frame, target);
      const index = via === null ? r.jumpsTo : chainNamed(frame, target);
      w.hops.push(ruleHop(w, r, 'nft', 'MATCHED', detail, transforms));
      if (!index) {
        return ({ type: 'leaf', disposition: 'unevaluable', reason: `chain ${target} is not in table ${frame.chain.index.table.table.name}` });
      }
      const chain = factsOf(w, index);
      if (isOnStack(nf, chain) || nf.stack.length >= 64) {
        w.hops.push({
          ...ruleHop(w, r, 'loop', 'LOOP', `${verdict.kind} ${target}: already on the call stack`),
        });
        return ({ type: 'leaf', disposition: 'loop', reason: `chain loop: ${target} is already being evaluated` });
      }
      if (verdict.kind === 'goto') nf.stack.pop();
      else advance(frame);
      enterChain(w, chain);
      return null;
    }
    case 'return':
      w.hops.push(ruleHop(w, r, 'nft', 'MATCHED', detail, transforms));
      nf.stack.pop();
      return null;
    case 'continue':
      advance(frame);
      return null;
    case 'accept':
      w.hops.push(ruleHop(w, r, 'nft', 'MATCHED', detail, transforms));
      nf.stack = [];
      return null;
    case 'drop':
      w.hops.push(ruleHop(w, r, 'drop', 'DROPPED', detail, transforms));
      return ({ type: 'leaf', disposition: 'dropped', reason: `dropped by ${frame.chain.index.chain.name}` });
    case 'reject':
      w.hops.push(ruleHop(w, r, 'reject', 'REJECTED', detail, transforms));
      return ({ type: 'leaf', disposition: 'rejected', reason: `rejected by ${frame.chain.index.chain.name}` });
    case 'queue':
      w.hops.push(ruleHop(w, r, 'unevaluable', 'UNEVALUABLE', `${detail}: a userspace program decides`));
      return ({ type: 'leaf', disposition: 'unevaluable', reason: 'queued to userspace' });
  }
}

// ---------------------------------------------------------------------------------------------
// NAT and marks

/** A mark statement's rewrite of each mark value it met: the same few on every path, shared. */
const markTransforms = new WeakMap<NftStatement, Map<number, Transform>>();

function applyMark(w: Walk, s: Extract<NftStatement, { kind: 'mark-set' }>): Transform {
  const field = s.target === 'ct mark' ? 'ctMark' : 'mark';
  const old = w.packet[field];
  const next =
    s.op === 'set' ? s.value : s.op === 'or' ? old | s.value : s.op === 'xor' ? old ^ s.value : old & s.value;
  w.packet[field] = next >>> 0;
  let byOld = markTransforms.get(s);
  if (!byOld) {
    byOld = new Map();
    markTransforms.set(s, byOld);
  }
  let t = byOld.get(old);
  if (!t) {
    t = { field, kind: 'mark', from: hex(old), to: hex(next) };
    byOld.set(old, t);
  }
  return t;
}

/** Where a dnat, redirect or snat rewrites to. */
interface NatTarget {
  address: string;
  port: number | null;
}

/** A range's first value (`10.0.0.1-10.0.0.9`, `80-90`), or the value itself. */
function rangeStart(text: string): string {
  const dash = text.indexOf('-');
  return dash < 0 ? text : text.slice(0, dash);
}

function natTarget(w: Walk, address: string | null, port: string | null): NatTarget {
  const addr = rangeStart(address ?? w.packet.dst);
  const p = port === null ? null : Number(rangeStart(port));
  return { address: canonical('addr', addr), port: p !== null && Number.isFinite(p) ? p : null };
}

/** A dnat or redirect: the packet's destination becomes the target, the endpoint it names. */
function rewriteDst(w: Walk, type: 'dnat' | 'redirect', target: NatTarget, endpoint: EndpointRef | null): Transform[] {
  const p = w.packet;
  const out: Transform[] = [{ field: 'dst', kind: type, from: p.dst, to: target.address }];
  if (target.port !== null && target.port !== p.dport) {
    out.push({ field: 'dport', kind: type, from: String(p.dport), to: String(target.port) });
  }
  p.dst = target.address;
  if (target.port !== null) p.dport = target.port;
  p.conntrack.dnat = target;
  w.endpoint = endpoint ?? w.endpoint;
  return out;
}

/**
 * A rule's `dnat to ADDRESS[:PORT]`: the target and its endpoint depend on the statement alone,
 * so they are worked out once per rule (kube-proxy's endpoint rules are reached on several paths).
 */
function ruleDnat(w: Walk, r: RuleFacts, s: Extract<NftStatement, { kind: 'nat' }>): Transform[] {
  if (!r.dnat) {
    const target = natTarget(w, s.address, s.port);
    r.dnat = { target, endpoint: dnatEndpoint(w, r, target) };
  }
  return rewriteDst(w, 'dnat', r.dnat.target, r.dnat.endpoint);
}

/**
 * endpointFor the target of a rule's dnat. In kube-proxy's endpoint chains that is the chain's own
 * endpoint, already looked up: the endpoint index holds one EndpointRef per address and port.
 */
function dnatEndpoint(w: Walk, r: RuleFacts, target: NatTarget): EndpointRef | null {
  const own = r.chain.owner?.endpointRef;
  if (own && own.address === target.address && own.port === target.port) return own;
  return endpointFor(w.ctx, target.address, target.port);
}

function applyNat(
  w: Walk,
  type: 'dnat' | 'snat' | 'masquerade' | 'redirect',
  address: string | null,
  port: string | null,
): Transform[] | string {
  const p = w.packet;
  if (type === 'dnat' || type === 'redirect') {
    let target = natTarget(w, address, port);
    if (type === 'redirect') {
      const local = p.iif === null ? '127.0.0.1' : interfaceAddress(w.node.net, p.iif, null)?.address;
      if (!local) return `redirect: no address on ${p.iif}`;
      target = { address: local, port: target.port ?? (port === null ? null : Number(port)) };
    }
    return rewriteDst(w, type, target, endpointFor(w.ctx, target.address, target.port));
  }
  if (type === 'snat') {
    const target = natTarget(w, address, null);
    const out: Transform[] = [{ field: 'src', kind: 'snat', from: p.src, to: target.address }];
    p.src = target.address;
    p.conntrack.snat = { address: target.address, kind: 'snat' };
    return out;
  }
  if (p.oif === null) return 'masquerade before routing: no outgoing interface';
  const addr = interfaceAddress(w.node.net, p.oif, w.nextHop);
  if (!addr) return `masquerade: ${p.oif} has no IPv4 address`;
  const out: Transform[] = [{ field: 'src', kind: 'masquerade', from: p.src, to: addr.address }];
  p.src = addr.address;
  p.conntrack.snat = { address: addr.address, kind: 'masquerade' };
  return out;
}

function natValueParts(v: NftValue | null): { address: string | null; port: string | null } | null {
  if (!v) return null;
  if (v.kind === 'concat' && v.parts.length === 2 && v.parts[0].kind === 'literal' && v.parts[1].kind === 'literal') {
    return { address: v.parts[0].text, port: v.parts[1].text };
  }
  if (v.kind === 'literal') {
    const m = /^(.*):(\d+)$/.exec(v.text);
    return m && !v.text.includes('::') ? { address: m[1], port: m[2] } : { address: v.text, port: null };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Maps

/** An anonymous set or map of a rule, indexed on first use (a rule's selectors never change). */
const inlineIndexes = new WeakMap<object, SetIndex>();

function inlineIndex(owner: object, elements: () => NftMapElement[], selectors: string[]): SetIndex {
  let index = inlineIndexes.get(owner);
  if (!index) {
    index = buildSetIndex('inline', elements(), selectors.map(selectorKind), null);
    inlineIndexes.set(owner, index);
  }
  return index;
}

function mapIndex(w: Walk, map: Extract<NftStatement, { kind: 'vmap' }>['map'], selectors: string[]): SetIndex | null {
  if (map.kind === 'named') return tableSets(w).get(map.name) ?? null;
  return inlineIndex(map, () => map.elements, selectors);
}

function keyValues(w: Walk, selectors: string[]): string[] | 'mismatch' | null {
  const out: string[] = [];
  for (const sel of selectors) {
    const v = selectorValue(w, sel);
    if (v === 'mismatch') return 'mismatch';
    if (v === null || v === 'unknown-src' || Array.isArray(v)) return null;
    out.push(v);
  }
  return out;
}

/**
 * Looks the packet's fields up in a map: the element hit (null when none matches), null when the
 * key's fields cannot match this packet at all (the rule is skipped), or an `unevaluable` leaf
 * when the key or the map cannot be evaluated.
 */
function lookupMap(
  w: Walk,
  frame: Frame,
  r: RuleFacts,
  s: Extract<NftStatement, { kind: 'vmap' | 'nat-map' }>,
  what: string,
): { hit: NftMapElement | null; values: string[] } | Outcome | null {
  const values = keyValues(w, s.key.selectors);
  if (values === 'mismatch') {
    advance(frame);
    return null;
  }
  const set = values === null ? null : mapIndex(w, s.map, s.key.selectors);
  if (values === null || set === null) {
    w.hops.push(unevaluableHop(w, r, `cannot look up \`${s.text}\``));
    return { type: 'leaf', disposition: 'unevaluable', reason: `unevaluable ${what}: ${s.text}` };
  }
  return { hit: lookupSet(set, values), values };
}

/** Fraction of `numgen … mod N offset K` values an element's key covers. */
function numgenShare(element: NftMapElement, mod: number, offset: number): number {
  let count = 0;
  for (let v = offset; v < offset + mod; v++) if (scalarMatches('number', String(v), element.key)) count++;
  return count / mod;
}

// ---------------------------------------------------------------------------------------------
// Rules

function unevaluableHop(w: Walk, r: RuleFacts, detail: string): Hop {
  return ruleHop(w, r, 'unevaluable', 'UNEVALUABLE', detail);
}

function isActionRemnant(s: NftStatement): boolean {
  return s.kind === 'unknown' && /\btarget\b/i.test(s.text);
}

/**
 * Forks that depend only on the rule (kube-proxy's endpoint choices, `meta random` matches) are
 * built once per rule or statement and shared by every path that reaches it. Their branches act on
 * the branch's own walk only, through these functions (no closure per fork).
 */
function takeEndpointChoice(b: Walk): null {
  top(b).randomDecided = true;
  return null;
}

/** A `meta random` fork's matched branch: resumes after the random statement, where the frame rests (see randomMatchFork). */
function takeRandomMatch(b: Walk): null {
  top(b).stmt++;
  return null;
}

function skipRule(b: Walk): null {
  advance(top(b));
  return null;
}

function endpointChoiceFork(r: RuleFacts, random: RandomInfo): Outcome {
  r.choiceFork ??= buildEndpointChoiceFork(r, random);
  return r.choiceFork;
}

function buildEndpointChoiceFork(r: RuleFacts, random: RandomInfo): Outcome {
  const target = ruleJumpTarget(r.rule) ?? '';
  return {
    type: 'fork',
    kind: 'random',
    reason: `${r.chain.index.chain.name}: kube-proxy endpoint choice (probability not printed; kube-proxy gives the k-th of n endpoint jumps 1/(n-k))`,
    evidence: ruleEvidence(r),
    branches: [
      { label: `→ ${target}`, probability: random.probability, inferred: random.inferred, assumption: null, apply: takeEndpointChoice },
      { label: `not ${target}`, probability: 1 - random.probability, inferred: random.inferred, assumption: null, apply: skipRule },
    ],
  };
}

/** Evaluate the rule the top frame points at, from its resume statement. */
export function evalRule(w: Walk, frame: Frame, r: RuleFacts): Outcome | null {
  if (r.random && frame.stmt === 0 && !frame.randomDecided) return endpointChoiceFork(r, r.random);
  const rule = r.rule;
  const statements = rule.statements;
  for (let i = frame.stmt; i < statements.length; i++) {
    const s = statements[i];
    switch (s.kind) {
      case 'counter':
      case 'comment':
      case 'passive':
        continue;
      case 'match': {
        const random = randomMatchFork(frame, r, i, s);
        if (random) return random;
        const m = evalMatch(w, s);
        if (m === true) continue;
        if (m === false) {
          advance(frame);
          return null;
        }
        return undecidedFork(w, r, i, m);
      }
      case 'unknown': {
        if (isStatisticRemnant(s) && frame.randomDecided) continue;
        if (isRecentRemnant(s)) {
          if (statements.some((x) => x.kind === 'nat')) continue;
          const target = ruleJumpTarget(rule);
          if (target !== null && target.startsWith('KUBE-SEP-')) {
            w.hops.push(
              unevaluableHop(w, r, `session affinity check (${s.text}): a new connection has no affinity entry, not matched`),
            );
            const note = 'session affinity: a new client (no recent entry)';
            if (!trailIncludes(w.assumptions, note)) w.assumptions = append(w.assumptions, note);
            advance(frame);
            return null;
          }
        }
        if (/--physdev-is-bridged\s*$/.test(s.text) && !/physdev-(in|out)/.test(s.text)) {
          // Every packet this engine follows through the forward hook was routed, not bridged.
          if (/!\s*--physdev-is-bridged/.test(s.text)) continue;
          advance(frame);
          return null;
        }
        if (isActionRemnant(s)) {
          w.hops.push(unevaluableHop(w, r, `cannot evaluate the action \`${s.text}\``));
          return { type: 'leaf', disposition: 'unevaluable', reason: `unevaluable action: ${s.text}` };
        }
        return undecidedFork(w, r, i, { undecided: 'unevaluable', key: s.text, label: s.text, negate: false });
      }
      case 'mark-set':
        frame.pending = [...frame.pending, applyMark(w, s)];
        continue;
      case 'nat': {
        const t = s.type === 'dnat' && s.address !== null ? ruleDnat(w, r, s) : applyNat(w, s.type, s.address, s.port);
        return finishNat(w, r, t, s.text);
      }
      case 'nat-map': {
        const found = lookupMap(w, frame, r, s, 'NAT map');
        if (found === null || 'type' in found) return found;
        const parts = natValueParts(found.hit?.value ?? null);
        if (!parts) {
          advance(frame);
          return null;
        }
        return finishNat(w, r, applyNat(w, s.type, parts.address, parts.port), s.text);
      }
      case 'vmap': {
        const found = lookupMap(w, frame, r, s, 'verdict map');
        if (found === null || 'type' in found) return found;
        const { hit, values } = found;
        if (!hit?.verdict) {
          advance(frame);
          return null;
        }
        const mapName = s.map.kind === 'named' ? `@${s.map.name}` : 'vmap';
        return applyVerdict(w, r, hit.verdict, `${mapName}[${values.join(' . ')}]`);
      }
      case 'numgen-vmap':
        return numgenFork(w, r, s);
      case 'verdict':
        return applyVerdict(w, r, s.verdict, null);
    }
  }
  if (frame.pending.length > 0) {
    w.hops.push(ruleHop(w, r, 'nft', 'TRANSFORMED', transformsText(frame.pending), frame.pending));
  }
  advance(frame);
  return null;
}

export function transformText(t: Transform): string {
  return t.kind === 'mark' ? `${t.field === 'ctMark' ? 'ct mark' : 'mark'} ${t.from} → ${t.to}` : `${t.kind} ${t.field} ${t.from ?? 'client'} → ${t.to}`;
}

function transformsText(transforms: Transform[]): string {
  let text = transformText(transforms[0]);
  for (let i = 1; i < transforms.length; i++) text += `, ${transformText(transforms[i])}`;
  return text;
}

function finishNat(w: Walk, r: RuleFacts, result: Transform[] | string, text: string): Outcome | null {
  const nf = w.nf as NfCursor;
  const frame = top(w);
  if (typeof result === 'string') {
    w.hops.push(unevaluableHop(w, r, result));
    return { type: 'leaf', disposition: 'unevaluable', reason: result };
  }
  const all = frame.pending.length === 0 ? result : [...frame.pending, ...result];
  w.hops.push(ruleHop(w, r, 'nft', 'TRANSFORMED', `${text}: ${transformsText(all)}`, all));
  nf.natDone = true;
  nf.stack = [];
  return null;
}

/** The fork of a `meta random` match statement (null for any other match), built on its first evaluation. */
function randomMatchFork(frame: Frame, r: RuleFacts, stmt: number, s: Extract<NftStatement, { kind: 'match' }>): Outcome | null {
  let fork = r.randomForks?.[stmt];
  if (!fork) {
    const p = explicitRandom(s);
    if (p === null) return null;
    fork = buildRandomMatchFork(r, p);
    r.randomForks ??= new Array<Outcome | undefined>(r.rule.statements.length);
    r.randomForks[stmt] = fork;
  }
  // The walk rests on the random statement, so the shared fork's branches need not know which it is.
  frame.stmt = stmt;
  return fork;
}

function buildRandomMatchFork(r: RuleFacts, p: number): Outcome {
  const target = ruleJumpTarget(r.rule);
  return {
    type: 'fork',
    kind: 'random',
    reason: `${r.chain.index.chain.name}: ${r.rule.text}`,
    evidence: ruleEvidence(r),
    branches: [
      { label: target ? `→ ${target}` : 'matched', probability: p, inferred: false, assumption: null, apply: takeRandomMatch },
      { label: target ? `not ${target}` : 'not matched', probability: 1 - p, inferred: false, assumption: null, apply: skipRule },
    ],
  };
}

function undecidedFork(w: Walk, r: RuleFacts, stmt: number, m: Exclude<Tri, boolean>): Outcome {
  const frame = top(w);
  // For a condition the branches are the source's membership (in, then not in); for an
  // unevaluable match they are the match's outcome (matched, then not).
  const branch = (yes: boolean): BranchSpec => {
    const matched = m.undecided === 'condition' ? yes !== m.negate : yes;
    const assumption =
      m.undecided === 'condition'
        ? yes
          ? m.label
          : m.label.replace(/^source in /, 'source not in ')
        : `assumed \`${m.label}\` ${matched ? 'matched' : 'did not match'}`;
    return {
      label: assumption,
      probability: 1,
      inferred: false,
      assumption,
      apply: (b) => {
        const f = top(b);
        if (m.undecided === 'condition') b.conditions = { ...b.conditions, [m.key]: yes };
        else b.hops.push(unevaluableHop(b, r, `cannot evaluate \`${m.label}\`: ${assumption}`));
        if (matched) f.stmt = stmt + 1;
        else advance(f);
        return null;
      },
    };
  };
  return {
    type: 'fork',
    kind: m.undecided,
    reason: `${frame.chain.index.chain.name}: ${r.rule.text}`,
    evidence: [r.rule.source],
    branches: [branch(true), branch(false)],
  };
}

function numgenFork(w: Walk, r: RuleFacts, s: Extract<NftStatement, { kind: 'numgen-vmap' }>): Outcome {
  const frame = top(w);
  const set = s.map.kind === 'named' ? frame.chain.index.table.sets.get(s.map.name)?.source?.elements : s.map.elements;
  const elements = set ?? [];
  const branches: BranchSpec[] = [];
  let covered = 0;
  for (const element of elements) {
    const share = numgenShare(element, s.mod, s.offset);
    if (share === 0 || !element.verdict) continue;
    covered += share;
    const verdict = element.verdict;
    branches.push({
      label: `numgen ${valueText(element.key)} → ${verdictText(verdict)}`,
      probability: share,
      inferred: false,
      assumption: null,
      apply: (b) => applyVerdict(b, r, verdict, `numgen ${s.mode} mod ${s.mod} = ${valueText(element.key)}`),
    });
  }
  if (covered < 1) {
    branches.push({
      label: 'numgen value not in the map',
      probability: 1 - covered,
      inferred: false,
      assumption: null,
      apply: skipRule,
    });
  }
  return {
    type: 'fork',
    kind: 'random',
    reason: `${frame.chain.index.chain.name}: ${s.text}`,
    evidence: [r.rule.source],
    branches,
  };
}

const NO_HOOK_CHAINS: HookChain[] = [];

/** One step of the hook's evaluation: null to keep going, 'done' when every base chain accepted. */
export function nfStep(w: Walk): Outcome | 'done' | null {
  const nf = w.nf as NfCursor;
  if (nf.stack.length === 0) {
    const hookChains = (nf.hookChains ??= w.node.nft.hooks.get(nf.hook) ?? NO_HOOK_CHAINS);
    nf.base++;
    while (nf.base < hookChains.length && hookChains[nf.base].type === 'nat' && nf.natDone) nf.base++;
    if (nf.base >= hookChains.length) return 'done';
    enterChain(w, factsOf(w, hookChains[nf.base].chain));
    return null;
  }
  const frame = top(w);
  const pos = positionOf(frame);
  // The facts' rule list has the chain's length, and is read next anyway.
  if (pos === undefined || pos >= frame.chain.rules.length) {
    nf.stack.pop();
    const chain = frame.chain.index.chain;
    if (nf.stack.length === 0 && chain.policy === 'drop') {
      const t = frame.chain.index.table.table;
      w.hops.push({
        kind: 'drop',
        node: w.node.name,
        action: 'DROPPED',
        object: { type: 'nft-chain', family: t.family, table: t.name, chain: chain.name, hook: chain.hook, priority: chain.priority, policy: chain.policy },
        detail: `policy drop of ${chain.name}`,
        evidence: [chain.source],
        counters: null,
        transforms: [],
        service: w.service,
        endpoint: w.endpoint,
      });
      return { type: 'leaf', disposition: 'dropped', reason: `policy drop of ${t.name}/${chain.name}` };
    }
    return null;
  }
  return evalRule(w, frame, ruleFacts(frame.chain, pos));
}
