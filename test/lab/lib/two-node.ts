// A two-node "cluster" of network namespaces for kernel proofs of the path engine, built with
// lab.ts: nodes nuc0 / nuc1 on a lab LAN (192.168.77.0/24, a bridge in its own netns that also
// holds the "router" address 192.168.77.1), each with cni0, pods behind veths and flannel.1 VXLAN
// between them (routes, neighbours and FDB entries as flannel sets them), a default route via the
// LAN router (as a real node has, so ClusterIPs are routable), and a client netns on the LAN.
//
// Also: tiny TCP servers in the pods that answer with the pod's name, kube-proxy rules loaded in
// either mode, the collector run on each node, and kubectl-shaped cluster/*.json for the bundle.
// Nothing leaves the lab's namespaces: 10.42.0.0/16 pods, 10.43.0.0/16 services, the LAN above.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  iptablesRestoreInput,
  nftInput,
  type NodeContext as ProxyContext,
  type SinglePortService as LabService,
} from '../../fixtures/kube-proxy/index.js';
import { readBundle, type ManifestEntry } from './bundle.js';
import { createLab, type Lab, type LabNode } from './lab.js';
import { spawnInNetns, stopAll, type BackgroundProcess } from './procs.js';
import { run } from './run.js';

export type ProxyMode = 'iptables' | 'nftables';

export const CLUSTER_CIDR = '10.42.0.0/16';
export const SERVICE_CIDR = '10.43.0.0/16';
export const LAN_ROUTER = '192.168.77.1';
export const CLIENT_IP = '192.168.77.100';
export const SERVER_PORT = 8080;

export interface PodDef {
  name: string;
  node: string;
  ip: string;
}

export interface NodeDef {
  name: string;
  lanIp: string;
  podCidr: string;
}

export const NODES: NodeDef[] = [
  { name: 'nuc0', lanIp: '192.168.77.10', podCidr: '10.42.0.0/24' },
  { name: 'nuc1', lanIp: '192.168.77.11', podCidr: '10.42.1.0/24' },
];

export const PODS: PodDef[] = [
  { name: 'web-6f9c7d8b5-2xkqp', node: 'nuc0', ip: '10.42.0.10' },
  { name: 'web-6f9c7d8b5-h7c4m', node: 'nuc0', ip: '10.42.0.11' },
  { name: 'web-6f9c7d8b5-zr9tw', node: 'nuc1', ip: '10.42.1.10' },
];

const ep = (p: PodDef) => ({ pod: p.name, node: p.node, ip: p.ip });

/** The lab's Services: multi-endpoint ClusterIP, NodePort, Local NodePort, and two without endpoints. */
export const SERVICES: LabService[] = [
  { namespace: 'default', name: 'web', type: 'ClusterIP', clusterIP: '10.43.0.10', portName: null, port: 80, targetPort: SERVER_PORT, nodePort: null, externalTrafficPolicy: 'Cluster', endpoints: PODS.map(ep) },
  { namespace: 'default', name: 'web-np', type: 'NodePort', clusterIP: '10.43.0.11', portName: 'http', port: 80, targetPort: SERVER_PORT, nodePort: 30080, externalTrafficPolicy: 'Cluster', endpoints: [PODS[0], PODS[2]].map(ep) },
  { namespace: 'default', name: 'web-local', type: 'NodePort', clusterIP: '10.43.0.12', portName: null, port: 80, targetPort: SERVER_PORT, nodePort: 30081, externalTrafficPolicy: 'Local', endpoints: PODS.map(ep) },
  { namespace: 'default', name: 'web-local-nuc1', type: 'NodePort', clusterIP: '10.43.0.13', portName: null, port: 80, targetPort: SERVER_PORT, nodePort: 30082, externalTrafficPolicy: 'Local', endpoints: [PODS[2]].map(ep) },
  { namespace: 'default', name: 'empty', type: 'ClusterIP', clusterIP: '10.43.0.20', portName: null, port: 80, targetPort: SERVER_PORT, nodePort: null, externalTrafficPolicy: 'Cluster', endpoints: [] },
  { namespace: 'default', name: 'empty-np', type: 'NodePort', clusterIP: '10.43.0.21', portName: null, port: 80, targetPort: SERVER_PORT, nodePort: 30083, externalTrafficPolicy: 'Cluster', endpoints: [] },
];

export interface TwoNodeLab {
  lab: Lab;
  nodes: Map<string, LabNode>;
  client: string;
  /** pod name → its netns */
  podNetns: Map<string, string>;
  servers: BackgroundProcess[];
  destroy(): Promise<void>;
}

const SERVER_JS = `
const name = process.argv[1];
const srv = require('net').createServer((s) => { s.on('error', () => {}); s.end(name); });
srv.listen(${SERVER_PORT}, '0.0.0.0', () => console.log('ready ' + name));
`;

