// Parser for `nft list ruleset` (and `nft -a list ruleset`) text output.
//
// One pass over the lines. Each line is cut into tokens; a line whose braces do not balance
// (a set's `elements = { …` list, a long anonymous set) pulls in the following lines. Structure
// (tables, chains, sets) is tracked with a stack of open blocks; each rule line is turned into
// statements by a small recursive-descent reader. Nothing throws: what is not understood becomes
// an `unknown` statement (inside a rule) or an issue (outside rules), and reading resumes at the
// next line or `}`.

import type {
  NftChain,
  NftMapElement,
  NftMapRef,
  NftOp,
  NftOperand,
  NftRule,
  NftRuleset,
  NftSet,
  NftStatement,
  NftTable,
  NftValue,
  NftVerdict,
  NftFamily,
  ParseResult,
} from '../../renderer/src/analysis/model';
import { IssueSink, type ParseOptions } from './issues';
import {
  isNftFamily,
  isVerdictKind,
  metaSelector,
  parseInteger,
  resolvePriority,
  sharedLiteral,
  sharedOperand,
  sharedPair,
  splitNatTarget,
  verdict,
} from './nft-common';

interface Token {
  /** the token's text, without the quotes of a quoted string */
  text: string;
  quoted: boolean;
  /** offsets of the token (quotes included) in the logical line's source text */
  start: number;
  end: number;
  /** 1-based position in the file, for issues */
  line: number;
  col: number;
}

/** One or more physical lines read as a unit, with the tokens pointing into `source`. */
interface LogicalLine {
  source: string;
  tokens: Token[];
  line: number;
}

const SINGLE_CHAR_TOKENS = new Set(['{', '}', ',', ';']);

const SPACE = 32;
const TAB = 9;
const CR = 13;
const LF = 10;
const QUOTE = 34;
const HASH = 35;
const COMMA = 44;
const COLON = 58;
const SEMICOLON = 59;
const AT = 64;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

function isSpaceCode(c: number): boolean {
  return c === SPACE || c === TAB || c === CR || c === LF;
}

/**
 * Cuts lines into tokens. Token objects are pooled by position: a token lives only while its
 * logical line is being read, and a large ruleset has millions of them.
 */
class Tokenizer {
  private readonly pool: Token[] = [];

  private push(out: Token[], text: string, quoted: boolean, start: number, end: number, line: number, col: number): void {
    const index = out.length;
    let tok = this.pool[index];
    if (tok === undefined) {
      tok = { text, quoted, start, end, line, col };
      this.pool[index] = tok;
    } else {
      tok.text = text;
      tok.quoted = quoted;
      tok.start = start;
      tok.end = end;
      tok.line = line;
      tok.col = col;
    }
    out.push(tok);
  }

  /** Appends the tokens of one physical line; `base` is where the line starts in the logical source. */
  line(text: string, lineNumber: number, base: number, out: Token[]): void {
    let i = 0;
    const n = text.length;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (isSpaceCode(c)) {
        i++;
        continue;
      }
      const start = i;
      if (c === QUOTE) {
        let close = text.indexOf('"', i + 1);
        while (close > 0 && text.charCodeAt(close - 1) === BACKSLASH) close = text.indexOf('"', close + 1);
        const end = close < 0 ? n : close;
        const raw = text.slice(i + 1, end);
        i = Math.min(end + 1, n);
        const value = raw.includes('\\') ? raw.replace(/\\(.)/g, '$1') : raw;
        this.push(out, value, true, base + start, base + i, lineNumber, start + 1);
        continue;
      }
      if (c === OPEN_BRACE || c === CLOSE_BRACE || c === COMMA || c === SEMICOLON || c === HASH) {
        i++;
        this.push(out, text[start], false, base + start, base + i, lineNumber, start + 1);
        continue;
      }
      // A raw payload expression (`@nh,16,16`) keeps its commas; elsewhere a comma separates.
      const keepCommas = c === AT;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (isSpaceCode(d) || d === OPEN_BRACE || d === CLOSE_BRACE || d === SEMICOLON || d === QUOTE || (d === COMMA && !keepCommas)) break;
        i++;
      }
      // `1: goto x` and `recent: SET` end a word with the map/remnant colon; an IPv6 address
      // such as `fd00::` keeps its colons.
      if (i - start > 1 && text.charCodeAt(i - 1) === COLON && text.indexOf(':', start) === i - 1) {
        this.push(out, text.slice(start, i - 1), false, base + start, base + i - 1, lineNumber, start + 1);
        this.push(out, ':', false, base + i - 1, base + i, lineNumber, i);
        continue;
      }
      this.push(out, text.slice(start, i), false, base + start, base + i, lineNumber, start + 1);
    }
  }
}

/** Pieces of a text being collapsed; joined into one flat string (`+=` would build a rope). */
const pieces: string[] = [];

/**
 * The source text from token `from` to token `to - 1`, whitespace between tokens collapsed to
 * one space (none where the tokens touch, as in `80,`); quoted strings stay as written. The
 * result is one slice of the source or one flat string: rule texts live as long as the ruleset.
 */
