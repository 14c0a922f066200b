import type {
  ClusterData,
  KubeService,
  NamespaceCapture,
  NetAddress,
  NetInterface,
  NftRuleset,
  NodeData,
  Route,
  SnapshotData,
  SourceRef,
} from '../../renderer/src/analysis/model';
import { all, get, type ReadableDB } from '../connection';
import { RULESET_PARSERS } from '../import/file-parsers';
import type { RulesetFormat } from '../import/parse-bundle';
import { sql } from '../sql';

// Loads a whole snapshot back into the normalised model the analysis runs on. Rulesets are
// parsed once per distinct ruleset even when many nodes share it.

const parse = <T>(text: string | null, fallback: T): T => (text === null ? fallback : (JSON.parse(text) as T));
const ref = (file: string, line: number, pointer: string | null): SourceRef => (pointer ? { file, line, pointer } : { file, line });

interface Row {
  [column: string]: string | number | null;
}

export function loadSnapshot(db: ReadableDB, snapshotId: number): SnapshotData | null {
  const snap = all<Row>(db, sql`SELECT id, name, created_at FROM snapshots WHERE id = ${snapshotId}`)[0];
  if (!snap) return null;
  const nodeRows = all<Row>(db, sql`SELECT id, name, ruleset_id, ruleset_file, sysctls_json FROM nodes WHERE snapshot_id = ${snapshotId} ORDER BY name`);
  const rulesets = new Map<number, NftRuleset>();
  const nodes: NodeData[] = nodeRows.map((row) => {
    const nodeId = row.id as number;
    const rulesetId = row.ruleset_id as number | null;
    const file = row.ruleset_file as string;
    let ruleset: NftRuleset | null = null;
    if (rulesetId !== null) {
      const shared = rulesets.get(rulesetId);
      ruleset = shared ? withFile(shared, file) : loadRuleset(db, rulesetId, file);
      rulesets.set(rulesetId, ruleset);
    }
    return loadNode(db, nodeId, row.name as string, ruleset, parse(row.sysctls_json as string, {}));
  });
  return {
    id: snap.id as number,
    name: snap.name as string,
    createdAt: snap.created_at as string | null,
    nodes,
    cluster: loadCluster(db, snapshotId),
  };
}

