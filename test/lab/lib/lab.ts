// A lab of real network namespaces that look like Kubernetes nodes: a "node" netns with a cni0
// bridge, pods in their own netns joined by veth pairs (eth0 = ifindex 2 in the pod, as CNI
// plugins leave it), addresses and routes as the bridge/flannel CNI sets them, optionally an
// eth0 on a lab LAN and a flannel.1 VXLAN overlay between nodes.
//
// Everything created is tracked; destroy() removes all of it, also after a partial failure, and
// a process 'exit' hook removes what a crashed test left. Names are unique per process and lab:
// knp-<pid>-<random>-<label>.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type RunOptions, type RunResult } from './run.js';

export interface LabSupport {
  ok: boolean;
  /** why the lab cannot run here (empty when ok) */
  reason: string;
}

/** Whether lab tests can run: root, and `ip netns`, `unshare` and `nsenter` available. */
export function labSupport(): LabSupport {
  if (process.platform !== 'linux') return { ok: false, reason: 'lab tests need Linux' };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'lab tests need root (network namespaces)' };
  for (const [cmd, args] of [
    ['ip', ['netns', 'list']],
    ['unshare', ['--version']],
    ['nsenter', ['--version']],
  ] as const) {
    const r = spawnSync(cmd, [...args], { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      return { ok: false, reason: `\`${cmd} ${args.join(' ')}\` is unavailable: ${r.error?.message ?? r.stderr.trim()}` };
    }
  }
  return { ok: true, reason: '' };
}

export interface LabLan {
  label: string;
  netns: string;
  /** the bridge in the LAN netns that the nodes' eth0 peers are enslaved to */
  bridge: string;
}

export interface PodSpec {
  /** a label, e.g. 'nginx-1' */
  name: string;
  /** the pod's IP, inside the node's podCidr */
  ip: string;
}

export interface NodeSpec {
  /** a label, e.g. 'nuc0'; the netns is knp-…-<name> */
  name: string;
  /** the node's pod subnet, e.g. '10.42.0.0/24'; cni0 gets its first address */
  podCidr: string;
  /** the cluster's pod network, routed via cni0 from the pods (default: podCidr widened to /16) */
  clusterCidr?: string;
  pods: PodSpec[];
  /** an eth0 on a lab LAN with this address (e.g. '192.168.28.10/24') */
  lan?: { lan: LabLan; address: string };
  /** a flannel.1 VXLAN device (VNI 1, port 8472, local = the LAN address); needs lan */
  vxlan?: boolean;
  /** MTU of cni0, the veths and pods' eth0 (default 1450, flannel's) */
  mtu?: number;
}

export interface LabPod {
  name: string;
  /** the netns's global name (under /run/netns) */
  netns: string;
  /** the name the node sees it by in runOnNode, as a CNI names it: cni-<uuid> */
  cniName: string;
  ip: string;
  /** the host-side veth in the node netns, e.g. veth1a2b3c4d */
  hostVeth: string;
  hostVethIfindex: number;
  /** always 2: lo is 1, the veth peer created in the pod netns is the next */
  podIfindex: number;
  podMac: string;
}

export interface LabNode {
  name: string;
  netns: string;
  podCidr: string;
  clusterCidr: string;
  /** cni0's address, the pods' gateway */
  bridgeIp: string;
  pods: LabPod[];
  lanIp: string | null;
  /** flannel.1's MAC and its address (the pod subnet's network address), when vxlan */
  flannel: { mac: string; ip: string } | null;
}

export interface Lab {
  /** knp-<pid>-<random>- */
  readonly prefix: string;
  /** Creates a tracked netns named prefix+label (lo up) and returns its name. */
  addNetns(label: string): Promise<string>;
  /** Runs a command in a netns (nsenter --net), in the caller's mount namespace. */
  exec(netns: string, cmd: string, args?: string[], opts?: RunOptions): Promise<RunResult>;
  addLan(label: string): Promise<LabLan>;
  addNode(spec: NodeSpec): Promise<LabNode>;
  /** flannel-style routes, neighbours and FDB entries between two vxlan nodes, both ways */
  connectOverlay(a: LabNode, b: LabNode): Promise<void>;
  /**
   * Runs a command "on the node": in its netns and in a private mount namespace whose /run/netns
   * holds only that node's pod netns, named as a CNI names them (cni-<uuid>). So `ip netns list`,
   * `ip -n cni-…` and link-netns names are the node's, as on a real host.
   */
  runOnNode(node: LabNode, cmd: string, args?: string[], opts?: RunOptions): Promise<RunResult>;
  /** Removes everything the lab created; safe to call more than once and after partial failure. */
  destroy(): Promise<void>;
}

