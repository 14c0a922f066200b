// Pieces shared by the `nft list ruleset` text parser and the `nft -j list ruleset` JSON parser,
// so both produce the same model for the same ruleset.

import type { NftChain, NftFamily, NftOperand, NftRule, NftRuleset, NftTable, NftValue, NftVerdict, NftVerdictKind } from '../../renderer/src/analysis/model';
import type { ParseOptions } from './issues';

/**
 * Takes a ruleset's rules from its parser instead of the result: each table as soon as it opens
 * (its comment may come later), then each chain's rules once the parser knows no more can come
 * to it: the text parser at the chain's closing brace; the JSON and iptables-save parsers, whose
 * rules may come in any order, at the end. The result's chains then have no rules. The importer
 * writes them to the library as they come, so that a ruleset's rules never all live in memory.
 */
export interface RuleReceiver {
  table(table: NftTable): void;
  chain(table: NftTable, chain: NftChain, rules: NftRule[]): void;
}

/** What a ruleset parser takes: with a `receiver`, it hands the rules over instead of keeping them. */
export interface RulesetParseOptions extends ParseOptions {
  receiver?: RuleReceiver;
}

/** Hands every table and chain's rules over to `receiver`, in order, and leaves the chains without rules. */
export function handOverRules(ruleset: NftRuleset, receiver: RuleReceiver | undefined): NftRuleset {
  if (!receiver) return ruleset;
  for (const table of ruleset.tables) {
    receiver.table(table);
    for (const chain of table.chains) {
      const rules = chain.rules;
      chain.rules = [];
      receiver.chain(table, chain, rules);
    }
  }
  return ruleset;
}

const FAMILIES: ReadonlySet<string> = new Set(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);

export function isNftFamily(word: string): word is NftFamily {
  return FAMILIES.has(word);
}

// Named chain priorities as nft(8) defines them ("PRIORITY" table); bridge has its own scale.
const STANDARD_PRIORITIES: Readonly<Record<string, number>> = {
  raw: -300,
  mangle: -150,
  dstnat: -100,
  filter: 0,
  security: 50,
  srcnat: 100,
};
const BRIDGE_PRIORITIES: Readonly<Record<string, number>> = {
  dstnat: -300,
  filter: -200,
  out: 100,
  srcnat: 300,
};

/**
 * Resolves a chain priority as nft prints it (`dstnat`, `filter - 5`, `dstnat + 10`, `-110`)
 * given as its whitespace-separated words. Returns null for anything else.
 */
export function resolvePriority(family: NftFamily, words: readonly string[]): number | null {
  if (words.length === 0) return null;
  const named = family === 'bridge' ? BRIDGE_PRIORITIES : STANDARD_PRIORITIES;
  const base = Object.hasOwn(named, words[0]) ? named[words[0]] : parseInteger(words[0]);
  if (base === null) return null;
  if (words.length === 1) return base;
  if (words.length !== 3) return null;
  const offset = parseInteger(words[2]);
  if (offset === null) return null;
  if (words[1] === '+') return base + offset;
  if (words[1] === '-') return base - offset;
  return null;
}

/** A decimal or 0x-hex integer, optionally negative; null when the text is anything else. */
export function parseInteger(text: string): number | null {
  return decimalValue(text) ?? (/^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text.slice(2), 16) : null);
}

const MINUS = 45;
const ZERO = 48;

/**
 * The value of `-?[0-9]+`, or null. Read by character code: a ruleset has a counter's two
 * numbers in every rule, and a regex test plus Number() costs several times this loop.
 */
function decimalValue(text: string): number | null {
  const start = text.charCodeAt(0) === MINUS ? 1 : 0;
  if (start === text.length) return null;
  let value = 0;
  for (let k = start; k < text.length; k++) {
    const digit = text.charCodeAt(k) - ZERO;
    if (!(digit >= 0 && digit <= 9)) return null;
    value = value * 10 + digit;
  }
  // Past 2^53 the sum rounds at each step; Number() rounds once, as before.
  if (value > Number.MAX_SAFE_INTEGER) return Number(text);
  return start === 1 ? -value : value;
}

