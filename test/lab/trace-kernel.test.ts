// The path engine against the Linux kernel. Two nodes built from network namespaces (cni0, pods
// behind veths, flannel.1 VXLAN over a lab LAN), kube-proxy's rules for a handful of Services
// loaded for real (iptables-nft via iptables-restore, then native nftables mode via nft -f), tiny
// TCP servers in the pods that answer with their name, and real connections from a LAN client
// and from the nodes. The bundle is captured with collectors/collect-node.sh, imported with
// parseBundlePath and traced with traceService. Then, for every entry point:
//   (a) the pods that answer are exactly the pods the engine predicts (every predicted pod
//       answers at least once, no other pod ever answers), and a rejected / dropped prediction
//       is a refused / timed-out connection;
//   (b) the chains the engine lists for the leaf of the pod that answered are, node by node, the
//       chains `nft monitor trace` reports for that connection's SYN.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBundlePath } from '../../db/import/parse-bundle';
import type { SnapshotData } from '../../renderer/src/analysis/model';
import { leavesOf, traceFlow, traceService, type PathLeaf, type PathTree } from '../../renderer/src/analysis/trace/index';
import { labSupport } from './lib/lab';
import { addTraceTable, firstPacket, removeTraceTable, startMonitor, type ChainEntry } from './lib/nft-trace';
import { stopAll } from './lib/procs';
import {
  buildTwoNodeLab,
  captureBundle,
  connect,
  loadKubeProxyRules,
  NODES,
  PODS,
  SERVICES,
  type ProxyMode,
  type TwoNodeLab,
} from './lib/two-node';

function support(): { ok: boolean; reason: string } {
  const lab = labSupport();
  if (!lab.ok) return lab;
  for (const [cmd, args] of [
    ['nft', ['--version']],
    ['iptables-restore', ['--version']],
    ['stdbuf', ['--version']],
  ] as const) {
    const r = spawnSync(cmd, [...args], { encoding: 'utf8' });
    if (r.error || r.status !== 0) return { ok: false, reason: `\`${cmd}\` is unavailable: ${r.error?.message ?? r.stderr}` };
  }
  return { ok: true, reason: '' };
}

const SUPPORT = support();
if (!SUPPORT.ok) console.warn(`skipping the kernel proof of the path engine: ${SUPPORT.reason}`);

/** What a leaf predicts a client sees: the pod's name, or the socket error. */
function outcome(leaf: PathLeaf): string {
  if (leaf.disposition === 'delivered') {
    const pod = leaf.endpoint?.podName ?? /delivered to pod [^/]+\/(\S+)/.exec(leaf.reason)?.[1];
    return pod ?? `delivered (${leaf.reason})`;
  }
  if (leaf.disposition === 'rejected') return 'ECONNREFUSED';
  if (leaf.disposition === 'dropped') return 'ETIMEDOUT';
  return `${leaf.disposition}: ${leaf.reason}`;
}

interface Case {
  label: string;
  service: string;
  entry: { kind: PathTree['entry']['kind']; node: string };
  /** where the connection starts: the LAN client, a process on a node, or a pod (traced as a flow from its IP) */
  from: 'client' | 'nuc0' | 'nuc1' | { pod: string };
  host: string;
  port: number;
}

const nodeIp = (n: string) => NODES.find((x) => x.name === n)!.lanIp;
const svc = (name: string) => SERVICES.find((s) => s.name === name)!;

const CASES: Case[] = [
  ...['nuc0', 'nuc1'].map((n): Case => ({ label: `ClusterIP web from ${n}`, service: 'web', entry: { kind: 'cluster-ip', node: n }, from: n as 'nuc0', host: svc('web').clusterIP, port: 80 })),
  ...['nuc0', 'nuc1'].map((n): Case => ({ label: `NodePort web-np on ${n}`, service: 'web-np', entry: { kind: 'node-port', node: n }, from: 'client', host: nodeIp(n), port: 30080 })),
  ...['nuc0', 'nuc1'].map((n): Case => ({ label: `NodePort web-local (Local) on ${n}`, service: 'web-local', entry: { kind: 'node-port', node: n }, from: 'client', host: nodeIp(n), port: 30081 })),
  ...['nuc0', 'nuc1'].map((n): Case => ({ label: `NodePort web-local-nuc1 (Local, endpoint on nuc1 only) on ${n}`, service: 'web-local-nuc1', entry: { kind: 'node-port', node: n }, from: 'client', host: nodeIp(n), port: 30082 })),
  ...PODS.filter((p) => p.name !== PODS[1].name).map((p): Case => ({ label: `ClusterIP web from pod ${p.name} (${p.node})`, service: 'web', entry: { kind: 'flow', node: p.node }, from: { pod: p.name }, host: svc('web').clusterIP, port: 80 })),
  { label: 'ClusterIP empty (no endpoints) from nuc0', service: 'empty', entry: { kind: 'cluster-ip', node: 'nuc0' }, from: 'nuc0', host: svc('empty').clusterIP, port: 80 },
  { label: 'NodePort empty-np (no endpoints) on nuc1', service: 'empty-np', entry: { kind: 'node-port', node: 'nuc1' }, from: 'client', host: nodeIp('nuc1'), port: 30083 },
];

/** KNP_LAB_VERBOSE=1 prints what the engine predicted and what the kernel did, case by case. */
const VERBOSE = process.env.KNP_LAB_VERBOSE === '1';

const fmt = (chains: ChainEntry[]) => chains.map((c) => `${c.family} ${c.table} ${c.chain}`);

