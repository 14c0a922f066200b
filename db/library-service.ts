// KnpApi implemented against a library file. Electron's db worker and the web harness both host
// this class, so the desktop app, the browser build and (through the same queries and analysis)
// the CLI give the same answers. Arguments are validated by the hosts (db/validate.ts) before
// they get here.

import type {
  KnpApi,
  NodeNetwork,
  NodeOverview,
  SearchHit,
  SnapshotOverview,
} from '../electron/ipc-contract';
import { diffSnapshots } from '../renderer/src/analysis/diff';
import type { SnapshotDiff } from '../renderer/src/analysis/diff/types';
import type { Finding } from '../renderer/src/analysis/findings';
import { sortFindings } from '../renderer/src/analysis/findings';
import type { NetAddress, NodeData, NftRuleset, SnapshotData } from '../renderer/src/analysis/model';
import { traceFlow, traceService } from '../renderer/src/analysis/trace';
import { traceContext, serviceForChain, type TraceContext } from '../renderer/src/analysis/trace/context';
import { canonicalIp, cidrContains, parseCidr, parseIp, type Cidr, type IpAddr } from '../renderer/src/analysis/trace/ip';
import { routeLine } from '../renderer/src/analysis/trace/routing';
import type { FlowSpec, PathTree, ServiceTrace } from '../renderer/src/analysis/trace/types';
import type { VethCorrelation } from '../renderer/src/analysis/veths';
import type { FileEntry, FileExcerpt, ImportProgress, ImportResult, QueryResult, ServiceRow, SnapshotSummary } from './api-types';
import { get, openReadonly, openWritable, type ReadableDB, type WritableDB } from './connection';
import { importBundle } from './import';
import { runReadOnlyQuery } from './queries/console';
import { fileExcerpt, listDiagnostics, listFiles } from './queries/files';
import { listServices } from './queries/services';
import { loadSnapshot } from './queries/snapshot-data';
import { deleteSnapshot, findSnapshot, listSnapshots } from './queries/snapshots';
import { sql } from './sql';

/** A snapshot, node or Service the caller named does not exist. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
  readonly code = 'not-found';
}

export interface LibraryHost {
  /** import progress, at most every PROGRESS_INTERVAL_MS plus every phase change */
  onImportProgress?(progress: ImportProgress): void;
  /** the built cluster-parsing worker imports use (see ImportOptions); by default, the one built next to this code */
  clusterWorker?: string | null;
}

const PROGRESS_INTERVAL_MS = 50;
const CACHE_ENTRIES = 2;
const MAX_HITS = 200;
const MAX_HITS_PER_KIND = 50;

/** A loaded snapshot and what was derived from it; `key` is its content hash, so an id reused after a delete never hits. */
interface Loaded {
  key: string;
  data: SnapshotData;
  trace: TraceContext;
  search: SearchEntry[] | null;
}

export class LibraryService implements KnpApi {
  private readonly writer: WritableDB;
  private readonly reader: ReadableDB;
  /** most recently used last */
  private readonly cache = new Map<number, Loaded>();
  /** the last write queued on `writer`: an import keeps its transaction open across awaits, so writes take turns */
  private lastWrite: Promise<unknown> = Promise.resolve();

  constructor(
    readonly dbPath: string,
    private readonly host: LibraryHost = {},
  ) {
    this.writer = openWritable(dbPath);
    this.reader = openReadonly(dbPath);
  }

  close(): void {
    this.cache.clear();
    this.reader.close();
    this.writer.close();
  }

  async listSnapshots(): Promise<SnapshotSummary[]> {
    return listSnapshots(this.reader);
  }

  async importBundle(args: { path: string; name?: string }): Promise<ImportResult> {
    const { clusterWorker } = this.host;
    return this.inTurn(() => importBundle(this.writer, args.path, { name: args.name, onProgress: this.progressReporter(), clusterWorker }));
  }

  async deleteSnapshot(args: { snapshotId: number }): Promise<boolean> {
    return this.inTurn(async () => {
      this.cache.delete(args.snapshotId);
      return deleteSnapshot(this.writer, args.snapshotId);
    });
  }

  /** Runs a write once every write queued before it has finished, failed or not. */
  private inTurn<T>(write: () => Promise<T>): Promise<T> {
    const result = this.lastWrite.then(write, write);
    this.lastWrite = result.catch(() => {});
    return result;
  }

