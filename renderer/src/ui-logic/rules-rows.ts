// The Rules view's row model: a ruleset flattened to table → chain → rule (and set) rows so that
// 150k rules fit one virtual list, an index from chain to row for jump/goto links, and the
// search box's matcher (a chain name, an IP address or CIDR, a port, or any text).

import type { NftChain, NftRule, NftRuleset, NftSet, NftTable, NftVerdict } from '../analysis/model';
import { parseCidr } from './ip';

/** `haystack`: what the search box matches, lower-cased once (rule text without its counters). */
export type RuleRow =
  | { type: 'table'; table: NftTable; haystack: string }
  | { type: 'chain'; table: NftTable; chain: NftChain; haystack: string }
  | { type: 'rule'; table: NftTable; chain: NftChain; rule: NftRule; targets: string[]; haystack: string }
  | { type: 'set'; table: NftTable; set: NftSet; haystack: string };

export interface RuleRows {
  rows: RuleRow[];
  /** `family table chain` → row index of the chain */
  chains: Map<string, number>;
}

export function chainKey(family: string, table: string, chain: string): string {
  return `${family} ${table} ${chain}`;
}

function verdictTargets(rule: NftRule): string[] {
  const targets: string[] = [];
  const add = (v: NftVerdict | null): void => {
    if (v && (v.kind === 'jump' || v.kind === 'goto') && v.target !== null && !targets.includes(v.target)) targets.push(v.target);
  };
  for (const st of rule.statements) {
    if (st.kind === 'verdict') add(st.verdict);
    else if ((st.kind === 'vmap' || st.kind === 'numgen-vmap') && st.map.kind === 'inline') st.map.elements.forEach((e) => add(e.verdict));
  }
  return targets;
}

export function flattenRuleset(ruleset: NftRuleset): RuleRows {
  const rows: RuleRow[] = [];
  const chains = new Map<string, number>();
  for (const table of ruleset.tables) {
    rows.push({ type: 'table', table, haystack: '' });
    for (const chain of table.chains) {
      chains.set(chainKey(table.family, table.name, chain.name), rows.length);
      rows.push({ type: 'chain', table, chain, haystack: chain.name.toLowerCase() });
      for (const rule of chain.rules) {
        rows.push({ type: 'rule', table, chain, rule, targets: verdictTargets(rule), haystack: rule.text.replace(COUNTERS, '').toLowerCase() });
      }
    }
    for (const set of table.sets) rows.push({ type: 'set', table, set, haystack: set.name.toLowerCase() });
  }
  return { rows, chains };
}

export type RuleQuery =
  | { kind: 'empty' }
  | { kind: 'address'; text: string; pattern: RegExp }
  | { kind: 'port'; port: number; pattern: RegExp }
  | { kind: 'text'; text: string };

const COUNTERS = /counter packets \d+ bytes \d+/g;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function parseRuleQuery(input: string): RuleQuery {
  const text = input.trim();
  if (text === '') return { kind: 'empty' };
  const portText = /^(?:port:)?(\d{1,5})$/i.exec(text);
  if (portText && Number(portText[1]) >= 1 && Number(portText[1]) <= 65535) {
    const port = Number(portText[1]);
    return { kind: 'port', port, pattern: new RegExp(`(?<![\\d./])${port}(?![\\d.])`) };
  }
  const cidr = parseCidr(text);
  if (cidr) {
    const after = cidr.family === 4 ? '[\\w.]' : '[\\w.:]';
    return { kind: 'address', text, pattern: new RegExp(`(?<![\\w.:])${escape(text)}(?!${after}|/\\d)`, 'i') };
  }
  return { kind: 'text', text: text.toLowerCase() };
}

function rowMatches(row: RuleRow, query: Exclude<RuleQuery, { kind: 'empty' }>): boolean {
  if (query.kind === 'text') return row.haystack.includes(query.text);
  return row.type === 'rule' && query.pattern.test(row.haystack);
}

export interface RuleSearch {
  indices: number[];
  /** where to go first: the chain whose name is the query, else the first match */
  preferred: number | null;
}

export function searchRows(rows: readonly RuleRow[], query: RuleQuery): RuleSearch {
  if (query.kind === 'empty') return { indices: [], preferred: null };
  const indices: number[] = [];
  let exact: number | null = null;
  rows.forEach((row, i) => {
    if (!rowMatches(row, query)) return;
    indices.push(i);
    if (exact === null && query.kind === 'text' && row.type === 'chain' && row.haystack === query.text) exact = i;
  });
  return { indices, preferred: exact ?? indices[0] ?? null };
}
