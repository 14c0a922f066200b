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
import Database from 'better-sqlite3';
import { openReadonly, openWritable } from '../../db/connection';
import { importBundle } from '../../db/import';
import { loadSnapshot } from '../../db/queries/snapshot-data';
import { listServices } from '../../db/queries/services';
import { forEachServiceTrace } from '../../renderer/src/analysis/trace/index';
import { diffSnapshots } from '../../renderer/src/analysis/diff/index';
import { generateCluster, renderBundle, writeBundleFolder, type ClusterOptions } from '../fixtures/generate-cluster';
import { servicesFirstRowsMs } from './ui-first-rows';

const SELF = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------------------------------------
// child mode: one import, report time and peak RSS

async function childImport(bundle: string, dbPath: string): Promise<void> {
  const t0 = performance.now();
  const db = openWritable(dbPath);
  const result = await importBundle(db, bundle);
  db.close();
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ ms, maxRssKiB: process.resourceUsage().maxRSS, snapshotId: result.snapshotId, diagnostics: result.diagnostics.length }) + '\n');
}

if (process.argv[2] === '--child-import') {
  await childImport(process.argv[3], process.argv[4]);
  process.exit(0);
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
// main

/**
 * Writes the bench's bundles (one node, and three nodes with identical rules) and returns the one
 * node's ruleset. The generated cluster objects stay inside this function, so they are garbage
 * before anything is timed: the figures are taken with only what the app itself would hold.
 */
async function writeBundles(work: string, base: ClusterOptions): Promise<{ rulesetFile: string; rulesetText: string; ruleLines: number }> {
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
  return { rulesetFile, rulesetText, ruleLines };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'knp-bench-'));
  try {
    console.log(`kube-netpath bench: ${SERVICES} Services × ${ENDPOINTS} endpoints, medians of ${RUNS} runs, node ${process.version}`);
    const base: ClusterOptions = { services: SERVICES, endpointsPerService: ENDPOINTS, nodes: 1, mode: 'iptables-nft', seed: 42, localPolicyFraction: 0 };

    const { rulesetFile, rulesetText, ruleLines } = await writeBundles(work, base);
    // The bundles just written (~200 MB) would otherwise go to disk during the first timings, and
    // an import's commit waits for the disk.
    execFileSync('sync');
    // baseline, then the import of one node
    const nftRuns = nftChecks(rulesetFile);
    const nft = typeof nftRuns === 'string' ? nftRuns : median(nftRuns);
    const readSplit = timeIt(() => {
      readFileSync(rulesetFile, 'utf8').split('\n');
    });
    const sample = rulesetText.split('\n').filter((l) => l.startsWith('\t\t')).slice(0, 1000);
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
    const rdb = openReadonly(libPath);

    const load = timeIt(() => {
      loadSnapshot(rdb, a.snapshotId);
    });
    rows.push({ figure: 'loadSnapshot, 1 node', median: load, unit: 'ms', baseline: `read+split ${readSplit.toFixed(0)} ms`, baselineValue: readSplit, target: '—', pass: null });

    // Every Service traced completely on a freshly loaded snapshot (indexes built from cold);
    // each ServiceTrace is released once counted, as a caller that summarises them would.
    let trees = 0;
    const traceTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const fresh = loadSnapshot(rdb, a.snapshotId)!;
      gc();
      const t = performance.now();
      trees = 0;
      forEachServiceTrace(fresh, (trace) => {
        trees += trace.trees.length;
      });
      traceTimes.push(performance.now() - t);
    }
    const traceMs = median(traceTimes);
    rows.push({ figure: `trace every Service (${trees} trees)`, median: traceMs, unit: 'ms', baseline: `loadSnapshot ${load.toFixed(0)} ms`, baselineValue: load, target: '< 2000 ms', pass: traceMs < 2000 });

    const diffTimes: number[] = [];
    let retraced = '';
    for (let i = 0; i < RUNS; i++) {
      const before = loadSnapshot(rdb, a.snapshotId)!;
      const after = loadSnapshot(rdb, b.snapshotId)!;
      gc();
      const t = performance.now();
      const diff = diffSnapshots(before, after);
      diffTimes.push(performance.now() - t);
      retraced = `${diff.summary.paths.traced} of ${diff.summary.paths.compared} re-traced`;
    }
    const diffMs = median(diffTimes);
    rows.push({ figure: `diffSnapshots, counters grew (${retraced})`, median: diffMs, unit: 'ms', baseline: `loadSnapshot ${load.toFixed(0)} ms`, baselineValue: load, target: '< 2000 ms', pass: diffMs < 2000 });

    const api = timeIt(() => {
      listServices(rdb, a.snapshotId);
    });
    rdb.close();
    const firstRows = median(await servicesFirstRowsMs(libPath, a.snapshotId, RUNS));
    rows.push({
      figure: `Services table first rows in the UI (${SERVICES} Services)`,
      median: firstRows,
      unit: 'ms',
      baseline: `listServices query ${api.toFixed(0)} ms`,
      baselineValue: api,
      target: '< 1000 ms',
      pass: firstRows < 1000,
    });
    printTable();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
