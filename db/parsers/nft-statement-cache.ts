// Statements and rule counters shared between the rules of one parse.
//
// A kube-proxy ruleset repeats a few statements in most of its rules (`counter packets 0 bytes 0`,
// `jump KUBE-MARK-MASQ`, `meta l4proto tcp`), next to one that is unique to the rule (an
// endpoint's address). Sharing the repeated ones keeps the parsed ruleset small, and its size is
// most of the parse time: the garbage collector copies every object that survives.
//
// A statement is known by the text it was read from: the same characters read the same way.
// Each table is direct-mapped: a value goes in the slot its hash picks, replacing whatever was
// there. A unique statement can push out a common one, which is back the next time it is read,
// and neither a Map's string hashing nor its growth is paid for. Shared values are not frozen
// (Object.freeze costs more than reading the statement): never mutate a parsed statement.

import type { NftCounter, NftStatement } from '../../renderer/src/analysis/model';

const SLOTS = 1 << 12;

export class StatementCache {
  private readonly statements = new Array<NftStatement | null>(SLOTS).fill(null);
  /** where in the text each statement in `statements` was read */
  private readonly starts = new Int32Array(SLOTS);
  private readonly ends = new Int32Array(SLOTS);
  private readonly counters = new Array<NftCounter | null>(SLOTS).fill(null);

  constructor(private readonly text: string) {}

  /** `s`, read from `text[start, end)`, or the statement read from the same characters before. */
  statement(s: NftStatement, start: number, end: number): NftStatement {
    const slot = this.hash(start, end) & (SLOTS - 1);
    const seen = this.statements[slot];
    if (seen !== null && this.sameText(this.starts[slot], this.ends[slot], start, end)) return seen;
    this.statements[slot] = s;
    this.starts[slot] = start;
    this.ends[slot] = end;
    return s;
  }

  /** A rule's `{ packets, bytes }`. */
  counter(packets: number, bytes: number): NftCounter {
    const slot = (Math.imul(packets, 31) + bytes) & (SLOTS - 1);
    const seen = this.counters[slot];
    if (seen !== null && seen.packets === packets && seen.bytes === bytes) return seen;
    const counter = { packets, bytes };
    this.counters[slot] = counter;
    return counter;
  }

  private hash(start: number, end: number): number {
    let hash = 0;
    for (let k = start; k < end; k++) hash = (Math.imul(hash, 31) + this.text.charCodeAt(k)) | 0;
    return hash;
  }

  /** Whether `text[a, aEnd)` and `text[b, bEnd)` hold the same characters. */
  private sameText(a: number, aEnd: number, b: number, bEnd: number): boolean {
    if (aEnd - a !== bEnd - b) return false;
    for (let k = 0; k < aEnd - a; k++) if (this.text.charCodeAt(a + k) !== this.text.charCodeAt(b + k)) return false;
    return true;
  }
}