function tokenText(tokens: readonly Token[], source: string, from: number, to: number): string {
  let singleSpaced = true;
  for (let k = from + 1; k < to && singleSpaced; k++) {
    const gap = tokens[k].start - tokens[k - 1].end;
    singleSpaced = gap === 0 || (gap === 1 && source.charCodeAt(tokens[k - 1].end) === SPACE);
  }
  if (singleSpaced) return source.slice(tokens[from].start, tokens[to - 1].end);
  pieces.length = 0;
  let start = tokens[from].start;
  for (let k = from + 1; k < to; k++) {
    const gap = tokens[k].start - tokens[k - 1].end;
    if (gap === 0 || (gap === 1 && source.charCodeAt(tokens[k - 1].end) === SPACE)) continue;
    pieces.push(source.slice(start, tokens[k - 1].end));
    start = tokens[k].start;
  }
  pieces.push(source.slice(start, tokens[to - 1].end));
  return pieces.join(' ');
}

function isWord(tok: Token | undefined, word: string): boolean {
  return tok !== undefined && !tok.quoted && tok.text === word;
}

/** Net number of `{` over `}` among the tokens from `from` on. */
function braceBalance(tokens: readonly Token[], from = 0): number {
  let depth = 0;
  for (let k = from; k < tokens.length; k++) {
    const tok = tokens[k];
    if (tok.quoted) continue;
    if (tok.text === '{') depth++;
    else if (tok.text === '}') depth--;
  }
  return depth;
}

// ---------------------------------------------------------------------------------------------
// Expressions and statements

const PAYLOAD_PROTOCOLS = new Set([
  'ip', 'ip6', 'tcp', 'udp', 'udplite', 'sctp', 'dccp', 'th', 'icmp', 'icmpv6', 'igmp', 'ether',
  'vlan', 'arp', 'ah', 'esp', 'comp', 'gre', 'frag', 'hbh', 'rt0', 'rt2', 'srh', 'mh', 'dst',
]);

// Meta keys the nft grammar accepts without the `meta` prefix.
const BARE_META_KEYS = new Set([
  'iif', 'oif', 'iifname', 'oifname', 'iifgroup', 'oifgroup', 'iiftype', 'oiftype', 'mark',
  'skuid', 'skgid', 'pkttype', 'cpu', 'cgroup', 'nftrace', 'rtclassid', 'ibrname', 'obrname',
  'ibriport', 'obriport',
]);

const CT_DIRECTIONS = new Set(['original', 'reply']);
const FIB_FLAGS = new Set(['saddr', 'daddr', 'mark', 'iif', 'oif']);
const OPERATORS: ReadonlyMap<string, NftOp> = new Map([
  ['==', '=='], ['!=', '!='], ['<', '<'], ['>', '>'], ['<=', '<='], ['>=', '>='],
  ['eq', '=='], ['ne', '!='], ['lt', '<'], ['gt', '>'], ['le', '<='], ['ge', '>='],
]);
const NAT_FLAGS = new Set(['random', 'fully-random', 'persistent', 'netmap']);
const MARK_OPS: ReadonlyMap<string, 'or' | 'xor' | 'and'> = new Map([
  ['or', 'or'], ['|', 'or'], ['xor', 'xor'], ['^', 'xor'], ['and', 'and'], ['&', 'and'],
]);
const LOG_OPTIONS = new Set(['prefix', 'level', 'group', 'snaplen', 'queue-threshold']);
const LOG_FLAG_WORDS = new Set(['tcp', 'ip', 'sequence', 'options', 'skuid', 'ether', 'all', ',']);
const ELEMENT_OPTIONS_WITH_VALUE = new Set(['comment', 'timeout', 'expires']);
// Statements with no effect on where a packet goes; their arguments run to the next statement.
const PASSIVE_KEYWORDS = new Set(['limit', 'notrack', 'quota', 'flow', 'synproxy']);
const SET_UPDATE_KEYWORDS = new Set(['update', 'add', 'delete']);

/** Words that begin a statement: where an unparsed run of tokens is cut off. */
const STATEMENT_STARTS = new Set([
  ...PAYLOAD_PROTOCOLS, ...BARE_META_KEYS, ...PASSIVE_KEYWORDS,
  'meta', 'ct', 'fib', 'numgen', 'jhash', 'symhash', 'counter', 'accept', 'drop', 'reject',
  'return', 'continue', 'jump', 'goto', 'queue', 'comment', 'log', 'masquerade', 'redirect',
  'dnat', 'snat', 'xt', 'update', '#',
]);

interface Selector {
  text: string;
  next: number;
  numgen?: { mode: 'random' | 'inc'; mod: number; offset: number };
}

interface Parsed<T> {
  value: T;
  next: number;
}

/** Reads a rule's (or an element list's) tokens into statements; one reader serves a whole parse. */
class RuleReader {
  private tokens: readonly Token[] = [];
  private source = '';
  /** statements of the rule being read, copied out at exact length */
  private readonly scratch: NftStatement[] = [];

  constructor(private readonly onUnknown: (text: string, at: Token, isXtRemnant: boolean) => void) {}

  /** Points the reader at the tokens of one logical line. */
  reset(tokens: readonly Token[], source: string): this {
    this.tokens = tokens;
    this.source = source;
    return this;
  }

  statements(): NftStatement[] {
    const out = this.scratch;
    out.length = 0;
    let i = 0;
    while (i < this.tokens.length) {
      const parsed = this.statement(i);
      if (parsed !== null) {
        out.push(parsed.value);
        i = parsed.next;
        continue;
      }
      const isRemnant = isWord(this.tokens[i], '#');
      const end = this.skipToStatementStart(i + 1);
      const text = this.text(i, end);
      this.onUnknown(text, this.tokens[i], isRemnant);
      out.push({ kind: 'unknown', text });
      i = end;
    }
    return out.slice();
  }

