import { describe, expect, it } from 'vitest';
import type { Route } from '../../../renderer/src/analysis/model';
import { parseIpRouteJson, parseIpRouteText } from '../../../db/parsers/ip-route';
import { fixture } from './fixture';

const strip = (l: Route[]) => l.map(({ source: _s, ...rest }) => rest);

function route(over: Partial<Route>): Omit<Route, 'source'> {
  return {
    family: 'inet',
    table: 'main',
    type: 'unicast',
    dst: 'default',
    gateway: null,
    dev: null,
    protocol: null,
    scope: null,
    prefsrc: null,
    metric: null,
    flags: [],
    ...over,
  };
}

/** What the node fixture holds (ip route show table all, both families). */
const NODE_IPV4 = [
  route({ table: '100', gateway: '192.168.28.10', dev: 'eno1' }),
  route({ gateway: '192.168.28.1', dev: 'eno1', protocol: 'dhcp', prefsrc: '192.168.28.11', metric: 100 }),
  route({ dst: '10.42.0.0/24', gateway: '10.42.0.0', dev: 'flannel.1', flags: ['onlink'] }),
  route({ dst: '10.42.1.0/24', dev: 'cni0', protocol: 'kernel', scope: 'link', prefsrc: '10.42.1.1' }),
  route({ type: 'blackhole', dst: '10.42.9.0/24', protocol: 'bird' }),
  route({ dst: '10.97.0.5/32', dev: 'eno1', scope: 'link' }),
  route({ type: 'unreachable', dst: '10.98.0.0/16' }),
  route({ dst: '10.99.0.0/16', gateway: '192.168.28.1', dev: 'eno1', flags: ['multipath'] }),
  route({ dst: '10.99.0.0/16', gateway: '192.168.28.10', dev: 'eno1', flags: ['multipath'] }),
  route({ dst: '192.168.28.0/24', dev: 'eno1', protocol: 'kernel', scope: 'link', prefsrc: '192.168.28.11' }),
  route({ table: 'local', type: 'local', dst: '10.42.1.0/32', dev: 'flannel.1', protocol: 'kernel', scope: 'host', prefsrc: '10.42.1.0' }),
  route({ table: 'local', type: 'local', dst: '10.42.1.1/32', dev: 'cni0', protocol: 'kernel', scope: 'host', prefsrc: '10.42.1.1' }),
  route({ table: 'local', type: 'broadcast', dst: '10.42.1.255/32', dev: 'cni0', protocol: 'kernel', scope: 'link', prefsrc: '10.42.1.1' }),
];

describe('parseIpRouteJson (ip -j route show table all)', () => {
  const { value, issues } = parseIpRouteJson(fixture('iproute2/node-ip-route.json'), { file: 'r.json' });

  it('reads routes of every table and type with defaults filled in', () => {
    expect(issues).toEqual([]);
    expect(strip(value).slice(0, NODE_IPV4.length)).toEqual(NODE_IPV4);
  });

  it('tells IPv6 routes apart, including a default route', () => {
    const v6 = value.filter((r) => r.family === 'inet6');
    expect(v6.map((r) => r.dst)).toContain('default');
    expect(v6.find((r) => r.dst === 'default')).toMatchObject({ gateway: 'fd00:28::1', metric: 1024, table: 'main' });
    expect(v6.find((r) => r.dst === '::1/128')).toMatchObject({ type: 'local', table: 'local', metric: 0 });
    expect(value.filter((r) => r.family === 'inet')).toHaveLength(18);
  });

  it('points multipath nexthops at their own JSON objects', () => {
    expect(value[7].source).toEqual({ file: 'r.json', line: 0, pointer: '/7/nexthops/0' });
    expect(value[8].source).toEqual({ file: 'r.json', line: 0, pointer: '/7/nexthops/1' });
  });

  it('reads `ip -6 -j route` output on its own', () => {
    const r = parseIpRouteJson(fixture('iproute2/node-ip6-route.json'), { file: 'r6' });
    expect(r.issues).toEqual([]);
    expect(r.value.every((x) => x.family === 'inet6')).toBe(true);
  });

  it('reads an IPv4 route via an IPv6 gateway', () => {
    const r = parseIpRouteJson('[{"dst":"10.7.0.0/16","via":{"family":"inet6","host":"fe80::1"},"dev":"v0","flags":[]}]', { file: 'f' });
    expect(strip(r.value)).toEqual([route({ dst: '10.7.0.0/16', gateway: 'fe80::1', dev: 'v0' })]);
  });

  it.each([
    ['malformed JSON', '[{"dst": "default",', 'malformed-json'],
    ['a route without dst', '[{"dev": "eno1"}]', 'missing-field'],
    ['nexthops that are not a list', '[{"dst": "default", "nexthops": 3}]', 'unexpected-shape'],
  ])('reports %s', (_what, text, code) => {
    expect(parseIpRouteJson(text, { file: 'f' }).issues.map((i) => i.code)).toEqual([code]);
  });
});