export async function buildTwoNodeLab(): Promise<TwoNodeLab> {
  const lab = createLab();
  const servers: BackgroundProcess[] = [];
  const destroy = async () => {
    await stopAll(servers);
    await lab.destroy();
  };
  try {
    const lan = await lab.addLan('lan');
    await lab.exec(lan.netns, 'ip', ['addr', 'add', `${LAN_ROUTER}/24`, 'dev', lan.bridge]);
    const nodes = new Map<string, LabNode>();
    for (const def of NODES) {
      const node = await lab.addNode({
        name: def.name,
        podCidr: def.podCidr,
        clusterCidr: CLUSTER_CIDR,
        pods: PODS.filter((p) => p.node === def.name).map((p) => ({ name: p.name, ip: p.ip })),
        lan: { lan, address: `${def.lanIp}/24` },
        vxlan: true,
      });
      await lab.exec(node.netns, 'ip', ['route', 'add', 'default', 'via', LAN_ROUTER, 'dev', 'eth0']);
      // flannel's CNI config delegates to the bridge plugin with hairpinMode: true
      for (const p of node.pods) await lab.exec(node.netns, 'ip', ['link', 'set', p.hostVeth, 'type', 'bridge_slave', 'hairpin', 'on']);
      nodes.set(def.name, node);
    }
    await lab.connectOverlay(nodes.get('nuc0')!, nodes.get('nuc1')!);
    const client = await lab.addNetns('client');
    await run('ip', ['-n', lan.netns, 'link', 'add', 'cl0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', client]);
    await run('ip', ['-n', lan.netns, 'link', 'set', 'cl0', 'master', lan.bridge, 'up']);
    await lab.exec(client, 'ip', ['addr', 'add', `${CLIENT_IP}/24`, 'dev', 'eth0']);
    await lab.exec(client, 'ip', ['link', 'set', 'eth0', 'up']);

    const podNetns = new Map<string, string>();
    for (const node of nodes.values()) for (const p of node.pods) podNetns.set(p.name, p.netns);
    for (const [name, netns] of podNetns) servers.push(spawnInNetns(netns, process.execPath, ['-e', SERVER_JS, name]));
    await Promise.all(servers.map((s) => s.waitFor('ready', 10_000)));
    return { lab, nodes, client, podNetns, servers, destroy };
  } catch (e) {
    await destroy().catch(() => undefined);
    throw e;
  }
}

export function proxyContext(node: string): ProxyContext {
  const def = NODES.find((n) => n.name === node)!;
  return { node, nodeIp: def.lanIp, clusterCidr: CLUSTER_CIDR, serviceCidr: SERVICE_CIDR };
}

/** Loads kube-proxy's rules for `node` in the given mode (flushing whatever netfilter held). */
export async function loadKubeProxyRules(t: TwoNodeLab, node: string, mode: ProxyMode): Promise<void> {
  const ns = t.nodes.get(node)!.netns;
  await t.lab.exec(ns, 'nft', ['flush', 'ruleset']);
  if (mode === 'iptables') {
    await t.lab.exec(ns, 'iptables-restore', [], { input: iptablesRestoreInput(SERVICES, proxyContext(node)) });
  } else {
    await t.lab.exec(ns, 'nft', ['-f', '-'], { input: nftInput(SERVICES, proxyContext(node)) });
  }
}

// ---------------------------------------------------------------------------------------------
// The bundle: the collector on each node, plus kubectl-shaped cluster objects

const COLLECTOR = resolve(__dirname, '../../../collectors/collect-node.sh');

/** Runs collect-node.sh on every node (as its own lab test does: in the node's view) and merges
 * the per-node bundles with cluster/*.json into one bundle folder. */
