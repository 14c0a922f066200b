import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { NftRuleset, NftStatement } from '../../../renderer/src/analysis/model';
import { parseNftJson } from '../../../db/parsers/nft-json';
import { parseNftText } from '../../../db/parsers/nft-text';

const fixture = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../fixtures/nft/${name}`, import.meta.url)), 'utf8');

/** Wraps rule expressions in a minimal `nft -j list ruleset` document. */
function document(expr: unknown[], comment?: string): string {
  return JSON.stringify({
    nftables: [
      { metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } },
      { table: { family: 'ip', name: 't', handle: 1 } },
      { chain: { family: 'ip', table: 't', name: 'c', handle: 1 } },
      { rule: { family: 'ip', table: 't', chain: 'c', handle: 2, expr, ...(comment !== undefined ? { comment } : {}) } },
    ],
  });
}

function statementsOf(expr: unknown[]): NftStatement[] {
  return parseNftJson(document(expr), { file: 'r.json' }).value.tables[0].chains[0].rules[0].statements;
}

const payload = (protocol: string, field: string) => ({ payload: { protocol, field } });
const meta = (key: string) => ({ meta: { key } });
const lit = (text: string) => ({ kind: 'literal', text }) as const;
const sel = (...selectors: string[]) => ({ selectors, mask: null });

describe('parseNftJson statements', () => {
  const cases: { name: string; expr: unknown[]; expected: unknown[] }[] = [
    {
      name: 'kube-proxy KUBE-SERVICES match, counter and jump',
      expr: [
        { match: { op: '==', left: meta('l4proto'), right: 'tcp' } },
        { match: { op: '==', left: payload('ip', 'daddr'), right: '192.168.28.61' } },
        { match: { op: '==', left: payload('tcp', 'dport'), right: 80 } },
        { counter: { packets: 1, bytes: 52 } },
        { jump: { target: 'KUBE-EXT-2CMXP7HKUVJN7L6M' } },
      ],
      expected: [
        { kind: 'match', left: sel('meta l4proto'), op: '==', right: lit('tcp'), text: 'meta l4proto tcp' },
        { kind: 'match', left: sel('ip daddr'), op: '==', right: lit('192.168.28.61'), text: 'ip daddr 192.168.28.61' },
        { kind: 'match', left: sel('tcp dport'), op: '==', right: lit('80'), text: 'tcp dport 80' },
        { kind: 'counter', packets: 1, bytes: 52, text: 'counter packets 1 bytes 52' },
        { kind: 'verdict', verdict: { kind: 'jump', target: 'KUBE-EXT-2CMXP7HKUVJN7L6M', argument: null }, text: 'jump KUBE-EXT-2CMXP7HKUVJN7L6M' },
      ],
    },
    {
      name: 'masked mark match',
      expr: [{ match: { op: '!=', left: { '&': [meta('mark'), 16384] }, right: 16384 } }, { return: null }],
      expected: [
        { kind: 'match', left: { selectors: ['meta mark'], mask: 16384 }, op: '!=', right: lit('0x00004000'), text: 'meta mark & 0x00004000 != 0x00004000' },
        { kind: 'verdict', verdict: { kind: 'return', target: null, argument: null }, text: 'return' },
      ],
    },
    {
      name: 'statistic probability rendering',
      expr: [{ match: { op: '<', left: { '&': [meta('random'), 2147483647] }, right: 715827883 } }],
      expected: [
        { kind: 'match', left: { selectors: ['meta random'], mask: 2147483647 }, op: '<', right: lit('715827883'), text: 'meta random & 2147483647 < 715827883' },
      ],
    },
    {
      name: 'ct state flag list and prefix',
      expr: [
        { match: { op: 'in', left: { ct: { key: 'state' } }, right: ['established', 'related'] } },
        { match: { op: '!=', left: payload('ip', 'saddr'), right: { prefix: { addr: '10.42.0.0', len: 16 } } } },
        { accept: null },
      ],
      expected: [
        { kind: 'match', left: sel('ct state'), op: '==', right: { kind: 'set', elements: [lit('established'), lit('related')] }, text: 'ct state established,related' },
        { kind: 'match', left: sel('ip saddr'), op: '!=', right: { kind: 'prefix', address: '10.42.0.0', length: 16 }, text: 'ip saddr != 10.42.0.0/16' },
        { kind: 'verdict', verdict: { kind: 'accept', target: null, argument: null }, text: 'accept' },
      ],
    },
    {
      name: 'fib, interface names, anonymous set and range',
      expr: [
        { match: { op: '==', left: { fib: { result: 'type', flags: ['daddr'] } }, right: 'local' } },
        { match: { op: '!=', left: meta('oifname'), right: 'lo' } },
        { match: { op: '==', left: meta('iifname'), right: 'veth*' } },
        { match: { op: '==', left: payload('tcp', 'dport'), right: { set: [80, 443] } } },
        { match: { op: '==', left: payload('th', 'dport'), right: { range: [30000, 32767] } } },
      ],
      expected: [
        { kind: 'match', left: sel('fib daddr type'), op: '==', right: lit('local'), text: 'fib daddr type local' },
        { kind: 'match', left: sel('oifname'), op: '!=', right: lit('lo'), text: 'oifname != "lo"' },
        { kind: 'match', left: sel('iifname'), op: '==', right: lit('veth*'), text: 'iifname "veth*"' },
        { kind: 'match', left: sel('tcp dport'), op: '==', right: { kind: 'set', elements: [lit('80'), lit('443')] }, text: 'tcp dport { 80, 443 }' },
        { kind: 'match', left: sel('th dport'), op: '==', right: { kind: 'range', from: '30000', to: '32767' }, text: 'th dport 30000-32767' },
      ],
    },
    {
      name: 'mark mangling',
      expr: [
        { mangle: { key: meta('mark'), value: { '|': [meta('mark'), 16384] } } },
        { mangle: { key: meta('mark'), value: { '^': [meta('mark'), 16384] } } },
        { mangle: { key: { ct: { key: 'mark' } }, value: 16 } },
      ],
      expected: [
        { kind: 'mark-set', target: 'meta mark', op: 'or', value: 16384, text: 'meta mark set meta mark | 0x00004000' },
        { kind: 'mark-set', target: 'meta mark', op: 'xor', value: 16384, text: 'meta mark set meta mark ^ 0x00004000' },
        { kind: 'mark-set', target: 'ct mark', op: 'set', value: 16, text: 'ct mark set 0x00000010' },
      ],
    },
    {
      name: 'NAT forms',
      expr: [
        { dnat: { addr: '10.180.0.1', port: 80 } },
        { dnat: { family: 'ip6', addr: 'fd00::1', port: 8080 } },
        { snat: { family: 'ip', addr: '192.168.28.5' } },
        { masquerade: { flags: 'fully-random' } },
        { redirect: { port: 22 } },
        { dnat: { family: 'ip', addr: { map: { key: { concat: [payload('ip', 'daddr'), payload('tcp', 'dport')] }, data: '@dnat-targets' } } } },
      ],
      expected: [
        { kind: 'nat', type: 'dnat', address: '10.180.0.1', port: '80', flags: [], text: 'dnat to 10.180.0.1:80' },
        { kind: 'nat', type: 'dnat', address: 'fd00::1', port: '8080', flags: [], text: 'dnat ip6 to [fd00::1]:8080' },
        { kind: 'nat', type: 'snat', address: '192.168.28.5', port: null, flags: [], text: 'snat ip to 192.168.28.5' },
        { kind: 'nat', type: 'masquerade', address: null, port: null, flags: ['fully-random'], text: 'masquerade fully-random' },
        { kind: 'nat', type: 'redirect', address: null, port: '22', flags: [], text: 'redirect to :22' },
        { kind: 'nat-map', type: 'dnat', key: sel('ip daddr', 'tcp dport'), map: { kind: 'named', name: 'dnat-targets' }, text: 'dnat ip to ip daddr . tcp dport map @dnat-targets' },
      ],
    },
    {
      name: 'verdict maps: named and numgen',
      expr: [
        { vmap: { key: { concat: [payload('ip', 'daddr'), meta('l4proto'), payload('th', 'dport')] }, data: '@service-ips' } },
        {
          vmap: {
            key: { numgen: { mode: 'random', mod: 2, offset: 0 } },
            data: { set: [[0, { goto: { target: 'endpoint-A/80' } }], [1, { goto: { target: 'endpoint-B/80' } }]] },
          },
        },
      ],
      expected: [
        { kind: 'vmap', key: sel('ip daddr', 'meta l4proto', 'th dport'), map: { kind: 'named', name: 'service-ips' }, text: 'ip daddr . meta l4proto . th dport vmap @service-ips' },
        {
          kind: 'numgen-vmap',
          mode: 'random',
          mod: 2,
          offset: 0,
          map: {
            kind: 'inline',
            elements: [
              { key: lit('0'), verdict: { kind: 'goto', target: 'endpoint-A/80', argument: null }, value: null },
              { key: lit('1'), verdict: { kind: 'goto', target: 'endpoint-B/80', argument: null }, value: null },
            ],
          },
          text: 'numgen random mod 2 vmap { 0 : goto endpoint-A/80, 1 : goto endpoint-B/80 }',
        },
      ],
    },
    {
      name: 'rejects, logs, limits and set updates',
      expr: [
        { reject: { type: 'icmp', expr: 'host-unreachable' } },
        { reject: null },
        { log: { prefix: 'KUBE-POD-FW drop: ', group: 100 } },
        { limit: { rate: 10, burst: 10, per: 'minute' } },
        { set: { op: 'update', elem: payload('ip', 'saddr'), set: '@affinity-X' } },
      ],
      expected: [
        { kind: 'verdict', verdict: { kind: 'reject', target: null, argument: 'with icmp host-unreachable' }, text: 'reject with icmp host-unreachable' },
        { kind: 'verdict', verdict: { kind: 'reject', target: null, argument: null }, text: 'reject' },
        { kind: 'passive', text: 'log prefix "KUBE-POD-FW drop: " group 100' },
        { kind: 'passive', text: 'limit rate 10/minute burst 10 packets' },
        { kind: 'passive', text: 'update @affinity-X { ip saddr }' },
      ],
    },
    {
      name: 'xt stubs and unsupported expressions are kept',
      expr: [
        { xt: { type: 'match', name: 'physdev' } },
        { match: { op: '==', left: { osf: { key: 'name' } }, right: 'Linux' } },
        { counter: { packets: 0, bytes: 0 } },
      ],
      expected: [
        { kind: 'unknown', text: 'xt match physdev' },
        { kind: 'unknown', text: '{"match":{"op":"==","left":{"osf":{"key":"name"}},"right":"Linux"}}' },
        { kind: 'counter', packets: 0, bytes: 0, text: 'counter packets 0 bytes 0' },
      ],
    },
  ];

  it.each(cases)('$name', ({ expr, expected }) => {
    expect(statementsOf(expr)).toEqual(expected);
  });

  it('renders the rule as nft text and records handle, counter, comment and pointer', () => {
    const result = parseNftJson(
      document([{ match: { op: '==', left: payload('ip', 'saddr'), right: '10.180.0.1' } }, { counter: { packets: 3, bytes: 156 } }, { jump: { target: 'mark-for-masquerade' } }], 'hairpin'),
      { file: 'r.json' },
    );
    expect(result.value.tables[0].chains[0].rules[0]).toMatchObject({
      position: 0,
      handle: 2,
      text: 'ip saddr 10.180.0.1 counter packets 3 bytes 156 jump mark-for-masquerade comment "hairpin"',
      counter: { packets: 3, bytes: 156 },
      comment: 'hairpin',
      source: { file: 'r.json', line: 0, pointer: '/nftables/3' },
    });
    expect(result.issues).toEqual([]);
  });
});

describe('parseNftJson fixtures', () => {
  it('reads the native kube-proxy ruleset', () => {
    const result = parseNftJson(fixture('kube-proxy-nftables.list.json'), { file: 'x' });
    expect(result.issues).toEqual([]);
    const table = result.value.tables[0];
    expect(table.chains).toHaveLength(24);
    expect(table.chains.find((c) => c.name === 'filter-prerouting-pre-dnat')).toMatchObject({ hook: 'prerouting', priority: -110, policy: 'accept' });
    const serviceIps = table.sets.find((s) => s.name === 'service-ips');
    expect(serviceIps).toMatchObject({ kind: 'map', keyType: 'ipv4_addr . inet_proto . inet_service', dataType: 'verdict' });
    expect(serviceIps?.elements[1]).toEqual({
      key: { kind: 'concat', parts: [lit('172.30.0.41'), lit('tcp'), lit('80')] },
      verdict: { kind: 'goto', target: 'service-ULMVA6XW-ns1/svc1/tcp/p80', argument: null },
      value: null,
    });
    expect(table.sets.find((s) => s.name === 'no-endpoint-services')?.elements[0].key).toEqual({
      kind: 'concat',
      parts: [lit('172.30.0.46'), lit('tcp'), lit('80')],
    });
  });

  it('reports each kind of xt stub once in iptables-nft output', () => {
    const result = parseNftJson(fixture('kube-proxy-iptables.list.json'), { file: 'x' });
    expect(result.issues.every((i) => i.code === 'unknown-statement' && i.severity === 'info')).toBe(true);
    expect(result.issues.map((i) => i.detail?.replace(/^\S+: /, ''))).toEqual([
      'xt match comment', 'xt match addrtype', 'xt target MARK', 'xt target MASQUERADE', 'xt match recent',
      'xt match statistic', 'xt match tcp', 'xt target DNAT', 'xt match udp', 'xt match conntrack',
      'xt target REJECT', 'xt match physdev', 'xt target LOG',
    ]);
  });
});

describe('parseNftJson diagnostics', () => {
  it('reports malformed JSON and returns an empty ruleset', () => {
    const result = parseNftJson('{"nftables": [', { file: 'bad.json' });
    expect(result.value).toEqual({ tables: [] });
    expect(result.issues).toEqual([expect.objectContaining({ code: 'malformed-json', severity: 'error' })]);
  });

  it('reports a document of the wrong shape', () => {
    const result = parseNftJson('{"items": []}', { file: 'bad.json' });
    expect(result.issues).toEqual([expect.objectContaining({ code: 'unexpected-shape', detail: 'no top-level "nftables" array' })]);
  });

  it('reports rules of unknown chains, unknown objects and newer schemas, and keeps the rest', () => {
    const text = JSON.stringify({
      nftables: [
        { metainfo: { json_schema_version: 2 } },
        { table: { family: 'ip', name: 't', handle: 1 } },
        { flowtable: { family: 'ip', table: 't', name: 'ft' } },
        { rule: { family: 'ip', table: 't', chain: 'missing', handle: 3, expr: [{ accept: null }] } },
        { chain: { family: 'ip', table: 't', name: 'c', handle: 2, type: 'filter', hook: 'input', prio: 0, policy: 'drop', dev: ['eth0', 'eth1'] } },
        { rule: { family: 'ip', table: 't', chain: 'c', handle: 4, expr: [{ accept: null }] } },
      ],
    });
    const result = parseNftJson(text, { file: 'j.json' });
    expect(result.issues.map((i) => [i.code, i.detail])).toEqual([
      ['unsupported-version', '/nftables/0: json_schema_version 2'],
      ['unknown-syntax', '/nftables/2: flowtable ft'],
      ['missing-field', '/nftables/3: rule for unknown chain ip t missing'],
    ]);
    expect(result.value.tables[0].chains[0]).toMatchObject({ device: 'eth0,eth1', policy: 'drop', rules: [{ text: 'accept' }] });
  });

  it('puts the rules of a chain listed after some of them into it, once it is listed', () => {
    const rule = (handle: number) => ({ rule: { family: 'ip', table: 't', chain: 'c', handle, expr: [{ accept: null }] } });
    const text = JSON.stringify({
      nftables: [{ table: { family: 'ip', name: 't', handle: 1 } }, rule(3), { chain: { family: 'ip', table: 't', name: 'c', handle: 2 } }, rule(4), rule(5)],
    });
    const result = parseNftJson(text, { file: 'j.json' });
    expect(result.issues.map((i) => i.detail)).toEqual(['/nftables/1: rule for unknown chain ip t c']);
    expect(result.value.tables[0].chains[0].rules.map((r) => r.handle)).toEqual([4, 5]);
  });
});

/** What both parsers must agree on: chain shapes, rule counts, counters and jump/goto targets. */
function summary(ruleset: NftRuleset) {
  return ruleset.tables.map((t) => ({
    table: `${t.family} ${t.name}`,
    chains: t.chains.map((c) => ({
      name: c.name,
      base: [c.type, c.hook, c.priority, c.policy],
      rules: c.rules.map((r) => ({
        counter: r.counter,
        comment: r.comment,
        targets: r.statements.flatMap((s) => (s.kind === 'verdict' && s.verdict.target !== null ? [`${s.verdict.kind} ${s.verdict.target}`] : [])),
      })),
    })),
    sets: t.sets.map((s) => ({ name: s.name, kind: s.kind, keyType: s.keyType, dataType: s.dataType, elements: s.elements })),
  }));
}

describe('text and JSON parsers agree on the generated fixtures', () => {
  it.each(['kube-proxy-iptables', 'kube-proxy-nftables', 'misc-families'])('%s', (name) => {
    const fromText = parseNftText(fixture(`${name}.list-handles.nft`), { file: 'x' }).value;
    const fromJson = parseNftJson(fixture(`${name}.list.json`), { file: 'x' }).value;
    expect(summary(fromJson)).toEqual(summary(fromText));
    const handles = (r: NftRuleset) => r.tables.flatMap((t) => t.chains.flatMap((c) => c.rules.map((rule) => rule.handle)));
    expect(handles(fromJson)).toEqual(handles(fromText));
  });

  it('kube-proxy-iptables: JSON has only xt stubs where the text shows the translation', () => {
    const rule = (r: NftRuleset, name: string, position: number) =>
      r.tables.find((t) => t.name === 'nat')?.chains.find((c) => c.name === name)?.rules[position].statements.map((s) => s.text);
    const fromText = parseNftText(fixture('kube-proxy-iptables.list.nft'), { file: 'x' }).value;
    const fromJson = parseNftJson(fixture('kube-proxy-iptables.list.json'), { file: 'x' }).value;
    expect(rule(fromText, 'KUBE-SVC-2CMXP7HKUVJN7L6M', 2)).toEqual([
      'meta random & 2147483647 < 715827883', 'counter packets 3 bytes 156', 'jump KUBE-SEP-T3JGICIP4GFFPRGP',
    ]);
    expect(rule(fromJson, 'KUBE-SVC-2CMXP7HKUVJN7L6M', 2)).toEqual([
      'xt match comment', 'xt match statistic', 'counter packets 3 bytes 156', 'jump KUBE-SEP-T3JGICIP4GFFPRGP',
    ]);
    expect(rule(fromText, 'KUBE-SEP-UPTBB2U3B55FJQPW', 1)?.at(-1)).toBe('dnat to 10.42.1.17:80');
    expect(rule(fromJson, 'KUBE-SEP-UPTBB2U3B55FJQPW', 1)?.at(-1)).toBe('xt target DNAT');
  });

  it.each(['kube-proxy-nftables', 'misc-families'])('%s: identical statements and rule text', (name) => {
    const fromText = parseNftText(fixture(`${name}.list.nft`), { file: 'x' }).value;
    const fromJson = parseNftJson(fixture(`${name}.list.json`), { file: 'x' }).value;
    const rules = (r: NftRuleset) => r.tables.flatMap((t) => t.chains.flatMap((c) => c.rules.map((rule) => [rule.text, rule.statements])));
    expect(rules(fromJson)).toEqual(rules(fromText));
  });
});
