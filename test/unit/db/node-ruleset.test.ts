import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { holdsXtStubs, readNodeRuleset, unknownStatementsIn } from '../../../db/import/node-ruleset';
import { parseBundle, type BundleFile } from '../../../db/import/parse-bundle';
import type { BundleSource } from '../../../db/import/archive';
import { RULESET_PARSERS } from '../../../db/import/file-parsers';
import type { RulesetFormat } from '../../../db/import/parse-bundle';

const fixture = (path: string) => readFileSync(join(__dirname, '../../fixtures', path));

const NATIVE_JSON = fixture('nft/kube-proxy-nftables.list.json');
const NATIVE_TEXT = fixture('nft/kube-proxy-nftables.list-handles.nft');
/** iptables-nft rules: the JSON holds xt stubs, the text two statements the parser does not know */
const XT_JSON = fixture('nft/kube-proxy-iptables.list.json');
const XT_TEXT = fixture('nft/kube-proxy-iptables.list-handles.nft');
const IPTABLES_SAVE = fixture('iptables/iptables-save-nft.txt');

const PATHS: Record<RulesetFormat, string> = { 'nft-json': 'nft-ruleset.json', 'nft-text': 'nft-ruleset.txt', 'iptables-save': 'iptables-save.txt' };

function rulesetFile(format: RulesetFormat, content: Buffer): BundleFile {
  return { path: `nodes/n1/${PATHS[format]}`, kind: format, node: 'n1', netns: null, content, hash: format, command: null, exitCode: null, durationMs: null, stderr: null };
}

/** Runs readNodeRuleset over the files, recording which were read, which dropped and which skipped. */
function choose(files: BundleFile[]) {
  const read: string[] = [];
  const dropped: string[] = [];
  const skipped: string[] = [];
  const chosen = readNodeRuleset(files, {
    read: (file) => {
      read.push(file.path);
      const ruleset = RULESET_PARSERS[file.kind as RulesetFormat](file.content.toString('utf8'), { file: file.path }).value;
      return { ruleset, unknown: unknownStatementsIn(ruleset), stored: { hash: file.path, rulesetId: read.length, unknown: 0 } };
    },
    drop: (r) => dropped.push(r.stored!.hash),
    skipped: (file, used) => skipped.push(`${file.path} for ${used.path}`),
  });
  return { chosen: chosen?.file ?? null, read, dropped, skipped };
}

describe('readNodeRuleset', () => {
  it('reads the preferred JSON first and leaves a text rendering unread once the JSON is complete', () => {
    expect(choose([rulesetFile('nft-text', NATIVE_TEXT), rulesetFile('nft-json', NATIVE_JSON)])).toEqual({
      chosen: 'nodes/n1/nft-ruleset.json',
      read: ['nodes/n1/nft-ruleset.json'],
      dropped: [],
      skipped: ['nodes/n1/nft-ruleset.txt for nodes/n1/nft-ruleset.json'],
    });
  });

  it('reads a JSON rendering holding xt stubs after the text, and not at all when the text is complete', () => {
    const completeText = Buffer.from('table ip nat {\n\tchain KUBE-SERVICES {\n\t\tcounter packets 1 bytes 60 jump KUBE-NODEPORTS\n\t}\n}\n');
    expect(choose([rulesetFile('nft-json', XT_JSON), rulesetFile('nft-text', completeText)])).toEqual({
      chosen: 'nodes/n1/nft-ruleset.txt',
      read: ['nodes/n1/nft-ruleset.txt'],
      dropped: [],
      skipped: ['nodes/n1/nft-ruleset.json for nodes/n1/nft-ruleset.txt'],
    });
  });

  it('reads every rendering when none is complete, takes the one with fewest unknown statements, and drops each other as soon as it is beaten', () => {
    expect(choose([rulesetFile('nft-json', XT_JSON), rulesetFile('nft-text', XT_TEXT), rulesetFile('iptables-save', IPTABLES_SAVE)])).toEqual({
      chosen: 'nodes/n1/nft-ruleset.txt',
      read: ['nodes/n1/nft-ruleset.txt', 'nodes/n1/iptables-save.txt', 'nodes/n1/nft-ruleset.json'],
      dropped: ['nodes/n1/iptables-save.txt', 'nodes/n1/nft-ruleset.json'],
      skipped: [],
    });
  });

  it('drops an earlier rendering once a later one beats it', () => {
    const oneUnknown = Buffer.from('table ip nat {\n\tchain X {\n\t\tsome gibberish\n\t}\n}\n');
    const complete = Buffer.from('*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -j KUBE-SERVICES\nCOMMIT\n');
    expect(choose([rulesetFile('nft-text', oneUnknown), rulesetFile('iptables-save', complete)])).toMatchObject({
      chosen: 'nodes/n1/iptables-save.txt',
      dropped: ['nodes/n1/nft-ruleset.txt'],
    });
  });

  it('lets a complete rendering stop the reading only of less preferred ones', () => {
    expect(choose([rulesetFile('iptables-save', IPTABLES_SAVE), rulesetFile('nft-json', NATIVE_JSON)]).read).toEqual(['nodes/n1/nft-ruleset.json']);
    expect(choose([rulesetFile('iptables-save', IPTABLES_SAVE), rulesetFile('nft-text', NATIVE_TEXT)]).read).toEqual(['nodes/n1/nft-ruleset.txt']);
  });
});

