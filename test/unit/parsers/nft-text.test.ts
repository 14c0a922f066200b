import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { NftChain, NftRuleset, NftStatement } from '../../../renderer/src/analysis/model';
import { parseNftText } from '../../../db/parsers/nft-text';

const fixture = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../fixtures/nft/${name}`, import.meta.url)), 'utf8');

function chain(ruleset: NftRuleset, table: string, name: string): NftChain {
  const found = ruleset.tables.find((t) => t.name === table)?.chains.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no chain ${table}/${name}`);
  return found;
}

/** Parses one rule line inside a minimal ruleset and returns its statements. */
function statementsOf(rule: string): NftStatement[] {
  const result = parseNftText(`table ip t {\n\tchain c {\n\t\t${rule}\n\t}\n}\n`, { file: 'rule.nft' });
  return result.value.tables[0].chains[0].rules[0].statements;
}

const lit = (text: string) => ({ kind: 'literal', text }) as const;
const sel = (...selectors: string[]) => ({ selectors, mask: null });
const jump = (target: string) => ({ kind: 'jump', target, argument: null }) as const;
const goto = (target: string) => ({ kind: 'goto', target, argument: null }) as const;

describe('parseNftText statements', () => {
  const cases: { rule: string; expected: unknown[] }[] = [
    {
      rule: 'meta l4proto tcp ip daddr 192.168.28.61  tcp dport 80 counter packets 1 bytes 52 jump KUBE-EXT-2CMXP7HKUVJN7L6M',
      expected: [
        { kind: 'match', left: sel('meta l4proto'), op: '==', right: lit('tcp'), text: 'meta l4proto tcp' },
        { kind: 'match', left: sel('ip daddr'), op: '==', right: lit('192.168.28.61'), text: 'ip daddr 192.168.28.61' },
        { kind: 'match', left: sel('tcp dport'), op: '==', right: lit('80'), text: 'tcp dport 80' },
        { kind: 'counter', packets: 1, bytes: 52, text: 'counter packets 1 bytes 52' },
        { kind: 'verdict', verdict: jump('KUBE-EXT-2CMXP7HKUVJN7L6M'), text: 'jump KUBE-EXT-2CMXP7HKUVJN7L6M' },
      ],
    },
    {
      rule: 'ip saddr != 10.42.0.0/16 drop',
      expected: [
        { kind: 'match', left: sel('ip saddr'), op: '!=', right: { kind: 'prefix', address: '10.42.0.0', length: 16 }, text: 'ip saddr != 10.42.0.0/16' },
        { kind: 'verdict', verdict: { kind: 'drop', target: null, argument: null }, text: 'drop' },
      ],
    },
    {
      rule: 'ip daddr 10.42.0.204 # PHYSDEV match --physdev-is-bridged  counter packets 0 bytes 0 jump KUBE-POD-FW-RQUZ3MEWHD65UI4P',
      expected: [
        { kind: 'match', left: sel('ip daddr'), op: '==', right: lit('10.42.0.204'), text: 'ip daddr 10.42.0.204' },
        { kind: 'unknown', text: '# PHYSDEV match --physdev-is-bridged' },
        { kind: 'counter', packets: 0, bytes: 0, text: 'counter packets 0 bytes 0' },
        { kind: 'verdict', verdict: jump('KUBE-POD-FW-RQUZ3MEWHD65UI4P'), text: 'jump KUBE-POD-FW-RQUZ3MEWHD65UI4P' },
      ],
    },
    {
      rule: 'ip daddr 10.42.0.204 xt match physdev  counter packets 0 bytes 0 jump KUBE-POD-FW-RQUZ3MEWHD65UI4P',
      expected: [
        { kind: 'match', left: sel('ip daddr'), op: '==', right: lit('10.42.0.204'), text: 'ip daddr 10.42.0.204' },
        { kind: 'unknown', text: 'xt match physdev' },
        { kind: 'counter', packets: 0, bytes: 0, text: 'counter packets 0 bytes 0' },
        { kind: 'verdict', verdict: jump('KUBE-POD-FW-RQUZ3MEWHD65UI4P'), text: 'jump KUBE-POD-FW-RQUZ3MEWHD65UI4P' },
      ],
    },
    {
      rule: ' xt match recent counter packets 0 bytes 0 accept',
      expected: [
        { kind: 'unknown', text: 'xt match recent' },
        { kind: 'counter', packets: 0, bytes: 0, text: 'counter packets 0 bytes 0' },
        { kind: 'verdict', verdict: { kind: 'accept', target: null, argument: null }, text: 'accept' },
      ],
    },
    {
      rule: 'xt target CT',
      expected: [{ kind: 'unknown', text: 'xt target CT' }],
    },
    {
      rule: ' fib daddr type local counter packets 2 bytes 120 jump KUBE-NODEPORTS',
      expected: [
        { kind: 'match', left: sel('fib daddr type'), op: '==', right: lit('local'), text: 'fib daddr type local' },
        { kind: 'counter', packets: 2, bytes: 120, text: 'counter packets 2 bytes 120' },
        { kind: 'verdict', verdict: jump('KUBE-NODEPORTS'), text: 'jump KUBE-NODEPORTS' },
      ],
    },
    {
      rule: 'meta mark & 0x00004000 != 0x00004000 counter packets 0 bytes 0 return',
      expected: [
        { kind: 'match', left: { selectors: ['meta mark'], mask: 0x4000 }, op: '!=', right: lit('0x00004000'), text: 'meta mark & 0x00004000 != 0x00004000' },
        { kind: 'counter', packets: 0, bytes: 0, text: 'counter packets 0 bytes 0' },
        { kind: 'verdict', verdict: { kind: 'return', target: null, argument: null }, text: 'return' },
      ],
    },
    {
      rule: 'counter packets 0 bytes 0 meta mark set mark or 0x4000',
      expected: [
        { kind: 'counter', packets: 0, bytes: 0, text: 'counter packets 0 bytes 0' },
        { kind: 'mark-set', target: 'meta mark', op: 'or', value: 0x4000, text: 'meta mark set mark or 0x4000' },
      ],
    },
    {
      rule: 'meta mark set mark xor 0x4000',
      expected: [{ kind: 'mark-set', target: 'meta mark', op: 'xor', value: 0x4000, text: 'meta mark set mark xor 0x4000' }],
    },
    {
      rule: 'meta mark set 0x4000',
      expected: [{ kind: 'mark-set', target: 'meta mark', op: 'set', value: 0x4000, text: 'meta mark set 0x4000' }],
    },
    {
      rule: 'meta mark set meta mark | 0x00004000',
      expected: [{ kind: 'mark-set', target: 'meta mark', op: 'or', value: 0x4000, text: 'meta mark set meta mark | 0x00004000' }],
    },
    {
      rule: 'ct mark set 0x00000010',
      expected: [{ kind: 'mark-set', target: 'ct mark', op: 'set', value: 16, text: 'ct mark set 0x00000010' }],
    },
    {
      rule: 'counter packets 0 bytes 0 masquerade fully-random',
      expected: [
        { kind: 'counter', packets: 0, bytes: 0, text: 'counter packets 0 bytes 0' },
        { kind: 'nat', type: 'masquerade', address: null, port: null, flags: ['fully-random'], text: 'masquerade fully-random' },
      ],
    },
    {
      rule: 'meta l4proto tcp   counter packets 3 bytes 156 dnat to 10.42.0.204:80',
      expected: [
        { kind: 'match', left: sel('meta l4proto'), op: '==', right: lit('tcp'), text: 'meta l4proto tcp' },
        { kind: 'counter', packets: 3, bytes: 156, text: 'counter packets 3 bytes 156' },
        { kind: 'nat', type: 'dnat', address: '10.42.0.204', port: '80', flags: [], text: 'dnat to 10.42.0.204:80' },
      ],
    },
    {
      rule: 'dnat ip to 10.42.0.10:443',
      expected: [{ kind: 'nat', type: 'dnat', address: '10.42.0.10', port: '443', flags: [], text: 'dnat ip to 10.42.0.10:443' }],
    },
    {
      rule: 'dnat ip6 to [fd00::1]:8080',
      expected: [{ kind: 'nat', type: 'dnat', address: 'fd00::1', port: '8080', flags: [], text: 'dnat ip6 to [fd00::1]:8080' }],
    },
    {
      rule: 'snat to 192.168.28.5 persistent',
      expected: [{ kind: 'nat', type: 'snat', address: '192.168.28.5', port: null, flags: ['persistent'], text: 'snat to 192.168.28.5 persistent' }],
    },
    {
      rule: 'tcp dport 2222 redirect to :22',
      expected: [
        { kind: 'match', left: sel('tcp dport'), op: '==', right: lit('2222'), text: 'tcp dport 2222' },
        { kind: 'nat', type: 'redirect', address: null, port: '22', flags: [], text: 'redirect to :22' },
      ],
    },
    {
      rule: 'dnat ip to ip daddr . tcp dport map @dnat-targets',
      expected: [
        { kind: 'nat-map', type: 'dnat', key: sel('ip daddr', 'tcp dport'), map: { kind: 'named', name: 'dnat-targets' }, text: 'dnat ip to ip daddr . tcp dport map @dnat-targets' },
      ],
    },
    {
      rule: ' meta random & 2147483647 < 715827883 counter packets 0 bytes 0 jump KUBE-SEP-T3JGICIP4GFFPRGP',
      expected: [
        { kind: 'match', left: { selectors: ['meta random'], mask: 2147483647 }, op: '<', right: lit('715827883'), text: 'meta random & 2147483647 < 715827883' },
        { kind: 'counter', packets: 0, bytes: 0, text: 'counter packets 0 bytes 0' },
        { kind: 'verdict', verdict: jump('KUBE-SEP-T3JGICIP4GFFPRGP'), text: 'jump KUBE-SEP-T3JGICIP4GFFPRGP' },
      ],
    },
    {
      rule: 'ct state related,established counter packets 0 bytes 0 accept',
      expected: [
        { kind: 'match', left: sel('ct state'), op: '==', right: { kind: 'set', elements: [lit('related'), lit('established')] }, text: 'ct state related,established' },
        { kind: 'counter', packets: 0, bytes: 0, text: 'counter packets 0 bytes 0' },
        { kind: 'verdict', verdict: { kind: 'accept', target: null, argument: null }, text: 'accept' },
      ],
    },
    {
      rule: 'ct state invalid drop',
      expected: [
        { kind: 'match', left: sel('ct state'), op: '==', right: lit('invalid'), text: 'ct state invalid' },
        { kind: 'verdict', verdict: { kind: 'drop', target: null, argument: null }, text: 'drop' },
      ],
    },
    {
      rule: 'reject with icmp type host-unreachable',
      expected: [{ kind: 'verdict', verdict: { kind: 'reject', target: null, argument: 'with icmp type host-unreachable' }, text: 'reject with icmp type host-unreachable' }],
    },
    {
      rule: 'reject with icmp port-unreachable',
      expected: [{ kind: 'verdict', verdict: { kind: 'reject', target: null, argument: 'with icmp port-unreachable' }, text: 'reject with icmp port-unreachable' }],
    },
    {
      rule: 'meta l4proto tcp reject with tcp reset',
      expected: [
        { kind: 'match', left: sel('meta l4proto'), op: '==', right: lit('tcp'), text: 'meta l4proto tcp' },
        { kind: 'verdict', verdict: { kind: 'reject', target: null, argument: 'with tcp reset' }, text: 'reject with tcp reset' },
      ],
    },
    {
      rule: 'iifname "cni0" oifname != "lo" accept',
      expected: [
        { kind: 'match', left: sel('iifname'), op: '==', right: lit('cni0'), text: 'iifname "cni0"' },
        { kind: 'match', left: sel('oifname'), op: '!=', right: lit('lo'), text: 'oifname != "lo"' },
        { kind: 'verdict', verdict: { kind: 'accept', target: null, argument: null }, text: 'accept' },
      ],
    },
    {
      rule: 'iifname "veth*" ip protocol tcp tcp dport { 80, 443 } accept',
      expected: [
        { kind: 'match', left: sel('iifname'), op: '==', right: lit('veth*'), text: 'iifname "veth*"' },
        { kind: 'match', left: sel('ip protocol'), op: '==', right: lit('tcp'), text: 'ip protocol tcp' },
        { kind: 'match', left: sel('tcp dport'), op: '==', right: { kind: 'set', elements: [lit('80'), lit('443')] }, text: 'tcp dport { 80, 443 }' },
        { kind: 'verdict', verdict: { kind: 'accept', target: null, argument: null }, text: 'accept' },
      ],
    },
    {
      rule: 'th dport 30000-32767 accept',
      expected: [
        { kind: 'match', left: sel('th dport'), op: '==', right: { kind: 'range', from: '30000', to: '32767' }, text: 'th dport 30000-32767' },
        { kind: 'verdict', verdict: { kind: 'accept', target: null, argument: null }, text: 'accept' },
      ],
    },
    {
      rule: 'meta mark & 0x00010000 != 0x00010000 limit rate 10/minute burst 10 packets counter packets 0 bytes 0 log prefix "KUBE-POD-FW drop:  " level warn',
      expected: [
        { kind: 'match', left: { selectors: ['meta mark'], mask: 0x10000 }, op: '!=', right: lit('0x00010000'), text: 'meta mark & 0x00010000 != 0x00010000' },
        { kind: 'passive', text: 'limit rate 10/minute burst 10 packets' },
        { kind: 'counter', packets: 0, bytes: 0, text: 'counter packets 0 bytes 0' },
        { kind: 'passive', text: 'log prefix "KUBE-POD-FW drop:  " level warn' },
      ],
    },
    {
      rule: 'ip daddr . meta l4proto . th dport vmap @service-ips',
      expected: [
        { kind: 'vmap', key: sel('ip daddr', 'meta l4proto', 'th dport'), map: { kind: 'named', name: 'service-ips' }, text: 'ip daddr . meta l4proto . th dport vmap @service-ips' },
      ],
    },
    {
      rule: 'ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports',
      expected: [
        { kind: 'match', left: sel('ip daddr'), op: '==', right: { kind: 'setref', name: 'nodeport-ips' }, text: 'ip daddr @nodeport-ips' },
        { kind: 'vmap', key: sel('meta l4proto', 'th dport'), map: { kind: 'named', name: 'service-nodeports' }, text: 'meta l4proto . th dport vmap @service-nodeports' },
      ],
    },
    {
      rule: 'numgen random mod 3 vmap { 0 : goto endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80, 1 : goto endpoint-UEIP74TE-ns1/svc1/tcp/p80__10.180.0.2/80, 2 : goto endpoint-ZQ5GOMOI-ns1/svc1/tcp/p80__10.180.1.7/80 }',
      expected: [
        {
          kind: 'numgen-vmap',
          mode: 'random',
          mod: 3,
          offset: 0,
          map: {
            kind: 'inline',
            elements: [
              { key: lit('0'), verdict: goto('endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80'), value: null },
              { key: lit('1'), verdict: goto('endpoint-UEIP74TE-ns1/svc1/tcp/p80__10.180.0.2/80'), value: null },
              { key: lit('2'), verdict: goto('endpoint-ZQ5GOMOI-ns1/svc1/tcp/p80__10.180.1.7/80'), value: null },
            ],
          },
          text: 'numgen random mod 3 vmap { 0 : goto endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80, 1 : goto endpoint-UEIP74TE-ns1/svc1/tcp/p80__10.180.0.2/80, 2 : goto endpoint-ZQ5GOMOI-ns1/svc1/tcp/p80__10.180.1.7/80 }',
        },
      ],
    },
    {
      rule: 'fib daddr type local ip daddr != 127.0.0.0/8 jump nodeport-endpoints-check',
      expected: [
        { kind: 'match', left: sel('fib daddr type'), op: '==', right: lit('local'), text: 'fib daddr type local' },
        { kind: 'match', left: sel('ip daddr'), op: '!=', right: { kind: 'prefix', address: '127.0.0.0', length: 8 }, text: 'ip daddr != 127.0.0.0/8' },
        { kind: 'verdict', verdict: jump('nodeport-endpoints-check'), text: 'jump nodeport-endpoints-check' },
      ],
    },
    {
      rule: 'ct state new ip daddr . meta l4proto . th dport @no-endpoint-services reject',
      expected: [
        { kind: 'match', left: sel('ct state'), op: '==', right: lit('new'), text: 'ct state new' },
        { kind: 'match', left: sel('ip daddr', 'meta l4proto', 'th dport'), op: '==', right: { kind: 'setref', name: 'no-endpoint-services' }, text: 'ip daddr . meta l4proto . th dport @no-endpoint-services' },
        { kind: 'verdict', verdict: { kind: 'reject', target: null, argument: null }, text: 'reject' },
      ],
    },
    {
      rule: 'update @affinity-GTK6MW7G-ns2/svc2/tcp/p80__10.180.0.3/80 { ip saddr }',
      expected: [{ kind: 'passive', text: 'update @affinity-GTK6MW7G-ns2/svc2/tcp/p80__10.180.0.3/80 { ip saddr }' }],
    },
    {
      rule: 'ip saddr @affinity-GTK6MW7G-ns2/svc2/tcp/p80__10.180.0.3/80 goto endpoint-GTK6MW7G-ns2/svc2/tcp/p80__10.180.0.3/80',
      expected: [
        { kind: 'match', left: sel('ip saddr'), op: '==', right: { kind: 'setref', name: 'affinity-GTK6MW7G-ns2/svc2/tcp/p80__10.180.0.3/80' }, text: 'ip saddr @affinity-GTK6MW7G-ns2/svc2/tcp/p80__10.180.0.3/80' },
        { kind: 'verdict', verdict: goto('endpoint-GTK6MW7G-ns2/svc2/tcp/p80__10.180.0.3/80'), text: 'goto endpoint-GTK6MW7G-ns2/svc2/tcp/p80__10.180.0.3/80' },
      ],
    },
    {
      rule: 'jump mark-for-masquerade comment "masquerade local traffic"',
      expected: [
        { kind: 'verdict', verdict: jump('mark-for-masquerade'), text: 'jump mark-for-masquerade' },
        { kind: 'comment', text: 'masquerade local traffic' },
      ],
    },
    {
      rule: 'socket transparent 1 accept',
      expected: [
        { kind: 'unknown', text: 'socket transparent 1' },
        { kind: 'verdict', verdict: { kind: 'accept', target: null, argument: null }, text: 'accept' },
      ],
    },
  ];

  it.each(cases)('$rule', ({ rule, expected }) => {
    expect(statementsOf(rule)).toEqual(expected);
  });

  it('keeps the rule text whitespace-collapsed, handle and counter apart', () => {
    const result = parseNftText(
      'table ip nat {\n\tchain KUBE-SEP-X {\n\t\tmeta l4proto tcp   counter packets 3 bytes 156 dnat to 10.42.0.204:80 comment "a  b" # handle 76\n\t}\n}\n',
      { file: 'x.nft' },
    );
    const rule = result.value.tables[0].chains[0].rules[0];
    expect(rule).toMatchObject({
      position: 0,
      handle: 76,
      text: 'meta l4proto tcp counter packets 3 bytes 156 dnat to 10.42.0.204:80 comment "a  b"',
      counter: { packets: 3, bytes: 156 },
      comment: 'a  b',
      source: { file: 'x.nft', line: 3 },
    });
    expect(result.issues).toEqual([]);
  });
});

