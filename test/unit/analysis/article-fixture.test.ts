// The article bundle (test/fixtures/bundles/article) must stay self-consistent: its JSON parses
// cleanly, and kube-proxy's chain names in each node's ruleset are the hashes of its Services and
// endpoints, each KUBE-SEP chain DNAT-ing to the endpoint its name encodes.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { list } from 'tar';
import { describe, expect, it } from 'vitest';
import { parseCrictlInspectp, parseCrictlPods } from '../../../db/parsers/crictl';
import {
  parseEndpointSlices,
  parseEvents,
  parseNodes,
  parsePods,
  parseServices,
} from '../../../db/parsers/kubectl';
import { buildKubeProxyChainIndex } from '../../../renderer/src/analysis/kubeproxy-names';
import { tarFolder } from '../../fixtures/bundles/make-tarball';

const ROOT = join(__dirname, '../../fixtures/bundles/article');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const files = readdirSync(ROOT, { recursive: true, encoding: 'utf8' }).sort();
const manifest = JSON.parse(read('manifest.json')) as { formatVersion: number; nodes: string[]; files: { path: string }[] };

const services = parseServices(read('cluster/services.json'), { file: 'cluster/services.json' });
const slices = parseEndpointSlices(read('cluster/endpointslices.json'), { file: 'cluster/endpointslices.json' });
const index = buildKubeProxyChainIndex(services.value, slices.value);

describe('article bundle', () => {
  it('parses its cluster and crictl files without issues', () => {
    const results = [
      services,
      slices,
      parsePods(read('cluster/pods.json'), { file: 'cluster/pods.json' }),
      parseNodes(read('cluster/nodes.json'), { file: 'cluster/nodes.json' }),
      parseEvents(read('cluster/events.json'), { file: 'cluster/events.json' }),
      ...files.filter((f) => f.endsWith('crictl-pods.json')).map((f) => parseCrictlPods(read(f), { file: f })),
      ...files.filter((f) => f.includes('crictl-inspectp/')).map((f) => parseCrictlInspectp(read(f), { file: f })),
    ];
    expect(results.flatMap((r) => r.issues)).toEqual([]);
    expect(files.filter((f) => f.includes('crictl-inspectp/'))).toHaveLength(7);
  });

  it('holds only valid JSON, and the manifest lists every captured file', () => {
    for (const f of files.filter((name) => name.endsWith('.json'))) expect(() => JSON.parse(read(f)), f).not.toThrow();
    expect(manifest.formatVersion).toBe(1);
    expect(manifest.nodes).toEqual(['roger-nuc0', 'roger-nuc1']);
    const captured = files.filter((f) => f.startsWith('cluster/') || (f.startsWith('nodes/') && f.includes('.')));
    expect(manifest.files.map((f) => f.path).sort()).toEqual(captured);
  });

  it.each(['roger-nuc0', 'roger-nuc1'])('ties every kube-proxy chain on %s to its Service and endpoint', (node) => {
    const ruleset = read(`nodes/${node}/nft-ruleset.txt`);
    const chains = new Map<string, string>();
    for (const m of ruleset.matchAll(/chain (KUBE-(?:SVC|EXT|SEP)-[A-Z2-7]{16}) \{\n([^}]*)\}/g)) chains.set(m[1], m[2]);
    const jumps = new Set([...ruleset.matchAll(/jump (KUBE-(?:SVC|EXT|SEP)-[A-Z2-7]{16})/g)].map((m) => m[1]));
    // 7 service ports (KUBE-SVC), nginx’s KUBE-EXT, 9 endpoints (KUBE-SEP)
    expect(chains.size).toBe(7 + 1 + 9);
    for (const name of jumps) expect(chains.has(name), name).toBe(true);
    for (const [name, body] of chains) {
      const ref = index.get(name);
      expect(ref, name).toBeDefined();
      expect(ref?.mode).toBe('iptables');
      if (ref?.kind === 'sep') expect(body).toContain(`dnat to ${ref.endpoint}`);
    }
    expect(index.get('KUBE-SEP-T3JGICIP4GFFPRGP')).toMatchObject({ serviceKey: 'default/nginx', endpoint: '10.42.0.204:80' });
    expect(index.get('KUBE-SEP-UPTBB2U3B55FJQPW')).toMatchObject({ endpoint: '10.42.2.228:80' });
    expect(index.get('KUBE-SEP-4NAVMHD34SAGR7OJ')).toMatchObject({ endpoint: '10.42.4.11:80' });
    expect(ruleset).toContain('meta l4proto tcp ip daddr 192.168.28.61  tcp dport 80 counter');
    expect(ruleset).not.toMatch(/meta random|xt match/);
  });

  it('packs into a deterministic tarball', async () => {
    const tarball = await tarFolder(ROOT);
    expect((await tarFolder(ROOT)).equals(tarball)).toBe(true);
    const names: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const parser = list({ onReadEntry: (entry) => void names.push(entry.path) });
      parser.on('end', resolve).on('error', reject);
      Readable.from(tarball).pipe(parser as unknown as NodeJS.WritableStream);
    });
    expect(names).toEqual(files.filter((f) => f.includes('.')));
  });
});
