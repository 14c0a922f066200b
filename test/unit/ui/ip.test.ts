import { describe, expect, it } from 'vitest';
import { cidrContains, compareIp, parseCidr, parseIp } from '../../../renderer/src/ui-logic/ip';

describe('ip helpers', () => {
  it('parses IPv4 and IPv6', () => {
    expect(parseIp('10.42.0.204')).toEqual({ family: 4, value: 0x0a2a00ccn });
    expect(parseIp('256.1.1.1')).toBeNull();
    expect(parseIp('::1')).toEqual({ family: 6, value: 1n });
    expect(parseIp('fd00::')).toEqual({ family: 6, value: 0xfd00n << 112n });
    expect(parseIp('::ffff:10.0.0.1')?.value).toBe((0xffffn << 32n) | 0x0a000001n);
    expect(parseIp('1:2:3:4:5:6:7:8:9')).toBeNull();
    expect(parseIp('1::2::3')).toBeNull();
    expect(parseIp('nginx')).toBeNull();
  });

  it('checks CIDR containment', () => {
    const pods = parseCidr('10.42.0.0/16');
    expect(pods).not.toBeNull();
    expect(cidrContains(pods!, '10.42.255.1')).toBe(true);
    expect(cidrContains(pods!, '10.43.0.1')).toBe(false);
    expect(cidrContains(pods!, 'fd00::1')).toBe(false);
    expect(cidrContains(parseCidr('0.0.0.0/0')!, '8.8.8.8')).toBe(true);
    expect(cidrContains(parseCidr('fd00::/8')!, 'fd12::1')).toBe(true);
    expect(parseCidr('10.0.0.0/x')).toBeNull();
  });

  it('sorts numerically, IPv4 first, text last', () => {
    const sorted = ['10.43.0.10', 'fd00::1', '', '10.43.0.9', '9.9.9.9'].sort(compareIp);
    expect(sorted).toEqual(['9.9.9.9', '10.43.0.9', '10.43.0.10', 'fd00::1', '']);
  });
});
