// Rule identity "by meaning". A rule's key is its statements without the counter (handles and
// whitespace are not in the statements), and every kube-proxy chain it names is replaced by what
// that chain stands for (`⟨sep default/nginx/tcp 10.42.0.204:80⟩`), so a chain whose hashed name
// differs between snapshots but means the same is still the same chain, and a rule that jumps to
// it is still the same rule. Chains are keyed by (family, table, meaning); rules within a chain
// are matched as a multiset of keys (see rules.ts).

import { kubeProxyChainMode, type KubeProxyChainRef } from '../kubeproxy-names';
import type { NftChain, NftMapElement, NftRule, NftSet, NftStatement, NftVerdict, NodeData } from '../model';
import { valueText } from '../trace/netfilter';

/** What kube-proxy chain names stand for, known from either snapshot's Services (the hashes are the same functions). */
export interface ChainNames {
  ref(name: string): KubeProxyChainRef | null;
  /** the chain's meaning for a kube-proxy chain, else the name itself */
  canonical(name: string): string;
  /** A table's chains' identities, by chain name. */
  chainsOf(family: string, table: string): (name: string) => ChainIdentity;
}

/**
 * What a chain is, by meaning: one object per table and meaning (chainNames memoizes them), which
 * both sides' chains of that meaning share. Chains are matched by it as a Map key: no id string is
 * built and hashed per chain.
 */
export class ChainIdentity {
  readonly ref: KubeProxyChainRef | null;
  readonly #prefix: string;
  readonly #named: Named;
  #id: string | undefined;

  constructor(prefix: string, named: Named) {
    this.#prefix = prefix;
    this.#named = named;
    this.ref = named.ref;
  }

  /** what the chain stands for, as text: `⟨sep default/nginx/tcp 10.42.0.204:80⟩`, or a plain chain's name */
  get meaning(): string {
    return this.#named.canonical;
  }

  /** `family table chain-meaning` */
  get id(): string {
    this.#id ??= this.#prefix + this.meaning;
    return this.#id;
  }
}

/** A snapshot's kube-proxy chain names: all of them, or (built on first use) those of one mode only. */
export type ChainRefSource = ReadonlyMap<string, KubeProxyChainRef> | ((mode: KubeProxyChainRef['mode']) => ReadonlyMap<string, KubeProxyChainRef>);

/** A meaning text opens with this; a plain chain name that does could be one (see chainNames). */
const MEANING_OPEN = '⟨';

/**
 * What a chain name stands for: its kube-proxy ref, and its meaning as text (the name itself for
 * no ref), built on first use: a 5,000-Service ruleset names 74,000 chains, and a diff of counters
 * reads the text of none.
 */
class Named {
  readonly name: string;
  readonly ref: KubeProxyChainRef | null;
  #canonical: string | undefined;

  constructor(name: string, ref: KubeProxyChainRef | null) {
    this.name = name;
    this.ref = ref;
  }

  get canonical(): string {
    if (this.#canonical === undefined) {
      const r = this.ref;
      this.#canonical = r
        ? `${MEANING_OPEN}${r.kind} ${r.serviceKey}${r.portName ? `:${r.portName}` : ''}/${r.protocol}${r.endpoint ? ` ${r.endpoint}` : ''}${r.mode === 'nftables' ? ' nft' : ''}⟩`
        : this.name;
    }
    return this.#canonical;
  }
}

/**
 * One table's identities, found by chain name. Two names share a meaning only when one is a plain
 * name that reads like a meaning text (see chainNames): from the first such name on, the table's
 * kube-proxy identities are kept by meaning too.
 */
class TableIdentities {
  readonly prefix: string;
  readonly byName = new Map<string, ChainIdentity>();
  /** the kube-proxy chains' identities, while byMeaning is not needed */
  readonly #kubeProxy: ChainIdentity[] = [];
  #byMeaning: Map<string, ChainIdentity> | null = null;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /** The identity of a name not seen in this table before. */
  identify(named: Named): ChainIdentity {
    const kubeProxy = named.ref !== null;
    if (!kubeProxy && !named.name.startsWith(MEANING_OPEN)) return new ChainIdentity(this.prefix, named);
    if (!kubeProxy) this.#byMeaning ??= new Map(this.#kubeProxy.map((c) => [c.meaning, c]));
    if (this.#byMeaning === null) {
      const identity = new ChainIdentity(this.prefix, named);
      this.#kubeProxy.push(identity);
      return identity;
    }
    let identity = this.#byMeaning.get(named.canonical);
    if (identity === undefined) this.#byMeaning.set(named.canonical, (identity = new ChainIdentity(this.prefix, named)));
    return identity;
  }
}

