// Tokens of `nft list ruleset` text, for the text parser.
//
// A 200k-rule ruleset is millions of tokens, so the tokenizer reads the whole text by character
// code without slicing lines out of it, reuses token objects from one line to the next, and
// counts braces as it goes. (Giving a recently seen word its earlier string instead of a new
// slice was tried: hashing and comparing each word cost more than the slices it saved.)

export interface Token {
  /** the token's text, without the quotes of a quoted string */
  text: string;
  quoted: boolean;
  /** offsets of the token (quotes included) in the whole text */
  start: number;
  end: number;
  /** 1-based position in the file, for issues */
  line: number;
  col: number;
}

/** One or more physical lines read as a unit: a rule, or a set's multi-line element list. */
export class LogicalLine {
  /** Reused from line to line: only the first `count` belong to this line. */
  readonly tokens: Token[] = [];
  count = 0;
  /** 1-based number of the first physical line */
  line = 0;
  /** net number of `{` over `}` among the tokens */
  depth = 0;

  /** Empties the line, to be filled from physical line `line` on. */
  reset(line: number): void {
    this.count = 0;
    this.line = line;
    this.depth = 0;
  }

  /** Token `i`, or undefined past the line's tokens. */
  at(i: number): Token | undefined {
    return i < this.count ? this.tokens[i] : undefined;
  }

  push(text: string, quoted: boolean, start: number, end: number, line: number, col: number): void {
    const tok = this.tokens[this.count];
    if (tok === undefined) {
      this.tokens.push({ text, quoted, start, end, line, col });
    } else {
      tok.text = text;
      tok.quoted = quoted;
      tok.start = start;
      tok.end = end;
      tok.line = line;
      tok.col = col;
    }
    this.count++;
  }
}

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

/** Whether `c` ends a word; `keepCommas` inside a raw payload expression. */
function endsWord(c: number, keepCommas: boolean): boolean {
  // Letters, digits and `-./:` come first: every stop but `;{}` is below them.
  if (c > COMMA) return c === SEMICOLON || c === OPEN_BRACE || c === CLOSE_BRACE;
  return isSpaceCode(c) || c === QUOTE || (c === COMMA && !keepCommas);
}

/** Characters that are a token by themselves. */
function isPunctuation(c: number): boolean {
  return c === OPEN_BRACE || c === CLOSE_BRACE || c === COMMA || c === SEMICOLON || c === HASH;
}


export class Tokenizer {
  constructor(private readonly text: string) {}

  /** Appends the tokens of the physical line `text[start, end)`, numbered `line`, to `out`. */
  line(start: number, end: number, line: number, out: LogicalLine): void {
    const text = this.text;
    let i = start;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (isSpaceCode(c)) {
        i++;
        continue;
      }
      const col = i - start + 1;
      if (c === QUOTE) {
        i = this.quoted(i, end, line, col, out);
      } else if (isPunctuation(c)) {
        if (c === OPEN_BRACE) out.depth++;
        else if (c === CLOSE_BRACE) out.depth--;
        out.push(text[i], false, i, i + 1, line, col);
        i++;
      } else {
        i = this.word(i, end, line, col, out);
      }
    }
  }

  /** Reads the quoted string opening at `i`; unterminated, it runs to the end of the line. */
  private quoted(i: number, end: number, line: number, col: number, out: LogicalLine): number {
    const text = this.text;
    let close = i + 1;
    while (close < end && (text.charCodeAt(close) !== QUOTE || text.charCodeAt(close - 1) === BACKSLASH)) close++;
    const raw = text.slice(i + 1, close);
    const value = raw.includes('\\') ? raw.replace(/\\(.)/g, '$1') : raw;
    const next = Math.min(close + 1, end);
    out.push(value, true, i, next, line, col);
    return next;
  }

  /** Reads the word starting at `i`; returns where it ends. */
  private word(i: number, end: number, line: number, col: number, out: LogicalLine): number {
    const text = this.text;
    const start = i;
    // A raw payload expression (`@nh,16,16`) keeps its commas; elsewhere a comma separates.
    const keepCommas = text.charCodeAt(i) === AT;
    while (i < end && !endsWord(text.charCodeAt(i), keepCommas)) i++;
    // `1: goto x` and `recent: SET` end a word with the map/remnant colon; an IPv6 address
    // such as `fd00::` keeps its colons.
    if (i - start > 1 && text.charCodeAt(i - 1) === COLON && text.indexOf(':', start) === i - 1) {
      out.push(text.slice(start, i - 1), false, start, i - 1, line, col);
      out.push(':', false, i - 1, i, line, col + i - 1 - start);
    } else {
      out.push(text.slice(start, i), false, start, i, line, col);
    }
    return i;
  }
}

/** Pieces of a text being collapsed; joined into one flat string (`+=` would build a rope). */
const pieces: string[] = [];

/**
 * The text from token `from` to token `to - 1`, whitespace (line breaks included) between tokens
 * collapsed to one space, none where the tokens touch (as in `80,`); quoted strings stay as
 * written. The result is one slice of `text` or one flat string: rule texts live as long as the
 * ruleset.
 */
export function tokenText(text: string, tokens: readonly Token[], from: number, to: number): string {
  let singleSpaced = true;
  for (let k = from + 1; k < to && singleSpaced; k++) singleSpaced = isSingleSpaced(text, tokens[k - 1], tokens[k]);
  if (singleSpaced) return text.slice(tokens[from].start, tokens[to - 1].end);
  pieces.length = 0;
  let start = tokens[from].start;
  for (let k = from + 1; k < to; k++) {
    if (isSingleSpaced(text, tokens[k - 1], tokens[k])) continue;
    pieces.push(text.slice(start, tokens[k - 1].end));
    start = tokens[k].start;
  }
  pieces.push(text.slice(start, tokens[to - 1].end));
  return pieces.join(' ');
}

/** Whether `b` touches `a` or follows it after one space, as collapsed text has them. */
function isSingleSpaced(text: string, a: Token, b: Token): boolean {
  const gap = b.start - a.end;
  return gap === 0 || (gap === 1 && text.charCodeAt(a.end) === SPACE);
}