describe('parseNftText chain priorities', () => {
  const cases: [family: string, priority: string, expected: number][] = [
    ['ip', 'raw', -300],
    ['ip', 'mangle', -150],
    ['ip', 'dstnat', -100],
    ['inet', 'filter', 0],
    ['ip6', 'security', 50],
    ['ip', 'srcnat', 100],
    ['inet', 'filter - 5', -5],
    ['ip', 'dstnat + 10', -90],
    ['ip', '-110', -110],
    ['netdev', '-500', -500],
    ['bridge', 'dstnat', -300],
    ['bridge', 'filter', -200],
    ['bridge', 'out', 100],
    ['bridge', 'srcnat', 300],
    ['bridge', 'filter + 10', -190],
  ];
  it.each(cases)('%s priority %s = %d', (family, priority, expected) => {
    const text = `table ${family} t {\n\tchain c {\n\t\ttype filter hook forward priority ${priority}; policy drop;\n\t}\n}\n`;
    const result = parseNftText(text, { file: 'p.nft' });
    expect(result.value.tables[0].chains[0]).toMatchObject({ type: 'filter', hook: 'forward', priority: expected, policy: 'drop' });
    expect(result.issues).toEqual([]);
  });

  it('reads devices and comments of base chains', () => {
    const text = [
      'table netdev guard {',
      '\tcomment "edge guard"',
      '\tchain ingress {',
      '\t\tcomment "drop spoofed"',
      '\t\ttype filter hook ingress devices = { eth0, "eth1" } priority -500; policy accept;',
      '\t}',
      '\tchain lo-ingress {',
      '\t\ttype filter hook ingress device "lo" priority filter; policy accept;',
      '\t}',
      '}',
    ].join('\n');
    const result = parseNftText(text, { file: 'd.nft' });
    const table = result.value.tables[0];
    expect(table.comment).toBe('edge guard');
    expect(table.chains[0]).toMatchObject({ comment: 'drop spoofed', device: 'eth0,eth1', priority: -500, hook: 'ingress' });
    expect(table.chains[1]).toMatchObject({ device: 'lo', priority: 0 });
    expect(result.issues).toEqual([]);
  });
});

