// The snapshot diff's output. These types ARE the JSON shape (`kube-netpath diff --json`, the
// compare view): plain data only, sorted, so the same two snapshots always give the same bytes.

import type { Finding } from '../findings';
import type { NftCounter, SourceRef } from '../model';

/** A value as it stood in one snapshot; null when the object did not exist there or had no value. */
export type FieldValue = string | number | boolean | null | string[];

export interface FieldChange {
  field: string;
  before: FieldValue;
  after: FieldValue;
}

/**
 * - `added` / `removed`: the object exists only in B / only in A (its fields are listed with null on the other side)
 * - `changed`: the same object with different fields
 * - `reordered`: a chain whose rules are the same but in another order (one change per chain; fields are the moved rules' positions)
 */
export type ChangeKind = 'added' | 'removed' | 'changed' | 'reordered';

export interface Change {
  kind: ChangeKind;
  /** what changed, in words a support engineer searches for: `default/nginx`, `ip nat KUBE-SVC-…: jump KUBE-SEP-…` */
  subject: string;
  /** the node in snapshot A (or the node in both) for node-level objects */
  node?: string;
  /** the node in snapshot B, only when it is not the same node as `node` (a cross-node comparison) */
  nodeB?: string;
  fields: FieldChange[];
  /** what follows from the change, when it is not obvious from the fields (a reordered probability chain) */
  note?: string;
  evidence: { a?: SourceRef; b?: SourceRef };
}

export type DiffSection = 'nodes' | 'services' | 'endpoints' | 'pods' | 'veths' | 'interfaces' | 'routes' | 'rules' | 'paths';

export const DIFF_SECTIONS: readonly DiffSection[] = [
  'nodes',
  'services',
  'endpoints',
  'pods',
  'veths',
  'interfaces',
  'routes',
  'rules',
  'paths',
];

export interface SectionCounts {
  added: number;
  removed: number;
  changed: number;
  reordered: number;
}

/** Two captured nodes compared with each other: the same node, or (crossNode) node `a` of A with node `b` of B. */
export interface NodePair {
  a: string;
  b: string;
  crossNode: boolean;
}

export interface SnapshotSide {
  id: number;
  name: string;
  createdAt: string | null;
  /** the captured nodes */
  nodes: string[];
}

/** A packet/byte increase from A to B. After a reset the increase is counted from zero (B's value), as Prometheus' increase() does. */
export interface CounterDelta {
  packets: number;
  bytes: number;
  /** the counter went down: reset (ruleset reload, restart, reboot) or a different node */
  reset: boolean;
}

/** One rule present in both snapshots whose counters moved (rules whose counters did not move are only counted). */
export interface RuleCounterDelta extends CounterDelta {
  node: string;
  nodeB?: string;
  family: string;
  table: string;
  /** the chain as named in B */
  chain: string;
  /** 0-based position in B's chain */
  position: number;
  /** the rule without its counter, as printed in B */
  rule: string;
  before: NftCounter;
  after: NftCounter;
  evidence: { a?: SourceRef; b?: SourceRef };
}

export interface EndpointCounter extends CounterDelta {
  /** `ip:port`, from the endpoint chain's dnat rule */
  endpoint: string;
  address: string;
  /** the endpoint chain exists only in B: everything it counted happened after A */
  newInB: boolean;
}

/** New connections to one Service port on one node, split by endpoint (nat rules count a connection's first packet). */
export interface ServiceCounterRollup extends CounterDelta {
  /** `ns/name` */
  service: string;
  portName: string | null;
  protocol: string;
  node: string;
  nodeB?: string;
  /** by packets, most first, then by endpoint */
  endpoints: EndpointCounter[];
  /** `of 7 new connections to default/nginx, 3 went to 10.42.0.204, 3 to 10.42.2.228, 1 to 10.42.4.11` */
  sentence: string;
}

export interface CounterDiff {
  /** rules present in both snapshots that have counters */
  rulesCompared: number;
  /** of those, rules whose counters went down */
  rulesWentDown: number;
  /** rules whose counters moved, by node, family, table, chain, position */
  rules: RuleCounterDelta[];
  /** Service ports with new connections (or a reset), by node then service */
  services: ServiceCounterRollup[];
}

export interface DiffSummary {
  /** `comparing roger-nuc1 (A) with roger-nuc0 (B)`, or `comparing snapshot "before" (A) with "after" (B)` */
  comparing: string;
  crossNode: boolean;
  /** captured nodes present in only one snapshot and not paired */
  unpaired: { a: string[]; b: string[] };
  counts: Record<DiffSection, SectionCounts>;
  /** new connections counted on all compared nodes */
  newConnections: number;
  /**
   * The path section's work: of the Services in both snapshots (`compared`), how many were traced.
   * The others had identical inputs on both sides (spec, endpoints, their chains and dispatch rules,
   * node-level state), so their paths cannot differ. `reason` says why every Service was traced
   * (null when some could be skipped).
   */
  paths: { compared: number; traced: number; skipped: number; reason: string | null };
}

export interface SnapshotDiff {
  a: SnapshotSide;
  b: SnapshotSide;
  pairs: NodePair[];
  summary: DiffSummary;
  sections: Record<DiffSection, Change[]>;
  counters: CounterDiff;
  findings: Finding[];
}

export interface DiffOptions {
  /** [node in A, node in B] pairs to compare; default: nodes with the same name, or the only captured node of each */
  nodePairs?: [string, string][];
  /** trace every Service in both snapshots, even those whose inputs are identical (slower; the output is the same) */
  exhaustivePaths?: boolean;
}

/** A finding code the diff emits. */
export type DiffFindingCode =
  | 'cross-node-comparison'
  | 'counter-reset'
  | 'endpoints-moved-node'
  | 'service-rule-changed'
  | 'probability-order-changed'
  | 'path-lost-delivery';
