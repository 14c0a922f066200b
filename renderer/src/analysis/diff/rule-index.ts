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
}

/** A snapshot's kube-proxy chain names: all of them, or (built on first use) those of one mode only. */
export type ChainRefSource = ReadonlyMap<string, KubeProxyChainRef> | ((mode: KubeProxyChainRef['mode']) => ReadonlyMap<string, KubeProxyChainRef>);

/**
 * A name can only be in the index of the mode it has the shape of (kubeProxyChainMode), so with
 * per-mode sources only the modes of the names actually looked up are ever built.
 */
export function chainNames(a: ChainRefSource, b: ChainRefSource): ChainNames {
  const memo = new Map<string, string>();
  const refMemo = new Map<string, KubeProxyChainRef | null>();
  const lookup = (src: ChainRefSource, name: string, mode: KubeProxyChainRef['mode']): KubeProxyChainRef | undefined =>
    typeof src === 'function' ? src(mode).get(name) : src.get(name);
  const ref = (name: string): KubeProxyChainRef | null => {
    let out = refMemo.get(name);
    if (out === undefined) {
      const mode = kubeProxyChainMode(name);
      out = mode === null ? null : (lookup(a, name, mode) ?? lookup(b, name, mode) ?? null);
      refMemo.set(name, out);
    }
    return out;
  };
  return {
    ref,
    canonical(name) {
      let out = memo.get(name);
      if (out === undefined) {
        const r = ref(name);
        out = r
          ? `⟨${r.kind} ${r.serviceKey}${r.portName ? `:${r.portName}` : ''}/${r.protocol}${r.endpoint ? ` ${r.endpoint}` : ''}${r.mode === 'nftables' ? ' nft' : ''}⟩`
          : name;
        memo.set(name, out);
      }
      return out;
    },
  };
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

function dnatTarget(statements: readonly NftStatement[]): string | null {
  for (const s of statements) {
    if (s.kind !== 'nat' || s.type !== 'dnat' || s.address === null) continue;
    if (s.port === null) return s.address;
    return s.address.includes(':') ? `[${s.address}]:${s.port}` : `${s.address}:${s.port}`;
  }
  return null;
}

/**
 * A rule by meaning. Only `key` is computed up front (every rule is matched by it); the rest is
 * computed on first use, which for most rules of a large ruleset is never.
 */
export class IndexedRule {
  readonly rule: NftRule;
  /** the statements without the counter, kube-proxy chain names replaced by their meaning */
  readonly key: string;
  #names: ChainNames;
  /** whether a chain name was replaced: else the key is also the display */
  #renamed: boolean;
  #display: string | undefined;
  #action: string | undefined;
  #probabilistic: boolean | undefined;
  #dnat: string | null | undefined;

  constructor(rule: NftRule, names: ChainNames) {
    let key = '';
    let first = true;
    let renamed = false;
    for (const s of rule.statements) {
      if (s.kind === 'counter') continue;
      let text: string;
      if (s.kind === 'comment') text = `comment "${s.text}"`;
      else {
        text = canonicalText(s.text, names);
        if (text !== s.text) renamed = true;
      }
      key = first ? text : `${key} ${text}`;
      first = false;
    }
    this.rule = rule;
    this.key = key;
    this.#names = names;
    this.#renamed = renamed;
  }

  /** the rule as printed, without its counter */
  get display(): string {
    if (!this.#renamed) return this.key;
    if (this.#display === undefined) {
      const display: string[] = [];
      for (const s of this.rule.statements) {
        if (s.kind === 'counter') continue;
        display.push(s.kind === 'comment' ? `comment "${s.text}"` : s.text);
      }
      this.#display = display.join(' ');
    }
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

  /** `ip:port` of a dnat statement (an endpoint chain's DNAT) */
  get dnat(): string | null {
    if (this.#dnat === undefined) this.#dnat = dnatTarget(this.rule.statements);
    return this.#dnat;
  }
}

export class IndexedChain {
  /** `family table chain-meaning` */
  readonly id: string;
  readonly family: string;
  readonly table: string;
  readonly chain: NftChain;
  readonly ref: KubeProxyChainRef | null;
  readonly rules: IndexedRule[];
  #probabilistic: boolean | undefined;

  constructor(id: string, family: string, table: string, chain: NftChain, ref: KubeProxyChainRef | null, rules: IndexedRule[]) {
    this.id = id;
    this.family = family;
    this.table = table;
    this.chain = chain;
    this.ref = ref;
    this.rules = rules;
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
  chains: Map<string, IndexedChain>;
  /** by `family table chain` as named in this snapshot */
  byName: Map<string, IndexedChain>;
  sets: Map<string, IndexedSet>;
}

export function indexRule(rule: NftRule, names: ChainNames): IndexedRule {
  return new IndexedRule(rule, names);
}

function verdictText(v: NftVerdict): string {
  return [v.kind, v.target, v.argument].filter((x) => x !== null).join(' ');
}

function elementText(e: NftMapElement): string {
  const data = e.verdict ? verdictText(e.verdict) : e.value ? valueText(e.value) : null;
  return data === null ? valueText(e.key) : `${valueText(e.key)} : ${data}`;
}

export function indexNodeRules(node: NodeData, names: ChainNames): NodeRuleIndex {
  const chains = new Map<string, IndexedChain>();
  const byName = new Map<string, IndexedChain>();
  const sets = new Map<string, IndexedSet>();
  for (const table of node.ruleset?.tables ?? []) {
    for (const chain of table.chains) {
      const rules = new Array<IndexedRule>(chain.rules.length);
      for (let i = 0; i < rules.length; i++) rules[i] = new IndexedRule(chain.rules[i], names);
      const indexed = new IndexedChain(`${table.family} ${table.name} ${names.canonical(chain.name)}`, table.family, table.name, chain, names.ref(chain.name), rules);
      chains.set(indexed.id, indexed);
      byName.set(`${table.family} ${table.name} ${chain.name}`, indexed);
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
  return { chains, byName, sets };
}
