// kube-proxy's rules for a small set of lab Services, as kube-proxy writes them on one node, in
// both proxy modes:
//
//   iptables   `iptables-restore` input as pkg/proxy/iptables/proxier.go (syncProxyRules) writes
//              it: nat KUBE-SERVICES / KUBE-NODEPORTS / KUBE-SVC / KUBE-SVL / KUBE-EXT / KUBE-SEP /
//              KUBE-MARK-MASQ / KUBE-POSTROUTING, filter KUBE-SERVICES / KUBE-EXTERNAL-SERVICES /
//              KUBE-FORWARD / KUBE-NODEPORTS / KUBE-PROXY-FIREWALL and kubelet's KUBE-FIREWALL. A
//              Service without endpoints gets no nat rules, only a filter REJECT; external traffic
//              to a Local Service without local endpoints is DROPped in KUBE-EXTERNAL-SERVICES.
//   nftables   `nft -f` input as pkg/proxy/nftables/proxier.go writes it (knftables): table
//              ip kube-proxy, the service-ips / service-nodeports verdict maps, numgen vmaps,
//              no-endpoint-services / no-endpoint-nodeports (goto reject-chain without any
//              endpoints, drop for a Local Service without local endpoints).
//
// Chain names come from renderer/src/analysis/kubeproxy-names.ts. Single-port TCP Services only
// (what the lab needs); endpoints are ready pods.
import {
  endpointString,
  nftEndpointChainNameBase,
  nftServicePortChainNameBase,
  servicePortChainName,
  servicePortEndpointChainName,
  servicePortName,
} from '../../../renderer/src/analysis/kubeproxy-names';

export interface LabEndpoint {
  /** pod name */
  pod: string;
  node: string;
  ip: string;
}

export interface LabService {
  namespace: string;
  name: string;
  type: 'ClusterIP' | 'NodePort';
  clusterIP: string;
  portName: string | null;
  port: number;
  targetPort: number;
  nodePort: number | null;
  externalTrafficPolicy: 'Cluster' | 'Local';
  endpoints: LabEndpoint[];
}

export interface ProxyContext {
  /** the node the rules are for (decides local endpoints) */
  node: string;
  /** the node's primary IP (nftables mode's nodeport-ips) */
  nodeIp: string;
  clusterCidr: string;
  serviceCidr: string;
}

/** kube-proxy: fmt.Sprintf("%0.10f", 1.0/float64(n)) */
function probability(n: number): string {
  return (1 / n).toFixed(10);
}

// ---------------------------------------------------------------------------------------------
// iptables mode

