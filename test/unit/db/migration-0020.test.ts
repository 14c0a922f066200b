import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { currentVersion, migrate } from '../../../db/migrations';

describe('migration 20: rule statements are no longer stored', () => {
  it('drops nft_rules.statements_json and keeps every rule row intact', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, undefined, 10);
    db.exec(`
      INSERT INTO nft_rulesets (id, content_hash, format) VALUES (1, 'abc', 'nft-text');
      INSERT INTO nft_tables (id, ruleset_id, family, name, comment, line, pointer) VALUES (1, 1, 'ip', 'nat', NULL, 1, NULL);
      INSERT INTO nft_chains (id, table_id, name, type, hook, priority, device, policy, comment, line, pointer)
        VALUES (1, 1, 'KUBE-SERVICES', NULL, NULL, NULL, NULL, NULL, NULL, 2, NULL);
      INSERT INTO nft_rules (id, chain_id, position, handle, text, packets, bytes, comment, verdict_kind, verdict_target, statements_json, line, pointer)
        VALUES (7, 1, 0, 12, 'counter packets 1 bytes 60 jump KUBE-NODEPORTS', 1, 60, NULL, 'jump', 'KUBE-NODEPORTS', '[]', 3, NULL);
    `);

    migrate(db, undefined, 20);

    expect(currentVersion(db)).toBe(20);
    const columns = (db.prepare('PRAGMA table_info(nft_rules)').all() as { name: string }[]).map((c) => c.name);
    expect(columns).not.toContain('statements_json');
    expect(db.prepare('SELECT * FROM nft_rules').all()).toEqual([
      {
        id: 7,
        chain_id: 1,
        position: 0,
        handle: 12,
        text: 'counter packets 1 bytes 60 jump KUBE-NODEPORTS',
        packets: 1,
        bytes: 60,
        comment: null,
        verdict_kind: 'jump',
        verdict_target: 'KUBE-NODEPORTS',
        line: 3,
        pointer: null,
      },
    ]);
    db.close();
  });
});
