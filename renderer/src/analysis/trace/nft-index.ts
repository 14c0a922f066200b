// Per-node netfilter indexes, built once per snapshot: chains by name, base chains by hook in
// priority order, named sets and maps as hash lookups, a dispatch index for long chains (kube-proxy's
// KUBE-SERVICES and KUBE-NODEPORTS hold one rule per service port), and the probabilities of
// kube-proxy's endpoint-selection rules where the rule text does not show them.

import type {
  NftChain,
  NftMapElement,
  NftRule,
  NftRuleset,
  NftSet,
  NftStatement,
  NftTable,
  NftValue,
} from '../model';
import { canonicalIp, cidrContains, compareIp, parseCidr, parseIp, type Cidr } from './ip';

// ---------------------------------------------------------------------------------------------
// Values

/** How a selector's values compare: addresses by prefix, ports and marks as numbers, … */
export type ValueKind = 'addr' | 'port' | 'proto' | 'number' | 'string';

const PROTO_NUMBERS: Readonly<Record<string, string>> = {
  '1': 'icmp',
  '6': 'tcp',
  '17': 'udp',
  '58': 'ipv6-icmp',
  '132': 'sctp',
};

const SERVICE_PORTS: Readonly<Record<string, string>> = {
  http: '80',
  https: '443',
  domain: '53',
  ssh: '22',
  'http-alt': '8080',
};

const SELECTOR_KINDS: Readonly<Record<string, ValueKind>> = {
  'ip saddr': 'addr',
  'ip daddr': 'addr',
  'ip6 saddr': 'addr',
  'ip6 daddr': 'addr',
  'meta l4proto': 'proto',
  'ip protocol': 'proto',
  'meta mark': 'number',
  'ct mark': 'number',
  'meta random': 'number',
  numgen: 'number',
};

const selectorKinds = new Map<string, ValueKind>();

export function selectorKind(selector: string): ValueKind {
  let kind = selectorKinds.get(selector);
  if (kind === undefined) {
    kind = SELECTOR_KINDS[selector] ?? (/ (s|d)port$/.test(selector) ? 'port' : 'string');
    selectorKinds.set(selector, kind);
  }
  return kind;
}

/** A set or map's key type part (`ipv4_addr`, `inet_proto`, `inet_service`, `mark`, …). */
function keyTypeKind(type: string): ValueKind {
  if (type === 'ipv4_addr' || type === 'ipv6_addr') return 'addr';
  if (type === 'inet_proto') return 'proto';
  if (type === 'inet_service') return 'port';
  if (type === 'mark' || type === 'integer') return 'number';
  return 'string';
}

function unquote(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
}

