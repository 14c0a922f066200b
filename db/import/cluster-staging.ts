import Database from 'better-sqlite3';
import type { WritableDB } from '../connection';
import { sql, sqlFragment, sqlId, sqlJoin, type SqlValue } from '../sql';
import { BatchedInsert } from './batched-insert';
import { CLUSTER_TABLES, isTopLevel, TABLE_KEYS, type ClusterRowSink, type ClusterTableKey, type RowMark } from './cluster-rows';

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

/** Attaches a staging file to the import's connection, as STAGING_SCHEMA (before the import's transaction). */
export function attachStaging(db: WritableDB, path: string): void {
  const [text, params] = sql`ATTACH DATABASE ${path} AS ${sqlId(STAGING_SCHEMA)}`;
  db.prepare(text).run(...params);
}

/** Detaches the staging file (after the import's transaction), so that it can be deleted. */
export function detachStaging(db: WritableDB): void {
  db.exec(sql`DETACH DATABASE ${sqlId(STAGING_SCHEMA)}`[0]);
}

/**
 * A new staging file taking the rows as the worker encodes them (worker side): one transaction,
 * committed by finish(). A staging table's rowids are its rows' order, 1 on: copyStagedTable
 * derives ids from them, so a rollback deletes from the end and the next row follows on.
 */
export class StagingWriter implements ClusterRowSink {
  private readonly db: Database.Database;
  private readonly inserts = {} as Record<ClusterTableKey, BatchedInsert>;
  private counts = {} as Record<ClusterTableKey, number>;

  constructor(path: string) {
    this.db = new Database(path);
    try {
      // A scratch file, read once and deleted: nothing to journal or sync.
      this.db.pragma('journal_mode = OFF');
      this.db.pragma('synchronous = OFF');
      this.db.exec('BEGIN');
      for (const key of TABLE_KEYS) {
        const columns = ['parent', ...CLUSTER_TABLES[key].columns];
        this.db.exec(sql`CREATE TABLE ${sqlId(key)} (${sqlJoin(columns.map(sqlId))})`[0]);
        this.inserts[key] = new BatchedInsert(this.db as WritableDB, key, columns);
        this.counts[key] = 0;
      }
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  count(key: ClusterTableKey): number {
    return this.counts[key];
  }

  add(key: ClusterTableKey, row: readonly SqlValue[]): void {
    this.inserts[key].add(row);
    this.counts[key]++;
  }

  mark(): RowMark {
    return { ...this.counts };
  }

  rollback(mark: RowMark): void {
    for (const key of TABLE_KEYS) {
      this.inserts[key].flush();
      const [text, params] = sql`DELETE FROM ${sqlId(key)} WHERE rowid > ${mark[key]}`;
      this.db.prepare(text).run(...params);
    }
    this.counts = { ...mark };
  }

  /** Writes the rows still batched and commits them. */
  finish(): void {
    for (const key of TABLE_KEYS) this.inserts[key].flush();
    this.db.exec('COMMIT');
  }

  close(): void {
    this.db.close();
  }
}

/**
 * Copies one staged table into its library table (import side, in the import's transaction):
 * row n (from 0) gets id `firstId + n`, and its parent `parentId + parent`, or `parentId` itself
 * for a top-level table (the snapshot). Returns the number of rows.
 */
export function copyStagedTable(db: WritableDB, key: ClusterTableKey, firstId: number, parentId: number): number {
  const table = CLUSTER_TABLES[key];
  const topLevel = isTopLevel(table);
  const columns = table.columns.map(sqlId);
  const [text, params] = sql`
    INSERT INTO ${sqlId(table.table)} (id, ${sqlId(table.parent)}, ${sqlJoin(columns)})
    SELECT ${firstId} - 1 + rowid, ${topLevel ? sqlFragment`${parentId}` : sqlFragment`${parentId} + parent`}, ${sqlJoin(columns)}
    FROM ${sqlId(STAGING_SCHEMA)}.${sqlId(key)} ORDER BY rowid`;
  return db.prepare(text).run(...params).changes;
}
