import type {
  ClusterData,
  NamespaceCapture,
  NodeData,
  NftRuleset,
  ParseIssue,
  ParseResult,
  Sandbox,
  SnapshotData,
} from '../../renderer/src/analysis/model';
import { classifyPath, sniffContent, type FileKind } from './classify';
import { diagnostic, issueToDiagnostic, type Diagnostic } from './diagnostics';
import { ImportError } from './errors';
import { readManifest, type Manifest, type ManifestFile } from './manifest';
import { sha256, readBundleSource, type BundleSource, type ReadOptions } from './archive';
import { FILE_PARSERS, type ParsedValue } from './file-parsers';
import { readNodeRuleset, unknownStatementsIn, RULESET_PREFERENCE, type RenderingReader, type StoredRendering } from './node-ruleset';
import type { RuleReceiver } from '../parsers/nft-common';

export interface BundleFile {
  path: string;
  kind: FileKind;
  node: string | null;
  netns: string | null;
  content: Buffer;
  hash: string;
  command: string | null;
  exitCode: number | null;
  durationMs: number | null;
  stderr: string | null;
}

export type RulesetFormat = 'nft-json' | 'nft-text' | 'iptables-save';

export interface ParsedRuleset {
  /** the parsed rules; when an import stored them as they were parsed (`stored`), its chains have none */
  ruleset: NftRuleset;
  /** content hash of the file it came from: identical files are stored and parsed once */
  hash: string;
  format: RulesetFormat;
  file: string;
  stored?: StoredRendering;
}

export interface ParsedBundle {
  source: Pick<BundleSource, 'kind' | 'path' | 'contentHash' | 'sizeBytes'>;
  manifest: Manifest | null;
  nodes: NodeData[];
  rulesets: Map<string, ParsedRuleset>;
  cluster: ClusterData;
  files: BundleFile[];
  diagnostics: Diagnostic[];
}

export interface ParseBundleOptions {
  /** import even when a data file is malformed JSON (it is then recorded as a diagnostic) */
  keepGoing?: boolean;
  /** node name for a loose file */
  looseNode?: string;
}

function emptyNode(name: string): NodeData {
  return {
    name,
    interfaces: [],
    addresses: [],
    routes: [],
    ipRules: [],
    neighbours: [],
    fdb: [],
    netns: [],
    namespaces: [],
    sandboxes: [],
    ruleset: null,
    sysctls: {},
  };
}

export function decode(content: Buffer): string {
  return content.toString('utf8');
}

/** A bundle's files, classified and matched to the manifest's record of how each was collected. */
export interface OpenedBundle {
  source: ParsedBundle['source'];
  manifest: Manifest | null;
  files: BundleFile[];
  /** what is wrong with the bundle as a whole (no manifest) */
  diagnostics: Diagnostic[];
}

/** Turns the files of a bundle into normalised records plus diagnostics. Pure apart from hashing. */
export function parseBundle(source: BundleSource, opts: ParseBundleOptions = {}): ParsedBundle {
  const bundle = openBundle(source, opts);
  const cluster = parseClusterFiles(bundle.files.filter(isClusterFile), opts);
  const nodes = parseNodeFiles(bundle, opts);
  return {
    ...bundle,
    ...nodes,
    cluster: cluster.cluster,
    diagnostics: [...bundle.diagnostics, ...cluster.diagnostics, ...nodes.diagnostics],
  };
}

/** Reads the manifest and classifies every file; parses nothing else. */
export function openBundle(source: BundleSource, opts: ParseBundleOptions = {}): OpenedBundle {
  const manifestText = source.entries.get('manifest.json');
  const manifest = manifestText ? readManifest(decode(manifestText)) : null;
  const manifestFiles = new Map<string, ManifestFile>((manifest?.files ?? []).map((f) => [f.path, f]));
  const files = classifyFiles(source, manifestFiles, opts.looseNode ?? 'node');
  const diagnostics: Diagnostic[] = [];
  if (!manifest && source.kind !== 'file') {
    diagnostics.push(diagnostic('manifest.json', 'warning', 'missing-manifest', 'no manifest.json: not a kube-netpath bundle v1; importing what is recognised'));
  }
  const { kind, path, contentHash, sizeBytes } = source;
  return { source: { kind, path, contentHash, sizeBytes }, manifest, files, diagnostics };
}

/** The cluster-wide kubectl files (cluster/*.json), which parse independently of the nodes' files. */
export const isClusterFile = (file: BundleFile) => CLUSTER_KINDS.has(file.kind);

export interface ParsedCluster {
  cluster: ClusterData;
  /** the files' diagnostics, in file order */
  diagnostics: Diagnostic[];
}

