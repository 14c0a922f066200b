import { all, type ReadableDB } from '../connection';
import { sql } from '../sql';
import type { ServiceRow } from '../api-types';

export type { ServiceRow };


interface Row {
  id: number;
  namespace: string;
  name: string;
  type: string;
  cluster_ips_json: string;
  external_ips_json: string;
  lb_ips_json: string;
  external_traffic_policy: string | null;
  internal_traffic_policy: string | null;
  session_affinity: string;
  ports_json: string | null;
  endpoints: number;
  ready_endpoints: number;
}

/** The Services table: one row per Service with its ports and endpoint counts, sorted by namespace/name. */
export function listServices(db: ReadableDB, snapshotId: number): ServiceRow[] {
  const rows = all<Row>(
    db,
    sql`SELECT s.id, s.namespace, s.name, s.type, s.cluster_ips_json, s.external_ips_json, s.lb_ips_json,
          s.external_traffic_policy, s.internal_traffic_policy, s.session_affinity,
          (SELECT json_group_array(json_object('name', p.name, 'protocol', p.protocol, 'port', p.port, 'targetPort', p.target_port, 'nodePort', p.node_port))
             FROM (SELECT * FROM service_ports WHERE service_id = s.id ORDER BY position) p) AS ports_json,
          (SELECT count(*) FROM endpoint_slices es JOIN endpoints e ON e.slice_id = es.id
             WHERE es.snapshot_id = s.snapshot_id AND es.namespace = s.namespace AND es.service_name = s.name) AS endpoints,
          (SELECT count(*) FROM endpoint_slices es JOIN endpoints e ON e.slice_id = es.id
             WHERE es.snapshot_id = s.snapshot_id AND es.namespace = s.namespace AND es.service_name = s.name AND coalesce(e.ready, 1) = 1) AS ready_endpoints
        FROM services s WHERE s.snapshot_id = ${snapshotId} ORDER BY s.namespace, s.name`,
  );
  return rows.map((r) => ({
    namespace: r.namespace,
    name: r.name,
    type: r.type,
    clusterIPs: JSON.parse(r.cluster_ips_json),
    externalIPs: JSON.parse(r.external_ips_json),
    loadBalancerIPs: JSON.parse(r.lb_ips_json),
    ports: r.ports_json ? JSON.parse(r.ports_json) : [],
    externalTrafficPolicy: r.external_traffic_policy,
    internalTrafficPolicy: r.internal_traffic_policy,
    sessionAffinity: r.session_affinity,
    endpoints: r.endpoints,
    readyEndpoints: r.ready_endpoints,
  }));
}
