import { describe, expect, it } from 'vitest';
import type { NetInterface } from '../../../renderer/src/analysis/model';
import { parseIpLinkJson, parseIpLinkText } from '../../../db/parsers/ip-link';
import { fixture, fixturePrefix } from './fixture';

const P = fixturePrefix();

function byName(list: NetInterface[], name: string): NetInterface {
  const found = list.find((i) => i.name === name);
  if (!found) throw new Error(`no interface ${name}`);
  return found;
}

describe('parseIpLinkJson (ip -d -j link show)', () => {
  const { value, issues } = parseIpLinkJson(fixture('iproute2/node-ip-link.json'), { file: 'nodes/n1/ip-link.json' });

  it('reads every interface of the node without complaint', () => {
    expect(issues).toEqual([]);
    expect(value.map((i) => `${i.ifindex}:${i.name}:${i.kind}`)).toEqual([
      '1:lo:loopback',
      '2:eno1:veth',
      '3:cni0:bridge',
      '4:veth56cecc8b:veth',
      '5:veth0a1b2c3d:veth',
      '6:veth9f8e7d6c:veth',
      '7:flannel.1:vxlan',
    ]);
  });

  it('gives a pod veth its peer ifindex, peer netns id and bridge', () => {
    expect(byName(value, 'veth56cecc8b')).toEqual({
      ifindex: 4,
      name: 'veth56cecc8b',
      kind: 'veth',
      mtu: 1450,
      mac: 'f6:00:09:05:bd:fa',
      state: 'UP',
      flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
      master: 'cni0',
      peerIfindex: 2,
      linkNetnsName: null,
      linkNetnsId: 1,
      vxlan: null,
      source: { file: 'nodes/n1/ip-link.json', line: 0, pointer: '/3' },
    });
    expect(byName(value, 'veth9f8e7d6c')).toMatchObject({ linkNetnsId: 3, state: 'DOWN', master: 'cni0' });
  });

  it('reads the flannel VXLAN id, local address, port and underlay device', () => {
    expect(byName(value, 'flannel.1').vxlan).toEqual({
      id: 1,
      local: '192.168.28.11',
      group: null,
      port: 8472,
      dev: 'eno1',
    });
  });

  it('sees the pod side of the veth pointing back at the node', () => {
    const pod = parseIpLinkJson(fixture('iproute2/pod1-ip-link.json'), { file: 'pod' });
    expect(pod.issues).toEqual([]);
    expect(byName(pod.value, 'eth0')).toMatchObject({ peerIfindex: 4, linkNetnsId: 0, kind: 'veth', master: null });
  });

  it('resolves a parent given by name and takes a unicast remote as the vxlan group', () => {
    const text = JSON.stringify([
      { ifindex: 2, ifname: 'v1', link: 'v0', flags: [], linkinfo: { info_kind: 'veth' } },
      { ifindex: 3, ifname: 'v0', link: 'v1', flags: [], linkinfo: { info_kind: 'veth' } },
      { ifindex: 4, ifname: 'vx1', flags: [], linkinfo: { info_kind: 'vxlan', info_data: { id: 43, remote: '10.1.1.1', port: 4789 } } },
      { ifindex: 5, ifname: 'tunl0', link: 'NONE', flags: ['NOARP'] },
    ]);
    const { value: list, issues: found } = parseIpLinkJson(text, { file: 'f' });
    expect(found).toEqual([]);
    expect(list.map((i) => i.peerIfindex)).toEqual([3, 2, null, null]);
    expect(list[2].vxlan).toEqual({ id: 43, local: null, group: '10.1.1.1', port: 4789, dev: null });
    expect(list[3].kind).toBe('device');
  });

  it('reports malformed JSON instead of throwing', () => {
    const r = parseIpLinkJson('[{"ifindex": 1, "ifname": "lo"', { file: 'f' });
    expect(r.value).toEqual([]);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ code: 'malformed-json', severity: 'error', line: 1 });
  });

  it.each([
    ['an object instead of a list', '{"ifindex": 1}', 'unexpected-shape', '{"ifindex":1}'],
    ['a non-object element', '[42]', 'unexpected-shape', '/0: 42'],
    ['a record without ifname', '[{"ifindex": 7}]', 'missing-field', '/0: ifname in {"ifindex":7}'],
    ['a field of the wrong type', '[{"ifindex": 1, "ifname": "lo", "mtu": "big"}]', 'unexpected-shape', '/0/mtu: "big"'],
    ['an empty file', '', 'truncated-input', ''],
  ])('reports %s', (_what, text, code, detail) => {
    const r = parseIpLinkJson(text, { file: 'f' });
    expect(r.issues.map((i) => [i.code, i.detail])).toEqual([[code, detail]]);
  });
});