/** Parses the cluster files of a bundle (those isClusterFile picks). */
export function parseClusterFiles(files: readonly BundleFile[], opts: ParseBundleOptions = {}): ParsedCluster {
  const cluster: ClusterData = { services: [], endpointSlices: [], pods: [], nodes: [], events: [] };
  const diagnostics: Diagnostic[] = [];
  const parseCache = new Map<string, ParseResult<ParsedValue>>();
  for (const file of files) {
    const value = parseFile(file, opts, parseCache, diagnostics);
    switch (value?.kind) {
      case 'services':
        cluster.services.push(...value.records);
        break;
      case 'endpointslices':
        cluster.endpointSlices.push(...value.records);
        break;
      case 'pods':
        cluster.pods.push(...value.records);
        break;
      case 'nodes':
        cluster.nodes.push(...value.records);
        break;
      case 'events':
        cluster.events.push(...value.records);
        break;
    }
  }
  return { cluster, diagnostics };
}

export interface ParsedNodes {
  nodes: NodeData[];
  rulesets: Map<string, ParsedRuleset>;
  /**
   * the diagnostics of every file but the cluster files, in file order, then what is missing.
   * (Cluster files sort first in a bundle, so the cluster's diagnostics go before these.)
   */
  diagnostics: Diagnostic[];
}

/** Where an import stores each ruleset rendering as it is parsed (RulesetWriter). */
export interface RenderingStore {
  /** The rendering of this content stored already for another node, now used by one more; undefined if none. */
  reuse(hash: string): StoredRendering | undefined;
  /** Starts storing a rendering: its parser hands its rules to the receiver returned. */
  begin(hash: string, format: RulesetFormat): RuleReceiver;
  /** Ends the rendering begun last, given what its parser returned (null: the file held none). */
  end(ruleset: NftRuleset | null): StoredRendering | null;
  /** A node does not use this rendering after all. */
  drop(rendering: StoredRendering): void;
}

/**
 * Parses the per-node files of a bundle and everything else that is not a cluster file. With a
 * `store`, the rules of each ruleset go into it as they are parsed: the rulesets returned hold
 * their tables, chains and sets, but no rules.
 */
export function parseNodeFiles(bundle: OpenedBundle, opts: ParseBundleOptions = {}, store?: RenderingStore): ParsedNodes {
  const { manifest, files } = bundle;
  // Per file, so that they come out in file order although the rulesets are read last.
  const fileDiagnostics = new Map<BundleFile, Diagnostic[]>();
  const diagnosticsOf = (file: BundleFile) => {
    let list = fileDiagnostics.get(file);
    if (!list) fileDiagnostics.set(file, (list = []));
    return list;
  };
  const nodes = new Map<string, NodeData>();
  const nodeOf = (name: string) => {
    let node = nodes.get(name);
    if (!node) nodes.set(name, (node = emptyNode(name)));
    return node;
  };
  for (const name of manifest?.nodes ?? []) nodeOf(name);

  const namespaces = new Map<string, NamespaceCapture>();
  const rulesetFiles = new Map<string, BundleFile[]>();
  const inspected = new Map<string, Sandbox[]>();
  const parseCache = new Map<string, ParseResult<ParsedValue>>();

  for (const file of files) {
    if (isClusterFile(file)) continue;
    if (RULESET_FORMATS.has(file.kind) && file.node !== null) {
      const list = rulesetFiles.get(file.node) ?? [];
      list.push(file);
      rulesetFiles.set(file.node, list);
      continue;
    }
    const value = parseFile(file, opts, parseCache, diagnosticsOf(file));
    switch (value?.kind) {
      case 'interfaces':
      case 'addresses':
      case 'routes': {
        if (file.netns) {
          const key = `${file.node}\0${file.netns}`;
          let ns = namespaces.get(key);
          if (!ns) {
            ns = { name: file.netns, interfaces: [], addresses: [], routes: [] };
            namespaces.set(key, ns);
            nodeOf(file.node!).namespaces.push(ns);
          }
          (ns[value.kind] as unknown[]).push(...value.records);
        } else {
          (nodeOf(file.node!)[value.kind] as unknown[]).push(...value.records);
        }
        break;
      }
      case 'ipRules':
      case 'neighbours':
      case 'fdb':
      case 'netns':
        (nodeOf(file.node!)[value.kind] as unknown[]).push(...value.records);
        break;
      case 'sandboxes':
        nodeOf(file.node!).sandboxes.push(...value.records);
        break;
      case 'inspectp': {
        const list = inspected.get(file.node!) ?? [];
        list.push(...value.records);
        inspected.set(file.node!, list);
        break;
      }
      case 'sysctls':
        Object.assign(nodeOf(file.node!).sysctls, value.records);
        break;
    }
  }

  const rulesets = new Map<string, ParsedRuleset>();
  const skipped = (file: BundleFile, used: BundleFile) => {
    diagnosticsOf(file).push(
      ...collectionDiagnostics(file),
      diagnostic(file.path, 'info', 'not-analysed', `kept unparsed: ${used.path} renders the same rules, all of them understood`),
    );
  };
  const reader: RenderingReader = store
    ? {
        read: (file) => {
          const stored = store.reuse(file.hash);
          // Its rules are in the store already: the parse of its content (cached) gives the rest.
          if (stored) return { ruleset: rulesetOf(parseFile(file, opts, parseCache, diagnosticsOf(file)))!, unknown: stored.unknown, stored };
          const receiver = store.begin(file.hash, file.kind as RulesetFormat);
          const ruleset = rulesetOf(parseFile(file, opts, parseCache, diagnosticsOf(file), receiver));
          const rendering = store.end(ruleset);
          return ruleset && rendering && { ruleset, unknown: rendering.unknown, stored: rendering };
        },
        drop: (read) => store.drop(read.stored!),
        skipped,
      }
    : {
        read: (file) => {
          const ruleset = rulesetOf(parseFile(file, opts, parseCache, diagnosticsOf(file)));
          return ruleset && { ruleset, unknown: unknownStatementsIn(ruleset) };
        },
        drop: () => {},
        skipped,
      };
  for (const [name, candidates] of rulesetFiles) {
    const chosen = readNodeRuleset(candidates, reader);
    if (!chosen) continue;
    rulesets.set(name, chosen);
    nodeOf(name).ruleset = chosen.ruleset;
  }
  for (const [name, sandboxes] of inspected) mergeSandboxes(nodeOf(name), sandboxes);

  const nodeList = [...nodes.values()].sort((a, b) => a.name.localeCompare(b.name));
  const diagnostics = files.flatMap((file) => fileDiagnostics.get(file) ?? []);
  diagnostics.push(...missingPieces(nodeList, files, bundle.source.kind));
  return { nodes: nodeList, rulesets, diagnostics };
}

