import { describe, expect, it } from 'vitest';
import type { NetnsEntry } from '../../../renderer/src/analysis/model';
import { parseNetns } from '../../../db/parsers/netns';
import { fixture, fixturePrefix } from './fixture';

const P = fixturePrefix();
const pairs = (l: NetnsEntry[]) => l.map((e) => [e.name, e.nsid]);

describe('parseNetns (ip netns list-id + ip netns list)', () => {
  it('merges both views of the captured node: each namespace once, name and nsid', () => {
    const { value, issues } = parseNetns(fixture('iproute2/node-netns.txt'), { file: 'netns.txt' });
    expect(issues).toEqual([]);
    expect(pairs(value)).toEqual([
      [`${P}-lan`, 0],
      [`${P}-pod1`, 1],
      [`${P}-pod2`, 2],
      [null, 3],
      [`${P}-node`, null],
      [`${P}-legacy`, null],
    ]);
    expect(value[0].source).toEqual({ file: 'netns.txt', line: 2 });
  });

  it.each([
    [
      'list first, then list-id',
      'cni-357001b9-24ca-5619-df3a-4dfe972bb930 (id: 0)\ncni-aaaa (id: 1)\nnsid 0 (iproute2 netns name: cni-357001b9-24ca-5619-df3a-4dfe972bb930)\nnsid 1\nnsid 2\n',
      [
        ['cni-357001b9-24ca-5619-df3a-4dfe972bb930', 0],
        ['cni-aaaa', 1],
        [null, 2],
      ],
    ],
    ['only names', 'cni-a\ncni-b\n', [['cni-a', null], ['cni-b', null]]],
    ['a name learnt from list-id after its nsid', 'nsid 4 \ncni-x (id: 4)\n', [['cni-x', 4]]],
    ['CRLF line ends and comments', '# ip netns list\r\ncni-y (id: 7)\r\n', [['cni-y', 7]]],
  ])('reads %s', (_what, text, expected) => {
    const { value, issues } = parseNetns(text, { file: 'f' });
    expect(issues).toEqual([]);
    expect(pairs(value)).toEqual(expected);
  });

  it('reports contradictions and lines it cannot read', () => {
    const { value, issues } = parseNetns('cni-a (id: 1)\nnsid 2 (iproute2 netns name: cni-a)\nError: Peer netns reference is invalid.\n', { file: 'f' });
    expect(pairs(value)).toEqual([['cni-a', 1]]);
    expect(issues.map((i) => [i.code, i.line, i.detail])).toEqual([
      ['duplicate-record', 2, 'nsid 2 (iproute2 netns name: cni-a)'],
      ['unknown-syntax', 3, 'Error: Peer netns reference is invalid.'],
    ]);
  });
});
