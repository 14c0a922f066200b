import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { currentVersion, migrate } from '../../../db/migrations';
import { explain } from './helpers';

const RULESET = `table ip nat {
\tchain KUBE-SERVICES {
\t\tip daddr 10.96.0.10 tcp dport 53 counter packets 1 bytes 60 jump KUBE-SVC-X
\t\tcounter packets 2 bytes 120 jump KUBE-NODEPORTS
\t}
}
`;

function atVersion20(): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, undefined, 20);
  db.prepare(`INSERT INTO blobs (hash, size, content) VALUES ('abc', ?, ?)`).run(RULESET.length, Buffer.from(RULESET));
  db.exec(`
    INSERT INTO nft_rulesets (id, content_hash, format) VALUES (1, 'abc', 'nft-text');
    INSERT INTO nft_tables (id, ruleset_id, family, name, comment, line, pointer) VALUES (1, 1, 'ip', 'nat', NULL, 1, NULL);
    INSERT INTO nft_chains (id, table_id, name, type, hook, priority, device, policy, comment, line, pointer)
      VALUES (1, 1, 'KUBE-SERVICES', NULL, NULL, NULL, NULL, NULL, NULL, 2, NULL);
    INSERT INTO nft_rules (id, chain_id, position, handle, text, packets, bytes, comment, verdict_kind, verdict_target, line, pointer) VALUES
      (7, 1, 0, NULL, 'ip daddr 10.96.0.10 tcp dport 53 counter packets 1 bytes 60 jump KUBE-SVC-X', 1, 60, NULL, 'jump', 'KUBE-SVC-X', 3, NULL),
      (8, 1, 1, NULL, 'counter packets 2 bytes 120 jump KUBE-NODEPORTS', 2, 120, NULL, 'jump', 'KUBE-NODEPORTS', 4, NULL);
  `);
  return db;
}

describe('migration 30: rules keyed by (chain_id, position), with their match text', () => {
  it('rebuilds nft_rules without a rowid, keeping every row and column, and fills match_text from the stored ruleset', () => {
    const db = atVersion20();
    const before = db.prepare('SELECT * FROM nft_rules ORDER BY chain_id, position').all();

    migrate(db, undefined, 30);

    expect(currentVersion(db)).toBe(30);
    const table = db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'nft_rules'`).pluck().get() as string;
    expect(table).toMatch(/PRIMARY KEY \(chain_id, position\)\s*\) WITHOUT ROWID/);
    const indexes = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'nft_rules' AND sql IS NOT NULL`).pluck().all();
    expect(indexes).toEqual([]);
    const after = db.prepare('SELECT * FROM nft_rules ORDER BY chain_id, position').all() as Record<string, unknown>[];
    expect(after.map(({ match_text: _, ...rest }) => rest)).toEqual(before);
    expect(after.map((r) => r.match_text)).toEqual(['ip daddr 10.96.0.10 tcp dport 53', null]);
    db.close();
  });

  it('keeps the cascade from chains to rules', () => {
    const db = atVersion20();
    migrate(db, undefined, 30);
    db.exec('DELETE FROM nft_chains WHERE id = 1');
    expect(db.prepare('SELECT count(*) FROM nft_rules').pluck().get()).toBe(0);
    db.close();
  });

  it('reads rules by chain and the next rule id through the primary key', () => {
    const db = new Database(':memory:');
    migrate(db, undefined, 30);
    expect(explain(db, 'SELECT * FROM nft_rules WHERE chain_id = ? ORDER BY position', [1])).toMatch(/SEARCH nft_rules USING PRIMARY KEY \(chain_id=\?\)/);
    const nextId = explain(db, 'SELECT coalesce(max(id), 0) FROM nft_rules WHERE chain_id = (SELECT max(chain_id) FROM nft_rules)');
    expect(nextId).toMatch(/SEARCH nft_rules USING PRIMARY KEY/);
    expect(nextId).not.toMatch(/SCAN nft_rules/);
    db.close();
  });
});
