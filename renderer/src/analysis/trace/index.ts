// Public API of the packet path engine. Pure and deterministic: the same snapshot gives the same
// trees. The per-snapshot indexes are built on first use and cached (see context.ts).

import type { KubeService, SnapshotData } from '../model';
import { traceContext, type Announcer, type TraceContext } from './context';
import { candidates, nodePortAddress, protocolOf, serviceRef, traceEntry, type EntryRequest, type Origin } from './entries';
import { canonicalIp, parseIp } from './ip';
import { forgettingServiceChains } from './netfilter';
import type {
  EntryPoint,
  FlowSpec,
  PathLeaf,
  PathSegment,
  PathTree,
  Protocol,
  ServiceSelector,
  ServiceTrace,
  TraceOptions,
} from './types';

export type * from './types';
export { DISPOSITIONS } from './types';
export { renderTraceText, renderTreeText } from './render';

/** A request the engine cannot answer: unknown service, port or node. The message is one line. */
export class TraceInputError extends Error {
  override name = 'TraceInputError';
}

function allowed(opts: TraceOptions | undefined, node: string): boolean {
  return !opts?.nodes || opts.nodes.includes(node);
}

function isV4(ip: string): boolean {
  const a = parseIp(ip);
  return !!a && !a.v6;
}

function serviceNotes(ctx: TraceContext, svc: KubeService): string[] {
  const notes: string[] = [];
  if (svc.type === 'ExternalName') notes.push(`ExternalName service (${svc.externalName ?? '?'}): resolved by DNS, no packet path`);
  if (svc.clusterIPs.includes('None')) notes.push('headless service: clients connect to pod IPs directly, kube-proxy installs no rules');
  if (svc.sessionAffinity === 'ClientIP') {
    notes.push(`session affinity ClientIP (timeout ${svc.sessionAffinityTimeout ?? 10800}s): probabilities are per new client; a returning client sticks to its endpoint`);
  }
  if (svc.externalTrafficPolicy === 'Local') notes.push('externalTrafficPolicy Local: external traffic goes only to endpoints on the receiving node');
  if (svc.internalTrafficPolicy === 'Local') notes.push('internalTrafficPolicy Local: cluster traffic goes only to endpoints on the sending node');
  if (svc.loadBalancerSourceRanges.length > 0) notes.push(`loadBalancerSourceRanges: ${svc.loadBalancerSourceRanges.join(', ')}`);
  const v6 = [...svc.clusterIPs, ...svc.loadBalancerIPs, ...svc.externalIPs].filter((ip) => ip.includes(':'));
  if (v6.length > 0) notes.push(`IPv6 addresses not traced (the engine evaluates IPv4 tables): ${v6.join(', ')}`);
  const slices = ctx.slicesByService.get(`${svc.namespace}/${svc.name}`) ?? [];
  if (svc.type !== 'ExternalName' && !slices.some((s) => s.endpoints.some((e) => e.ready !== false))) {
    notes.push('no ready endpoints');
  }
  return notes;
}

