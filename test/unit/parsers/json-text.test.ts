import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rootItemSpans, singleArrayElements, stringEnd, type ItemSpans } from '../../../db/parsers/json-text';
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

describe('rootItemSpans', () => {
  /** each element's text, as rootItemSpans cuts it */
  const elements = (text: string, spans: ItemSpans | null) => spans?.starts.map((start, k) => text.slice(start, spans.ends[k])) ?? null;
  const spansOf = (text: string, maxDepth = 512) => {
    const spans = rootItemSpans(text, maxDepth);
    expect(spans, JSON.stringify(text)).not.toBeNull();
    return spans!;
  };
  const list = { apiVersion: 'v1', items: [{ a: 1, b: [1, 2] }, { c: 'x' }, 3, 's'], kind: 'List', metadata: { resourceVersion: '' } };

  it.each([2, 4])('cuts a list pretty-printed with indent %i into its elements, each on its line', (indent) => {
    const text = JSON.stringify(list, null, indent);
    const spans = spansOf(text);
    expect(spans.starts).toHaveLength(4);
    expect(spans.ends).toHaveLength(4);
    expect(elements(text, spans)!.map((e) => JSON.parse(e))).toEqual(list.items);
    // {  apiVersion  "items": [  {  "a": 1,  "b": [  1,  2  ]  },  {  "c": "x"  },  3,  "s"
    expect(spans.lines).toEqual([4, 11, 14, 15]);
    expect(spans.rootLine).toBe(1);
    // each element's first character is on its line, and is not a blank
    spans.starts.forEach((start, k) => {
      expect(text.slice(0, start).split('\n').length).toBe(spans.lines[k]);
      expect(text[start]).not.toMatch(/\s/);
    });
    expect(text[spans.open]).toBe('[');
    expect(text[spans.close]).toBe(']');
    expect(JSON.parse(text.slice(0, spans.open + 1) + text.slice(spans.close))).toEqual({ ...list, items: [] });
  });

  it('cuts a compact one-line list, all its elements on line 1', () => {
    const text = JSON.stringify(list);
    const spans = spansOf(text);
    expect(elements(text, spans)).toEqual(['{"a":1,"b":[1,2]}', '{"c":"x"}', '3', '"s"']);
    expect(spans.lines).toEqual([1, 1, 1, 1]);
    expect(spans.open).toBe(text.indexOf('['));
    expect(spans.close).toBe(text.lastIndexOf(']'));
  });

  it('starts an element at its first character and ends it at the comma or bracket after it', () => {
    const text = '{"items": [ 1 ,\n 2\n]}';
    const spans = spansOf(text);
    expect(spans.starts).toEqual([12, 17]);
    expect(spans.ends).toEqual([14, 19]);
    expect(elements(text, spans)).toEqual(['1 ', '2\n']);
    expect(spans.lines).toEqual([1, 2]);
  });

  it('jumps over strings holding brackets, braces, commas, colons and escaped quotes', () => {
    const items = ['a,]b', { s: '"}],{', 'items"': [':'] }, '\\', 'x\\"y,', '[', '{', '\\\\"]', { '"items"': '",' }];
    const text = JSON.stringify({ kind: '"items": [', items, other: '],' });
    const spans = spansOf(text);
    expect(elements(text, spans)!.map((e) => JSON.parse(e))).toEqual(items);
  });

  it('keeps arrays and objects nested inside an element in that element', () => {
    const items = [[1, [2, 3]], [[]], { a: [[{}], { items: [4, 5] }] }, []];
    const text = JSON.stringify({ items }, null, 2);
    const spans = spansOf(text);
    expect(elements(text, spans)!.map((e) => JSON.parse(e))).toEqual(items);
  });

  it.each(['{"items": []}', '{"items": [ ]}', '{"items":[\n\n]}', '{"kind": "List", "items": [], "metadata": {}}'])('finds no element in %j', (text) => {
    const spans = spansOf(text);
    expect(spans.starts).toEqual([]);
    expect(spans.ends).toEqual([]);
    expect(spans.lines).toEqual([]);
    expect(text.slice(spans.open, spans.close + 1).trim()).toMatch(/^\[\s*\]$/);
  });

  it('gives an empty element for a trailing comma, a leading comma or two commas in a row', () => {
    const trailing = '{"items": [\n  1,\n  2,\n]}';
    expect(elements(trailing, spansOf(trailing))).toEqual(['1', '2', '']);
    expect(spansOf(trailing).lines).toEqual([2, 3, 4]);
    const leading = '{"items": [, 1]}';
    expect(elements(leading, spansOf(leading))).toEqual(['', '1']);
    const double = '{"items": [1,,2]}';
    expect(elements(double, spansOf(double))).toEqual(['1', '', '2']);
    expect(() => JSON.parse('')).toThrow();
  });

  it('leaves two elements with no comma between them as one element (for JSON.parse to refuse)', () => {
    const text = '{"items": [{"a": 1} {"b": 2}]}';
    expect(elements(text, spansOf(text))).toEqual(['{"a": 1} {"b": 2}']);
  });

  it('leaves brackets mismatched inside an element to JSON.parse', () => {
    const text = '{"items": [{"a": [1}]]}';
    expect(elements(text, rootItemSpans(text, 512))).toEqual(['{"a": [1}]']);
  });

  it('notes the line of the root object after leading blank lines', () => {
    const text = '\n\n  \r\n\t {"items": [\n  {},\n\n  {}]}';
    const spans = spansOf(text);
    expect(spans.rootLine).toBe(4);
    expect(spans.lines).toEqual([5, 7]);
  });

  it('finds the array whatever the keys before and after it', () => {
    const text = '{"kind": "items", "x": [1], "items": [2, 3], "y": {"items": [4]}, "z": [5]}';
    expect(elements(text, spansOf(text))).toEqual(['2', '3']);
  });

  it('accepts a second items key whose value is not an array (JSON.parse then keeps that one)', () => {
    const text = '{"items": [1], "items": 5}';
    expect(elements(text, spansOf(text))).toEqual(['1']);
  });

  it.each([
    ['an empty text', ''],
    ['blanks only', ' \n '],
    ['a root array', '[{"items": [1]}]'],
    ['a root number', '42'],
    ['a byte-order mark', '\ufeff{"items": [1]}'],
    ['text before the root object', 'x{"items": [1]}'],
    ['no items key', '{"kind": "List", "metadata": {}}'],
    ['items null', '{"kind": "List", "items": null}'],
    ['items an object', '{"items": {"a": [1]}}'],
    ['items a string', '{"items": "[1]"}'],
    ['items only in a nested object', '{"a": {"items": [1]}}'],
    ['"items" only as a string value', '{"kind": "items", "x": [1]}'],
    ['a second items array', '{"items": [1], "kind": "List", "items": [2]}'],
    ['a second items array after an empty one', '{"items": [], "items": [2]}'],
    ['a brace closing the array', '{"items": [1, 2}}'],
    ['an unclosed array', '{"items": [1, 2'],
    ['an unclosed root', '{"items": [1, 2]'],
    ['an extra closing brace', '{"items": [1]}}'],
    ['an unterminated string in an element', '{"items": [{"a": "x}]}'],
    ['an unterminated string after the array', '{"items": [1], "a": "x}'],
    ['an unterminated string before the array', '{"a": "x, "items": [1]}'],
  ])('is null for %s', (_label, text) => {
    expect(rootItemSpans(text, 512)).toBeNull();
  });

  it('is null for nesting deeper than maxDepth (the root object counts 1)', () => {
    const text = '{"items": [{"a": [1]}]}';
    expect(rootItemSpans(text, 3)).toBeNull();
    expect(elements(text, rootItemSpans(text, 4))).toEqual(['{"a": [1]}']);
    expect(rootItemSpans('{"items": []}', 1)).toBeNull();
    expect(rootItemSpans('{"items": []}', 2)).not.toBeNull();
    // deep nesting after the array counts too
    expect(rootItemSpans('{"items": [], "a": [[[]]]}', 3)).toBeNull();
    expect(rootItemSpans('{"items": [], "a": [[[]]]}', 4)).not.toBeNull();
  });
});
