import { cpSync, mkdtempSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportProgress } from '../../../db/api-types';
import { LibraryService, NotFoundError } from '../../../db/library-service';

const ARTICLE = join(__dirname, '../../fixtures/bundles/article');

describe('LibraryService on the article bundle', () => {
  let dir: string;
  let service: LibraryService;
  let id: number;
  const progress: ImportProgress[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'knp-lib-'));
    service = new LibraryService(join(dir, 'library.sqlite'), { onImportProgress: (p) => progress.push(p) });
    id = (await service.importBundle({ path: ARTICLE })).snapshotId;
  });

  afterAll(() => {
    service.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports with progress from the host callback, ending in done', async () => {
    expect(progress.map((p) => p.phase)).toContain('write');
    expect(progress.at(-1)?.phase).toBe('done');
    const list = await service.listSnapshots();
    expect(list.map((s) => [s.id, s.name])).toEqual([[id, 'article']]);
    expect((await service.importBundle({ path: ARTICLE })).duplicate).toBe(true);
  });

  it('gives an overview with captured and uncaptured nodes, counts and findings', async () => {
    const o = await service.getOverview({ snapshotId: id });
    expect(o.snapshot.id).toBe(id);
    expect(o.nodes.map((n) => [n.name, n.captured])).toEqual([
      ['roger-nuc0', true],
      ['roger-nuc1', true],
      ['roger-nuc2', false],
      ['roger-nuc3', false],
    ]);
    const nuc0 = o.nodes[0];
    expect(nuc0.netns).toBe(3);
    expect(nuc0.rules).toBeGreaterThan(100);
    expect(o.counts).toMatchObject({ services: 5, pods: 11, veths: 5 });
    expect(o.counts.rules).toBe(o.nodes.reduce((n, node) => n + node.rules, 0));
    const codes = o.findings.map((f) => `${f.code} ${f.subject}`);
    expect(codes).toContain('node-not-captured roger-nuc2');
    expect(codes).toContain('hostnetwork-pod metallb-system/speaker-5ktq2');
    expect(o.diagnostics.some((d) => d.code === 'unknown-statement')).toBe(true);
  });

  it('traces a Service and a flow', async () => {
    const trace = await service.traceService({ snapshotId: id, namespace: 'default', name: 'nginx', port: '80' });
    expect(trace.trees.length).toBeGreaterThan(0);
    expect(trace.trees.map((t) => t.entry.kind)).toContain('load-balancer');
    const tree = await service.traceFlow({ snapshotId: id, flow: { to: '10.43.80.28', port: 80, from: '10.42.0.3' } });
    expect(tree.leafCount).toBeGreaterThan(0);
    await expect(service.traceService({ snapshotId: id, namespace: 'default', name: 'nope' })).rejects.toThrow(/not in the snapshot/);
  });

  it('serves rulesets and networks per node; an uncaptured node has none, an unknown node is an error', async () => {
    expect((await service.getRuleset({ snapshotId: id, node: 'roger-nuc0' }))?.tables.length).toBeGreaterThan(0);
    expect(await service.getRuleset({ snapshotId: id, node: 'roger-nuc2' })).toBeNull();
    await expect(service.getRuleset({ snapshotId: id, node: 'nope' })).rejects.toBeInstanceOf(NotFoundError);
    const net = await service.getNetwork({ snapshotId: id, node: 'roger-nuc0' });
    expect(net[0].netns).toBeNull();
    expect(net.map((n) => n.netns)).toContain('cni-357001b9-24ca-5619-df3a-4dfe972bb930');
    expect(await service.getNetwork({ snapshotId: id, node: 'roger-nuc3' })).toEqual([]);
  });

  it('searches IPs, chains, rule fragments, interfaces and netns', async () => {
    const search = (text: string) => service.search({ snapshotId: id, text });
    const byIp = await search('10.42.0.204');
    expect(byIp[0]).toMatchObject({ kind: 'pod', label: 'default/nginx-7c5ddbdf54-tz9qm', target: { view: 'pod', key: 'default/nginx-7c5ddbdf54-tz9qm' } });
    expect(byIp.some((h) => h.kind === 'endpoint' && h.target.key === 'default/nginx')).toBe(true);
    const chain = await search('KUBE-SVC-2CMXP7HKUVJN7L6M');
    expect(chain[0]).toMatchObject({ kind: 'chain', node: 'roger-nuc0', target: { view: 'rules', key: 'roger-nuc0:ip:nat:KUBE-SVC-2CMXP7HKUVJN7L6M' } });
    expect(chain[0].detail).toContain('default/nginx');
    const rule = await search('dnat to 10.42.0.204');
    expect(rule.map((h) => h.kind)).toEqual(['rule', 'rule']);
    expect(rule[0].source?.file).toBe('nodes/roger-nuc0/nft-ruleset.txt');
    expect((await search('flannel.1')).filter((h) => h.kind === 'interface').map((h) => h.target.key)).toEqual(['roger-nuc0::flannel.1', 'roger-nuc1::flannel.1']);
    expect((await search('cni-357001b9'))[0]).toMatchObject({ kind: 'netns', detail: expect.stringContaining('default/nginx-7c5ddbdf54-tz9qm') });
    const inCidr = await search('10.42.2.5');
    expect(inCidr[0]).toMatchObject({ kind: 'node', label: 'roger-nuc2' });
    expect(inCidr.some((h) => h.kind === 'route' && h.label.startsWith('10.42.2.0/24 via 10.42.2.0 dev flannel.1'))).toBe(true);
    expect(await search('   ')).toEqual([]);
    expect((await search('counter')).length).toBeLessThanOrEqual(200);
    expect((await search('counter')).filter((h) => h.kind === 'rule').length).toBe(50);
  });

  it('reads files, excerpts and lists services', async () => {
    const files = await service.listFiles({ snapshotId: id });
    expect(files.map((f) => f.path)).toContain('nodes/roger-nuc0/nft-ruleset.txt');
    const excerpt = await service.fileExcerpt({ snapshotId: id, path: 'nodes/roger-nuc0/nft-ruleset.txt', line: 10 });
    expect(excerpt?.firstLine).toBe(5);
    const services = await service.listServices({ snapshotId: id });
    expect(services.find((s) => s.name === 'nginx')?.readyEndpoints).toBe(3);
  });

  it('runs console queries on the read-only connection only', async () => {
    expect((await service.runQuery({ sql: 'SELECT name FROM snapshots' })).rows).toEqual([['article']]);
    await expect(service.runQuery({ sql: 'DELETE FROM snapshots' })).rejects.toThrow(/read-only console|readonly/);
    await expect(service.runQuery({ sql: "SELECT 1; UPDATE snapshots SET name = 'x'" })).rejects.toThrow();
    expect((await service.listSnapshots())[0].name).toBe('article');
  });

  it('refuses unknown snapshots with a not-found error', async () => {
    await expect(service.getOverview({ snapshotId: 999 })).rejects.toMatchObject({ name: 'NotFoundError', code: 'not-found' });
    await expect(service.listVeths({ snapshotId: 999 })).rejects.toBeInstanceOf(NotFoundError);
    await expect(service.listFiles({ snapshotId: 999 })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('LibraryService cache', () => {
  let dir: string;
  let service: LibraryService;

  /** A copy of the article bundle with different content, so it imports as a new snapshot. */
  function variant(n: number): string {
    const path = join(dir, `article-${n}`);
    cpSync(ARTICLE, path, { recursive: true });
    appendFileSync(join(path, 'nodes/roger-nuc0/sysctl.txt'), `# variant ${n}\n`);
    return path;
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'knp-lru-'));
    service = new LibraryService(join(dir, 'library.sqlite'));
  });

  afterAll(() => {
    service.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the two most recently used snapshots loaded', async () => {
    const ids: number[] = [];
    for (const n of [1, 2, 3]) ids.push((await service.importBundle({ path: variant(n) })).snapshotId);
    const first = await service.listVeths({ snapshotId: ids[0] });
    expect(await service.listVeths({ snapshotId: ids[0] })).toBe(first);
    const second = await service.listVeths({ snapshotId: ids[1] });
    expect(await service.listVeths({ snapshotId: ids[0] })).toBe(first);
    await service.listVeths({ snapshotId: ids[2] });
    expect(await service.listVeths({ snapshotId: ids[0] })).toBe(first);
    expect(await service.listVeths({ snapshotId: ids[1] })).not.toBe(second);
  });

  it('drops a deleted snapshot, even when its id is reused by the next import', async () => {
    const last = (await service.listSnapshots()).at(-1)!.id;
    const before = await service.listVeths({ snapshotId: last });
    expect(await service.deleteSnapshot({ snapshotId: last })).toBe(true);
    await expect(service.listVeths({ snapshotId: last })).rejects.toBeInstanceOf(NotFoundError);
    expect(await service.deleteSnapshot({ snapshotId: last })).toBe(false);
    const again = (await service.importBundle({ path: variant(4) })).snapshotId;
    expect(again).toBe(last);
    expect(await service.listVeths({ snapshotId: again })).not.toBe(before);
  });
});
