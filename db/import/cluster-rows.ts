import type { KubeEndpointSlice, KubeEvent, KubeNode, KubePod, KubeService } from '../../renderer/src/analysis/model';
import type { SqlValue } from '../sql';
import { flagColumn, jsonColumn, sourceColumns } from './column-values';

// The cluster tables' rows exactly as the importer binds them: each row led by the index of its
// parent row (0, the snapshot, for top-level tables). Records are encoded one at a time, as they
// are read, into a ClusterRowSink: in-thread into per-table flat lists (RowLists), which the
// import writes into the library; in the import worker into its staging file
// (cluster-staging.ts), from which the import copies them.

/** Where a cluster table's rows go. */
export interface ClusterTable {
  table: string;
  /** the foreign key filled in at write time: the snapshot's id, or the id of the parent row */
  parent: string;
  columns: readonly string[];
}

const SOURCE = ['file', 'line', 'pointer'] as const;

export const CLUSTER_TABLES = {
  services: {
    table: 'services',
    parent: 'snapshot_id',
    columns: [
      'namespace', 'name', 'uid', 'type', 'cluster_ips_json', 'external_ips_json', 'lb_ips_json', 'lb_source_ranges_json', 'selector_json',
      'external_traffic_policy', 'internal_traffic_policy', 'session_affinity', 'session_affinity_timeout', 'health_check_node_port',
      'external_name', 'annotations_json', ...SOURCE,
    ],
  },
  servicePorts: { table: 'service_ports', parent: 'service_id', columns: ['position', 'name', 'protocol', 'port', 'target_port', 'node_port'] },
  endpointSlices: {
    table: 'endpoint_slices',
    parent: 'snapshot_id',
    columns: ['namespace', 'name', 'service_name', 'address_type', 'legacy', 'ports_json', ...SOURCE],
  },
  endpoints: {
    table: 'endpoints',
    parent: 'slice_id',
    columns: ['position', 'addresses_json', 'ready', 'serving', 'terminating', 'node_name', 'pod_namespace', 'pod_name', 'zone'],
  },
  pods: {
    table: 'pods',
    parent: 'snapshot_id',
    columns: [
      'namespace', 'name', 'uid', 'node_name', 'pod_ips_json', 'host_ip', 'host_network', 'phase', 'labels_json', 'containers_json', ...SOURCE,
    ],
  },
  nodes: { table: 'kube_nodes', parent: 'snapshot_id', columns: ['name', 'addresses_json', 'pod_cidrs_json', 'annotations_json', 'labels_json', ...SOURCE] },
  events: {
    table: 'events',
    parent: 'snapshot_id',
    columns: [
      'namespace', 'involved_kind', 'involved_namespace', 'involved_name', 'type', 'reason', 'message', 'component', 'count', 'last_timestamp',
      ...SOURCE,
    ],
  },
} as const satisfies Record<string, ClusterTable>;

/** Per table, its rows' values in one flat list, row after row. */
export type ClusterRows = Record<keyof typeof CLUSTER_TABLES, SqlValue[]>;

/** Whether a table's rows belong to the snapshot itself, rather than to a row of another table. */
export const isTopLevel = (table: ClusterTable) => table.parent === 'snapshot_id';

/** Values per row of a table's list: the parent index, then the columns. */
export const rowWidth = (table: ClusterTable) => 1 + table.columns.length;

/** The parent index of a top-level table's rows: they all belong to the one snapshot. */
const SNAPSHOT = 0;


/** The cluster tables, by their key in ClusterRows. */
export type ClusterTableKey = keyof ClusterRows;

/** How many rows each table holds at some point, to go back to. */
export type RowMark = Readonly<Record<ClusterTableKey, number>>;

/**
 * Where encoded rows go as records are read: in-memory lists (RowLists), or the worker's staging
 * file (cluster-staging.ts). Rows of a file found unreadable part-way are taken back (rollback).
 */