  async getOverview(args: { snapshotId: number }): Promise<SnapshotOverview> {
    const snapshot = findSnapshot(this.reader, args.snapshotId);
    if (!snapshot) throw new NotFoundError(`no snapshot with id ${args.snapshotId}`);
    const { data, trace } = this.load(args.snapshotId);
    const nodes = nodeOverviews(trace);
    return {
      snapshot,
      nodes,
      counts: {
        services: data.cluster.services.length,
        endpoints: data.cluster.endpointSlices.reduce((n, s) => n + s.endpoints.length, 0),
        pods: data.cluster.pods.length,
        veths: trace.veths.matches.length,
        rules: nodes.reduce((n, node) => n + node.rules, 0),
      },
      findings: sortFindings([...trace.veths.findings, ...serviceFindings(data), ...uncapturedNodeFindings(data)]),
      diagnostics: listDiagnostics(this.reader, args.snapshotId),
    };
  }

  async listServices(args: { snapshotId: number }): Promise<ServiceRow[]> {
    this.requireSnapshot(args.snapshotId);
    return listServices(this.reader, args.snapshotId);
  }

  async traceService(args: { snapshotId: number; namespace: string; name: string; port?: string }): Promise<ServiceTrace> {
    return traceService(this.load(args.snapshotId).data, { namespace: args.namespace, name: args.name, port: args.port });
  }

  async traceFlow(args: { snapshotId: number; flow: FlowSpec }): Promise<PathTree> {
    return traceFlow(this.load(args.snapshotId).data, args.flow);
  }

  async listVeths(args: { snapshotId: number }): Promise<VethCorrelation> {
    return this.load(args.snapshotId).trace.veths;
  }

  async diffSnapshots(args: { a: number; b: number; nodeA?: string; nodeB?: string }): Promise<SnapshotDiff> {
    const a = this.load(args.a).data;
    const b = this.load(args.b).data;
    const nodePairs: [string, string][] | undefined = args.nodeA !== undefined && args.nodeB !== undefined ? [[args.nodeA, args.nodeB]] : undefined;
    return diffSnapshots(a, b, { nodePairs });
  }

  async getRuleset(args: { snapshotId: number; node: string }): Promise<NftRuleset | null> {
    return this.node(args.snapshotId, args.node)?.ruleset ?? null;
  }

  async getNetwork(args: { snapshotId: number; node: string }): Promise<NodeNetwork[]> {
    const node = this.node(args.snapshotId, args.node);
    if (!node) return [];
    return [
      { node: node.name, netns: null, interfaces: node.interfaces, addresses: node.addresses, routes: node.routes },
      ...node.namespaces.map((ns) => ({ node: node.name, netns: ns.name, interfaces: ns.interfaces, addresses: ns.addresses, routes: ns.routes })),
    ];
  }

  async search(args: { snapshotId: number; text: string }): Promise<SearchHit[]> {
    const loaded = this.load(args.snapshotId);
    loaded.search ??= buildSearchIndex(loaded.data, loaded.trace);
    return searchIndex(loaded.search, args.text);
  }

  async fileExcerpt(args: { snapshotId: number; path: string; line: number }): Promise<FileExcerpt | null> {
    return fileExcerpt(this.reader, args.snapshotId, args.path, args.line);
  }

  async listFiles(args: { snapshotId: number }): Promise<FileEntry[]> {
    this.requireSnapshot(args.snapshotId);
    return listFiles(this.reader, args.snapshotId);
  }

  async runQuery(args: { sql: string }): Promise<QueryResult> {
    return runReadOnlyQuery(this.reader, args.sql);
  }

  private progressReporter(): ((p: ImportProgress) => void) | undefined {
    const report = this.host.onImportProgress;
    if (!report) return undefined;
    let last = 0;
    let phase: ImportProgress['phase'] | null = null;
    return (p) => {
      const now = Date.now();
      if (p.phase === phase && now - last < PROGRESS_INTERVAL_MS) return;
      phase = p.phase;
      last = now;
      report(p);
    };
  }

  private contentHash(snapshotId: number): string {
    const row = get<{ content_hash: string }>(this.reader, sql`SELECT content_hash FROM snapshots WHERE id = ${snapshotId}`);
    if (!row) throw new NotFoundError(`no snapshot with id ${snapshotId}`);
    return row.content_hash;
  }

  private requireSnapshot(snapshotId: number): void {
    this.contentHash(snapshotId);
  }

  /** The snapshot's data and trace indexes from the LRU cache, loading them on a miss. */
  private load(snapshotId: number): Loaded {
    const key = this.contentHash(snapshotId);
    const cached = this.cache.get(snapshotId);
    this.cache.delete(snapshotId);
    if (cached && cached.key === key) {
      this.cache.set(snapshotId, cached);
      return cached;
    }
    const data = loadSnapshot(this.reader, snapshotId);
    if (!data) throw new NotFoundError(`no snapshot with id ${snapshotId}`);
    const loaded: Loaded = { key, data, trace: traceContext(data), search: null };
    this.cache.set(snapshotId, loaded);
    while (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value as number);
    return loaded;
  }