function loadNode(db: ReadableDB, nodeId: number, name: string, ruleset: NftRuleset | null, sysctls: Record<string, string>): NodeData {
  const interfaces = all<Row>(db, sql`SELECT * FROM interfaces WHERE node_id = ${nodeId} ORDER BY id`).map(
    (r): [string | null, NetInterface] => [
      r.netns as string | null,
      {
        ifindex: r.ifindex as number,
        name: r.name as string,
        kind: r.kind as string,
        mtu: r.mtu as number | null,
        mac: r.mac as string | null,
        state: r.state as string | null,
        flags: parse(r.flags_json as string, []),
        master: r.master as string | null,
        peerIfindex: r.peer_ifindex as number | null,
        linkNetnsName: r.link_netns_name as string | null,
        linkNetnsId: r.link_netns_id as number | null,
        vxlan: parse(r.vxlan_json as string | null, null),
        source: ref(r.file as string, r.line as number, r.pointer as string | null),
      },
    ],
  );
  const addresses = all<Row>(db, sql`SELECT * FROM addresses WHERE node_id = ${nodeId} ORDER BY id`).map(
    (r): [string | null, NetAddress] => [
      r.netns as string | null,
      {
        ifname: r.ifname as string,
        ifindex: r.ifindex as number | null,
        family: r.family as NetAddress['family'],
        address: r.address as string,
        prefixLen: r.prefix_len as number,
        scope: r.scope as string | null,
        source: ref(r.file as string, r.line as number, r.pointer as string | null),
      },
    ],
  );
  const routes = all<Row>(db, sql`SELECT * FROM routes WHERE node_id = ${nodeId} ORDER BY id`).map(
    (r): [string | null, Route] => [
      r.netns as string | null,
      {
        family: r.family as Route['family'],
        table: r.table_name as string,
        type: r.type as string,
        dst: r.dst as string,
        gateway: r.gateway as string | null,
        dev: r.dev as string | null,
        protocol: r.protocol as string | null,
        scope: r.scope as string | null,
        prefsrc: r.prefsrc as string | null,
        metric: r.metric as number | null,
        flags: parse(r.flags_json as string, []),
        source: ref(r.file as string, r.line as number, r.pointer as string | null),
      },
    ],
  );
  const namespaces = new Map<string, NamespaceCapture>();
  const nsOf = (name: string) => {
    let ns = namespaces.get(name);
    if (!ns) namespaces.set(name, (ns = { name, interfaces: [], addresses: [], routes: [] }));
    return ns;
  };
  const host = (list: [string | null, unknown][]) => list.filter(([ns]) => ns === null).map(([, v]) => v);
  for (const [ns, v] of interfaces) if (ns !== null) nsOf(ns).interfaces.push(v);
  for (const [ns, v] of addresses) if (ns !== null) nsOf(ns).addresses.push(v);
  for (const [ns, v] of routes) if (ns !== null) nsOf(ns).routes.push(v);

  return {
    name,
    interfaces: host(interfaces) as NetInterface[],
    addresses: host(addresses) as NetAddress[],
    routes: host(routes) as Route[],
    ipRules: all<Row>(db, sql`SELECT * FROM ip_rules WHERE node_id = ${nodeId} ORDER BY id`).map((r) => ({
      family: r.family as Route['family'],
      priority: r.priority as number,
      src: r.src as string | null,
      dst: r.dst as string | null,
      fwmark: r.fwmark as string | null,
      iif: r.iif as string | null,
      oif: r.oif as string | null,
      table: r.table_name as string | null,
      action: r.action as string,
      not: r.negate === 1,
      source: ref(r.file as string, r.line as number, r.pointer as string | null),
    })),
    neighbours: all<Row>(db, sql`SELECT * FROM neighbours WHERE node_id = ${nodeId} ORDER BY id`).map((r) => ({
      dst: r.dst as string,
      dev: r.dev as string,
      lladdr: r.lladdr as string | null,
      state: parse(r.state_json as string, []),
      source: ref(r.file as string, r.line as number, r.pointer as string | null),
    })),
    fdb: all<Row>(db, sql`SELECT * FROM fdb WHERE node_id = ${nodeId} ORDER BY id`).map((r) => ({
      mac: r.mac as string,
      dev: r.dev as string,
      dst: r.dst as string | null,
      master: r.master as string | null,
      vlan: r.vlan as number | null,
      flags: parse(r.flags_json as string, []),
      state: r.state as string | null,
      source: ref(r.file as string, r.line as number, r.pointer as string | null),
    })),
    netns: all<Row>(db, sql`SELECT * FROM netns WHERE node_id = ${nodeId} ORDER BY id`).map((r) => ({
      name: r.name as string | null,
      nsid: r.nsid as number | null,
      source: { file: r.file as string, line: r.line as number },
    })),
    namespaces: [...namespaces.values()],
    sandboxes: all<Row>(db, sql`SELECT * FROM sandboxes WHERE node_id = ${nodeId} ORDER BY id`).map((r) => ({
      id: r.sandbox_id as string,
      podName: r.pod_name as string,
      namespace: r.namespace as string,
      podUid: r.pod_uid as string | null,
      state: r.state as string | null,
      netnsPath: r.netns_path as string | null,
      ip: r.ip as string | null,
      source: ref(r.file as string, r.line as number, r.pointer as string | null),
    })),
    ruleset,
    sysctls,
  };
}

/** A node sharing another node's ruleset still points its evidence at its own file. */
function withFile(ruleset: NftRuleset, file: string): NftRuleset {
  const at = (source: SourceRef): SourceRef => ({ ...source, file });
  return {
    tables: ruleset.tables.map((t) => ({
      ...t,
      source: at(t.source),
      sets: t.sets.map((s) => ({ ...s, source: at(s.source) })),
      chains: t.chains.map((c) => ({ ...c, source: at(c.source), rules: c.rules.map((r) => ({ ...r, source: at(r.source) })) })),
    })),
  };
}

/**
 * A ruleset re-parsed from its stored file by the parser that imported it: parsing the text is
 * faster than reading rows back, and gives exactly the statements the import saw.
 */
function loadRuleset(db: ReadableDB, rulesetId: number, file: string): NftRuleset {
  const row = get<{ format: RulesetFormat; content: Buffer }>(
    db,
    sql`SELECT r.format, b.content FROM nft_rulesets r JOIN blobs b ON b.hash = r.content_hash WHERE r.id = ${rulesetId}`,
  );
  if (!row) throw new Error(`ruleset ${rulesetId} has no stored file`);
  return RULESET_PARSERS[row.format](row.content.toString('utf8'), { file }).value;
}

