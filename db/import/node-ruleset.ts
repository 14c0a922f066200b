import type { NftRule, NftRuleset } from '../../renderer/src/analysis/model';
import type { BundleFile, ParsedRuleset, RulesetFormat } from './parse-bundle';

// A node's rules can come in up to three renderings: nft's text, nft's JSON and iptables-save.
// nft's JSON is exact for native nftables rules, but for iptables-nft tables nft 1.0.6 prints
// only `xt` stubs where its text shows the translation (probabilities, DNAT targets, marks). So
// the rendering that left the fewest statements unparsed is used, and the preference order breaks
// ties.
//
// A rendering with nothing left unparsed cannot be beaten by a less preferred one, so the
// renderings are read in order of preference and reading stops at the first complete one: the
// others are kept as files, unparsed. On a 5,000-Service node each rendering holds ~200,000
// rules, and reading the second one cost as much as all the rest of the import. A JSON rendering
// that visibly holds `xt` stubs cannot be complete: it is read last, after the text that
// translates them.

/** Ruleset renderings in order of preference when they are equally complete. */
export const RULESET_PREFERENCE: readonly RulesetFormat[] = ['nft-json', 'nft-text', 'iptables-save'];

/** Where an import has put a rendering it read: the library's ruleset, and how complete it is (RulesetWriter). */
export interface StoredRendering {
  hash: string;
  rulesetId: number;
  /** rule statements nothing understood */
  unknown: number;
}

/** A rendering as read: the parsed ruleset (without its rules when an import stored them), and how complete it is. */
export interface RenderingRead {
  ruleset: NftRuleset;
  unknown: number;
  stored?: StoredRendering;
}

/** How a node's renderings are read: by the analysis, which keeps them parsed, or by an import, which stores them as it parses. */
export interface RenderingReader {
  /** Reads one file's rendering; null when it holds none. */
  read(file: BundleFile): RenderingRead | null;
  /** A rendering read is not the one used after all. */
  drop(read: RenderingRead): void;
  /** A file is left unread: `used` renders the same rules, all of them understood. */
  skipped(file: BundleFile, used: BundleFile): void;
}

/** Reads a node's ruleset files and returns the rendering to use (null when none holds a ruleset). */
export function readNodeRuleset(files: readonly BundleFile[], reader: RenderingReader): ParsedRuleset | null {
  const order = files
    .map((file) => ({ file, rank: readingRank(file) }))
    .sort((a, b) => a.rank - b.rank)
    .map(({ file }) => file);
  let best: Candidate | null = null;
  for (let i = 0; i < order.length; i++) {
    const file = order[i];
    const read = reader.read(file);
    if (read === null) continue;
    const { ruleset, unknown, stored } = read;
    // No tables at all is what a file that could not be read at all (malformed JSON imported with
    // --keep-going) leaves: it is used only when nothing else is there.
    const candidate: Candidate = {
      parsed: { ruleset, hash: file.hash, format: file.kind as RulesetFormat, file: file.path, ...(stored ? { stored } : {}) },
      read,
      empty: ruleset.tables.length === 0,
      unknown,
    };
    if (best === null || compareCandidates(candidate, best) < 0) {
      if (best !== null) reader.drop(best.read);
      best = candidate;
    } else {
      reader.drop(read);
    }
    if (!candidate.empty && unknown === 0) {
      for (const rest of order.slice(i + 1)) reader.skipped(rest, file);
      break;
    }
  }
  return best?.parsed ?? null;
}

interface Candidate {
  parsed: ParsedRuleset;
  read: RenderingRead;
  empty: boolean;
  unknown: number;
}

function compareCandidates(a: Candidate, b: Candidate): number {
  return Number(a.empty) - Number(b.empty) || a.unknown - b.unknown || preferenceRank(a.parsed.format) - preferenceRank(b.parsed.format);
}

function preferenceRank(format: RulesetFormat): number {
  return RULESET_PREFERENCE.indexOf(format);
}

/** The preference rank, except that a JSON rendering holding `xt` stubs comes after all others. */
function readingRank(file: BundleFile): number {
  const format = file.kind as RulesetFormat;
  return format === 'nft-json' && holdsXtStubs(file.content) ? RULESET_PREFERENCE.length : preferenceRank(format);
}

/** Rule statements nothing understood. */
export function unknownStatements(rules: readonly NftRule[]): number {
  let n = 0;
  for (const rule of rules) for (const st of rule.statements) if (st.kind === 'unknown') n++;
  return n;
}

/** Rule statements nothing understood, in a whole ruleset. */
export function unknownStatementsIn(ruleset: NftRuleset): number {
  let n = 0;
  for (const table of ruleset.tables) for (const chain of table.chains) n += unknownStatements(chain.rules);
  return n;
}

const XT_KEY = Buffer.from('"xt"');
const COLON = 0x3a;
const BACKSLASH = 0x5c;
const isBlank = (byte: number | undefined) => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;

/**
 * Whether nft JSON holds an `"xt":` key: an iptables-nft extension it cannot show. Searched in
 * the raw bytes (tens of MB), without parsing. A quote escaped inside a string does not count.
 */
export function holdsXtStubs(json: Buffer): boolean {
  for (let at = json.indexOf(XT_KEY); at >= 0; at = json.indexOf(XT_KEY, at + 1)) {
    if (at > 0 && json[at - 1] === BACKSLASH) continue;
    let next = at + XT_KEY.length;
    while (isBlank(json[next])) next++;
    if (json[next] === COLON) return true;
  }
  return false;
}