  /** A captured node, null for a node the cluster lists but the bundle did not capture. */
  private node(snapshotId: number, name: string): NodeData | null {
    const { data, trace } = this.load(snapshotId);
    const node = trace.captured.get(name);
    if (node) return node.data;
    if (trace.clusterNodes.includes(name)) return null;
    throw new NotFoundError(`no node ${name} in snapshot ${data.name}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Overview

function ruleCount(ruleset: NftRuleset | null): number {
  let n = 0;
  for (const table of ruleset?.tables ?? []) for (const chain of table.chains) n += chain.rules.length;
  return n;
}

function nodeOverviews(trace: TraceContext): NodeOverview[] {
  return trace.clusterNodes.map((name) => {
    const node = trace.captured.get(name)?.data;
    if (!node) return { name, captured: false, interfaces: 0, routes: 0, rules: 0, netns: 0 };
    const netns = new Set<string>(node.namespaces.map((ns) => ns.name));
    for (const entry of node.netns) netns.add(entry.name ?? `nsid ${entry.nsid}`);
    return {
      name,
      captured: true,
      interfaces: node.interfaces.length + node.namespaces.reduce((n, ns) => n + ns.interfaces.length, 0),
      routes: node.routes.length + node.namespaces.reduce((n, ns) => n + ns.routes.length, 0),
      rules: ruleCount(node.ruleset),
      netns: netns.size,
    };
  });
}

function serviceFindings(data: SnapshotData): Finding[] {
  const counts = new Map<string, { total: number; ready: number }>();
  for (const slice of data.cluster.endpointSlices) {
    if (slice.serviceName === null) continue;
    const key = `${slice.namespace}/${slice.serviceName}`;
    const c = counts.get(key) ?? { total: 0, ready: 0 };
    for (const ep of slice.endpoints) {
      c.total += ep.addresses.length;
      if (ep.ready !== false) c.ready += ep.addresses.length;
    }
    counts.set(key, c);
  }
  const findings: Finding[] = [];
  for (const svc of data.cluster.services) {
    if (svc.type === 'ExternalName') continue;
    const key = `${svc.namespace}/${svc.name}`;
    const c = counts.get(key) ?? { total: 0, ready: 0 };
    if (c.ready > 0) continue;
    findings.push({
      severity: 'warning',
      code: 'service-without-ready-endpoints',
      node: null,
      message:
        c.total === 0
          ? `Service ${key} has no endpoints: traffic to it is rejected`
          : `Service ${key} has ${c.total} endpoint${c.total === 1 ? '' : 's'}, none ready: traffic to it is rejected`,
      subject: key,
      evidence: [svc.source],
    });
  }
  return findings;
}

function uncapturedNodeFindings(data: SnapshotData): Finding[] {
  const captured = new Set(data.nodes.map((n) => n.name));
  return data.cluster.nodes
    .filter((n) => !captured.has(n.name))
    .map((n) => ({
      severity: 'info' as const,
      code: 'node-not-captured',
      node: n.name,
      message: `node ${n.name} is listed in the cluster but was not captured: paths through it end there`,
      subject: n.name,
      evidence: [n.source],
    }));
}

// ---------------------------------------------------------------------------------------------
// Search
//
// Every searchable object becomes one entry with a lower-cased haystack, the addresses it owns
// (an IP query matches those exactly) and, for routes and pod CIDRs, the prefixes that contain
// an IP query. Hit targets name what the UI opens; their keys are fields joined by ':', the last
// field taking the rest (IPv6 route destinations contain ':'):
//   service, pod: `namespace/name`;  overview: node name;
//   rules: `node:family:table:chain` or `node:family:table:chain:position` for a rule;
//   interfaces: `node:netns:ifname` (netns empty for the host), or `node:netns` for a netns;
//   routes: `node:netns:table:dst`.

const KIND_ORDER: SearchHit['kind'][] = ['service', 'pod', 'endpoint', 'node', 'netns', 'interface', 'route', 'chain', 'rule'];

interface SearchEntry {
  hit: SearchHit;
  haystack: string;
  ips: string[];
  cidrs: Cidr[];
}

function entry(hit: SearchHit, words: (string | number | null)[], ips: string[] = [], cidrs: Cidr[] = []): SearchEntry {
  const haystack = [hit.label, hit.detail, ...words].filter((w) => w !== null).join(' ').toLowerCase();
  return { hit, haystack, ips: ips.map(canonicalIp), cidrs };
}

function at(source: { file: string; line: number }): SearchHit['source'] {
  return { file: source.file, line: source.line };
}

function cidrsOf(texts: string[]): Cidr[] {
  return texts.map((t) => parseCidr(t)).filter((c): c is Cidr => c !== null && c.len > 0);
}

function buildSearchIndex(data: SnapshotData, trace: TraceContext): SearchEntry[] {
  const out: SearchEntry[] = [];
  for (const svc of data.cluster.services) {
    const key = `${svc.namespace}/${svc.name}`;
    const ports = svc.ports.map((p) => `${p.port}/${p.protocol}${p.nodePort ? ` nodePort ${p.nodePort}` : ''}${p.name ? ` (${p.name})` : ''}`);
    const ips = [...svc.clusterIPs, ...svc.externalIPs, ...svc.loadBalancerIPs];
    out.push(
      entry(
        { kind: 'service', label: key, detail: `${svc.type} ${ips.join(', ')} ${ports.join(', ')}`.trim(), node: null, target: { view: 'service', key }, source: at(svc.source) },
        [svc.externalName],
        ips,
      ),
    );
  }
  for (const pod of data.cluster.pods) {
    const key = `${pod.namespace}/${pod.name}`;
    const where = pod.nodeName ? ` on ${pod.nodeName}` : '';
    out.push(
      entry(
        { kind: 'pod', label: key, detail: `${pod.podIPs.join(', ') || 'no IP'}${where}${pod.hostNetwork ? ' (hostNetwork)' : ''}`, node: pod.nodeName, target: { view: 'pod', key }, source: at(pod.source) },
        [pod.phase, ...Object.entries(pod.labels).map(([k, v]) => `${k}=${v}`)],
        pod.podIPs,
      ),
    );
  }
  for (const slice of data.cluster.endpointSlices) {
    if (slice.serviceName === null) continue;
    const key = `${slice.namespace}/${slice.serviceName}`;
    const ports = slice.ports.map((p) => `${p.port}/${p.protocol}`).join(', ');
    for (const ep of slice.endpoints) {
      const pod = ep.podName ? ` → ${ep.podNamespace ?? slice.namespace}/${ep.podName}` : '';
      for (const address of ep.addresses) {
        out.push(
          entry(
            { kind: 'endpoint', label: `${address}${ports ? ` ${ports}` : ''}`, detail: `endpoint of ${key}${pod}${ep.ready === false ? ' (not ready)' : ''}`, node: ep.nodeName, target: { view: 'service', key }, source: at(slice.source) },
            [slice.name],
            [address],
          ),
        );
      }
    }
  }
  const kubeNodes = new Map(data.cluster.nodes.map((n) => [n.name, n]));
  for (const name of trace.clusterNodes) {
    const kube = kubeNodes.get(name);
    const captured = trace.captured.get(name)?.data;
    const addresses = kube?.addresses.map((a) => a.address) ?? [];
    const hostAddresses = captured?.addresses.map((a) => a.address) ?? [];
    const podCIDRs = kube?.podCIDRs ?? [];
    out.push(
      entry(
        { kind: 'node', label: name, detail: `${captured ? 'captured' : 'not captured'}${addresses.length ? ` · ${addresses.join(', ')}` : ''}${podCIDRs.length ? ` · pods ${podCIDRs.join(', ')}` : ''}`, node: name, target: { view: 'overview', key: name }, source: kube ? at(kube.source) : null },
        [],
        [...addresses, ...hostAddresses],
        cidrsOf(podCIDRs),
      ),
    );
  }
  const podByNetns = new Map<string, string>();
  for (const m of trace.veths.matches) {
    if (m.netns && m.podName) podByNetns.set(`${m.node}:${m.netns}`, `${m.podNamespace}/${m.podName}`);
  }
  for (const node of data.nodes) {
    for (const ns of node.netns) {
      const label = ns.name ?? `nsid ${ns.nsid}`;
      const pod = podByNetns.get(`${node.name}:${ns.name}`);
      out.push(
        entry({ kind: 'netns', label, detail: `${pod ? `pod ${pod} · ` : ''}${ns.nsid !== null ? `nsid ${ns.nsid}` : 'no nsid'}`, node: node.name, target: { view: 'interfaces', key: `${node.name}:${label}` }, source: at(ns.source) }, []),
      );
    }
    const spaces: { netns: string | null; interfaces: NodeData['interfaces']; addresses: NetAddress[]; routes: NodeData['routes'] }[] = [
      { netns: null, interfaces: node.interfaces, addresses: node.addresses, routes: node.routes },
      ...node.namespaces.map((ns) => ({ netns: ns.name, interfaces: ns.interfaces, addresses: ns.addresses, routes: ns.routes })),
    ];
    for (const space of spaces) {
      const where = space.netns === null ? '' : ` in ${space.netns}`;
      for (const itf of space.interfaces) {
        const addrs = space.addresses.filter((a) => a.ifname === itf.name).map((a) => a.address);
        const detail = `${itf.kind}${itf.master ? ` master ${itf.master}` : ''}${addrs.length ? ` ${addrs.join(', ')}` : ''}${where}`;
        out.push(
          entry(
            { kind: 'interface', label: itf.name, detail, node: node.name, target: { view: 'interfaces', key: `${node.name}:${space.netns ?? ''}:${itf.name}` }, source: at(itf.source) },
            [itf.mac, itf.linkNetnsName],
            addrs,
          ),
        );
      }
      for (const route of space.routes) {
        out.push(
          entry(
            { kind: 'route', label: routeLine(route), detail: `table ${route.table}${where}`, node: node.name, target: { view: 'routes', key: `${node.name}:${space.netns ?? ''}:${route.table}:${route.dst}` }, source: at(route.source) },
            [],
            [],
            cidrsOf([route.dst]),
          ),
        );
      }
    }
    for (const table of node.ruleset?.tables ?? []) {
      for (const chain of table.chains) {
        const chainKey = `${node.name}:${table.family}:${table.name}:${chain.name}`;
        const owner = serviceForChain(trace, chain.name);
        const service = owner ? ` · ${owner.service.namespace}/${owner.service.name}${owner.endpoint ? ` → ${owner.endpoint}` : ''}` : '';
        const hook = chain.hook ? ` hook ${chain.hook}` : '';
        out.push(
          entry(
            { kind: 'chain', label: chain.name, detail: `${table.family} ${table.name}${hook} · ${chain.rules.length} rules${service}`, node: node.name, target: { view: 'rules', key: chainKey }, source: at(chain.source) },
            [chain.comment],
          ),
        );
        for (const rule of chain.rules) {
          const counter = rule.counter ? ` · ${rule.counter.packets} packets` : '';
          out.push({
            hit: { kind: 'rule', label: rule.text, detail: `${table.family} ${table.name} ${chain.name} #${rule.position}${counter}`, node: node.name, target: { view: 'rules', key: `${chainKey}:${rule.position}` }, source: at(rule.source) },
            haystack: `${rule.text} ${rule.comment ?? ''}`.toLowerCase(),
            ips: [],
            cidrs: [],
          });
        }
      }
    }
  }
  return out;
}