export interface ClusterRowSink {
  /** the number of rows of a table so far: the index of its next row, which that row's children give as their parent */
  count(key: ClusterTableKey): number;
  /** one row, its values in CLUSTER_TABLES' column order, led by its parent's index */
  add(key: ClusterTableKey, row: readonly SqlValue[]): void;
  mark(): RowMark;
  /** Drops every row added since `mark`. */
  rollback(mark: RowMark): void;
}

export const TABLE_KEYS = Object.keys(CLUSTER_TABLES) as ClusterTableKey[];

/** Each table's rows, row after row in one flat list (ClusterRows). */
export class RowLists implements ClusterRowSink {
  readonly rows: ClusterRows = { services: [], servicePorts: [], endpointSlices: [], endpoints: [], pods: [], nodes: [], events: [] };

  count(key: ClusterTableKey): number {
    return this.rows[key].length / rowWidth(CLUSTER_TABLES[key]);
  }

  add(key: ClusterTableKey, row: readonly SqlValue[]): void {
    const list = this.rows[key];
    for (let i = 0; i < row.length; i++) list.push(row[i]);
  }

  mark(): RowMark {
    return Object.fromEntries(TABLE_KEYS.map((key) => [key, this.count(key)])) as RowMark;
  }

  rollback(mark: RowMark): void {
    for (const key of TABLE_KEYS) this.rows[key].length = mark[key] * rowWidth(CLUSTER_TABLES[key]);
  }
}

// One encoder per record type: the record's row, and its children's rows under its index.

export function encodeService(svc: KubeService, sink: ClusterRowSink): void {
  const index = sink.count('services');
  sink.add('services', [
    SNAPSHOT, svc.namespace, svc.name, svc.uid, svc.type, jsonColumn(svc.clusterIPs), jsonColumn(svc.externalIPs), jsonColumn(svc.loadBalancerIPs),
    jsonColumn(svc.loadBalancerSourceRanges), svc.selector ? jsonColumn(svc.selector) : null, svc.externalTrafficPolicy, svc.internalTrafficPolicy,
    svc.sessionAffinity, svc.sessionAffinityTimeout, svc.healthCheckNodePort, svc.externalName, jsonColumn(svc.annotations), ...sourceColumns(svc.source),
  ]);
  svc.ports.forEach((p, i) => sink.add('servicePorts', [index, i, p.name, p.protocol, p.port, p.targetPort === null ? null : String(p.targetPort), p.nodePort]));
}

export function encodeEndpointSlice(slice: KubeEndpointSlice, sink: ClusterRowSink): void {
  const index = sink.count('endpointSlices');
  sink.add('endpointSlices', [
    SNAPSHOT, slice.namespace, slice.name, slice.serviceName, slice.addressType, slice.legacy ? 1 : 0, jsonColumn(slice.ports), ...sourceColumns(slice.source),
  ]);
  slice.endpoints.forEach((e, i) =>
    sink.add('endpoints', [index, i, jsonColumn(e.addresses), flagColumn(e.ready), flagColumn(e.serving), flagColumn(e.terminating), e.nodeName, e.podNamespace, e.podName, e.zone]),
  );
}

export function encodePod(p: KubePod, sink: ClusterRowSink): void {
  sink.add('pods', [
    SNAPSHOT, p.namespace, p.name, p.uid, p.nodeName, jsonColumn(p.podIPs), p.hostIP, p.hostNetwork ? 1 : 0, p.phase, jsonColumn(p.labels), jsonColumn(p.containers), ...sourceColumns(p.source),
  ]);
}

export function encodeNode(n: KubeNode, sink: ClusterRowSink): void {
  sink.add('nodes', [SNAPSHOT, n.name, jsonColumn(n.addresses), jsonColumn(n.podCIDRs), jsonColumn(n.annotations), jsonColumn(n.labels), ...sourceColumns(n.source)]);
}

export function encodeEvent(e: KubeEvent, sink: ClusterRowSink): void {
  sink.add('events', [
    SNAPSHOT, e.namespace, e.involvedKind, e.involvedNamespace, e.involvedName, e.type, e.reason, e.message, e.component, e.count, e.lastTimestamp, ...sourceColumns(e.source),
  ]);
}
