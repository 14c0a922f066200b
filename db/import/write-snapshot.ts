import type { Statement } from 'better-sqlite3';
import type { NodeData } from '../../renderer/src/analysis/model';
import type { WritableDB } from '../connection';
import { sql, sqlId, type SqlValue } from '../sql';
import { BatchedInsert } from './batched-insert';
import { CLUSTER_TABLES, isTopLevel, rowWidth, type ClusterRows, type ClusterTable } from './cluster-rows';
import { copyStagedTable } from './cluster-staging';
import { RowCount } from './row-count';
import { jsonColumn, sourceColumns } from './column-values';
import type { ParsedBundle } from './parse-bundle';

/** A parsed bundle as the importer writes it: the cluster already encoded as table rows, or null when they are in the attached staging file. */
export type BundleRows = Omit<ParsedBundle, 'cluster'> & { cluster: ClusterRows | null };


/**
 * Statements prepared once per import. Every insert of the import goes through these, through
 * RulesetWriter's for the rulesets (written while they are parsed, before the rest), or through
 * cluster-staging's copies of the worker's rows; SQL lives in those places only (BatchedInsert
 * spells out the INSERTs of the tables given to it). The big tables are written in batches, with
 * ids the importer assigns, following on from the largest id already there (`lastId`).
 */
