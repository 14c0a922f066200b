// The collectors' shell: syntax under every shell we claim, the redaction and credential filters
// (POSIX awk, driven through collect-node.sh's functions), and collect-cluster.sh against a fake
// kubectl that returns canned JSON.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBundle } from '../../lab/lib/bundle.js';
import { run } from '../../lab/lib/run.js';

const NODE = resolve('collectors/collect-node.sh');
const CLUSTER = resolve('collectors/collect-cluster.sh');
const hasBusybox = spawnSync('busybox', ['sh', '-c', 'true']).status === 0;
if (!hasBusybox) console.warn('busybox ash checks skipped: busybox is not installed (Debian package: busybox)');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'knp-collectors-unit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('collector scripts parse', () => {
  for (const shell of ['sh', 'dash', 'bash']) {
    it.each([NODE, CLUSTER])(`${shell} -n %s`, async (script) => {
      await run(shell, ['-n', script]);
    });
  }
  it.skipIf(!hasBusybox).each([NODE, CLUSTER])('busybox ash -n %s', async (script) => {
    await run('busybox', ['ash', '-n', script]);
  });
});

/** Runs a function of collect-node.sh (sourced with KNP_LIB=1) under dash. */
function lib(script: string, ...args: string[]) {
  return run('dash', ['-c', `KNP_LIB=1; . "${NODE}"; KNP_TMP=$(mktemp -d); trap 'rm -rf "$KNP_TMP"' EXIT; ${script}`, 'sh', ...args]);
}

function redact(name: string, files: Record<string, string>, key: string, names: string[] = []) {
  const root = join(dir, name);
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), c);
  }
  const map = join(dir, `${name}.map`);
  return lib('knp_redact_tree "$@"', root, key, map, ...names).then(() => ({
    read: (p: string) => readFileSync(join(root, p), 'utf8'),
    map: readFileSync(map, 'utf8'),
  }));
}

function v4bits(ip: string): string {
  return ip
    .split('.')
    .map((o) => Number(o).toString(2).padStart(8, '0'))
    .join('');
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
}

