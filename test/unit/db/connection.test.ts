import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openWritable, PAGE_SIZE } from '../../../db/connection';
import { tempDir } from './helpers';

describe('openWritable', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('creates a new library in WAL mode with the import-friendly page size', () => {
    const db = openWritable(join(tmp.dir, 'new.sqlite'));
    expect(db.pragma('page_size', { simple: true })).toBe(PAGE_SIZE);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('leaves the page size of an existing library as it was', () => {
    const file = join(tmp.dir, 'old.sqlite');
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.exec('CREATE TABLE t (x)');
    const before = old.pragma('page_size', { simple: true });
    old.close();
    const db = openWritable(file);
    expect(db.pragma('page_size', { simple: true })).toBe(before);
    expect(before).not.toBe(PAGE_SIZE);
    db.close();
  });
});