function loadCluster(db: ReadableDB, snapshotId: number): ClusterData {
  const ports = new Map<number, KubeService['ports']>();
  for (const p of all<Row>(
    db,
    sql`SELECT p.* FROM service_ports p JOIN services s ON s.id = p.service_id WHERE s.snapshot_id = ${snapshotId} ORDER BY p.service_id, p.position`,
  )) {
    const list = ports.get(p.service_id as number) ?? [];
    const target = p.target_port as string | null;
    list.push({
      name: p.name as string | null,
      protocol: p.protocol as 'TCP',
      port: p.port as number,
      targetPort: target !== null && /^\d+$/.test(target) ? Number(target) : target,
      nodePort: p.node_port as number | null,
    });
    ports.set(p.service_id as number, list);
  }
  const services = all<Row>(db, sql`SELECT * FROM services WHERE snapshot_id = ${snapshotId} ORDER BY id`).map(
    (r): KubeService => ({
      namespace: r.namespace as string,
      name: r.name as string,
      uid: r.uid as string | null,
      type: r.type as KubeService['type'],
      clusterIPs: parse(r.cluster_ips_json as string, []),
      externalIPs: parse(r.external_ips_json as string, []),
      loadBalancerIPs: parse(r.lb_ips_json as string, []),
      loadBalancerSourceRanges: parse(r.lb_source_ranges_json as string, []),
      ports: ports.get(r.id as number) ?? [],
      selector: parse(r.selector_json as string | null, null),
      externalTrafficPolicy: r.external_traffic_policy as KubeService['externalTrafficPolicy'],
      internalTrafficPolicy: r.internal_traffic_policy as KubeService['internalTrafficPolicy'],
      sessionAffinity: r.session_affinity as KubeService['sessionAffinity'],
      sessionAffinityTimeout: r.session_affinity_timeout as number | null,
      healthCheckNodePort: r.health_check_node_port as number | null,
      externalName: r.external_name as string | null,
      annotations: parse(r.annotations_json as string, {}),
      source: ref(r.file as string, r.line as number, r.pointer as string | null),
    }),
  );
  const endpoints = new Map<number, ClusterData['endpointSlices'][number]['endpoints']>();
  for (const e of all<Row>(
    db,
    sql`SELECT e.* FROM endpoints e JOIN endpoint_slices s ON s.id = e.slice_id WHERE s.snapshot_id = ${snapshotId} ORDER BY e.slice_id, e.position`,
  )) {
    const list = endpoints.get(e.slice_id as number) ?? [];
    const flag = (v: unknown) => (v === null ? null : v === 1);
    list.push({
      addresses: parse(e.addresses_json as string, []),
      ready: flag(e.ready),
      serving: flag(e.serving),
      terminating: flag(e.terminating),
      nodeName: e.node_name as string | null,
      podNamespace: e.pod_namespace as string | null,
      podName: e.pod_name as string | null,
      zone: e.zone as string | null,
    });
    endpoints.set(e.slice_id as number, list);
  }
  return {
    services,
    endpointSlices: all<Row>(db, sql`SELECT * FROM endpoint_slices WHERE snapshot_id = ${snapshotId} ORDER BY id`).map((r) => ({
      namespace: r.namespace as string,
      name: r.name as string,
      serviceName: r.service_name as string | null,
      addressType: r.address_type as string,
      ports: parse(r.ports_json as string, []),
      endpoints: endpoints.get(r.id as number) ?? [],
      legacy: r.legacy === 1,
      source: ref(r.file as string, r.line as number, r.pointer as string | null),
    })),
    pods: all<Row>(db, sql`SELECT * FROM pods WHERE snapshot_id = ${snapshotId} ORDER BY id`).map((r) => ({
      namespace: r.namespace as string,
      name: r.name as string,
      uid: r.uid as string | null,
      nodeName: r.node_name as string | null,
      podIPs: parse(r.pod_ips_json as string, []),
      hostIP: r.host_ip as string | null,
      hostNetwork: r.host_network === 1,
      phase: r.phase as string | null,
      labels: parse(r.labels_json as string, {}),
      containers: parse(r.containers_json as string, []),
      source: ref(r.file as string, r.line as number, r.pointer as string | null),
    })),
    nodes: all<Row>(db, sql`SELECT * FROM kube_nodes WHERE snapshot_id = ${snapshotId} ORDER BY id`).map((r) => ({
      name: r.name as string,
      addresses: parse(r.addresses_json as string, []),
      podCIDRs: parse(r.pod_cidrs_json as string, []),
      annotations: parse(r.annotations_json as string, {}),
      labels: parse(r.labels_json as string, {}),
      source: ref(r.file as string, r.line as number, r.pointer as string | null),
    })),
    events: all<Row>(db, sql`SELECT * FROM events WHERE snapshot_id = ${snapshotId} ORDER BY id`).map((r) => ({
      namespace: r.namespace as string,
      involvedKind: r.involved_kind as string | null,
      involvedNamespace: r.involved_namespace as string | null,
      involvedName: r.involved_name as string | null,
      type: r.type as string | null,
      reason: r.reason as string | null,
      message: r.message as string | null,
      component: r.component as string | null,
      count: r.count as number | null,
      lastTimestamp: r.last_timestamp as string | null,
      source: ref(r.file as string, r.line as number, r.pointer as string | null),
    })),
  };
}