describe('redaction (awk)', () => {
  it('maps IPv4 consistently, injectively and prefix-preservingly, network addresses to network addresses', async () => {
    const ips: string[] = [];
    for (let i = 0; i < 200; i++) {
      ips.push(`10.${42 + (i % 3)}.${i % 7}.${(i * 37) % 256}`, `192.168.${i % 5}.${i}`, `172.16.${i}.0`);
    }
    const r = await redact('v4', { 'ips.txt': ips.join('\n') + '\n' }, 'k1');
    const out = r.read('ips.txt').trim().split('\n');
    expect(out).toHaveLength(ips.length);
    const seen = new Map<string, string>();
    ips.forEach((ip, i) => {
      if (seen.has(ip)) expect(out[i]).toBe(seen.get(ip));
      seen.set(ip, out[i]);
      expect(out[i]).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(out[i].split('.')[0]).toBe(ip.split('.')[0]);
    });
    expect(new Set(seen.values()).size).toBe(seen.size);
    const uniq = [...seen.entries()];
    for (let i = 0; i < uniq.length; i += 7) {
      for (let j = i + 1; j < uniq.length; j += 5) {
        const [a, fa] = uniq[i];
        const [b, fb] = uniq[j];
        expect(commonPrefix(v4bits(fa), v4bits(fb)), `${a} ${b}`).toBe(commonPrefix(v4bits(a), v4bits(b)));
      }
    }
  });

  it('keeps networks written ADDR/LEN canonical, and they hold the images of their addresses', async () => {
    const r = await redact('nets', { 'n.txt': '10.42.0.0/24 10.42.0.204 10.42.0.1/24 10.42.0.0/16 fd00:42::/64 fd00:42::7\n' }, 'k3');
    const [net24, pod, ifaddr, net16, net6, pod6] = r.read('n.txt').trim().split(' ');
    const bits = (ip: string) => v4bits(ip.split('/')[0]);
    expect(bits(net24).slice(24)).toBe('00000000');
    expect(bits(net24).slice(0, 24)).toBe(v4bits(pod).slice(0, 24));
    expect(bits(net16).slice(16)).toBe('0'.repeat(16));
    expect(bits(net16).slice(0, 16)).toBe(v4bits(pod).slice(0, 16));
    // An interface address with its prefix length is an address, not a network: not masked.
    expect(ifaddr).toBe(`${/^ip 10\.42\.0\.1 (\S+)$/m.exec(r.map)?.[1]}/24`);
    expect(net6).toMatch(/^fd00:[0-9a-f:]+::\/64$/);
    expect(pod6.startsWith(net6.replace(/::\/64$/, ':'))).toBe(true);
  });

  it('keeps what must not change, and rewrites IPv6, MACs and names in text and JSON alike', async () => {
    const text = [
      'inet 10.42.0.1/24 brd 10.42.0.255 scope global cni0',
      '10.42.1.0/24 via 10.42.1.0 dev flannel.1 onlink',
      '-A KUBE-SEP-T3JGICIP4GFFPRGP -p tcp -m tcp -j DNAT --to-destination 10.42.0.204:80',
      'link/ether f6:00:09:05:bd:fa brd ff:ff:ff:ff:ff:ff link-netns cni-357001b9-24ca-5619-df3a-4dfe972bb930',
      'designated_root 8000.f6:0:9:5:bd:fa',
      'inet6 2001:db8:1::5/64 ::ffff:10.42.0.204 ::1 ff02::1 fe80::f400:9ff:fe05:bdfa',
      'kept: 127.0.0.1 0.0.0.0/0 224.0.0.251 255.255.255.0 v1.8.9 6.1.0-18-amd64 0.33333333349 1.2.3.4.5 12:34:56',
      'host roger-nuc1 roger-nuc1.lan x-roger-nuc1',
    ].join('\n');
    const json = JSON.stringify([{ ifname: 'cni0', address: 'f6:00:09:05:bd:fa', addr_info: [{ local: '10.42.0.1', prefixlen: 24 }], node: 'roger-nuc1' }]);
    const r = await redact('mixed', { 'a.txt': `${text}\n`, 'b.json': json }, 'k2', ['roger-nuc1']);
    const a = r.read('a.txt');
    const b = JSON.parse(r.read('b.json')) as Array<{ address: string; addr_info: Array<{ local: string }>; node: string }>;
    const fake = (real: string) => new RegExp(`^(?:ip|mac|name) ${real.replace(/\./g, '\\.')} (\\S+)$`, 'm').exec(r.map)?.[1];
    for (const real of ['10.42.0.1', '10.42.0.204', 'f6:00:09:05:bd:fa', '2001:db8:1::5', 'roger-nuc1']) {
      expect(fake(real), real).toBeDefined();
      expect(a.includes(real) || r.read('b.json').includes(real), real).toBe(false);
    }
    expect(b[0].address).toBe(fake('f6:00:09:05:bd:fa'));
    expect(b[0].addr_info[0].local).toBe(fake('10.42.0.1'));
    expect(b[0].node).toBe(fake('roger-nuc1'));
    expect(a).toContain(`--to-destination ${fake('10.42.0.204')}:80`);
    expect(a).toContain(`::ffff:${fake('10.42.0.204')} `);
    expect(a).toContain(`host ${fake('roger-nuc1')} ${fake('roger-nuc1')}.lan x-${fake('roger-nuc1')}`);
    // The bridge id's unpadded MAC is the same MAC, redacted the same way.
    expect(a).toContain(`designated_root 8000.${fake('f6:00:09:05:bd:fa')?.split(':').map((g) => g.replace(/^0/, '')).join(':')}`);
    const gw = fake('10.42.1.0');
    expect(a).toContain(`${gw?.replace(/\.\d+$/, '.0')}/24 via ${gw} dev flannel.1 onlink`);
    expect(fake('2001:db8:1::5')).toMatch(/^2001:[0-9a-f:]+$/);
    expect(a).toContain('::1 ff02::1 fe80:');
    expect(a).toContain('kept: 127.0.0.1 0.0.0.0/0 224.0.0.251 255.255.255.0 v1.8.9 6.1.0-18-amd64 0.33333333349 1.2.3.4.5 12:34:56');
    expect(a).toContain('brd ff:ff:ff:ff:ff:ff');
    expect(r.map).toMatch(/^key k2$/m);
  });

  it('gives the same mapping for the same key, another for another key', async () => {
    const files = { 'x.txt': '10.42.0.204 192.168.28.61 f6:00:09:05:bd:fa\n' };
    const [a, b, c] = await Promise.all([redact('k-a', files, 'same'), redact('k-b', files, 'same'), redact('k-c', files, 'other')]);
    expect(a.read('x.txt')).toBe(b.read('x.txt'));
    expect(c.read('x.txt')).not.toBe(a.read('x.txt'));
  });
});

