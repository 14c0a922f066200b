import type Database from 'better-sqlite3';

// Rule statements are no longer stored as JSON: the raw ruleset file is kept in `blobs`, and
// loading a snapshot re-parses it once per distinct ruleset with the parser that imported it
// (`nft_rulesets.format`), which is faster than reading the JSON back and keeps the library small.
// The rule rows stay for the rules view, search and the SQL console.
export function update(db: Database.Database): void {
  db.exec('ALTER TABLE nft_rules DROP COLUMN statements_json');
}
