import Database from 'better-sqlite3';
import type { WritableDB } from '../connection';
import { sql, sqlFragment, sqlId, sqlJoin } from '../sql';
import { BatchedInsert } from './batched-insert';
import { CLUSTER_TABLES, isTopLevel, rowWidth, type ClusterRows } from './cluster-rows';

// The cluster worker's rows reach the import's connection through a staging database: the worker
// writes them into a scratch SQLite file of its own, and the import copies each table over with
// one INSERT … SELECT that assigns ids and parent ids as it goes. Binding a hundred thousand rows
// of kubectl data value by value cost the import's thread more than anything but the rulesets,
// and the rows first had to cross the thread boundary as a structured clone; SQLite copies them
// table to table several times faster, and the worker binds them while the rulesets still parse.
//
// A staging table holds one table's rows of a ClusterRows list, in order: `parent` (the row's
// parent index, as in the list) and the table's columns, untyped and unconstrained.

/** The schema name the import attaches the staging file under. */
export const STAGING_SCHEMA = 'cluster_staging';

type TableKey = keyof ClusterRows;

/** Attaches a staging file to the import's connection, as STAGING_SCHEMA (before the import's transaction). */
export function attachStaging(db: WritableDB, path: string): void {
  const [text, params] = sql`ATTACH DATABASE ${path} AS ${sqlId(STAGING_SCHEMA)}`;
  db.prepare(text).run(...params);
}

/** Detaches the staging file (after the import's transaction), so that it can be deleted. */
export function detachStaging(db: WritableDB): void {
  db.exec(sql`DETACH DATABASE ${sqlId(STAGING_SCHEMA)}`[0]);
}

/** Writes encoded cluster rows into a new staging file (worker side). */
export function writeStagedCluster(path: string, rows: ClusterRows): void {
  const db = new Database(path);
  try {
    // A scratch file, read once and deleted: nothing to journal or sync.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.transaction(() => {
      for (const key of Object.keys(CLUSTER_TABLES) as TableKey[]) {
        const table = CLUSTER_TABLES[key];
        const columns = ['parent', ...table.columns];
        db.exec(sql`CREATE TABLE ${sqlId(key)} (${sqlJoin(columns.map(sqlId))})`[0]);
        const insert = new BatchedInsert(db as WritableDB, key, columns);
        const values = rows[key];
        const width = rowWidth(table);
        for (let at = 0; at < values.length; at += width) insert.add(values.slice(at, at + width));
        insert.flush();
      }
    })();
  } finally {
    db.close();
  }
}

/**
 * Copies one staged table into its library table (import side, in the import's transaction):
 * row n (from 0) gets id `firstId + n`, and its parent `parentId + parent`, or `parentId` itself
 * for a top-level table (the snapshot). Returns the number of rows.
 */
export function copyStagedTable(db: WritableDB, key: TableKey, firstId: number, parentId: number): number {
  const table = CLUSTER_TABLES[key];
  const topLevel = isTopLevel(table);
  const columns = table.columns.map(sqlId);
  const [text, params] = sql`
    INSERT INTO ${sqlId(table.table)} (id, ${sqlId(table.parent)}, ${sqlJoin(columns)})
    SELECT ${firstId} - 1 + rowid, ${topLevel ? sqlFragment`${parentId}` : sqlFragment`${parentId} + parent`}, ${sqlJoin(columns)}
    FROM ${sqlId(STAGING_SCHEMA)}.${sqlId(key)} ORDER BY rowid`;
  return db.prepare(text).run(...params).changes;
}
