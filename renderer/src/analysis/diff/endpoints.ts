// Endpoints per Service, merged over its EndpointSlices (slice names are generated, so they are
// not part of an endpoint's identity) and matched by address: readiness, node, pod and ports.
// A Service whose endpoints now live on other nodes is a finding.

import type { Finding } from '../findings';
import type { KubeEndpoint, SnapshotData, SourceRef } from '../model';
import { compareText, diffKeyed, sortedStrings, type Fields } from './common';
import type { Change } from './types';

interface EndpointInfo {
  endpoint: KubeEndpoint;
  ports: Set<string>;
  source: SourceRef;
}

/** service `ns/name` → address → endpoint */
type EndpointsByService = Map<string, Map<string, EndpointInfo>>;

function collect(s: SnapshotData): EndpointsByService {
  const out: EndpointsByService = new Map();
  for (const slice of s.cluster.endpointSlices) {
    if (slice.serviceName === null) continue;
    const key = `${slice.namespace}/${slice.serviceName}`;
    let byAddress = out.get(key);
    if (!byAddress) out.set(key, (byAddress = new Map()));
    const ports = slice.ports.map((p) => `${p.name ? `${p.name} ` : ''}${p.port}/${p.protocol}`);
    for (const endpoint of slice.endpoints) {
      for (const address of endpoint.addresses) {
        const info = byAddress.get(address) ?? { endpoint, ports: new Set<string>(), source: slice.source };
        for (const p of ports) info.ports.add(p);
        byAddress.set(address, info);
      }
    }
  }
  return out;
}

function endpointFields(info: EndpointInfo): Fields {
  const e = info.endpoint;
  return {
    ready: e.ready,
    serving: e.serving,
    terminating: e.terminating,
    node: e.nodeName,
    pod: e.podName === null ? null : `${e.podNamespace ?? '?'}/${e.podName}`,
    ports: sortedStrings(info.ports),
  };
}

function nodeCounts(endpoints: Map<string, EndpointInfo> | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const info of endpoints?.values() ?? []) {
    const node = info.endpoint.nodeName;
    if (node !== null) out.set(node, (out.get(node) ?? 0) + 1);
  }
  return out;
}

function countsText(counts: Map<string, number>): string {
  return [...counts].sort(([x], [y]) => compareText(x, y)).map(([n, c]) => `${n} ×${c}`).join(', ');
}

/** Services with fewer endpoints on some nodes and more on others. */
function movedFindings(a: EndpointsByService, b: EndpointsByService): Finding[] {
  const out: Finding[] = [];
  for (const [service, before] of a) {
    const after = b.get(service);
    const ca = nodeCounts(before);
    const cb = nodeCounts(after);
    const left = [...ca.keys()].filter((n) => (cb.get(n) ?? 0) < ca.get(n)!).sort(compareText);
    const arrived = [...cb.keys()].filter((n) => (ca.get(n) ?? 0) < cb.get(n)!).sort(compareText);
    if (left.length === 0 || arrived.length === 0) continue;
    const evidence = [[...before.values()][0]?.source, after && [...after.values()][0]?.source].filter((x): x is SourceRef => !!x);
    out.push({
      severity: 'info',
      code: 'endpoints-moved-node',
      node: null,
      subject: service,
      message: `${service}: endpoints moved from ${left.join(', ')} to ${arrived.join(', ')} (A: ${countsText(ca)}; B: ${countsText(cb)})`,
      evidence,
    });
  }
  return out;
}

export function diffEndpoints(a: SnapshotData, b: SnapshotData): { changes: Change[]; findings: Finding[] } {
  const ea = collect(a);
  const eb = collect(b);
  const flat = (e: EndpointsByService) => {
    const out = new Map<string, EndpointInfo>();
    for (const [service, byAddress] of e) for (const [address, info] of byAddress) out.set(`${service} ${address}`, info);
    return out;
  };
  const changes = diffKeyed(flat(ea), flat(eb), { subject: (key) => key, fields: endpointFields, source: (i) => i.source });
  return { changes, findings: movedFindings(ea, eb) };
}
