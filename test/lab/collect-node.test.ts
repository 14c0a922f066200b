// collect-node.sh against real kernel objects: two lab nodes (cni0, veths into pod netns,
// flannel.1 VXLAN over a lab LAN), kube-proxy-shaped iptables-nft rules and a native nftables
// table, then the collector run under dash on node nuc0 as the node sees itself.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, existsSync, symlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBundle, type Bundle } from './lib/bundle.js';
import { createLab, labSupport, type Lab, type LabNode } from './lib/lab.js';
import { openWritable } from '../../db/connection';
import { iptablesRestoreInput, type Service } from '../fixtures/kube-proxy/index.js';
import { importBundle, type Diagnostic } from '../../db/import';
import { loadSnapshot } from '../../db/queries/snapshot-data';
import type { SnapshotData } from '../../renderer/src/analysis/model';
import { servicePortChainName, servicePortEndpointChainName } from '../../renderer/src/analysis/kubeproxy-names';
import { correlateVeths } from '../../renderer/src/analysis/veths';

const support = labSupport();
if (!support.ok) console.warn(`lab tests skipped: ${support.reason}`);

const SCRIPT = resolve('collectors/collect-node.sh');

interface IpLink {
  ifindex: number;
  ifname: string;
  link_index?: number;
  link_netnsid?: number;
  master?: string;
  address?: string;
  linkinfo?: { info_kind?: string; info_data?: { id?: number; local?: string; port?: number } };
}
interface IpAddr {
  ifname: string;
  addr_info: Array<{ family: string; local: string; prefixlen: number }>;
}
interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  table?: string;
  type?: string;
  protocol?: string;
  prefsrc?: string;
  flags?: string[];
}

const NGINX = 'default/nginx';

/** The article's Service: default/nginx, three endpoints (two on nuc0, one on nuc1). */
const NGINX_SERVICE: Service = {
  namespace: 'default',
  name: 'nginx',
  type: 'ClusterIP',
  clusterIP: '10.43.80.28',
  ports: [{ name: null, protocol: 'TCP', port: 80, targetPort: 80, nodePort: null }],
  endpoints: [
    { ip: '10.42.0.204', node: 'nuc0' },
    { ip: '10.42.0.205', node: 'nuc0' },
    { ip: '10.42.1.7', node: 'nuc1' },
  ],
};

