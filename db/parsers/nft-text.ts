// Parser for `nft list ruleset` (and `nft -a list ruleset`) text output.
//
// One pass over the lines. Each line is cut into tokens (nft-tokens.ts); a line whose braces do
// not balance (a set's `elements = { …` list, a long anonymous set) pulls in the following lines.
// Structure (tables, chains, sets) is tracked with a stack of open blocks; each rule line is
// turned into statements by a small recursive-descent reader, and statements read from the same
// text are one object (nft-statement-cache.ts). Nothing throws: what is not understood becomes
// an `unknown` statement (inside a rule) or an issue (outside rules), and reading resumes at the
// next line or `}`.

import type {
  NftChain,
  NftCounter,
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
import { IssueSink } from './issues';
import { StatementCache } from './nft-statement-cache';
import { LogicalLine, tokenText, Tokenizer, type Token } from './nft-tokens';
import {
  isNftFamily,
  isVerdictKind,
  type RuleReceiver,
  metaSelector,
  parseInteger,
  resolvePriority,
  sharedLiteral,
  sharedOperand,
  sharedPair,
  splitNatTarget,
  verdict,
  type RulesetParseOptions,
} from './nft-common';

const SINGLE_CHAR_TOKENS = new Set(['{', '}', ',', ';']);

function isWord(tok: Token | undefined, word: string): boolean {
  return tok !== undefined && !tok.quoted && tok.text === word;
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
  /** the tokens read are those before `end` */
  private end = 0;
  /** statements of the rule being read, copied out at exact length */
  private readonly scratch: NftStatement[] = [];
  /**
   * The rule's first counter and last comment, as NftRule repeats them: noted while reading,
   * because finding them in the statements afterwards reads `kind` across a dozen shapes.
   */
  firstCounter: NftCounter | null = null;
  lastComment: string | null = null;

  constructor(
    private readonly source: string,
    private readonly onUnknown: (text: string, at: Token, isXtRemnant: boolean) => void,
    /** where repeated statements are shared; none: each rule gets its own */
    private readonly shared: StatementCache | null,
  ) {}

  /** Points the reader at the first `end` tokens of a logical line. */
  reset(line: LogicalLine, end = line.count): this {
    this.tokens = line.tokens;
    this.end = end;
    this.firstCounter = null;
    this.lastComment = null;
    return this;
  }

  statements(): NftStatement[] {
    // Counted rather than emptied with `length = 0`, which gives the array's room back.
    const out = this.scratch;
    let count = 0;
    let i = 0;
    while (i < this.end) {
      const parsed = this.statement(i);
      if (parsed !== null) {
        out[count++] = this.shared === null ? parsed.value : this.shared.statement(parsed.value, this.tokens[i].start, this.tokens[parsed.next - 1].end);
        i = parsed.next;
        continue;
      }
      const isRemnant = isWord(this.tokens[i], '#');
      const end = this.skipToStatementStart(i + 1);
      const text = this.text(i, end);
      this.onUnknown(text, this.tokens[i], isRemnant);
      out[count++] = { kind: 'unknown', text };
      i = end;
    }
    return out.slice(0, count);
  }

  private text(from: number, to: number): string {
    return tokenText(this.source, this.tokens, from, to);
  }

  /** Token `i`, or undefined past the end. */
  private token(i: number): Token | undefined {
    return i < this.end ? this.tokens[i] : undefined;
  }

  private word(i: number): string | null {
    const tok = this.token(i);
    return tok === undefined || tok.quoted ? null : tok.text;
  }

  private skipToStatementStart(i: number): number {
    while (i < this.end) {
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
        const target = this.token(i + 1);
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
        const tok = this.token(i + 1);
        if (tok === undefined || !tok.quoted) return null;
        this.lastComment = tok.text;
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
        if (this.end < i + 3) return null;
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
      this.firstCounter ??= this.shared === null ? { packets, bytes } : this.shared.counter(packets, bytes);
      return { value: { kind: 'counter', packets, bytes, text: this.text(i, i + 5) }, next: i + 5 };
    }
    // A named counter reference (`counter name "x"`) or a bare `counter` keeps no numbers here.
    const end = this.word(i + 1) === 'name' ? i + 3 : i + 1;
    if (end > this.end) return null;
    return { value: { kind: 'passive', text: this.text(i, end) }, next: end };
  }

  private reject(i: number): Parsed<NftStatement> {
    let end = i + 1;
    if (this.word(end) === 'with') {
      const proto = this.word(end + 1);
      if (proto === 'tcp') end += this.word(end + 2) === 'reset' ? 3 : 2;
      else if (proto !== null) end += this.word(end + 2) === 'type' ? 4 : 3;
      end = Math.min(end, this.end);
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
      if (w !== null && LOG_OPTIONS.has(w) && j + 1 < this.end) {
        j += 2;
      } else if (w === 'flags') {
        j++;
        while (j < this.end && LOG_FLAG_WORDS.has(this.word(j) ?? '')) j++;
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
    for (let j = i + 2; j < this.end; j++) {
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
    const tok = this.token(i);
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
      const target = this.token(i + 1);
      if (target === undefined) return null;
      return { value: verdict(w, target.text), next: i + 2 };
    }
    return { value: verdict(w), next: i + 1 };
  }
}

const SLASH = 47;
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
  // Searched by hand: lastIndexOf is a call into the runtime, made for most words of a ruleset.
  let slash = word.length - 1;
  while (slash > 0 && word.charCodeAt(slash) !== SLASH) slash--;
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
  private readonly tokenizer: Tokenizer;
  private readonly reader: RuleReader;
  /** the line being handled: one object, refilled for each line */
  private readonly logical = new LogicalLine();
  /** where the next unread line starts in `text`, and its 1-based number */
  private offset = 0;
  private lineNumber = 1;
  /**
   * Rules of the open chain (there is at most one), copied into it at exact length when it
   * closes: arrays grown by push keep spare room, and most kube-proxy chains hold two rules.
   */
  private readonly rules: NftRule[] = [];
  private ruleCount = 0;
  /** xt remnants are reported once per distinct text: a kube-router node repeats them thousands of times */
  private readonly reportedRemnants = new Set<string>();

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly receiver: RuleReceiver | undefined,
  ) {
    this.tokenizer = new Tokenizer(text);
    const onUnknown = (statementText: string, at: Token, isXtRemnant: boolean) => {
      if (isXtRemnant) {
        if (this.reportedRemnants.has(statementText)) return;
        this.reportedRemnants.add(statementText);
      }
      this.sink.report('unknown-statement', at.line, statementText, { col: at.col, severity: isXtRemnant ? 'info' : 'warning' });
    };
    // Shared statements keep a parsed ruleset small. Rules handed to a receiver are written and
    // dropped chain by chain, so there sharing would only cost its hashing, a sixth of the parse.
    this.reader = new RuleReader(text, onUnknown, receiver ? null : new StatementCache(text));
  }

  parse(): ParseResult<NftRuleset> {
    for (let line = this.readLine(); line !== null; line = this.readLine()) this.handle(line);
    for (let open = this.pop(); open !== undefined; open = this.pop()) {
      this.sink.report('truncated-input', this.lineNumber - 1, `${describeBlock(open)} opened on line ${open.line} is not closed`, {
        severity: 'error',
        col: 1,
      });
    }
    return { value: { tables: this.tables }, issues: this.sink.issues };
  }

  /** Closes the innermost open block. */
  private pop(): Block | undefined {
    const block = this.stack.pop();
    if (block?.kind === 'chain') {
      const rules = this.rules.slice(0, this.ruleCount);
      // a chain is always in the table opened last
      if (this.receiver) this.receiver.chain(this.tables[this.tables.length - 1], block.chain, rules);
      else block.chain.rules = rules;
    }
    return block;
  }

  private atEnd(): boolean {
    return this.offset > this.text.length;
  }

  /** Where the next unread line ends (its newline, or the end of the text). */
  private lineEnd(): number {
    const newline = this.text.indexOf('\n', this.offset);
    return newline < 0 ? this.text.length : newline;
  }

  /** Appends the tokens of the next unread line to `logical` and moves past it. */
  private readInto(logical: LogicalLine): void {
    const end = this.lineEnd();
    this.tokenizer.line(this.offset, end, this.lineNumber, logical);
    this.offset = end + 1;
    this.lineNumber++;
  }

  /** The next line with tokens; null at the end of the text. */
  private readLine(): LogicalLine | null {
    const logical = this.logical;
    while (!this.atEnd()) {
      logical.reset(this.lineNumber);
      this.readInto(logical);
      if (logical.count > 0) return logical;
    }
    return null;
  }

  /** Pulls following lines into `logical` until its braces balance (multi-line element lists). */
  private completeBraces(logical: LogicalLine): boolean {
    while (logical.depth > 0) {
      if (this.atEnd() || BLOCK_KEYWORDS.has(FIRST_WORD.exec(this.text.slice(this.offset, this.lineEnd()))?.[1] ?? '')) return false;
      this.readInto(logical);
    }
    return true;
  }

  private source(line: number): { file: string; line: number } {
    return { file: this.file, line };
  }

  /** The whitespace-collapsed text of the line's tokens from `from` to before `to`. */
  private lineText(logical: LogicalLine, from: number, to = logical.count): string {
    return tokenText(this.text, logical.tokens, from, to);
  }

  private unknown(logical: LogicalLine, from = 0, severity: 'warning' | 'info' = 'warning'): void {
    const tok = logical.tokens[from];
    this.sink.report('unknown-syntax', tok.line, this.lineText(logical, from), { col: tok.col, severity });
  }

  private handle(logical: LogicalLine): void {
    const top = this.stack[this.stack.length - 1];
    if (top?.kind === 'skipped') {
      top.depth += logical.depth;
      if (top.depth <= 0) this.stack.pop();
      return;
    }
    if (isWord(logical.at(0), '}')) {
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
    if (this.pop() === undefined) {
      this.sink.report('unbalanced-brace', closing.line, '}', { col: closing.col });
    }
    if (logical.count > 1 && !isWord(logical.at(1), '#')) this.unknown(logical, 1);
  }

  /** Opens a block we do not model, skipping to its closing brace. */
  private skipBlock(logical: LogicalLine): void {
    if (logical.depth > 0) this.stack.push({ kind: 'skipped', depth: logical.depth, line: logical.line });
  }

  private topLevel(logical: LogicalLine): void {
    const first = logical.at(0);
    const family = logical.at(1);
    const name = logical.at(2);
    if (isWord(first, '#')) return;
    if (isWord(first, 'table') && family !== undefined && name !== undefined && isNftFamily(family.text) && opensBlock(logical)) {
      const table: NftTable = {
        family: family.text,
        name: name.text,
        comment: null,
        chains: [],
        sets: [],
        source: this.source(logical.line),
      };
      this.tables.push(table);
      this.receiver?.table(table);
      this.stack.push({ kind: 'table', table, line: logical.line });
      return;
    }
    this.unknown(logical);
    this.skipBlock(logical);
  }

  private inTable(logical: LogicalLine, block: Extract<Block, { kind: 'table' }>): void {
    const keyword = firstWord(logical);
    const name = logical.at(1);
    if ((keyword === 'chain' || keyword === 'set' || keyword === 'map') && name !== undefined && opensBlock(logical)) {
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
        this.ruleCount = 0;
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
    if (keyword === 'comment' && name?.quoted) {
      block.table.comment = name.text;
      return;
    }
    if (keyword === '#' || keyword === 'flags') return;
    // Flowtables and named stateful objects are valid output the model does not hold.
    this.unknown(logical, 0, TABLE_OBJECT_KEYWORDS.has(keyword) ? 'info' : 'warning');
    this.skipBlock(logical);
  }

  private inChain(logical: LogicalLine, block: Extract<Block, { kind: 'chain' }>): void {
    const first = logical.at(0);
    if (isWord(first, 'type') || isWord(first, 'policy')) {
      this.chainProperties(logical, block);
      return;
    }
    if (isWord(first, 'comment') && logical.count === 2 && logical.tokens[1].quoted) {
      block.chain.comment = logical.tokens[1].text;
      return;
    }
    this.rule(logical);
  }

  /** `type nat hook prerouting [device "x" | devices = { a, b }] priority dstnat; policy accept;` */
  private chainProperties(logical: LogicalLine, block: Extract<Block, { kind: 'chain' }>): void {
    const chain = block.chain;
    let i = 0;
    while (i < logical.count) {
      const key = logical.tokens[i].quoted ? '' : logical.tokens[i].text;
      const value = logical.at(i + 1);
      if (key === ';') {
        i++;
      } else if ((key === 'type' || key === 'hook' || key === 'device' || key === 'policy') && value !== undefined) {
        if (key === 'type') chain.type = value.text;
        else if (key === 'hook') chain.hook = value.text;
        else if (key === 'device') chain.device = value.text;
        else if (value.text === 'accept' || value.text === 'drop') chain.policy = value.text;
        else break;
        i += 2;
      } else if (key === 'devices' && isWord(value, '=') && isWord(logical.at(i + 2), '{')) {
        const devices: string[] = [];
        let j = i + 3;
        for (; j < logical.count && !isWord(logical.at(j), '}'); j++) if (!isWord(logical.at(j), ',')) devices.push(logical.tokens[j].text);
        chain.device = devices.join(',');
        i = j + 1;
      } else if (key === 'priority') {
        const words: string[] = [];
        let j = i + 1;
        for (; j < logical.count && !isWord(logical.at(j), ';'); j++) words.push(logical.tokens[j].text);
        chain.priority = resolvePriority(block.family, words);
        if (chain.priority === null) break;
        i = j;
      } else {
        break;
      }
    }
    if (i < logical.count) this.unknown(logical, i);
  }

  private rule(logical: LogicalLine): void {
    if (!this.completeBraces(logical)) {
      const first = logical.tokens[0];
      this.sink.report('unbalanced-brace', first.line, this.lineText(logical, 0), { col: first.col });
    }
    let end = logical.count;
    let handle: number | null = null;
    if (end >= 3 && isWord(logical.at(end - 3), '#') && isWord(logical.at(end - 2), 'handle')) {
      handle = parseInteger(logical.tokens[end - 1].text);
      if (handle !== null) end -= 3;
    }
    if (end === 0) return;
    const reader = this.reader.reset(logical, end);
    const statements = reader.statements();
    this.rules[this.ruleCount] = {
      position: this.ruleCount,
      handle,
      text: this.lineText(logical, 0, end),
      counter: reader.firstCounter,
      comment: reader.lastComment,
      statements,
      source: this.source(logical.line),
    };
    this.ruleCount++;
  }

  private inSet(logical: LogicalLine, block: Extract<Block, { kind: 'set' }>): void {
    const keyword = firstWord(logical);
    const set = block.set;
    if (keyword === 'type' || keyword === 'typeof') {
      const colon = findWord(logical, ':');
      set.keyType = texts(logical, 1, colon < 0 ? logical.count : colon).join(' ');
      set.dataType = colon < 0 ? null : texts(logical, colon + 1, logical.count).join(' ');
      return;
    }
    if (keyword === 'flags') {
      set.flags = texts(logical, 1, logical.count, ',');
      return;
    }
    if (keyword === 'comment' && logical.at(1)?.quoted) {
      set.comment = logical.tokens[1].text;
      return;
    }
    if (keyword === 'elements' && isWord(logical.at(1), '=') && isWord(logical.at(2), '{')) {
      this.elements(logical, set);
      return;
    }
    if (keyword === '#' || SET_PROPERTIES_IGNORED.has(keyword)) return;
    this.unknown(logical);
    this.skipBlock(logical);
  }

  private elements(logical: LogicalLine, set: NftSet): void {
    const complete = this.completeBraces(logical);
    const parsed = this.reader.reset(logical).braced(2);
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

/** The first token's text, or '' when it is quoted. */
function firstWord(logical: LogicalLine): string {
  const first = logical.tokens[0];
  return first.quoted ? '' : first.text;
}

/** Index of the first unquoted `word` in the line, or -1. */
function findWord(logical: LogicalLine, word: string): number {
  for (let k = 0; k < logical.count; k++) if (isWord(logical.tokens[k], word)) return k;
  return -1;
}

/** The texts of tokens `from` to before `to`, leaving out an unquoted `separator`. */
function texts(logical: LogicalLine, from: number, to: number, separator?: string): string[] {
  const out: string[] = [];
  for (let k = from; k < to; k++) if (separator === undefined || !isWord(logical.tokens[k], separator)) out.push(logical.tokens[k].text);
  return out;
}

/** A header line ends with `{` (before an optional `# handle N`). */
function opensBlock(logical: LogicalLine): boolean {
  const hash = findWord(logical, '#');
  return isWord(logical.at((hash < 0 ? logical.count : hash) - 1), '{');
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
export function parseNftText(text: string, opts: RulesetParseOptions): ParseResult<NftRuleset> {
  return new TextParser(text, opts.file, opts.receiver).parse();
}