function entryRequests(ctx: TraceContext, svc: KubeService, opts: TraceOptions | undefined, portFilter: ServiceSelector['port']): EntryRequest[] {
  const out: EntryRequest[] = [];
  if (svc.type === 'ExternalName' || svc.clusterIPs.includes('None')) return out;
  const nodes = [...ctx.captured.values()].filter((n) => allowed(opts, n.name)).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const port of svc.ports) {
    if (portFilter !== undefined && String(portFilter) !== port.name && String(portFilter) !== String(port.port)) continue;
    const protocol = protocolOf(port.protocol);
    const ref = serviceRef(svc, port);
    const p = `${port.port}/${protocol}`;
    const entry = (kind: EntryPoint['kind'], label: string, address: string, prt: number, from: string, node: string | null): EntryPoint => ({
      kind,
      label,
      address: canonicalIp(address),
      port: prt,
      protocol,
      from,
      node,
      service: ref,
    });
    for (const ip of svc.clusterIPs.filter(isV4)) {
      for (const n of nodes) {
        out.push({
          entry: entry('cluster-ip', `ClusterIP ${ip}:${p} from a process on ${n.name}`, ip, port.port, 'host', n.name),
          origin: { kind: 'host', src: null, pod: null },
          announcers: [{ node: n.name, source: 'node-address', evidence: [] }],
        });
      }
    }
    if (port.nodePort !== null) {
      for (const n of nodes) {
        const address = nodePortAddress(ctx, n);
        if (!address) continue;
        out.push({
          entry: entry('node-port', `NodePort ${address}:${port.nodePort}/${protocol} on ${n.name}`, address, port.nodePort, 'external', n.name),
          origin: { kind: 'external', src: null, pod: null },
          announcers: [{ node: n.name, source: 'node-address', evidence: [] }],
        });
      }
    }
    for (const ip of svc.loadBalancerIPs.filter(isV4)) {
      const known = (ctx.announcers.get(canonicalIp(ip)) ?? []).filter((a) => allowed(opts, a.node));
      const announcers = known.length > 0 ? known : candidates(ctx, opts?.nodes);
      if (announcers.length === 0) continue;
      out.push({
        entry: entry('load-balancer', `LoadBalancer ${ip}:${p}`, ip, port.port, 'external', announcers.length === 1 ? announcers[0].node : null),
        origin: { kind: 'external', src: null, pod: null },
        announcers,
      });
    }
    for (const ip of svc.externalIPs.filter(isV4)) {
      const owner = ctx.nodeByAddress.get(canonicalIp(ip));
      const announcers: Announcer[] =
        owner && ctx.captured.has(owner) && allowed(opts, owner)
          ? [{ node: owner, source: 'node-address', evidence: [] }]
          : candidates(ctx, opts?.nodes);
      if (announcers.length === 0) continue;
      out.push({
        entry: entry('external-ip', `externalIP ${ip}:${p}`, ip, port.port, 'external', announcers.length === 1 ? announcers[0].node : null),
        origin: { kind: 'external', src: null, pod: null },
        announcers,
      });
    }
  }
  return out;
}

function traceOne(ctx: TraceContext, svc: KubeService, opts: TraceOptions | undefined, port?: ServiceSelector['port']): ServiceTrace {
  return {
    namespace: svc.namespace,
    name: svc.name,
    type: svc.type,
    notes: serviceNotes(ctx, svc),
    trees: entryRequests(ctx, svc, opts, port).map((r) => traceEntry(ctx, r, opts?.maxLeaves)),
  };
}

/** Every entry point of a Service (or of one of its ports), each traced to its leaves. */
export function traceService(snapshot: SnapshotData, selector: ServiceSelector, opts?: TraceOptions): ServiceTrace {
  const ctx = traceContext(snapshot);
  const svc = ctx.servicesByKey.get(`${selector.namespace}/${selector.name}`);
  if (!svc) throw new TraceInputError(`service ${selector.namespace}/${selector.name} is not in the snapshot`);
  if (selector.port !== undefined && !svc.ports.some((p) => String(selector.port) === p.name || String(selector.port) === String(p.port))) {
    throw new TraceInputError(`service ${selector.namespace}/${selector.name} has no port ${selector.port}`);
  }
  return traceOne(ctx, svc, opts, selector.port);
}

/**
 * Every Service in the snapshot, sorted by namespace and name, handed to `visit` one at a time: a
 * caller that keeps only what it needs of each (a summary, a count) never holds every tree at once,
 * and the engine keeps no Service's own chain facts once it is traced.
 */
export function forEachServiceTrace(snapshot: SnapshotData, visit: (trace: ServiceTrace) => void, opts?: TraceOptions): void {
  const ctx = traceContext(snapshot);
  const services = [...snapshot.cluster.services].sort((a, b) =>
    a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const svc of services) visit(forgettingServiceChains(() => traceOne(ctx, svc, opts)));
}

/** Every Service in the snapshot, sorted by namespace and name. */
export function traceAllServices(snapshot: SnapshotData, opts?: TraceOptions): ServiceTrace[] {
  const out: ServiceTrace[] = [];
  forEachServiceTrace(snapshot, (trace) => out.push(trace), opts);
  return out;
}

