import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../db/cli/main';
import { LibraryService } from '../../../db/library-service';
import { validateArgs, ValidationError } from '../../../db/validate';
import type { CliIO } from '../../../db/cli/output';
import type { SnapshotDiff } from '../../../renderer/src/analysis/diff';
import { tempDir } from '../db/helpers';

const ARTICLE = join(__dirname, '../../fixtures/bundles/article');

function capture(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), interactive: false };
}

describe('kube-netpath diff', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  beforeAll(async () => {
    tmp = tempDir();
    db = join(tmp.dir, 'lib.sqlite');
    // "after": the LoadBalancer's endpoint chain for 10.42.0.204 on roger-nuc1 counted 3 more connections
    const later = join(tmp.dir, 'later');
    cpSync(ARTICLE, later, { recursive: true });
    const file = join(later, 'nodes/roger-nuc1/nft-ruleset.txt');
    writeFileSync(file, readFileSync(file, 'utf8').replace('counter packets 3 bytes 156 dnat to 10.42.0.204:80', 'counter packets 6 bytes 312 dnat to 10.42.0.204:80'));
    for (const [path, name] of [[ARTICLE, 'before'], [later, 'after']]) {
      expect(await runCli(['import', path, '--db', db, '--name', name], capture())).toBe(0);
    }
  });
  afterAll(() => tmp.cleanup());

  it('prints the comparison grouped by section, with the counter sentence', async () => {
    const io = capture();
    expect(await runCli(['diff', 'before', 'after', '--db', db], io)).toBe(0);
    const text = io.out.join('\n');
    expect(text).toMatch(/^comparing snapshot "before" \(A\) with "after" \(B\)\nnodes compared: roger-nuc0, roger-nuc1\n/);
    expect(text).toContain('[roger-nuc1] of 3 new connections to default/nginx, 3 went to 10.42.0.204, 0 to 10.42.2.228, 0 to 10.42.4.11');
    expect(io.err).toEqual([]);
  });

  it('prints the SnapshotDiff as JSON, and pairs two differently named nodes on request', async () => {
    const io = capture();
    expect(await runCli(['diff', '1', '2', '--db', db, '--node-a', 'roger-nuc1', '--node-b', 'roger-nuc0', '--json'], io)).toBe(0);
    const diff = JSON.parse(io.out.join('')) as SnapshotDiff;
    expect(diff.a).toMatchObject({ id: 1, name: 'before', nodes: ['roger-nuc0', 'roger-nuc1'] });
    expect(diff.summary).toMatchObject({ comparing: 'comparing roger-nuc1 (A) with roger-nuc0 (B)', crossNode: true, unpaired: { a: ['roger-nuc0'], b: ['roger-nuc1'] } });
    expect(diff.findings.map((f) => f.code)).toContain('cross-node-comparison');
  });

  it('fails with one line on bad use', async () => {
    const cases: [string[], RegExp][] = [
      [['diff', 'before', '--db', db], /missing SNAPSHOT_B/],
      [['diff', 'before', 'after', '--db', db, '--node-a', 'roger-nuc1'], /--node-a and --node-b go together/],
      [['diff', 'before', 'after', '--db', db, '--node-a', 'nope', '--node-b', 'roger-nuc0'], /node nope was not captured in snapshot before/],
      [['diff', 'before', 'missing', '--db', db], /no snapshot "missing"/],
    ];
    for (const [argv, message] of cases) {
      const io = capture();
      expect(await runCli(argv, io)).toBe(1);
      expect(io.err).toHaveLength(1);
      expect(io.err[0]).toMatch(message);
    }
  });

  it('answers the same through the app\'s API, whose arguments are validated', async () => {
    const library = new LibraryService(db);
    try {
      const args = validateArgs('diffSnapshots', { a: 1, b: 2 });
      const diff = await library.diffSnapshots(args);
      expect(diff.counters.services.map((s) => s.sentence)).toEqual([
        'of 3 new connections to default/nginx, 3 went to 10.42.0.204, 0 to 10.42.2.228, 0 to 10.42.4.11',
      ]);
    } finally {
      library.close();
    }
    expect(() => validateArgs('diffSnapshots', { a: 1, b: 2, nodeA: 'roger-nuc1' })).toThrow(ValidationError);
    expect(() => validateArgs('diffSnapshots', { a: 1, b: '2' })).toThrow(/args\.b: expected an integer/);
  });
});