describe('parseIpRouteText (ip route show table all)', () => {
  it('reads the same routes as the JSON, with line numbers', () => {
    const text = parseIpRouteText(fixture('iproute2/node-ip-route.txt'), { file: 'r.txt' });
    const json = parseIpRouteJson(fixture('iproute2/node-ip-route.json'), { file: 'r.json' });
    expect(text.issues).toEqual([]);
    expect(strip(text.value)).toEqual(strip(json.value));
    expect(text.value.map((r) => r.source.line).slice(6, 10)).toEqual([7, 9, 10, 11]);
  });

  it("reads the article's flannel and bridge routes", () => {
    const { value, issues } = parseIpRouteText(fixture('iproute2/article-ip-route.txt'), { file: 'article' });
    expect(issues).toEqual([]);
    expect(strip(value)).toEqual([
      route({ dst: '10.42.0.0/24', gateway: '10.42.0.0', dev: 'flannel.1', flags: ['onlink'] }),
      route({ dst: '10.42.0.0/24', dev: 'cni0', protocol: 'kernel', scope: 'link', prefsrc: '10.42.0.1' }),
    ]);
  });

  it.each<[string, string, Omit<Route, 'source'>]>([
    ['a flannel onlink route', '10.42.0.0/24 via 10.42.0.0 dev flannel.1 onlink', route({ dst: '10.42.0.0/24', gateway: '10.42.0.0', dev: 'flannel.1', flags: ['onlink'] })],
    ['a table local route', 'local 10.42.0.1 dev cni0 table local proto kernel scope host src 10.42.0.1', route({ type: 'local', table: 'local', dst: '10.42.0.1/32', dev: 'cni0', protocol: 'kernel', scope: 'host', prefsrc: '10.42.0.1' })],
    ['a DHCP default route', 'default via 192.168.28.1 dev eno1 proto dhcp src 192.168.28.11 metric 100', route({ gateway: '192.168.28.1', dev: 'eno1', protocol: 'dhcp', prefsrc: '192.168.28.11', metric: 100 })],
    ['a calico blackhole', 'blackhole 10.42.1.0/24 proto bird', route({ type: 'blackhole', dst: '10.42.1.0/24', protocol: 'bird' })],
    ['an IPv6 default route without gateway', 'default dev wg0 metric 1024 pref medium', route({ family: 'inet6', dev: 'wg0', metric: 1024 })],
    ['a route with mtu lock and linkdown', '10.9.0.2 dev v0 proto kernel scope link src 10.9.0.1 mtu lock 1400 linkdown', route({ dst: '10.9.0.2/32', dev: 'v0', protocol: 'kernel', scope: 'link', prefsrc: '10.9.0.1', flags: ['linkdown'] })],
    ['a route via another family', '10.7.0.0/16 via inet6 fe80::1 dev v0', route({ dst: '10.7.0.0/16', gateway: 'fe80::1', dev: 'v0' })],
    ['an IPv6 unreachable route', 'unreachable default dev lo table unspec proto kernel metric 4294967295 error -101 pref medium', route({ family: 'inet6', type: 'unreachable', table: 'unspec', dev: 'lo', protocol: 'kernel', metric: 4294967295 })],
  ])('reads %s', (_what, line, expected) => {
    const { value, issues } = parseIpRouteText(line, { file: 'f' });
    expect(issues).toEqual([]);
    expect(strip(value)).toEqual([expected]);
  });

  it('splits a multipath route into one route per nexthop', () => {
    const text = 'default proto static metric 10\n\tnexthop via 10.0.0.1 dev eth0 weight 1\n\tnexthop via 10.0.1.1 dev eth1 weight 1 onlink\n10.0.0.0/24 dev eth0\n';
    const { value, issues } = parseIpRouteText(text, { file: 'f' });
    expect(issues).toEqual([]);
    expect(value.map((r) => [r.dst, r.gateway, r.dev, r.metric, r.flags.join(','), r.source.line])).toEqual([
      ['default', '10.0.0.1', 'eth0', 10, 'multipath', 2],
      ['default', '10.0.1.1', 'eth1', 10, 'onlink,multipath', 3],
      ['10.0.0.0/24', null, 'eth0', null, '', 4],
    ]);
  });

  it('keeps unknown keys and stray lines in issues with line and column', () => {
    const text = '10.1.0.0/16 dev eth0 encap mpls 200 mtu 1400\n    something odd\n\tnexthop via 1.1.1.1 dev x\nlocal\n';
    const { value, issues } = parseIpRouteText(text, { file: 'f' });
    expect(value.map((r) => [r.dst, r.dev, r.gateway])).toEqual([['10.1.0.0/16', 'eth0', null]]);
    expect(issues.map((i) => [i.code, i.line, i.col, i.detail])).toEqual([
      ['unknown-syntax', 1, 22, 'encap mpls 200 mtu 1400'],
      ['unknown-syntax', 2, 5, '    something odd'],
      ['unknown-syntax', 3, 2, '\tnexthop via 1.1.1.1 dev x'],
      ['unknown-syntax', 4, 1, 'local'],
    ]);
  });
});
