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

  it('writes a parent batch first whenever a batch of rows that refer to it is written, however few rows it holds', () => {
    const db = new Database(':memory:') as WritableDB;
    db.pragma('foreign_keys = ON');
    db.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id))');
    const parents = new BatchedInsert(db, 'parent', ['id']);
    const children = new BatchedInsert(db, 'child', ['id', 'parent_id'], parents);
    // parent k has k % 5 children: the children's batch fills with 0 to a few parents pending
    let childId = 0;
    for (let k = 1; k <= 2000; k++) {
      parents.add([k]);
      for (let i = 0; i < k % 5; i++) children.add([++childId, k]);
    }
    children.flush();
    expect(db.prepare('SELECT count(*) FROM parent').pluck().get()).toBe(2000);
    expect(db.prepare('SELECT count(*) FROM child').pluck().get()).toBe(childId);
    db.close();
  });

  it('writes a column NULL in every row of a batch as NULL, not as the column default, and mixes such batches with others', () => {
    const db = new Database(':memory:') as WritableDB;
    db.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT DEFAULT 'default', b INTEGER DEFAULT 7, c TEXT)`);
    const insert = new BatchedInsert(db, 't', ['id', 'a', 'b', 'c']);
    const perBatch = Math.floor(MAX_VARIABLES / 4);
    // batch 1: a and c NULL throughout; batch 2: b NULL throughout; the remainder: nothing NULL throughout
    const rows = Array.from({ length: perBatch * 2 + 3 }, (_, i) => {
      const batch = Math.floor(i / perBatch);
      return { id: i + 1, a: batch === 0 ? null : `a${i}`, b: batch === 1 ? null : i, c: batch === 0 ? null : i % 2 ? `c${i}` : null };
    });
    for (const r of rows) insert.add([r.id, r.a, r.b, r.c]);
    insert.flush();
    expect(db.prepare('SELECT id, a, b, c FROM t ORDER BY id').all()).toEqual(rows);
    db.close();
  });
});
