import { describe, expect, it } from 'vitest';
import type { Neighbour } from '../../../renderer/src/analysis/model';
import { parseIpNeighJson, parseIpNeighText } from '../../../db/parsers/ip-neigh';
import { fixture } from './fixture';

const key = (l: Neighbour[]) => l.map((n) => `${n.dst} ${n.dev} ${n.lladdr} ${n.state.join(',')}`).sort();

describe('parseIpNeighJson (ip -j neigh show)', () => {
  it('reads permanent flannel entries, learnt entries and failed lookups', () => {
    const { value, issues } = parseIpNeighJson(fixture('iproute2/node-ip-neigh.json'), { file: 'n.json' });
    expect(issues).toEqual([]);
    expect(value).toHaveLength(6);
    expect(value.find((n) => n.dst === '10.42.0.0')).toMatchObject({ dev: 'flannel.1', lladdr: '5a:1f:c8:11:02:2f', state: ['PERMANENT'] });
    expect(value.find((n) => n.dst === '10.42.1.77')).toMatchObject({ dev: 'cni0', lladdr: null, state: ['FAILED'] });
    expect(value.find((n) => n.dst === 'fd00:28::1')).toMatchObject({ dev: 'eno1', state: ['REACHABLE'] });
  });

  it.each([
    ['malformed JSON', '[', 'malformed-json'],
    ['an entry without dev', '[{"dst":"10.0.0.1"}]', 'missing-field'],
    ['a state that is not a list', '[{"dst":"10.0.0.1","dev":"eth0","state":"STALE"}]', 'unexpected-shape'],
  ])('reports %s', (_what, text, code) => {
    expect(parseIpNeighJson(text, { file: 'f' }).issues.map((i) => i.code)).toEqual([code]);
  });
});

describe('parseIpNeighText (ip neigh show)', () => {
  it('reads the same entries as the JSON', () => {
    const text = parseIpNeighText(fixture('iproute2/node-ip-neigh.txt'), { file: 'n.txt' });
    const json = parseIpNeighJson(fixture('iproute2/node-ip-neigh.json'), { file: 'n.json' });
    expect(text.issues).toEqual([]);
    expect(key(text.value)).toEqual(key(json.value));
  });

  it.each([
    ['fe80::1 dev eno1 lladdr 00:11:22:33:44:55 router STALE', 'fe80::1 eno1 00:11:22:33:44:55 STALE'],
    ['10.0.0.9 dev eth0 INCOMPLETE', '10.0.0.9 eth0 null INCOMPLETE'],
    ['10.0.0.8 dev eth0 lladdr 00:11:22:33:44:56 extern_learn NOARP', '10.0.0.8 eth0 00:11:22:33:44:56 NOARP'],
  ])('reads %s', (line, expected) => {
    const { value, issues } = parseIpNeighText(line, { file: 'f' });
    expect(issues).toEqual([]);
    expect(key(value)).toEqual([expected]);
  });

  it('keeps lines without a device, and unknown keys, in issues', () => {
    const { value, issues } = parseIpNeighText('10.0.0.1 lladdr 00:11:22:33:44:55 STALE\n10.0.0.2 dev eth0 vni 5 STALE\n', { file: 'f' });
    expect(key(value)).toEqual(['10.0.0.2 eth0 null ']);
    expect(issues.map((i) => [i.line, i.col, i.detail])).toEqual([
      [1, 1, '10.0.0.1 lladdr 00:11:22:33:44:55 STALE'],
      [2, 19, 'vni 5 STALE'],
    ]);
  });
});
