// The compare view's pure logic: a SnapshotDiff's changes as table rows (one per field, base and
// changed values side by side), the compare filter language, path changes grouped per Service,
// counter deltas as signed numbers and the default pair of snapshots.
//
// Filter language (validated as you type, like the Services filter):
//   plain words       substring of the subject, node, field or either value (case-insensitive)
//   kind:KIND         added, removed, changed, reordered, reset (a unique prefix is enough)
//   node:NAME         the change's node in A or in B, `*` as a wildcard
//   field:NAME        a changed field, `*` as a wildcard
// A leading `!` negates a term; terms are ANDed.

import type { SnapshotSummary } from '../../../db/api-types';
import type { Change, ChangeKind, FieldChange, FieldValue, RuleCounterDelta, SectionCounts } from '../analysis/diff/types';
import { globToRegExp, parseTerms, type FilterError, type Token } from './service-filter';

export const CHANGE_KINDS: readonly ChangeKind[] = ['added', 'removed', 'changed', 'reordered'];
const FILTER_KINDS = [...CHANGE_KINDS, 'reset'] as const;
const FIELDS = ['kind', 'node', 'field'] as const;

/** `1,234` → `—` for null, lists joined, booleans as words. */
export function formatValue(v: FieldValue): string {
  if (v === null) return '—';
  if (Array.isArray(v)) return v.length === 0 ? '(none)' : v.join(', ');
  return String(v);
}

/** `+3`, `−120` (a real minus), `0`. */
export function signed(n: number): string {
  if (n > 0) return `+${n}`;
  if (n < 0) return `\u2212${-n}`;
  return '0';
}

export function changeCount(c: SectionCounts): number {
  return c.added + c.removed + c.changed + c.reordered;
}

/** `roger-nuc1` or `roger-nuc1 → roger-nuc0` for a cross-node change. */
export function nodeLabel(node: string | undefined, nodeB: string | undefined): string {
  if (node === undefined) return '';
  return nodeB === undefined ? node : `${node} → ${nodeB}`;
}

// ---- rows -------------------------------------------------------------------------------------

export interface ChangeRow {
  /** `change index:field index` */
  key: string;
  /** the change's index in its section */
  index: number;
  change: Change;
  /** null for a change without fields */
  field: FieldChange | null;
  /** the change's first row (the others repeat its subject in a muted way) */
  first: boolean;
}

function sameValue(a: FieldValue, b: FieldValue): boolean {
  return Array.isArray(a) || Array.isArray(b) ? JSON.stringify(a) === JSON.stringify(b) : a === b;
}

/** The fields that differ: an added or removed object lists every field, also those empty on both sides. */
export function shownFields(change: Change): FieldChange[] {
  return change.fields.filter((f) => !sameValue(f.before, f.after));
}

/** One row per changed field, so the field, its A value and its B value stand side by side. */
export function changeRows(changes: readonly Change[]): ChangeRow[] {
  const out: ChangeRow[] = [];
  changes.forEach((change, index) => {
    const fields = shownFields(change);
    if (fields.length === 0) out.push({ key: `${index}:-`, index, change, field: null, first: true });
    fields.forEach((field, k) => out.push({ key: `${index}:${k}`, index, change, field, first: k === 0 }));
  });
  return out;
}

// ---- filter -----------------------------------------------------------------------------------

export type CompareTerm =
  | { key: 'text'; negate: boolean; text: string }
  | { key: 'kind'; negate: boolean; kind: (typeof FILTER_KINDS)[number] }
  | { key: 'node' | 'field'; negate: boolean; pattern: RegExp };

export interface ParsedCompareFilter {
  terms: CompareTerm[];
  errors: FilterError[];
}


function parseTerm(token: Token): CompareTerm | FilterError {
  const negate = token.text.startsWith('!');
  const body = negate ? token.text.slice(1) : token.text;
  const fail = (message: string): FilterError => ({ start: token.start, end: token.end, message });
  if (body === '') return fail(negate ? '"!" needs a term after it' : 'empty term');
  const colon = body.indexOf(':');
  const field = colon < 0 ? '' : body.slice(0, colon).toLowerCase();
  // `ip saddr 10.0.0.1:80`, IPv6 and chain text keep their colons: only known field names are fields
  if (colon < 0 || !/^[a-z]+$/.test(field)) return { key: 'text', negate, text: body.toLowerCase() };
  if (!(FIELDS as readonly string[]).includes(field)) return fail(`unknown field "${field}:" (use kind:, node: or field:)`);
  const value = body.slice(colon + 1);
  if (value === '') return fail(`${field}: needs a value`);
  if (field === 'kind') {
    const matches = FILTER_KINDS.filter((k) => k.startsWith(value.toLowerCase()));
    if (matches.length === 1) return { key: 'kind', negate, kind: matches[0] };
    return fail(matches.length === 0 ? `kind: expects ${FILTER_KINDS.join(', ')}` : `"${value}" is ambiguous: ${matches.join(' or ')}`);
  }
  return { key: field as 'node' | 'field', negate, pattern: globToRegExp(value) };
}

export function parseCompareFilter(input: string): ParsedCompareFilter {
  return parseTerms(input, parseTerm);
}

/** What the filter looks at, for a change row, a counter row or a path change. */
export interface Filterable {
  kinds: readonly string[];
  nodes: readonly string[];
  fields: readonly string[];
  /** lower-case text the plain words search */
  text: string;
}

