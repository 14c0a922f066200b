import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { currentVersion, DBVersionFromFutureError, latestVersion, migrate, SCHEMA_VERSIONS } from '../../../db/migrations';
import { explain } from './helpers';

describe('migrations', () => {
  it('brings a new database to the latest version with foreign keys that cascade', () => {
    const db = new Database(':memory:');
    migrate(db);
    expect(currentVersion(db)).toBe(latestVersion());
    expect(SCHEMA_VERSIONS.every((v) => v.version % 10 === 0)).toBe(true);
    db.close();
  });

  it('is idempotent: running it again changes nothing', () => {
    const db = new Database(':memory:');
    migrate(db);
    const schema = db.prepare('SELECT sql FROM sqlite_master ORDER BY name').all();
    migrate(db);
    expect(db.prepare('SELECT sql FROM sqlite_master ORDER BY name').all()).toEqual(schema);
  });

  it('refuses a library written by a newer version', () => {
    const db = new Database(':memory:');
    db.pragma(`user_version = ${latestVersion() + 10}`);
    expect(() => migrate(db)).toThrow(DBVersionFromFutureError);
  });

  it('refuses a registry whose versions do not go up', () => {
    const db = new Database(':memory:');
    const noop = () => {};
    expect(() => migrate(db, [{ version: 20, update: noop }, { version: 10, update: noop }])).toThrow(/must increase/);
  });

  it('runs each step once, in order, up to a target (migrate to N-10, then N)', () => {
    const db = new Database(':memory:');
    const ran: number[] = [];
    const steps = [10, 20, 30].map((version) => ({ version, update: () => void ran.push(version) }));
    migrate(db, steps, 20);
    expect(ran).toEqual([10, 20]);
    migrate(db, steps);
    expect(ran).toEqual([10, 20, 30]);
    expect(currentVersion(db)).toBe(30);
  });

  it('has an index for each query the UI runs', () => {
    const db = new Database(':memory:');
    migrate(db);
    expect(explain(db, 'SELECT * FROM services WHERE snapshot_id = ? ORDER BY namespace, name', [1])).toMatch(/USING INDEX services_by_snapshot/);
    const rulesByChain = explain(db, 'SELECT * FROM nft_rules WHERE chain_id = ? ORDER BY position', [1]);
    expect(rulesByChain).toMatch(/SEARCH nft_rules USING PRIMARY KEY \(chain_id=\?\)/);
    expect(rulesByChain).not.toMatch(/TEMP B-TREE/);
    expect(explain(db, 'SELECT * FROM interfaces WHERE node_id = ? AND netns IS NULL', [1])).toMatch(/USING INDEX interfaces_by_node/);
    expect(explain(db, 'SELECT * FROM endpoint_slices WHERE snapshot_id = ? AND namespace = ? AND service_name = ?', [1, 'a', 'b'])).toMatch(
      /USING INDEX endpoint_slices_by_service/,
    );
    expect(explain(db, 'SELECT * FROM diagnostics WHERE snapshot_id = ?', [1])).toMatch(/USING INDEX diagnostics_by_snapshot/);
    const pods = explain(db, 'SELECT * FROM pods WHERE snapshot_id = ? ORDER BY id', [1]);
    expect(pods).toMatch(/USING INDEX pods_by_snapshot/);
    expect(pods).not.toMatch(/TEMP B-TREE/);
    expect(explain(db, 'SELECT e.* FROM endpoints e JOIN endpoint_slices s ON s.id = e.slice_id WHERE s.snapshot_id = ? ORDER BY e.slice_id, e.position', [1])).toMatch(
      /USING INDEX endpoints_by_slice/,
    );
    expect(explain(db, 'SELECT count(*) FROM nft_tables t JOIN nft_chains c ON c.table_id = t.id JOIN nft_rules r ON r.chain_id = c.id WHERE t.ruleset_id = ?', [1])).toMatch(
      /USING COVERING INDEX nft_chains_by_table/,
    );
    expect(explain(db, 'SELECT b.content FROM files f JOIN blobs b ON b.hash = f.blob_hash WHERE f.snapshot_id = ? AND f.path = ?', [1, 'x'])).toMatch(
      /SEARCH b USING INDEX sqlite_autoindex_blobs_1/,
    );
  });
});
