import { describe, expect, it } from 'vitest';
import type { FdbEntry } from '../../../renderer/src/analysis/model';
import { parseBridgeFdbJson, parseBridgeFdbText } from '../../../db/parsers/bridge-fdb';
import { fixture } from './fixture';

const strip = (l: FdbEntry[]) => l.map(({ source: _s, ...rest }) => rest);

describe('parseBridgeFdbJson (bridge -j fdb show)', () => {
  const { value, issues } = parseBridgeFdbJson(fixture('iproute2/node-bridge-fdb.json'), { file: 'f.json' });

  it('reads the flannel VTEP entries with their remote node IP', () => {
    expect(issues).toEqual([]);
    expect(strip(value.filter((e) => e.dev === 'flannel.1'))).toEqual([
      { mac: '5a:1f:c8:11:02:2f', dev: 'flannel.1', dst: '192.168.28.10', master: null, vlan: null, flags: ['self'], state: 'permanent' },
      { mac: '00:00:00:00:00:00', dev: 'flannel.1', dst: '192.168.28.10', master: null, vlan: null, flags: ['self'], state: 'permanent' },
    ]);
  });

  it('reads learnt bridge entries (no state) and their port', () => {
    const learnt = value.filter((e) => e.master === 'cni0' && e.state === null);
    expect(learnt.map((e) => e.dev).sort()).toEqual(['veth0a1b2c3d', 'veth56cecc8b']);
    expect(value.find((e) => e.mac === 'f6:00:09:05:bd:fa')).toMatchObject({ dev: 'veth56cecc8b', master: 'cni0', state: 'permanent', flags: [] });
  });

  it.each([
    ['malformed JSON', '{', 'malformed-json'],
    ['an entry without mac', '[{"ifname":"cni0"}]', 'missing-field'],
    ['a vlan that is not a number', '[{"mac":"aa:bb:cc:dd:ee:ff","ifname":"cni0","vlan":"one"}]', 'unexpected-shape'],
  ])('reports %s', (_what, text, code) => {
    expect(parseBridgeFdbJson(text, { file: 'f' }).issues.map((i) => i.code)).toEqual([code]);
  });
});

describe('parseBridgeFdbText (bridge fdb show)', () => {
  it('reads the same entries as the JSON', () => {
    const text = parseBridgeFdbText(fixture('iproute2/node-bridge-fdb.txt'), { file: 'f.txt' });
    const json = parseBridgeFdbJson(fixture('iproute2/node-bridge-fdb.json'), { file: 'f.json' });
    expect(text.issues).toEqual([]);
    expect(strip(text.value)).toEqual(strip(json.value));
    expect(text.value[24].source).toEqual({ file: 'f.txt', line: 25 });
  });

  it.each<[string, Omit<FdbEntry, 'source'>]>([
    [
      '5a:1f:c8:11:02:2e dev flannel.1 dst 192.168.28.11 self permanent',
      { mac: '5a:1f:c8:11:02:2e', dev: 'flannel.1', dst: '192.168.28.11', master: null, vlan: null, flags: ['self'], state: 'permanent' },
    ],
    [
      '72:88:58:6b:d1:da dev cni0 vlan 1 master cni0 permanent',
      { mac: '72:88:58:6b:d1:da', dev: 'cni0', dst: null, master: 'cni0', vlan: 1, flags: [], state: 'permanent' },
    ],
    [
      '00:00:00:00:00:00 dev vxlan0 dst 10.0.0.2 port 4789 vni 42 via eth0 self static',
      { mac: '00:00:00:00:00:00', dev: 'vxlan0', dst: '10.0.0.2', master: null, vlan: null, flags: ['self'], state: 'static' },
    ],
  ])('reads %s', (line, expected) => {
    const { value, issues } = parseBridgeFdbText(line, { file: 'f' });
    expect(issues).toEqual([]);
    expect(strip(value)).toEqual([expected]);
  });

  it('keeps lines without a device, and unknown keys, in issues', () => {
    const { value, issues } = parseBridgeFdbText('aa:bb:cc:dd:ee:ff self permanent\naa:bb:cc:dd:ee:01 dev x mystery 3\n', { file: 'f' });
    expect(value.map((e) => e.mac)).toEqual(['aa:bb:cc:dd:ee:01']);
    expect(issues.map((i) => [i.line, i.col, i.detail])).toEqual([
      [1, 1, 'aa:bb:cc:dd:ee:ff self permanent'],
      [2, 25, 'mystery 3'],
    ]);
  });
});
