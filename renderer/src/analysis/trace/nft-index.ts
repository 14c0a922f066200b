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

export function selectorKind(selector: string): ValueKind {
  const known = SELECTOR_KINDS[selector];
  if (known) return known;
  if (/ (s|d)port$/.test(selector)) return 'port';
  return 'string';
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

function parseNumber(text: string): number | null {
  if (/^\d+$/.test(text)) return Number(text);
  if (/^0x[0-9a-f]+$/i.test(text)) return Number.parseInt(text.slice(2), 16);
  return null;
}

const canonicalAddrs = new Map<string, string>();
const prefixes = new Map<string, Cidr | null>();

function canonicalAddr(text: string): string {
  let c = canonicalAddrs.get(text);
  if (c === undefined) {
    c = canonicalIp(text);
    canonicalAddrs.set(text, c);
  }
  return c;
}

/** A prefix element's parsed form, memoised: the same few prefixes are checked on every path. */
function prefixOf(address: string, length: number): Cidr | null {
  const key = `${address}/${length}`;
  let c = prefixes.get(key);
  if (c === undefined) {
    c = parseCidr(key);
    prefixes.set(key, c);
  }
  return c;
}

/** The canonical text of a scalar value of a kind, so that lookups are plain string equality. */
export function canonical(kind: ValueKind, raw: string): string {
  const text = unquote(raw.trim());
  switch (kind) {
    case 'addr':
      return canonicalAddr(text);
    case 'proto':
      return PROTO_NUMBERS[text] ?? text.toLowerCase();
    case 'port': {
      const named = SERVICE_PORTS[text];
      if (named) return named;
      const n = parseNumber(text);
      return n === null ? text : String(n);
    }
    case 'number': {
      const n = parseNumber(text);
      return n === null ? text : String(n);
    }
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
      const cidr = prefixOf(element.address, element.length);
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
  dispatch: DispatchIndex | null;
  random: Map<number, RandomInfo>;
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

/** Statements that change something even when a later match in the rule fails. */
function hasSideEffect(s: NftStatement): boolean {
  return s.kind === 'mark-set' || s.kind === 'nat' || s.kind === 'nat-map' || s.kind === 'unknown';
}

/** The single values a rule requires of a field (`ip daddr X`, `tcp dport {80, 443}`), or null. */
function requiredValues(rule: NftRule, field: 'daddr' | 'dport'): string[] | null {
  for (const s of rule.statements) {
    if (hasSideEffect(s)) return null;
    if (s.kind !== 'match' || s.op !== '==' || s.left.mask !== null || s.left.selectors.length !== 1) continue;
    const selector = s.left.selectors[0];
    const isField = field === 'daddr' ? selector === 'ip daddr' : / dport$/.test(selector);
    if (!isField) continue;
    const kind = field === 'daddr' ? 'addr' : 'port';
    const elements = s.right.kind === 'set' ? s.right.elements : [s.right];
    const out: string[] = [];
    for (const e of elements) {
      if (e.kind === 'literal') out.push(canonical(kind, e.text));
      else if (e.kind === 'prefix' && e.length === 32) out.push(canonical(kind, e.address));
      else return null;
    }
    return out;
  }
  return null;
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

/**
 * A rule that is one of kube-proxy's endpoint choices in a KUBE-SVC/KUBE-SVL chain: a jump to a
 * KUBE-SEP chain guarded by nothing but a probability (shown, hidden as an xt remnant, or not
 * printed at all, as in the article).
 */
function isEndpointChoice(rule: NftRule): boolean {
  const target = ruleJumpTarget(rule);
  if (target === null || !isEndpointChainName(target)) return false;
  return rule.statements.every(
    (s) =>
      s.kind === 'counter' ||
      s.kind === 'comment' ||
      s.kind === 'verdict' ||
      isStatisticRemnant(s) ||
      explicitRandom(s) !== null,
  );
}

/**
 * kube-proxy writes n endpoint jumps where the k-th (0-based) is taken with probability 1/(n-k),
 * so each endpoint gets 1/n. Where the rule shows its probability it is used as is; where it does
 * not, the convention supplies it and it is marked inferred. The last jump of a run is taken with
 * probability 1 (it is unconditional in the kernel too).
 */
function buildRandom(chain: NftChain): Map<number, RandomInfo> {
  const out = new Map<number, RandomInfo>();
  let i = 0;
  while (i < chain.rules.length) {
    if (!isEndpointChoice(chain.rules[i])) {
      i++;
      continue;
    }
    let j = i;
    while (j < chain.rules.length && isEndpointChoice(chain.rules[j])) j++;
    const n = j - i;
    for (let k = 0; k < n; k++) {
      const rule = chain.rules[i + k];
      const explicit = rule.statements.map(explicitRandom).find((p) => p !== null);
      if (explicit !== undefined && explicit !== null) continue;
      const remnant = rule.statements.some(isStatisticRemnant);
      if (k === n - 1 && !remnant) continue;
      out.set(i + k, { probability: 1 / (n - k), inferred: true });
    }
    i = j;
  }
  return out;
}

function setKinds(set: NftSet): ValueKind[] {
  return set.keyType.split(/\s*\.\s*/).map(keyTypeKind);
}

function buildTable(table: NftTable): TableIndex {
  const index: TableIndex = { table, chains: new Map(), sets: new Map() };
  for (const set of table.sets) index.sets.set(set.name, buildSetIndex(set.name, set.elements, setKinds(set), set));
  for (const chain of table.chains) {
    index.chains.set(chain.name, { table: index, chain, dispatch: buildDispatch(chain), random: buildRandom(chain) });
  }
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