describe('parseNftText fixtures', () => {
  it('reads the article excerpts, keeping the PHYSDEV remnant in place', () => {
    const result = parseNftText(fixture('article.nft'), { file: 'article.nft' });
    const ruleset = result.value;
    expect(ruleset.tables.map((t) => `${t.family} ${t.name}`)).toEqual(['ip nat', 'ip filter']);
    const svc = chain(ruleset, 'nat', 'KUBE-SVC-2CMXP7HKUVJN7L6M');
    expect(svc.rules.map((r) => r.counter)).toEqual([
      { packets: 0, bytes: 0 },
      { packets: 3, bytes: 156 },
      { packets: 3, bytes: 156 },
      { packets: 0, bytes: 0 },
    ]);
    expect(svc.rules[0].text).toBe(
      'meta l4proto tcp ip saddr != 10.42.0.0/16 ip daddr 10.43.80.28 tcp dport 80 counter packets 0 bytes 0 jump KUBE-MARK-MASQ',
    );
    const sep = chain(ruleset, 'nat', 'KUBE-SEP-T3JGICIP4GFFPRGP');
    expect(sep.rules[1].statements.at(-1)).toMatchObject({ kind: 'nat', type: 'dnat', address: '10.42.0.204', port: '80' });
    const forward = chain(ruleset, 'filter', 'KUBE-ROUTER-FORWARD');
    expect(forward.rules[1].statements.map((s) => s.kind)).toEqual(['match', 'unknown', 'counter', 'verdict']);
    expect(forward.rules[1].source.line).toBe(23);
    // The remnant is reported once, with its position, however often it repeats.
    expect(result.issues).toEqual([
      { code: 'unknown-statement', severity: 'info', line: 23, col: 24, length: 36, detail: '# PHYSDEV match --physdev-is-bridged' },
    ]);
  });

  it('reads kube-proxy iptables-mode rules as printed by iptables-nft', () => {
    const result = parseNftText(fixture('kube-proxy-iptables.list.nft'), { file: 'x' });
    const ruleset = result.value;
    const nat = ruleset.tables.find((t) => t.name === 'nat');
    expect(nat?.chains.filter((c) => c.hook !== null).map((c) => [c.name, c.hook, c.priority, c.policy])).toEqual([
      ['PREROUTING', 'prerouting', -100, 'accept'],
      ['INPUT', 'input', 100, 'accept'],
      ['OUTPUT', 'output', -100, 'accept'],
      ['POSTROUTING', 'postrouting', 100, 'accept'],
    ]);
    const svc = chain(ruleset, 'nat', 'KUBE-SVC-2CMXP7HKUVJN7L6M');
    expect(svc.rules).toHaveLength(5);
    expect(svc.rules[1].statements[0]).toEqual({ kind: 'unknown', text: 'xt match recent' });
    expect(svc.rules[2].statements[0]).toMatchObject({ kind: 'match', left: { selectors: ['meta random'], mask: 2147483647 }, op: '<', right: lit('715827883') });
    expect(svc.rules.map((r) => r.statements.at(-1))).toMatchObject(
      ['KUBE-MARK-MASQ', 'KUBE-SEP-T3JGICIP4GFFPRGP', 'KUBE-SEP-T3JGICIP4GFFPRGP', 'KUBE-SEP-UPTBB2U3B55FJQPW', 'KUBE-SEP-4NAVMHD34SAGR7OJ'].map(
        (target) => ({ kind: 'verdict', verdict: { kind: 'jump', target } }),
      ),
    );
    expect(chain(ruleset, 'nat', 'KUBE-SERVICES').rules[1].counter).toEqual({ packets: 1, bytes: 52 });
    expect(chain(ruleset, 'filter', 'KUBE-EXTERNAL-SERVICES').rules[0].statements.at(-1)).toMatchObject({
      kind: 'verdict',
      verdict: { kind: 'reject', argument: 'with icmp type host-unreachable' },
    });
    expect(result.issues.map((i) => i.detail)).toEqual(['xt match recent', 'xt match physdev']);
  });

  it('reads the native kube-proxy nftables ruleset with its sets and verdict maps', () => {
    const result = parseNftText(fixture('kube-proxy-nftables.list-handles.nft'), { file: 'x' });
    expect(result.issues).toEqual([]);
    const table = result.value.tables[0];
    expect([table.family, table.name, table.comment]).toEqual(['ip', 'kube-proxy', 'rules for kube-proxy']);
    expect(table.chains).toHaveLength(24);
    expect(table.chains.reduce((n, c) => n + c.rules.length, 0)).toBe(43);
    expect(chain(result.value, 'kube-proxy', 'filter-prerouting-pre-dnat')).toMatchObject({ type: 'filter', hook: 'prerouting', priority: -110, policy: 'accept' });
    expect(chain(result.value, 'kube-proxy', 'nat-prerouting')).toMatchObject({ type: 'nat', priority: -100 });
    const serviceIps = table.sets.find((s) => s.name === 'service-ips');
    expect(serviceIps).toMatchObject({ kind: 'map', keyType: 'ipv4_addr . inet_proto . inet_service', dataType: 'verdict', comment: 'ClusterIP, ExternalIP and LoadBalancer IP traffic' });
    expect(serviceIps?.elements).toHaveLength(3);
    expect(serviceIps?.elements[1]).toEqual({
      key: { kind: 'concat', parts: [lit('172.30.0.41'), lit('tcp'), lit('80')] },
      verdict: goto('service-ULMVA6XW-ns1/svc1/tcp/p80'),
      value: null,
    });
    expect(table.sets.find((s) => s.name === 'cluster-ips')?.elements.map((e) => e.key)).toEqual([lit('172.30.0.41'), lit('172.30.0.42'), lit('172.30.0.46')]);
    expect(table.sets.find((s) => s.name === 'no-endpoint-services')?.elements[0].verdict).toEqual(goto('reject-chain'));
    expect(table.sets.find((s) => s.name.startsWith('affinity-'))?.flags).toEqual(['dynamic', 'timeout']);
    const svc = chain(result.value, 'kube-proxy', 'service-ULMVA6XW-ns1/svc1/tcp/p80');
    expect(svc.rules.map((r) => r.handle)).toEqual([51, 53]);
    expect(svc.rules[1].statements[0]).toMatchObject({ kind: 'numgen-vmap', mod: 3 });
  });

  it('reads every family, interval sets with element counters, data maps and NAT forms', () => {
    const result = parseNftText(fixture('misc-families.list.nft'), { file: 'x' });
    expect(result.issues).toEqual([]);
    const ruleset = result.value;
    expect(ruleset.tables.map((t) => t.family)).toEqual(['inet', 'ip6', 'bridge', 'netdev', 'arp']);
    expect(ruleset.tables[2].chains.map((c) => c.priority)).toEqual([-300, -190, 300, 100]);
    expect(ruleset.tables[3].chains[0]).toMatchObject({ device: 'lo', priority: -500 });
    const trusted = ruleset.tables[0].sets.find((s) => s.name === 'trusted-nets');
    expect(trusted?.flags).toEqual(['interval']);
    expect(trusted?.elements.map((e) => e.key)).toEqual([
      { kind: 'prefix', address: '10.42.0.0', length: 16 },
      { kind: 'prefix', address: '10.43.0.0', length: 16 },
      { kind: 'prefix', address: '192.168.28.0', length: 24 },
    ]);
    const dnatTargets = ruleset.tables[0].sets.find((s) => s.name === 'dnat-targets');
    expect(dnatTargets?.elements[0].value).toEqual({ kind: 'concat', parts: [lit('10.42.0.9'), lit('80')] });
    expect(chain(ruleset, 'host-firewall', 'input')).toMatchObject({ priority: -5, policy: 'drop', comment: 'host input' });
  });
});

