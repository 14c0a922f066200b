// Stable ids for every element of a PathTree, shared by the diagram, the detail tree and the
// evidence pane so a selection in one is the selection in all three. A segment's id is `s` for
// the root and `s.B` for branch B of its fork (`s.2.0`); its hops are `SEG:hN`, its end
// `SEG:fork` or `SEG:leaf`; the entry point is `entry`.

import type { SourceRef } from '../analysis/model';
import type { EntryPoint, Hop, PathBranch, PathFork, PathLeaf, PathSegment, PathTree } from '../analysis/trace/types';

export type PathElement =
  | { id: string; type: 'entry'; depth: number; entry: EntryPoint }
  | { id: string; type: 'hop'; depth: number; hop: Hop }
  | { id: string; type: 'fork'; depth: number; fork: PathFork }
  | { id: string; type: 'branch'; depth: number; branch: PathBranch; index: number }
  | { id: string; type: 'leaf'; depth: number; leaf: PathLeaf };

export const ENTRY_ID = 'entry';

/** Every element in reading order (depth-first, branches in order), with its nesting depth. */
export function flattenPath(tree: PathTree): PathElement[] {
  const out: PathElement[] = [{ id: ENTRY_ID, type: 'entry', depth: 0, entry: tree.entry }];
  const walk = (segment: PathSegment, segId: string, depth: number): void => {
    segment.hops.forEach((hop, i) => out.push({ id: `${segId}:h${i}`, type: 'hop', depth, hop }));
    const end = segment.end;
    if (end.type === 'leaf') {
      out.push({ id: `${segId}:leaf`, type: 'leaf', depth, leaf: end });
      return;
    }
    out.push({ id: `${segId}:fork`, type: 'fork', depth, fork: end });
    end.branches.forEach((branch, b) => {
      const childId = `${segId}.${b}`;
      out.push({ id: `${childId}:branch`, type: 'branch', depth: depth + 1, branch, index: b });
      walk(branch.segment, childId, depth + 1);
    });
  };
  walk(tree.root, 's', 0);
  return out;
}

export function elementEvidence(element: PathElement): SourceRef[] {
  switch (element.type) {
    case 'hop':
      return element.hop.evidence;
    case 'fork':
      return element.fork.evidence;
    case 'branch':
      return element.branch.segment.hops[0]?.evidence ?? [];
    default:
      return [];
  }
}

export function countLeaves(segment: PathSegment): number {
  const end = segment.end;
  return end.type === 'leaf' ? 1 : end.branches.reduce((sum, b) => sum + countLeaves(b.segment), 0);
}
