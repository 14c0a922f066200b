// Which captured node of A is compared with which captured node of B. By default a node is
// compared with the node of the same name; two single-node snapshots of differently named nodes
// are compared with each other ("working node / broken node"). Explicit pairs override both.

import type { SnapshotData } from '../model';
import { makeChange, sortedStrings } from './common';
import type { Change, NodePair } from './types';

/** A pair names a node the snapshot did not capture, or pairs a node twice. The message is one line. */
export class DiffInputError extends Error {
  override name = 'DiffInputError';
}

export interface Pairing {
  pairs: NodePair[];
  unpairedA: string[];
  unpairedB: string[];
  /** B's node name → A's node name, for every paired node */
  toA: Map<string, string>;
  byA: Map<string, NodePair>;
}

function capturedNames(s: SnapshotData): string[] {
  return sortedStrings(s.nodes.map((n) => n.name));
}

export function pairNodes(a: SnapshotData, b: SnapshotData, explicit?: readonly [string, string][]): Pairing {
  const namesA = capturedNames(a);
  const namesB = capturedNames(b);
  let raw: [string, string][];
  if (explicit && explicit.length > 0) {
    const seenA = new Set<string>();
    const seenB = new Set<string>();
    for (const [x, y] of explicit) {
      if (!namesA.includes(x)) throw new DiffInputError(`node ${x} was not captured in snapshot ${a.name} (captured: ${namesA.join(', ') || 'none'})`);
      if (!namesB.includes(y)) throw new DiffInputError(`node ${y} was not captured in snapshot ${b.name} (captured: ${namesB.join(', ') || 'none'})`);
      if (seenA.has(x) || seenB.has(y)) throw new DiffInputError(`node ${seenA.has(x) ? x : y} is paired twice`);
      seenA.add(x);
      seenB.add(y);
    }
    raw = [...explicit];
  } else {
    raw = namesA.filter((n) => namesB.includes(n)).map((n) => [n, n]);
    if (raw.length === 0 && namesA.length === 1 && namesB.length === 1) raw = [[namesA[0], namesB[0]]];
  }
  const pairs = raw.map(([x, y]) => ({ a: x, b: y, crossNode: x !== y })).sort((p, q) => (p.a < q.a ? -1 : p.a > q.a ? 1 : 0));
  const pairedA = new Set(pairs.map((p) => p.a));
  const pairedB = new Set(pairs.map((p) => p.b));
  return {
    pairs,
    unpairedA: namesA.filter((n) => !pairedA.has(n)),
    unpairedB: namesB.filter((n) => !pairedB.has(n)),
    toA: new Map(pairs.map((p) => [p.b, p.a])),
    byA: new Map(pairs.map((p) => [p.a, p])),
  };
}

/** `comparing roger-nuc1 (A) with roger-nuc0 (B)`; for same-named nodes, the snapshots' names. */
export function comparingSentence(a: SnapshotData, b: SnapshotData, pairs: readonly NodePair[]): string {
  const cross = pairs.filter((p) => p.crossNode);
  if (cross.length > 0) return `comparing ${cross.map((p) => `${p.a} (A) with ${p.b} (B)`).join(', ')}`;
  return `comparing snapshot "${a.name}" (A) with "${b.name}" (B)`;
}

/** Captured nodes that are in one snapshot only and not paired: the node-level sections skip them. */
export function nodeChanges(pairing: Pairing): Change[] {
  return [
    ...pairing.unpairedA.map((n) => makeChange('removed', n, [{ field: 'captured', before: true, after: false }], {}, { node: n })),
    ...pairing.unpairedB.map((n) => makeChange('added', n, [{ field: 'captured', before: false, after: true }], {}, { node: n })),
  ];
}