export function iptablesRestoreInput(services: LabService[], ctx: ProxyContext): string {
  const natChains = ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'];
  const nat: string[] = [
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
  ];
  const filterServices: string[] = [];
  const filterExternal: string[] = [];
  const perService: string[] = [];

  for (const svc of services) {
    const spn = servicePortName(svc.namespace, svc.name, svc.portName);
    const svcChain = servicePortChainName('KUBE-SVC-', spn, 'tcp');
    const svlChain = servicePortChainName('KUBE-SVL-', spn, 'tcp');
    const extChain = servicePortChainName('KUBE-EXT-', spn, 'tcp');
    const hasEndpoints = svc.endpoints.length > 0;
    const local = svc.type !== 'ClusterIP' && svc.externalTrafficPolicy === 'Local';
    const localEps = svc.endpoints.filter((e) => e.node === ctx.node);
    const hasExternalEndpoints = local ? localEps.length > 0 : hasEndpoints;
    const filterTarget = hasEndpoints ? 'DROP' : 'REJECT';
    const filterComment = hasEndpoints ? `"${spn} has no local endpoints"` : `"${spn} has no endpoints"`;
    const dport = `-m tcp -p tcp -d ${svc.clusterIP} --dport ${svc.port}`;

    if (hasEndpoints) {
      nat.push(`-A KUBE-SERVICES -m comment --comment "${spn} cluster IP" ${dport} -j ${svcChain}`);
    } else {
      filterServices.push(`-A KUBE-SERVICES -m comment --comment ${filterComment} ${dport} -j ${filterTarget}`);
    }
    if (svc.nodePort !== null) {
      if (hasEndpoints) {
        nat.push(`-A KUBE-NODEPORTS -m comment --comment ${spn} -m tcp -p tcp --dport ${svc.nodePort} -j ${extChain}`);
      }
      if (!hasExternalEndpoints) {
        filterExternal.push(
          `-A KUBE-EXTERNAL-SERVICES -m comment --comment ${filterComment} -m addrtype --dst-type LOCAL -m tcp -p tcp --dport ${svc.nodePort} -j ${filterTarget}`,
        );
      }
    }
    if (!hasEndpoints) continue;

    // internal traffic: masquerade off-cluster sources
    natChains.push(svcChain);
    perService.push(`-A ${svcChain} -m comment --comment "${spn} cluster IP" ${dport} ! -s ${ctx.clusterCidr} -j KUBE-MARK-MASQ`);
    if (svc.type !== 'ClusterIP') {
      natChains.push(extChain);
      if (!local) {
        perService.push(`-A ${extChain} -m comment --comment "masquerade traffic for ${spn} external destinations" -j KUBE-MARK-MASQ`);
      } else {
        perService.push(`-A ${extChain} -m comment --comment "pod traffic for ${spn} external destinations" -s ${ctx.clusterCidr} -j ${svcChain}`);
        perService.push(`-A ${extChain} -m comment --comment "masquerade LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`);
        perService.push(`-A ${extChain} -m comment --comment "route LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j ${svcChain}`);
      }
      if (hasExternalEndpoints) perService.push(`-A ${extChain} -j ${local ? svlChain : svcChain}`);
    }
    const endpointRules = (chain: string, eps: LabEndpoint[]) =>
      eps.forEach((ep, i) => {
        const epStr = endpointString(ep.ip, svc.targetPort);
        const left = eps.length - i;
        const stat = left > 1 ? ` -m statistic --mode random --probability ${probability(left)}` : '';
        perService.push(`-A ${chain} -m comment --comment "${spn} -> ${epStr}"${stat} -j ${servicePortEndpointChainName(spn, 'tcp', epStr)}`);
      });
    endpointRules(svcChain, svc.endpoints);
    if (local && localEps.length > 0) {
      natChains.push(svlChain);
      endpointRules(svlChain, localEps);
    }
    for (const ep of svc.endpoints) {
      const epStr = endpointString(ep.ip, svc.targetPort);
      const sep = servicePortEndpointChainName(spn, 'tcp', epStr);
      natChains.push(sep);
      perService.push(`-A ${sep} -m comment --comment ${spn} -s ${ep.ip} -j KUBE-MARK-MASQ`);
      perService.push(`-A ${sep} -m comment --comment ${spn} -m tcp -p tcp -j DNAT --to-destination ${epStr}`);
    }
  }
  nat.push(
    '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
  );

  const filter = [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':KUBE-FIREWALL - [0:0]',
    ':KUBE-EXTERNAL-SERVICES - [0:0]',
    ':KUBE-FORWARD - [0:0]',
    ':KUBE-NODEPORTS - [0:0]',
    ':KUBE-PROXY-FIREWALL - [0:0]',
    ':KUBE-SERVICES - [0:0]',
    '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
    '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
    '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    '-A INPUT -j KUBE-FIREWALL',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
    '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
    '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -j KUBE-FIREWALL',
    '-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    ...filterServices,
    ...filterExternal,
    'COMMIT',
  ];
  const natText = [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ...natChains.map((c) => `:${c} - [0:0]`),
    ...nat,
    ...perService,
    'COMMIT',
  ];
  return [...filter, ...natText, ''].join('\n');
}

// ---------------------------------------------------------------------------------------------
// nftables mode

