import type { NftChain, NftRule, NftRuleset, NftTable } from '../../renderer/src/analysis/model';
import type { WritableDB } from '../connection';
import type { RuleReceiver } from '../parsers/nft-common';
import { BatchedInsert } from './batched-insert';
import { jsonColumn } from './column-values';
import { unknownStatements, type StoredRendering } from './node-ruleset';
import type { RenderingStore, RulesetFormat } from './parse-bundle';
import { finalVerdict } from './rule-columns';
import { RowCount } from './row-count';

// Writes rulesets into the library while their files are parsed, inside the import's
// transaction: the parser hands each chain's rules over as it finishes them (RuleReceiver) and
// they go straight into the rows batch, so a 200,000-rule ruleset never lives in memory as rule
// objects. Keeping them for a write after the parse cost the collector about as much as the
// parse itself: every rule was copied out of the young generation, and the growing old one
// marked again and again.
//
// A rendering is written before anyone knows whether it is the one used (that takes its last
// rule); one that is not is deleted again. Rulesets are shared by content across nodes,
// snapshots and imports: content the library holds already is not written again.

interface Stored extends StoredRendering {
  /** nodes that use it in this import */
  users: number;
  /** written by this import (and so deleted when no node uses it), not found in the library */
  writtenHere: boolean;
}

/** The rendering being read: its ruleset row, once written, and its tables' ids and written comments. */
interface Open {
  hash: string;
  format: RulesetFormat;
  /** the id of the rendering's ruleset, found in the library or written with its first table; null: neither yet */
  rulesetId: number | null;
  writtenHere: boolean;
  tables: Map<NftTable, { id: number; comment: string | null }>;
  unknown: number;
}

