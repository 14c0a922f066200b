import { describe, expect, it } from 'vitest';
import { IssueSink } from '../../../db/parsers/issues';
import { readJsonList } from '../../../db/parsers/json-list';
import { rootItemSpans } from '../../../db/parsers/json-text';

type Call = ['root', unknown, number] | ['item', unknown, number, number];

/** Reads `text`, noting every visitor call in order; `onItem` may report into the sink. */
function read(
  text: string,
  opts: { readItems?: boolean; sink?: IssueSink; onItem?: (sink: IssueSink, value: unknown, index: number, line: number) => void } = {},
) {
  const sink = opts.sink ?? new IssueSink();
  const calls: Call[] = [];
  const ok = readJsonList(text, sink, {
    root: (value, line) => {
      // a deep copy: what root() was handed, not what it became
      calls.push(['root', structuredClone(value), line]);
      return opts.readItems ?? true;
    },
    item: (value, index, line) => {
      calls.push(['item', value, index, line]);
      opts.onItem?.(sink, value, index, line);
    },
  });
  return { ok, calls, issues: sink.issues };
}

const isList = (text: string) => rootItemSpans(text.replace(/^\ufeff/, ''), 512) !== null;

/** a List pretty-printed as kubectl does, and the line each of its items starts on */
const LIST = { apiVersion: 'v1', items: [{ kind: 'Pod', n: 0 }, { kind: 'Pod', n: 1, a: [1, { b: '],' }] }, 7, 'x'], kind: 'List', metadata: { resourceVersion: '' } };
const LIST_TEXT = JSON.stringify(LIST, null, 4);
// {  "apiVersion"  "items": [  {  kind  n  },  {  kind  n  "a": [  1,  {  b  }  ]  },  7,  "x"  (lines 1 to 19)
const LIST_LINES = [4, 8, 18, 19];