  private text(from: number, to: number): string {
    return tokenText(this.tokens, this.source, from, to);
  }

  private word(i: number): string | null {
    const tok = this.tokens[i];
    return tok === undefined || tok.quoted ? null : tok.text;
  }

  private skipToStatementStart(i: number): number {
    while (i < this.tokens.length) {
      const w = this.word(i);
      if (w !== null && STATEMENT_STARTS.has(w)) break;
      i++;
    }
    return i;
  }

  private statement(i: number): Parsed<NftStatement> | null {
    const w = this.word(i);
    if (w === null) return null;
    switch (w) {
      case 'counter':
        return this.counter(i);
      case 'accept':
      case 'drop':
      case 'continue':
      case 'return':
        return { value: { kind: 'verdict', verdict: verdict(w), text: w }, next: i + 1 };
      case 'jump':
      case 'goto': {
        const target = this.tokens[i + 1];
        if (target === undefined || (!target.quoted && SINGLE_CHAR_TOKENS.has(target.text))) return null;
        return { value: { kind: 'verdict', verdict: verdict(w, target.text), text: this.text(i, i + 2) }, next: i + 2 };
      }
      case 'reject':
        return this.reject(i);
      case 'queue': {
        const end = this.skipToStatementStart(i + 1);
        const argument = end > i + 1 ? this.text(i + 1, end) : null;
        return { value: { kind: 'verdict', verdict: verdict('queue', null, argument), text: this.text(i, end) }, next: end };
      }
      case 'comment': {
        const tok = this.tokens[i + 1];
        if (tok === undefined || !tok.quoted) return null;
        return { value: { kind: 'comment', text: tok.text }, next: i + 2 };
      }
      case 'log':
        return this.log(i);
      case 'masquerade':
      case 'redirect':
      case 'dnat':
      case 'snat':
        return this.nat(i, w);
      case 'xt': {
        // `xt match physdev`: an iptables extension nft could not translate; kept, reported.
        if (this.tokens.length < i + 3) return null;
        const text = this.text(i, i + 3);
        this.onUnknown(text, this.tokens[i], true);
        return { value: { kind: 'unknown', text }, next: i + 3 };
      }
      default:
        if (PASSIVE_KEYWORDS.has(w)) {
          const end = this.skipToStatementStart(i + 1);
          return { value: { kind: 'passive', text: this.text(i, end) }, next: end };
        }
        if (SET_UPDATE_KEYWORDS.has(w)) return this.setUpdate(i);
        return this.expressionStatement(i);
    }
  }

  private counter(i: number): Parsed<NftStatement> | null {
    if (this.word(i + 1) === 'packets' && this.word(i + 3) === 'bytes') {
      const packets = parseInteger(this.word(i + 2) ?? '');
      const bytes = parseInteger(this.word(i + 4) ?? '');
      if (packets === null || bytes === null) return null;
      return { value: { kind: 'counter', packets, bytes, text: this.text(i, i + 5) }, next: i + 5 };
    }
    // A named counter reference (`counter name "x"`) or a bare `counter` keeps no numbers here.
    const end = this.word(i + 1) === 'name' ? i + 3 : i + 1;
    if (end > this.tokens.length) return null;
    return { value: { kind: 'passive', text: this.text(i, end) }, next: end };
  }

  private reject(i: number): Parsed<NftStatement> {
    let end = i + 1;
    if (this.word(end) === 'with') {
      const proto = this.word(end + 1);
      if (proto === 'tcp') end += this.word(end + 2) === 'reset' ? 3 : 2;
      else if (proto !== null) end += this.word(end + 2) === 'type' ? 4 : 3;
      end = Math.min(end, this.tokens.length);
    }
    const argument = end > i + 1 ? this.text(i + 1, end) : null;
    return {
      value: { kind: 'verdict', verdict: verdict('reject', null, argument), text: this.text(i, end) },
      next: end,
    };
  }

  private log(i: number): Parsed<NftStatement> {
    let j = i + 1;
    for (;;) {
      const w = this.word(j);
      if (w !== null && LOG_OPTIONS.has(w) && j + 1 < this.tokens.length) {
        j += 2;
      } else if (w === 'flags') {
        j++;
        while (j < this.tokens.length && LOG_FLAG_WORDS.has(this.word(j) ?? '')) j++;
      } else {
        break;
      }
    }
    return { value: { kind: 'passive', text: this.text(i, j) }, next: j };
  }

  private natFlags(j: number, flags: string[]): number {
    for (;;) {
      const w = this.word(j);
      if (w === null) return j;
      if (NAT_FLAGS.has(w)) flags.push(w);
      else if (w !== ',') return j;
      j++;
    }
  }

