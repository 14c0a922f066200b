import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { expect } from 'vitest';

export function tempDir(prefix = 'knp-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Row counts of every table: equal before and after means a failed import changed nothing. */
export function tableCounts(db: Database.Database): Record<string, number> {
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[];
  return Object.fromEntries(tables.map(({ name }) => [name, (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n]));
}

/** The plan SQLite picks for a query, flattened to one string, for index assertions. */
export function explain(db: Database.Database, query: string, params: unknown[] = []): string {
  return (db.prepare(`EXPLAIN QUERY PLAN ${query}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('\n');
}

/**
 * Each table's row count and a digest of its rows in primary-key order, import timestamps left
 * out: equal digests mean the same library (cheap to compare for hundreds of thousands of rows).
 */
export function tableDigests(db: Database.Database): Record<string, string> {
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all() as string[];
  return Object.fromEntries(
    tables.map((name) => {
      const key = (db.prepare(`SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`).pluck().all(name) as string[]).map((c) => `"${c}"`);
      const hash = createHash('sha256');
      let count = 0;
      const rows = db.prepare(`SELECT * FROM "${name}" ORDER BY ${key.length ? key.join(', ') : 'rowid'}`).iterate() as Iterable<Record<string, unknown>>;
      for (const { imported_at: _, ...row } of rows) {
        hash.update(JSON.stringify(row, (_key, value: unknown) => (Buffer.isBuffer(value) ? value.toString('base64') : value)));
        count++;
      }
      return [name, `${count} rows ${hash.digest('hex')}`];
    }),
  );
}

/** No row refers to a row that is not there: imports run without foreign-key enforcement, so the tests check after them. */
export function expectNoDanglingReferences(db: Database.Database): void {
  expect(db.pragma('foreign_key_check')).toEqual([]);
}
