import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportProgress } from '../../../db/api-types';
import { DbCallError, startDbWorker, type DbClient } from '../../../db/worker-client';

const ROOT = join(__dirname, '../../..');
const ARTICLE = join(ROOT, 'test/fixtures/bundles/article');

/** The real worker, bundled the way the app build does (dependencies stay external, resolved from the repo). */
async function buildWorker(): Promise<string> {
  const outDir = join(ROOT, 'out/test');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `db-worker-${process.pid}.mjs`);
  await build({ entryPoints: [join(ROOT, 'db/worker.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile, logLevel: 'warning' });
  return outfile;
}

describe('db worker', () => {
  let dir: string;
  let workerPath: string;
  let client: DbClient;
  const progress: ImportProgress[] = [];
  const logged: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'knp-worker-'));
    workerPath = await buildWorker();
    client = await startDbWorker({ workerPath, dbPath: join(dir, 'library.sqlite'), onImportProgress: (p) => progress.push(p), log: (l) => logged.push(l) });
  });

  afterAll(async () => {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(workerPath, { force: true });
  });

  it('answers KnpApi calls from the worker thread, with progress events forwarded', async () => {
    const result = await client.importBundle({ path: ARTICLE });
    expect(result).toMatchObject({ name: 'article', duplicate: false });
    expect(progress.at(-1)?.phase).toBe('done');
    expect((await client.listSnapshots({})).map((s) => s.name)).toEqual(['article']);
    const overview = await client.getOverview({ snapshotId: result.snapshotId });
    expect(overview.nodes).toHaveLength(4);
  });

  it('keeps replies apart when calls overlap (seq map)', async () => {
    const [snapshots, query, services] = await Promise.all([
      client.listSnapshots({}),
      client.runQuery({ sql: 'SELECT 42 AS answer' }),
      client.listServices({ snapshotId: 1 }),
    ]);
    expect(snapshots).toHaveLength(1);
    expect(query).toEqual({ columns: ['answer'], rows: [[42]], truncated: false });
    expect(services.map((s) => s.name)).toContain('nginx');
  });

  it('re-throws errors with the method name in front, keeping name and code', async () => {
    const error = await client.getOverview({ snapshotId: 999 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DbCallError);
    expect(error).toMatchObject({ name: 'NotFoundError', code: 'not-found', message: 'getOverview: no snapshot with id 999' });
    await expect(client.importBundle({ path: join(dir, 'missing.tar.gz') })).rejects.toMatchObject({ name: 'ImportError', message: expect.stringMatching(/^importBundle: /) });
  });

  it('logs calls slower than 40 ms', async () => {
    logged.length = 0;
    await client.runQuery({ sql: 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) SELECT count(*) FROM n' });
    expect(logged).toEqual([expect.stringMatching(/^db: runQuery took \d+ ms$/)]);
  });

  it('refuses to start on a file that is not a library, and refuses calls after close', async () => {
    const bad = join(dir, 'not-a-db.sqlite');
    writeFileSync(bad, 'this is not sqlite, just long enough to not look like an empty file '.repeat(10));
    await expect(startDbWorker({ workerPath, dbPath: bad })).rejects.toThrow(/cannot open the library .*not-a-db\.sqlite/);
    const other = await startDbWorker({ workerPath, dbPath: join(dir, 'other.sqlite') });
    await other.close();
    await expect(other.listSnapshots({})).rejects.toThrow(/^listSnapshots: the db worker has exited/);
  });
});
