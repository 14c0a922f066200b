import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openWritable, type WritableDB } from '../../../db/connection';
import { RULESET_PARSERS } from '../../../db/import/file-parsers';
import { RulesetWriter } from '../../../db/import/ruleset-writer';
import type { RulesetFormat } from '../../../db/import/parse-bundle';
import { expectNoDanglingReferences, tableCounts, tempDir } from './helpers';

const fixture = (path: string) => readFileSync(join(__dirname, '../../fixtures', path), 'utf8');

/** One table whose comment comes after its header, a chain with an unknown statement, and a set. */
const TEXT = [
  'table ip nat {',
  '\tcomment "read after the table row is written"',
  '\tchain X {',
  '\t\tsome gibberish',
  '\t\tcounter packets 3 bytes 180 jump Y',
  '\t}',
  '\tchain Y {',
  '\t\taccept',
  '\t}',
  '}',
  'table ip filter {',
  '\tset s {',
  '\t\ttype ipv4_addr',
  '\t\telements = { 10.0.0.1, 10.0.0.2 }',
  '\t}',
  '}',
].join('\n');

describe('RulesetWriter', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: WritableDB;
  beforeEach(() => {
    tmp = tempDir();
    db = openWritable(join(tmp.dir, 'library.sqlite'));
    // as in an import (inImportTransaction)
    db.pragma('foreign_keys = OFF');
    db.exec('BEGIN');
  });
  afterEach(() => {
    expectNoDanglingReferences(db);
    db.exec('ROLLBACK');
    db.close();
    tmp.cleanup();
  });

  /** Parses `text` into the writer, as the importer does. */
  const read = (writer: RulesetWriter, hash: string, text: string, format: RulesetFormat = 'nft-text') => {
    const receiver = writer.begin(hash, format);
    return writer.end(RULESET_PARSERS[format](text, { file: `${hash}.txt`, receiver }).value);
  };

  const rules = () =>
    db
      .prepare(
        `SELECT t.name AS tableName, c.name AS chain, r.position, r.text, r.packets, r.verdict_kind AS verdict, r.verdict_target AS target
         FROM nft_rules r JOIN nft_chains c ON c.id = r.chain_id JOIN nft_tables t ON t.id = c.table_id ORDER BY r.id`,
      )
      .all();

  it('writes the rules, tables, late table comments and sets of a rendering, and counts its unknown statements', () => {
    const stored = read(new RulesetWriter(db), 'h1', TEXT)!;
    expect(stored.unknown).toBe(1);
    expect(rules()).toEqual([
      { tableName: 'nat', chain: 'X', position: 0, text: 'some gibberish', packets: null, verdict: null, target: null },
      { tableName: 'nat', chain: 'X', position: 1, text: 'counter packets 3 bytes 180 jump Y', packets: 3, verdict: 'jump', target: 'Y' },
      { tableName: 'nat', chain: 'Y', position: 0, text: 'accept', packets: null, verdict: 'accept', target: null },
    ]);
    expect(db.prepare('SELECT id, ruleset_id AS rulesetId, name, comment FROM nft_tables ORDER BY id').all()).toEqual([
      { id: 1, rulesetId: stored.rulesetId, name: 'nat', comment: 'read after the table row is written' },
      { id: 2, rulesetId: stored.rulesetId, name: 'filter', comment: null },
    ]);
    expect(db.prepare('SELECT s.name, e.element_json AS element FROM nft_sets s JOIN nft_set_elements e ON e.set_id = s.id ORDER BY e.position').all()).toEqual([
      { name: 's', element: '{"key":{"kind":"literal","text":"10.0.0.1"},"verdict":null,"value":null}' },
      { name: 's', element: '{"key":{"kind":"literal","text":"10.0.0.2"},"verdict":null,"value":null}' },
    ]);
  });

  it('writes every rule of a large kube-proxy ruleset, whatever its format, as the whole parse holds them', () => {
    const writer = new RulesetWriter(db);
    const formats: [RulesetFormat, string][] = [
      ['nft-text', 'nft/kube-proxy-iptables.list-handles.nft'],
      ['nft-json', 'nft/kube-proxy-nftables.list.json'],
      ['iptables-save', 'iptables/iptables-save-nft.txt'],
    ];
    for (const [format, path] of formats) {
      const text = fixture(path);
      const { rulesetId } = read(writer, format, text, format)!;
      const whole = RULESET_PARSERS[format](text, { file: 'f' }).value;
      const expected = whole.tables.flatMap((t) => t.chains.flatMap((c) => c.rules.map((r) => [t.name, c.name, r.position, r.text, r.source.line])));
      const written = db
        .prepare(
          `SELECT t.name, c.name AS chain, r.position, r.text, r.line FROM nft_rules r JOIN nft_chains c ON c.id = r.chain_id
           JOIN nft_tables t ON t.id = c.table_id WHERE t.ruleset_id = ? ORDER BY r.id`,
        )
        .raw()
        .all(rulesetId);
      expect(expected.length).toBeGreaterThan(10);
      expect(written).toEqual(expected);
    }
  });

  it('writes nothing for content the library holds already, but still counts its unknown statements', () => {
    const first = read(new RulesetWriter(db), 'h1', TEXT)!;
    const before = tableCounts(db);
    const again = read(new RulesetWriter(db), 'h1', TEXT)!;
    expect(again).toMatchObject({ hash: 'h1', rulesetId: first.rulesetId, unknown: 1 });
    expect(tableCounts(db)).toEqual(before);
  });

  it('deletes a rendering once every node that read it has dropped it, and never one an earlier import wrote', () => {
    const writer = new RulesetWriter(db);
    const stored = read(writer, 'h1', TEXT)!;
    expect(writer.reuse('h1')).toBe(stored);
    writer.drop(stored);
    expect(tableCounts(db).nft_rules).toBe(3);
    writer.drop(stored);
    expect(tableCounts(db)).toMatchObject({ nft_rulesets: 0, nft_tables: 0, nft_chains: 0, nft_rules: 0, nft_sets: 0, nft_set_elements: 0 });

    read(writer, 'h2', TEXT);
    const later = new RulesetWriter(db);
    later.drop(read(later, 'h2', TEXT)!);
    expect(tableCounts(db).nft_rules).toBe(3);
  });

  it('keeps nothing of a file that held no ruleset', () => {
    const writer = new RulesetWriter(db);
    writer.begin('h1', 'nft-text');
    expect(writer.end(null)).toBeNull();
    expect(tableCounts(db).nft_rulesets).toBe(0);
  });
});
