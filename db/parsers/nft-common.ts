// Pieces shared by the `nft list ruleset` text parser and the `nft -j list ruleset` JSON parser,
// so both produce the same model for the same ruleset.

import type { NftFamily, NftVerdict, NftVerdictKind } from '../../renderer/src/analysis/model';

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
  if (/^-?\d+$/.test(text)) return Number(text);
  if (/^0x[0-9a-f]+$/i.test(text)) return Number.parseInt(text.slice(2), 16);
  return null;
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
  return UNQUALIFIED_META_KEYS.has(key) ? key : `meta ${key}`;
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

export function verdict(
  kind: NftVerdictKind,
  target: string | null = null,
  argument: string | null = null,
): NftVerdict {
  return { kind, target, argument };
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
