// The large-cluster generator on small sizes: its bundles import cleanly, its chain names and rule
// counts are kube-proxy's, the trace engine finds exactly the generated endpoints, and identical
// rulesets across nodes are stored once. Timings live in `npm run bench`, not here.
//
// As root with iptables-nft and nft installed, the rendering is also checked against the real
// tools: the generated iptables-restore / nft -f input is loaded into a throwaway netns and
// `nft list ruleset` must print exactly what the generator wrote into the bundle, for a cluster
// with every shape kube-proxy writes (EVERY_SHAPE).

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWritable, type WritableDB } from '../../../db/connection';
import { importBundle } from '../../../db/import';
import { loadSnapshot } from '../../../db/queries/snapshot-data';
import { buildKubeProxyChainIndex, servicePortChainName } from '../../../renderer/src/analysis/kubeproxy-names';
import type { SnapshotData } from '../../../renderer/src/analysis/model';
import { leavesOf, traceAllServices } from '../../../renderer/src/analysis/trace/index';
import {
  generateCluster,
  renderBundle,
  renderIptablesRestore,
  renderNftInput,
  renderNodeRuleset,
  writeBundleFolder,
  type GeneratedCluster,
  type GeneratedService,
  type ProxyMode,
} from '../../fixtures/generate-cluster';
import { tableCounts, tempDir } from '../db/helpers';

const MODES: ProxyMode[] = ['iptables-nft', 'nftables'];
const SMALL = { services: 20, endpointsPerService: 3, nodes: 2, clusterNodes: 4, seed: 11 };

/**
 * Services with no endpoints, externalTrafficPolicy Local Services without endpoints on the
 * captured nodes, LoadBalancerSourceRanges and health check node ports: every shape kube-proxy
 * writes, on a cluster small enough for the lab.
 */
const EVERY_SHAPE = { services: 40, endpointsPerService: 2, nodes: 2, clusterNodes: 4, seed: 11, localPolicyFraction: 0.5, emptyServiceFraction: 0.15 };

/** kube-proxy's rule count for one node, from the Service objects alone (proxier.go logic, both modes). */
function kubeProxyRuleCount(cluster: GeneratedCluster, mode: ProxyMode, node: string): number {
  const perPort = (svc: GeneratedService) => {
    const m = svc.endpoints.length;
    const hasEndpoints = m > 0;
    const external = svc.type !== 'ClusterIP';
    const local = external && svc.externalTrafficPolicy === 'Local';
    const localEps = svc.endpoints.filter((e) => e.node === node).length;
    const hasExternalEndpoints = local ? localEps > 0 : hasEndpoints;
    const lb = svc.lbIP !== null;
    const ranges = lb ? svc.sourceRanges.length : 0;
    if (mode === 'iptables-nft') {
      // filter: REJECT / DROP where there is nowhere to go, the LB firewall, the health check port
      let n = hasEndpoints ? 0 : 1; // KUBE-SERVICES
      n += !hasExternalEndpoints ? (external ? 1 : 0) + (lb ? 1 : 0) : 0; // KUBE-EXTERNAL-SERVICES
      n += svc.healthCheckNodePort ? 1 : 0; // KUBE-NODEPORTS
      if (!hasEndpoints) return n; // and no nat rules at all
      n += hasEndpoints && ranges > 0 ? 1 : 0; // KUBE-PROXY-FIREWALL
      n += 1 + (lb ? 1 : 0) + (external ? 1 : 0); // nat KUBE-SERVICES portals, KUBE-NODEPORTS
      n += 1 + m; // KUBE-SVC: masquerade + one per endpoint
      n += external ? (local ? 3 : 1) + (hasExternalEndpoints ? 1 : 0) : 0; // KUBE-EXT
      n += ranges > 0 ? ranges + 1 : 0; // KUBE-FW
      n += local ? localEps : 0; // KUBE-SVL
      return n + 2 * m; // KUBE-SEP
    }
    let n = ranges > 0 ? 1 : 0; // firewall-…
    if (!hasEndpoints) return n;
    n += 2; // service-…: masquerade + numgen vmap
    n += external ? (local ? 3 : 1) + (hasExternalEndpoints ? 1 : 0) : 0; // external-…
    n += local && localEps > 0 ? 1 : 0; // local-…
    return n + 2 * m; // endpoint-…
  };
  let total = 0;
  for (const svc of cluster.services) total += svc.ports.length * perPort(svc);
  // fixed chains: filter 4+4+3+3+1, nat 1+1+1+3+1 and the last KUBE-SERVICES rule; nftables: the 16 fixed chains
  return total + (mode === 'iptables-nft' ? 15 + 7 + 1 : 23);
}

