// The cluster files of a large bundle parse in the import's worker thread: the library gets the
// same rows as from the in-thread parse, and a failure in the worker leaves it unchanged.

import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openWritable, type WritableDB } from '../../../db/connection';
import { importBundle } from '../../../db/import';
import { LibraryService } from '../../../db/library-service';
import { WORKER_MIN_BYTES } from '../../../db/import/cluster-parse';
import { generateClusterBundle, writeBundleFolder } from '../../fixtures/generate-cluster';
import { expectNoDanglingReferences, tableCounts, tableDigests, tempDir } from './helpers';

const ROOT = join(__dirname, '../../..');

/** The real worker, bundled the way the builds do (dependencies external, resolved from the repo). */
async function buildClusterWorker(): Promise<string> {
  const outDir = join(ROOT, 'out/test');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `cluster-worker-${process.pid}.mjs`);
  const entry = join(ROOT, 'db/import/cluster-worker.ts');
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile, logLevel: 'warning' });
  return outfile;
}

describe('import with the cluster worker', () => {
  let shared: ReturnType<typeof tempDir>;
  let workerPath: string;
  let bundle: string;

  beforeAll(async () => {
    shared = tempDir('knp-cluster-worker-');
    workerPath = await buildClusterWorker();
    // 600 Services × 10 endpoints: about 5 MB of kubectl JSON, enough for the worker to be used.
    const files = generateClusterBundle({ services: 600, endpointsPerService: 10, nodes: 2, mode: 'iptables-nft', seed: 11 });
    const clusterBytes = [...files].filter(([path]) => path.startsWith('cluster/')).reduce((n, [, content]) => n + content.length, 0);
    expect(clusterBytes).toBeGreaterThan(WORKER_MIN_BYTES);
    bundle = join(shared.dir, 'bundle');
    await writeBundleFolder(files, bundle);
  });

  afterAll(() => {
    shared.cleanup();
    rmSync(workerPath, { force: true });
  });

  let tmp: ReturnType<typeof tempDir>;
  let db: WritableDB;
  beforeEach(() => {
    tmp = tempDir();
    db = openWritable(join(tmp.dir, 'library.sqlite'));
  });
  afterEach(() => {
    expectNoDanglingReferences(db);
    db.close();
    tmp.cleanup();
  });

  /** A copy of the bundle with one file replaced. */
  const variant = (name: string, path: string, content: string) => {
    const copy = join(tmp.dir, name);
    cpSync(bundle, copy, { recursive: true });
    writeFileSync(join(copy, path), content);
    return copy;
  };

  it('writes exactly the rows the in-thread parse writes', async () => {
    const inThread = openWritable(join(tmp.dir, 'in-thread.sqlite'));
    try {
      const expected = await importBundle(inThread, bundle, { clusterWorker: null });
      const actual = await importBundle(db, bundle, { clusterWorker: workerPath });
      expect(actual).toEqual(expected);
      expect(tableCounts(db).pods).toBe(6000);
      expect(tableDigests(db)).toEqual(tableDigests(inThread));
    } finally {
      inThread.close();
    }
  });

  /** The worker's staging files of this process still on disk. */
  const stagingFiles = () => readdirSync(tmpdir()).filter((name) => name.startsWith(`kube-netpath-cluster-${process.pid}-`));

  it('leaves no staging file behind, whether the import succeeds or fails', async () => {
    await importBundle(db, bundle, { clusterWorker: workerPath });
    expect(stagingFiles()).toEqual([]);
    const broken = variant('broken', 'cluster/pods.json', '{"items": [ {"metadata": ');
    await expect(importBundle(db, broken, { clusterWorker: workerPath })).rejects.toThrow(/malformed JSON/);
    expect(stagingFiles()).toEqual([]);
  });

  it('stops on malformed JSON found in the worker as it does in-thread, and writes nothing', async () => {
    const broken = variant('broken', 'cluster/services.json', '{"items": [ {"metadata": ');
    const before = tableCounts(db);
    const inWorker = await importBundle(db, broken, { clusterWorker: workerPath }).then(() => null, (e: unknown) => e);
    const inThread = await importBundle(db, broken, { clusterWorker: null }).then(() => null, (e: unknown) => e);
    expect(inWorker).toMatchObject({ name: 'ImportError', code: 'bad-manifest', message: expect.stringMatching(/^cluster\/services\.json:1:\d+: malformed JSON/) });
    expect(inWorker).toEqual(inThread);
    expect(tableCounts(db)).toEqual(before);
  });

  it('with keepGoing, adds none of the rows of a cluster file found broken part-way, and the files after it keep their ids and parents', async () => {
    // Legacy Endpoints sort before the EndpointSlices, which write into the same tables: the broken
    // file's first objects are read (and their rows written) before the break is found.
    const endpoints = (name: string, ip: string) => ({ kind: 'Endpoints', metadata: { name, namespace: 'legacy' }, subsets: [{ addresses: [{ ip }], ports: [{ port: 80 }] }] });
    const list = JSON.stringify({ kind: 'List', items: [endpoints('a', '10.9.0.1'), endpoints('b', '10.9.0.2'), endpoints('c', '10.9.0.3')] }, null, 2);
    const broken = variant('broken', 'cluster/endpoints.json', list.replace('"10.9.0.3"', '"10.9.0.3",'));
    const imports = async (path: string, clusterWorker: string | null) => {
      const library = openWritable(join(tmp.dir, `${Math.random().toString(36).slice(2)}.sqlite`));
      try {
        const { diagnostics } = await importBundle(library, path, { keepGoing: true, clusterWorker });
        const digests = tableDigests(library);
        const clusterTables = ['services', 'service_ports', 'endpoint_slices', 'endpoints', 'pods', 'kube_nodes', 'events'];
        return { diagnostics: diagnostics.filter((d) => d.file === 'cluster/endpoints.json'), tables: clusterTables.map((t) => digests[t]) };
      } finally {
        library.close();
      }
    };
    const inWorker = await imports(broken, workerPath);
    expect(inWorker.diagnostics).toEqual([expect.objectContaining({ code: 'malformed-json', severity: 'error' })]);
    expect(inWorker.diagnostics[0].line).toBeGreaterThan(list.split('"10.9.0.2"')[0].split('\n').length);
    expect(await imports(broken, null)).toEqual(inWorker);
    expect(inWorker.tables).toEqual((await imports(bundle, workerPath)).tables);
  });

  it('parses a small bundle in-thread and stops the idle worker, duplicates included', async () => {
    const article = join(ROOT, 'test/fixtures/bundles/article');
    const first = await importBundle(db, article, { clusterWorker: workerPath });
    const again = await importBundle(db, article, { clusterWorker: workerPath });
    expect(first.duplicate).toBe(false);
    expect(again).toMatchObject({ duplicate: true, snapshotId: first.snapshotId });
  });

  it('fails with a clear error when the worker itself fails, and writes nothing', async () => {
    const crashing = join(tmp.dir, 'crashing-worker.mjs');
    writeFileSync(crashing, `throw new Error('out of luck');\n`);
    const before = tableCounts(db);
    await expect(importBundle(db, bundle, { clusterWorker: crashing })).rejects.toThrow(/^the cluster-parsing worker failed: out of luck$/);
    expect(tableCounts(db)).toEqual(before);
    const imported = await importBundle(db, bundle, { clusterWorker: workerPath });
    expect(imported.duplicate).toBe(false);
  });

  it('in the library service, runs imports and deletes asked for at once one after another: an import waits for the worker inside its transaction', async () => {
    const service = new LibraryService(join(tmp.dir, 'service.sqlite'), { clusterWorker: workerPath });
    try {
      const first = await service.importBundle({ path: bundle });
      const results = await Promise.allSettled([
        service.importBundle({ path: variant('second', 'nodes/node-0000/sysctl.txt', 'net.ipv4.ip_forward = 1\n') }),
        service.deleteSnapshot({ snapshotId: first.snapshotId }),
        service.importBundle({ path: variant('third', 'nodes/node-0000/sysctl.txt', 'net.ipv4.ip_forward = 0\n') }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      expect((await service.listSnapshots()).map((s) => s.name).sort()).toEqual(['second', 'third']);
    } finally {
      service.close();
    }
  });
});