/**
 * A name can only be in the index of the mode it has the shape of (kubeProxyChainMode), so with
 * per-mode sources only the modes of the names actually looked up are ever built.
 *
 * Identities are per table and meaning, but no meaning text is built to find them. A kube-proxy
 * name is a function of its meaning (the hash of the very fields the meaning text shows), so two
 * different kube-proxy names never share one, and a plain name's meaning is the name itself: the
 * name finds the identity. The one exception is a plain name that reads like a meaning text (it
 * opens with ⟨): from the first one on, the table's kube-proxy identities are kept by meaning too.
 */
export function chainNames(a: ChainRefSource, b: ChainRefSource): ChainNames {
  /** name → its ref and meaning, in one entry: a 5,000-Service ruleset names 74,000 chains */
  const memo = new Map<string, Named>();
  const lookup = (src: ChainRefSource, name: string, mode: KubeProxyChainRef['mode']): KubeProxyChainRef | undefined =>
    typeof src === 'function' ? src(mode).get(name) : src.get(name);
  const named = (name: string): Named => {
    let out = memo.get(name);
    if (out === undefined) {
      const mode = kubeProxyChainMode(name);
      memo.set(name, (out = new Named(name, mode === null ? null : (lookup(a, name, mode) ?? lookup(b, name, mode) ?? null))));
    }
    return out;
  };
  /** per table (`family table `) */
  const tables = new Map<string, TableIdentities>();
  const chainsOf = (family: string, table: string): ((name: string) => ChainIdentity) => {
    const prefix = `${family} ${table} `;
    let held = tables.get(prefix);
    if (!held) tables.set(prefix, (held = new TableIdentities(prefix)));
    const identities = held;
    const { byName } = identities;
    return (name) => {
      let identity = byName.get(name);
      if (identity === undefined) byName.set(name, (identity = identities.identify(named(name))));
      return identity;
    };
  };
  return { ref: (name) => named(name).ref, canonical: (name) => named(name).canonical, chainsOf };
}

const TARGET = /\b(jump|goto)\s+("?)([^\s,}"]+)\2/g;

/** statement texts naming chains → the same with kube-proxy chains by meaning, per ChainNames (texts repeat: `jump KUBE-MARK-MASQ`, and both sides' rules) */
const canonicalTexts = new WeakMap<ChainNames, Map<string, string>>();

function canonicalText(text: string, names: ChainNames): string {
  if (!text.includes('jump') && !text.includes('goto')) return text;
  let memo = canonicalTexts.get(names);
  if (!memo) canonicalTexts.set(names, (memo = new Map()));
  let out = memo.get(text);
  if (out === undefined) {
    out = text.replace(TARGET, (_, verb: string, _q, name: string) => `${verb} ${names.canonical(name)}`);
    memo.set(text, out);
  }
  return out;
}

const ACTIVE_KINDS = new Set<NftStatement['kind']>(['nat', 'nat-map', 'mark-set', 'vmap', 'numgen-vmap', 'verdict']);
const RANDOM_TEXT = /\b(statistic|numgen|random)\b/;

function isProbabilistic(s: NftStatement): boolean {
  if (s.kind === 'match') return s.left.selectors.some((sel) => sel === 'meta random' || sel.startsWith('numgen'));
  if (s.kind === 'numgen-vmap') return true;
  return (s.kind === 'unknown' || s.kind === 'passive') && RANDOM_TEXT.test(s.text);
}

/** A dnat statement with a literal address: an endpoint chain's DNAT, what dnatTarget reads. */
function isDnatTarget(s: NftStatement): s is Extract<NftStatement, { kind: 'nat' }> & { address: string } {
  return s.kind === 'nat' && s.type === 'dnat' && s.address !== null;
}

