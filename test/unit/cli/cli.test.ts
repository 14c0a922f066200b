import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../db/cli/main';
import type { CliIO } from '../../../db/cli/output';
import { tempDir } from '../db/helpers';

const ROOT = join(__dirname, '../../..');
const ARTICLE = join(ROOT, 'test/fixtures/bundles/article');

function capture(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), interactive: false };
}

describe('kube-netpath command line (in process)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  beforeAll(() => {
    tmp = tempDir();
    db = join(tmp.dir, 'lib.sqlite');
  });
  afterAll(() => tmp.cleanup());

  it('imports, then prints the new snapshot id alone on the last stdout line', async () => {
    const io = capture();
    expect(await runCli(['import', ARTICLE, '--db', db, '--name', 'article'], io)).toBe(0);
    expect(io.out.at(-1)).toMatch(/^\d+$/);
    expect(io.err.join('\n')).toMatch(/imported "article": 2 node\(s\)/);
  });

  it('reports a duplicate import on stderr and still prints the existing id', async () => {
    const io = capture();
    expect(await runCli(['import', ARTICLE, '--db', db], io)).toBe(0);
    expect(io.err.join('\n')).toMatch(/already imported as snapshot 1/);
    expect(io.out.at(-1)).toBe('1');
  });

  it('lists snapshots and services, as tables and as JSON', async () => {
    const list = capture();
    expect(await runCli(['list', '--db', db, '--json'], list)).toBe(0);
    expect(JSON.parse(list.out.join(''))).toEqual([expect.objectContaining({ id: 1, name: 'article', nodes: ['roger-nuc0', 'roger-nuc1'] })]);
    const services = capture();
    expect(await runCli(['services', 'article', '--db', db], services)).toBe(0);
    expect(services.out.join('\n')).toMatch(/default\s+nginx\s+LoadBalancer\s+10\.43\.80\.28\s+192\.168\.28\.61\s+80:\d+\/TCP\s+3\/3/);
  });

  it('runs read-only queries and refuses writes through the connection itself', async () => {
    const ok = capture();
    expect(await runCli(['query', '1', 'SELECT name, type FROM services WHERE name = \'nginx\'', '--db', db, '--json'], ok)).toBe(0);
    expect(JSON.parse(ok.out.join(''))).toEqual({ columns: ['name', 'type'], rows: [['nginx', 'LoadBalancer']], truncated: false });
    for (const write of ['DELETE FROM snapshots', 'UPDATE services SET name = 1', "ATTACH DATABASE '/tmp/x' AS x", 'CREATE TABLE t (x)']) {
      const io = capture();
      expect(await runCli(['query', '1', write, '--db', db], io)).toBe(1);
      expect(io.err).toHaveLength(1);
    }
    const still = capture();
    await runCli(['list', '--db', db, '--json'], still);
    expect(JSON.parse(still.out.join(''))).toHaveLength(1);
  });

  it('shows the veth table per node with pods, methods and confidence', async () => {
    const io = capture();
    expect(await runCli(['veths', 'article', '--db', db], io)).toBe(0);
    const text = io.out.join('\n');
    expect(text).toMatch(/node roger-nuc0/);
    expect(text).toMatch(/veth56cecc8b\s+@if2\s+cni-357001b9-24ca-5619-df3a-4dfe972bb930\s+eth0\s+10\.42\.0\.204\s+default\/nginx-\S+\s+\S*netns-(?:id|name)\S*\s+high/);
  });

  it('traces a Service as an indented walk and as JSON leaves with probabilities', async () => {
    const text = capture();
    expect(await runCli(['trace', 'article', '--service', 'default/nginx:80', '--node', 'roger-nuc1', '--db', db], text)).toBe(0);
    const walk = text.out.join('\n');
    for (const step of ['KUBE-EXT-2CMXP7HKUVJN7L6M', 'KUBE-SVC-2CMXP7HKUVJN7L6M', 'dnat to 10.42.0.204:80', 'flannel.1', 'veth56cecc8b']) expect(walk).toContain(step);
    const json = capture();
    expect(await runCli(['trace', 'article', '--to', '192.168.28.61:80/tcp', '--from', 'external', '--json', '--db', db], json)).toBe(0);
    const tree = JSON.parse(json.out.join(''));
    const leaves: { disposition: string; probability: number }[] = [];
    const walkSegment = (segment: { end: { branches?: { segment: unknown }[] } & Record<string, unknown> }) => {
      if (segment.end.branches) segment.end.branches.forEach((b) => walkSegment(b.segment as never));
      else leaves.push(segment.end as never);
    };
    walkSegment(tree.root);
    expect(leaves.map((l) => l.disposition).sort()).toEqual(['delivered', 'node-not-captured', 'node-not-captured']);
    for (const leaf of leaves) expect(leaf.probability).toBeCloseTo(1 / 3, 5);
  });

  it('fails with one clear line and status 1 on user errors', async () => {
    const cases: [string[], RegExp][] = [
      [['services', 'nope', '--db', db], /no snapshot "nope"/],
      [['frobnicate'], /unknown command/],
      [['list', '--db', db, '--bogus'], /unknown option --bogus/],
      [['import', '--db', db], /missing BUNDLE/],
      [['list', '--db', join(tmp.dir, 'absent.sqlite')], /no library at/],
      [['import', join(tmp.dir, 'missing.tar.gz'), '--db', db], /no such file or folder/],
      [['trace', 'article', '--service', 'default/nope', '--db', db], /default\/nope is not in the snapshot/],
      [['trace', 'article', '--to', 'not-an-ip:80', '--db', db], /expected IP:PORT/],
      [['trace', 'article', '--db', db], /exactly one of --service or --to/],
    ];
    for (const [argv, message] of cases) {
      const io = capture();
      expect(await runCli(argv, io)).toBe(1);
      expect(io.err).toHaveLength(1);
      expect(io.err[0]).toMatch(message);
    }
  });
});

describe('kube-netpath as an installed command', () => {
  it('runs through the package bin (npx kube-netpath) from the repo root', () => {
    if (!existsSync(join(ROOT, 'out/cli/main.js'))) execFileSync('npm', ['run', 'build:cli'], { cwd: ROOT });
    const tmp = tempDir();
    try {
      const db = join(tmp.dir, 'lib.sqlite');
      const run = spawnSync(process.execPath, [join(ROOT, 'db/cli/bin.mjs'), 'import', ARTICLE, '--db', db], { encoding: 'utf8' });
      expect(run.status).toBe(0);
      expect(run.stdout.trim().split('\n').at(-1)).toBe('1');
      const bad = spawnSync(process.execPath, [join(ROOT, 'db/cli/bin.mjs'), 'list', '--db', join(tmp.dir, 'none.sqlite')], { encoding: 'utf8' });
      expect(bad.status).toBe(1);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      tmp.cleanup();
    }
  });
});
