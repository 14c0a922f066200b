// Services, matched by namespace/name: type, addresses, ports and traffic policies.

import type { KubeService, ServicePort, SnapshotData } from '../model';
import { diffKeyed, sortedStrings, type Fields } from './common';
import type { Change } from './types';

export function serviceKey(s: { namespace: string; name: string }): string {
  return `${s.namespace}/${s.name}`;
}

/** `http 80/TCP→8080 nodePort 31236`: one line per port, as `kubectl describe` would say it. */
function portText(p: ServicePort): string {
  const target = p.targetPort === null ? '' : `→${p.targetPort}`;
  const node = p.nodePort === null ? '' : ` nodePort ${p.nodePort}`;
  return `${p.name ? `${p.name} ` : ''}${p.port}/${p.protocol}${target}${node}`;
}

function serviceFields(s: KubeService): Fields {
  return {
    type: s.type,
    clusterIPs: sortedStrings(s.clusterIPs),
    externalIPs: sortedStrings(s.externalIPs),
    loadBalancerIPs: sortedStrings(s.loadBalancerIPs),
    loadBalancerSourceRanges: sortedStrings(s.loadBalancerSourceRanges),
    ports: sortedStrings(s.ports.map(portText)),
    selector: s.selector === null ? null : sortedStrings(Object.entries(s.selector).map(([k, v]) => `${k}=${v}`)),
    externalTrafficPolicy: s.externalTrafficPolicy,
    internalTrafficPolicy: s.internalTrafficPolicy,
    sessionAffinity: s.sessionAffinity,
    sessionAffinityTimeout: s.sessionAffinityTimeout,
    healthCheckNodePort: s.healthCheckNodePort,
    externalName: s.externalName,
  };
}

export function diffServices(a: SnapshotData, b: SnapshotData): Change[] {
  const byKey = (s: SnapshotData) => new Map(s.cluster.services.map((svc) => [serviceKey(svc), svc]));
  return diffKeyed(byKey(a), byKey(b), { subject: (key) => key, fields: serviceFields, source: (s) => s.source });
}
