import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { WritableDB } from '../../../db/connection';
import { BatchedInsert } from '../../../db/import/batched-insert';
import { MAX_VARIABLES } from '../../../db/sql';

describe('BatchedInsert', () => {
  it('writes every row, in order, across full batches and the remainder flush() writes', () => {
    const db = new Database(':memory:') as WritableDB;
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, label TEXT, n INTEGER)');
    const insert = new BatchedInsert(db, 't', ['id', 'label', 'n']);
    const perBatch = Math.floor(MAX_VARIABLES / 3);
    const rows = Array.from({ length: perBatch * 2 + 5 }, (_, i) => ({ id: i + 1, label: `row ${i}`, n: i % 7 === 0 ? null : i }));
    for (const r of rows.slice(0, perBatch * 2)) insert.add([r.id, r.label, r.n]);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(perBatch * 2);
    for (const r of rows.slice(perBatch * 2)) insert.add([r.id, r.label, r.n]);
    insert.flush();
    insert.flush();
    expect(db.prepare('SELECT id, label, n FROM t ORDER BY id').all()).toEqual(rows);
    db.close();
  });
});
