// JSON documents read with positions, for the kubectl and crictl parsers: the line of the root
// value and of each element of a root `items` array (the records' SourceRef), and the line and
// column of a syntax error. A List of tens of MB is read one element at a time, so that it never
// lives in memory as one object tree: building and then collecting hundreds of MB of objects cost
// more than parsing them.

import { isObject } from './common';
import { IssueSink } from './issues';
import { keyText, rootItemSpans } from './json-text';

class JsonSyntaxError {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

const MAX_DEPTH = 512;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * A validating scan of JSON text that notes where the root value and each element of a root
 * `items` array start. JSON.parse alone reports no reliable position on every Node version.
 */
class JsonScanner {
  private pos = 0;
  private line = 1;
  rootLine = 1;
  readonly itemLines: number[] = [];

  constructor(private readonly text: string) {}

  scan(): void {
    this.skipWhitespace();
    this.rootLine = this.line;
    this.value(0, false);
    this.skipWhitespace();
    if (this.pos < this.text.length) throw new JsonSyntaxError(this.pos, 'unexpected data after the JSON value');
  }

  /** 1-based line and column of an offset (columns count UTF-16 code units). */
  position(offset: number): { line: number; col: number } {
    let line = 1;
    let lineStart = 0;
    for (let i = this.text.indexOf('\n'); i !== -1 && i < offset; i = this.text.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    return { line, col: offset - lineStart + 1 };
  }

  private skipWhitespace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 10) this.line++;
      else if (c !== 32 && c !== 9 && c !== 13) return;
      this.pos++;
    }
  }

  private value(depth: number, isItems: boolean): void {
    if (depth > MAX_DEPTH) throw new JsonSyntaxError(this.pos, 'nesting too deep');
    const c = this.text[this.pos];
    if (c === '{') this.object(depth);
    else if (c === '[') this.array(depth, isItems);
    else if (c === '"') this.string();
    else if (c === 't') this.literal('true');
    else if (c === 'f') this.literal('false');
    else if (c === 'n') this.literal('null');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) this.number();
    else throw new JsonSyntaxError(this.pos, c === undefined ? 'unexpected end of input' : `unexpected character ${JSON.stringify(c)}`);
  }

  private object(depth: number): void {
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      if (this.text[this.pos] !== '"') throw this.expected('a property name');
      const key = this.string();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') throw this.expected("':'");
      this.pos++;
      this.skipWhitespace();
      this.value(depth + 1, depth === 0 && keyText(key) === 'items');
      this.skipWhitespace();
      const c = this.text[this.pos++];
      if (c === '}') return;
      if (c !== ',') throw this.expected("',' or '}'", this.pos - 1);
      this.skipWhitespace();
    }
  }

  private array(depth: number, isItems: boolean): void {
    // of two `items` arrays, JSON.parse keeps the later
    if (isItems) this.itemLines.length = 0;
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return;
    }
    for (;;) {
      if (isItems) this.itemLines.push(this.line);
      this.value(depth + 1, false);
      this.skipWhitespace();
      const c = this.text[this.pos++];
      if (c === ']') return;
      if (c !== ',') throw this.expected("',' or ']'", this.pos - 1);
      this.skipWhitespace();
    }
  }

  /** Scans a string and returns its raw text between the quotes. */
  private string(): string {
    const start = ++this.pos;
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 34) break;
      if (Number.isNaN(c)) throw new JsonSyntaxError(this.pos, 'unterminated string');
      if (c < 32) throw new JsonSyntaxError(this.pos, 'control character in string');
      if (c === 92) {
        const e = this.text[this.pos + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) {
            throw new JsonSyntaxError(this.pos, 'bad unicode escape');
          }
          this.pos += 4;
        } else if (e === undefined || !'"\\/bfnrt'.includes(e)) {
          throw new JsonSyntaxError(this.pos, 'bad escape');
        }
        this.pos++;
      }
      this.pos++;
    }
    this.pos++;
    return this.text.slice(start, this.pos - 1);
  }

  private number(): void {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m || m[0] === '-') throw new JsonSyntaxError(this.pos, 'bad number');
    this.pos += m[0].length;
  }

  private literal(word: string): void {
    if (!this.text.startsWith(word, this.pos)) throw new JsonSyntaxError(this.pos, 'unexpected token');
    this.pos += word.length;
  }

  private expected(what: string, at = this.pos): JsonSyntaxError {
    const found = this.text[at];
    return new JsonSyntaxError(at, found === undefined ? `unexpected end of input, expected ${what}` : `expected ${what}`);
  }
}

