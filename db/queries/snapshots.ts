import { all, get, type ReadableDB, type WritableDB } from '../connection';
import { sql, sqlFragment } from '../sql';
import type { SnapshotSummary } from '../api-types';

export type { SnapshotSummary };


interface SnapshotRow {
  id: number;
  name: string;
  source_kind: string;
  source_path: string | null;
  created_at: string | null;
  imported_at: string;
  size_bytes: number;
  collector: string | null;
  nodes: string | null;
  services: number;
  rules: number;
  errors: number;
  warnings: number;
}

const SUMMARY = sqlFragment`
  SELECT s.id, s.name, s.source_kind, s.source_path, s.created_at, s.imported_at, s.size_bytes, s.collector,
    (SELECT group_concat(name, char(10)) FROM (SELECT name FROM nodes WHERE snapshot_id = s.id ORDER BY name)) AS nodes,
    (SELECT count(*) FROM services WHERE snapshot_id = s.id) AS services,
    (SELECT count(*) FROM nodes n JOIN nft_tables t ON t.ruleset_id = n.ruleset_id JOIN nft_chains c ON c.table_id = t.id
       JOIN nft_rules r ON r.chain_id = c.id WHERE n.snapshot_id = s.id) AS rules,
    (SELECT count(*) FROM diagnostics WHERE snapshot_id = s.id AND severity = 'error') AS errors,
    (SELECT count(*) FROM diagnostics WHERE snapshot_id = s.id AND severity = 'warning') AS warnings
  FROM snapshots s`;

function toSummary(row: SnapshotRow): SnapshotSummary {
  return {
    id: row.id,
    name: row.name,
    sourceKind: row.source_kind,
    sourcePath: row.source_path,
    createdAt: row.created_at,
    importedAt: row.imported_at,
    sizeBytes: row.size_bytes,
    collector: row.collector,
    nodes: row.nodes ? row.nodes.split('\n') : [],
    services: row.services,
    rules: row.rules,
    errors: row.errors,
    warnings: row.warnings,
  };
}

export function listSnapshots(db: ReadableDB): SnapshotSummary[] {
  return all<SnapshotRow>(db, sql`${SUMMARY} ORDER BY s.id`).map(toSummary);
}

/** Finds a snapshot by id or by name; null when there is none. */
export function findSnapshot(db: ReadableDB, idOrName: string | number): SnapshotSummary | null {
  const asId = typeof idOrName === 'number' ? idOrName : /^\d+$/.test(idOrName) ? Number(idOrName) : null;
  const byName = get<SnapshotRow>(db, sql`${SUMMARY} WHERE s.name = ${String(idOrName)}`);
  if (byName) return toSummary(byName);
  if (asId === null) return null;
  const byId = get<SnapshotRow>(db, sql`${SUMMARY} WHERE s.id = ${asId}`);
  return byId ? toSummary(byId) : null;
}

/** Deletes a snapshot and whatever it alone referenced (shared rulesets and blobs stay while used). */
export function deleteSnapshot(db: WritableDB, id: number): boolean {
  return db.transaction(() => {
    const removed = db.prepare('DELETE FROM snapshots WHERE id = ?').run(id).changes > 0;
    db.prepare('DELETE FROM nft_rulesets WHERE id NOT IN (SELECT ruleset_id FROM nodes WHERE ruleset_id IS NOT NULL)').run();
    db.prepare('DELETE FROM blobs WHERE hash NOT IN (SELECT blob_hash FROM files)').run();
    return removed;
  })();
}
