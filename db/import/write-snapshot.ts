import type { Statement } from 'better-sqlite3';
import type { NodeData, NftRuleset, SourceRef } from '../../renderer/src/analysis/model';
import type { WritableDB } from '../connection';
import type { ParsedBundle, ParsedRuleset } from './parse-bundle';
import { finalVerdict, matchText } from './rule-columns';

export interface WriteProgress {
  rows: number;
}

const json = (value: unknown) => JSON.stringify(value);
const bool = (value: boolean | null) => (value === null ? null : value ? 1 : 0);
const src = (s: SourceRef) => [s.file, s.line, s.pointer ?? null] as const;

/**
 * Statements prepared once per import. Every insert of the import goes through these; SQL lives
 * here and nowhere else in the importer.
 */
function prepare(db: WritableDB) {
  const p = (text: string): Statement => db.prepare(text);
  return {
    snapshot: p(`INSERT INTO snapshots (name, content_hash, source_path, source_kind, created_at, imported_at, size_bytes, format_version, collector, manifest_json)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    blob: p(`INSERT OR IGNORE INTO blobs (hash, size, content) VALUES (?, ?, ?)`),
    file: p(`INSERT INTO files (snapshot_id, path, node, netns, kind, blob_hash, size, command, exit_code, duration_ms, stderr)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    diagnostic: p(`INSERT INTO diagnostics (snapshot_id, file, line, col, severity, code, message, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    rulesetByHash: p(`SELECT id FROM nft_rulesets WHERE content_hash = ?`),
    ruleset: p(`INSERT INTO nft_rulesets (content_hash, format) VALUES (?, ?)`),
    table: p(`INSERT INTO nft_tables (ruleset_id, family, name, comment, line, pointer) VALUES (?, ?, ?, ?, ?, ?)`),
    chain: p(`INSERT INTO nft_chains (table_id, name, type, hook, priority, device, policy, comment, line, pointer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    // nft_rules has no rowid (migration 30): ids follow on from the newest chain's rules, which
    // hold the largest id since chains and their rules are only ever written together, in order.
    lastRuleId: p(`SELECT coalesce(max(id), 0) FROM nft_rules WHERE chain_id = (SELECT max(chain_id) FROM nft_rules)`).pluck(),
    rule: p(`INSERT INTO nft_rules (id, chain_id, position, handle, text, packets, bytes, comment, match_text, verdict_kind, verdict_target, line, pointer)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    set: p(`INSERT INTO nft_sets (table_id, name, kind, key_type, data_type, flags_json, comment, line, pointer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    element: p(`INSERT INTO nft_set_elements (set_id, position, element_json) VALUES (?, ?, ?)`),
    node: p(`INSERT INTO nodes (snapshot_id, name, ruleset_id, ruleset_file, sysctls_json) VALUES (?, ?, ?, ?, ?)`),
    iface: p(`INSERT INTO interfaces (node_id, netns, ifindex, name, kind, mtu, mac, state, flags_json, master, peer_ifindex, link_netns_name, link_netns_id, vxlan_json, file, line, pointer)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    address: p(`INSERT INTO addresses (node_id, netns, ifname, ifindex, family, address, prefix_len, scope, file, line, pointer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    route: p(`INSERT INTO routes (node_id, netns, family, table_name, type, dst, gateway, dev, protocol, scope, prefsrc, metric, flags_json, file, line, pointer)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    ipRule: p(`INSERT INTO ip_rules (node_id, family, priority, src, dst, fwmark, iif, oif, table_name, action, negate, file, line, pointer)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    neighbour: p(`INSERT INTO neighbours (node_id, dst, dev, lladdr, state_json, file, line, pointer) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    fdb: p(`INSERT INTO fdb (node_id, mac, dev, dst, master, vlan, flags_json, state, file, line, pointer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    netns: p(`INSERT INTO netns (node_id, name, nsid, captured, file, line) VALUES (?, ?, ?, ?, ?, ?)`),
    sandbox: p(`INSERT INTO sandboxes (node_id, sandbox_id, pod_name, namespace, pod_uid, state, netns_path, ip, file, line, pointer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    service: p(`INSERT INTO services (snapshot_id, namespace, name, uid, type, cluster_ips_json, external_ips_json, lb_ips_json, lb_source_ranges_json, selector_json,
                  external_traffic_policy, internal_traffic_policy, session_affinity, session_affinity_timeout, health_check_node_port, external_name, annotations_json, file, line, pointer)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    servicePort: p(`INSERT INTO service_ports (service_id, position, name, protocol, port, target_port, node_port) VALUES (?, ?, ?, ?, ?, ?, ?)`),
    slice: p(`INSERT INTO endpoint_slices (snapshot_id, namespace, name, service_name, address_type, legacy, ports_json, file, line, pointer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    endpoint: p(`INSERT INTO endpoints (slice_id, position, addresses_json, ready, serving, terminating, node_name, pod_namespace, pod_name, zone) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    pod: p(`INSERT INTO pods (snapshot_id, namespace, name, uid, node_name, pod_ips_json, host_ip, host_network, phase, labels_json, containers_json, file, line, pointer)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    kubeNode: p(`INSERT INTO kube_nodes (snapshot_id, name, addresses_json, pod_cidrs_json, annotations_json, labels_json, file, line, pointer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    event: p(`INSERT INTO events (snapshot_id, namespace, involved_kind, involved_namespace, involved_name, type, reason, message, component, count, last_timestamp, file, line, pointer)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
  };
}

type Prepared = ReturnType<typeof prepare>;

/** Writes one parsed bundle as a new snapshot. The caller wraps it in the import's transaction. */
export function writeSnapshot(
  db: WritableDB,
  parsed: ParsedBundle,
  name: string,
  onProgress?: (p: WriteProgress) => void,
): number {
  const s = prepare(db);
  let rows = 0;
  const tick = (n = 1) => {
    rows += n;
    if (onProgress && rows % 20000 < n) onProgress({ rows });
  };
  const { manifest } = parsed;
  const snapshotId = Number(
    s.snapshot.run(
      name,
      parsed.source.contentHash,
      parsed.source.path,
      parsed.source.kind,
      manifest?.createdAt ?? null,
      new Date().toISOString(),
      parsed.source.sizeBytes,
      manifest?.formatVersion ?? null,
      manifest?.collector ? `${manifest.collector.name} ${manifest.collector.version}`.trim() : null,
      manifest ? json(manifest) : null,
    ).lastInsertRowid,
  );

  for (const f of parsed.files) {
    s.blob.run(f.hash, f.content.length, f.content);
    s.file.run(snapshotId, f.path, f.node, f.netns, f.kind, f.hash, f.content.length, f.command, f.exitCode, f.durationMs, f.stderr);
    tick();
  }
  for (const d of parsed.diagnostics) {
    s.diagnostic.run(snapshotId, d.file, d.line, d.col, d.severity, d.code, d.message, d.detail);
  }

  const rulesetIds = new Map<string, number>();
  for (const node of parsed.nodes) {
    const ruleset = parsed.rulesets.get(node.name);
    let rulesetId: number | null = null;
    if (ruleset) {
      rulesetId = rulesetIds.get(ruleset.hash) ?? writeRuleset(s, ruleset, tick);
      rulesetIds.set(ruleset.hash, rulesetId);
    }
    writeNode(s, snapshotId, node, rulesetId, ruleset?.file ?? null, tick);
  }
  writeCluster(s, snapshotId, parsed, tick);
  onProgress?.({ rows });
  return snapshotId;
}

/** Rulesets are shared by content hash across nodes and snapshots: an existing one is reused. */
function writeRuleset(s: Prepared, parsed: ParsedRuleset, tick: (n?: number) => void): number {
  const existing = s.rulesetByHash.get(parsed.hash) as { id: number } | undefined;
  if (existing) return existing.id;
  const rulesetId = Number(s.ruleset.run(parsed.hash, parsed.format).lastInsertRowid);
  writeTables(s, rulesetId, parsed.ruleset, s.lastRuleId.get() as number, tick);
  return rulesetId;
}

function writeTables(s: Prepared, rulesetId: number, ruleset: NftRuleset, lastRuleId: number, tick: (n?: number) => void): void {
  let ruleId = lastRuleId;
  for (const table of ruleset.tables) {
    const tableId = Number(s.table.run(rulesetId, table.family, table.name, table.comment, table.source.line, table.source.pointer ?? null).lastInsertRowid);
    for (const set of table.sets) {
      const setId = Number(
        s.set.run(tableId, set.name, set.kind, set.keyType, set.dataType, json(set.flags), set.comment, set.source.line, set.source.pointer ?? null).lastInsertRowid,
      );
      set.elements.forEach((element, i) => s.element.run(setId, i, json(element)));
      tick(set.elements.length + 1);
    }
    for (const chain of table.chains) {
      const chainId = Number(
        s.chain.run(tableId, chain.name, chain.type, chain.hook, chain.priority, chain.device, chain.policy, chain.comment, chain.source.line, chain.source.pointer ?? null)
          .lastInsertRowid,
      );
      for (const rule of chain.rules) {
        const verdict = finalVerdict(rule.statements);
        s.rule.run(
          ++ruleId,
          chainId,
          rule.position,
          rule.handle,
          rule.text,
          rule.counter?.packets ?? null,
          rule.counter?.bytes ?? null,
          rule.comment,
          matchText(rule.statements),
          verdict?.kind ?? null,
          verdict?.target ?? null,
          rule.source.line,
          rule.source.pointer ?? null,
        );
      }
      tick(chain.rules.length + 1);
    }
  }
}

function writeNode(s: Prepared, snapshotId: number, node: NodeData, rulesetId: number | null, rulesetFile: string | null, tick: (n?: number) => void): void {
  const nodeId = Number(s.node.run(snapshotId, node.name, rulesetId, rulesetFile, json(node.sysctls)).lastInsertRowid);
  const writeLinks = (netns: string | null, interfaces: NodeData['interfaces'], addresses: NodeData['addresses'], routes: NodeData['routes']) => {
    for (const i of interfaces) {
      s.iface.run(nodeId, netns, i.ifindex, i.name, i.kind, i.mtu, i.mac, i.state, json(i.flags), i.master, i.peerIfindex, i.linkNetnsName, i.linkNetnsId, i.vxlan ? json(i.vxlan) : null, ...src(i.source));
    }
    for (const a of addresses) s.address.run(nodeId, netns, a.ifname, a.ifindex, a.family, a.address, a.prefixLen, a.scope, ...src(a.source));
    for (const r of routes) {
      s.route.run(nodeId, netns, r.family, r.table, r.type, r.dst, r.gateway, r.dev, r.protocol, r.scope, r.prefsrc, r.metric, json(r.flags), ...src(r.source));
    }
    tick(interfaces.length + addresses.length + routes.length);
  };
  writeLinks(null, node.interfaces, node.addresses, node.routes);
  for (const ns of node.namespaces) writeLinks(ns.name, ns.interfaces, ns.addresses, ns.routes);
  for (const r of node.ipRules) s.ipRule.run(nodeId, r.family, r.priority, r.src, r.dst, r.fwmark, r.iif, r.oif, r.table, r.action, r.not ? 1 : 0, ...src(r.source));
  for (const n of node.neighbours) s.neighbour.run(nodeId, n.dst, n.dev, n.lladdr, json(n.state), ...src(n.source));
  for (const f of node.fdb) s.fdb.run(nodeId, f.mac, f.dev, f.dst, f.master, f.vlan, json(f.flags), f.state, ...src(f.source));
  const captured = new Set(node.namespaces.map((ns) => ns.name));
  for (const ns of node.netns) s.netns.run(nodeId, ns.name, ns.nsid, ns.name !== null && captured.has(ns.name) ? 1 : 0, ns.source.file, ns.source.line);
  for (const b of node.sandboxes) s.sandbox.run(nodeId, b.id, b.podName, b.namespace, b.podUid, b.state, b.netnsPath, b.ip, ...src(b.source));
  tick(node.ipRules.length + node.neighbours.length + node.fdb.length + node.netns.length + node.sandboxes.length);
}

function writeCluster(s: Prepared, snapshotId: number, parsed: ParsedBundle, tick: (n?: number) => void): void {
  const { services, endpointSlices, pods, nodes, events } = parsed.cluster;
  for (const svc of services) {
    const id = Number(
      s.service.run(
        snapshotId, svc.namespace, svc.name, svc.uid, svc.type, json(svc.clusterIPs), json(svc.externalIPs), json(svc.loadBalancerIPs),
        json(svc.loadBalancerSourceRanges), svc.selector ? json(svc.selector) : null, svc.externalTrafficPolicy, svc.internalTrafficPolicy,
        svc.sessionAffinity, svc.sessionAffinityTimeout, svc.healthCheckNodePort, svc.externalName, json(svc.annotations), ...src(svc.source),
      ).lastInsertRowid,
    );
    svc.ports.forEach((p, i) => s.servicePort.run(id, i, p.name, p.protocol, p.port, p.targetPort === null ? null : String(p.targetPort), p.nodePort));
  }
  for (const slice of endpointSlices) {
    const id = Number(
      s.slice.run(snapshotId, slice.namespace, slice.name, slice.serviceName, slice.addressType, slice.legacy ? 1 : 0, json(slice.ports), ...src(slice.source)).lastInsertRowid,
    );
    slice.endpoints.forEach((e, i) =>
      s.endpoint.run(id, i, json(e.addresses), bool(e.ready), bool(e.serving), bool(e.terminating), e.nodeName, e.podNamespace, e.podName, e.zone),
    );
  }
  for (const p of pods) {
    s.pod.run(snapshotId, p.namespace, p.name, p.uid, p.nodeName, json(p.podIPs), p.hostIP, p.hostNetwork ? 1 : 0, p.phase, json(p.labels), json(p.containers), ...src(p.source));
  }
  for (const n of nodes) s.kubeNode.run(snapshotId, n.name, json(n.addresses), json(n.podCIDRs), json(n.annotations), json(n.labels), ...src(n.source));
  for (const e of events) {
    s.event.run(snapshotId, e.namespace, e.involvedKind, e.involvedNamespace, e.involvedName, e.type, e.reason, e.message, e.component, e.count, e.lastTimestamp, ...src(e.source));
  }
  tick(services.length + endpointSlices.length + pods.length + nodes.length + events.length);
}