function prepareStatements(db: WritableDB) {
  const p = (text: string) => db.prepare(text);
  return {
    byHash: p(`SELECT id FROM nft_rulesets WHERE content_hash = ?`).pluck(),
    ruleset: p(`INSERT INTO nft_rulesets (content_hash, format) VALUES (?, ?)`),
    table: p(`INSERT INTO nft_tables (ruleset_id, family, name, comment, line, pointer) VALUES (?, ?, ?, ?, ?, ?)`),
    tableComment: p(`UPDATE nft_tables SET comment = ? WHERE id = ?`),
    set: p(`INSERT INTO nft_sets (table_id, name, kind, key_type, data_type, flags_json, comment, line, pointer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    element: p(`INSERT INTO nft_set_elements (set_id, position, element_json) VALUES (?, ?, ?)`),
    // An import runs without foreign-key enforcement (see inImportTransaction), so no cascade:
    // a ruleset's rows go child table first.
    drop: [
      p(`DELETE FROM nft_rules WHERE chain_id IN (SELECT c.id FROM nft_chains c JOIN nft_tables t ON t.id = c.table_id WHERE t.ruleset_id = ?)`),
      p(`DELETE FROM nft_chains WHERE table_id IN (SELECT id FROM nft_tables WHERE ruleset_id = ?)`),
      p(`DELETE FROM nft_set_elements WHERE set_id IN (SELECT s.id FROM nft_sets s JOIN nft_tables t ON t.id = s.table_id WHERE t.ruleset_id = ?)`),
      p(`DELETE FROM nft_sets WHERE table_id IN (SELECT id FROM nft_tables WHERE ruleset_id = ?)`),
      p(`DELETE FROM nft_tables WHERE ruleset_id = ?`),
      p(`DELETE FROM nft_rulesets WHERE id = ?`),
    ],
    lastChainId: p(`SELECT coalesce(max(id), 0) FROM nft_chains`).pluck(),
    // nft_rules has no rowid (migration 30): ids follow on from the newest chain's rules, which
    // hold the largest id since chains and their rules are only ever written together, in order.
    lastRuleId: p(`SELECT coalesce(max(id), 0) FROM nft_rules WHERE chain_id = (SELECT max(chain_id) FROM nft_rules)`).pluck(),
  };
}

export class RulesetWriter implements RenderingStore {
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly chains: BatchedInsert;
  private readonly rules: BatchedInsert;
  private lastChainId: number;
  private lastRuleId: number;
  /** renderings read in this import, by content hash */
  private readonly stored = new Map<string, Stored>();
  private open: Open | null = null;

  /** `rows` counts the rows written, and reports them at the end of each rendering too */
  constructor(
    db: WritableDB,
    private readonly rows = new RowCount(),
  ) {
    this.statements = prepareStatements(db);
    this.lastChainId = this.statements.lastChainId.get() as number;
    this.lastRuleId = this.statements.lastRuleId.get() as number;
    this.chains = new BatchedInsert(db, 'nft_chains', ['id', 'table_id', 'name', 'type', 'hook', 'priority', 'device', 'policy', 'comment', 'line', 'pointer']);
    this.rules = new BatchedInsert(
      db,
      'nft_rules',
      ['id', 'chain_id', 'position', 'handle', 'text', 'packets', 'bytes', 'comment', 'verdict_kind', 'verdict_target', 'line', 'pointer'],
      this.chains,
    );
  }

  /** The rendering of this content read already for another node, now used by one more; undefined if none. */
  reuse(hash: string): StoredRendering | undefined {
    const stored = this.stored.get(hash);
    if (stored) stored.users++;
    return stored;
  }

  /** Starts reading a rendering not read yet in this import: its parser hands its rules to the receiver returned. */
  begin(hash: string, format: RulesetFormat): RuleReceiver {
    const existing = this.statements.byHash.get(hash) as number | undefined;
    const open: Open = { hash, format, rulesetId: existing ?? null, writtenHere: existing === undefined, tables: new Map(), unknown: 0 };
    this.open = open;
    return {
      table: (table) => {
        if (open.writtenHere) this.writeTable(open, table);
      },
      chain: (table, chain, rules) => {
        open.unknown += unknownStatements(rules);
        if (open.writtenHere) this.writeChain(open, table, chain, rules);
      },
    };
  }

  /**
   * Ends the rendering begun last, given what its parser returned (null: the file held none):
   * its remaining rows (sets, table comments that came after the table) are written.
   */
  end(ruleset: NftRuleset | null): StoredRendering | null {
    const open = this.open;
    if (open === null) throw new Error('RulesetWriter.end() without begin()');
    this.open = null;
    if (ruleset === null) {
      if (open.rulesetId !== null && open.writtenHere) this.deleteRuleset(open.rulesetId);
      return null;
    }
    if (open.writtenHere) this.writeRest(open, ruleset);
    this.rules.flush();
    this.rows.report();
    const stored: Stored = { hash: open.hash, rulesetId: this.rulesetId(open), unknown: open.unknown, users: 1, writtenHere: open.writtenHere };
    this.stored.set(open.hash, stored);
    return stored;
  }

  /** A node does not use this rendering after all: once no node does, it is deleted, if this import wrote it. */
  drop(rendering: StoredRendering): void {
    const stored = this.stored.get(rendering.hash);
    if (!stored || --stored.users > 0) return;
    this.stored.delete(rendering.hash);
    if (stored.writtenHere) this.deleteRuleset(stored.rulesetId);
  }

  private deleteRuleset(rulesetId: number): void {
    for (const statement of this.statements.drop) statement.run(rulesetId);
  }

  private rulesetId(open: Open): number {
    open.rulesetId ??= Number(this.statements.ruleset.run(open.hash, open.format).lastInsertRowid);
    return open.rulesetId;
  }

  private writeTable(open: Open, table: NftTable): number {
    const { family, name, comment, source } = table;
    const id = Number(this.statements.table.run(this.rulesetId(open), family, name, comment, source.line, source.pointer ?? null).lastInsertRowid);
    open.tables.set(table, { id, comment });
    return id;
  }

  private writeChain(open: Open, table: NftTable, chain: NftChain, rules: readonly NftRule[]): void {
    const tableId = open.tables.get(table)?.id ?? this.writeTable(open, table);
    const chainId = ++this.lastChainId;
    const { name, type, hook, priority, device, policy, comment, source } = chain;
    this.chains.add([chainId, tableId, name, type, hook, priority, device, policy, comment, source.line, source.pointer ?? null]);
    for (const rule of rules) {
      const verdict = finalVerdict(rule.statements);
      this.rules.add([
        ++this.lastRuleId,
        chainId,
        rule.position,
        rule.handle,
        rule.text,
        rule.counter?.packets ?? null,
        rule.counter?.bytes ?? null,
        rule.comment,
        verdict?.kind ?? null,
        verdict?.target ?? null,
        rule.source.line,
        rule.source.pointer ?? null,
      ]);
    }
    this.rows.add(rules.length + 1);
  }

  /** What comes at the end: tables never handed over, comments read after their table's row went in, and the sets. */
  private writeRest(open: Open, ruleset: NftRuleset): void {
    this.rulesetId(open);
    for (const table of ruleset.tables) {
      const written = open.tables.get(table);
      const tableId = written?.id ?? this.writeTable(open, table);
      if (written && written.comment !== table.comment) this.statements.tableComment.run(table.comment, tableId);
      for (const set of table.sets) {
        const setId = Number(
          this.statements.set.run(tableId, set.name, set.kind, set.keyType, set.dataType, jsonColumn(set.flags), set.comment, set.source.line, set.source.pointer ?? null)
            .lastInsertRowid,
        );
        set.elements.forEach((element, i) => this.statements.element.run(setId, i, jsonColumn(element)));
        this.rows.add(set.elements.length + 1);
      }
    }
  }

}
