import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NftRuleset } from '../../../renderer/src/analysis/model';
import { parseIptablesSave } from '../../../db/parsers/iptables-save';
import type { RuleReceiver, RulesetParseOptions } from '../../../db/parsers/nft-common';
import { parseNftJson } from '../../../db/parsers/nft-json';
import { parseNftText } from '../../../db/parsers/nft-text';

const fixture = (path: string) => readFileSync(join(__dirname, '../../fixtures', path), 'utf8');

type Parse = (text: string, opts: RulesetParseOptions) => { value: NftRuleset };

/** Parses with a receiver: what it was handed, in order, and the ruleset returned. */
function received(parse: Parse, text: string) {
  const calls: string[] = [];
  const handed = new Map<string, unknown[]>();
  const receiver: RuleReceiver = {
    table: (table) => calls.push(`table ${table.family} ${table.name}`),
    chain: (table, chain, rules) => {
      calls.push(`chain ${table.name}/${chain.name} ${rules.length}`);
      handed.set(`${table.family} ${table.name} ${chain.name}`, rules);
    },
  };
  const { value } = parse(text, { file: 'f', receiver });
  return { calls, handed, value };
}

describe('parsers handing rules to a receiver', () => {
  const cases: [string, Parse, string][] = [
    ['nft text', parseNftText, 'nft/misc-families.list-handles.nft'],
    ['nft text (kube-proxy)', parseNftText, 'nft/kube-proxy-iptables.list-handles.nft'],
    ['nft JSON', parseNftJson, 'nft/misc-families.list.json'],
    ['nft JSON (kube-proxy)', parseNftJson, 'nft/kube-proxy-nftables.list.json'],
    ['iptables-save', parseIptablesSave, 'iptables/iptables-save-nft.txt'],
  ];

  it.each(cases)('%s: hands over every rule it returns without one, and keeps the rest of the ruleset', (_label, parse, path) => {
    const text = fixture(path);
    const whole = parse(text, { file: 'f' }).value;
    const { handed, value } = received(parse, text);
    const chains = whole.tables.flatMap((t) => t.chains.map((c) => [`${t.family} ${t.name} ${c.name}`, c.rules] as const));
    expect(chains.length).toBeGreaterThan(0);
    expect([...handed]).toEqual(chains);
    expect(value.tables.flatMap((t) => t.chains.map((c) => c.rules))).toEqual(chains.map(() => []));
    const withoutRules = (r: NftRuleset) => r.tables.map((t) => ({ ...t, chains: t.chains.map((c) => ({ ...c, rules: [] })) }));
    expect(value.tables).toEqual(withoutRules(whole));
  });

  it('the text parser hands a chain over at its closing brace, before the next table opens', () => {
    const text = [
      'table ip nat {',
      '\tcomment "after the header"',
      '\tchain A {',
      '\t\tcounter packets 0 bytes 0 accept',
      '\t}',
      '\tchain B {',
      '\t}',
      '}',
      'table inet filter {',
      '\tchain C {',
      '\t\tdrop',
      '\t\taccept',
      '\t}',
      '}',
    ].join('\n');
    const { calls, value } = received(parseNftText, text);
    expect(calls).toEqual(['table ip nat', 'chain nat/A 1', 'chain nat/B 0', 'table inet filter', 'chain filter/C 2']);
    expect(value.tables[0].comment).toBe('after the header');
  });

  it('the JSON and iptables-save parsers, whose chains may get rules in any order, hand everything over at the end', () => {
    const json = JSON.stringify({
      nftables: [
        { table: { family: 'ip', name: 'nat', handle: 1 } },
        { chain: { family: 'ip', table: 'nat', name: 'A', handle: 1 } },
        { chain: { family: 'ip', table: 'nat', name: 'B', handle: 2 } },
        { rule: { family: 'ip', table: 'nat', chain: 'B', handle: 3, expr: [{ accept: null }] } },
        { rule: { family: 'ip', table: 'nat', chain: 'A', handle: 4, expr: [{ drop: null }] } },
      ],
    });
    expect(received(parseNftJson, json).calls).toEqual(['table ip nat', 'chain nat/A 1', 'chain nat/B 1']);
    const save = '*nat\n:A - [0:0]\n:B - [0:0]\n-A B -j ACCEPT\n-A A -j DROP\n-A B -j DROP\nCOMMIT\n';
    expect(received(parseIptablesSave, save).calls).toEqual(['table ip nat', 'chain nat/A 1', 'chain nat/B 2']);
  });
});
