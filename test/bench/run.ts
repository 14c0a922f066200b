// `npm run bench`: a 5,000-Service × 10-endpoint cluster, timed end to end, every figure printed
// next to a baseline measured in the same run on the same input.
//
//   esbuild test/bench/run.ts db/import/cluster-worker.ts --bundle --platform=node --format=esm \
//     --packages=external --outdir=out/bench --entry-names=[name] \
//     && node --expose-gc out/bench/run.js [--services N] [--endpoints M] [--runs R]
//
// The cluster-parsing worker is built next to run.js, where the importer looks for it.
//
// Imports run in a child process each (fresh temp library, peak memory = the child's maxRSS).
// Imports, loads, traces and diffs are timed in a worker thread with the heap the app's library
// worker has (db/thread-heap.ts), as the app runs them.
// `nft -c -f` (nftables' own parser checking the same ruleset text) runs inside a throwaway
// network namespace and needs root; without root that baseline is skipped and says so. Before
// each child, this process collects its own garbage: the generator leaves hundreds of MB, and
// its collector would otherwise share the two CPUs with the child (nft -c -f took 5.5 s instead
// of 4.6 s).

import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { openReadonly, openWritable, type ReadableDB } from '../../db/connection';
import { importBundle } from '../../db/import';
import { ANALYSIS_THREAD_LIMITS } from '../../db/thread-heap';
import { loadSnapshot } from '../../db/queries/snapshot-data';
import { listServices } from '../../db/queries/services';
import { forEachServiceTrace } from '../../renderer/src/analysis/trace/index';
import { diffSnapshots } from '../../renderer/src/analysis/diff/index';
import { generateCluster, renderBundle, writeBundleFolder, type ClusterOptions } from '../fixtures/generate-cluster';
import { servicesFirstRowsMs } from './ui-first-rows';

const SELF = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------------------------------------
// where the timings are taken: in a worker thread started as the app starts its library worker,
// with the same heap (db/thread-heap.ts). Imports, traces and diffs run there in the app; timed
// on a main thread, they would have V8's default heap instead.

type ThreadTask =
  | { kind: 'import'; bundle: string; dbPath: string }
  | { kind: 'analysis'; libPath: string; before: number; after: number; runs: number };

interface ThreadImport {
  ms: number;
  snapshotId: number;
  diagnostics: number;
}

interface ThreadAnalysis {
  load: number;
  trace: { ms: number; trees: number };
  diff: { ms: number; retraced: string };
  listServices: number;
}

/** Runs `task` in a worker thread of this file, with the app's analysis heap; resolves with its answer. */
function inAnalysisThread<T>(task: ThreadTask): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(SELF, { workerData: task, resourceLimits: ANALYSIS_THREAD_LIMITS });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the bench's ${task.kind} thread exited (code ${code}) without an answer`)));
  });
}

async function threadImport(bundle: string, dbPath: string): Promise<ThreadImport> {
  const t0 = performance.now();
  const db = openWritable(dbPath);
  const result = await importBundle(db, bundle);
  db.close();
  return { ms: performance.now() - t0, snapshotId: result.snapshotId, diagnostics: result.diagnostics.length };
}

/** Load, trace, diff and the Services query, each measured in a function of its own (see traceEveryService). */
function threadAnalysis(task: Extract<ThreadTask, { kind: 'analysis' }>): ThreadAnalysis {
  const rdb = openReadonly(task.libPath);
  try {
    return {
      load: timeIt(() => {
        loadSnapshot(rdb, task.before);
      }, task.runs),
      trace: traceEveryService(rdb, task.before, task.runs),
      diff: diffTwoCaptures(rdb, task.before, task.after, task.runs),
      listServices: timeIt(() => {
        listServices(rdb, task.before);
      }, task.runs),
    };
  } finally {
    rdb.close();
  }
}

function runThreadTask(task: ThreadTask): Promise<ThreadImport> | ThreadAnalysis {
  return task.kind === 'import' ? threadImport(task.bundle, task.dbPath) : threadAnalysis(task);
}

/** Child mode: one import (in its analysis thread), then its time and the process's peak RSS. */
async function childImport(bundle: string, dbPath: string): Promise<void> {
  const run = await inAnalysisThread<ThreadImport>({ kind: 'import', bundle, dbPath });
  process.stdout.write(JSON.stringify({ ...run, maxRssKiB: process.resourceUsage().maxRSS }) + '\n');
}

// ---------------------------------------------------------------------------------------------
// helpers

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SERVICES = arg('--services', 5000);
const ENDPOINTS = arg('--endpoints', 10);
const RUNS = Math.max(3, arg('--runs', 5));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const gc = () => (globalThis as { gc?: () => void }).gc?.();