/** nft prints marks as 8-digit hex (`0x00004000`); the JSON output gives plain numbers. */
export function formatMark(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

/** Selectors whose values nft prints as marks. */
export function isMarkSelector(selector: string): boolean {
  return selector === 'meta mark' || selector === 'ct mark';
}

// nft prints these meta keys without the `meta` prefix; every other key is printed qualified.
const UNQUALIFIED_META_KEYS: ReadonlySet<string> = new Set([
  'iif',
  'oif',
  'iifname',
  'oifname',
  'iifgroup',
  'oifgroup',
]);

/** The canonical selector text for a meta key: `iifname`, but `meta mark`, `meta l4proto`. */
export function metaSelector(key: string): string {
  return UNQUALIFIED_META_KEYS.has(key) ? key : sharedPair('meta', key);
}

const VERDICT_KINDS: ReadonlySet<string> = new Set([
  'accept',
  'drop',
  'reject',
  'return',
  'continue',
  'jump',
  'goto',
  'queue',
]);

export function isVerdictKind(word: string): word is NftVerdictKind {
  return VERDICT_KINDS.has(word);
}

const PLAIN_VERDICTS = new Map<NftVerdictKind, NftVerdict>();

export function verdict(
  kind: NftVerdictKind,
  target: string | null = null,
  argument: string | null = null,
): NftVerdict {
  if (target !== null || argument !== null) return { kind, target, argument };
  let plain = PLAIN_VERDICTS.get(kind);
  if (plain === undefined) PLAIN_VERDICTS.set(kind, (plain = Object.freeze({ kind, target, argument })));
  return plain;
}

/** The nft text of a verdict: `accept`, `jump KUBE-SVC-…`, `reject with tcp reset`. */
export function verdictText(v: NftVerdict): string {
  const parts: string[] = [v.kind];
  if (v.target !== null) parts.push(v.target);
  if (v.argument !== null) parts.push(v.argument);
  return parts.join(' ');
}

/**
 * Splits a NAT target as printed (`10.42.0.204:80`, `[fd00::1]:80`, `fd00::1`, `:22`,
 * `10.0.0.1-10.0.0.9:80-90`) into address and port.
 */
export function splitNatTarget(text: string): { address: string | null; port: string | null } {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return { address: text, port: null };
    const rest = text.slice(close + 1);
    return {
      address: text.slice(1, close),
      port: rest.startsWith(':') && rest.length > 1 ? rest.slice(1) : null,
    };
  }
  const colon = text.indexOf(':');
  if (colon < 0) return { address: text, port: null };
  // More than one colon without brackets is a bare IPv6 address.
  if (text.indexOf(':', colon + 1) >= 0) return { address: text, port: null };
  return {
    address: colon === 0 ? null : text.slice(0, colon),
    port: colon === text.length - 1 ? null : text.slice(colon + 1),
  };
}

/** Joins a NAT address and port the way nft prints them (IPv6 with a port gets brackets). */
export function joinNatTarget(address: string | null, port: string | null): string {
  if (port === null) return address ?? '';
  if (address === null) return `:${port}`;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

// A dump of 150k rules repeats a handful of selectors (`ip daddr`, `meta random & 2147483647`)
// and values (`tcp`, `80`, `local`) over and over. Sharing them (frozen: never mutate a parsed
// statement) keeps the ruleset small, which is most of the parse time: the garbage collector
// copies what survives. Each table stops growing at SHARED_LIMIT entries.
const SHARED_LIMIT = 4096;
const plainOperands = new Map<string, NftOperand>();
const maskedOperands = new Map<string, Map<number, NftOperand>>();
const literals = new Map<string, NftValue>();
const pairs = new Map<string, Map<string, string>>();

/** The one-selector operand `selector [& mask]`, shared. */
export function sharedOperand(selector: string, mask: number | null): NftOperand {
  let byMask: Map<number, NftOperand> | undefined;
  if (mask !== null) {
    byMask = maskedOperands.get(selector);
    if (byMask === undefined) {
      byMask = new Map();
      if (maskedOperands.size < SHARED_LIMIT) maskedOperands.set(selector, byMask);
    }
  }
  let op = mask === null ? plainOperands.get(selector) : byMask!.get(mask);
  if (op === undefined) {
    op = Object.freeze({ selectors: Object.freeze([selector]) as string[], mask });
    if (mask === null) {
      if (plainOperands.size < SHARED_LIMIT) plainOperands.set(selector, op);
    } else if (byMask!.size < SHARED_LIMIT) {
      byMask!.set(mask, op);
    }
  }
  return op;
}

/** The literal value `text`, shared. */
export function sharedLiteral(text: string): NftValue {
  let v = literals.get(text);
  if (v === undefined) {
    v = Object.freeze({ kind: 'literal', text }) as NftValue;
    if (literals.size < SHARED_LIMIT) literals.set(text, v);
  }
  return v;
}

/** `${first} ${second}` (a selector such as `tcp dport`), one string per distinct pair. */
export function sharedPair(first: string, second: string): string {
  let bySecond = pairs.get(first);
  if (bySecond === undefined) {
    bySecond = new Map();
    if (pairs.size < SHARED_LIMIT) pairs.set(first, bySecond);
  }
  let text = bySecond.get(second);
  if (text === undefined) {
    text = `${first} ${second}`;
    if (bySecond.size < SHARED_LIMIT) bySecond.set(second, text);
  }
  return text;
}