/** One user-given flow: to IP:PORT/PROTO, from an IP (pod, node or other) or 'external', optionally entering on a node. */
export function traceFlow(snapshot: SnapshotData, flow: FlowSpec, opts?: TraceOptions): PathTree {
  const ctx = traceContext(snapshot);
  if (!parseIp(flow.to)) throw new TraceInputError(`not an IP address: ${flow.to}`);
  if (flow.node !== undefined && !ctx.captured.has(flow.node) && !ctx.clusterNodes.includes(flow.node)) {
    throw new TraceInputError(`node ${flow.node} is not in the snapshot`);
  }
  const protocol: Protocol = flow.protocol ?? 'tcp';
  const from = flow.from ?? 'external';
  const to = canonicalIp(flow.to);
  let origin: Origin = { kind: 'external', src: null, pod: null };
  let announcers: Announcer[] = [];
  if (from !== 'external') {
    if (!parseIp(from)) throw new TraceInputError(`--from must be an IP address or 'external': ${from}`);
    const src = canonicalIp(from);
    const pod = ctx.podsByIp.get(src);
    const hostNode = ctx.nodeByAddress.get(src);
    if (pod?.nodeName && (flow.node === undefined || flow.node === pod.nodeName)) {
      origin = { kind: 'pod', src, pod };
      announcers = [{ node: pod.nodeName, source: 'node-address', evidence: [pod.source] }];
    } else if (hostNode && (flow.node === undefined || flow.node === hostNode)) {
      origin = { kind: 'host', src, pod: null };
      announcers = [{ node: hostNode, source: 'node-address', evidence: [] }];
    } else {
      origin = { kind: 'external', src, pod: null };
    }
  }
  if (announcers.length === 0) {
    const owner = ctx.nodeByAddress.get(to);
    if (flow.node !== undefined) announcers = [{ node: flow.node, source: 'node-address', evidence: [] }];
    else if (owner) announcers = [{ node: owner, source: 'node-address', evidence: [] }];
    else announcers = ctx.announcers.get(to) ?? candidates(ctx, opts?.nodes);
  }
  if (announcers.length === 0) throw new TraceInputError('the snapshot has no captured node to start on');
  const entry: EntryPoint = {
    kind: 'flow',
    label: `${from === 'external' ? 'external client' : from} → ${to}:${flow.port}/${protocol}`,
    address: to,
    port: flow.port,
    protocol,
    from: origin.kind === 'host' ? 'host' : from,
    node: announcers.length === 1 ? announcers[0].node : null,
    service: null,
  };
  return traceEntry(ctx, { entry, origin, announcers }, opts?.maxLeaves);
}

/** The leaves of a tree, depth first (branch order). */
export function leavesOf(tree: PathTree | PathSegment): PathLeaf[] {
  const out: PathLeaf[] = [];
  const visit = (s: PathSegment) => {
    if (s.end.type === 'leaf') out.push(s.end);
    else for (const b of s.end.branches) visit(b.segment);
  };
  visit('root' in tree ? tree.root : tree);
  return out;
}

/** The hops from the root to a leaf, in order. */
export function hopsTo(tree: PathTree, leafId: string): PathSegment['hops'] | null {
  const indices = leafId === 'root' ? [] : leafId.split('.').map(Number);
  const hops = [...tree.root.hops];
  let seg = tree.root;
  for (const i of indices) {
    if (seg.end.type !== 'fork' || !seg.end.branches[i]) return null;
    seg = seg.end.branches[i].segment;
    hops.push(...seg.hops);
  }
  return seg.end.type === 'leaf' ? hops : null;
}

/** `ns/name[:port]` as the CLI takes it. */
export function parseServiceSelector(text: string): ServiceSelector {
  const m = /^([^/\s]+)\/([^:\s]+)(?::(\S+))?$/.exec(text);
  if (!m) throw new TraceInputError(`expected NAMESPACE/NAME[:PORT], got ${text}`);
  const port = m[3] === undefined ? undefined : /^\d+$/.test(m[3]) ? Number(m[3]) : m[3];
  return port === undefined ? { namespace: m[1], name: m[2] } : { namespace: m[1], name: m[2], port };
}

/** `IP:PORT[/tcp|udp|sctp]` (`[v6]:PORT` for IPv6) as the CLI takes it. */
export function parseFlowTarget(text: string): { to: string; port: number; protocol: Protocol } {
  const m = /^(?:\[([^\]]+)\]|([^:/\s]+)):(\d+)(?:\/(tcp|udp|sctp))?$/i.exec(text);
  const ip = m ? (m[1] ?? m[2]) : '';
  if (!m || !parseIp(ip) || Number(m[3]) > 65535) throw new TraceInputError(`expected IP:PORT[/tcp|udp|sctp], got ${text}`);
  return { to: ip, port: Number(m[3]), protocol: (m[4]?.toLowerCase() ?? 'tcp') as Protocol };
}
