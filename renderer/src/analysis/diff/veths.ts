// veth ↔ pod correlation on the compared nodes, matched by the pod a veth leads to (veth names
// change whenever a pod's sandbox is recreated; the pod is what a person asks about). A veth no
// pod was found for is matched by its name on the same pair of nodes.

import type { VethCorrelation, VethMatch } from '../veths';
import { diffKeyed, pairScope, sortedStrings, type Fields } from './common';
import type { Pairing } from './pairs';
import type { Change } from './types';

function vethKey(m: VethMatch, pairNode: string): string {
  return m.podName !== null ? `pod ${m.podNamespace ?? '?'}/${m.podName}` : `${pairNode} ${m.hostIfname}`;
}

export function diffVeths(a: VethCorrelation, b: VethCorrelation, pairing: Pairing): Change[] {
  const collect = (c: VethCorrelation, toPair: (node: string) => string | undefined) => {
    const out = new Map<string, { match: VethMatch; pairNode: string }>();
    for (const m of c.matches) {
      const pairNode = toPair(m.node);
      if (pairNode !== undefined) out.set(vethKey(m, pairNode), { match: m, pairNode });
    }
    return out;
  };
  const fields = ({ match: m, pairNode }: { match: VethMatch; pairNode: string }): Fields => ({
    node: pairNode,
    hostIfname: m.hostIfname,
    master: m.master,
    netns: m.netns,
    podIfname: m.podIfname,
    addresses: sortedStrings(m.addresses),
    confidence: m.confidence,
    conflicts: [...m.conflicts],
  });
  return diffKeyed(
    collect(a, (n) => (pairing.byA.has(n) ? n : undefined)),
    collect(b, (n) => pairing.toA.get(n)),
    {
      subject: (key) => key,
      fields,
      source: ({ match }) => match.evidence[0] ?? { file: `nodes/${match.node}/ip-link.json`, line: 0 },
      scope: ({ pairNode }) => pairScope(pairing.byA.get(pairNode)!),
    },
  );
}