describe('credential redaction (awk)', () => {
  const pod = {
    metadata: {
      name: 'api',
      annotations: {
        'example.com/api-token': 'tok-123',
        'kubectl.kubernetes.io/last-applied-configuration': '{"env":[{"name":"DB_PASSWORD","value":"hunter2"}]}',
        'prometheus.io/port': '9090',
      },
    },
    spec: {
      containers: [
        {
          name: 'api',
          env: [
            { name: 'DB_PASSWORD', value: 'hunter2' },
            { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
          ],
          args: ['--jwt=x', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig'],
        },
      ],
    },
  };
  it.each([
    ['pretty', JSON.stringify({ items: [pod] }, null, 4)],
    ['compact', JSON.stringify({ items: [pod] })],
  ])('redacts env values, credential annotations and tokens in %s JSON', async (name, json) => {
    const f = join(dir, `pods-${name}.json`);
    writeFileSync(f, json);
    await lib('knp_redact_credentials "$1"', f);
    const text = readFileSync(f, 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('tok-123');
    expect(text).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    const out = JSON.parse(text) as { items: Array<typeof pod> };
    const c = out.items[0].spec.containers[0];
    expect(c.env[0]).toEqual({ name: 'DB_PASSWORD', value: 'REDACTED' });
    expect(c.env[1]).toEqual(pod.spec.containers[0].env[1]);
    expect(out.items[0].metadata.annotations['prometheus.io/port']).toBe('9090');
    expect(out.items[0].metadata.annotations['example.com/api-token']).toBe('REDACTED');
    expect(c.args[0]).toBe('--jwt=x');
  });
});

describe('collect-cluster.sh with a fake kubectl', () => {
  const pods = {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      {
        metadata: { name: 'nginx-1', namespace: 'default', annotations: { 'vault.example.com/secret-token': 's3cr3t-annotation' } },
        spec: { nodeName: 'roger-nuc0', containers: [{ name: 'nginx', env: [{ name: 'API_KEY', value: 'env-s3cr3t' }] }] },
        status: { podIP: '10.42.0.204', hostIP: '192.168.28.10' },
      },
    ],
  };
  const nodes = { apiVersion: 'v1', kind: 'List', items: [{ metadata: { name: 'roger-nuc0' } }, { metadata: { name: 'roger-nuc1' } }] };

  let bin: string;
  let log: string;
  beforeAll(() => {
    bin = join(dir, 'fakebin');
    mkdirSync(bin);
    log = join(dir, 'kubectl.log');
    const canned = join(dir, 'canned');
    mkdirSync(canned);
    writeFileSync(join(canned, 'pods.json'), JSON.stringify(pods, null, 4));
    writeFileSync(join(canned, 'nodes.json'), JSON.stringify(nodes, null, 4));
    writeFileSync(join(canned, 'empty.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [] }, null, 4));
    // `kubectl debug node/N … -- chroot /host CMD…` runs CMD here (stdin: the node collector),
    // after printing what kubectl prints; everything else answers from canned files.
    writeFileSync(
      join(bin, 'kubectl'),
      `#!/bin/sh
echo "$*" >>"${log}"
case "$*" in
  "get pods -A -o json") cat "${canned}/pods.json" ;;
  "get nodes -o json") cat "${canned}/nodes.json" ;;
  "get nodes -o jsonpath={.items[*].metadata.name}") printf 'roger-nuc0 roger-nuc1' ;;
  "get "*" -o json") cat "${canned}/empty.json" ;;
  *"debug node/"*)
    node=\${1#node/}; while [ "$1" != -- ]; do case $1 in node/*) node=\${1#node/} ;; esac; shift; done; shift
    echo "Creating debugging pod node-debugger-$node-abcde with container debugger on node $node."
    shift 2
    exec "$@" ;;
  *"delete pod"*) ;;
  *) echo "fake kubectl: unexpected: $*" >&2; exit 1 ;;
esac
`,
    );
    chmodSync(join(bin, 'kubectl'), 0o755);
  });

  it('writes the cluster files, redacts env values and credential annotations, never asks for Secrets', async () => {
    const out = join(dir, 'cluster.tar.gz');
    const r = await run('dash', [CLUSTER, '-o', out], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    expect(r.stdout.trim()).toBe(out);
    const b = await readBundle(out);
    expect(b.manifest.collector).toEqual({ name: 'collect-cluster.sh', version: '1' });
    expect(b.manifest.nodes).toEqual([]);
    for (const f of ['services', 'endpointslices', 'endpoints', 'pods', 'nodes', 'events']) {
      expect(b.entry(`cluster/${f}.json`)?.exitCode, f).toBe(0);
      expect(() => b.json(`cluster/${f}.json`)).not.toThrow();
    }
    expect(b.entry('cluster/endpointslices.json')?.command).toBe('kubectl get endpointslices.discovery.k8s.io -A -o json');
    const p = b.json<typeof pods>('cluster/pods.json').items[0];
    expect(p.spec.containers[0].env[0]).toEqual({ name: 'API_KEY', value: 'REDACTED' });
    expect(p.metadata.annotations['vault.example.com/secret-token']).toBe('REDACTED');
    expect(p.status.podIP).toBe('10.42.0.204');
    const calls = readFileSync(log, 'utf8');
    expect(calls).not.toMatch(/secret/i);
    expect(calls).not.toContain('debug');
  });

  it('runs the node collector through kubectl debug on --nodes and merges one multi-node bundle, redacted', async () => {
    writeFileSync(log, '');
    const out = join(dir, 'multi.tar.gz');
    await run('dash', [CLUSTER, '-o', out, '--nodes', 'all', '--redact-key', 'k'], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      timeoutMs: 60_000,
    });
    const map = readFileSync(`${out}.redact-map`, 'utf8');
    const fake = (n: string) => new RegExp(`^name ${n} (\\S+)$`, 'm').exec(map)?.[1];
    const [n0, n1] = [fake('roger-nuc0'), fake('roger-nuc1')];
    const b = await readBundle(out);
    expect(b.manifest.nodes).toEqual([n0, n1]);
    for (const n of [n0, n1]) {
      expect(b.entry(`nodes/${n}`)?.exitCode).toBe(0);
      expect(b.entry(`nodes/${n}/ip-link.json`)?.exitCode).toBe(0);
      expect(() => b.json(`nodes/${n}/ip-link.json`)).not.toThrow();
    }
    const p = b.json<typeof pods>('cluster/pods.json').items[0];
    expect(p.spec.nodeName).toBe(n0);
    expect(p.status.podIP).toBe(/^ip 10\.42\.0\.204 (\S+)$/m.exec(map)?.[1]);
    expect([...b.files.keys()].some((k) => k.includes('roger'))).toBe(false);
    const calls = readFileSync(log, 'utf8');
    expect(calls).toMatch(/debug node\/roger-nuc0 -i --image=busybox:1\.36 --profile=sysadmin -- chroot \/host sh -c/);
    expect(calls).toContain('delete pod node-debugger-roger-nuc1-abcde --wait=false');
    expect(calls).not.toMatch(/secret/i);
  });
});
