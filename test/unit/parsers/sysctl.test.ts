import { describe, expect, it } from 'vitest';
import { parseSysctl } from '../../../db/parsers/sysctl';
import { fixture } from './fixture';

describe('parseSysctl', () => {
  it('reads `sysctl KEY…` output, keeping values as printed', () => {
    const { value, issues } = parseSysctl(fixture('iproute2/node-sysctl.txt'), { file: 's' });
    expect(issues).toEqual([]);
    expect(value).toEqual({
      'net.ipv4.ip_forward': '1',
      'net.ipv4.conf.all.rp_filter': '0',
      'net.ipv4.conf.default.rp_filter': '0',
      'net.ipv4.conf.all.forwarding': '1',
      'net.ipv6.conf.all.forwarding': '0',
      'net.ipv4.ip_local_port_range': '32768\t60999',
      'net.netfilter.nf_conntrack_max': '262144',
    });
  });

  it.each([
    ['net.ipv4.ip_forward=1', { 'net.ipv4.ip_forward': '1' }],
    ['net.bridge.bridge-nf-call-iptables = 1', { 'net.bridge.bridge-nf-call-iptables': '1' }],
    ['net.ipv4.conf.flannel/1.rp_filter = 2', { 'net.ipv4.conf.flannel/1.rp_filter': '2' }],
    ['# comment\n; comment\n\nkernel.hostname = ', { 'kernel.hostname': '' }],
    ['__proto__ = 1', { ['__proto__']: '1' }],
  ])('reads %j', (text, expected) => {
    const { value, issues } = parseSysctl(text, { file: 'f' });
    expect(issues).toEqual([]);
    expect(value).toEqual(expected);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it('reports unreadable lines and conflicting repeats', () => {
    const text = 'sysctl: cannot stat /proc/sys/net/bridge/bridge-nf-call-iptables: No such file or directory\na = 1\na = 2\n';
    const { value, issues } = parseSysctl(text, { file: 'f' });
    expect(value).toEqual({ a: '2' });
    expect(issues.map((i) => [i.code, i.line, i.detail])).toEqual([
      ['unknown-syntax', 1, 'sysctl: cannot stat /proc/sys/net/bridge/bridge-nf-call-iptables: No such file or directory'],
      ['duplicate-record', 3, 'a = 2'],
    ]);
  });
});
