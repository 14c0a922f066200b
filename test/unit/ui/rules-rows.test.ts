import { describe, expect, it } from 'vitest';
import type { NftChain, NftRule, NftRuleset } from '../../../renderer/src/analysis/model';
import { chainKey, flattenRuleset, parseRuleQuery, searchRows } from '../../../renderer/src/ui-logic/rules-rows';

let line = 0;
function rule(position: number, text: string, target: string | null): NftRule {
  line++;
  return {
    position,
    handle: null,
    text,
    counter: { packets: 0, bytes: 0 },
    comment: null,
    statements: target ? [{ kind: 'verdict', verdict: { kind: 'jump', target, argument: null }, text: `jump ${target}` }] : [],
    source: { file: 'nodes/n1/nft-ruleset.txt', line },
  };
}

function chain(name: string, rules: NftRule[], hook: string | null = null): NftChain {
  return { name, type: hook ? 'nat' : null, hook, priority: hook ? -100 : null, device: null, policy: hook ? 'accept' : null, comment: null, rules, source: { file: 'nodes/n1/nft-ruleset.txt', line: 1 } };
}

const ruleset: NftRuleset = {
  tables: [
    {
      family: 'ip',
      name: 'nat',
      comment: null,
      sets: [],
      source: { file: 'nodes/n1/nft-ruleset.txt', line: 1 },
      chains: [
        chain('PREROUTING', [rule(0, 'counter packets 80 bytes 4160 jump KUBE-SERVICES', 'KUBE-SERVICES')], 'prerouting'),
        chain('KUBE-SERVICES', [
          rule(0, 'meta l4proto tcp ip daddr 192.168.28.61 tcp dport 80 counter packets 1 bytes 52 jump KUBE-EXT-2CMXP7HKUVJN7L6M', 'KUBE-EXT-2CMXP7HKUVJN7L6M'),
          rule(1, 'meta l4proto tcp ip daddr 10.43.0.10 tcp dport 9153 counter packets 0 bytes 0 jump KUBE-SVC-JD5MR3NA4I4DYORP', 'KUBE-SVC-JD5MR3NA4I4DYORP'),
        ]),
        chain('KUBE-EXT-2CMXP7HKUVJN7L6M', [rule(0, 'counter packets 1 bytes 52 jump KUBE-MARK-MASQ', 'KUBE-MARK-MASQ')]),
        chain('KUBE-SEP-T3JGICIP4GFFPRGP', [rule(0, 'meta l4proto tcp counter packets 3 bytes 156 dnat to 10.42.0.204:80', null)]),
      ],
    },
  ],
};

describe('rules rows', () => {
  const model = flattenRuleset(ruleset);

  it('flattens tables, chains and rules in order and indexes chains', () => {
    expect(model.rows.map((r) => r.type)).toEqual(['table', 'chain', 'rule', 'chain', 'rule', 'rule', 'chain', 'rule', 'chain', 'rule']);
    expect(model.chains.get(chainKey('ip', 'nat', 'KUBE-EXT-2CMXP7HKUVJN7L6M'))).toBe(6);
    const first = model.rows[4];
    expect(first.type === 'rule' && first.targets).toEqual(['KUBE-EXT-2CMXP7HKUVJN7L6M']);
  });

  it('finds a chain by name, preferring the chain itself', () => {
    const found = searchRows(model.rows, parseRuleQuery('kube-ext-2cmxp7hkuvjn7l6m'));
    expect(found.indices).toEqual([4, 6]);
    expect(found.preferred).toBe(6);
  });

  it('finds an address without matching longer ones or counters', () => {
    expect(parseRuleQuery('10.42.0.204').kind).toBe('address');
    expect(searchRows(model.rows, parseRuleQuery('10.42.0.204')).indices).toEqual([9]);
    expect(searchRows(model.rows, parseRuleQuery('10.42.0.20')).indices).toEqual([]);
    expect(searchRows(model.rows, parseRuleQuery('192.168.28.61')).indices).toEqual([4]);
  });

  it('finds a port but not a counter or part of an address', () => {
    expect(parseRuleQuery('80')).toMatchObject({ kind: 'port', port: 80 });
    expect(searchRows(model.rows, parseRuleQuery('80')).indices).toEqual([4, 9]);
    expect(searchRows(model.rows, parseRuleQuery('port:9153')).indices).toEqual([5]);
    expect(searchRows(model.rows, parseRuleQuery('52')).indices).toEqual([]);
  });

  it('does nothing for an empty query', () => {
    expect(searchRows(model.rows, parseRuleQuery('  '))).toEqual({ indices: [], preferred: null });
  });
});

describe('rules rows at kube-proxy scale', () => {
  it('flattens and searches 150k rules quickly', () => {
    const chains: NftChain[] = [];
    for (let c = 0; c < 15_000; c++) {
      const rules: NftRule[] = [];
      for (let r = 0; r < 10; r++) rules.push(rule(r, `ip daddr 10.${c >> 8}.${c & 255}.${r} tcp dport ${1000 + r} counter packets ${r} bytes ${r * 60} jump KUBE-SEP-${c}-${r}`, `KUBE-SEP-${c}-${r}`));
      chains.push(chain(`KUBE-SVC-${c}`, rules));
    }
    const big: NftRuleset = { tables: [{ family: 'ip', name: 'nat', comment: null, sets: [], chains, source: { file: 'x', line: 1 } }] };
    const started = performance.now();
    const model = flattenRuleset(big);
    const byChain = searchRows(model.rows, parseRuleQuery('KUBE-SVC-14999'));
    const byIp = searchRows(model.rows, parseRuleQuery('10.58.151.9'));
    const elapsed = performance.now() - started;
    expect(model.rows).toHaveLength(1 + 15_000 * 11);
    expect(model.rows[byChain.preferred!].type).toBe('chain');
    expect(byIp.indices).toHaveLength(1);
    expect(elapsed).toBeLessThan(3000);
  });
});