function prepare(db: WritableDB) {
  const p = (text: string): Statement => db.prepare(text);
  const lastId = (table: string) => p(sql`SELECT coalesce(max(id), 0) FROM ${sqlId(table)}`[0]).pluck();
  return {
    snapshot: p(`INSERT INTO snapshots (name, content_hash, source_path, source_kind, created_at, imported_at, size_bytes, format_version, collector, manifest_json)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    blob: p(`INSERT OR IGNORE INTO blobs (hash, size, content) VALUES (?, ?, ?)`),
    file: p(`INSERT INTO files (snapshot_id, path, node, netns, kind, blob_hash, size, command, exit_code, duration_ms, stderr)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    diagnostic: p(`INSERT INTO diagnostics (snapshot_id, file, line, col, severity, code, message, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
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
    cluster: mapValues(CLUSTER_TABLES, ({ table, parent, columns }) => ({
      lastId: lastId(table),
      insert: new BatchedInsert(db, table, ['id', parent, ...columns]),
    })),
  };
}

function mapValues<K extends string, V, W>(record: Record<K, V>, f: (value: V) => W): Record<K, W> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v as V)])) as Record<K, W>;
}

type Prepared = ReturnType<typeof prepare>;

/** Writes one parsed bundle as a new snapshot. The caller wraps it in the import's transaction. */
export function writeSnapshot(
  db: WritableDB,
  parsed: BundleRows,
  name: string,
  rows: RowCount = new RowCount(),
): number {
  const s = prepare(db);
  const tick = (n = 1) => rows.add(n);
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
      manifest ? jsonColumn(manifest) : null,
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

  for (const node of parsed.nodes) {
    const ruleset = parsed.rulesets.get(node.name);
    if (ruleset && !ruleset.stored) throw new Error(`the ruleset of node ${node.name} was parsed without a store: its rules are not written`);
    writeNode(s, snapshotId, node, ruleset?.stored?.rulesetId ?? null, ruleset?.file ?? null, tick);
  }
  writeCluster(s, db, snapshotId, parsed.cluster, tick);
  rows.report();
  return snapshotId;
}

function writeNode(s: Prepared, snapshotId: number, node: NodeData, rulesetId: number | null, rulesetFile: string | null, tick: (n?: number) => void): void {
  const nodeId = Number(s.node.run(snapshotId, node.name, rulesetId, rulesetFile, jsonColumn(node.sysctls)).lastInsertRowid);
  const writeLinks = (netns: string | null, interfaces: NodeData['interfaces'], addresses: NodeData['addresses'], routes: NodeData['routes']) => {
    for (const i of interfaces) {
      s.iface.run(nodeId, netns, i.ifindex, i.name, i.kind, i.mtu, i.mac, i.state, jsonColumn(i.flags), i.master, i.peerIfindex, i.linkNetnsName, i.linkNetnsId, i.vxlan ? jsonColumn(i.vxlan) : null, ...sourceColumns(i.source));
    }
    for (const a of addresses) s.address.run(nodeId, netns, a.ifname, a.ifindex, a.family, a.address, a.prefixLen, a.scope, ...sourceColumns(a.source));
    for (const r of routes) {
      s.route.run(nodeId, netns, r.family, r.table, r.type, r.dst, r.gateway, r.dev, r.protocol, r.scope, r.prefsrc, r.metric, jsonColumn(r.flags), ...sourceColumns(r.source));
    }
    tick(interfaces.length + addresses.length + routes.length);
  };
  writeLinks(null, node.interfaces, node.addresses, node.routes);
  for (const ns of node.namespaces) writeLinks(ns.name, ns.interfaces, ns.addresses, ns.routes);
  for (const r of node.ipRules) s.ipRule.run(nodeId, r.family, r.priority, r.src, r.dst, r.fwmark, r.iif, r.oif, r.table, r.action, r.not ? 1 : 0, ...sourceColumns(r.source));
  for (const n of node.neighbours) s.neighbour.run(nodeId, n.dst, n.dev, n.lladdr, jsonColumn(n.state), ...sourceColumns(n.source));
  for (const f of node.fdb) s.fdb.run(nodeId, f.mac, f.dev, f.dst, f.master, f.vlan, jsonColumn(f.flags), f.state, ...sourceColumns(f.source));
  const captured = new Set(node.namespaces.map((ns) => ns.name));
  for (const ns of node.netns) s.netns.run(nodeId, ns.name, ns.nsid, ns.name !== null && captured.has(ns.name) ? 1 : 0, ns.source.file, ns.source.line);
  for (const b of node.sandboxes) s.sandbox.run(nodeId, b.id, b.podName, b.namespace, b.podUid, b.state, b.netnsPath, b.ip, ...sourceColumns(b.source));
  tick(node.ipRules.length + node.neighbours.length + node.fdb.length + node.netns.length + node.sandboxes.length);
}

/**
 * Writes the cluster tables from their encoded rows (or copies them from the staging file), ports
 * and endpoints under their Service's and slice's ids.
 */
function writeCluster(s: Prepared, db: WritableDB, snapshotId: number, rows: ClusterRows | null, tick: (n?: number) => void): void {
  const write = (key: keyof ClusterRows, parentId: number): number => {
    const firstId = (s.cluster[key].lastId.get() as number) + 1;
    tick(rows ? writeRows(s.cluster[key].insert, CLUSTER_TABLES[key], rows[key], firstId, parentId) : copyStagedTable(db, key, firstId, parentId));
    return firstId;
  };
  const firstServiceId = write('services', snapshotId);
  write('servicePorts', firstServiceId);
  const firstSliceId = write('endpointSlices', snapshotId);
  write('endpoints', firstSliceId);
  write('pods', snapshotId);
  write('nodes', snapshotId);
  write('events', snapshotId);
}

/**
 * Writes a cluster table's rows from its flat list: row n (from 0) gets id `firstId + n` and, as
 * its parent, `parentId` for a top-level table (the snapshot), else `parentId` plus its parent
 * index (as copyStagedTable does). Returns the number of rows.
 */
function writeRows(insert: BatchedInsert, table: ClusterTable, values: readonly SqlValue[], firstId: number, parentId: number): number {
  const width = rowWidth(table);
  const topLevel = isTopLevel(table);
  const row: SqlValue[] = new Array(width + 1);
  for (let at = 0, id = firstId; at < values.length; at += width, id++) {
    row[0] = id;
    row[1] = topLevel ? parentId : parentId + (values[at] as number);
    for (let i = 1; i < width; i++) row[i + 1] = values[at + i];
    insert.add(row);
  }
  insert.flush();
  return values.length / width;
}