export function matchCompare(item: Filterable, terms: readonly CompareTerm[]): boolean {
  return terms.every((term) => {
    let hit: boolean;
    switch (term.key) {
      case 'text':
        hit = item.text.includes(term.text);
        break;
      case 'kind':
        hit = item.kinds.includes(term.kind);
        break;
      case 'node':
        hit = item.nodes.some((n) => term.pattern.test(n));
        break;
      case 'field':
        hit = item.fields.some((f) => term.pattern.test(f));
        break;
    }
    return hit !== term.negate;
  });
}

function nodesOf(node: string | undefined, nodeB: string | undefined): string[] {
  return [node, nodeB].filter((n): n is string => n !== undefined);
}

export function changeFilterable(row: ChangeRow): Filterable {
  const { change, field } = row;
  return {
    kinds: [change.kind],
    nodes: nodesOf(change.node, change.nodeB),
    fields: field ? [field.field] : [],
    text: [change.subject, ...nodesOf(change.node, change.nodeB), change.note ?? '', field ? `${field.field} ${formatValue(field.before)} ${formatValue(field.after)}` : '']
      .join(' ')
      .toLowerCase(),
  };
}

export function counterFilterable(r: RuleCounterDelta): Filterable {
  return {
    kinds: r.reset ? ['changed', 'reset'] : ['changed'],
    nodes: nodesOf(r.node, r.nodeB),
    fields: ['packets', 'bytes'],
    text: `${nodeLabel(r.node, r.nodeB)} ${r.family} ${r.table} ${r.chain} ${r.rule}`.toLowerCase(),
  };
}

export function filterRows<T>(rows: readonly T[], parsed: ParsedCompareFilter, of: (row: T) => Filterable): readonly T[] {
  if (parsed.errors.length > 0 || parsed.terms.length === 0) return rows;
  return rows.filter((r) => matchCompare(of(r), parsed.terms));
}

// ---- counters ---------------------------------------------------------------------------------

/** The raw B − A difference of a rule's counter (negative when it was reset). */
export function rawDelta(r: RuleCounterDelta): { packets: number; bytes: number } {
  return { packets: r.after.packets - r.before.packets, bytes: r.after.bytes - r.before.bytes };
}

/** `3 of 6` as a bar width in [0, 1], with a sliver for a non-zero value next to a huge one. */
export function barRatio(value: number, max: number): number {
  if (max <= 0 || value <= 0) return 0;
  return Math.max(0.02, Math.min(1, value / max));
}

// ---- paths ------------------------------------------------------------------------------------

export interface PathChange {
  key: string;
  /** index in the paths section */
  index: number;
  change: Change;
  /** the entry point (`LoadBalancer 192.168.28.61:80 from external on roger-nuc1`) */
  entry: string;
  /** `10.42.0.204:80 delivered`, or null for an entry point that appeared or disappeared */
  leaf: string | null;
  /** appeared, disappeared, probability, pod, hops, entry appeared, … */
  what: string;
}

export interface PathGroup {
  service: string;
  appeared: number;
  disappeared: number;
  changed: number;
  changes: PathChange[];
}

function describeChange(change: Change, leaf: string | null): string {
  const what = leaf === null ? 'entry point ' : '';
  if (change.kind === 'added') return `${what}appeared`;
  if (change.kind === 'removed') return `${what}disappeared`;
  return change.fields.map((f) => f.field).join(', ') || change.kind;
}

/** The paths section by Service (subjects read `ns/name ENTRY → LEAF`, or `ns/name ENTRY` for an entry point). */
export function pathGroups(changes: readonly Change[]): PathGroup[] {
  const groups = new Map<string, PathGroup>();
  changes.forEach((change, index) => {
    const space = change.subject.indexOf(' ');
    const service = space < 0 ? change.subject : change.subject.slice(0, space);
    const rest = space < 0 ? '' : change.subject.slice(space + 1);
    const arrow = rest.lastIndexOf(' → ');
    const entry = arrow < 0 ? rest : rest.slice(0, arrow);
    const leaf = arrow < 0 ? null : rest.slice(arrow + 3);
    let g = groups.get(service);
    if (!g) groups.set(service, (g = { service, appeared: 0, disappeared: 0, changed: 0, changes: [] }));
    if (change.kind === 'added') g.appeared++;
    else if (change.kind === 'removed') g.disappeared++;
    else g.changed++;
    g.changes.push({ key: String(index), index, change, entry, leaf, what: describeChange(change, leaf) });
  });
  return [...groups.values()].sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
}

export function pathFilterable(p: PathChange): Filterable {
  const row = changeFilterable({ key: p.key, index: p.index, change: p.change, field: null, first: true });
  return { ...row, fields: p.change.fields.map((f) => f.field), text: `${row.text} ${p.what} ${p.change.fields.map((f) => `${f.field} ${formatValue(f.before)} ${formatValue(f.after)}`).join(' ')}`.toLowerCase() };
}

// ---- picking snapshots ------------------------------------------------------------------------

/** A (base) and B (changed): the open snapshot against the newest other one, else the two newest. */
export function defaultPair(snapshots: readonly SnapshotSummary[], open: number | null): { a: number; b: number } | null {
  const ids = snapshots.map((s) => s.id).sort((x, y) => x - y);
  if (ids.length < 2) return null;
  if (open !== null && ids.includes(open)) {
    const newest = ids[ids.length - 1];
    return open === newest ? { a: ids[ids.length - 2], b: open } : { a: open, b: newest };
  }
  return { a: ids[ids.length - 2], b: ids[ids.length - 1] };
}