/** 0 exact, 1 label prefix, 2 label contains, 3 elsewhere; null when the entry does not match. */
function score(e: SearchEntry, needle: string, ip: { text: string; addr: IpAddr } | null): number | null {
  const label = e.hit.label.toLowerCase();
  if (label === needle || (ip !== null && e.ips.includes(ip.text))) return 0;
  if (label.startsWith(needle)) return 1;
  if (label.includes(needle)) return 2;
  if (e.haystack.includes(needle)) return 3;
  if (ip !== null && e.cidrs.some((c) => cidrContains(c, ip.addr))) return 3;
  return null;
}

const SCORES = 4;

/** Best score first, then by kind; at most MAX_HITS_PER_KIND of a kind. Buckets keep it one linear pass. */
function searchIndex(index: SearchEntry[], text: string): SearchHit[] {
  const needle = text.trim().toLowerCase();
  if (needle === '') return [];
  const addr = parseIp(needle);
  const ip = addr ? { text: canonicalIp(needle), addr } : null;
  const buckets = KIND_ORDER.map(() => Array.from({ length: SCORES }, (): SearchHit[] => []));
  for (const e of index) {
    const s = score(e, needle, ip);
    if (s === null) continue;
    const bucket = buckets[KIND_ORDER.indexOf(e.hit.kind)][s];
    if (bucket.length < MAX_HITS_PER_KIND) bucket.push(e.hit);
  }
  const perKind = KIND_ORDER.map(() => 0);
  const hits: SearchHit[] = [];
  for (let s = 0; s < SCORES; s++) {
    for (let k = 0; k < KIND_ORDER.length; k++) {
      for (const hit of buckets[k][s]) {
        if (hits.length === MAX_HITS) return hits;
        if (perKind[k] === MAX_HITS_PER_KIND) break;
        perKind[k]++;
        hits.push(hit);
      }
    }
  }
  return hits;
}