function timeIt(fn: () => void, runs = RUNS): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    gc();
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}


interface ImportRun {
  ms: number;
  maxRssKiB: number;
  diagnostics: number;
}

/** One import in a child process, into a fresh temp library. */
function importOnceInChild(bundle: string, work: string): ImportRun {
  // this process's collector, busy with what the generator left, would share the CPUs with the child
  gc();
  const lib = mkdtempSync(join(work, 'lib-'));
  try {
    const out = spawnSync(process.execPath, [SELF, '--child-import', bundle, join(lib, 'library.sqlite')], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (out.status !== 0) throw new Error(`import child failed: ${out.stderr}`);
    return JSON.parse(out.stdout.trim().split('\n').pop()!) as ImportRun;
  } finally {
    rmSync(lib, { recursive: true, force: true });
  }
}

/** The median time and the peak memory of RUNS imports, and every run's time in the order run. */
function importInChild(bundle: string, work: string): ImportRun & { times: number[] } {
  const runs = Array.from({ length: RUNS }, () => importOnceInChild(bundle, work));
  const times = runs.map((r) => r.ms);
  return { ms: median(times), maxRssKiB: Math.max(...runs.map((r) => r.maxRssKiB)), diagnostics: runs[runs.length - 1].diagnostics, times };
}

/**
 * RUNS times `nft -c -f FILE` inside a throwaway netns (nftables' own parser on the same text),
 * in the order run; or the reason there are none: not root, no nft, nft failed.
 */
function nftChecks(file: string): number[] | string {
  if (process.getuid?.() !== 0) return 'skipped (not root)';
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'skipped (no nft)';
  }
  const ns = `knp-bench-${process.pid}-${Math.floor(Math.random() * 1e9)}`;
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      gc();
      const t0 = performance.now();
      const r = spawnSync('ip', ['netns', 'exec', ns, 'nft', '-c', '-f', file], { encoding: 'utf8' });
      times.push(performance.now() - t0);
      if (r.status !== 0) return `failed: ${r.stderr.split('\n')[0]}`;
    }
    return times;
  } finally {
    execFileSync('ip', ['netns', 'delete', ns]);
  }
}

/** A bare better-sqlite3 insert of `rows` rows shaped like nft_rules, in one transaction. */
function bareInsert(work: string, rows: number, text: string[]): number {
  return timeIt(() => {
    const file = join(work, `bare-${Math.random()}.sqlite`);
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE r (id INTEGER PRIMARY KEY, chain_id INTEGER, position INTEGER, text TEXT, packets INTEGER, bytes INTEGER, line INTEGER)');
    const ins = db.prepare('INSERT INTO r (chain_id, position, text, packets, bytes, line) VALUES (?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < rows; i++) ins.run(i >> 4, i & 15, text[i % text.length], i, i * 60, i);
    })();
    db.close();
    rmSync(file, { force: true });
    rmSync(file + '-wal', { force: true });
    rmSync(file + '-shm', { force: true });
  });
}

/**
 * The same node captured again later: every counter of a rule that already counted something
 * grew, as on a live node between two captures. A before/after pair for the diff.
 */
function writeLaterCapture(from: string, to: string, rulesetPath: string): void {
  cpSync(from, to, { recursive: true });
  const file = join(to, rulesetPath);
  const grown = readFileSync(file, 'utf8').replace(/counter packets (\d+) bytes (\d+)/g, (whole, p: string, b: string) => {
    const packets = Number(p);
    if (packets === 0) return whole;
    const more = 1 + (packets % 3);
    return `counter packets ${packets + more} bytes ${Number(b) + more * 60}`;
  });
  writeFileSync(file, grown);
}

// ---------------------------------------------------------------------------------------------
// the table

interface Row {
  figure: string;
  median: number | null;
  unit: string;
  baseline: string;
  baselineValue: number | null;
  target: string;
  pass: boolean | null;
}
const rows: Row[] = [];
const fmt = (v: number | null, unit: string) => (v === null ? '—' : unit === 'ms' ? `${v.toFixed(0)} ms` : `${v.toFixed(0)} ${unit}`);

