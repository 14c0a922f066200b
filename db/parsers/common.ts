// Small helpers shared by the iproute2 / sysctl / iptables-save parsers: line iteration,
// whitespace tokens with columns, JSON list reading that reports instead of throwing, typed
// field access on JSON records, and address / CIDR normalisation.

import type { ParseResult, SourceRef } from '../../renderer/src/analysis/model';
import { IssueSink, type ParseOptions } from './issues';

/** Splits text into lines (LF or CRLF). Line numbers are the array index + 1. */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.endsWith('\r')) lines[i] = l.slice(0, -1);
  }
  return lines;
}

export interface Word {
  text: string;
  /** 1-based column */
  col: number;
}

/** Whitespace-separated words of one line, each with its 1-based column. */
export function words(line: string): Word[] {
  const out: Word[] = [];
  const re = /\S+/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) out.push({ text: m[0], col: m.index + 1 });
  return out;
}

/**
 * The loop every line-per-record text parser shares: `parseLine` gets each non-blank line's
 * words and returns its record, or null after reporting why the line was not one.
 */
export function parseWordLines<T>(
  text: string,
  parseLine: (ws: Word[], line: string, lineNo: number, sink: IssueSink) => T | null,
): ParseResult<T[]> {
  const sink = new IssueSink();
  const out: T[] = [];
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const ws = words(lines[i]);
    if (ws.length === 0) continue;
    const record = parseLine(ws, lines[i], i + 1, sink);
    if (record !== null) out.push(record);
  }
  return { value: out, issues: sink.issues };
}

/** Reports a whole line the parser did not understand, keeping it verbatim. */
export function reportLine(sink: IssueSink, lineNo: number, line: string, code: 'unknown-syntax' | 'unexpected-token' = 'unknown-syntax'): void {
  const col = line.search(/\S/) + 1;
  sink.report(code, lineNo, line, { col: col > 0 ? col : 1, length: line.length });
}

/** Reports the rest of a line from `from` on (an unknown key and whatever follows it). */
export function reportRest(sink: IssueSink, lineNo: number, line: string, from: Word): void {
  const rest = line.slice(from.col - 1).trimEnd();
  sink.report('unknown-syntax', lineNo, rest, { col: from.col, severity: 'info' });
}

export function textSource(opts: ParseOptions, line: number): SourceRef {
  return { file: opts.file, line };
}

export function jsonSource(opts: ParseOptions, pointer: string): SourceRef {
  return { file: opts.file, line: 0, pointer };
}

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** 1-based line and column of a character offset. */
function positionOf(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: offset - lineStart + 1 };
}

/** Where JSON.parse gave up, from its message ("… at position 12" or "(line 1 column 13)"). */
function jsonErrorPosition(text: string, message: string): { line: number; col: number } {
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) return { line: Number(lc[1]), col: Number(lc[2]) };
  const pos = /position (\d+)/.exec(message);
  if (pos) return positionOf(text, Number(pos[1]));
  return positionOf(text, text.length);
}

export interface JsonItem {
  value: JsonObject;
  pointer: string;
}

/**
 * Reads the top-level JSON array that `ip -j …` / `bridge -j …` print, keeping only object
 * elements. Malformed JSON, a non-array document and non-object elements become issues (with
 * the offending text in `detail`); nothing throws. Empty input yields no items and an issue.
 */
export function readJsonList(text: string, sink: IssueSink): JsonItem[] {
  if (text.trim() === '') {
    sink.report('truncated-input', 1, '', { length: 0 });
    return [];
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const at = jsonErrorPosition(text, message);
    sink.report('malformed-json', at.line, message, { col: at.col, severity: 'error', length: 1 });
    return [];
  }
  if (!Array.isArray(doc)) {
    sink.report('unexpected-shape', 1, clip(JSON.stringify(doc)), { severity: 'error' });
    return [];
  }
  const items: JsonItem[] = [];
  doc.forEach((el, i) => {
    if (isObject(el)) items.push({ value: el, pointer: `/${i}` });
    else sink.report('unexpected-shape', 1, `/${i}: ${JSON.stringify(el)}`);
  });
  return items;
}

const MAX_DETAIL = 4000;

function clip(s: string): string {
  return s.length > MAX_DETAIL ? `${s.slice(0, MAX_DETAIL)}…` : s;
}

/**
 * Typed access to one JSON record. A field that is present with the wrong type is reported
 * (`unexpected-shape`, detail `pointer/key: value`) and read as null.
 */
export class JsonFields {
  constructor(
    readonly obj: JsonObject,
    readonly pointer: string,
    private readonly sink: IssueSink,
  ) {}

  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.obj, key);
  }

  str(key: string): string | null {
    const v = this.obj[key];
    if (v === undefined || v === null) return null;
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    this.wrongType(key, v);
    return null;
  }

  num(key: string): number | null {
    const v = this.obj[key];
    if (v === undefined || v === null) return null;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
    this.wrongType(key, v);
    return null;
  }

  strArray(key: string): string[] {
    const v = this.obj[key];
    if (v === undefined || v === null) return [];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    this.wrongType(key, v);
    return [];
  }

  object(key: string): JsonFields | null {
    const v = this.obj[key];
    if (v === undefined || v === null) return null;
    if (isObject(v)) return new JsonFields(v, `${this.pointer}/${key}`, this.sink);
    this.wrongType(key, v);
    return null;
  }

  /** Reports the record as missing a required field; the record itself is kept in the detail. */
  missing(key: string): void {
    this.sink.report('missing-field', 1, `${this.pointer}: ${key} in ${clip(JSON.stringify(this.obj))}`);
  }

  private wrongType(key: string, v: unknown): void {
    this.sink.report('unexpected-shape', 1, `${this.pointer}/${key}: ${clip(JSON.stringify(v))}`);
  }
}

export function familyOf(address: string): 'inet' | 'inet6' {
  return address.includes(':') ? 'inet6' : 'inet';
}

/** 'default' stays; a bare address becomes /32 or /128; a CIDR is kept as written. */
export function normaliseCidr(dst: string): string {
  if (dst === 'default' || dst.includes('/')) return dst;
  return `${dst}/${dst.includes(':') ? 128 : 32}`;
}

/** Prefix length of a dotted IPv4 netmask (255.255.0.0 → 16), null when not contiguous. */
export function netmaskLength(mask: string): number | null {
  const parts = mask.split('.');
  if (parts.length !== 4) return null;
  let bits = 0;
  let seenZero = false;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    for (let b = 7; b >= 0; b--) {
      const set = (n >> b) & 1;
      if (set && seenZero) return null;
      if (set) bits++;
      else seenZero = true;
    }
  }
  return bits;
}

/** A non-negative integer from decimal or 0x-hex text, or null. */
export function parseUint(text: string): number | null {
  if (/^\d+$/.test(text)) return Number(text);
  if (/^0x[0-9a-f]+$/i.test(text)) return Number.parseInt(text.slice(2), 16);
  return null;
}
