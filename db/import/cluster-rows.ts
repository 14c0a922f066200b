import type { ClusterData } from '../../renderer/src/analysis/model';
import type { SqlValue } from '../sql';
import { flagColumn, jsonColumn, sourceColumns } from './column-values';

// The cluster tables' rows exactly as the importer binds them: per table, one flat list of values,
// row after row, each row led by the index of its parent row (0, the snapshot, for top-level
// tables). The in-thread path writes these lists into the library; the import worker writes them
// into its staging file (cluster-staging.ts), from which the import copies them.

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

export type ClusterRows = Record<keyof typeof CLUSTER_TABLES, SqlValue[]>;

/** Whether a table's rows belong to the snapshot itself, rather than to a row of another table. */
export const isTopLevel = (table: ClusterTable) => table.parent === 'snapshot_id';

/** Values per row of a table's list: the parent index, then the columns. */
export const rowWidth = (table: ClusterTable) => 1 + table.columns.length;

/** The parent index of a top-level table's rows: they all belong to the one snapshot. */
const SNAPSHOT = 0;


/** Encodes parsed cluster records as the rows of the cluster tables, in CLUSTER_TABLES' column order. */
export function clusterRows(cluster: ClusterData): ClusterRows {
  const rows: ClusterRows = { services: [], servicePorts: [], endpointSlices: [], endpoints: [], pods: [], nodes: [], events: [] };
  cluster.services.forEach((svc, index) => {
    rows.services.push(
      SNAPSHOT, svc.namespace, svc.name, svc.uid, svc.type, jsonColumn(svc.clusterIPs), jsonColumn(svc.externalIPs), jsonColumn(svc.loadBalancerIPs),
      jsonColumn(svc.loadBalancerSourceRanges), svc.selector ? jsonColumn(svc.selector) : null, svc.externalTrafficPolicy, svc.internalTrafficPolicy,
      svc.sessionAffinity, svc.sessionAffinityTimeout, svc.healthCheckNodePort, svc.externalName, jsonColumn(svc.annotations), ...sourceColumns(svc.source),
    );
    svc.ports.forEach((p, i) => rows.servicePorts.push(index, i, p.name, p.protocol, p.port, p.targetPort === null ? null : String(p.targetPort), p.nodePort));
  });
  cluster.endpointSlices.forEach((slice, index) => {
    rows.endpointSlices.push(
      SNAPSHOT, slice.namespace, slice.name, slice.serviceName, slice.addressType, slice.legacy ? 1 : 0, jsonColumn(slice.ports), ...sourceColumns(slice.source),
    );
    slice.endpoints.forEach((e, i) =>
      rows.endpoints.push(index, i, jsonColumn(e.addresses), flagColumn(e.ready), flagColumn(e.serving), flagColumn(e.terminating), e.nodeName, e.podNamespace, e.podName, e.zone),
    );
  });
  for (const p of cluster.pods) {
    rows.pods.push(
      SNAPSHOT, p.namespace, p.name, p.uid, p.nodeName, jsonColumn(p.podIPs), p.hostIP, p.hostNetwork ? 1 : 0, p.phase, jsonColumn(p.labels), jsonColumn(p.containers), ...sourceColumns(p.source),
    );
  }
  for (const n of cluster.nodes) rows.nodes.push(SNAPSHOT, n.name, jsonColumn(n.addresses), jsonColumn(n.podCIDRs), jsonColumn(n.annotations), jsonColumn(n.labels), ...sourceColumns(n.source));
  for (const e of cluster.events) {
    rows.events.push(
      SNAPSHOT, e.namespace, e.involvedKind, e.involvedNamespace, e.involvedName, e.type, e.reason, e.message, e.component, e.count, e.lastTimestamp, ...sourceColumns(e.source),
    );
  }
  return rows;
}