/**
 * Parses one file, once per kind and content (identical files share the result), and adds its
 * diagnostics; null for a file that has no parser or is empty. Malformed JSON stops the import
 * unless `keepGoing`.
 */
function parseFile(
  file: BundleFile,
  opts: ParseBundleOptions,
  parseCache: Map<string, ParseResult<ParsedValue>>,
  diagnostics: Diagnostic[],
  receiver?: RuleReceiver,
): ParsedValue | null {
  const parser = FILE_PARSERS[file.kind];
  if (!checkFile(file, parser !== undefined, diagnostics) || !parser) return null;
  const cacheKey = `${file.kind}:${file.hash}`;
  // A receiver takes the rules away: the content is parsed again for it, cached or not.
  let result = receiver ? undefined : parseCache.get(cacheKey);
  if (!result) {
    result = parser(decode(file.content), { file: file.path, receiver });
    parseCache.set(cacheKey, result);
  }
  addIssues(file, result.issues, opts, diagnostics);
  return result.value;
}

/**
 * What every file gets before it is parsed: the diagnostics of its collection, and a warning
 * instead of a parse when it is empty. Returns whether to parse it (`parsed`: its kind has a
 * parser; IPVS tables, which have none, are noted as not analysed).
 */
export function checkFile(file: BundleFile, parsed: boolean, diagnostics: Diagnostic[]): boolean {
  diagnostics.push(...collectionDiagnostics(file));
  if (!parsed) {
    if (file.kind === 'ipvsadm') {
      diagnostics.push(diagnostic(file.path, 'info', 'not-analysed', 'IPVS tables are kept as raw text; the path engine reads nftables/iptables rules'));
    }
    return false;
  }
  if (file.content.length === 0) {
    diagnostics.push(diagnostic(file.path, 'warning', 'empty-file', 'the file is empty'));
    return false;
  }
  return true;
}

/** A file's parse issues as diagnostics. Malformed JSON stops the import, unless it keeps going. */
export function addIssues(file: BundleFile, issues: readonly ParseIssue[], opts: ParseBundleOptions, diagnostics: Diagnostic[]): void {
  for (const issue of issues) {
    if (issue.code === 'malformed-json' && !opts.keepGoing) {
      throw new ImportError(
        `${file.path}:${issue.line}:${issue.col}: malformed JSON${issue.detail ? ` (${issue.detail})` : ''}; nothing was imported (use --keep-going to import the rest)`,
        'bad-manifest',
      );
    }
    diagnostics.push(issueToDiagnostic(file.path, issue));
  }
}

function rulesetOf(value: ParsedValue | null): NftRuleset | null {
  return value?.kind === 'ruleset' ? value.records : null;
}