describe('parseNftText diagnostics', () => {
  it('reports unknown syntax outside rules with line and column, and resyncs', () => {
    const text = [
      'table ip t {',
      '\tchain c {',
      '\t\ttype filter hook input priority filter; frobnicate 3;',
      '\t\taccept',
      '\t}',
      '\tflowtable ft {',
      '\t\thook ingress priority filter',
      '\t}',
      '\twidget w',
      '\tset s {',
      '\t\ttype ipv4_addr',
      '\t\tsparkle on',
      '\t}',
      '}',
      'garbage here',
    ].join('\n');
    const result = parseNftText(text, { file: 'u.nft' });
    expect(result.issues).toEqual([
      { code: 'unknown-syntax', severity: 'warning', line: 3, col: 43, length: 13, detail: 'frobnicate 3;' },
      { code: 'unknown-syntax', severity: 'info', line: 6, col: 2, length: 14, detail: 'flowtable ft {' },
      { code: 'unknown-syntax', severity: 'warning', line: 9, col: 2, length: 8, detail: 'widget w' },
      { code: 'unknown-syntax', severity: 'warning', line: 12, col: 3, length: 10, detail: 'sparkle on' },
      { code: 'unknown-syntax', severity: 'warning', line: 15, col: 1, length: 12, detail: 'garbage here' },
    ]);
    const table = result.value.tables[0];
    expect(table.chains[0]).toMatchObject({ hook: 'input', priority: 0 });
    expect(table.chains[0].rules).toHaveLength(1);
    expect(table.sets[0].keyType).toBe('ipv4_addr');
  });

  it('keeps an unknown statement inside a rule verbatim and reports where it is', () => {
    const text = 'table ip t {\n\tchain c {\n\t\tip daddr 10.0.0.1  osf ttl loose name "Linux" counter packets 1 bytes 2 drop\n\t}\n}\n';
    const result = parseNftText(text, { file: 'u.nft' });
    const rule = result.value.tables[0].chains[0].rules[0];
    expect(rule.statements.map((s) => s.kind)).toEqual(['match', 'unknown', 'counter', 'verdict']);
    expect(rule.statements[1]).toEqual({ kind: 'unknown', text: 'osf ttl loose name "Linux"' });
    expect(result.issues).toEqual([
      { code: 'unknown-statement', severity: 'warning', line: 3, col: 22, length: 26, detail: 'osf ttl loose name "Linux"' },
    ]);
  });

  it('keeps what was read from truncated input and says what is not closed', () => {
    const text = fixture('kube-proxy-nftables.list.nft');
    const cut = text.slice(0, text.indexOf('numgen random mod 3') + 40);
    const result = parseNftText(cut, { file: 't.nft' });
    const table = result.value.tables[0];
    expect(table.sets.find((s) => s.name === 'service-ips')?.elements).toHaveLength(3);
    const svc = table.chains.find((c) => c.name === 'service-ULMVA6XW-ns1/svc1/tcp/p80');
    expect(svc?.rules).toHaveLength(2);
    expect(svc?.rules[1].statements[0].kind).toBe('unknown');
    const lastLine = cut.split('\n').length;
    expect(result.issues).toEqual([
      expect.objectContaining({ code: 'unbalanced-brace', line: lastLine }),
      expect.objectContaining({ code: 'unknown-statement', line: lastLine }),
      expect.objectContaining({ code: 'truncated-input', severity: 'error', detail: expect.stringMatching(/^chain service-ULMVA6XW/) }),
      expect.objectContaining({ code: 'truncated-input', severity: 'error', detail: 'table ip kube-proxy opened on line 1 is not closed' }),
    ]);
  });

  it('reports a stray closing brace', () => {
    const result = parseNftText('table ip t {\n}\n}\n', { file: 'b.nft' });
    expect(result.issues).toEqual([{ code: 'unbalanced-brace', severity: 'warning', line: 3, col: 1, length: 1, detail: '}' }]);
    expect(result.value.tables).toHaveLength(1);
  });

  it('never throws on arbitrary input', () => {
    for (const text of ['', '{{{{', '}}}}', 'table', 'table ip', 'table ip t {\n chain {\n', '"unterminated', 'table ip t {\n\tchain c {\n\t\tjump\n\t\tdnat to\n\t\tmeta mark set\n\t\t{ , : }\n']) {
      expect(() => parseNftText(text, { file: 'f' })).not.toThrow();
    }
  });
});

