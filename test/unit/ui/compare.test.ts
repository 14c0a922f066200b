import { describe, expect, it } from 'vitest';
import type { SnapshotSummary } from '../../../db/api-types';
import type { Change, RuleCounterDelta } from '../../../renderer/src/analysis/diff/types';
import {
  barRatio,
  changeFilterable,
  changeRows,
  counterFilterable,
  defaultPair,
  filterRows,
  formatValue,
  parseCompareFilter,
  pathGroups,
  rawDelta,
  signed,
} from '../../../renderer/src/ui-logic/compare';

const removedChain: Change = {
  kind: 'removed',
  subject: 'ip filter KUBE-POD-FW-5U5676JOIQVH54UM',
  node: 'roger-nuc1',
  nodeB: 'roger-nuc0',
  fields: [
    { field: 'type', before: null, after: null },
    { field: 'rules', before: 9, after: null },
  ],
  evidence: { a: { file: 'nodes/roger-nuc1/nft-ruleset.txt', line: 57 } },
};
const changedRoute: Change = {
  kind: 'changed',
  subject: '10.42.0.0/24 table main',
  node: 'roger-nuc1',
  fields: [
    { field: 'dev', before: 'flannel.1', after: 'cni0' },
    { field: 'via', before: '10.42.0.0', after: null },
  ],
  evidence: {},
};

describe('changeRows', () => {
  it('puts one changed field per row and leaves out fields empty on both sides', () => {
    const rows = changeRows([removedChain, changedRoute]);
    expect(rows.map((r) => [r.key, r.field?.field, r.first])).toEqual([
      ['0:0', 'rules', true],
      ['1:0', 'dev', true],
      ['1:1', 'via', false],
    ]);
  });
});

describe('the compare filter', () => {
  const rows = changeRows([removedChain, changedRoute]);
  const run = (text: string) => filterRows(rows, parseCompareFilter(text), changeFilterable).map((r) => r.key);

  it('matches kinds by prefix, nodes and fields by glob, words anywhere, with negation', () => {
    expect(run('kind:rem')).toEqual(['0:0']);
    expect(run('!kind:removed')).toEqual(['1:0', '1:1']);
    expect(run('node:roger-nuc0')).toEqual(['0:0']);
    expect(run('field:d*')).toEqual(['1:0']);
    expect(run('flannel.1')).toEqual(['1:0']);
    expect(run('10.42.0.0/24 dev')).toEqual(['1:0']);
  });

  it('reports unknown fields, bad kinds and empty values with their columns, and then filters nothing', () => {
    expect(parseCompareFilter('kind:bogus').errors[0].message).toMatch(/kind: expects added, removed, changed, reordered, reset/);
    expect(parseCompareFilter('kind:re').errors[0].message).toMatch(/ambiguous/);
    expect(parseCompareFilter('x ns:default').errors[0]).toMatchObject({ start: 2, message: expect.stringMatching(/unknown field "ns:"/) });
    expect(parseCompareFilter('node:').errors[0].message).toBe('node: needs a value');
    expect(run('kind:bogus')).toHaveLength(3);
    // addresses with ports and IPv6 stay plain words
    expect(parseCompareFilter('10.42.0.204:80 fe80::1').terms.map((t) => t.key)).toEqual(['text', 'text']);
  });

  it('finds counter resets with kind:reset', () => {
    const delta = (reset: boolean): RuleCounterDelta => ({
      node: 'roger-nuc1',
      family: 'ip',
      table: 'nat',
      chain: 'KUBE-SERVICES',
      position: 7,
      rule: 'jump KUBE-EXT-2CMXP7HKUVJN7L6M',
      before: { packets: reset ? 1282 : 6, bytes: 0 },
      after: { packets: reset ? 6 : 12, bytes: 0 },
      packets: 6,
      bytes: 0,
      reset,
      evidence: {},
    });
    const rules = [delta(false), delta(true)];
    expect(filterRows(rules, parseCompareFilter('kind:reset'), counterFilterable)).toEqual([rules[1]]);
    expect(rawDelta(rules[1]).packets).toBe(-1276);
  });
});

describe('pathGroups', () => {
  it('groups path changes per Service and says what happened to each leaf', () => {
    const leaf = (kind: Change['kind'], service: string, leafKey: string | null, fields: Change['fields'] = []): Change => ({
      kind,
      subject: `${service} LoadBalancer 192.168.28.61:80 from external on roger-nuc1${leafKey ? ` → ${leafKey}` : ''}`,
      fields,
      evidence: {},
    });
    const groups = pathGroups([
      leaf('changed', 'default/nginx', '10.42.0.204:80 delivered', [{ field: 'probability', before: 0.333333, after: 0.5 }]),
      leaf('removed', 'default/nginx', '10.42.4.11:80 delivered'),
      leaf('added', 'default/api', null),
    ]);
    expect(groups.map((g) => [g.service, g.appeared, g.disappeared, g.changed])).toEqual([
      ['default/api', 1, 0, 0],
      ['default/nginx', 0, 1, 1],
    ]);
    expect(groups[1].changes.map((c) => [c.entry, c.leaf, c.what])).toEqual([
      ['LoadBalancer 192.168.28.61:80 from external on roger-nuc1', '10.42.0.204:80 delivered', 'probability'],
      ['LoadBalancer 192.168.28.61:80 from external on roger-nuc1', '10.42.4.11:80 delivered', 'disappeared'],
    ]);
    expect(groups[0].changes[0].what).toBe('entry point appeared');
  });
});

describe('small formatting', () => {
  it('signs deltas with a real minus, scales bars and prints values', () => {
    expect([signed(3), signed(-120), signed(0)]).toEqual(['+3', '\u2212120', '0']);
    expect([barRatio(3, 6), barRatio(0, 6), barRatio(1, 100000), barRatio(5, 0)]).toEqual([0.5, 0, 0.02, 0]);
    expect([formatValue(null), formatValue(['a', 'b']), formatValue([]), formatValue(false), formatValue(9)]).toEqual(['—', 'a, b', '(none)', 'false', '9']);
  });
});

describe('defaultPair', () => {
  const snap = (id: number) => ({ id }) as SnapshotSummary;
  it('compares the open snapshot with the newest other one, else the two newest', () => {
    expect(defaultPair([snap(1)], null)).toBeNull();
    expect(defaultPair([snap(3), snap(1), snap(2)], null)).toEqual({ a: 2, b: 3 });
    expect(defaultPair([snap(1), snap(2), snap(3)], 1)).toEqual({ a: 1, b: 3 });
    expect(defaultPair([snap(1), snap(2), snap(3)], 3)).toEqual({ a: 2, b: 3 });
  });
});