/** `ip:port` (or `ip`) of the rule's first dnat statement with a literal address; null without one. */
export function dnatTarget(statements: readonly NftStatement[]): string | null {
  for (const s of statements) {
    if (!isDnatTarget(s)) continue;
    if (s.port === null) return s.address;
    return s.address.includes(':') ? `[${s.address}]:${s.port}` : `${s.address}:${s.port}`;
  }
  return null;
}

/** Whether dnatTarget finds a target, without building its text. */
export function hasDnatTarget(statements: readonly NftStatement[]): boolean {
  for (const s of statements) if (isDnatTarget(s)) return true;
  return false;
}

/** A statement as the rule prints it (a comment's text is held unquoted). */
function printed(s: NftStatement): string {
  return s.kind === 'comment' ? `comment "${s.text}"` : s.text;
}

/** A statement as a rule's key holds it: as printed, kube-proxy chain names by their meaning (comments as they are). */
function statementKey(s: NftStatement, names: ChainNames): string {
  return s.kind === 'comment' ? printed(s) : canonicalText(s.text, names);
}

/** The rule's statements but its counter, each as `text` gives it, joined by spaces. */
function statementsText(rule: NftRule, text: (s: NftStatement) => string): string {
  const parts: string[] = [];
  for (const s of rule.statements) if (s.kind !== 'counter') parts.push(text(s));
  return parts.join(' ');
}

/** The rule as printed, without its counter. */
export function ruleDisplay(rule: NftRule): string {
  return statementsText(rule, printed);
}

/** The rule by meaning: its statements without the counter, kube-proxy chain names replaced by their meaning. */
export function ruleKey(rule: NftRule, names: ChainNames): string {
  return statementsText(rule, (s) => statementKey(s, names));
}

/**
 * A rule by meaning, each part computed on first use. Chains whose rules are the same texts on
 * both sides (sameRuleTexts) are compared without their IndexedRules, so for most rules of a
 * large ruleset none is ever made.
 */
export class IndexedRule {
  readonly rule: NftRule;
  #names: ChainNames;
  #key: string | undefined;
  #display: string | undefined;
  #action: string | undefined;
  #probabilistic: boolean | undefined;

  constructor(rule: NftRule, names: ChainNames) {
    this.rule = rule;
    this.#names = names;
  }

  /** ruleKey */
  get key(): string {
    this.#key ??= ruleKey(this.rule, this.#names);
    return this.#key;
  }

  /** ruleDisplay */
  get display(): string {
    this.#display ??= ruleDisplay(this.rule);
    return this.#display;
  }