describe('holdsXtStubs', () => {
  it.each([
    ['{"expr": [{"xt": {"type": "match", "name": "comment"}}]}', true],
    ['{"expr":[{"xt":{"type":"target","name":"DNAT"}}]}', true],
    ['{"expr": [{"xt"\n  : {}}]}', true],
    ['{"comment": "a \\"xt\\": {} in a comment"}', false],
    ['{"xtables": 1, "name": "xt"}', false],
    ['{"nftables": []}', false],
  ])('%s → %s', (json, expected) => {
    expect(holdsXtStubs(Buffer.from(json))).toBe(expected);
  });

  it('finds the stubs of the iptables-nft fixture and none in the native one', () => {
    expect(holdsXtStubs(XT_JSON)).toBe(true);
    expect(holdsXtStubs(NATIVE_JSON)).toBe(false);
  });
});

describe('parseBundle with several renderings of a node’s rules', () => {
  const source = (entries: [string, Buffer][]): BundleSource => ({
    kind: 'folder',
    path: '/bundle',
    contentHash: 'h',
    sizeBytes: 0,
    entries: new Map(entries),
  });

  it('says which file was kept unparsed, reports no issues from it, and still how its collection failed', () => {
    const manifest = {
      format: 'kube-netpath-bundle',
      formatVersion: 1,
      nodes: ['n1'],
      files: [{ path: 'nodes/n1/nft-ruleset.txt', command: 'nft list ruleset', exitCode: 1, durationMs: 5, stderr: 'nft: interrupted' }],
    };
    const parsed = parseBundle(
      source([
        ['manifest.json', Buffer.from(JSON.stringify(manifest))],
        ['nodes/n1/nft-ruleset.json', NATIVE_JSON],
        ['nodes/n1/nft-ruleset.txt', Buffer.from('table ip nat {\n\tchain X {\n\t\tsome gibberish\n\t}\n}\n')],
      ]),
    );
    expect(parsed.rulesets.get('n1')?.file).toBe('nodes/n1/nft-ruleset.json');
    const text = parsed.diagnostics.filter((d) => d.file === 'nodes/n1/nft-ruleset.txt');
    expect(text.map((d) => [d.severity, d.code, d.message])).toEqual([
      ['warning', 'command-failed', '`nft list ruleset` exited with 1'],
      ['info', 'not-analysed', 'kept unparsed: nodes/n1/nft-ruleset.json renders the same rules, all of them understood'],
    ]);
  });

  it('uses a complete text over a JSON rendering that could not be read at all (--keep-going)', () => {
    const parsed = parseBundle(
      source([
        ['nodes/n1/nft-ruleset.json', Buffer.from('{"nftables": [{"table": ')],
        ['nodes/n1/nft-ruleset.txt', NATIVE_TEXT],
      ]),
      { keepGoing: true },
    );
    expect(parsed.rulesets.get('n1')?.file).toBe('nodes/n1/nft-ruleset.txt');
    expect(parsed.diagnostics.map((d) => [d.file, d.code])).toContainEqual(['nodes/n1/nft-ruleset.json', 'malformed-json']);
  });

  it('keeps the diagnostics in file order although the rulesets are read after the other files', () => {
    const parsed = parseBundle(
      source([
        ['nodes/n1/nft-ruleset.txt', XT_TEXT],
        ['nodes/n1/ip-link.txt', Buffer.from('not ip link output\n')],
        ['nodes/n1/nft-ruleset.json', XT_JSON],
      ]),
    );
    const files = parsed.diagnostics.map((d) => d.file);
    const firstOf = (path: string) => files.indexOf(path);
    const lastOf = (path: string) => files.lastIndexOf(path);
    expect(lastOf('nodes/n1/ip-link.txt')).toBeLessThan(firstOf('nodes/n1/nft-ruleset.json'));
    expect(lastOf('nodes/n1/nft-ruleset.json')).toBeLessThan(firstOf('nodes/n1/nft-ruleset.txt'));
  });
});