/** What reads a document: its root value first, then (if root() asks for them) the elements of its `items` array. */
export interface JsonListVisitor {
  /**
   * The root value and its line. A root object's `items` array may be left empty here, its
   * elements being read one by one afterwards. Returns whether to read the elements.
   */
  root(value: unknown, line: number): boolean;
  /** Element `index` of the root's `items` array, and the line it starts on. */
  item(value: unknown, index: number, line: number): void;
}

/**
 * Reads JSON text (a leading byte-order mark is skipped) into the visitor, reporting a syntax
 * error as a 'malformed-json' issue with its line and column. Returns false when the text is not
 * JSON: then the visitor may have been handed elements before the error was found, and must drop
 * them (and the sink holds no issue reported meanwhile, only the error). Elements split out of a
 * large List are checked as they are read, so none is when root() asks for none.
 */
export function readJsonList(text: string, sink: IssueSink, visitor: JsonListVisitor): boolean {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const spans = rootItemSpans(body, MAX_DEPTH);
  if (spans === null) return readWhole(body, sink, visitor);
  const root = tryParse(body.slice(0, spans.open + 1) + body.slice(spans.close));
  // A later `items` key than the one split out would be the one JSON.parse keeps.
  const emptied = root !== INVALID && isObject(root) && Array.isArray(root.items) && root.items.length === 0;
  if (!emptied) return readWhole(body, sink, visitor);
  if (!visitor.root(root, spans.rootLine)) return true;
  const issuesBefore = sink.issues.length;
  for (let i = 0; i < spans.starts.length; i++) {
    const value = tryParse(body.slice(spans.starts[i], spans.ends[i]));
    if (value === INVALID) {
      sink.issues.length = issuesBefore;
      reportSyntaxError(body, sink, spans.lines[i]);
      return false;
    }
    visitor.item(value, i, spans.lines[i]);
  }
  return true;
}

/** The whole document at once, through the validating scan: small documents, and any not shaped as a List. */
function readWhole(body: string, sink: IssueSink, visitor: JsonListVisitor): boolean {
  const scanner = scan(body, sink);
  if (scanner === null) return false;
  const root = tryParse(body);
  if (root === INVALID) {
    reportUnscannedError(sink, scanner.rootLine);
    return false;
  }
  if (!visitor.root(root, scanner.rootLine) || !isObject(root) || !Array.isArray(root.items)) return true;
  root.items.forEach((value: unknown, i: number) => visitor.item(value, i, scanner.itemLines[i] ?? 0));
  return true;
}

/** Reports text JSON.parse refused, where the validating scan finds the error or else at `line`. */
function reportSyntaxError(body: string, sink: IssueSink, line: number): void {
  if (scan(body, sink) !== null) reportUnscannedError(sink, line);
}

/** Runs the validating scan: the scanner, or null once the syntax error it found is reported. */
function scan(body: string, sink: IssueSink): JsonScanner | null {
  const scanner = new JsonScanner(body);
  try {
    scanner.scan();
    return scanner;
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    const { line, col } = scanner.position(error.offset);
    sink.report('malformed-json', line, error.message, { severity: 'error', col, length: 1 });
    return null;
  }
}

/** JSON.parse refused what the validating scan accepted, should the two ever disagree: at `line`, the best guess. */
function reportUnscannedError(sink: IssueSink, line: number): void {
  sink.report('malformed-json', line, 'not valid JSON', { severity: 'error', col: 1, length: 1 });
}

const INVALID = Symbol('invalid JSON');

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return INVALID;
  }
}
