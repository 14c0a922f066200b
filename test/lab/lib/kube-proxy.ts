// kube-proxy-shaped netfilter rules for lab nodes: chain names hashed as kube-proxy hashes them
// and an iptables-restore input for ClusterIP services, to be loaded with iptables-restore -c
// (iptables-nft on this platform) so the kernel holds rules shaped exactly like a node's.
import { servicePortChainName, servicePortEndpointChainName } from '../../../renderer/src/analysis/kubeproxy-names';

/** KUBE-SVC-…: servicePortName is 'ns/name' or 'ns/name:portName'; protocol 'tcp' | 'udp' | 'sctp'. */
export function svcChain(servicePortName: string, protocol: string): string {
  return servicePortChainName('KUBE-SVC-', servicePortName, protocol);
}

/** KUBE-SEP-…: the endpoint 'ip:port' hashed with the service port name and protocol. */
export function sepChain(servicePortName: string, protocol: string, endpoint: string): string {
  return servicePortEndpointChainName(servicePortName, protocol, endpoint);
}

export interface ClusterIpService {
  /** 'ns/name' or 'ns/name:portName' */
  servicePortName: string;
  clusterIp: string;
  port: number;
  protocol: 'tcp' | 'udp';
  /** endpoints 'ip:port' */
  endpoints: string[];
  /** [packets, bytes] preset on each rule of the service's chains (iptables-restore -c) */
  counters?: [number, number];
}

/**
 * The nat table kube-proxy (iptables mode) writes for these ClusterIP services: KUBE-SERVICES →
 * KUBE-SVC (masquerade off-cluster sources, `statistic random` per endpoint) → KUBE-SEP (DNAT),
 * plus KUBE-MARK-MASQ and KUBE-POSTROUTING. Input for `iptables-restore -c`.
 */
export function kubeProxyNatRules(services: ClusterIpService[], clusterCidr: string): string {
  const chains = ['KUBE-SERVICES', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'];
  const rules: string[] = [
    '[0:0] -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '[0:0] -A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '[0:0] -A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '[0:0] -A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
    '[0:0] -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '[0:0] -A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
    '[0:0] -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
  ];
  for (const s of services) {
    const [pk, bk] = s.counters ?? [0, 0];
    const c = `[${pk}:${bk}]`;
    const svc = svcChain(s.servicePortName, s.protocol);
    chains.push(svc);
    const comment = `-m comment --comment "${s.servicePortName} cluster IP"`;
    rules.push(`${c} -A KUBE-SERVICES -d ${s.clusterIp}/32 -p ${s.protocol} ${comment} -m ${s.protocol} --dport ${s.port} -j ${svc}`);
    rules.push(`${c} -A ${svc} ! -s ${clusterCidr} -d ${s.clusterIp}/32 -p ${s.protocol} ${comment} -m ${s.protocol} --dport ${s.port} -j KUBE-MARK-MASQ`);
    s.endpoints.forEach((ep, i) => {
      const sep = sepChain(s.servicePortName, s.protocol, ep);
      chains.push(sep);
      const left = s.endpoints.length - i;
      const stat = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(11)}` : '';
      rules.push(`${c} -A ${svc} -m comment --comment "${s.servicePortName} -> ${ep}"${stat} -j ${sep}`);
      rules.push(`${c} -A ${sep} -s ${ep.split(':')[0]}/32 -m comment --comment "${s.servicePortName}" -j KUBE-MARK-MASQ`);
      rules.push(`${c} -A ${sep} -p ${s.protocol} -m comment --comment "${s.servicePortName}" -m ${s.protocol} -j DNAT --to-destination ${ep}`);
    });
  }
  return ['*nat', ...chains.map((n) => `:${n} - [0:0]`), ...rules, 'COMMIT', ''].join('\n');
}
