// The cluster files (kubectl JSON for every Service, EndpointSlice and pod) parse independently of
// the nodes' rulesets, so an import parses them on the machine's other core while this thread
// parses the rulesets: in a worker thread that encodes them as the tables' rows (cluster-rows.ts)
// and writes those into a staging file the import copies from (cluster-staging.ts). Handing back
// the records, or even the rows, would make this thread rebuild them value by value, which cost
// most of what the worker saved. Small clusters parse in-thread, into rows.

import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Diagnostic } from './diagnostics';
import type { ParseIssue } from '../../renderer/src/analysis/model';
import { ENDPOINT_SLICES, ENDPOINTS, EVENTS, NODES, PODS, readKubectl, SERVICES } from '../parsers/kubectl';
import type { ParseOptions } from '../parsers/issues';
import {
  encodeEndpointSlice,
  encodeEvent,
  encodeNode,
  encodePod,
  encodeService,
  RowLists,
  type ClusterRows,
  type ClusterRowSink,
} from './cluster-rows';
import { StagingWriter } from './cluster-staging';
import { ImportError, type ImportErrorCode } from './errors';
import { ANALYSIS_THREAD_LIMITS } from '../thread-heap';
import { addIssues, checkFile, decode, type BundleFile, type ClusterFileKind, type ParseBundleOptions } from './parse-bundle';
import type { WireError } from '../worker-client';

/** The cluster's rows, or null when the worker wrote them into the staging file (cluster-staging.ts), and the diagnostics. */
export interface ClusterRowsResult {
  rows: ClusterRows | null;
  diagnostics: Diagnostic[];
}

/** What the main side posts to the worker, and what it posts back. */
export interface ClusterJob {
  files: BundleFile[];
  opts: ParseBundleOptions;
  /** the staging file the worker writes the rows into; none: they come back as rows */
  staging?: string;
}
export type ClusterReply = { ok: true; value: ClusterRowsResult } | { ok: false; error: WireError };

/** Below this much cluster JSON (~70 ms of parsing) a thread, which takes ~50 ms to start, gains nothing. */
export const WORKER_MIN_BYTES = 4 * 1024 * 1024;

/** The built worker's file name: every build puts it next to the bundle that imports (out/cli, out/main). */
const WORKER_FILE = 'cluster-worker.js';

/**
 * The cluster worker built next to this code, or null when running from sources (tests, tsx),
 * which have no built worker and parse in-thread.
 */
export function defaultClusterWorker(): string | null {
  const script = join(dirname(fileURLToPath(import.meta.url)), WORKER_FILE);
  return existsSync(script) ? script : null;
}

/**
 * Parses the cluster files and encodes their rows, on this thread: into the job's staging file
 * if it names one, else into lists handed back.
 */
export function parseClusterRows(job: ClusterJob): ClusterRowsResult {
  if (job.staging === undefined) {
    const lists = new RowLists();
    return { rows: lists.rows, diagnostics: readClusterFiles(job.files, job.opts, lists) };
  }
  const staging = new StagingWriter(job.staging);
  try {
    const diagnostics = readClusterFiles(job.files, job.opts, staging);
    staging.finish();
    return { rows: null, diagnostics };
  } finally {
    staging.close();
  }
}

/** How each kind of cluster file is read, a record at a time, into rows. */
const CLUSTER_READERS: Record<ClusterFileKind, (text: string, opts: ParseOptions, sink: ClusterRowSink) => { issues: ParseIssue[]; complete: boolean }> = {
  services: (text, opts, sink) => readKubectl(SERVICES, text, opts, (svc) => encodeService(svc, sink)),
  endpointslices: (text, opts, sink) => readKubectl(ENDPOINT_SLICES, text, opts, (slice) => encodeEndpointSlice(slice, sink)),
  endpoints: (text, opts, sink) => readKubectl(ENDPOINTS, text, opts, (slices) => slices.forEach((slice) => encodeEndpointSlice(slice, sink))),
  pods: (text, opts, sink) => readKubectl(PODS, text, opts, (pod) => encodePod(pod, sink)),
  nodes: (text, opts, sink) => readKubectl(NODES, text, opts, (node) => encodeNode(node, sink)),
  events: (text, opts, sink) => readKubectl(EVENTS, text, opts, (event) => encodeEvent(event, sink)),
};