describe('parseIpLinkText (ip -d link show / ip link show)', () => {
  it('reads the -d capture the same way as the JSON, plus the peer netns names', () => {
    const text = parseIpLinkText(fixture('iproute2/node-ip-link.txt'), { file: 'nodes/n1/ip-link.txt' });
    const json = parseIpLinkJson(fixture('iproute2/node-ip-link.json'), { file: 'x' });
    expect(text.issues).toEqual([]);
    const strip = (l: NetInterface[]) => l.map(({ source: _s, linkNetnsName: _n, ...rest }) => rest);
    const fromText = strip(text.value);
    // text `link-netns NAME` replaces the nsid for named namespaces
    const fromJson = strip(json.value).map((i) => ({ ...i, linkNetnsId: i.name === 'veth9f8e7d6c' ? 3 : null }));
    expect(fromText).toEqual(fromJson);
    expect(byName(text.value, 'veth56cecc8b')).toMatchObject({
      peerIfindex: 2,
      linkNetnsName: `${P}-pod1`,
      master: 'cni0',
      source: { file: 'nodes/n1/ip-link.txt', line: 9 },
    });
    expect(byName(text.value, 'eno1').linkNetnsName).toBe(`${P}-lan`);
  });

  it('reads plain `ip link show` (no kinds: device or loopback)', () => {
    const { value, issues } = parseIpLinkText(fixture('iproute2/node-ip-link-plain.txt'), { file: 'f' });
    expect(issues).toEqual([]);
    expect(value.map((i) => i.kind)).toEqual(['loopback', 'device', 'device', 'device', 'device', 'device', 'device']);
    expect(byName(value, 'veth9f8e7d6c')).toMatchObject({ peerIfindex: 2, linkNetnsId: 3, linkNetnsName: null });
  });

  it("reads the article's excerpt and keeps its `...` lines in issues", () => {
    const { value, issues } = parseIpLinkText(fixture('iproute2/article-ip-link.txt'), { file: 'article' });
    expect(value).toEqual([
      {
        ifindex: 8,
        name: 'cni0',
        kind: 'device',
        mtu: 1450,
        mac: '72:88:58:6b:d1:da',
        state: 'UP',
        flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
        master: null,
        peerIfindex: null,
        linkNetnsName: null,
        linkNetnsId: null,
        vxlan: null,
        source: { file: 'article', line: 2 },
      },
      {
        ifindex: 9,
        name: 'veth56cecc8b',
        kind: 'device',
        mtu: 1450,
        mac: 'f6:00:09:05:bd:fa',
        state: 'UP',
        flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
        master: 'cni0',
        peerIfindex: 2,
        linkNetnsName: 'cni-357001b9-24ca-5619-df3a-4dfe972bb930',
        linkNetnsId: null,
        vxlan: null,
        source: { file: 'article', line: 4 },
      },
    ]);
    expect(issues.map((i) => [i.code, i.line, i.detail])).toEqual([
      ['unknown-syntax', 1, '...'],
      ['unknown-syntax', 6, '...more veths'],
    ]);
  });

  it.each([
    [
      'a same-namespace veth pair by name',
      '2: v1@v0: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n' +
        '    link/ether 4a:9c:44:28:48:fc brd ff:ff:ff:ff:ff:ff\n' +
        '3: v0@v1: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n' +
        '    link/ether 6a:26:88:a5:0e:5d brd ff:ff:ff:ff:ff:ff\n',
      [{ name: 'v1', peerIfindex: 3 }, { name: 'v0', peerIfindex: 2 }],
    ],
    [
      'a multicast vxlan with a netnsid',
      '4: vx0: <BROADCAST,MULTICAST> mtu 1450 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n' +
        '    link/ether ba:c9:f8:a2:24:a3 brd ff:ff:ff:ff:ff:ff link-netnsid 0 promiscuity 0  allmulti 0 minmtu 68 maxmtu 65535\n' +
        '    vxlan id 42 group 239.1.1.1 dev v0 srcport 0 0 dstport 4789 ttl auto ageing 300 udpcsum\n',
      [{ kind: 'vxlan', linkNetnsId: 0, vxlan: { id: 42, local: null, group: '239.1.1.1', port: 4789, dev: 'v0' } }],
    ],
    [
      'a tunnel with no parent and no MAC',
      '5: tunl0@NONE: <NOARP> mtu 1480 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n' +
        '    link/ipip 0.0.0.0 brd 0.0.0.0 promiscuity 0\n' +
        '    ipip ipip remote any local any ttl inherit nopmtudisc\n',
      [{ name: 'tunl0', kind: 'ipip', peerIfindex: null, mac: '0.0.0.0' }],
    ],
    [
      'a physical NIC with an altname in a bridge',
      '2: eno1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel master br0 state UP mode DEFAULT group default qlen 1000\n' +
        '    link/ether 48:21:0b:33:03:1e brd ff:ff:ff:ff:ff:ff promiscuity 1 addrgenmode none\n' +
        '    bridge_slave state forwarding priority 32 cost 4\n' +
        '    altname enp0s31f6\n',
      [{ kind: 'device', master: 'br0', mac: '48:21:0b:33:03:1e' }],
    ],
  ])('reads %s', (_what, text, expected) => {
    const r = parseIpLinkText(text, { file: 'f' });
    expect(r.issues).toEqual([]);
    expect(r.value).toMatchObject(expected);
  });

  it('keeps unknown lines and unknown header keys in issues with line numbers', () => {
    const text =
      'garbage before any interface\n' +
      '3: cni0: <UP> mtu 1450 qdisc noqueue frobnicate 7 state UP\n' +
      '    link/ether 72:88:58:6b:d1:da brd ff:ff:ff:ff:ff:ff\n' +
      '    veth\n' +
      '    2nd line that is not a kind\n';
    const { value, issues } = parseIpLinkText(text, { file: 'f' });
    expect(value).toHaveLength(1);
    expect(value[0]).toMatchObject({ name: 'cni0', kind: 'veth', mtu: 1450, state: null });
    expect(issues.map((i) => [i.code, i.line, i.col, i.detail])).toEqual([
      ['unknown-syntax', 1, 1, 'garbage before any interface'],
      ['unknown-syntax', 2, 38, 'frobnicate 7 state UP'],
      ['unknown-syntax', 5, 5, '    2nd line that is not a kind'],
    ]);
  });
});
