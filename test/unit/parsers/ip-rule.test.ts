import { describe, expect, it } from 'vitest';
import type { IpRule } from '../../../renderer/src/analysis/model';
import { parseIpRuleJson, parseIpRuleText } from '../../../db/parsers/ip-rule';
import { fixture } from './fixture';

const strip = (l: IpRule[]) => l.map(({ source: _s, ...rest }) => rest);

function rule(over: Partial<IpRule>): Omit<IpRule, 'source'> {
  return {
    family: 'inet',
    priority: 0,
    src: null,
    dst: null,
    fwmark: null,
    iif: null,
    oif: null,
    table: null,
    action: 'lookup',
    not: false,
    ...over,
  };
}

const NODE_RULES = [
  rule({ priority: 0, table: 'local' }),
  rule({ priority: 100, not: true, src: '10.42.0.0/16', iif: 'cni0', table: 'main' }),
  rule({ priority: 200, src: '10.42.1.5/32', dst: '10.0.0.0/8', oif: 'eno1', table: '100' }),
  rule({ priority: 300, src: '10.66.0.0/16', action: 'prohibit' }),
  rule({ priority: 32765, fwmark: '0x1000/0x1000', table: '100' }),
  rule({ priority: 32766, table: 'main' }),
  rule({ priority: 32767, table: 'default' }),
];

describe('parseIpRuleJson (ip -j rule show)', () => {
  it('reads the policy rules: negation, selectors, fwmark with mask, actions', () => {
    const { value, issues } = parseIpRuleJson(fixture('iproute2/node-ip-rule.json'), { file: 'r.json' });
    expect(issues).toEqual([]);
    expect(strip(value)).toEqual(NODE_RULES);
    expect(value[4].source).toEqual({ file: 'r.json', line: 0, pointer: '/4' });
  });

  it('reads IPv6 rules and a full fwmark mask', () => {
    const r = parseIpRuleJson('[{"priority":5,"src":"fd00::","srclen":64,"fwmark":"0x1","fwmask":"0xffffffff","table":"7"}]', { file: 'f' });
    expect(strip(r.value)).toEqual([rule({ family: 'inet6', priority: 5, src: 'fd00::/64', fwmark: '0x1', table: '7' })]);
  });

  it('reports selectors the model has no field for, and keeps the rule', () => {
    const r = parseIpRuleJson('[{"priority":9,"src":"all","table":"main","suppress_prefixlen":0}]', { file: 'f' });
    expect(strip(r.value)).toEqual([rule({ priority: 9, table: 'main' })]);
    expect(r.issues.map((i) => [i.code, i.severity, i.detail])).toEqual([['unknown-syntax', 'info', '/0/suppress_prefixlen: 0']]);
  });

  it.each([
    ['malformed JSON', '[{', 'malformed-json'],
    ['a rule without priority', '[{"src":"all"}]', 'missing-field'],
  ])('reports %s', (_what, text, code) => {
    expect(parseIpRuleJson(text, { file: 'f' }).issues.map((i) => i.code)).toEqual([code]);
  });
});

describe('parseIpRuleText (ip rule show)', () => {
  it('reads the same rules as the JSON', () => {
    const { value, issues } = parseIpRuleText(fixture('iproute2/node-ip-rule.txt'), { file: 'r.txt' });
    expect(issues).toEqual([]);
    expect(strip(value)).toEqual(NODE_RULES);
    expect(value[1].source).toEqual({ file: 'r.txt', line: 2 });
  });

  it.each<[string, Omit<IpRule, 'source'>]>([
    ['0:\tfrom all lookup local', rule({ priority: 0, table: 'local' })],
    ['32765:\tfrom all fwmark 0x1000/0x1000 lookup 100', rule({ priority: 32765, fwmark: '0x1000/0x1000', table: '100' })],
    ['1000:\tfrom all iif eth0 [detached] lookup 5', rule({ priority: 1000, iif: 'eth0', table: '5' })],
    ['10:\tfrom 10.0.0.0/8 to fd00::/8 blackhole', rule({ family: 'inet', priority: 10, src: '10.0.0.0/8', dst: 'fd00::/8', action: 'blackhole' })],
  ])('reads %s', (line, expected) => {
    const { value, issues } = parseIpRuleText(line, { file: 'f' });
    expect(issues).toEqual([]);
    expect(strip(value)).toEqual([expected]);
  });

  it('keeps unknown lines and unknown selectors in issues', () => {
    const { value, issues } = parseIpRuleText('99:\tfrom all lookup main suppress_prefixlength 0\nwhat is this\n', { file: 'f' });
    expect(strip(value)).toEqual([rule({ priority: 99, table: 'main' })]);
    expect(issues.map((i) => [i.line, i.col, i.detail])).toEqual([
      [1, 26, 'suppress_prefixlength 0'],
      [2, 1, 'what is this'],
    ]);
  });
});