/** Decimal digits without a leading zero, short enough to be exact: the canonical text of its own number. */
function isCanonicalDecimal(text: string): boolean {
  if (text.length === 0 || text.length > 15 || (text.length > 1 && text.charCodeAt(0) === 48)) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function isDigit(c: number, hex: boolean): boolean {
  if (c >= 48 && c <= 57) return true;
  const lower = c | 32;
  return hex && lower >= 97 && lower <= 102;
}

/** Decimal digits or `0x` and hex digits (either case); null for anything else. No regex: marks and `meta random` bounds are parsed on every evaluation. */
function parseNumber(text: string): number | null {
  if (text.length === 0) return null;
  const hex = text.length > 2 && text.charCodeAt(0) === 48 && (text.charCodeAt(1) | 32) === 120;
  for (let i = hex ? 2 : 0; i < text.length; i++) if (!isDigit(text.charCodeAt(i), hex)) return null;
  return hex ? Number.parseInt(text.slice(2), 16) : Number(text);
}

/** The canonical text of numbers not written canonically (`0x4000`, `https`), by text: rule texts repeat on every path. */
const canonicalNumbers = new Map<string, string>();
const CANONICAL_NUMBERS_MAX = 1 << 16;

function canonicalNumber(kind: 'port' | 'number', text: string): string {
  if (isCanonicalDecimal(text)) return text;
  const key = kind === 'port' ? `port ${text}` : text;
  let c = canonicalNumbers.get(key);
  if (c === undefined) {
    const named = kind === 'port' ? SERVICE_PORTS[text] : undefined;
    const n = parseNumber(text);
    c = named ?? (n === null ? text : String(n));
    if (canonicalNumbers.size >= CANONICAL_NUMBERS_MAX) canonicalNumbers.clear();
    canonicalNumbers.set(key, c);
  }
  return c;
}

const prefixes = new WeakMap<NftValue, Cidr | null>();

/** A prefix element's parsed form, kept with the element: the same few prefixes are checked on every path. */
function prefixOf(element: Extract<NftValue, { kind: 'prefix' }>): Cidr | null {
  let c = prefixes.get(element);
  if (c === undefined) {
    c = parseCidr(`${element.address}/${element.length}`);
    prefixes.set(element, c);
  }
  return c;
}

/** The canonical text of a scalar value of a kind, so that lookups are plain string equality. */
export function canonical(kind: ValueKind, raw: string): string {
  const text = unquote(raw.trim());
  switch (kind) {
    case 'addr':
      return canonicalIp(text);
    case 'proto':
      return PROTO_NUMBERS[text] ?? text.toLowerCase();
    case 'port':
    case 'number':
      return canonicalNumber(kind, text);
    case 'string':
      return text;
  }
}

/** Does a scalar (canonical) value fall within an nft value element (literal, prefix, range)? */
export function scalarMatches(kind: ValueKind, value: string, element: NftValue): boolean {
  switch (element.kind) {
    case 'literal': {
      if (kind === 'string' && element.text.endsWith('*"')) {
        return value.startsWith(unquote(element.text).slice(0, -1));
      }
      if (kind === 'string' && element.text.endsWith('*')) return value.startsWith(element.text.slice(0, -1));
      return canonical(kind, element.text) === value;
    }
    case 'prefix': {
      const cidr = prefixOf(element);
      const addr = parseIp(value);
      return !!cidr && !!addr && cidrContains(cidr, addr);
    }
    case 'range': {
      if (kind === 'addr') {
        const a = parseIp(value);
        const lo = parseIp(element.from);
        const hi = parseIp(element.to);
        return !!a && !!lo && !!hi && compareIp(lo, a) <= 0 && compareIp(a, hi) <= 0;
      }
      const v = parseNumber(value);
      const lo = parseNumber(canonical(kind, element.from));
      const hi = parseNumber(canonical(kind, element.to));
      return v !== null && lo !== null && hi !== null && lo <= v && v <= hi;
    }
    case 'set':
      return element.elements.some((e) => scalarMatches(kind, value, e));
    case 'setref':
    case 'concat':
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Sets and maps

/** A named set or map, or an inline map, ready for lookups by canonical key. */
export interface SetIndex {
  name: string;
  source: NftSet | null;
  kinds: ValueKind[];
  /** elements whose key parts are all single values, by canonical key (parts joined by ' . ') */
  exact: Map<string, NftMapElement>;
  /** elements with a prefix or range part, scanned in order */
  intervals: NftMapElement[];
  size: number;
}

function keyParts(key: NftValue): NftValue[] {
  return key.kind === 'concat' ? key.parts : [key];
}

export function buildSetIndex(name: string, elements: NftMapElement[], kinds: ValueKind[], source: NftSet | null): SetIndex {
  const exact = new Map<string, NftMapElement>();
  const intervals: NftMapElement[] = [];
  for (const element of elements) {
    const parts = keyParts(element.key);
    if (parts.every((p) => p.kind === 'literal')) {
      const key = parts.map((p, i) => canonical(kinds[i] ?? 'string', p.kind === 'literal' ? p.text : '')).join(' . ');
      if (!exact.has(key)) exact.set(key, element);
    } else {
      intervals.push(element);
    }
  }
  return { name, source, kinds, exact, intervals, size: elements.length };
}

/** Look a tuple of canonical values up; null when no element matches. */
export function lookupSet(set: SetIndex, values: string[]): NftMapElement | null {
  const hit = set.exact.get(values.join(' . '));
  if (hit) return hit;
  for (const element of set.intervals) {
    const parts = keyParts(element.key);
    if (parts.length !== values.length) continue;
    if (parts.every((p, i) => scalarMatches(set.kinds[i] ?? 'string', values[i], p))) return element;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Chains

/** kube-proxy's endpoint selection: the conditional probability that this rule is taken. */
export interface RandomInfo {
  probability: number;
  /** true when the rule text does not show it and kube-proxy's convention supplied it */
  inferred: boolean;
}

export interface DispatchIndex {
  /** which packet field the keyed rules constrain */
  field: 'daddr' | 'dport';
  byKey: Map<string, number[]>;
  /** rules that do not constrain the field (always candidates), in order */
  rest: number[];
}

export interface ChainIndex {
  table: TableIndex;
  chain: NftChain;
  /** the chain's position in its table's list: what per-chain state elsewhere is kept by */
  position: number;
  dispatch: DispatchIndex | null;
  /** kube-proxy's endpoint choices by rule position, once worked out (see endpointChoices) */
  random: ReadonlyMap<number, RandomInfo> | null;
}

export interface TableIndex {
  table: NftTable;
  chains: Map<string, ChainIndex>;
  sets: Map<string, SetIndex>;
}

export interface HookChain {
  chain: ChainIndex;
  hook: string;
  priority: number;
  type: string;
}

export interface NftIndex {
  tables: TableIndex[];
  /** IPv4 base chains (tables of family ip and inet) by hook, in priority order */
  hooks: Map<string, HookChain[]>;
}

const DISPATCH_MIN_RULES = 16;

/**
 * Selectors whose value the engine knows for every packet it follows (netfilter.ts `selectorValue`
 * never answers null or 'unknown-src' for them): a match on one is decided, true or false. Not
 * `ip saddr` (the external client's address forks) nor source ports (not evaluated).
 */
export const DECIDED_SELECTORS: ReadonlySet<string> = new Set([
  'ip daddr',
  'meta l4proto',
  'ip protocol',
  'meta mark',
  'mark',
  'ct mark',
  'iifname',
  'iif',
  'oifname',
  'oif',
  'fib daddr type',
  'fib daddr . iif type',
  'fib saddr type',
  'fib saddr . iif type',
  'ct state',
  'ct status',
  'ct direction',
  'meta pkttype',
  'meta nfproto',
  'meta protocol',
  'ip version',
  'tcp dport',
  'udp dport',
  'sctp dport',
  'th dport',
]);

/**
 * Can a statement before a rule's dispatch key be passed over when the key does not match? Only
 * when evaluating it can neither fork, nor stop on something undecidable, nor change anything:
 * then the rule fails at the key whatever it gives. Anything else (a match on the client's address
 * or an unknown selector, a random match, a set reference, a mark, NAT, a map, a verdict, an xt
 * remnant) is evaluated in order, so such a rule is not keyed.
 */
function isDecidedWithoutEffect(s: NftStatement): boolean {
  switch (s.kind) {
    case 'counter':
    case 'comment':
    case 'passive':
      return true;
    case 'match': {
      if (s.left.selectors.length !== 1 || !DECIDED_SELECTORS.has(s.left.selectors[0])) return false;
      const literalNeeded = s.left.mask !== null || (s.op !== '==' && s.op !== '!=');
      if (literalNeeded) return s.right.kind === 'literal';
      return s.right.kind !== 'setref' && s.right.kind !== 'concat';
    }
    default:
      return false;
  }
}

/**
 * The single values a rule requires of a field (`ip daddr X`, `tcp dport {80, 443}`), or null: the
 * field's first equality match, when every statement before it is decided without effect.
 */
function requiredValues(rule: NftRule, field: 'daddr' | 'dport'): string[] | null {
  for (const s of rule.statements) {
    if (s.kind === 'match' && s.op === '==' && s.left.mask === null && s.left.selectors.length === 1) {
      const selector = s.left.selectors[0];
      const isField = field === 'daddr' ? selector === 'ip daddr' : selector.endsWith(' dport');
      if (isField && DECIDED_SELECTORS.has(selector)) return dispatchKeys(s.right, field === 'daddr' ? 'addr' : 'port');
    }
    if (!isDecidedWithoutEffect(s)) return null;
  }
  return null;
}

/** A key match's values: literals and single-address prefixes, alone or in an inline set; null for anything else. */
function dispatchKeys(right: NftValue, kind: 'addr' | 'port'): string[] | null {
  const elements = right.kind === 'set' ? right.elements : [right];
  const out: string[] = [];
  for (const e of elements) {
    if (e.kind === 'literal') out.push(canonical(kind, e.text));
    else if (e.kind === 'prefix' && e.length === 32) out.push(canonical(kind, e.address));
    else return null;
  }
  return out;
}

function buildDispatch(chain: NftChain): DispatchIndex | null {
  if (chain.rules.length < DISPATCH_MIN_RULES) return null;
  let best: DispatchIndex | null = null;
  let bestKeyed = 0;
  for (const field of ['daddr', 'dport'] as const) {
    const byKey = new Map<string, number[]>();
    const rest: number[] = [];
    let keyed = 0;
    chain.rules.forEach((rule, i) => {
      const values = requiredValues(rule, field);
      if (values === null) {
        rest.push(i);
        return;
      }
      keyed++;
      for (const v of new Set(values)) {
        const list = byKey.get(v);
        if (list) list.push(i);
        else byKey.set(v, [i]);
      }
    });
    if (keyed > bestKeyed) {
      bestKeyed = keyed;
      best = { field, byKey, rest };
    }
  }
  return best && bestKeyed * 2 >= chain.rules.length ? best : null;
}

/**
 * The positions of the rules that can match a packet whose dispatch field has `key`, in order:
 * the rules keyed on it and those that do not constrain the field. No allocation when nothing is
 * keyed on it (the usual case after DNAT, in chains keyed on service addresses).
 */
export function dispatchCandidates(dispatch: DispatchIndex, key: string): readonly number[] {
  const keyed = dispatch.byKey.get(key);
  if (keyed === undefined) return dispatch.rest;
  return dispatch.rest.length === 0 ? keyed : mergePositions(keyed, dispatch.rest);
}

/** Merge two ascending lists of rule positions. */
export function mergePositions(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}

const RANDOM_RANGE = 2 ** 31;

function isEndpointChainName(name: string): boolean {
  return name.startsWith('KUBE-SEP-');
}

/** The explicit probability of an iptables `statistic random` rule (`meta random & 2147483647 < N`). */
export function explicitRandom(s: NftStatement): number | null {
  if (s.kind !== 'match' || s.left.selectors.length !== 1 || s.left.selectors[0] !== 'meta random') return null;
  if (s.op !== '<' || s.right.kind !== 'literal') return null;
  const n = parseNumber(s.right.text);
  return n === null ? null : n / RANDOM_RANGE;
}

/** `xt match statistic` / `# statistic mode random …`: the probability is there but not printed. */
export function isStatisticRemnant(s: NftStatement): boolean {
  return s.kind === 'unknown' && /statistic/i.test(s.text);
}

/** `xt match recent` / `# recent: CHECK …`: kube-proxy's ClientIP session affinity. */
export function isRecentRemnant(s: NftStatement): boolean {
  return s.kind === 'unknown' && /\brecent\b/i.test(s.text);
}

export function ruleJumpTarget(rule: NftRule): string | null {
  for (const s of rule.statements) {
    if (s.kind === 'verdict' && (s.verdict.kind === 'jump' || s.verdict.kind === 'goto')) return s.verdict.target;
  }
  return null;
}

/** How an endpoint choice gives its probability: shown (`meta random`), hidden in an xt remnant, or not printed at all. */
type EndpointChoice = 'shown' | 'hidden' | 'unprinted';

/**
 * A rule that is one of kube-proxy's endpoint choices in a KUBE-SVC/KUBE-SVL chain: a jump to a
 * KUBE-SEP chain guarded by nothing but a probability (shown, hidden as an xt remnant, or not
 * printed at all, as in the article). Null for any other rule.
 */
function endpointChoice(rule: NftRule): EndpointChoice | null {
  const target = ruleJumpTarget(rule);
  if (target === null || !isEndpointChainName(target)) return null;
  let shown = false;
  let hidden = false;
  for (const s of rule.statements) {
    if (s.kind === 'counter' || s.kind === 'comment' || s.kind === 'verdict') continue;
    if (isStatisticRemnant(s)) hidden = true;
    else if (explicitRandom(s) !== null) shown = true;
    else return null;
  }
  return shown ? 'shown' : hidden ? 'hidden' : 'unprinted';
}

/** Shared by the chains without endpoint choices (all but kube-proxy's service chains): one empty map, not one each. */
const NO_RANDOM: ReadonlyMap<number, RandomInfo> = new Map();

/**
 * kube-proxy writes n endpoint jumps where the k-th (0-based) is taken with probability 1/(n-k),
 * so each endpoint gets 1/n. Where the rule shows its probability it is used as is; where it does
 * not, the convention supplies it and it is marked inferred. The last jump of a run is taken with
 * probability 1 (it is unconditional in the kernel too).
 */
function buildRandom(chain: NftChain): ReadonlyMap<number, RandomInfo> {
  const rules = chain.rules;
  let out: Map<number, RandomInfo> | null = null;
  let i = 0;
  while (i < rules.length) {
    const first = endpointChoice(rules[i]);
    if (first === null) {
      i++;
      continue;
    }
    const run = [first];
    while (i + run.length < rules.length) {
      const next = endpointChoice(rules[i + run.length]);
      if (next === null) break;
      run.push(next);
    }
    const n = run.length;
    for (let k = 0; k < n; k++) {
      if (run[k] === 'shown' || (run[k] === 'unprinted' && k === n - 1)) continue;
      (out ??= new Map()).set(i + k, { probability: 1 / (n - k), inferred: true });
    }
    i += n;
  }
  return out ?? NO_RANDOM;
}

/**
 * A chain's endpoint choices by rule position, worked out when the chain is first evaluated rather
 * than with the index: the scan then brings in the rules the evaluation reads next, instead of a
 * pass over every rule of a large ruleset that leaves none of them in the cache.
 */
export function endpointChoices(chain: ChainIndex): ReadonlyMap<number, RandomInfo> {
  chain.random ??= buildRandom(chain.chain);
  return chain.random;
}

function setKinds(set: NftSet): ValueKind[] {
  return set.keyType.split(/\s*\.\s*/).map(keyTypeKind);
}

function buildTable(table: NftTable): TableIndex {
  const index: TableIndex = { table, chains: new Map(), sets: new Map() };
  for (const set of table.sets) index.sets.set(set.name, buildSetIndex(set.name, set.elements, setKinds(set), set));
  table.chains.forEach((chain, position) => {
    index.chains.set(chain.name, { table: index, chain, position, dispatch: buildDispatch(chain), random: null });
  });
  return index;
}

export function buildNftIndex(ruleset: NftRuleset | null): NftIndex {
  const tables = (ruleset?.tables ?? []).map(buildTable);
  const hooks = new Map<string, HookChain[]>();
  for (const t of tables) {
    if (t.table.family !== 'ip' && t.table.family !== 'inet') continue;
    for (const c of t.chains.values()) {
      const { hook, priority, type } = c.chain;
      if (hook === null) continue;
      const list = hooks.get(hook) ?? [];
      list.push({ chain: c, hook, priority: priority ?? 0, type: type ?? 'filter' });
      hooks.set(hook, list);
    }
  }
  for (const list of hooks.values()) list.sort((a, b) => a.priority - b.priority);
  return { tables, hooks };
}
