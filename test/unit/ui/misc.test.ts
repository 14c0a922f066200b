import { describe, expect, it } from 'vitest';
import type { SearchHit } from '../../../electron/ipc-contract';
import { parseFlowForm } from '../../../renderer/src/ui-logic/flow-form';
import { formatBytes, formatCount, formatProbability, formatTime } from '../../../renderer/src/ui-logic/format';
import { groupBySeverity } from '../../../renderer/src/ui-logic/group-findings';
import { routeForHit } from '../../../renderer/src/ui-logic/route';

describe('groupBySeverity', () => {
  it('groups errors, warnings, info by code, biggest group first, and skips empty severities', () => {
    const items = [
      { severity: 'warning' as const, code: 'veth-without-pod', n: 1 },
      { severity: 'info' as const, code: 'hostnetwork-pod', n: 2 },
      { severity: 'warning' as const, code: 'service-without-endpoints', n: 3 },
      { severity: 'warning' as const, code: 'veth-without-pod', n: 4 },
    ];
    const groups = groupBySeverity(items);
    expect(groups.map((g) => [g.severity, g.count])).toEqual([
      ['warning', 3],
      ['info', 1],
    ]);
    expect(groups[0].codes.map((c) => [c.code, c.items.map((i) => i.n)])).toEqual([
      ['veth-without-pod', [1, 4]],
      ['service-without-endpoints', [3]],
    ]);
  });
});

describe('parseFlowForm', () => {
  it('builds a FlowSpec', () => {
    expect(parseFlowForm({ from: 'external', to: '192.168.28.61:80', protocol: 'tcp', node: '' })).toEqual({
      ok: true,
      flow: { to: '192.168.28.61', port: 80, protocol: 'tcp', from: 'external' },
    });
    expect(parseFlowForm({ from: '10.42.1.4', to: '[fd00::10]:53/udp', protocol: 'tcp', node: 'roger-nuc1' })).toEqual({
      ok: true,
      flow: { to: 'fd00::10', port: 53, protocol: 'udp', from: '10.42.1.4', node: 'roger-nuc1' },
    });
  });

  it('explains what is wrong', () => {
    const error = (to: string, from = 'external') => {
      const r = parseFlowForm({ from, to, protocol: 'tcp', node: '' });
      return r.ok ? null : r.error;
    };
    expect(error('10.43.0.10')).toMatch(/expects IP:PORT/);
    expect(error('nginx:80')).toMatch(/not an IP address/);
    expect(error('10.0.0.1:70000')).toMatch(/1 to 65535/);
    expect(error('10.0.0.1:80/icmp')).toMatch(/unknown protocol/);
    expect(error('10.0.0.1:80', 'somewhere')).toMatch(/From:/);
  });
});

describe('format', () => {
  it('keeps numbers short', () => {
    expect(formatCount(9999)).toBe('9999');
    expect(formatCount(12_345)).toBe('12.3k');
    expect(formatCount(2_500_000)).toBe('2.5M');
    expect(formatBytes(52)).toBe('52 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatProbability(1 / 3)).toBe('33.3%');
    expect(formatProbability(0.001)).toBe('0.10%');
    expect(formatProbability(1)).toBe('100%');
    expect(formatTime('2023-04-18T13:05:00Z')).toBe('2023-04-18 13:05Z');
    expect(formatTime(null)).toBe('—');
  });
});

describe('routeForHit', () => {
  const hit = (view: SearchHit['target']['view'], key: string): SearchHit => ({
    kind: 'chain',
    label: key,
    detail: '',
    node: 'roger-nuc1',
    target: { view, key },
    source: null,
  });
  it('opens the matching view with the object selected', () => {
    expect(routeForHit(hit('service', 'default/nginx'))).toEqual({ view: 'services', service: 'default/nginx' });
    expect(routeForHit(hit('pod', 'default/nginx-7c5ddbdf54-tz9qm'))).toEqual({ view: 'interfaces', filter: 'default/nginx-7c5ddbdf54-tz9qm' });
    expect(routeForHit(hit('overview', 'roger-nuc1'))).toEqual({ view: 'overview' });
    expect(routeForHit(hit('rules', 'roger-nuc1:ip:nat:KUBE-SVC-2CMXP7HKUVJN7L6M'))).toEqual({
      view: 'rules',
      node: 'roger-nuc1',
      find: '',
      target: { family: 'ip', table: 'nat', chain: 'KUBE-SVC-2CMXP7HKUVJN7L6M', position: null },
    });
    expect(routeForHit(hit('rules', 'roger-nuc1:ip:nat:KUBE-SERVICES:3'))).toMatchObject({ target: { chain: 'KUBE-SERVICES', position: 3 } });
    expect(routeForHit(hit('routes', 'roger-nuc0::main:fd00:42::/64'))).toEqual({
      view: 'routes',
      node: 'roger-nuc0',
      netns: null,
      select: { kind: 'route', table: 'main', dst: 'fd00:42::/64' },
    });
    expect(routeForHit(hit('interfaces', 'roger-nuc0:cni-357001b9-24ca-5619-df3a-4dfe972bb930'))).toEqual({ view: 'interfaces', filter: 'cni-357001b9-24ca-5619-df3a-4dfe972bb930' });
    expect(routeForHit(hit('interfaces', 'roger-nuc0::cni0'))).toEqual({ view: 'routes', node: 'roger-nuc0', netns: null, select: { kind: 'interface', name: 'cni0' } });
  });
});
