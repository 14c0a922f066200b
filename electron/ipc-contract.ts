// The one API contract between the UI and the library: method names, argument and result types.
// Electron main, the preload, the web harness (`npm run web`) and the renderer all use it, so a
// method added here is checked everywhere at once (Fiddle's ipc-events, vscode's ProxyChannel).
import type {
  Diagnostic,
  FileEntry,
  FileExcerpt,
  ImportProgress,
  ImportResult,
  QueryResult,
  ServiceRow,
  SnapshotSummary,
} from '../db/api-types';
import type { SnapshotDiff } from '../renderer/src/analysis/diff/types';
import type { Finding } from '../renderer/src/analysis/findings';
import type { NftRuleset, Route, NetInterface, NetAddress } from '../renderer/src/analysis/model';
import type { FlowSpec, PathTree, ServiceTrace } from '../renderer/src/analysis/trace/types';
import type { VethCorrelation } from '../renderer/src/analysis/veths';

/** Every channel name starts with this; main and preload refuse anything else (vscode's `vscode:`). */
export const IPC_PREFIX = 'knp:';

export interface SnapshotRef {
  snapshotId: number;
}

export interface NodeOverview {
  name: string;
  captured: boolean;
  interfaces: number;
  routes: number;
  rules: number;
  netns: number;
}

export interface SnapshotOverview {
  snapshot: SnapshotSummary;
  nodes: NodeOverview[];
  counts: { services: number; endpoints: number; pods: number; veths: number; rules: number };
  findings: Finding[];
  diagnostics: Diagnostic[];
}

export interface NodeNetwork {
  node: string;
  /** null for the host namespace */
  netns: string | null;
  interfaces: NetInterface[];
  addresses: NetAddress[];
  routes: Route[];
}

export interface SearchHit {
  kind: 'service' | 'pod' | 'endpoint' | 'chain' | 'rule' | 'interface' | 'route' | 'node' | 'netns';
  label: string;
  detail: string;
  node: string | null;
  /** what the UI opens for this hit */
  target: { view: 'service' | 'pod' | 'rules' | 'interfaces' | 'routes' | 'overview'; key: string };
  source: { file: string; line: number } | null;
}

/** The methods the UI can call, each with one argument object and a promised result. */
export interface KnpApi {
  listSnapshots(args: Record<string, never>): Promise<SnapshotSummary[]>;
  importBundle(args: { path: string; name?: string }): Promise<ImportResult>;
  deleteSnapshot(args: SnapshotRef): Promise<boolean>;
  getOverview(args: SnapshotRef): Promise<SnapshotOverview>;
  listServices(args: SnapshotRef): Promise<ServiceRow[]>;
  traceService(args: SnapshotRef & { namespace: string; name: string; port?: string }): Promise<ServiceTrace>;
  traceFlow(args: SnapshotRef & { flow: FlowSpec }): Promise<PathTree>;
  listVeths(args: SnapshotRef): Promise<VethCorrelation>;
  /** snapshot ids A and B; nodeA and nodeB (both or neither) compare two differently named nodes */
  diffSnapshots(args: { a: number; b: number; nodeA?: string; nodeB?: string }): Promise<SnapshotDiff>;
  getRuleset(args: SnapshotRef & { node: string }): Promise<NftRuleset | null>;
  getNetwork(args: SnapshotRef & { node: string }): Promise<NodeNetwork[]>;
  search(args: SnapshotRef & { text: string }): Promise<SearchHit[]>;
  fileExcerpt(args: SnapshotRef & { path: string; line: number }): Promise<FileExcerpt | null>;
  listFiles(args: SnapshotRef): Promise<FileEntry[]>;
  runQuery(args: { sql: string }): Promise<QueryResult>;
}

export type KnpMethod = keyof KnpApi;

/** Events main pushes to the renderer. */
export interface KnpEvents {
  importProgress: ImportProgress;
  /** a native menu item asking the UI to act (Open bundle…, Compare…, a recent snapshot) */
  menuCommand: { command: 'open' | 'compare' | 'open-snapshot'; snapshotId?: number; path?: string };
}

export type KnpEvent = keyof KnpEvents;

/** Replies travel as a result or an error with name, message and code (Signal's sql channel). */
export type IpcReply<T> = { ok: true; value: T } | { ok: false; error: { name: string; message: string; code: string | null } };

/** Methods the preload exposes; the list is typed so it cannot drift from KnpApi. */
export const KNP_METHODS: readonly KnpMethod[] = [
  'listSnapshots',
  'importBundle',
  'deleteSnapshot',
  'getOverview',
  'listServices',
  'traceService',
  'traceFlow',
  'listVeths',
  'diffSnapshots',
  'getRuleset',
  'getNetwork',
  'search',
  'fileExcerpt',
  'listFiles',
  'runQuery',
] as const satisfies readonly KnpMethod[];

export const KNP_EVENTS: readonly KnpEvent[] = ['importProgress', 'menuCommand'];

/** Electron-only channels beside the API: the native open dialog, and the renderer saying it listens (events queued until then). */
export const KNP_NATIVE_CHANNELS = { pickBundle: IPC_PREFIX + 'pickBundle', rendererReady: IPC_PREFIX + 'rendererReady' } as const;

export function channelFor(name: KnpMethod | KnpEvent): string {
  return IPC_PREFIX + name;
}

/** What the preload puts on `window.knp`: the API plus an event subscription. */
export interface KnpBridge {
  api: KnpApi;
  on<E extends KnpEvent>(event: E, listener: (payload: KnpEvents[E]) => void): () => void;
  /** true inside Electron (native dialogs available), false in the web harness */
  native: boolean;
  /** Electron only: the native open dialog; resolves to a path or null */
  pickBundle?: () => Promise<string | null>;
  /** Electron only: the file-system path of a dropped or picked File (webUtils.getPathForFile); '' for a File not backed by a file */
  pathForFile?: (file: File) => string;
}
