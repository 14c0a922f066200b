import type Database from 'better-sqlite3';
import type { NftStatement } from '../../renderer/src/analysis/model';
import { RULESET_PARSERS } from '../import/file-parsers';
import type { RulesetFormat } from '../import/parse-bundle';

// nft_rules is the largest table of the library (hundreds of thousands of rows per ruleset) and is
// read only by chain, in order. It becomes a WITHOUT ROWID table keyed by (chain_id, position):
// one b-tree instead of a table plus the nft_rules_by_chain index, appended to in key order by the
// importer. nft_rules_by_target is dropped: no view queries by verdict target (the SQL console can
// still scan). `id` is kept as an ordinary column, assigned by the importer (see write-snapshot).
//
// A new column, match_text, carries each rule's parsed match part next to its verdict. Rules
// imported before this version get it from their ruleset file, re-parsed by the parser that
// imported it (as loadSnapshot does). (Migration 40 drops the column again: nothing read it.)
export function update(db: Database.Database): void {
  db.exec(`
    CREATE TABLE nft_rules_new (
      id INTEGER NOT NULL,
      chain_id INTEGER NOT NULL REFERENCES nft_chains(id) ON DELETE CASCADE,
      position INTEGER NOT NULL,
      handle INTEGER,
      text TEXT NOT NULL,
      packets INTEGER,
      bytes INTEGER,
      comment TEXT,
      match_text TEXT,
      verdict_kind TEXT,
      verdict_target TEXT,
      line INTEGER NOT NULL,
      pointer TEXT,
      PRIMARY KEY (chain_id, position)
    ) WITHOUT ROWID;
    INSERT INTO nft_rules_new (id, chain_id, position, handle, text, packets, bytes, comment, match_text, verdict_kind, verdict_target, line, pointer)
      SELECT id, chain_id, position, handle, text, packets, bytes, comment, NULL, verdict_kind, verdict_target, line, pointer
      FROM nft_rules ORDER BY chain_id, position;
    DROP TABLE nft_rules;
    ALTER TABLE nft_rules_new RENAME TO nft_rules;
  `);
  backfillMatchText(db);
}

/** Fills match_text in for every stored ruleset, matching parsed chains to rows in the order they were written. */
function backfillMatchText(db: Database.Database): void {
  const tables = db.prepare('SELECT id FROM nft_tables WHERE ruleset_id = ? ORDER BY id').pluck();
  const chains = db.prepare('SELECT id FROM nft_chains WHERE table_id = ? ORDER BY id').pluck();
  const update = db.prepare('UPDATE nft_rules SET match_text = ? WHERE chain_id = ? AND position = ?');
  const rulesets = db
    .prepare('SELECT r.id, r.format, b.content FROM nft_rulesets r JOIN blobs b ON b.hash = r.content_hash ORDER BY r.id')
    .all() as { id: number; format: RulesetFormat; content: Buffer }[];
  for (const row of rulesets) {
    const parse = RULESET_PARSERS[row.format];
    if (!parse) continue;
    const ruleset = parse(row.content.toString('utf8'), { file: '' }).value;
    const tableIds = tables.all(row.id) as number[];
    ruleset.tables.forEach((table, t) => {
      if (tableIds[t] === undefined) return;
      const chainIds = chains.all(tableIds[t]) as number[];
      table.chains.forEach((chain, c) => {
        if (chainIds[c] === undefined) return;
        for (const rule of chain.rules) {
          const text = matchText(rule.statements);
          if (text !== null) update.run(text, chainIds[c], rule.position);
        }
      });
    });
  }
}

/** The rule's match part as this version stored it: the texts of its match statements, space-joined; null when it has none. */
function matchText(statements: readonly NftStatement[]): string | null {
  let out: string | null = null;
  for (const st of statements) {
    if (st.kind === 'match') out = out === null ? st.text : `${out} ${st.text}`;
  }
  return out;
}