function ruleCount(snapshot: SnapshotData, node: string): number {
  const ruleset = snapshot.nodes.find((n) => n.name === node)!.ruleset!;
  return ruleset.tables.reduce((n, t) => n + t.chains.reduce((k, c) => k + c.rules.length, 0), 0);
}

describe.each(MODES)('generated %s cluster', (mode) => {
  let tmp: ReturnType<typeof tempDir>;
  let db: WritableDB;
  let cluster: GeneratedCluster;
  let snapshot: SnapshotData;
  let diagnostics: Awaited<ReturnType<typeof importBundle>>['diagnostics'];

  beforeAll(async () => {
    tmp = tempDir('knp-gen-');
    cluster = generateCluster({ ...SMALL, mode, localPolicyFraction: 0.3 });
    await writeBundleFolder(renderBundle(cluster), join(tmp.dir, 'bundle'));
    db = openWritable(join(tmp.dir, 'library.sqlite'));
    const result = await importBundle(db, join(tmp.dir, 'bundle'));
    diagnostics = result.diagnostics;
    snapshot = loadSnapshot(db, result.snapshotId)!;
  });
  afterAll(() => {
    db?.close();
    tmp?.cleanup();
  });

  it('is deterministic for a seed', () => {
    const again = renderBundle(generateCluster({ ...SMALL, mode, localPolicyFraction: 0.3 }));
    expect([...again]).toEqual([...renderBundle(cluster)]);
    const other = renderBundle(generateCluster({ ...SMALL, mode, localPolicyFraction: 0.3, seed: 12 }));
    expect(other.get('cluster/pods.json')).not.toEqual(again.get('cluster/pods.json'));
  });

  it('imports with no errors or warnings', () => {
    expect(diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(snapshot.nodes.map((n) => n.name)).toEqual(['node-0000', 'node-0001']);
    expect(snapshot.cluster.services).toHaveLength(SMALL.services);
    expect(snapshot.cluster.nodes).toHaveLength(SMALL.clusterNodes);
    for (const node of snapshot.nodes) {
      const pods = cluster.pods.filter((p) => p.node === node.name);
      expect(node.namespaces).toHaveLength(pods.length);
      expect(node.sandboxes.map((s) => s.ip).sort()).toEqual(pods.map((p) => p.ip).sort());
      expect(node.interfaces.filter((i) => i.kind === 'veth')).toHaveLength(pods.length);
    }
  });

  it('names every kube-proxy chain by its hash', () => {
    const index = buildKubeProxyChainIndex(snapshot.cluster.services, snapshot.cluster.endpointSlices);
    const kubeProxyChain = mode === 'iptables-nft' ? /^KUBE-(SVC|SVL|EXT|FW|SEP)-/ : /^(service|local|external|firewall|endpoint)-[A-Z2-7]{8}-/;
    for (const node of snapshot.nodes) {
      const names = node.ruleset!.tables.flatMap((t) => t.chains.map((c) => c.name)).filter((n) => kubeProxyChain.test(n));
      expect(names.length).toBeGreaterThan(SMALL.services * SMALL.endpointsPerService);
      for (const name of names) expect(index.get(name)?.mode, name).toBe(mode === 'iptables-nft' ? 'iptables' : 'nftables');
    }
    // and every endpoint chain kube-proxy would write is there
    const chainsOnNode0 = new Set(snapshot.nodes[0].ruleset!.tables.flatMap((t) => t.chains.map((c) => c.name)));
    const expected = [...index].filter(([, ref]) => ref.kind === 'sep' && ref.mode === (mode === 'iptables-nft' ? 'iptables' : 'nftables'));
    expect(expected.length).toBe(cluster.services.reduce((n, s) => n + s.ports.length * s.endpoints.length, 0));
    for (const [name] of expected) expect(chainsOnNode0.has(name), name).toBe(true);
  });

  it('has exactly the rules kube-proxy would write', () => {
    for (const node of snapshot.nodes) expect(ruleCount(snapshot, node.name)).toBe(kubeProxyRuleCount(cluster, mode, node.name));
  });

  it('traces every Service to exactly its endpoints, 1/M each', () => {
    const traces = traceAllServices(snapshot);
    expect(traces).toHaveLength(SMALL.services);
    const captured = new Set(snapshot.nodes.map((n) => n.name));
    for (const svc of cluster.services) {
      const trace = traces.find((t) => t.namespace === svc.namespace && t.name === svc.name)!;
      const m = svc.endpoints.length;
      const trees = trace.trees.filter(
        (t) => t.entry.kind === 'cluster-ip' || (t.entry.kind === 'node-port' && svc.externalTrafficPolicy !== 'Local'),
      );
      expect(trees.length).toBe(svc.ports.length * (snapshot.nodes.length * (svc.type === 'ClusterIP' || svc.externalTrafficPolicy === 'Local' ? 1 : 2)));
      for (const tree of trees) {
        const leaves = leavesOf(tree);
        const byEndpoint = new Map<string, number>();
        for (const leaf of leaves) {
          const address = leaf.endpoint?.address ?? leaf.packet.dst;
          byEndpoint.set(address, (byEndpoint.get(address) ?? 0) + leaf.probability);
          const ep = svc.endpoints.find((e) => e.ip === address);
          expect(ep, `${tree.entry.label}: leaf to ${address}`).toBeDefined();
          expect(leaf.disposition, `${tree.entry.label} → ${address}`).toBe(captured.has(ep!.node) ? 'delivered' : 'node-not-captured');
        }
        expect([...byEndpoint.keys()].sort()).toEqual(svc.endpoints.map((e) => e.ip).sort());
        for (const p of byEndpoint.values()) expect(p).toBeCloseTo(1 / m, 6);
      }
    }
  });
});

describe.each(MODES)('generated %s cluster, every kube-proxy shape', (mode) => {
  const cluster = generateCluster({ ...EVERY_SHAPE, mode });
  const empty = cluster.services.filter((s) => s.endpoints.length === 0);
  const localOnElsewhere = (node: string) =>
    cluster.services.filter((s) => s.externalTrafficPolicy === 'Local' && s.endpoints.length > 0 && !s.endpoints.some((e) => e.node === node));

  it('has Services without endpoints and Local Services without local endpoints', () => {
    expect(empty.length).toBeGreaterThan(2);
    expect(empty.some((s) => s.type !== 'ClusterIP')).toBe(true);
    expect(localOnElsewhere('node-0000').some((s) => s.type === 'LoadBalancer')).toBe(true);
    expect(localOnElsewhere('node-0000').some((s) => s.type === 'NodePort')).toBe(true);
    expect(cluster.services.some((s) => s.sourceRanges.length > 0 && s.endpoints.length > 0)).toBe(true);
  });

  it('imports with no errors or warnings, with exactly the rules kube-proxy would write', async () => {
    const tmp = tempDir('knp-gen-');
    const db = openWritable(join(tmp.dir, 'library.sqlite'));
    try {
      await writeBundleFolder(renderBundle(cluster), join(tmp.dir, 'bundle'));
      const result = await importBundle(db, join(tmp.dir, 'bundle'));
      expect(result.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
      const snapshot = loadSnapshot(db, result.snapshotId)!;
      for (const node of snapshot.nodes) expect(ruleCount(snapshot, node.name)).toBe(kubeProxyRuleCount(cluster, mode, node.name));
    } finally {
      db.close();
      tmp.cleanup();
    }
  });

  it("writes upstream's rules for Services without (local) endpoints", () => {
    const input = mode === 'iptables-nft' ? renderIptablesRestore(cluster, 'node-0000') : renderNftInput(cluster, 'node-0000');
    const lines = input.split('\n');
    const about = (svc: GeneratedService) => lines.filter((l) => l.includes(`${svc.namespace}/${svc.name}`) || l.includes(` ${svc.clusterIP} `) || l.includes(`-d ${svc.clusterIP} `));
    for (const svc of empty) {
      const port = svc.ports[0];
      const spn = `${svc.namespace}/${svc.name}${port.name ? `:${port.name}` : ''}`;
      if (mode === 'iptables-nft') {
        // no nat rules; the REJECT is in filter KUBE-SERVICES (and KUBE-EXTERNAL-SERVICES for its NodePort)
        expect(about(svc).filter((l) => /-A KUBE-(SVC|SEP|EXT|FW)-|-j KUBE-(SVC|EXT|FW)-/.test(l))).toEqual([]);
        expect(input).toContain(`-A KUBE-SERVICES -m comment --comment "${spn} has no endpoints" -m ${port.protocol.toLowerCase()} -p ${port.protocol.toLowerCase()} -d ${svc.clusterIP} --dport ${port.port} -j REJECT`);
        if (port.nodePort !== null) expect(input).toMatch(new RegExp(`-A KUBE-EXTERNAL-SERVICES -m comment --comment "${spn} has no endpoints" .*--dport ${port.nodePort} -j REJECT`));
      } else {
        expect(input).toContain(`${svc.clusterIP} . ${port.protocol.toLowerCase()} . ${port.port} comment "${spn}" : goto reject-chain`);
        if (port.nodePort !== null) expect(input).toContain(`{ ${port.protocol.toLowerCase()} . ${port.nodePort} comment "${spn}" : goto reject-chain }`);
        expect(lines.filter((l) => l.startsWith('add chain') && l.includes(`/${svc.name}/`))).toEqual([]);
      }
    }
    for (const svc of localOnElsewhere('node-0000')) {
      const port = svc.ports[0];
      const spn = `${svc.namespace}/${svc.name}${port.name ? `:${port.name}` : ''}`;
      if (mode === 'iptables-nft') {
        // external traffic is DROPped in filter KUBE-EXTERNAL-SERVICES; no KUBE-SVL, no KUBE-MARK-DROP
        expect(input).toMatch(new RegExp(`-A KUBE-EXTERNAL-SERVICES -m comment --comment "${spn} has no local endpoints" -m addrtype --dst-type LOCAL .*--dport ${port.nodePort} -j DROP`));
        expect(input).toMatch(new RegExp(`-A KUBE-NODEPORTS -m comment --comment ${spn} .*--dport ${port.nodePort} -j KUBE-EXT-`));
        expect(input).not.toContain('KUBE-MARK-DROP');
        expect(input).not.toContain(servicePortChainName('KUBE-SVL-', spn, port.protocol.toLowerCase()));
      } else {
        expect(input).toContain(`{ ${port.protocol.toLowerCase()} . ${port.nodePort} comment "${spn}" : drop }`);
        expect(input).toMatch(new RegExp(`\\{ ${port.protocol.toLowerCase()} \\. ${port.nodePort} : goto external-`));
      }
    }
  });
});

describe('identical rulesets across nodes', () => {
  it.each(MODES)('%s: stored once, parsed once', async (mode) => {
    const tmp = tempDir('knp-gen-');
    const db = openWritable(join(tmp.dir, 'library.sqlite'));
    try {
      const cluster = generateCluster({ ...SMALL, nodes: 3, mode, localPolicyFraction: 0 });
      const files = renderBundle(cluster);
      const rulesets = [...files].filter(([p]) => p.endsWith('/nft-ruleset.txt')).map(([, c]) => c);
      expect(rulesets).toHaveLength(3);
      // in nftables mode the nodeport-ips set holds the node's own address, so nodes differ
      expect(new Set(rulesets).size).toBe(mode === 'iptables-nft' ? 1 : 3);
      await writeBundleFolder(files, join(tmp.dir, 'bundle'));
      const result = await importBundle(db, join(tmp.dir, 'bundle'));
      const counts = tableCounts(db);
      expect(counts.nft_rulesets).toBe(new Set(rulesets).size);
      const snapshot = loadSnapshot(db, result.snapshotId)!;
      const perNode = snapshot.nodes.map((n) => ruleCount(snapshot, n.name));
      if (mode === 'iptables-nft') {
        expect(counts.nft_rules).toBe(perNode[0]);
        // one blob for the three identical files
        const blobs = db.prepare(`SELECT count(DISTINCT blob_hash) AS n FROM files WHERE path LIKE '%/nft-ruleset.txt'`).get() as { n: number };
        expect(blobs.n).toBe(1);
        // every node still points its evidence at its own file
        for (const node of snapshot.nodes) {
          expect(node.ruleset!.tables[0].chains[0].rules[0].source.file).toBe(`nodes/${node.name}/nft-ruleset.txt`);
        }
      }
    } finally {
      db.close();
      tmp.cleanup();
    }
  });
});

function canRunLab(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
    execFileSync('iptables-nft-restore', ['--version'], { stdio: 'ignore' });
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.runIf(canRunLab())('rendering matches the real tools (lab, root)', () => {
  it.each(MODES)('%s: `nft list ruleset` prints what the generator wrote', (mode) => {
    const cluster = generateCluster({ ...EVERY_SHAPE, mode });
    for (const node of ['node-0000', 'node-0001']) {
      const ns = `knp-gen-${process.pid}-${Math.floor(Math.random() * 1e9)}`;
      execFileSync('ip', ['netns', 'add', ns]);
      try {
        if (mode === 'iptables-nft') {
          execFileSync('ip', ['netns', 'exec', ns, 'iptables-nft-restore', '--counters'], { input: renderIptablesRestore(cluster, node) });
        } else {
          execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: renderNftInput(cluster, node) });
        }
        const real = execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'ruleset'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
        expect(real).toBe(renderNodeRuleset(cluster, node));
      } finally {
        execFileSync('ip', ['netns', 'delete', ns]);
      }
    }
  });
});