describe('parseNftText tokens', () => {
  /** The rules of chain `c` in a minimal ruleset around `body` (lines joined with `eol`). */
  function rulesOf(body: string[], eol = '\n'): ReturnType<typeof parseNftText> {
    return parseNftText(['table ip t {', '\tchain c {', ...body.map((l) => `\t\t${l}`), '\t}', '}', ''].join(eol), { file: 'tok.nft' });
  }

  it('keeps spaces, braces and escaped quotes inside a quoted string, and does not pull in the next line', () => {
    const result = rulesOf(['ip saddr 10.0.0.1 comment "a  { b } \\"c\\"" accept', 'drop']);
    const [first, second] = result.value.tables[0].chains[0].rules;
    expect(first).toMatchObject({ text: 'ip saddr 10.0.0.1 comment "a  { b } \\"c\\"" accept', comment: 'a  { b } "c"', source: { line: 3 } });
    expect(first.statements.map((s) => s.kind)).toEqual(['match', 'comment', 'verdict']);
    expect(second).toMatchObject({ position: 1, text: 'drop', source: { line: 4 } });
    expect(result.issues).toEqual([]);
  });

  it('reads CRLF text as it reads LF text', () => {
    const body = ['meta l4proto tcp  counter packets 1 bytes 60 dnat to 10.0.0.1:80', 'tcp dport { 80,', '\t443 } accept'];
    expect(rulesOf(body, '\r\n')).toEqual(rulesOf(body));
  });

  it('reads a rule whose anonymous set runs over several lines as one rule on its first line', () => {
    const result = rulesOf(['tcp dport { 80,', '\t\t443,', '  8080 } counter packets 0 bytes 0 accept', 'drop']);
    const rules = result.value.tables[0].chains[0].rules;
    expect(rules.map((r) => [r.text, r.source.line])).toEqual([
      ['tcp dport { 80, 443, 8080 } counter packets 0 bytes 0 accept', 3],
      ['drop', 6],
    ]);
    expect(rules[0].statements[0]).toMatchObject({ text: 'tcp dport { 80, 443, 8080 }', right: { kind: 'set', elements: [lit('80'), lit('443'), lit('8080')] } });
  });

  it('reads a very long line', () => {
    const ports = Array.from({ length: 20000 }, (_, k) => String(k + 1));
    const result = rulesOf([`tcp dport { ${ports.join(', ')} } accept`]);
    const [match] = result.value.tables[0].chains[0].rules[0].statements;
    expect(match.kind === 'match' && match.right.kind === 'set' ? match.right.elements.length : 0).toBe(20000);
    expect(result.issues).toEqual([]);
  });

  it('keeps what was read when the text stops inside a set or a quoted string', () => {
    for (const cut of ['tcp dport { 80, 44', 'ip saddr 10.0.0.1 comment "unterminated', 'jump', 'ip daddr 10.0.0.']) {
      const text = `table ip t {\n\tchain c {\n\t\taccept\n\t\t${cut}`;
      const result = parseNftText(text, { file: 'cut.nft' });
      const rules = result.value.tables[0].chains[0].rules;
      expect(rules.map((r) => r.source.line)).toEqual([3, 4]);
      expect(result.issues.filter((i) => i.code === 'truncated-input').map((i) => i.line)).toEqual([4, 4]);
    }
  });

  it('gives each chain its own rules in order, closed or not', () => {
    const text = 'table ip t {\n\tchain a {\n\t\taccept\n\t}\n\tchain b {\n\t\tdrop\n\t\treturn\n\t}\n\tchain c {\n\t\tcontinue\n';
    const chains = parseNftText(text, { file: 'c.nft' }).value.tables[0].chains;
    expect(chains.map((c) => c.rules.map((r) => `${r.position}:${r.text}`))).toEqual([['0:accept'], ['0:drop', '1:return'], ['0:continue']]);
  });

  it('shares a statement read from the same text between rules, and only then', () => {
    const result = rulesOf([
      'ip saddr 10.0.0.1 counter packets 0 bytes 0 jump KUBE-MARK-MASQ',
      'ip saddr 10.0.0.2 counter packets 0 bytes 0 jump KUBE-MARK-MASQ',
      'ip saddr 10.0.0.2 counter packets 5 bytes 300 comment "accept"',
      'accept',
    ]);
    const [a, b, c, d] = result.value.tables[0].chains[0].rules;
    expect(b.statements[1]).toBe(a.statements[1]);
    expect(b.statements[2]).toBe(a.statements[2]);
    expect(b.counter).toBe(a.counter);
    expect(b.statements[0]).not.toBe(a.statements[0]);
    expect(c.statements[0]).toBe(b.statements[0]);
    expect(c.statements[1]).toEqual({ kind: 'counter', packets: 5, bytes: 300, text: 'counter packets 5 bytes 300' });
    expect(c.counter).toEqual({ packets: 5, bytes: 300 });
    expect(c.statements[2]).toEqual({ kind: 'comment', text: 'accept' });
    expect(d.statements).toEqual([{ kind: 'verdict', verdict: { kind: 'accept', target: null, argument: null }, text: 'accept' }]);
  });
});