describe.skipIf(!support.ok)('collect-node.sh on a lab node', () => {
  let lab: Lab;
  let nuc0: LabNode;
  let nuc1: LabNode;
  let out: string;
  let bundle: Bundle;
  let liveIptables: string;
  let snapshot: SnapshotData;
  let importErrors: Diagnostic[];

  beforeAll(async () => {
    lab = createLab();
    out = mkdtempSync(join(tmpdir(), 'knp-collect-test-'));
    const lan = await lab.addLan('lan');
    nuc0 = await lab.addNode({
      name: 'nuc0',
      podCidr: '10.42.0.0/24',
      pods: [
        { name: 'nginx-a', ip: '10.42.0.204' },
        { name: 'nginx-b', ip: '10.42.0.205' },
      ],
      lan: { lan, address: '192.168.28.10/24' },
      vxlan: true,
    });
    nuc1 = await lab.addNode({
      name: 'nuc1',
      podCidr: '10.42.1.0/24',
      pods: [{ name: 'nginx-c', ip: '10.42.1.7' }],
      lan: { lan, address: '192.168.28.11/24' },
      vxlan: true,
    });
    await lab.connectOverlay(nuc0, nuc1);
    // kube-proxy's filter and nat tables for nuc0, every rule of the Service preset to 3 packets / 156 bytes
    const ctx = { node: 'nuc0', nodeIp: '192.168.28.10', clusterCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16' };
    await lab.exec(nuc0.netns, 'iptables-nft-restore', ['-c'], {
      input: iptablesRestoreInput([NGINX_SERVICE], ctx, (rule) => (rule.plan ? [3, 156] : [0, 0])),
    });
    await lab.exec(nuc0.netns, 'nft', ['-f', '-'], {
      input: [
        'table inet knp_lab {',
        '  chain forward {',
        '    type filter hook forward priority 0; policy accept;',
        '    ip daddr 10.42.1.7 tcp dport 8080 counter',
        '    ip saddr 10.42.0.0/24 ip daddr 10.42.1.0/24 counter packets 7 bytes 588 accept',
        '  }',
        '}',
        '',
      ].join('\n'),
    });
    // One real SYN from a pod on nuc0 across flannel.1 to the pod on nuc1 (refused there).
    await lab.exec(nuc0.pods[0].netns, 'bash', ['-c', 'exec 3<>/dev/tcp/10.42.1.7/8080'], {
      allowFailure: true,
      timeoutMs: 5000,
    });
    liveIptables = (await lab.exec(nuc0.netns, 'iptables-save', ['-c'])).stdout;
    const r = await lab.runOnNode(nuc0, 'dash', [SCRIPT, '-o', join(out, 'nuc0.tar.gz'), '--node', 'nuc0']);
    expect(r.stdout.trim()).toBe(join(out, 'nuc0.tar.gz'));
    bundle = await readBundle(join(out, 'nuc0.tar.gz'));
    const db = openWritable(join(out, 'library.sqlite'));
    try {
      const imported = await importBundle(db, join(out, 'nuc0.tar.gz'));
      importErrors = imported.diagnostics.filter((d) => d.severity === 'error');
      snapshot = loadSnapshot(db, imported.snapshotId)!;
    } finally {
      db.close();
    }
  });

  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await lab?.destroy();
  });

  it('imports, and the snapshot ties every veth to its pod netns and address as the kernel built them', () => {
    expect(importErrors).toEqual([]);
    const node = snapshot.nodes.find((n) => n.name === 'nuc0')!;
    const { matches } = correlateVeths(snapshot);
    // The lab node's LAN uplink is itself a veth (into the LAN namespace); only the pod veths are checked.
    for (const pod of nuc0.pods) {
      const match = matches.find((m) => m.node === 'nuc0' && m.hostIfname === pod.hostVeth)!;
      expect(match).toMatchObject({
        hostIfindex: pod.hostVethIfindex,
        peerIfindex: 2,
        netns: pod.cniName,
        podIfname: 'eth0',
        podIfindex: pod.podIfindex,
        podMac: pod.podMac,
        addresses: [pod.ip],
        confidence: 'high',
        conflicts: [],
      });
    }
    const chains = node.ruleset!.tables.flatMap((t) => t.chains);
    const svc = chains.find((c) => c.name === servicePortChainName('KUBE-SVC-', NGINX, 'tcp'))!;
    const jumps = svc.rules.filter((r) => r.statements.some((st) => st.kind === 'verdict' && st.verdict.target?.startsWith('KUBE-SEP-')));
    expect(jumps.map((r) => r.counter)).toEqual([{ packets: 3, bytes: 156 }, { packets: 3, bytes: 156 }, { packets: 3, bytes: 156 }]);
    expect(node.routes.some((r) => r.dst === '10.42.1.0/24' && r.dev === 'flannel.1' && r.flags.includes('onlink'))).toBe(true);
  });

  it('writes a v1 manifest that accounts for every file', () => {
    const m = bundle.manifest;
    expect(m.format).toBe('kube-netpath-bundle');
    expect(m.formatVersion).toBe(1);
    expect(m.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(m.collector).toEqual({ name: 'collect-node.sh', version: '1' });
    expect(m.nodes).toEqual(['nuc0']);
    for (const f of m.files) {
      expect(Object.keys(f).sort()).toEqual(['command', 'durationMs', 'exitCode', 'path', 'stderr']);
      expect(f.durationMs).toBeGreaterThanOrEqual(0);
      if (f.exitCode === 0) expect(bundle.files.has(f.path), f.path).toBe(true);
    }
    const listed = new Set(m.files.map((f) => f.path));
    for (const p of bundle.files.keys()) if (p !== 'manifest.json') expect(listed.has(p), p).toBe(true);
    for (const p of ['nft-ruleset.txt', 'nft-ruleset.json', 'iptables-save.txt', 'ip-link.json', 'ip-addr.json',
      'ip-route.json', 'ip-rule.json', 'ip-neigh.json', 'bridge-fdb.json', 'netns.txt', 'sysctl.txt']) {
      expect(bundle.entry(`nodes/nuc0/${p}`)?.exitCode, p).toBe(0);
    }
  });

  it('records tools that are not on the node (crictl, ipvsadm here)', () => {
    for (const [p, tool] of [['crictl-pods.json', 'crictl'], ['ipvsadm.txt', 'ipvsadm']]) {
      const e = bundle.entry(`nodes/nuc0/${p}`);
      expect(e?.exitCode, p).toBe(127);
      expect(e?.stderr).toBe(`${tool}: command not found`);
      expect(bundle.files.has(`nodes/nuc0/${p}`)).toBe(false);
    }
  });

  it('names every pod netns and its nsid the way the node sees them', () => {
    const netns = bundle.text('nodes/nuc0/netns.txt');
    for (const p of nuc0.pods) {
      expect(netns).toMatch(new RegExp(`^nsid \\d+ \\(iproute2 netns name: ${p.cniName}\\)$`, 'm'));
      expect(netns).toMatch(new RegExp(`^${p.cniName} \\(id: \\d+\\)$`, 'm'));
    }
    // Only this node's pods: not nuc1's, not the lab's own names.
    expect(netns).not.toContain(nuc1.pods[0].cniName);
    expect(netns).not.toContain(lab.prefix);
  });

  it('captures every veth with its peer ifindex and the peer netns, and the pod side of each', () => {
    const links = bundle.json<IpLink[]>('nodes/nuc0/ip-link.json');
    const netns = bundle.text('nodes/nuc0/netns.txt');
    for (const p of nuc0.pods) {
      const veth = links.find((l) => l.ifname === p.hostVeth);
      expect(veth, p.hostVeth).toBeDefined();
      expect(veth?.ifindex).toBe(p.hostVethIfindex);
      expect(veth?.link_index).toBe(2);
      expect(veth?.master).toBe('cni0');
      expect(veth?.linkinfo?.info_kind).toBe('veth');
      const nsid = Number(new RegExp(`^${p.cniName} \\(id: (\\d+)\\)$`, 'm').exec(netns)?.[1]);
      expect(veth?.link_netnsid).toBe(nsid);

      const podLinks = bundle.json<IpLink[]>(`nodes/nuc0/netns/${p.cniName}/ip-link.json`);
      const eth0 = podLinks.find((l) => l.ifname === 'eth0');
      expect(eth0?.ifindex).toBe(2);
      expect(eth0?.link_index).toBe(p.hostVethIfindex);
      expect(eth0?.address).toBe(p.podMac);
      const podAddrs = bundle.json<IpAddr[]>(`nodes/nuc0/netns/${p.cniName}/ip-addr.json`);
      expect(podAddrs.find((a) => a.ifname === 'eth0')?.addr_info).toContainEqual(
        expect.objectContaining({ family: 'inet', local: p.ip, prefixlen: 24 }),
      );
      const podRoutes = bundle.json<IpRoute[]>(`nodes/nuc0/netns/${p.cniName}/ip-route.json`);
      expect(podRoutes).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '10.42.0.1', dev: 'eth0' }));
      expect(podRoutes).toContainEqual(expect.objectContaining({ dst: '10.42.0.0/16', gateway: '10.42.0.1', dev: 'eth0' }));
      expect(podRoutes).toContainEqual(expect.objectContaining({ dst: '10.42.0.0/24', dev: 'eth0', protocol: 'kernel' }));
    }
    const dirs = [...bundle.files.keys()].filter((k) => k.startsWith('nodes/nuc0/netns/')).map((k) => k.split('/')[3]);
    expect(new Set(dirs)).toEqual(new Set(nuc0.pods.map((p) => p.cniName)));
    expect(links.find((l) => l.ifname === 'cni0')?.linkinfo?.info_kind).toBe('bridge');
    const flannel = links.find((l) => l.ifname === 'flannel.1');
    expect(flannel?.linkinfo?.info_kind).toBe('vxlan');
    expect(flannel?.linkinfo?.info_data).toMatchObject({ id: 1, local: '192.168.28.10', port: 8472 });
  });

  it('captures every route, in every table, and the overlay neighbour and FDB entries', () => {
    const routes = bundle.json<IpRoute[]>('nodes/nuc0/ip-route.json');
    expect(routes).toContainEqual(
      expect.objectContaining({ dst: '10.42.0.0/24', dev: 'cni0', protocol: 'kernel', prefsrc: '10.42.0.1' }),
    );
    expect(routes).toContainEqual(
      expect.objectContaining({ dst: '10.42.1.0/24', gateway: '10.42.1.0', dev: 'flannel.1', flags: ['onlink'] }),
    );
    expect(routes).toContainEqual(expect.objectContaining({ dst: '192.168.28.0/24', dev: 'eth0' }));
    expect(routes).toContainEqual(expect.objectContaining({ table: 'local', type: 'local', dst: '10.42.0.1', dev: 'cni0' }));
    const neigh = bundle.json<Array<{ dst: string; dev: string; lladdr: string; state: string[] }>>('nodes/nuc0/ip-neigh.json');
    expect(neigh).toContainEqual(
      expect.objectContaining({ dst: '10.42.1.0', dev: 'flannel.1', lladdr: nuc1.flannel?.mac, state: ['PERMANENT'] }),
    );
    const fdb = bundle.json<Array<{ mac: string; ifname: string; dst?: string }>>('nodes/nuc0/bridge-fdb.json');
    expect(fdb).toContainEqual(expect.objectContaining({ mac: nuc1.flannel?.mac, ifname: 'flannel.1', dst: '192.168.28.11' }));
    expect(bundle.json<unknown[]>('nodes/nuc0/ip-rule.json').length).toBeGreaterThanOrEqual(3);
  });

  it('captures every iptables rule with its counters, under the chain names kube-proxy hashes', () => {
    const saved = bundle.text('nodes/nuc0/iptables-save.txt');
    // KUBE-* chains only: real traffic (the lab's VXLAN packets) moves the built-in chains'
    // counters, and KUBE-POSTROUTING's, which nat POSTROUTING jumps to for each new flow that
    // traffic starts (one started between the capture and now made this flaky): its rules are
    // compared without their counters.
    const rules = (s: string) =>
      s
        .split('\n')
        .filter((l) => /^(\[\d+:\d+\] -A |:)KUBE-/.test(l))
        .map((l) => (/^\[\d+:\d+\] -A KUBE-POSTROUTING /.test(l) ? l.replace(/^\[\d+:\d+\] /, '') : l));
    expect(rules(saved)).toEqual(rules(liveIptables));
    // The article's chains: default/nginx + tcp, and its endpoint 10.42.0.204:80.
    expect(servicePortChainName('KUBE-SVC-', NGINX, 'tcp')).toBe('KUBE-SVC-2CMXP7HKUVJN7L6M');
    expect(servicePortEndpointChainName(NGINX, 'tcp', '10.42.0.204:80')).toBe('KUBE-SEP-T3JGICIP4GFFPRGP');
    expect(saved).toMatch(/^\[3:156\] -A KUBE-SEP-T3JGICIP4GFFPRGP -p tcp .*--to-destination 10\.42\.0\.204:80$/m);
    expect(saved).toMatch(/^\[3:156\] -A KUBE-SVC-2CMXP7HKUVJN7L6M .*--probability 0\.33333333349 -j KUBE-SEP-T3JGICIP4GFFPRGP$/m);
    expect(saved.match(/^\[3:156\] -A /gm)?.length).toBe(1 + 1 + 3 * 3);
  });

  it('captures the nftables ruleset, text and JSON, with counters (including a real packet)', () => {
    const text = bundle.text('nodes/nuc0/nft-ruleset.txt');
    expect(text).toContain('chain KUBE-SVC-2CMXP7HKUVJN7L6M {');
    expect(text).toMatch(/counter packets 3 bytes 156 dnat to 10\.42\.0\.204:80/);
    // Preset to 7 packets / 588 bytes, plus the one real SYN (60 bytes) that went through.
    expect(text).toMatch(/ip saddr 10\.42\.0\.0\/24 ip daddr 10\.42\.1\.0\/24 counter packets 8 bytes 648 accept/);
    expect(text).toMatch(/ip daddr 10\.42\.1\.7 tcp dport 8080 counter packets 1 bytes 60\n/);
    const json = bundle.json<{ nftables: Array<Record<string, { chain?: string; expr?: unknown[] }>> }>(
      'nodes/nuc0/nft-ruleset.json',
    );
    const sepRules = json.nftables.filter((o) => o.rule?.chain === 'KUBE-SEP-T3JGICIP4GFFPRGP');
    expect(sepRules).toHaveLength(2);
    expect(JSON.stringify(sepRules)).toContain('"counter":{"packets":3,"bytes":156}');
  });

  it('writes sysctl.txt in sysctl format, per interface too', () => {
    const lines = bundle.text('nodes/nuc0/sysctl.txt').trim().split('\n');
    for (const l of lines) expect(l).toMatch(/^[a-z0-9_./-]+ = .*$/);
    expect(lines).toContain('net.ipv4.ip_forward = 1');
    expect(lines.some((l) => l.startsWith('net.ipv4.conf.flannel/1.rp_filter = '))).toBe(true);
    expect(lines.some((l) => l.startsWith(`net.ipv4.conf.${nuc0.pods[0].hostVeth}.forwarding = `))).toBe(true);
  });

  it('still produces a bundle when nft, iptables, crictl and kubectl are missing', async () => {
    const bin = join(out, 'bin');
    mkdirSync(bin);
    const missing = /^(nft|iptables.*|ip6tables.*|crictl|kubectl|ipvsadm)$/;
    for (const dir of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
      if (!existsSync(dir) || statSync(dir).isSymbolicLink()) continue;
      for (const name of readdirSync(dir)) {
        if (missing.test(name) || existsSync(join(bin, name))) continue;
        symlinkSync(join(dir, name), join(bin, name));
      }
    }
    const file = join(out, 'missing.tar.gz');
    await lab.runOnNode(nuc0, 'dash', [SCRIPT, '-o', file, '--node', 'nuc0'], { env: { ...process.env, PATH: bin } });
    const b = await readBundle(file);
    for (const [p, tool] of [
      ['nft-ruleset.txt', 'nft'],
      ['nft-ruleset.json', 'nft'],
      ['iptables-save.txt', 'iptables-save'],
      ['ip6tables-save.txt', 'ip6tables-save'],
      ['crictl-pods.json', 'crictl'],
    ]) {
      expect(b.entry(`nodes/nuc0/${p}`), p).toMatchObject({ exitCode: 127, stderr: `${tool}: command not found` });
      expect(b.files.has(`nodes/nuc0/${p}`)).toBe(false);
    }
    expect(b.json<IpLink[]>('nodes/nuc0/ip-link.json').some((l) => l.ifname === 'flannel.1')).toBe(true);
    expect(b.entry('nodes/nuc0/sysctl.txt')?.exitCode).toBe(0);
  });

  it.skipIf(!existsSync('/bin/busybox') && !existsSync('/usr/bin/busybox'))('captures the same files under busybox ash as under dash', async () => {
    const file = join(out, 'busybox.tar.gz');
    const r = await lab.runOnNode(nuc0, 'busybox', ['ash', SCRIPT, '-o', file, '--node', 'nuc0']);
    expect(r.stdout.trim()).toBe(file);
    const b = await readBundle(file);
    expect([...b.files.keys()].sort()).toEqual([...bundle.files.keys()].sort());
    expect(b.manifest.files.map((f) => [f.path, f.exitCode])).toEqual(bundle.manifest.files.map((f) => [f.path, f.exitCode]));
    const rules = (text: string) => text.split('\n').filter((l) => / -A /.test(l)).map((l) => l.replace(/^\[\d+:\d+\] /, ''));
    expect(rules(b.text('nodes/nuc0/iptables-save.txt'))).toEqual(rules(bundle.text('nodes/nuc0/iptables-save.txt')));
  });

  it('redacts consistently and subnet-preservingly, keeping the map out of the bundle', async () => {
    const files = [join(out, 'r1.tar.gz'), join(out, 'r2.tar.gz')];
    for (const f of files) {
      await lab.runOnNode(nuc0, 'dash', [SCRIPT, '-o', f, '--node', 'nuc0', '--redact-key', 'lab-key']);
    }
    const [r1, r2] = await Promise.all(files.map(readBundle));
    const map1 = readFileSync(`${files[0]}.redact-map`, 'utf8');
    expect(readFileSync(`${files[1]}.redact-map`, 'utf8')).toBe(map1);
    const fake = (kind: string, real: string) => new RegExp(`^${kind} ${real.replace(/\./g, '\\.')} (\\S+)$`, 'm').exec(map1)?.[1];
    const node = fake('name', 'nuc0');
    expect(node).toMatch(/^redacted-[0-9a-f]{8}$/);
    expect(r1.manifest.nodes).toEqual([node]);
    for (const [path, content] of r1.files) {
      expect(path.includes('nuc0'), path).toBe(false);
      for (const secret of ['10.42.0.204', '192.168.28.10', '192.168.28.11', nuc0.pods[0].podMac]) {
        expect(content.includes(secret), `${secret} in ${path}: ${content}`).toBe(false);
      }
      if (path.endsWith('.json')) expect(() => JSON.parse(content), path).not.toThrow();
    }
    expect([...r1.files.keys()].some((k) => k.includes('.redact-map'))).toBe(false);
    // Same key, same output: the same paths, and the same content where the kernel state did not
    // move between the runs (counters, bridge timers, IPv6 address flags and routes, neighbours).
    expect([...r2.files.keys()].sort()).toEqual([...r1.files.keys()].sort());
    const strip = (s: string) => s.replace(/\[\d+:\d+\]|^# .*$/gm, '');
    for (const [path, content] of r1.files) {
      if (/iptables-save\.txt$|netns\.txt$|sysctl\.txt$/.test(path)) {
        expect(strip(r2.files.get(path) ?? ''), path).toBe(strip(content));
      }
    }

    const nd = `nodes/${node}`;
    const podIp = fake('ip', '10.42.0.204');
    const remoteGw = fake('ip', '10.42.1.0');
    expect(podIp).toBeDefined();
    expect(remoteGw).toBeDefined();
    // Subnet-preserving: the fake /24 of cni0's route, still written as a network, holds the
    // pod's fake address; the flannel route to nuc1 leads to the network of its fake gateway.
    const net24 = (ip: string | undefined) => `${ip?.split('.').slice(0, 3).join('.')}.0/24`;
    const routes = r1.json<IpRoute[]>(`${nd}/ip-route.json`);
    expect(routes).toContainEqual(expect.objectContaining({ dst: net24(podIp), dev: 'cni0', protocol: 'kernel' }));
    expect(routes).toContainEqual(expect.objectContaining({ dst: net24(remoteGw), gateway: remoteGw, dev: 'flannel.1' }));
    // Consistent across files: the DNAT target, the pod's own address and the veth ↔ netns ties.
    expect(r1.text(`${nd}/iptables-save.txt`)).toContain(`--to-destination ${podIp}:80`);
    expect(r1.text(`${nd}/nft-ruleset.txt`)).toContain(`dnat to ${podIp}:80`);
    const pod = nuc0.pods[0];
    const addrs = r1.json<IpAddr[]>(`${nd}/netns/${pod.cniName}/ip-addr.json`);
    expect(addrs.find((a) => a.ifname === 'eth0')?.addr_info[0].local).toBe(podIp);
    const veth = r1.json<IpLink[]>(`${nd}/ip-link.json`).find((l) => l.ifname === pod.hostVeth);
    expect(veth?.link_index).toBe(2);
  });
});