/**
 * Reads the cluster files into the sink, each record encoded as soon as its item is read: lists
 * of tens of MB never live in memory as objects, which spares the collector most of its work
 * (building them whole and encoding them afterwards cost as much in collection as in parsing).
 * Returns the files' diagnostics, in file order, as parseClusterFiles gives them.
 */
function readClusterFiles(files: readonly BundleFile[], opts: ParseBundleOptions, sink: ClusterRowSink): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const file of files) {
    const read = CLUSTER_READERS[file.kind as ClusterFileKind];
    if (!checkFile(file, read !== undefined, diagnostics)) continue;
    const mark = sink.mark();
    const { issues, complete } = read(decode(file.content), { file: file.path }, sink);
    // not JSON after all: what was read of it goes, as if nothing had been
    if (!complete) sink.rollback(mark);
    addIssues(file, issues, opts, diagnostics);
  }
  return diagnostics;
}

/** A parse under way: its answer, and the staging file it writes when it runs in the worker. */
export interface ClusterParse {
  answer: Promise<ClusterRowsResult>;
  staging: string | null;
}

/**
 * Parses a bundle's cluster files. With a built worker, its thread starts at once, to boot while
 * the bundle is read; close() stops it, once the result is in or no longer wanted.
 */
export class ClusterParser {
  /** the worker and its one answer (a worker that fails to start fails it before any job is posted) */
  private readonly thread: { worker: Worker; answer: Promise<ClusterRowsResult> } | null;
  private staging: string | null = null;

  constructor(script: string | null) {
    const worker = script === null ? null : new Worker(script, { resourceLimits: ANALYSIS_THREAD_LIMITS });
    this.thread = worker && { worker, answer: answerOf(worker) };
  }

  /**
   * Starts parsing the files: in the worker, which writes the rows into a staging file, or here.
   * In the worker, its errors (an ImportError for malformed JSON) reject the answer; parsed here,
   * they are thrown at once, before anything else parses.
   */
  parse(files: BundleFile[], opts: ParseBundleOptions): ClusterParse {
    const bytes = files.reduce((n, f) => n + f.content.length, 0);
    if (this.thread === null || bytes < WORKER_MIN_BYTES) {
      void this.close();
      return { answer: Promise.resolve(parseClusterRows({ files, opts })), staging: null };
    }
    this.staging = join(tmpdir(), `kube-netpath-cluster-${process.pid}-${randomUUID()}.sqlite`);
    this.thread.worker.postMessage({ files, opts, staging: this.staging } satisfies ClusterJob);
    return { answer: this.thread.answer, staging: this.staging };
  }

  /** Stops the worker and then deletes its staging file: call once the import is done with both. */
  async close(): Promise<void> {
    await this.thread?.worker.terminate();
    if (this.staging !== null) rmSync(this.staging, { force: true });
  }
}

function answerOf(worker: Worker): Promise<ClusterRowsResult> {
  const answer = new Promise<ClusterRowsResult>((resolve, reject) => {
    worker.once('message', (reply: ClusterReply) => (reply.ok ? resolve(reply.value) : reject(fromWire(reply.error))));
    worker.once('error', (error) => reject(new Error(`the cluster-parsing worker failed: ${error.message}`)));
    worker.once('exit', (code) => reject(new Error(`the cluster-parsing worker stopped (exit code ${code}) before it answered`)));
  });
  // An answer nobody waits for any more (the import ended first) is dropped, a failure included.
  answer.catch(() => {});
  return answer;
}

/** An error from the worker, re-thrown as what it was: an ImportError keeps its code. */
function fromWire(error: WireError): Error {
  if (error.name === 'ImportError' && error.code) return new ImportError(error.message, error.code as ImportErrorCode);
  return new Error(`the cluster-parsing worker failed: ${error.message}`);
}