function printTable(): void {
  const head = ['figure', 'median', 'baseline', 'ratio', 'target', 'result'];
  const body = rows.map((r) => [
    r.figure,
    fmt(r.median, r.unit),
    r.baseline,
    r.median !== null && r.baselineValue ? `${(r.median / r.baselineValue).toFixed(2)}×` : '—',
    r.target,
    r.pass === null ? 'n/a' : r.pass ? 'PASS' : 'MISS',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log('\n' + line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

// ---------------------------------------------------------------------------------------------
// the analysis: each measured in a function of its own, so nothing one loads is live during the
// next (the trace's last snapshot and its indexes, ~320 MB, once stayed in its caller's frame
// through the diff: the app never holds a second copy of a snapshot it has open)

/**
 * Every Service traced completely on a freshly loaded snapshot (indexes built from cold); each
 * ServiceTrace is released once counted, as a caller that summarises them would. Each run is a
 * call of its own, so nothing of a run is live during the next.
 */
function traceEveryService(rdb: ReadableDB, snapshotId: number, runs: number): ThreadAnalysis['trace'] {
  const once = (): ThreadAnalysis['trace'] => {
    const fresh = loadSnapshot(rdb, snapshotId)!;
    gc();
    const t = performance.now();
    let trees = 0;
    forEachServiceTrace(fresh, (trace) => {
      trees += trace.trees.length;
    });
    return { ms: performance.now() - t, trees };
  };
  const results = Array.from({ length: runs }, once);
  return { ms: median(results.map((r) => r.ms)), trees: results[0].trees };
}

/** The diff of a capture and a later one, both freshly loaded; each run a call of its own, as above. */
function diffTwoCaptures(rdb: ReadableDB, before: number, after: number, runs: number): ThreadAnalysis['diff'] {
  const once = (): ThreadAnalysis['diff'] => {
    const a = loadSnapshot(rdb, before)!;
    const b = loadSnapshot(rdb, after)!;
    gc();
    const t = performance.now();
    const diff = diffSnapshots(a, b);
    const ms = performance.now() - t;
    return { ms, retraced: `${diff.summary.paths.traced} of ${diff.summary.paths.compared} re-traced` };
  };
  const results = Array.from({ length: runs }, once);
  return { ms: median(results.map((r) => r.ms)), retraced: results[0].retraced };
}

// ---------------------------------------------------------------------------------------------
// main

/**
 * Writes the bench's bundles (one node, and three nodes with identical rules) and returns where
 * the one node's ruleset is, its rule count and a sample of its rule lines. The generated cluster
 * objects stay inside this function, so they are garbage before anything is timed: the figures
 * are taken with only what the app itself would hold.
 */
async function writeBundles(work: string, base: ClusterOptions): Promise<{ rulesetFile: string; sample: string[]; ruleLines: number }> {
  const t0 = performance.now();
  const cluster1 = generateCluster(base);
  await writeBundleFolder(renderBundle(cluster1), join(work, 'one-node'));
  await writeBundleFolder(renderBundle(generateCluster({ ...base, nodes: 3 })), join(work, 'three-nodes'));
  const rulesetFile = join(work, 'one-node/nodes/node-0000/nft-ruleset.txt');
  const rulesetText = readFileSync(rulesetFile, 'utf8');
  const ruleLines = rulesetText.split('\n').filter((l) => l.startsWith('\t\t') && !l.startsWith('\t\ttype ')).length;
  console.log(
    `generated in ${((performance.now() - t0) / 1000).toFixed(1)} s: one node's ruleset ${ruleLines} rules, ${(statSync(rulesetFile).size / 1e6).toFixed(1)} MB; ` +
      `${cluster1.pods.length} pods on ${cluster1.nodes.length} cluster nodes`,
  );
  // a thousand rule lines for the bare insert, so the 21 MB text is not held past this function
  const sample = rulesetText.split('\n').filter((l) => l.startsWith('\t\t')).slice(0, 1000);
  return { rulesetFile, sample, ruleLines };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'knp-bench-'));
  try {
    console.log(`kube-netpath bench: ${SERVICES} Services × ${ENDPOINTS} endpoints, medians of ${RUNS} runs, node ${process.version}`);
    const base: ClusterOptions = { services: SERVICES, endpointsPerService: ENDPOINTS, nodes: 1, mode: 'iptables-nft', seed: 42, localPolicyFraction: 0 };

    const { rulesetFile, sample, ruleLines } = await writeBundles(work, base);
    // The bundles just written (~200 MB) would otherwise go to disk during the first timings, and
    // an import's commit waits for the disk.
    execFileSync('sync');
    // baseline, then the import of one node
    const nftRuns = nftChecks(rulesetFile);
    const nft = typeof nftRuns === 'string' ? nftRuns : median(nftRuns);
    const readSplit = timeIt(() => {
      readFileSync(rulesetFile, 'utf8').split('\n');
    });
    const bare = bareInsert(work, ruleLines, sample);
    const nftMs = typeof nft === 'number' ? nft : null;
    console.log(`baselines: nft -c -f ${typeof nft === 'number' ? `${nft.toFixed(0)} ms` : nft}; bare insert of ${ruleLines} rows ${bare.toFixed(0)} ms; read+split ${readSplit.toFixed(0)} ms`);
    const one = importInChild(join(work, 'one-node'), work);
    const each = (times: readonly number[]) => times.map((t) => t.toFixed(0)).join(', ');
    console.log(`every run: nft -c -f ${typeof nftRuns === 'string' ? nftRuns : `${each(nftRuns)} ms`}; import, 1 node ${each(one.times)} ms`);

    rows.push({
      figure: 'import, 1 node',
      median: one.ms,
      unit: 'ms',
      baseline: nftMs !== null ? `nft -c -f ${nftMs.toFixed(0)} ms` : String(nft),
      baselineValue: nftMs,
      target: '≤ 0.5× nft -c',
      pass: nftMs !== null ? one.ms <= nftMs / 2 : null,
    });
    rows.push({ figure: 'import, 1 node (vs bare insert)', median: one.ms, unit: 'ms', baseline: `bare insert ${bare.toFixed(0)} ms`, baselineValue: bare, target: '—', pass: null });
    rows.push({ figure: 'import, 1 node (vs read+split)', median: one.ms, unit: 'ms', baseline: `read+split ${readSplit.toFixed(0)} ms`, baselineValue: readSplit, target: '—', pass: null });
    rows.push({ figure: 'import peak RSS, 1 node', median: one.maxRssKiB / 1024, unit: 'MiB', baseline: '—', baselineValue: null, target: '< 1024 MiB', pass: one.maxRssKiB / 1024 < 1024 });
    const three = importInChild(join(work, 'three-nodes'), work);
    rows.push({
      figure: 'import, 3 nodes, same rules',
      median: three.ms,
      unit: 'ms',
      baseline: `1-node import ${one.ms.toFixed(0)} ms`,
      baselineValue: one.ms,
      target: 'rules parsed once',
      pass: null,
    });
    rows.push({ figure: 'import peak RSS, 3 nodes', median: three.maxRssKiB / 1024, unit: 'MiB', baseline: '—', baselineValue: null, target: '< 1024 MiB', pass: three.maxRssKiB / 1024 < 1024 });

    // one library holding the node and a later capture of it, for load / trace / diff / first rows
    writeLaterCapture(join(work, 'one-node'), join(work, 'one-node-later'), 'nodes/node-0000/nft-ruleset.txt');
    const libDir = mkdtempSync(join(work, 'lib-'));
    const libPath = join(libDir, 'library.sqlite');
    const wdb = openWritable(libPath);
    const a = await importBundle(wdb, join(work, 'one-node'));
    const b = await importBundle(wdb, join(work, 'one-node-later'));
    wdb.close();
    const analysis = await inAnalysisThread<ThreadAnalysis>({ kind: 'analysis', libPath, before: a.snapshotId, after: b.snapshotId, runs: RUNS });
    const load = analysis.load;
    rows.push({ figure: 'loadSnapshot, 1 node', median: load, unit: 'ms', baseline: `read+split ${readSplit.toFixed(0)} ms`, baselineValue: readSplit, target: '—', pass: null });
    const { trace, diff } = analysis;
    rows.push({ figure: `trace every Service (${trace.trees} trees)`, median: trace.ms, unit: 'ms', baseline: `loadSnapshot ${load.toFixed(0)} ms`, baselineValue: load, target: '< 2000 ms', pass: trace.ms < 2000 });
    rows.push({ figure: `diffSnapshots, counters grew (${diff.retraced})`, median: diff.ms, unit: 'ms', baseline: `loadSnapshot ${load.toFixed(0)} ms`, baselineValue: load, target: '< 2000 ms', pass: diff.ms < 2000 });

    const firstRows = median(await servicesFirstRowsMs(libPath, a.snapshotId, RUNS));
    rows.push({
      figure: `Services table first rows in the UI (${SERVICES} Services)`,
      median: firstRows,
      unit: 'ms',
      baseline: `listServices query ${analysis.listServices.toFixed(0)} ms`,
      baselineValue: analysis.listServices,
      target: '< 1000 ms',
      pass: firstRows < 1000,
    });
    printTable();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (!isMainThread) parentPort!.postMessage(await runThreadTask(workerData as ThreadTask));
else if (process.argv[2] === '--child-import') {
  await childImport(process.argv[3], process.argv[4]);
  process.exit(0);
} else await main();