export function nftInput(services: LabService[], ctx: ProxyContext): string {
  const T = 'ip kube-proxy';
  const out: string[] = [`add table ${T} { comment "rules for kube-proxy" ; }`];
  const sets: [string, string, string, string][] = [
    ['set', 'cluster-ips', 'ipv4_addr', 'Active ClusterIPs'],
    ['set', 'nodeport-ips', 'ipv4_addr', 'IPs that accept NodePort traffic'],
    ['map', 'firewall-ips', 'ipv4_addr . inet_proto . inet_service : verdict', 'destinations that are subject to LoadBalancerSourceRanges'],
    ['map', 'no-endpoint-nodeports', 'inet_proto . inet_service : verdict', 'vmap to drop or reject packets to service nodeports with no endpoints'],
    ['map', 'no-endpoint-services', 'ipv4_addr . inet_proto . inet_service : verdict', 'vmap to drop or reject packets to services with no endpoints'],
    ['map', 'service-ips', 'ipv4_addr . inet_proto . inet_service : verdict', 'ClusterIP, ExternalIP and LoadBalancer IP traffic'],
    ['map', 'service-nodeports', 'inet_proto . inet_service : verdict', 'NodePort traffic'],
  ];
  for (const [kind, name, type, comment] of sets) out.push(`add ${kind} ${T} ${name} { type ${type} ; comment "${comment}" ; }`);
  const chains: { name: string; props?: string; rules: string[] }[] = [
    { name: 'filter-prerouting-pre-dnat', props: '{ type filter hook prerouting priority -110 ; }', rules: ['ct state new jump firewall-check'] },
    { name: 'filter-output-pre-dnat', props: '{ type filter hook output priority -110 ; }', rules: ['ct state new jump firewall-check'] },
    { name: 'filter-input', props: '{ type filter hook input priority 0 ; }', rules: ['ct state new jump nodeport-endpoints-check', 'ct state new jump service-endpoints-check'] },
    { name: 'filter-forward', props: '{ type filter hook forward priority 0 ; }', rules: ['ct state new jump service-endpoints-check', 'ct state new jump cluster-ips-check'] },
    { name: 'filter-output', props: '{ type filter hook output priority 0 ; }', rules: ['ct state new jump service-endpoints-check', 'ct state new jump cluster-ips-check'] },
    { name: 'nat-prerouting', props: '{ type nat hook prerouting priority -100 ; }', rules: ['jump services'] },
    { name: 'nat-output', props: '{ type nat hook output priority -100 ; }', rules: ['jump services'] },
    { name: 'nat-postrouting', props: '{ type nat hook postrouting priority 100 ; }', rules: ['jump masquerading'] },
    { name: 'cluster-ips-check', rules: [
      'ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"',
      `ip daddr { ${ctx.serviceCidr} } drop comment "Drop traffic to unallocated ClusterIPs"`,
    ] },
    { name: 'firewall-check', rules: ['ip daddr . meta l4proto . th dport vmap @firewall-ips'] },
    { name: 'mark-for-masquerade', rules: ['mark set mark or 0x4000'] },
    { name: 'masquerading', rules: ['mark and 0x4000 == 0 return', 'mark set mark xor 0x4000', 'masquerade fully-random'] },
    { name: 'nodeport-endpoints-check', rules: ['ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports'] },
    { name: 'reject-chain', props: '{ comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }', rules: ['reject'] },
    { name: 'services', rules: [
      'ip daddr . meta l4proto . th dport vmap @service-ips',
      'ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports',
    ] },
    { name: 'service-endpoints-check', rules: ['ip daddr . meta l4proto . th dport vmap @no-endpoint-services'] },
  ];
  const elements: string[] = [`add element ${T} nodeport-ips { ${ctx.nodeIp} }`];
  const numgen = (targets: string[]) =>
    `numgen random mod ${targets.length} vmap { ${targets.map((t, i) => `${i} : goto ${t}`).join(' , ')} }`;

  for (const svc of services) {
    const base = nftServicePortChainNameBase(svc.namespace, svc.name, 'tcp', svc.portName);
    const svcChain = `service-${base}`;
    const extChain = `external-${base}`;
    const localChain = `local-${base}`;
    const spn = servicePortName(svc.namespace, svc.name, svc.portName);
    const hasEndpoints = svc.endpoints.length > 0;
    const local = svc.type !== 'ClusterIP' && svc.externalTrafficPolicy === 'Local';
    const epChain = (ep: LabEndpoint) =>
      `endpoint-${nftEndpointChainNameBase(svc.namespace, svc.name, 'tcp', svc.portName, ep.ip, svc.targetPort)}`;
    const localEps = svc.endpoints.filter((e) => e.node === ctx.node);
    const hasExternalEndpoints = local ? localEps.length > 0 : hasEndpoints;
    const filterVerdict = hasEndpoints ? 'drop' : 'goto reject-chain';

    elements.push(`add element ${T} cluster-ips { ${svc.clusterIP} }`);
    if (hasEndpoints) {
      elements.push(`add element ${T} service-ips { ${svc.clusterIP} . tcp . ${svc.port} : goto ${svcChain} }`);
    } else {
      elements.push(`add element ${T} no-endpoint-services { ${svc.clusterIP} . tcp . ${svc.port} comment "${spn}" : ${filterVerdict} }`);
    }
    if (svc.nodePort !== null) {
      if (hasEndpoints) elements.push(`add element ${T} service-nodeports { tcp . ${svc.nodePort} : goto ${extChain} }`);
      if (!hasExternalEndpoints) {
        elements.push(`add element ${T} no-endpoint-nodeports { tcp . ${svc.nodePort} comment "${spn}" : ${filterVerdict} }`);
      }
    }
    if (!hasEndpoints) continue;
    chains.push({
      name: svcChain,
      rules: [
        `ip daddr ${svc.clusterIP} tcp dport ${svc.port} ip saddr != ${ctx.clusterCidr} jump mark-for-masquerade`,
        numgen(svc.endpoints.map(epChain)),
      ],
    });
    if (svc.type !== 'ClusterIP') {
      const ext: string[] = [];
      if (!local) {
        ext.push('jump mark-for-masquerade', `goto ${svcChain}`);
      } else {
        ext.push(
          `ip saddr ${ctx.clusterCidr} goto ${svcChain} comment "short-circuit pod traffic"`,
          'fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"',
          `fib saddr type local goto ${svcChain} comment "short-circuit local traffic"`,
        );
        if (hasExternalEndpoints) ext.push(`goto ${localChain}`);
      }
      chains.push({ name: extChain, rules: ext });
      if (local && localEps.length > 0) chains.push({ name: localChain, rules: [numgen(localEps.map(epChain))] });
    }
    for (const ep of svc.endpoints) {
      chains.push({
        name: epChain(ep),
        rules: [`ip saddr ${ep.ip} jump mark-for-masquerade`, `meta l4proto tcp dnat to ${endpointString(ep.ip, svc.targetPort)}`],
      });
    }
  }
  for (const c of chains) out.push(`add chain ${T} ${c.name}${c.props ? ` ${c.props}` : ''}`);
  for (const c of chains) for (const r of c.rules) out.push(`add rule ${T} ${c.name} ${r}`);
  out.push(...elements);
  return out.join('\n') + '\n';
}
