import { describe, expect, it } from 'vitest';
import { batchMultiVarQuery, sql, sqlFragment, sqlId, sqlJoin } from '../../../db/sql';

describe('sql templates', () => {
  it('binds values as parameters, never as text', () => {
    const name = "x'; DROP TABLE snapshots; --";
    expect(sql`SELECT * FROM snapshots WHERE name = ${name} AND id > ${3}`).toEqual(['SELECT * FROM snapshots WHERE name = ? AND id > ?', [name, 3]]);
  });

  it('splices fragments with their parameters in order', () => {
    const where = sqlFragment`namespace = ${'default'}`;
    expect(sql`SELECT 1 FROM services WHERE snapshot_id = ${1} AND ${where} LIMIT ${5}`).toEqual([
      'SELECT 1 FROM services WHERE snapshot_id = ? AND namespace = ? LIMIT ?',
      [1, 'default', 5],
    ]);
  });

  it('checks identifiers', () => {
    expect(sql`SELECT * FROM ${sqlId('nft_rules')}`[0]).toBe('SELECT * FROM "nft_rules"');
    expect(() => sqlId('rules; DROP')).toThrow(/invalid SQL identifier/);
  });

  it('joins IN lists and batches long ones', () => {
    expect(sql`SELECT * FROM t WHERE id IN (${sqlJoin([1, 2, 3])})`).toEqual(['SELECT * FROM t WHERE id IN (?, ?, ?)', [1, 2, 3]]);
    const seen: number[] = [];
    const out = batchMultiVarQuery(Array.from({ length: 2500 }, (_, i) => i), (batch) => {
      seen.push(batch.length);
      return batch.map((x) => x * 2);
    });
    expect(seen).toEqual([999, 999, 502]);
    expect(out).toHaveLength(2500);
  });
});
