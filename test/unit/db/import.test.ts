import { readFileSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openWritable, type WritableDB } from '../../../db/connection';
import { importBundle, ImportError } from '../../../db/import';
import { deleteSnapshot, listSnapshots } from '../../../db/queries/snapshots';
import { writeArticleLater } from '../../fixtures/bundles/article-later';
import { loadSnapshot } from '../../../db/queries/snapshot-data';
import { rawTarGz } from './raw-tar';
import { expectNoDanglingReferences, tableCounts, tempDir } from './helpers';

const ARTICLE = join(__dirname, '../../fixtures/bundles/article');

const manifest = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ format: 'kube-netpath-bundle', formatVersion: 1, createdAt: '2026-11-24T10:00:00Z', nodes: ['n1'], files: [], ...extra });

/** A real archive cut in half, as an interrupted download leaves it. */
function truncated(): Buffer {
  const whole = rawTarGz([{ name: 'manifest.json', content: manifest() }, { name: 'nodes/n1/blob', content: randomBytes(100_000) }]);
  return whole.subarray(0, whole.length >> 1);
}

const RULESET = 'table ip nat {\n\tchain KUBE-SERVICES {\n\t\tcounter packets 1 bytes 60 jump KUBE-NODEPORTS\n\t}\n}\n';

describe('importBundle', () => {
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

  const write = (name: string, data: Buffer | string) => {
    const path = join(tmp.dir, name);
    writeFileSync(path, data);
    return path;
  };

  it('imports the article bundle folder with its nodes, services and rules', async () => {
    const result = await importBundle(db, ARTICLE, { name: 'article' });
    expect(result.duplicate).toBe(false);
    expect(result.nodes).toEqual(expect.arrayContaining(['roger-nuc0', 'roger-nuc1']));
    const snapshot = loadSnapshot(db, result.snapshotId)!;
    const nuc1 = snapshot.nodes.find((n) => n.name === 'roger-nuc1')!;
    const chains = nuc1.ruleset!.tables.flatMap((t) => t.chains.map((c) => c.name));
    expect(chains).toContain('KUBE-SVC-2CMXP7HKUVJN7L6M');
    expect(snapshot.cluster.services.some((s) => s.namespace === 'default' && s.name === 'nginx')).toBe(true);
    const veth = snapshot.nodes.find((n) => n.name === 'roger-nuc0')!.interfaces.find((i) => i.name === 'veth56cecc8b')!;
    expect(veth.peerIfindex).toBe(2);
    expect(veth.linkNetnsName ?? veth.linkNetnsId).not.toBeNull();
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('round-trips a ruleset through the database unchanged', async () => {
    const { snapshotId } = await importBundle(db, ARTICLE, { name: 'article' });
    const { parseBundlePath } = await import('../../../db/import/parse-bundle');
    const parsed = await parseBundlePath(ARTICLE);
    const loaded = loadSnapshot(db, snapshotId)!;
    for (const node of parsed.snapshot.nodes) {
      const fromDb = loaded.nodes.find((n) => n.name === node.name)!;
      expect(fromDb.ruleset).toEqual(node.ruleset);
      expect(fromDb.interfaces).toEqual(node.interfaces);
      expect(fromDb.routes).toEqual(node.routes);
    }
    expect(loaded.cluster.services).toEqual(parsed.snapshot.cluster.services);
    expect(loaded.cluster.endpointSlices).toEqual(parsed.snapshot.cluster.endpointSlices);
    expect(loaded.cluster.pods).toEqual(parsed.snapshot.cluster.pods);
  });

  it('imports a .tar.gz with a wrapper directory, streaming progress', async () => {
    const path = write('b.tar.gz', rawTarGz([
      { name: 'bundle/', type: '5' },
      { name: 'bundle/manifest.json', content: manifest() },
      { name: 'bundle/nodes/n1/nft-ruleset.txt', content: RULESET },
    ]));
    const phases = new Set<string>();
    const result = await importBundle(db, path, { onProgress: (p) => phases.add(p.phase) });
    expect(result.name).toBe('b');
    expect(result.nodes).toEqual(['n1']);
    expect([...phases]).toEqual(['read', 'parse', 'write', 'done']);
  });

  it('detects a second import of the same bundle by content hash', async () => {
    const first = await importBundle(db, ARTICLE);
    const before = tableCounts(db);
    const second = await importBundle(db, ARTICLE);
    expect(second).toMatchObject({ duplicate: true, snapshotId: first.snapshotId });
    expect(tableCounts(db)).toEqual(before);
  });

  it('accepts a loose pasted ruleset as a one-node snapshot, warning what is missing', async () => {
    const path = write('pasted.txt', RULESET);
    const result = await importBundle(db, path, { looseNode: 'worker-3' });
    expect(result.nodes).toEqual(['worker-3']);
    expect(result.diagnostics.map((d) => d.message)).toEqual(expect.arrayContaining([expect.stringMatching(/no interfaces captured/)]));
  });

  it('writes each rule with its verdict, numbering rule ids on from earlier imports', async () => {
    const second = RULESET.replace('\t\tcounter', '\t\tip daddr 10.96.0.10 tcp dport 53 counter packets 2 bytes 120 jump KUBE-SVC-X\n\t\tcounter');
    await importBundle(db, write('a.txt', RULESET), { looseNode: 'n1' });
    await importBundle(db, write('b.txt', second), { looseNode: 'n1' });
    expect(db.prepare('SELECT id, chain_id, position, verdict_kind, verdict_target FROM nft_rules ORDER BY id').all()).toEqual([
      { id: 1, chain_id: 1, position: 0, verdict_kind: 'jump', verdict_target: 'KUBE-NODEPORTS' },
      { id: 2, chain_id: 2, position: 0, verdict_kind: 'jump', verdict_target: 'KUBE-SVC-X' },
      { id: 3, chain_id: 2, position: 1, verdict_kind: 'jump', verdict_target: 'KUBE-NODEPORTS' },
    ]);
  });

  it('stores identical rulesets of several nodes once', async () => {
    const path = write('two.tar.gz', rawTarGz([
      { name: 'manifest.json', content: manifest({ nodes: ['n1', 'n2'] }) },
      { name: 'nodes/n1/nft-ruleset.txt', content: RULESET },
      { name: 'nodes/n2/nft-ruleset.txt', content: RULESET },
    ]));
    const { snapshotId } = await importBundle(db, path);
    expect(tableCounts(db).nft_rulesets).toBe(1);
    const loaded = loadSnapshot(db, snapshotId)!;
    expect(loaded.nodes.map((n) => n.ruleset?.tables[0].chains[0].rules[0].source.file)).toEqual([
      'nodes/n1/nft-ruleset.txt',
      'nodes/n2/nft-ruleset.txt',
    ]);
  });

  it('keeps only the renderings its nodes use, though each was written while it was read', async () => {
    const oneUnknown = 'table ip nat {\n\tchain X {\n\t\tsome gibberish\n\t\taccept\n\t}\n}\n';
    const complete = '*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -j KUBE-SERVICES\nCOMMIT\n';
    const alone = write('alone.tar.gz', rawTarGz([
      { name: 'manifest.json', content: manifest({ nodes: ['n1'] }) },
      { name: 'nodes/n1/iptables-save.txt', content: complete },
      { name: 'nodes/n1/nft-ruleset.txt', content: oneUnknown },
    ]));
    await importBundle(db, alone);
    expect(tableCounts(db)).toMatchObject({ nft_rulesets: 1, nft_tables: 1, nft_chains: 2, nft_rules: 1 });
    // n1 reads the text, then drops it (deleted at once) for its complete iptables-save; n2 has
    // only the text, read and written again; n3 reads both as stored and drops the text n2 keeps.
    const path = write('mixed.tar.gz', rawTarGz([
      { name: 'manifest.json', content: manifest({ nodes: ['n1', 'n2', 'n3'] }) },
      { name: 'nodes/n1/iptables-save.txt', content: complete },
      { name: 'nodes/n1/nft-ruleset.txt', content: oneUnknown },
      { name: 'nodes/n2/nft-ruleset.txt', content: oneUnknown },
      { name: 'nodes/n3/iptables-save.txt', content: complete },
      { name: 'nodes/n3/nft-ruleset.txt', content: oneUnknown },
    ]));
    const { snapshotId } = await importBundle(db, path);
    const nodes = 'SELECT n.name, n.ruleset_file AS file, r.format FROM nodes n JOIN nft_rulesets r ON r.id = n.ruleset_id WHERE n.snapshot_id = ? ORDER BY n.name';
    expect(db.prepare(nodes).all(snapshotId)).toEqual([
      { name: 'n1', file: 'nodes/n1/iptables-save.txt', format: 'iptables-save' },
      { name: 'n2', file: 'nodes/n2/nft-ruleset.txt', format: 'nft-text' },
      { name: 'n3', file: 'nodes/n3/iptables-save.txt', format: 'iptables-save' },
    ]);
    expect(tableCounts(db)).toMatchObject({ nft_rulesets: 2, nft_tables: 2, nft_chains: 3, nft_rules: 3 });
    const loaded = loadSnapshot(db, snapshotId)!;
    expect(loaded.nodes.map((n) => n.ruleset!.tables[0].chains.map((c) => c.rules.length))).toEqual([[1, 0], [2], [1, 0]]);
  });

  it('loads a ruleset of every format back exactly as it was imported', async () => {
    const fixture = (path: string) => readFileSync(join(__dirname, '../../fixtures', path));
    const path = write('formats.tar.gz', rawTarGz([
      { name: 'manifest.json', content: manifest({ nodes: ['n1', 'n2', 'n3'] }) },
      { name: 'nodes/n1/nft-ruleset.json', content: fixture('nft/kube-proxy-nftables.list.json') },
      { name: 'nodes/n2/iptables-save.txt', content: fixture('iptables/iptables-save-nft.txt') },
      { name: 'nodes/n3/nft-ruleset.txt', content: fixture('nft/kube-proxy-iptables.list-handles.nft') },
    ]));
    const { snapshotId } = await importBundle(db, path);
    const formats = db.prepare('SELECT format FROM nft_rulesets ORDER BY format').pluck().all();
    expect(formats).toEqual(['iptables-save', 'nft-json', 'nft-text']);
    const { parseBundlePath } = await import('../../../db/import/parse-bundle');
    const parsed = await parseBundlePath(path);
    const loaded = loadSnapshot(db, snapshotId)!;
    expect(loaded.nodes.map((n) => n.ruleset)).toEqual(parsed.snapshot.nodes.map((n) => n.ruleset));
    expect(loaded.nodes.every((n) => n.ruleset!.tables.length > 0)).toBe(true);
  });

  const badInputs: [string, () => string, RegExp, ImportError['code']][] = [
    ['a truncated archive', () => write('t.tar.gz', truncated()), /the archive is truncated/, 'truncated-archive'],
    ['a gzip file that holds no tar', () => write('g.tar.gz', gzipSync(Buffer.alloc(8192, 'x'))), /not a valid gzip-compressed tar archive/, 'not-an-archive'],
    ['a non-gzip binary file', () => write('x.bin', Buffer.from([0, 1, 2, 3, 0, 9, 9])), /not a gzip or tar archive/, 'not-an-archive'],
    ['an entry climbing out with ..', () => write('dots.tar.gz', rawTarGz([{ name: 'manifest.json', content: manifest() }, { name: '../evil', content: 'x' }])), /'\.\.'/, 'unsafe-path'],
    ['an absolute entry path', () => write('abs.tar.gz', rawTarGz([{ name: '/etc/passwd', content: 'x' }])), /absolute path/, 'unsafe-path'],
    ['a symbolic link entry', () => write('sym.tar.gz', rawTarGz([{ name: 'manifest.json', content: manifest() }, { name: 'nodes/n1/ip-link.json', type: '2', linkName: '/etc/shadow' }])), /symbolic link/, 'link-entry'],
    ['a hard link entry', () => write('hard.tar.gz', rawTarGz([{ name: 'manifest.json', content: manifest() }, { name: 'nodes/n1/x', type: '1', linkName: 'manifest.json' }])), /hard link/, 'link-entry'],
    ['malformed JSON in a data file', () => write('json.tar.gz', rawTarGz([{ name: 'manifest.json', content: manifest() }, { name: 'cluster/services.json', content: '{"items": [ {"metadata": ' }])), /cluster\/services\.json:\d+:\d+: malformed JSON/, 'bad-manifest'],
    ['a manifest from a newer format', () => write('new.tar.gz', rawTarGz([{ name: 'manifest.json', content: manifest({ formatVersion: 2 }) }])), /format version 2 is newer/, 'newer-format'],
    ['a manifest that is not JSON', () => write('m.tar.gz', rawTarGz([{ name: 'manifest.json', content: '{nope' }])), /manifest\.json is not valid JSON/, 'bad-manifest'],
  ];

  it.each(badInputs)('refuses %s with a clear error and leaves the library untouched', async (_label, make, message, code) => {
    await importBundle(db, ARTICLE, { name: 'before' });
    const before = tableCounts(db);
    const error = await importBundle(db, make()).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).message).toMatch(message);
    expect((error as ImportError).code).toBe(code);
    expect((error as ImportError).message).not.toContain('\n');
    expect(tableCounts(db)).toEqual(before);
    expect(listSnapshots(db).map((s) => s.name)).toEqual(['before']);
  });

  it('refuses entries and totals above the limits', async () => {
    const path = write('big.tar.gz', rawTarGz([{ name: 'manifest.json', content: manifest() }, { name: 'nodes/n1/nft-ruleset.txt', content: RULESET.repeat(50) }]));
    await expect(importBundle(db, path, { limits: { maxEntryBytes: 1000 } })).rejects.toThrow(/above the 1000-byte limit/);
    await expect(importBundle(db, path, { limits: { maxTotalBytes: 2000 } })).rejects.toThrow(/unpacks to more than 2000 bytes/);
    await expect(importBundle(db, path, { limits: { maxEntries: 1 } })).rejects.toThrow(/more than 1 entries/);
    expect(listSnapshots(db)).toEqual([]);
  });

  it('with keepGoing, imports the rest of a bundle whose data file is malformed and records why', async () => {
    const path = write('json.tar.gz', rawTarGz([
      { name: 'manifest.json', content: manifest() },
      { name: 'cluster/services.json', content: '{"items": [' },
      { name: 'nodes/n1/nft-ruleset.txt', content: RULESET },
    ]));
    const result = await importBundle(db, path, { keepGoing: true });
    expect(result.diagnostics).toEqual(expect.arrayContaining([expect.objectContaining({ file: 'cluster/services.json', code: 'malformed-json' })]));
  });

  it('refuses a symbolic link inside a bundle folder', async () => {
    const folder = join(tmp.dir, 'folder');
    mkdirSync(join(folder, 'nodes', 'n1'), { recursive: true });
    writeFileSync(join(folder, 'manifest.json'), manifest());
    symlinkSync('/etc/hostname', join(folder, 'nodes', 'n1', 'ip-link.json'));
    await expect(importBundle(db, folder)).rejects.toThrow(/symbolic link/);
  });

  it('deletes a snapshot and what only it used, keeping rulesets another snapshot shares', async () => {
    const a = await importBundle(db, ARTICLE, { name: 'before' });
    const b = await importBundle(db, writeArticleLater(join(tmp.dir, 'later')), { name: 'after' });
    const afterBefore = loadSnapshot(db, b.snapshotId);
    expect(tableCounts(db).nft_rulesets).toBe(3);
    expect(deleteSnapshot(db, a.snapshotId)).toBe(true);
    expect(tableCounts(db).nft_rulesets).toBe(2);
    expect(loadSnapshot(db, b.snapshotId)).toEqual(afterBefore);
    expect(deleteSnapshot(db, b.snapshotId)).toBe(true);
    expect(Object.entries(tableCounts(db)).filter(([, n]) => n > 0)).toEqual([]);
  });

  it('reports a missing bundle path as a user error', async () => {
    await expect(importBundle(db, join(tmp.dir, 'nope.tar.gz'))).rejects.toThrow(/no such file or folder/);
  });
});
