// Helpers every section of the diff shares: comparing field values, building changes, matching
// two keyed collections and sorting the result so the output is stable.

import type { SnapshotData, SourceRef } from '../model';
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

/** A value that JSON leaves out of an object (and writes as null in an array). */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/** A plain object or array whose JSON is its own enumerable keys (no toJSON). */
function structural(v: unknown): v is object {
  return typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/**
 * `JSON.stringify(x) === JSON.stringify(y)`, without building either string: same keys in the
 * same order (JSON's), values omitted where JSON omits them, anything unusual compared as JSON.
 * `skip` names a top-level key left out of both (`source`: where an object was read is not what it is).
 */
export function jsonEqual(x: unknown, y: unknown, skip?: string): boolean {
  if (x === y && skip === undefined) return true;
  if (!structural(x) || !structural(y)) return JSON.stringify(x) === JSON.stringify(y);
  const ax = Array.isArray(x);
  if (ax !== Array.isArray(y)) return false;
  if (ax) {
    const xs = x as unknown[];
    const ys = y as unknown[];
    if (xs.length !== ys.length) return false;
    for (let i = 0; i < xs.length; i++) {
      const u = omitted(xs[i]) ? null : xs[i];
      const v = omitted(ys[i]) ? null : ys[i];
      if (u !== v && !jsonEqual(u, v)) return false;
    }
    return true;
  }
  const ox = x as Record<string, unknown>;
  const oy = y as Record<string, unknown>;
  const kx = Object.keys(ox);
  const ky = Object.keys(oy);
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < kx.length && (kx[i] === skip || omitted(ox[kx[i]]))) i++;
    while (j < ky.length && (ky[j] === skip || omitted(oy[ky[j]]))) j++;
    if (i === kx.length || j === ky.length) return i === kx.length && j === ky.length;
    if (kx[i] !== ky[j]) return false;
    const u = ox[kx[i]];
    const v = oy[ky[j]];
    if (u !== v && !jsonEqual(u, v)) return false;
    i++;
    j++;
  }
}

/** The objects of two lists are the same one by one, `source` aside: nothing about them changed but where they were read. */
export function sameObjects(a: readonly object[], b: readonly object[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i], 'source')) return false;
  return true;
}

/**
 * Which cluster object lists are the same on both sides (sameObjects). A list that did not change
 * has no change to report, and nothing looked up in it can differ: the sections and the path plan
 * skip comparing it piece by piece, which for 50,000 pods is most of their work.
 */
export interface ClusterUnchanged {
  services: boolean;
  endpointSlices: boolean;
  pods: boolean;
  events: boolean;
}

export function clusterUnchanged(a: SnapshotData, b: SnapshotData): ClusterUnchanged {
  return {
    services: sameObjects(a.cluster.services, b.cluster.services),
    endpointSlices: sameObjects(a.cluster.endpointSlices, b.cluster.endpointSlices),
    pods: sameObjects(a.cluster.pods, b.cluster.pods),
    events: sameObjects(a.cluster.events, b.cluster.events),
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