const liveLabs = new Set<LabImpl>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const lab of liveLabs) lab.destroySync();
  });
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

function parseCidr(cidr: string): { network: number; len: number } {
  const [ip, len] = cidr.split('/');
  const l = Number(len);
  const size = 2 ** (32 - l);
  return { network: ipv4ToInt(ip) - (ipv4ToInt(ip) % size), len: l };
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function cniName(): string {
  const h = hex(16);
  return `cni-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

class LabImpl implements Lab {
  readonly prefix = `knp-${process.pid}-${hex(3)}-`;
  private readonly netnses: string[] = [];
  private readonly dirs: string[] = [];
  private lanPorts = 0;

  async addNetns(label: string): Promise<string> {
    const name = this.prefix + label;
    // Tracked before it exists: destroy() tolerates a netns that was never created.
    this.netnses.push(name);
    await run('ip', ['netns', 'add', name]);
    await this.exec(name, 'ip', ['link', 'set', 'lo', 'up']);
    return name;
  }

  exec(netns: string, cmd: string, args: string[] = [], opts: RunOptions = {}): Promise<RunResult> {
    return run('nsenter', [`--net=/run/netns/${netns}`, '--', cmd, ...args], opts);
  }

  private ip(netns: string, ...args: string[]): Promise<RunResult> {
    return run('ip', ['-n', netns, ...args]);
  }

  async addLan(label: string): Promise<LabLan> {
    const netns = await this.addNetns(label);
    await this.ip(netns, 'link', 'add', 'br0', 'type', 'bridge');
    await this.ip(netns, 'link', 'set', 'br0', 'up');
    return { label, netns, bridge: 'br0' };
  }

  async addNode(spec: NodeSpec): Promise<LabNode> {
    if (spec.vxlan && !spec.lan) throw new Error(`node ${spec.name}: vxlan needs a lan`);
    const mtu = String(spec.mtu ?? 1450);
    const { network, len } = parseCidr(spec.podCidr);
    const bridgeIp = intToIpv4(network + 1);
    const clusterCidr = spec.clusterCidr ?? `${intToIpv4(parseCidr(`${spec.podCidr.split('/')[0]}/16`).network)}/16`;
    const netns = await this.addNetns(spec.name);
    await this.exec(netns, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    await this.ip(netns, 'link', 'add', 'cni0', 'mtu', mtu, 'type', 'bridge');
    await this.ip(netns, 'addr', 'add', `${bridgeIp}/${len}`, 'dev', 'cni0');
    await this.ip(netns, 'link', 'set', 'cni0', 'up');

    const node: LabNode = {
      name: spec.name,
      netns,
      podCidr: spec.podCidr,
      clusterCidr,
      bridgeIp,
      pods: [],
      lanIp: null,
      flannel: null,
    };

    if (spec.lan) {
      const port = `p${++this.lanPorts}`;
      await this.ip(spec.lan.lan.netns, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
      await this.ip(spec.lan.lan.netns, 'link', 'set', port, 'master', spec.lan.lan.bridge, 'up');
      await this.ip(netns, 'addr', 'add', spec.lan.address, 'dev', 'eth0');
      await this.ip(netns, 'link', 'set', 'eth0', 'up');
      node.lanIp = spec.lan.address.split('/')[0];
    }
    if (spec.vxlan && node.lanIp) {
      const flannelIp = intToIpv4(network);
      await this.ip(netns, 'link', 'add', 'flannel.1', 'type', 'vxlan', 'id', '1', 'local', node.lanIp, 'dev', 'eth0',
        'dstport', '8472', 'nolearning');
      await this.ip(netns, 'link', 'set', 'flannel.1', 'mtu', mtu, 'up');
      await this.ip(netns, 'addr', 'add', `${flannelIp}/32`, 'dev', 'flannel.1');
      const link = JSON.parse((await this.ip(netns, '-j', 'link', 'show', 'flannel.1')).stdout) as Array<{ address: string }>;
      node.flannel = { mac: link[0].address, ip: flannelIp };
    }

    for (const p of spec.pods) {
      const podNetns = await this.addNetns(`${spec.name}-${p.name}`);
      const hostVeth = `veth${hex(4)}`;
      await this.ip(netns, 'link', 'add', hostVeth, 'mtu', mtu, 'type', 'veth', 'peer', 'name', 'eth0', 'mtu', mtu,
        'netns', podNetns);
      await this.ip(netns, 'link', 'set', hostVeth, 'master', 'cni0', 'up');
      await this.ip(podNetns, 'addr', 'add', `${p.ip}/${len}`, 'dev', 'eth0');
      await this.ip(podNetns, 'link', 'set', 'eth0', 'up');
      await this.ip(podNetns, 'route', 'add', clusterCidr, 'via', bridgeIp, 'dev', 'eth0');
      await this.ip(podNetns, 'route', 'add', 'default', 'via', bridgeIp, 'dev', 'eth0');
      const host = JSON.parse((await this.ip(netns, '-j', 'link', 'show', hostVeth)).stdout) as Array<{ ifindex: number }>;
      const pod = JSON.parse((await this.ip(podNetns, '-j', 'link', 'show', 'eth0')).stdout) as Array<{
        ifindex: number;
        address: string;
      }>;
      node.pods.push({
        name: p.name,
        netns: podNetns,
        cniName: cniName(),
        ip: p.ip,
        hostVeth,
        hostVethIfindex: host[0].ifindex,
        podIfindex: pod[0].ifindex,
        podMac: pod[0].address,
      });
    }
    return node;
  }

  async connectOverlay(a: LabNode, b: LabNode): Promise<void> {
    for (const [from, to] of [
      [a, b],
      [b, a],
    ]) {
      if (!to.flannel || !from.flannel || !to.lanIp) throw new Error('connectOverlay needs two vxlan nodes');
      await this.ip(from.netns, 'neigh', 'add', to.flannel.ip, 'lladdr', to.flannel.mac, 'dev', 'flannel.1', 'nud',
        'permanent');
      await run('bridge', ['-n', from.netns, 'fdb', 'add', to.flannel.mac, 'dev', 'flannel.1', 'dst', to.lanIp, 'self',
        'permanent']);
      await this.ip(from.netns, 'route', 'add', to.podCidr, 'via', to.flannel.ip, 'dev', 'flannel.1', 'onlink');
    }
  }

  async runOnNode(node: LabNode, cmd: string, args: string[] = [], opts: RunOptions = {}): Promise<RunResult> {
    const stage = mkdtempSync(join(tmpdir(), `${this.prefix}view-`));
    this.dirs.push(stage);
    // In a private mount namespace: a tmpfs holding bind mounts of the node's pod netns files
    // under their CNI names is moved over /run/netns (/var/run/netns is the same directory).
    const script = [
      'set -e',
      'stage=$1; shift',
      'mount -t tmpfs -o mode=755 knp-netns "$stage"',
      'while [ "$1" != -- ]; do : >"$stage/$2"; mount --bind "/run/netns/$1" "$stage/$2"; shift 2; done',
      'shift',
      'mount --move "$stage" /run/netns',
      'exec "$@"',
    ].join('\n');
    const pairs = node.pods.flatMap((p) => [p.netns, p.cniName]);
    return run(
      'unshare',
      ['-m', '--propagation', 'private', 'nsenter', `--net=/run/netns/${node.netns}`, '--', 'sh', '-c', script, 'sh',
        stage, ...pairs, '--', cmd, ...args],
      opts,
    );
  }

  async destroy(): Promise<void> {
    const errors: string[] = [];
    // Whatever carries our prefix, including a netns whose creation failed half-way.
    const listed = (await run('ip', ['netns', 'list'], { allowFailure: true })).stdout
      .split('\n')
      .map((l) => l.split(' ')[0])
      .filter((n) => n.startsWith(this.prefix));
    for (const name of new Set([...this.netnses, ...listed])) {
      const r = await run('ip', ['netns', 'del', name], { allowFailure: true });
      if (r.code !== 0 && !/No such file/.test(r.stderr)) errors.push(r.stderr.trim());
    }
    this.netnses.length = 0;
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
    this.dirs.length = 0;
    liveLabs.delete(this);
    if (errors.length) throw new Error(`lab ${this.prefix} cleanup: ${errors.join('; ')}`);
  }

  destroySync(): void {
    for (const name of this.netnses) spawnSync('ip', ['netns', 'del', name]);
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
  }
}

/** A new, empty lab. Call destroy() in afterEach/afterAll; process exit also cleans up. */
export function createLab(): Lab {
  installExitHook();
  const lab = new LabImpl();
  liveLabs.add(lab);
  return lab;
}