  /** the key's statements that act (verdicts, NAT, marks…); '' for a rule that only matches and counts */
  get action(): string {
    if (this.#action === undefined) {
      const action: string[] = [];
      for (const s of this.rule.statements) if (s.kind !== 'counter' && ACTIVE_KINDS.has(s.kind)) action.push(canonicalText(s.text, this.#names));
      this.#action = action.join(' ');
    }
    return this.#action;
  }

  /** a `meta random`, `statistic` or `numgen` rule: its effect depends on its position */
  get probabilistic(): boolean {
    if (this.#probabilistic === undefined) {
      let p = false;
      for (const s of this.rule.statements) if (s.kind !== 'counter' && isProbabilistic(s)) p = true;
      this.#probabilistic = p;
    }
    return this.#probabilistic;
  }
}

/** The same statements, counters aside: the same key, and the same everything read from statements. */
function sameStatements(a: NftRule, b: NftRule): boolean {
  const sa = a.statements;
  const sb = b.statements;
  if (sa.length !== sb.length) return false;
  for (let i = 0; i < sa.length; i++) {
    const x = sa[i];
    const y = sb[i];
    if (x.kind !== y.kind || (x.kind !== 'counter' && x.text !== y.text)) return false;
  }
  return true;
}

/**
 * The chains' rules are the same statement texts in the same order, counters aside. Much cheaper
 * than comparing keys (no key is built), and enough for them: both sides share one ChainNames, so
 * the same text always becomes the same key.
 */
export function sameRuleTexts(a: NftChain, b: NftChain): boolean {
  if (a.rules.length !== b.rules.length) return false;
  for (let i = 0; i < a.rules.length; i++) if (!sameStatements(a.rules[i], b.rules[i])) return false;
  return true;
}

export class IndexedChain {
  readonly identity: ChainIdentity;
  readonly family: string;
  readonly table: string;
  readonly chain: NftChain;
  readonly ref: KubeProxyChainRef | null;
  #names: ChainNames;
  #rules: IndexedRule[] | undefined;
  #probabilistic: boolean | undefined;

  constructor(identity: ChainIdentity, family: string, table: string, chain: NftChain, names: ChainNames) {
    this.identity = identity;
    this.family = family;
    this.table = table;
    this.chain = chain;
    this.ref = identity.ref;
    this.#names = names;
  }

  /** `family table chain-meaning` */
  get id(): string {
    return this.identity.id;
  }

  /** its rules by meaning, made on first use: an identical chain's never are (sameRuleTexts) */
  get rules(): IndexedRule[] {
    this.#rules ??= this.chain.rules.map((r) => new IndexedRule(r, this.#names));
    return this.#rules;
  }

  get probabilistic(): boolean {
    this.#probabilistic ??= this.rules.some((r) => r.probabilistic);
    return this.#probabilistic;
  }
}

export interface IndexedSet {
  id: string;
  family: string;
  table: string;
  set: NftSet;
  /** element text (chain names by meaning) → how many times it occurs, and its text as printed */
  elements: Map<string, { count: number; display: string }>;
}

export interface NodeRuleIndex {
  /** one chain per identity, in ruleset order */
  chains: Map<ChainIdentity, IndexedChain>;
  /** every chain, in ruleset order (`chains` keeps one per identity) */
  inOrder: readonly IndexedChain[];
  /** by `family table chain` as named in this snapshot; built on first use (only re-traced paths look chains up by name) */
  readonly byName: Map<string, IndexedChain>;
  sets: Map<string, IndexedSet>;
}

function verdictText(v: NftVerdict): string {
  return [v.kind, v.target, v.argument].filter((x) => x !== null).join(' ');
}

function elementText(e: NftMapElement): string {
  const data = e.verdict ? verdictText(e.verdict) : e.value ? valueText(e.value) : null;
  return data === null ? valueText(e.key) : `${valueText(e.key)} : ${data}`;
}

/**
 * A node's chains and sets by identity. With `like` (the other side's index, built with the same
 * ChainNames), a chain named as the chain at the same place there (same position, family and
 * table) takes that chain's identity, a function of those three, without looking its name up: two
 * captures of one ruleset list the same chains in the same order.
 */
export function indexNodeRules(node: NodeData, names: ChainNames, like?: NodeRuleIndex): NodeRuleIndex {
  const chains = new Map<ChainIdentity, IndexedChain>();
  const all: IndexedChain[] = [];
  let byName: Map<string, IndexedChain> | undefined;
  const sets = new Map<string, IndexedSet>();
  const there = like?.inOrder ?? [];
  for (const table of node.ruleset?.tables ?? []) {
    const identify = names.chainsOf(table.family, table.name);
    for (const chain of table.chains) {
      const same = there[all.length] as IndexedChain | undefined;
      const identity =
        same !== undefined && same.chain.name === chain.name && same.table === table.name && same.family === table.family ? same.identity : identify(chain.name);
      const indexed = new IndexedChain(identity, table.family, table.name, chain, names);
      chains.set(indexed.identity, indexed);
      all.push(indexed);
    }
    for (const set of table.sets) {
      const elements = new Map<string, { count: number; display: string }>();
      for (const e of set.elements) {
        const display = elementText(e);
        const key = canonicalText(display, names);
        const seen = elements.get(key);
        elements.set(key, { count: (seen?.count ?? 0) + 1, display });
      }
      const id = `${table.family} ${table.name} ${set.kind} ${set.name}`;
      sets.set(id, { id, family: table.family, table: table.name, set, elements });
    }
  }
  return {
    chains,
    inOrder: all,
    sets,
    get byName() {
      byName ??= new Map(all.map((c) => [`${c.family} ${c.table} ${c.chain.name}`, c]));
      return byName;
    },
  };
}
