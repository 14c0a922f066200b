// Host interfaces of each compared node pair, matched by name: state, MTU, master (bridge
// membership). Host veths are compared in the veth section, by the pod they lead to. When two
// different nodes are compared, what is naturally per node (MAC, addresses, VXLAN local address)
// is left out so that only real differences remain.

import type { NetAddress, NetInterface, NodeData } from '../model';
import { diffKeyed, pairScope, sortedStrings, type Fields } from './common';
import type { Change, NodePair } from './types';

function addressesByIf(addresses: readonly NetAddress[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of addresses) out.set(a.ifname, [...(out.get(a.ifname) ?? []), `${a.address}/${a.prefixLen}`]);
  return out;
}

export function diffInterfaces(a: NodeData, b: NodeData, pair: NodePair): Change[] {
  const collect = (n: NodeData) => {
    const addrs = addressesByIf(n.addresses);
    return new Map(
      n.interfaces.filter((i) => i.kind !== 'veth').map((i) => [i.name, { iface: i, addresses: sortedStrings(addrs.get(i.name) ?? []) }]),
    );
  };
  const fields = ({ iface: i, addresses }: { iface: NetInterface; addresses: string[] }): Fields => ({
    kind: i.kind,
    state: i.state,
    mtu: i.mtu,
    master: i.master,
    flags: sortedStrings(i.flags),
    ...(pair.crossNode
      ? {}
      : {
          mac: i.mac,
          addresses,
          vxlan: i.vxlan ? `id ${i.vxlan.id ?? '-'} local ${i.vxlan.local ?? '-'} dev ${i.vxlan.dev ?? '-'} port ${i.vxlan.port ?? '-'}` : null,
        }),
  });
  return diffKeyed(collect(a), collect(b), {
    subject: (name) => name,
    fields,
    source: ({ iface }) => iface.source,
    scope: pairScope(pair),
  });
}
