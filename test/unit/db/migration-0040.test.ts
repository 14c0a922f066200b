import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { currentVersion, migrate } from '../../../db/migrations';
import { explain } from './helpers';

function atVersion30(): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, undefined, 30);
  db.prepare(`INSERT INTO blobs (hash, size, content) VALUES ('abc', 3, ?), ('def', 2, ?)`).run(Buffer.from('abc'), Buffer.from('de'));
  db.exec(`
    INSERT INTO snapshots (id, name, content_hash, source_kind, imported_at, size_bytes) VALUES (1, 's', 'h', 'folder', 'now', 5);
    INSERT INTO files (id, snapshot_id, path, kind, blob_hash, size) VALUES (1, 1, 'nodes/n1/nft-ruleset.txt', 'nft-text', 'abc', 3);
    INSERT INTO nft_rulesets (id, content_hash, format) VALUES (1, 'abc', 'nft-text');
    INSERT INTO nft_tables (id, ruleset_id, family, name, comment, line, pointer) VALUES (1, 1, 'ip', 'nat', NULL, 1, NULL);
    INSERT INTO nft_chains (id, table_id, name, type, hook, priority, device, policy, comment, line, pointer)
      VALUES (1, 1, 'KUBE-SERVICES', NULL, NULL, NULL, NULL, NULL, NULL, 2, NULL);
    INSERT INTO nft_rules (id, chain_id, position, handle, text, packets, bytes, comment, match_text, verdict_kind, verdict_target, line, pointer)
      VALUES (7, 1, 0, NULL, 'ip daddr 10.96.0.10 counter packets 1 bytes 60 jump KUBE-SVC-X', 1, 60, NULL, 'ip daddr 10.96.0.10', 'jump', 'KUBE-SVC-X', 3, NULL);
    INSERT INTO pods (id, snapshot_id, namespace, name, pod_ips_json, host_network, labels_json, containers_json, file, line)
      VALUES (1, 1, 'default', 'nginx', '[]', 0, '{}', '[]', 'cluster/pods.json', 1);
  `);
  return db;
}

const rows = (db: Database.Database, table: string) => db.prepare(`SELECT * FROM ${table} ORDER BY 1`).all();
const indexesOf = (db: Database.Database, table: string) =>
  db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name`).all(table);

describe('migration 40: cheaper import writes', () => {
  it('rebuilds blobs as a rowid table with the same rows, still the parent of files', () => {
    const db = atVersion30();
    const before = rows(db, 'blobs');

    migrate(db, undefined, 40);

    expect(currentVersion(db)).toBe(40);
    expect(rows(db, 'blobs')).toEqual(before);
    expect(db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'blobs'`).pluck().get()).not.toMatch(/WITHOUT ROWID/);
    expect(() => db.prepare(`INSERT INTO files (snapshot_id, path, kind, blob_hash, size) VALUES (1, 'x', 'other', 'missing', 0)`).run()).toThrow(/FOREIGN KEY/);
    expect(explain(db, 'SELECT size FROM blobs WHERE hash = ?', ['abc'])).toMatch(/USING INDEX sqlite_autoindex_blobs_1/);
    db.close();
  });

  it('drops nft_rules.match_text and keeps every other column of every rule', () => {
    const db = atVersion30();
    const before = (rows(db, 'nft_rules') as Record<string, unknown>[]).map(({ match_text: _, ...rest }) => rest);

    migrate(db, undefined, 40);

    expect(rows(db, 'nft_rules')).toEqual(before);
    db.close();
  });

  it('keeps only the chain and pod indexes a query or a cascade uses', () => {
    const db = atVersion30();
    migrate(db, undefined, 40);
    expect(indexesOf(db, 'nft_chains')).toEqual([{ name: 'nft_chains_by_table', sql: 'CREATE INDEX nft_chains_by_table ON nft_chains (table_id)' }]);
    expect(indexesOf(db, 'pods')).toEqual([{ name: 'pods_by_snapshot', sql: 'CREATE INDEX pods_by_snapshot ON pods (snapshot_id)' }]);
    const pods = explain(db, 'SELECT * FROM pods WHERE snapshot_id = ? ORDER BY id', [1]);
    expect(pods).toMatch(/USING INDEX pods_by_snapshot/);
    expect(pods).not.toMatch(/TEMP B-TREE/);
    db.exec('DELETE FROM snapshots');
    expect(rows(db, 'pods')).toEqual([]);
    db.close();
  });
});