/** What went wrong collecting the file (its command failed), whether or not it is parsed. */
function collectionDiagnostics(file: BundleFile): Diagnostic[] {
  if (file.exitCode === null || file.exitCode === 0) return [];
  return [diagnostic(file.path, 'warning', 'command-failed', `\`${file.command ?? 'collector command'}\` exited with ${file.exitCode}`, file.stderr || null)];
}

function classifyFiles(source: BundleSource, manifestFiles: Map<string, ManifestFile>, looseNode: string): BundleFile[] {
  return [...source.entries]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, content]) => {
      let { kind, node, netns } = classifyPath(path);
      if (source.kind === 'file') {
        kind = sniffContent(decode(content));
        node = CLUSTER_KINDS.has(kind) ? null : looseNode;
        netns = null;
      }
      const meta = manifestFiles.get(path);
      return {
        path,
        kind,
        node,
        netns,
        content,
        hash: source.entryHashes?.get(path) ?? sha256(content),
        command: meta?.command ?? null,
        exitCode: meta?.exitCode ?? null,
        durationMs: meta?.durationMs ?? null,
        stderr: meta?.stderr ?? null,
      };
    });
}

const CLUSTER_FILE_KINDS = ['services', 'endpointslices', 'endpoints', 'pods', 'nodes', 'events'] as const satisfies readonly FileKind[];
/** The kinds of the cluster-wide kubectl files. */
export type ClusterFileKind = (typeof CLUSTER_FILE_KINDS)[number];
const CLUSTER_KINDS = new Set<FileKind>(CLUSTER_FILE_KINDS);
const RULESET_FORMATS: ReadonlySet<FileKind> = new Set(RULESET_PREFERENCE);

/** crictl inspectp fills in what `crictl pods` lacks: the netns path and the pod IP. */
function mergeSandboxes(node: NodeData, inspected: Sandbox[]): void {
  const byId = new Map(node.sandboxes.map((s) => [s.id, s]));
  for (const detail of inspected) {
    const known = byId.get(detail.id);
    if (!known) {
      node.sandboxes.push(detail);
      byId.set(detail.id, detail);
      continue;
    }
    known.netnsPath ??= detail.netnsPath;
    known.ip ??= detail.ip;
    known.podUid ??= detail.podUid;
    known.state ??= detail.state;
  }
}

/** Says what a user would miss: a node without rules or links, a bundle without Services. */
function missingPieces(nodes: NodeData[], files: BundleFile[], kind: BundleSource['kind']): Diagnostic[] {
  const out: Diagnostic[] = [];
  const has = (node: string | null, k: FileKind[]) => files.some((f) => f.node === node && f.netns === null && k.includes(f.kind));
  if (kind !== 'file' && !files.some((f) => f.kind === 'services')) {
    out.push(diagnostic('cluster/services.json', 'warning', 'missing-file', 'no Services captured: paths can only be traced for flows you name'));
  }
  if (kind !== 'file' && !files.some((f) => f.kind === 'endpointslices' || f.kind === 'endpoints')) {
    out.push(diagnostic('cluster/endpointslices.json', 'warning', 'missing-file', 'no EndpointSlices or Endpoints captured: endpoints are known only from the rules'));
  }
  for (const node of nodes) {
    const dir = `nodes/${node.name}`;
    if (!has(node.name, ['nft-text', 'nft-json', 'iptables-save'])) {
      out.push(diagnostic(`${dir}/nft-ruleset.txt`, 'warning', 'missing-file', `node ${node.name}: no nftables or iptables rules captured`));
    }
    if (!has(node.name, ['ip-link-json', 'ip-link-text'])) {
      out.push(diagnostic(`${dir}/ip-link.json`, 'warning', 'missing-file', `node ${node.name}: no interfaces captured`));
    }
    if (!has(node.name, ['ip-route-json', 'ip-route-text'])) {
      out.push(diagnostic(`${dir}/ip-route.json`, 'warning', 'missing-file', `node ${node.name}: no routes captured`));
    }
  }
  return out;
}

/** Reads and parses a bundle (archive, folder or loose file) into snapshot data, for tests and the analysis. */
export async function parseBundlePath(
  path: string,
  opts: ParseBundleOptions & ReadOptions = {},
): Promise<{ snapshot: SnapshotData; diagnostics: Diagnostic[]; parsed: ParsedBundle }> {
  const parsed = parseBundle(await readBundleSource(path, opts), opts);
  return { snapshot: toSnapshotData(parsed, 0, path), diagnostics: parsed.diagnostics, parsed };
}

/** The folder form of parseBundlePath, named for what tests pass it. */
export const parseBundleFolder = parseBundlePath;

export function toSnapshotData(parsed: ParsedBundle, id: number, name: string): SnapshotData {
  return {
    id,
    name,
    createdAt: parsed.manifest?.createdAt ?? null,
    nodes: parsed.nodes,
    cluster: parsed.cluster,
  };
}