describe.skipIf(!SUPPORT.ok)('the path engine against the kernel (two netns nodes, flannel VXLAN)', () => {
  let lab: TwoNodeLab | null = null;
  let tmp = '';
  const onExit = () => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  };

  beforeAll(async () => {
    process.on('exit', onExit);
    tmp = mkdtempSync(join(tmpdir(), 'knp-trace-kernel-'));
    lab = await buildTwoNodeLab();
  });

  afterAll(async () => {
    try {
      await lab?.destroy();
    } finally {
      onExit();
      process.off('exit', onExit);
    }
  });

  describe.each<ProxyMode>(['iptables', 'nftables'])('kube-proxy %s mode', (mode) => {
    let snapshot: SnapshotData;
    const netnsOf = (from: Case['from']) =>
      from === 'client' ? lab!.client : typeof from === 'object' ? lab!.podNetns.get(from.pod)! : lab!.nodes.get(from)!.netns;
    const tree = (c: Case): PathTree => {
      if (typeof c.from === 'object') {
        const src = PODS.find((p) => p.name === (c.from as { pod: string }).pod)!.ip;
        return traceFlow(snapshot, { to: c.host, port: c.port, protocol: 'tcp', from: src });
      }
      const trees = traceService(snapshot, { namespace: 'default', name: c.service }).trees;
      const t = trees.find((x) => x.entry.kind === c.entry.kind && x.entry.node === c.entry.node);
      if (!t) throw new Error(`no ${c.entry.kind} tree on ${c.entry.node}: ${trees.map((x) => x.entry.label).join('; ')}`);
      return t;
    };

    beforeAll(async () => {
      for (const n of NODES) await loadKubeProxyRules(lab!, n.name, mode);
      const folder = join(tmp, mode, 'bundle');
      await captureBundle(lab!, folder);
      const parsed = await parseBundlePath(folder);
      snapshot = parsed.snapshot;
      const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
      expect(errors).toEqual([]);
      // tracing starts after the capture, so the bundle holds kube-proxy's rules only
      for (const n of lab!.nodes.values()) await addTraceTable(lab!.lab, n.netns);
    });

    afterAll(async () => {
      if (!lab) return;
      for (const n of lab.nodes.values()) await removeTraceTable(lab.lab, n.netns);
    });

    it('captured both nodes with their rulesets, veths and pods', () => {
      expect(snapshot.nodes.map((n) => n.name).sort()).toEqual(['nuc0', 'nuc1']);
      for (const n of snapshot.nodes) {
        expect(n.ruleset?.tables.map((t) => `${t.family} ${t.name}`).sort()).toEqual(
          mode === 'iptables' ? ['ip filter', 'ip nat'] : ['ip kube-proxy'],
        );
      }
    });

    it.each(CASES)('(a) the pods that answer are the pods predicted: $label', async (c) => {
      const leaves = leavesOf(tree(c)).filter((l) => l.probability > 0);
      const predicted = [...new Set(leaves.map(outcome))].sort();
      const onlyFailures = predicted.every((p) => /^E[A-Z]+$/.test(p));
      const answers = await connect(lab!, netnsOf(c.from), c.host, c.port, {
        max: onlyFailures ? 2 : 60,
        min: onlyFailures ? 2 : 20,
        timeoutMs: onlyFailures ? 1500 : 2000,
        expected: predicted,
      });
      const seen = [...new Set(answers)].sort();
      if (VERBOSE) console.log(`[${mode}] ${c.label}: predicted ${predicted.join(', ')}; ${answers.length} connections answered ${seen.join(', ')}`);
      expect({ entry: c.label, answered: seen }).toEqual({ entry: c.label, answered: predicted });
    });

    it.each(CASES)('(b) the chains listed are the chains nft monitor trace reports: $label', async (c) => {
      const t = tree(c);
      const monitors = new Map<string, Awaited<ReturnType<typeof startMonitor>>>();
      let answer: string;
      try {
        for (const [name, n] of lab!.nodes) monitors.set(name, await startMonitor(n.netns));
        [answer] = await connect(lab!, netnsOf(c.from), c.host, c.port, { max: 1, min: 1, timeoutMs: 1500, expected: [] });
        await new Promise((r) => setTimeout(r, 300));
      } finally {
        await stopAll([...monitors.values()]);
      }
      const kernel = new Map<string, string[]>();
      for (const [name, m] of monitors) kernel.set(name, fmt(firstPacket(m.stdout(), (p) => /tcp flags == syn\b/.test(p)) ?? []));
      const candidates = leavesOf(t).filter((l) => l.probability > 0 && outcome(l) === answer);
      expect(candidates.length, `no leaf of ${t.entry.label} predicts ${answer}`).toBeGreaterThan(0);
      const engineChains = (leaf: PathLeaf) =>
        new Map(NODES.map((n) => [n.name, fmt(leaf.chains.filter((v) => v.node === n.name))]));
      if (VERBOSE) console.log(`[${mode}] ${c.label}: ${answer}\n  kernel ${JSON.stringify(Object.fromEntries(kernel), null, 1)}`);
      const best = candidates.find((l) => NODES.every((n) => JSON.stringify(engineChains(l).get(n.name)) === JSON.stringify(kernel.get(n.name)))) ?? candidates[0];
      expect({ entry: c.label, answer, chains: Object.fromEntries(engineChains(best)) }).toEqual({
        entry: c.label,
        answer,
        chains: Object.fromEntries(kernel),
      });
    });
  });
});

