import { describe, expect, it } from 'vitest';
import { parseIpAddrJson, parseIpAddrText } from '../../../db/parsers/ip-addr';
import { fixture } from './fixture';

const summary = (l: { ifname: string; ifindex: number | null; family: string; address: string; prefixLen: number; scope: string | null }[]) =>
  l.map((a) => `${a.ifindex}:${a.ifname} ${a.family} ${a.address}/${a.prefixLen} ${a.scope}`);

const NODE_ADDRESSES = [
  '1:lo inet 127.0.0.1/8 host',
  '1:lo inet6 ::1/128 host',
  '2:eno1 inet 192.168.28.11/24 global',
  '2:eno1 inet6 fd00:28::11/64 global',
  '2:eno1 inet6 fe80::4a21:bff:fe33:31e/64 link',
  '3:cni0 inet 10.42.1.1/24 global',
  '3:cni0 inet6 fe80::7088:58ff:fe6b:d1da/64 link',
];

describe('parseIpAddrJson (ip -j addr show)', () => {
  it('reads every address with its interface, prefix and scope', () => {
    const { value, issues } = parseIpAddrJson(fixture('iproute2/node-ip-addr.json'), { file: 'a.json' });
    expect(issues).toEqual([]);
    expect(summary(value).slice(0, NODE_ADDRESSES.length)).toEqual(NODE_ADDRESSES);
    expect(summary(value)).toContain('7:flannel.1 inet 10.42.1.0/32 global');
    expect(value.filter((a) => a.ifname === 'veth9f8e7d6c')).toEqual([]);
    expect(value[2].source).toEqual({ file: 'a.json', line: 0, pointer: '/1/addr_info/0' });
  });

  it('reads the pod address', () => {
    const { value } = parseIpAddrJson(fixture('iproute2/pod1-ip-addr.json'), { file: 'p' });
    expect(summary(value)).toContain('2:eth0 inet 10.42.1.5/24 global');
  });

  it.each([
    ['malformed JSON', '[{"ifname": ', 'malformed-json'],
    ['addr_info that is not a list', '[{"ifname": "lo", "addr_info": {}}]', 'unexpected-shape'],
    ['an address entry that is not an object', '[{"ifname": "lo", "addr_info": [1]}]', 'unexpected-shape'],
    ['an address without local', '[{"ifname": "lo", "addr_info": [{"family": "inet"}]}]', 'unexpected-shape'],
    ['a record without ifname', '[{"ifindex": 3}]', 'missing-field'],
  ])('reports %s', (_what, text, code) => {
    const r = parseIpAddrJson(text, { file: 'f' });
    expect(r.value).toEqual([]);
    expect(r.issues.map((i) => i.code)).toEqual([code]);
  });
});

describe('parseIpAddrText (ip addr show)', () => {
  it('reads the same addresses as the JSON, with line numbers', () => {
    const text = parseIpAddrText(fixture('iproute2/node-ip-addr.txt'), { file: 'a.txt' });
    const json = parseIpAddrJson(fixture('iproute2/node-ip-addr.json'), { file: 'a.json' });
    expect(text.issues).toEqual([]);
    expect(summary(text.value)).toEqual(summary(json.value));
    expect(text.value[2].source).toEqual({ file: 'a.txt', line: 9 });
  });

  it.each([
    ['a point-to-point address', '    inet 10.9.0.1 peer 10.9.0.2/32 scope global v0', 'inet 10.9.0.1/32 global'],
    ['a DHCP address with brd and flags', '    inet 192.168.1.5/24 brd 192.168.1.255 scope global dynamic noprefixroute eno1', 'inet 192.168.1.5/24 global'],
    ['an address without scope', '    inet6 fd00::5/64', 'inet6 fd00::5/64 null'],
  ])('reads %s', (_what, line, expected) => {
    const { value, issues } = parseIpAddrText(`3: v0@v1: <UP> mtu 1500 qdisc noqueue state UP group default\n${line}\n`, { file: 'f' });
    expect(issues).toEqual([]);
    expect(summary(value)).toEqual([`3:v0 ${expected}`]);
  });

  it('keeps lines it does not know in issues', () => {
    const { value, issues } = parseIpAddrText('    inet 10.0.0.1/8 scope host lo\nnot a header\n    mpls 5\n', { file: 'f' });
    expect(value).toEqual([]);
    expect(issues.map((i) => [i.line, i.col, i.detail])).toEqual([
      [1, 5, '    inet 10.0.0.1/8 scope host lo'],
      [2, 1, 'not a header'],
      [3, 5, '    mpls 5'],
    ]);
  });
});
