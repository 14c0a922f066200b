import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { singleArrayElements, stringEnd } from '../../../db/parsers/json-text';
import { parseNftJson } from '../../../db/parsers/nft-json';

const texts = (text: string, spans: number[] | null) => {
  const out: string[] = [];
  for (let k = 0; spans && k < spans.length; k += 2) out.push(text.slice(spans[k], spans[k + 1]));
  return out;
};

describe('stringEnd', () => {
  it.each([
    ['"abc" x', 4],
    ['"a\\"b" x', 5],
    ['"a\\\\" x', 4],
    ['"a\\\\\\"b" x', 7],
    ['"never closed', -1],
  ])('%s → %i', (text, end) => {
    expect(stringEnd(text, 0)).toBe(end);
  });
});

describe('singleArrayElements', () => {
  it('finds each element of the one array, brackets and quotes inside strings included', () => {
    const text = ' {"nftables" :\n [ {"a": "}]"} , [1, {"b": "\\"{"}],{}\n] }\n';
    expect(texts(text, singleArrayElements(text, 'nftables'))).toEqual(['{"a": "}]"}', '[1, {"b": "\\"{"}]', '{}']);
    expect(singleArrayElements('{"nftables": []}', 'nftables')).toEqual([]);
  });

  it.each([
    ['another key', '{"items": [{}]}'],
    ['a second key', '{"nftables": [{}], "x": 1}'],
    ['a scalar element', '{"nftables": [{}, 3]}'],
    ['a missing comma', '{"nftables": [{} {}]}'],
    ['an unclosed element', '{"nftables": [{"a": 1}'],
    ['an unclosed string', '{"nftables": [{"a": "x}]}'],
    ['text after the document', '{"nftables": []} x'],
    ['a byte-order mark', '\ufeff{"nftables": []}'],
  ])('gives up on %s', (_label, text) => {
    expect(singleArrayElements(text, 'nftables')).toBeNull();
  });
});

describe('parseNftJson, element by element', () => {
  const fixture = (name: string) => readFileSync(join(__dirname, '../../fixtures/nft', name), 'utf8');

  it('reads a document the same whether or not it can be cut into elements', () => {
    const text = fixture('kube-proxy-nftables.list.json');
    const cut = parseNftJson(text, { file: 'x' });
    // An extra root key keeps the document whole (singleArrayElements gives up on it).
    const whole = parseNftJson(`${text.trimEnd().slice(0, -1)}, "other": 1}`, { file: 'x' });
    expect(singleArrayElements(text, 'nftables')).not.toBeNull();
    expect(cut).toEqual(whole);
    expect(cut.value.tables.length).toBeGreaterThan(0);
  });

  it('reports a broken element as malformed JSON, keeping nothing of the elements read before it', () => {
    const text = '{"nftables": [{"table": {"family": "ip", "name": "t"}}, {"chain": {"family": "ip", "table": "t", "name": "c",}}]}';
    expect(singleArrayElements(text, 'nftables')).not.toBeNull();
    const result = parseNftJson(text, { file: 'bad.json' });
    expect(result.value).toEqual({ tables: [] });
    expect(result.issues).toEqual([expect.objectContaining({ code: 'malformed-json', severity: 'error' })]);
  });
});
