import type Database from 'better-sqlite3';

// An import writes hundreds of thousands of rows in one transaction; this version stops paying
// for storage that nothing reads (on a 5,000-Service node bundle, 216k rules: the write and commit
// went from ~1.9 s to ~1.35 s of CPU).
//
// - blobs becomes a rowid table keyed by a separate index on hash. As a WITHOUT ROWID table its
//   b-tree held every file's content inline, and SQLite reads a whole overflowing cell to compare
//   keys: each `INSERT OR IGNORE` and each files → blobs foreign-key check read the 20 MB ruleset
//   and the other large files again (414 files rows took ~150 ms to insert; now ~2 ms). Same
//   columns, same rows.
// - nft_rules.match_text goes: no query or view reads it (only tests did), and the rule text holds
//   the same words for the SQL console; it was ~27 bytes of every rule row, built per rule.
// - nft_chains keeps one index, on table_id, for the rule counts and the cascade from tables; no
//   query looks chains up by name (loading a snapshot re-parses the ruleset file).
// - pods_by_snapshot narrows to snapshot_id: loading a snapshot reads pods by snapshot in id
//   order, which that index serves without a sort, and nothing looks a pod up by name.
export function update(db: Database.Database): void {
  rebuildBlobsWithRowid(db);
  db.exec(`
    ALTER TABLE nft_rules DROP COLUMN match_text;
    DROP INDEX nft_chains_by_name;
    DROP INDEX nft_chains_by_table;
    CREATE INDEX nft_chains_by_table ON nft_chains (table_id);
    DROP INDEX pods_by_snapshot;
    CREATE INDEX pods_by_snapshot ON pods (snapshot_id);
  `);
}

/**
 * files references blobs, and PRAGMA foreign_keys cannot change inside the migration's
 * transaction. With the checks deferred, dropping blobs counts one violation per file, and putting
 * the same rows back under the same name settles every one before commit.
 */
function rebuildBlobsWithRowid(db: Database.Database): void {
  db.pragma('defer_foreign_keys = ON');
  db.exec(`
    CREATE TABLE blobs_copy AS SELECT hash, size, content FROM blobs;
    DROP TABLE blobs;
    CREATE TABLE blobs (
      hash TEXT PRIMARY KEY NOT NULL,
      size INTEGER NOT NULL,
      content BLOB NOT NULL
    );
    INSERT INTO blobs (hash, size, content) SELECT hash, size, content FROM blobs_copy;
    DROP TABLE blobs_copy;
  `);
}
