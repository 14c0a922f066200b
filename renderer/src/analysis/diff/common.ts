// Helpers every section of the diff shares: comparing field values, building changes, matching
// two keyed collections and sorting the result so the output is stable.

import type { SourceRef } from '../model';
import type { Change, ChangeKind, FieldChange, FieldValue, NodePair } from './types';

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sameValue(a: FieldValue, b: FieldValue): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => x === b[i]);
  }
  return a === b;
}

/** The node a change is about: the pair's A node, plus its B node when that is another node. */
export interface NodeScope {
  node?: string;
  nodeB?: string;
}

export function pairScope(pair: NodePair): NodeScope {
  return pair.crossNode ? { node: pair.a, nodeB: pair.b } : { node: pair.a };
}

export type Fields = Record<string, FieldValue>;

/** The fields that differ, in the order `before` lists them. */
export function fieldChanges(before: Fields, after: Fields): FieldChange[] {
  const out: FieldChange[] = [];
  for (const field of Object.keys(before)) {
    const b = after[field] ?? null;
    if (!sameValue(before[field], b)) out.push({ field, before: before[field], after: b });
  }
  return out;
}

/** Every field of an object that exists on one side only; null on the other. */
export function oneSided(fields: Fields, side: 'a' | 'b'): FieldChange[] {
  return Object.entries(fields).map(([field, v]) => (side === 'a' ? { field, before: v, after: null } : { field, before: null, after: v }));
}

export function makeChange(
  kind: ChangeKind,
  subject: string,
  fields: FieldChange[],
  evidence: { a?: SourceRef; b?: SourceRef },
  scope: NodeScope = {},
  note?: string,
): Change {
  return {
    kind,
    subject,
    ...(scope.node !== undefined ? { node: scope.node } : {}),
    ...(scope.nodeB !== undefined ? { nodeB: scope.nodeB } : {}),
    fields,
    ...(note !== undefined ? { note } : {}),
    evidence: { ...(evidence.a ? { a: evidence.a } : {}), ...(evidence.b ? { b: evidence.b } : {}) },
  };
}

export interface KeyedSpec<T> {
  subject: (key: string, item: T) => string;
  fields: (item: T) => Fields;
  source: (item: T) => SourceRef;
  /** the node the objects are on: one for all, or per object (B's object for a change) */
  scope?: NodeScope | ((item: T) => NodeScope);
}

/** Objects matched by key: only-in-A are removed, only-in-B added, in both with different fields changed. */
export function diffKeyed<T>(a: ReadonlyMap<string, T>, b: ReadonlyMap<string, T>, spec: KeyedSpec<T>): Change[] {
  const out: Change[] = [];
  const scope = (item: T): NodeScope | undefined => (typeof spec.scope === 'function' ? spec.scope(item) : spec.scope);
  for (const [key, x] of a) {
    const y = b.get(key);
    if (y === undefined) {
      out.push(makeChange('removed', spec.subject(key, x), oneSided(spec.fields(x), 'a'), { a: spec.source(x) }, scope(x)));
      continue;
    }
    const fields = fieldChanges(spec.fields(x), spec.fields(y));
    if (fields.length > 0) {
      out.push(makeChange('changed', spec.subject(key, y), fields, { a: spec.source(x), b: spec.source(y) }, scope(y)));
    }
  }
  for (const [key, y] of b) {
    if (!a.has(key)) out.push(makeChange('added', spec.subject(key, y), oneSided(spec.fields(y), 'b'), { b: spec.source(y) }, scope(y)));
  }
  return out;
}

const KIND_RANK: Record<ChangeKind, number> = { removed: 0, added: 1, changed: 2, reordered: 3 };

function compareChanges(x: Change, y: Change): number {
  return (
    compareText(x.node ?? '', y.node ?? '') ||
    compareText(x.subject, y.subject) ||
    KIND_RANK[x.kind] - KIND_RANK[y.kind] ||
    compareText(JSON.stringify(x.fields), JSON.stringify(y.fields))
  );
}

/** By node, subject, kind: the order is a function of the content alone. */
export function sortChanges(changes: Change[]): Change[] {
  return changes.sort(compareChanges);
}

/** Groups values by a key, keeping their order. */
export function groupBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

export function sortedStrings(values: Iterable<string>): string[] {
  return [...values].sort(compareText);
}