  private nat(i: number, type: 'masquerade' | 'redirect' | 'dnat' | 'snat'): Parsed<NftStatement> | null {
    let j = i + 1;
    const family = this.word(j);
    if ((family === 'ip' || family === 'ip6') && this.word(j + 1) === 'to') j++;
    let address: string | null = null;
    let port: string | null = null;
    if (this.word(j) === 'to') {
      j++;
      const target = this.word(j);
      if (target === null) return null;
      if (/^[\d[:]|^[0-9a-f]{1,4}:/i.test(target)) {
        ({ address, port } = splitNatTarget(target));
        j++;
      } else if (type === 'dnat' || type === 'snat') {
        return this.natMap(i, j, type);
      } else {
        return null;
      }
    } else if (type === 'dnat' || type === 'snat') {
      return null;
    }
    const flags: string[] = [];
    j = this.natFlags(j, flags);
    return { value: { kind: 'nat', type, address, port, flags, text: this.text(i, j) }, next: j };
  }

  /** `dnat to ip daddr . tcp dport map @targets` */
  private natMap(i: number, j: number, type: 'dnat' | 'snat'): Parsed<NftStatement> | null {
    const key = this.operand(j);
    if (key === null || this.word(key.next) !== 'map') return null;
    const map = this.mapRef(key.next + 1);
    if (map === null) return null;
    return { value: { kind: 'nat-map', type, key: key.value, map: map.value, text: this.text(i, map.next) }, next: map.next };
  }

  /** `update @affinity-… { ip saddr }`: records session affinity, no effect on this packet's path. */
  private setUpdate(i: number): Parsed<NftStatement> | null {
    const setName = this.word(i + 1);
    if (setName === null || !setName.startsWith('@') || this.word(i + 2) !== '{') return null;
    let depth = 0;
    for (let j = i + 2; j < this.tokens.length; j++) {
      const w = this.word(j);
      if (w === '{') depth++;
      else if (w === '}' && --depth === 0) return { value: { kind: 'passive', text: this.text(i, j + 1) }, next: j + 1 };
    }
    return null;
  }

  private expressionStatement(i: number): Parsed<NftStatement> | null {
    const left = this.operand(i);
    if (left === null) return null;
    let j = left.next;
    const next = this.word(j);
    if (next === 'set') return this.mangle(i, left.value, j + 1);
    if (next === 'vmap') {
      const map = this.mapRef(j + 1);
      if (map === null) return null;
      const text = this.text(i, map.next);
      const numgen = left.numgen;
      if (numgen !== undefined && left.value.selectors.length === 1 && left.value.mask === null) {
        return { value: { kind: 'numgen-vmap', ...numgen, map: map.value, text }, next: map.next };
      }
      return { value: { kind: 'vmap', key: left.value, map: map.value, text }, next: map.next };
    }
    let op: NftOp = '==';
    const explicitOp = next === null ? undefined : OPERATORS.get(next);
    if (explicitOp !== undefined) {
      op = explicitOp;
      j++;
    }
    const right = this.value(j, true);
    if (right === null) return null;
    return { value: { kind: 'match', left: left.value, op, right: right.value, text: this.text(i, right.next) }, next: right.next };
  }

  /** `meta mark set mark or 0x4000`, `ct mark set 0x10`, `ip dscp set cs1`. */
  private mangle(i: number, target: NftOperand, j: number): Parsed<NftStatement> | null {
    const selector = target.selectors.length === 1 && target.mask === null ? target.selectors[0] : null;
    if (selector === 'meta mark' || selector === 'ct mark') {
      const plain = parseInteger(this.word(j) ?? '');
      if (plain !== null) {
        return { value: { kind: 'mark-set', target: selector, op: 'set', value: plain, text: this.text(i, j + 1) }, next: j + 1 };
      }
      const source = this.operand(j, false);
      const op = source === null ? undefined : MARK_OPS.get(this.word(source.next) ?? '');
      const value = source === null ? null : parseInteger(this.word(source.next + 1) ?? '');
      if (source === null || op === undefined || value === null) return null;
      const end = source.next + 2;
      return { value: { kind: 'mark-set', target: selector, op, value, text: this.text(i, end) }, next: end };
    }
    const value = this.value(j, false);
    if (value === null) return null;
    return { value: { kind: 'passive', text: this.text(i, value.next) }, next: value.next };
  }

  /** A match's left-hand side: selectors joined by `.`, then an optional `& mask`. */
  private operand(i: number, allowMask = true): (Parsed<NftOperand> & Pick<Selector, 'numgen'>) | null {
    const first = this.selector(i);
    if (first === null) return null;
    let selectors: string[] | null = null;
    let numgen = first.numgen;
    let j = first.next;
    while (this.word(j) === '.') {
      const sel = this.selector(j + 1);
      if (sel === null) return null;
      (selectors ??= [first.text]).push(sel.text);
      numgen = sel.numgen;
      j = sel.next;
    }
    let mask: number | null = null;
    if (allowMask && this.word(j) === '&') {
      mask = parseInteger(this.word(j + 1) ?? '');
      if (mask === null) return null;
      j += 2;
    }
    if (selectors !== null) return { value: { selectors, mask }, next: j };
    const value = sharedOperand(first.text, mask);
    return numgen === undefined ? { value, next: j } : { value, next: j, numgen };
  }

  private selector(i: number): Selector | null {
    const w = this.word(i);
    if (w === null) return null;
    if (PAYLOAD_PROTOCOLS.has(w)) {
      const field = this.word(i + 1);
      if (field === null || !isKeyword(field)) return null;
      return { text: sharedPair(w, field), next: i + 2 };
    }
    if (w === 'meta') {
      const key = this.word(i + 1);
      if (key === null || !isKeyword(key)) return null;
      return { text: metaSelector(key), next: i + 2 };
    }
    if (BARE_META_KEYS.has(w)) return { text: metaSelector(w), next: i + 1 };
    if (w === 'ct') return this.ctSelector(i);
    if (w === 'fib') return this.fibSelector(i);
    if (w === 'numgen') return this.numgenSelector(i);
    if (w === 'symhash' || w === 'jhash') return this.hashSelector(i, w);
    if (w.startsWith('@') && w.includes(',')) return { text: w, next: i + 1 };
    return null;
  }

  private ctSelector(i: number): Selector | null {
    const words = ['ct'];
    let j = i + 1;
    if (CT_DIRECTIONS.has(this.word(j) ?? '')) {
      words.push(this.word(j) as string);
      j++;
      const family = this.word(j);
      if ((family === 'ip' || family === 'ip6') && this.word(j + 1) !== null) {
        words.push(family);
        j++;
      }
    }
    const key = this.word(j);
    if (key === null || !isKeyword(key)) return null;
    words.push(key);
    return { text: words.join(' '), next: j + 1 };
  }

  /** `fib daddr type`, `fib saddr . iif oif` */
  private fibSelector(i: number): Selector | null {
    const flags: string[] = [];
    let j = i + 1;
    for (;;) {
      const flag = this.word(j);
      if (flag === null || !FIB_FLAGS.has(flag)) return null;
      flags.push(flag);
      j++;
      if (this.word(j) !== '.' || !FIB_FLAGS.has(this.word(j + 1) ?? '')) break;
      j++;
    }
    const result = this.word(j);
    if (result !== 'type' && result !== 'oif' && result !== 'oifname') return null;
    return { text: `fib ${flags.join(' . ')} ${result}`, next: j + 1 };
  }

  /** `numgen random mod 3 [offset 1]` */
  private numgenSelector(i: number): Selector | null {
    const mode = this.word(i + 1);
    const mod = this.word(i + 2) === 'mod' ? parseInteger(this.word(i + 3) ?? '') : null;
    if ((mode !== 'random' && mode !== 'inc') || mod === null) return null;
    let next = i + 4;
    let offset = 0;
    if (this.word(next) === 'offset') {
      const parsed = parseInteger(this.word(next + 1) ?? '');
      if (parsed === null) return null;
      offset = parsed;
      next += 2;
    }
    return { text: this.text(i, next), next, numgen: { mode, mod, offset } };
  }

  /** `symhash mod 2`, `jhash ip saddr . tcp sport mod 2 seed 0x1 offset 5` */
  private hashSelector(i: number, kind: 'symhash' | 'jhash'): Selector | null {
    let j = i + 1;
    if (kind === 'jhash') {
      const over = this.operand(j, false);
      if (over === null) return null;
      j = over.next;
    }
    if (this.word(j) !== 'mod' || parseInteger(this.word(j + 1) ?? '') === null) return null;
    j += 2;
    while ((this.word(j) === 'seed' || this.word(j) === 'offset') && parseInteger(this.word(j + 1) ?? '') !== null) j += 2;
    return { text: this.text(i, j), next: j };
  }

  /**
   * A right-hand value: a literal, prefix, range, `@set`, `{ … }`, a concatenation `a . b`, and
   * (when `allowList`) a bare comma list such as `ct state related,established`.
   */
  private value(i: number, allowList: boolean): Parsed<NftValue> | null {
    const first = this.concat(i);
    if (first === null || !allowList || this.word(first.next) !== ',') return first;
    const elements = [first.value];
    let j = first.next;
    while (this.word(j) === ',') {
      const more = this.concat(j + 1);
      if (more === null) return null;
      elements.push(more.value);
      j = more.next;
    }
    return { value: { kind: 'set', elements }, next: j };
  }

  private concat(i: number): Parsed<NftValue> | null {
    const first = this.primary(i);
    if (first === null || this.word(first.next) !== '.') return first;
    const parts = [first.value];
    let j = first.next;
    while (this.word(j) === '.') {
      const part = this.primary(j + 1);
      if (part === null) return null;
      parts.push(part.value);
      j = part.next;
    }
    return { value: { kind: 'concat', parts }, next: j };
  }

  private primary(i: number): Parsed<NftValue> | null {
    const tok = this.tokens[i];
    if (tok === undefined) return null;
    if (tok.quoted) return { value: sharedLiteral(tok.text), next: i + 1 };
    if (tok.text === '{') {
      const braced = this.braced(i);
      if (braced === null) return null;
      return { value: { kind: 'set', elements: braced.value.map((e) => e.key) }, next: braced.next };
    }
    if (SINGLE_CHAR_TOKENS.has(tok.text) || tok.text === ':' || tok.text === '.' || tok.text === '#') return null;
    return { value: classifyWord(tok.text), next: i + 1 };
  }

  /** `@name` or an inline `{ key : verdict-or-value, … }` */
  private mapRef(i: number): Parsed<NftMapRef> | null {
    const w = this.word(i);
    if (w !== null && w.startsWith('@') && w.length > 1) return { value: { kind: 'named', name: w.slice(1) }, next: i + 1 };
    if (w !== '{') return null;
    const braced = this.braced(i);
    if (braced === null) return null;
    return { value: { kind: 'inline', elements: braced.value }, next: braced.next };
  }

  /** `{ elem [comment "…"] [counter …] [: data], … }` starting at the `{`. */
  braced(i: number): Parsed<NftMapElement[]> | null {
    const elements: NftMapElement[] = [];
    let j = i + 1;
    if (this.word(j) === '}') return { value: elements, next: j + 1 };
    for (;;) {
      const key = this.concat(j);
      if (key === null) return null;
      j = this.skipElementOptions(key.next);
      let elementVerdict: NftVerdict | null = null;
      let data: NftValue | null = null;
      if (this.word(j) === ':') {
        const v = this.verdictValue(j + 1);
        if (v !== null) {
          elementVerdict = v.value;
          j = v.next;
        } else {
          const d = this.concat(j + 1);
          if (d === null) return null;
          data = d.value;
          j = d.next;
        }
      }
      elements.push({ key: key.value, verdict: elementVerdict, value: data });
      const sep = this.word(j);
      if (sep === '}') return { value: elements, next: j + 1 };
      if (sep !== ',') return null;
      j++;
    }
  }

  private skipElementOptions(j: number): number {
    for (;;) {
      const w = this.word(j);
      if (w !== null && ELEMENT_OPTIONS_WITH_VALUE.has(w)) j += 2;
      else if (w === 'counter' && this.word(j + 1) === 'packets') j += 5;
      else return j;
    }
  }

  private verdictValue(i: number): Parsed<NftVerdict> | null {
    const w = this.word(i);
    if (w === null || !isVerdictKind(w)) return null;
    if (w === 'jump' || w === 'goto') {
      const target = this.tokens[i + 1];
      if (target === undefined) return null;
      return { value: verdict(w, target.text), next: i + 2 };
    }
    return { value: verdict(w), next: i + 1 };
  }
}

const ADDRESS_OR_NUMBER = /^(?:\d[\d.]*|0x[0-9a-f]+|[0-9a-f]*:[0-9a-f:.]*)$/i;

/** `[a-z][a-z0-9-]*`: a payload field or meta/ct key. */
function isKeyword(word: string): boolean {
  const c = word.charCodeAt(0);
  if (!(c >= 97 && c <= 122)) return false;
  for (let k = 1; k < word.length; k++) {
    const d = word.charCodeAt(k);
    if (!((d >= 97 && d <= 122) || (d >= 48 && d <= 57) || d === 45)) return false;
  }
  return true;
}

/** A single word on the right of a match: a prefix, a range or a literal. */
function classifyWord(word: string): NftValue {
  if (word.startsWith('@') && word.length > 1) return { kind: 'setref', name: word.slice(1) };
  const slash = word.lastIndexOf('/');
  if (slash > 0 && /^\d+$/.test(word.slice(slash + 1))) {
    const address = word.slice(0, slash);
    if (address.includes('.') || address.includes(':')) return { kind: 'prefix', address, length: Number(word.slice(slash + 1)) };
  }
  for (let dash = word.indexOf('-', 1); dash > 0; dash = word.indexOf('-', dash + 1)) {
    const from = word.slice(0, dash);
    const to = word.slice(dash + 1);
    if (ADDRESS_OR_NUMBER.test(from) && ADDRESS_OR_NUMBER.test(to)) return { kind: 'range', from, to };
  }
  return sharedLiteral(word);
}

// ---------------------------------------------------------------------------------------------
// Structure: tables, chains, sets

type Block =
  | { kind: 'table'; table: NftTable; line: number }
  | { kind: 'chain'; chain: NftChain; family: NftFamily; line: number }
  | { kind: 'set'; set: NftSet; line: number }
  /** a block we do not model (flowtable, named counter, …) or could not read: skipped whole */
  | { kind: 'skipped'; depth: number; line: number };

const TABLE_OBJECT_KEYWORDS = new Set(['flowtable', 'counter', 'quota', 'limit', 'ct', 'secmark', 'synproxy']);
const SET_PROPERTIES_IGNORED = new Set(['size', 'timeout', 'gc-interval', 'policy', 'counter', 'auto-merge']);
const BLOCK_KEYWORDS = new Set(['table', 'chain', 'set', 'map', ...TABLE_OBJECT_KEYWORDS]);
const FIRST_WORD = /^\s*([^\s{]+)/;

class TextParser {
  private readonly sink = new IssueSink();
  private readonly tables: NftTable[] = [];
  private readonly stack: Block[] = [];
  private readonly tokenizer = new Tokenizer();
  /** where the next unread line starts in `text`, and its 1-based number */
  private offset = 0;
  private lineNumber = 1;
  /** xt remnants are reported once per distinct text: a kube-router node repeats them thousands of times */
  private readonly reportedRemnants = new Set<string>();
  private readonly reader = new RuleReader((text, at, isXtRemnant) => {
    if (isXtRemnant) {
      if (this.reportedRemnants.has(text)) return;
      this.reportedRemnants.add(text);
    }
    this.sink.report('unknown-statement', at.line, text, { col: at.col, severity: isXtRemnant ? 'info' : 'warning' });
  });

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  parse(): ParseResult<NftRuleset> {
    for (let line = this.readLine(); line !== null; line = this.readLine()) this.handle(line);
    for (let open = this.stack.pop(); open !== undefined; open = this.stack.pop()) {
      this.sink.report('truncated-input', this.lineNumber - 1, `${describeBlock(open)} opened on line ${open.line} is not closed`, {
        severity: 'error',
        col: 1,
      });
    }
    return { value: { tables: this.tables }, issues: this.sink.issues };
  }

  /** The next physical line without consuming it; null at the end of the text. */
  private peekLine(): string | null {
    if (this.offset > this.text.length) return null;
    const newline = this.text.indexOf('\n', this.offset);
    return this.text.slice(this.offset, newline < 0 ? this.text.length : newline);
  }

  private consumeLine(line: string): void {
    this.offset += line.length + 1;
    this.lineNumber++;
  }

  private readLine(): LogicalLine | null {
    for (let source = this.peekLine(); source !== null; source = this.peekLine()) {
      const line = this.lineNumber;
      this.consumeLine(source);
      const tokens: Token[] = [];
      this.tokenizer.line(source, line, 0, tokens);
      if (tokens.length > 0) return { source, tokens, line };
    }
    return null;
  }

  /** Pulls following lines into `logical` until its braces balance (multi-line element lists). */
  private completeBraces(logical: LogicalLine): boolean {
    for (let depth = braceBalance(logical.tokens); depth > 0; ) {
      const following = this.peekLine();
      if (following === null || BLOCK_KEYWORDS.has(FIRST_WORD.exec(following)?.[1] ?? '')) return false;
      const base = logical.source.length + 1;
      const from = logical.tokens.length;
      logical.source += ` ${following}`;
      this.tokenizer.line(following, this.lineNumber, base, logical.tokens);
      this.consumeLine(following);
      depth += braceBalance(logical.tokens, from);
    }
    return true;
  }

  private source(line: number): { file: string; line: number } {
    return { file: this.file, line };
  }

  private unknown(logical: LogicalLine, from = 0, severity: 'warning' | 'info' = 'warning'): void {
    const tok = logical.tokens[from];
    const text = tokenText(logical.tokens, logical.source, from, logical.tokens.length);
    this.sink.report('unknown-syntax', tok.line, text, { col: tok.col, severity });
  }

  private handle(logical: LogicalLine): void {
    const top = this.stack[this.stack.length - 1];
    const tokens = logical.tokens;
    if (top?.kind === 'skipped') {
      top.depth += braceBalance(tokens);
      if (top.depth <= 0) this.stack.pop();
      return;
    }
    if (isWord(tokens[0], '}')) {
      this.close(logical);
      return;
    }
    if (top === undefined) this.topLevel(logical);
    else if (top.kind === 'table') this.inTable(logical, top);
    else if (top.kind === 'chain') this.inChain(logical, top);
    else this.inSet(logical, top);
  }

  private close(logical: LogicalLine): void {
    const closing = logical.tokens[0];
    if (this.stack.pop() === undefined) {
      this.sink.report('unbalanced-brace', closing.line, '}', { col: closing.col });
    }
    if (logical.tokens.length > 1 && !isWord(logical.tokens[1], '#')) this.unknown(logical, 1);
  }

  /** Opens a block we do not model, skipping to its closing brace. */
  private skipBlock(logical: LogicalLine): void {
    const depth = braceBalance(logical.tokens);
    if (depth > 0) this.stack.push({ kind: 'skipped', depth, line: logical.line });
  }

  private topLevel(logical: LogicalLine): void {
    const [first, family, name] = logical.tokens;
    if (isWord(first, '#')) return;
    if (isWord(first, 'table') && family !== undefined && name !== undefined && isNftFamily(family.text) && opensBlock(logical.tokens)) {
      const table: NftTable = {
        family: family.text,
        name: name.text,
        comment: null,
        chains: [],
        sets: [],
        source: this.source(logical.line),
      };
      this.tables.push(table);
      this.stack.push({ kind: 'table', table, line: logical.line });
      return;
    }
    this.unknown(logical);
    this.skipBlock(logical);
  }

  private inTable(logical: LogicalLine, block: Extract<Block, { kind: 'table' }>): void {
    const tokens = logical.tokens;
    const keyword = tokens[0].quoted ? '' : tokens[0].text;
    const name = tokens[1];
    if ((keyword === 'chain' || keyword === 'set' || keyword === 'map') && name !== undefined && opensBlock(tokens)) {
      if (keyword === 'chain') {
        const chain: NftChain = {
          name: name.text,
          type: null,
          hook: null,
          priority: null,
          device: null,
          policy: null,
          comment: null,
          rules: [],
          source: this.source(logical.line),
        };
        block.table.chains.push(chain);
        this.stack.push({ kind: 'chain', chain, family: block.table.family, line: logical.line });
      } else {
        const set: NftSet = {
          name: name.text,
          kind: keyword,
          keyType: '',
          dataType: null,
          flags: [],
          comment: null,
          elements: [],
          source: this.source(logical.line),
        };
        block.table.sets.push(set);
        this.stack.push({ kind: 'set', set, line: logical.line });
      }
      return;
    }
    if (keyword === 'comment' && tokens[1]?.quoted) {
      block.table.comment = tokens[1].text;
      return;
    }
    if (keyword === '#' || keyword === 'flags') return;
    // Flowtables and named stateful objects are valid output the model does not hold.
    this.unknown(logical, 0, TABLE_OBJECT_KEYWORDS.has(keyword) ? 'info' : 'warning');
    this.skipBlock(logical);
  }

  private inChain(logical: LogicalLine, block: Extract<Block, { kind: 'chain' }>): void {
    const tokens = logical.tokens;
    const first = tokens[0];
    if (isWord(first, 'type') || isWord(first, 'policy')) {
      this.chainProperties(logical, block);
      return;
    }
    if (isWord(first, 'comment') && tokens.length === 2 && tokens[1].quoted) {
      block.chain.comment = tokens[1].text;
      return;
    }
    this.rule(logical, block.chain);
  }

  /** `type nat hook prerouting [device "x" | devices = { a, b }] priority dstnat; policy accept;` */
  private chainProperties(logical: LogicalLine, block: Extract<Block, { kind: 'chain' }>): void {
    const tokens = logical.tokens;
    const chain = block.chain;
    let i = 0;
    while (i < tokens.length) {
      const key = tokens[i].quoted ? '' : tokens[i].text;
      const value = tokens[i + 1];
      if (key === ';') {
        i++;
      } else if ((key === 'type' || key === 'hook' || key === 'device' || key === 'policy') && value !== undefined) {
        if (key === 'type') chain.type = value.text;
        else if (key === 'hook') chain.hook = value.text;
        else if (key === 'device') chain.device = value.text;
        else if (value.text === 'accept' || value.text === 'drop') chain.policy = value.text;
        else break;
        i += 2;
      } else if (key === 'devices' && isWord(value, '=') && isWord(tokens[i + 2], '{')) {
        const devices: string[] = [];
        let j = i + 3;
        for (; j < tokens.length && !isWord(tokens[j], '}'); j++) if (!isWord(tokens[j], ',')) devices.push(tokens[j].text);
        chain.device = devices.join(',');
        i = j + 1;
      } else if (key === 'priority') {
        const words: string[] = [];
        let j = i + 1;
        for (; j < tokens.length && !isWord(tokens[j], ';'); j++) words.push(tokens[j].text);
        chain.priority = resolvePriority(block.family, words);
        if (chain.priority === null) break;
        i = j;
      } else {
        break;
      }
    }
    if (i < tokens.length) this.unknown(logical, i);
  }

  private rule(logical: LogicalLine, chain: NftChain): void {
    if (!this.completeBraces(logical)) {
      const first = logical.tokens[0];
      this.sink.report('unbalanced-brace', first.line, tokenText(logical.tokens, logical.source, 0, logical.tokens.length), { col: first.col });
    }
    let tokens = logical.tokens;
    let handle: number | null = null;
    const n = tokens.length;
    if (n >= 3 && isWord(tokens[n - 3], '#') && isWord(tokens[n - 2], 'handle')) {
      handle = parseInteger(tokens[n - 1].text);
      if (handle !== null) tokens = tokens.slice(0, n - 3);
    }
    if (tokens.length === 0) return;
    const statements = this.reader.reset(tokens, logical.source).statements();
    let counter: NftRule['counter'] = null;
    let comment: string | null = null;
    for (const s of statements) {
      if (s.kind === 'counter' && counter === null) counter = { packets: s.packets, bytes: s.bytes };
      else if (s.kind === 'comment') comment = s.text;
    }
    chain.rules.push({
      position: chain.rules.length,
      handle,
      text: tokenText(tokens, logical.source, 0, tokens.length),
      counter,
      comment,
      statements,
      source: this.source(logical.line),
    });
  }

  private inSet(logical: LogicalLine, block: Extract<Block, { kind: 'set' }>): void {
    const tokens = logical.tokens;
    const keyword = tokens[0].quoted ? '' : tokens[0].text;
    const set = block.set;
    if (keyword === 'type' || keyword === 'typeof') {
      const colon = tokens.findIndex((t) => isWord(t, ':'));
      const end = colon < 0 ? tokens.length : colon;
      set.keyType = tokens.slice(1, end).map((t) => t.text).join(' ');
      set.dataType = colon < 0 ? null : tokens.slice(colon + 1).map((t) => t.text).join(' ');
      return;
    }
    if (keyword === 'flags') {
      set.flags = tokens.slice(1).filter((t) => !isWord(t, ',')).map((t) => t.text);
      return;
    }
    if (keyword === 'comment' && tokens[1]?.quoted) {
      set.comment = tokens[1].text;
      return;
    }
    if (keyword === 'elements' && isWord(tokens[1], '=') && isWord(tokens[2], '{')) {
      this.elements(logical, set);
      return;
    }
    if (keyword === '#' || SET_PROPERTIES_IGNORED.has(keyword)) return;
    this.unknown(logical);
    this.skipBlock(logical);
  }

  private elements(logical: LogicalLine, set: NftSet): void {
    const complete = this.completeBraces(logical);
    const parsed = this.reader.reset(logical.tokens, logical.source).braced(2);
    if (parsed === null || !complete) {
      this.unknown(logical, 2);
      if (!complete) {
        const first = logical.tokens[0];
        this.sink.report('unbalanced-brace', first.line, `set ${set.name}`, { col: first.col });
      }
      return;
    }
    for (const element of parsed.value) set.elements.push(element);
  }
}

/** A header line ends with `{` (before an optional `# handle N`). */
function opensBlock(tokens: readonly Token[]): boolean {
  const hash = tokens.findIndex((t) => isWord(t, '#'));
  const last = tokens[(hash < 0 ? tokens.length : hash) - 1];
  return isWord(last, '{');
}

function describeBlock(block: Block): string {
  switch (block.kind) {
    case 'table':
      return `table ${block.table.family} ${block.table.name}`;
    case 'chain':
      return `chain ${block.chain.name}`;
    case 'set':
      return `${block.set.kind} ${block.set.name}`;
    case 'skipped':
      return 'block';
  }
}

/** Parses `nft list ruleset` / `nft -a list ruleset` output. Never throws. */
export function parseNftText(text: string, opts: ParseOptions): ParseResult<NftRuleset> {
  return new TextParser(text, opts.file).parse();
}