export async function captureBundle(t: TwoNodeLab, folder: string): Promise<{ stderr: string[] }> {
  const entries: ManifestEntry[] = [];
  const stderr: string[] = [];
  let createdAt = new Date().toISOString();
  await mkdir(folder, { recursive: true });
  for (const [name, node] of t.nodes) {
    const out = join(dirname(folder), `${name}.tar.gz`);
    const r = await t.lab.runOnNode(node, 'sh', [COLLECTOR, '-o', out, '--node', name, '--timeout', '10'], { timeoutMs: 60_000 });
    stderr.push(r.stderr);
    const b = await readBundle(out);
    for (const [path, text] of b.files) {
      const rel = path.replace(/^[^/]+\/(?=(nodes\/|manifest\.json$))/, '');
      if (rel === 'manifest.json') continue;
      await mkdir(dirname(join(folder, rel)), { recursive: true });
      await writeFile(join(folder, rel), text);
    }
    entries.push(...b.manifest.files);
    createdAt = b.manifest.createdAt;
  }
  const cluster = clusterFiles(t);
  for (const [path, text] of Object.entries(cluster)) {
    await mkdir(dirname(join(folder, path)), { recursive: true });
    await writeFile(join(folder, path), text);
    entries.push({ path, command: `kubectl get ${path.slice(8, -5)} -A -o json`, exitCode: 0, durationMs: 0, stderr: '' });
  }
  const manifest = {
    format: 'kube-netpath-bundle',
    formatVersion: 1,
    createdAt,
    collector: { name: 'collect-node.sh', version: '1' },
    nodes: [...t.nodes.keys()],
    files: entries,
  };
  await writeFile(join(folder, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return { stderr };
}

const CREATED = '2026-01-01T00:00:00Z';
const list = (items: object[]) => JSON.stringify({ apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } }, null, 2);
const uid = (s: string) => {
  let h = 0;
  for (const c of s) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  const x = h.toString(16).padStart(8, '0');
  return `${x}-${x.slice(0, 4)}-4${x.slice(1, 4)}-8${x.slice(4, 7)}-${x}${x.slice(0, 4)}`;
};

function clusterFiles(t: TwoNodeLab): Record<string, string> {
  const services = SERVICES.map((s) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { creationTimestamp: CREATED, name: s.name, namespace: s.namespace, resourceVersion: '1000', uid: uid(`svc/${s.name}`) },
    spec: {
      clusterIP: s.clusterIP,
      clusterIPs: [s.clusterIP],
      ...(s.type !== 'ClusterIP' ? { externalTrafficPolicy: s.externalTrafficPolicy } : {}),
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: [{ ...(s.portName ? { name: s.portName } : {}), ...(s.nodePort !== null ? { nodePort: s.nodePort } : {}), port: s.port, protocol: 'TCP', targetPort: s.targetPort }],
      selector: { app: s.name },
      sessionAffinity: 'None',
      type: s.type,
    },
    status: { loadBalancer: {} },
  }));
  const slices = SERVICES.map((s) => ({
    addressType: 'IPv4',
    apiVersion: 'discovery.k8s.io/v1',
    endpoints: s.endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: e.node,
      targetRef: { kind: 'Pod', name: e.pod, namespace: s.namespace, uid: uid(`pod/${e.pod}`) },
    })),
    kind: 'EndpointSlice',
    metadata: {
      creationTimestamp: CREATED,
      generateName: `${s.name}-`,
      labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': s.name },
      name: `${s.name}-abcde`,
      namespace: s.namespace,
    },
    ports: [{ name: s.portName ?? '', port: s.targetPort, protocol: 'TCP' }],
  }));
  const pods = PODS.map((p) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { creationTimestamp: CREATED, labels: { app: 'web' }, name: p.name, namespace: 'default', uid: uid(`pod/${p.name}`) },
    spec: { containers: [{ image: 'nginx:1.25', name: 'web' }], nodeName: p.node },
    status: {
      hostIP: NODES.find((n) => n.name === p.node)!.lanIp,
      phase: 'Running',
      podIP: p.ip,
      podIPs: [{ ip: p.ip }],
    },
  }));
  const nodes = NODES.map((n) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      annotations: {
        'flannel.alpha.coreos.com/backend-data': JSON.stringify({ VNI: 1, VtepMAC: t.nodes.get(n.name)!.flannel!.mac }),
        'flannel.alpha.coreos.com/backend-type': 'vxlan',
        'flannel.alpha.coreos.com/kube-subnet-manager': 'true',
        'flannel.alpha.coreos.com/public-ip': n.lanIp,
      },
      labels: { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux' },
      name: n.name,
    },
    spec: { podCIDR: n.podCidr, podCIDRs: [n.podCidr] },
    status: { addresses: [{ address: n.lanIp, type: 'InternalIP' }, { address: n.name, type: 'Hostname' }] },
  }));
  return {
    'cluster/services.json': list(services),
    'cluster/endpointslices.json': list(slices),
    'cluster/pods.json': list(pods),
    'cluster/nodes.json': list(nodes),
  };
}

// ---------------------------------------------------------------------------------------------
// Real connections

export interface ConnectResult {
  /** the pod name that answered, or the error code (ECONNREFUSED, ETIMEDOUT, …) */
  answers: string[];
}

const CLIENT_JS = `
const [host, port, count, min, timeout, expected] = process.argv.slice(1);
const want = new Set(expected ? expected.split(',') : []);
const seen = new Set();
const out = [];
const one = () => new Promise((resolve) => {
  const s = require('net').connect({ host, port: Number(port) });
  let data = '';
  const done = (r) => { clearTimeout(t); s.destroy(); resolve(r); };
  const t = setTimeout(() => done('ETIMEDOUT'), Number(timeout));
  s.on('data', (b) => { data += b; });
  s.on('end', () => done(data));
  s.on('error', (e) => done(e.code || String(e)));
});
(async () => {
  for (let i = 0; i < Number(count); i++) {
    const r = await one();
    out.push(r);
    seen.add(r);
    if (i + 1 >= Number(min) && want.size > 0 && [...want].every((w) => seen.has(w))) break;
  }
  console.log(JSON.stringify(out));
})();
`;

/**
 * Up to `max` sequential connections from `netns` to host:port (each a new connection, so a new
 * endpoint choice), stopping after at least `min` once every name in `expected` has answered.
 */
export async function connect(
  t: TwoNodeLab,
  netns: string,
  host: string,
  port: number,
  opts: { max: number; min: number; timeoutMs: number; expected: string[] },
): Promise<string[]> {
  const r = await t.lab.exec(
    netns,
    process.execPath,
    ['-e', CLIENT_JS, host, String(port), String(opts.max), String(opts.min), String(opts.timeoutMs), opts.expected.join(',')],
    { timeoutMs: opts.max * opts.timeoutMs + 10_000 },
  );
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as string[];
}
