// A small hand-made trace shaped like the article's: LB entry → KUBE-SERVICES → KUBE-EXT →
// KUBE-SVC → a random fork over three endpoints, one of them on a node that was not captured.

import type { Hop, PathLeaf, PathSegment, PathTree } from '../../../renderer/src/analysis/trace/types';

function hop(kind: Hop['kind'], chain: string, detail: string, packets: number | null): Hop {
  return {
    kind,
    node: 'roger-nuc1',
    action: 'MATCHED',
    object: { type: 'nft-rule', family: 'ip', table: 'nat', chain, position: 0, handle: null, text: detail },
    detail,
    evidence: [{ file: 'nodes/roger-nuc1/nft-ruleset.txt', line: 10 }],
    counters: packets === null ? null : { packets, bytes: packets * 52 },
    transforms: [],
    service: null,
    endpoint: null,
  };
}

function leaf(id: string, disposition: PathLeaf['disposition'], address: string): PathLeaf {
  return {
    type: 'leaf',
    id,
    disposition,
    reason: disposition === 'delivered' ? 'delivered to the pod' : 'roger-nuc2 was not captured',
    probability: 1 / 3,
    inferred: true,
    assumptions: [],
    packet: {
      src: null,
      dst: address,
      dport: 80,
      protocol: 'tcp',
      mark: 0x4000,
      ctMark: 0,
      iif: 'eno1',
      oif: null,
      conntrack: { origDst: '192.168.28.61', origDport: 80, dnat: { address, port: 80 }, snat: null },
    },
    service: null,
    endpoint: { address, port: 80, podNamespace: 'default', podName: `nginx-${id}`, nodeName: null, ready: true },
    nodes: ['roger-nuc1'],
    chains: [],
  };
}

function branch(i: number, sep: string, address: string, disposition: PathLeaf['disposition']): PathSegment {
  return { hops: [hop('nft', sep, `dnat to ${address}:80`, i)], end: leaf(String(i), disposition, address) };
}

export const articleTree: PathTree = {
  entry: {
    kind: 'load-balancer',
    label: 'LoadBalancer 192.168.28.61:80/tcp',
    address: '192.168.28.61',
    port: 80,
    protocol: 'tcp',
    from: 'external',
    node: 'roger-nuc1',
    service: { namespace: 'default', name: 'nginx', portName: null, port: 80, protocol: 'tcp' },
  },
  root: {
    hops: [
      hop('nft', 'KUBE-SERVICES', 'jump KUBE-EXT-2CMXP7HKUVJN7L6M', 1),
      hop('nft', 'KUBE-EXT-2CMXP7HKUVJN7L6M', 'jump KUBE-SVC-2CMXP7HKUVJN7L6M', 1),
    ],
    end: {
      type: 'fork',
      kind: 'random',
      node: 'roger-nuc1',
      reason: 'KUBE-SVC-2CMXP7HKUVJN7L6M: random endpoint',
      evidence: [{ file: 'nodes/roger-nuc1/nft-ruleset.txt', line: 20 }],
      branches: [
        { label: 'KUBE-SEP-T3JGICIP4GFFPRGP', probability: 1 / 3, inferred: true, assumption: null, segment: branch(0, 'KUBE-SEP-T3JGICIP4GFFPRGP', '10.42.0.204', 'delivered') },
        { label: 'KUBE-SEP-UPTBB2U3B55FJQPW', probability: 1 / 3, inferred: true, assumption: null, segment: branch(1, 'KUBE-SEP-UPTBB2U3B55FJQPW', '10.42.2.228', 'node-not-captured') },
        { label: 'KUBE-SEP-4NAVMHD34SAGR7OJ', probability: 1 / 3, inferred: false, assumption: null, segment: branch(2, 'KUBE-SEP-4NAVMHD34SAGR7OJ', '10.42.4.11', 'delivered') },
      ],
    },
  },
  leafCount: 3,
  dispositions: { delivered: 2, 'node-not-captured': 1 },
};