describe('readJsonList', () => {
  it('hands over the root with its items emptied, then each item with its index and line', () => {
    expect(isList(LIST_TEXT)).toBe(true);
    const { ok, calls, issues } = read(LIST_TEXT);
    expect(ok).toBe(true);
    expect(issues).toEqual([]);
    expect(calls).toEqual([
      ['root', { ...LIST, items: [] }, 1],
      ...LIST.items.map((item, i) => ['item', item, i, LIST_LINES[i]]),
    ]);
    LIST_LINES.forEach((line) => expect(LIST_TEXT.split('\n')[line - 1]).toMatch(/^ {8}\S/));
  });

  it('notes the root line after leading blank lines, and item lines in a compact list', () => {
    const text = '\n \r\n\t{"items": [{"a": 1}, 2,\n"s"\n, [3]], "kind": "List"}\n';
    expect(isList(text)).toBe(true);
    expect(read(text).calls).toEqual([
      ['root', { items: [], kind: 'List' }, 3],
      ['item', { a: 1 }, 0, 3],
      ['item', 2, 1, 3],
      ['item', 's', 2, 4],
      ['item', [3], 3, 5],
    ]);
  });

  it('reads no item when root() says not to, and reports nothing', () => {
    const { ok, calls, issues } = read(LIST_TEXT, { readItems: false });
    expect(ok).toBe(true);
    expect(issues).toEqual([]);
    expect(calls).toEqual([['root', { ...LIST, items: [] }, 1]]);
  });

  it('reads an empty list: the root and no item', () => {
    expect(read('{"kind": "List", "items": [ ]}')).toEqual({ ok: true, calls: [['root', { kind: 'List', items: [] }, 1]], issues: [] });
  });

  it('skips a leading byte-order mark', () => {
    const plain = read(LIST_TEXT);
    expect(read(`\ufeff${LIST_TEXT}`)).toEqual(plain);
    expect(read('\ufeff{"kind": "Pod"}')).toEqual({ ok: true, calls: [['root', { kind: 'Pod' }, 1]], issues: [] });
    // the column of an error counts from after the mark
    expect(read('\ufeff{"a": tru}').issues).toEqual([expect.objectContaining({ code: 'malformed-json', line: 1, col: 7 })]);
  });

  it('reports a broken item after good ones once, where a whole-document scan finds it, dropping the issues reported meanwhile', () => {
    const text = ['{', '  "items": [', '    {"a": 1},', '    {"b": 2},', '    {"c": 3,},', '    {"d": 4}', '  ]', '}'].join('\n');
    expect(isList(text)).toBe(true);
    const sink = new IssueSink();
    sink.report('missing-field', 99, 'reported before the document was read');
    const { ok, calls, issues } = read(text, {
      sink,
      onItem: (s, _value, index, line) => s.report('unexpected-shape', line, `item ${index} looks odd`),
    });
    expect(ok).toBe(false);
    // the items before the broken one were handed over (the caller drops them), none after it
    expect(calls).toEqual([
      ['root', { items: [] }, 1],
      ['item', { a: 1 }, 0, 3],
      ['item', { b: 2 }, 1, 4],
    ]);
    expect(issues).toEqual([
      expect.objectContaining({ code: 'missing-field', line: 99 }),
      { code: 'malformed-json', severity: 'error', line: 5, col: 13, length: 1, detail: 'expected a property name' },
    ]);
  });

  it.each([
    ['a trailing comma', '{"items": [1, 2,]}', [1, 2], 1, 17],
    ['two commas', '{"items": [1,\n ,2]}', [1], 2, 2],
    ['a leading comma', '{"items": [\n, 1]}', [], 2, 1],
    ['a missing comma', '{"items": [{"a": 1},\n  {"b": 2} {"c": 3}]}', [{ a: 1 }], 2, 12],
    ['a bad literal', '{"items": [true, nul]}', [true], 1, 18],
    ['a raw newline in a string', '{"items": [\n"a",\n"b\nc"]}', ['a'], 3, 3],
  ])('reports %s in the items as malformed JSON', (_label, text, before, line, col) => {
    expect(isList(text)).toBe(true);
    const { ok, calls, issues } = read(text);
    expect(ok).toBe(false);
    expect(calls.filter((c) => c[0] === 'item').map((c) => c[1])).toEqual(before);
    expect(issues).toEqual([expect.objectContaining({ code: 'malformed-json', severity: 'error', line, col })]);
  });

  it.each([
    ['text after the root', '{"items": [{"a": 1}]} x', 1, 23],
    ['a second root', '{"items": [{"a": 1}]}\n{}', 2, 1],
    ['a bracket closing the root', '{"items": [1]]', 1, 14],
    ['a broken key before the items', '{"kind": "List",, "items": [{"a": 1}]}', 1, 17],
    ['a broken value after the items', '{"items": [{"a": 1}],\n "kind": }', 2, 10],
  ])('reports a broken envelope (%s) without handing anything over', (_label, text, line, col) => {
    const { ok, calls, issues } = read(text);
    expect(ok).toBe(false);
    expect(calls).toEqual([]);
    expect(issues).toEqual([expect.objectContaining({ code: 'malformed-json', severity: 'error', line, col })]);
  });

  it('hands over the later items key JSON.parse keeps, and reads no item, when that key is no array', () => {
    const text = '{"items": [{"a": 1}, {"b": 2}], "kind": "List", "items": 5}';
    expect(isList(text)).toBe(true);
    expect(JSON.parse(text).items).toBe(5);
    expect(read(text)).toEqual({ ok: true, calls: [['root', { items: 5, kind: 'List' }, 1]], issues: [] });
    expect(read('{"items": [{"a": 1}], "items": null}').calls).toEqual([['root', { items: null }, 1]]);
  });

  it('reads the items JSON.parse keeps when a later items key is spelled with an escape', () => {
    // rootItemSpans reads keys as JSON.parse does: a second `items` array, so the whole path
    const text = '{"items": [1],\n "it\\u0065ms": [2, 3]}';
    expect(isList(text)).toBe(false);
    expect(JSON.parse(text).items).toEqual([2, 3]);
    const { ok, calls } = read(text);
    expect(ok).toBe(true);
    expect(calls).toEqual([
      ['root', { items: [2, 3] }, 1],
      ['item', 2, 0, 2],
      ['item', 3, 1, 2],
    ]);
  });

  it('reads the later of two items arrays, as JSON.parse does, when the earlier is empty', () => {
    const text = '{\n  "items": [],\n  "items": [\n    {"a": 1},\n    2\n  ]\n}';
    expect(isList(text)).toBe(false);
    expect(read(text)).toEqual({
      ok: true,
      calls: [
        ['root', { items: [{ a: 1 }, 2] }, 1],
        ['item', { a: 1 }, 0, 4],
        ['item', 2, 1, 5],
      ],
      issues: [],
    });
  });

  it('gives the lines of the items of the later of two non-empty items arrays', () => {
    const text = '{\n  "items": [\n    1\n  ],\n  "items": [\n    3\n  ]\n}';
    expect(read(text).calls).toEqual([
      ['root', { items: [3] }, 1],
      ['item', 3, 0, 6],
    ]);
  });

  it('reads no item of an items array that a later, escaped items key overrides', () => {
    const text = '{"items": [{"a": 1}], "it\\u0065ms": []}';
    expect(JSON.parse(text).items).toEqual([]);
    expect(read(text).calls).toEqual([['root', { items: [] }, 1]]);
  });

  it('gives item lines for an items key spelled with an escape', () => {
    const text = '{\n  "it\\u0065ms": [\n    {"a": 1}\n  ]\n}';
    expect(read(text).calls).toEqual([
      ['root', { items: [] }, 1],
      ['item', { a: 1 }, 0, 3],
    ]);
    // and on the whole path, which a second `items` array takes
    const whole = '{\n  "it\\u0065ms": [1],\n  "item\\u0073": [\n    {"a": 1}\n  ]\n}';
    expect(isList(whole)).toBe(false);
    expect(read(whole).calls).toEqual([
      ['root', { items: [{ a: 1 }] }, 1],
      ['item', { a: 1 }, 0, 4],
    ]);
  });

  it.each([
    ['a lone object', '\n\n  {"kind": "Pod",\n "metadata": {}}', { kind: 'Pod', metadata: {} }, 3],
    ['a root array', '\n[1, {"items": [2]}]', [1, { items: [2] }], 2],
    ['a number', ' \n\n 42 \n', 42, 3],
    ['a string', '"items"', 'items', 1],
    ['null', 'null', null, 1],
    ['an object whose items is an object', '{"items": {"a": [1]}}', { items: { a: [1] } }, 1],
    ['an object whose items is null', '\n{"items": null}', { items: null }, 2],
  ])('reads %s whole, with no items', (_label, text, value, line) => {
    expect(isList(text)).toBe(false);
    expect(read(text)).toEqual({ ok: true, calls: [['root', value, line]], issues: [] });
  });

  it('reads a list too deep for rootItemSpans whole, with the same items and lines', () => {
    // 513 levels: one more than rootItemSpans follows, none more than the validating scan does
    const deep = '['.repeat(511) + ']'.repeat(511);
    const text = `\n{"items": [\n  {"a": 1},\n  ${deep}\n]}`;
    expect(isList(text)).toBe(false);
    const { ok, calls, issues } = read(text);
    expect(ok).toBe(true);
    expect(issues).toEqual([]);
    expect(calls.map((c) => (c[0] === 'root' ? ['root', c[2]] : ['item', c[2], c[3]]))).toEqual([
      ['root', 2],
      ['item', 0, 3],
      ['item', 1, 4],
    ]);
  });

  it('reads a document the same on both paths', () => {
    // an empty first items array makes rootItemSpans refuse the text; JSON.parse keeps the second
    const whole = LIST_TEXT.replace(/^\{/, '{"items": [],');
    expect(isList(whole)).toBe(false);
    const [cut, full] = [read(LIST_TEXT), read(whole)];
    expect(full.ok).toBe(true);
    expect(full.issues).toEqual([]);
    // the whole path may hand the root over with its items still in it
    expect(full.calls[0]).toEqual(['root', LIST, 1]);
    expect(full.calls.slice(1)).toEqual(cut.calls.slice(1));
    expect(cut.calls.slice(1).map((c) => c[3])).toEqual(LIST_LINES);
  });

  it('reports malformed JSON found by the whole-document scan, handing nothing over', () => {
    const text = '{\n  "items": [],\n  "items": [\n    {"a": 1},\n    {"b": 2,}\n  ]\n}';
    expect(isList(text)).toBe(false);
    expect(read(text)).toEqual({
      ok: false,
      calls: [],
      issues: [{ code: 'malformed-json', severity: 'error', line: 5, col: 13, length: 1, detail: 'expected a property name' }],
    });
  });
});
