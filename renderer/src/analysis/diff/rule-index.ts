// Rule identity "by meaning". A rule's key is its statements without the counter (handles and
// whitespace are not in the statements), and every kube-proxy chain it names is replaced by what
// that chain stands for (`⟨sep default/nginx/tcp 10.42.0.204:80⟩`), so a chain whose hashed name
// differs between snapshots but means the same is still the same chain, and a rule that jumps to
// it is still the same rule. Chains are keyed by (family, table, meaning); rules within a chain
// are matched as a multiset of keys (see rules.ts).

import type { KubeProxyChainRef } from '../kubeproxy-names';
import type { NftChain, NftMapElement, NftRule, NftSet, NftStatement, NftVerdict, NodeData } from '../model';
import { valueText } from '../trace/netfilter';

/** What kube-proxy chain names stand for, known from either snapshot's Services (the hashes are the same functions). */
export interface ChainNames {
  ref(name: string): KubeProxyChainRef | null;
  /** the chain's meaning for a kube-proxy chain, else the name itself */
  canonical(name: string): string;
}

export function chainNames(a: ReadonlyMap<string, KubeProxyChainRef>, b: ReadonlyMap<string, KubeProxyChainRef>): ChainNames {
  const memo = new Map<string, string>();
  const ref = (name: string) => a.get(name) ?? b.get(name) ?? null;
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

export interface IndexedRule {
  rule: NftRule;
  /** the statements without the counter, kube-proxy chain names replaced by their meaning */
  key: string;
  /** the key's statements that act (verdicts, NAT, marks…); '' for a rule that only matches and counts */
  action: string;
  /** the rule as printed, without its counter */
  display: string;
  /** a `meta random`, `statistic` or `numgen` rule: its effect depends on its position */
  probabilistic: boolean;
  /** `ip:port` of a dnat statement (an endpoint chain's DNAT) */
  dnat: string | null;
}

export interface IndexedChain {
  /** `family table chain-meaning` */
  id: string;
  family: string;
  table: string;
  chain: NftChain;
  ref: KubeProxyChainRef | null;
  rules: IndexedRule[];
  probabilistic: boolean;
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

const TARGET = /\b(jump|goto)\s+("?)([^\s,}"]+)\2/g;

function canonicalText(text: string, names: ChainNames): string {
  return text.includes('jump') || text.includes('goto') ? text.replace(TARGET, (_, verb: string, _q, name: string) => `${verb} ${names.canonical(name)}`) : text;
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

export function indexRule(rule: NftRule, names: ChainNames): IndexedRule {
  const key: string[] = [];
  const action: string[] = [];
  const display: string[] = [];
  let probabilistic = false;
  for (const s of rule.statements) {
    if (s.kind === 'counter') continue;
    const text = canonicalText(s.text, names);
    key.push(s.kind === 'comment' ? `comment "${s.text}"` : text);
    display.push(s.kind === 'comment' ? `comment "${s.text}"` : s.text);
    if (ACTIVE_KINDS.has(s.kind)) action.push(text);
    probabilistic ||= isProbabilistic(s);
  }
  return {
    rule,
    key: key.join(' '),
    action: action.join(' '),
    display: display.join(' '),
    probabilistic,
    dnat: dnatTarget(rule.statements),
  };
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
      const rules = chain.rules.map((r) => indexRule(r, names));
      const indexed: IndexedChain = {
        id: `${table.family} ${table.name} ${names.canonical(chain.name)}`,
        family: table.family,
        table: table.name,
        chain,
        ref: names.ref(chain.name),
        rules,
        probabilistic: rules.some((r) => r.probabilistic),
      };
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
