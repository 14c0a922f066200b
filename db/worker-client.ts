// The main-side end of the db worker (Signal Desktop's MainSQL, one worker instead of a pool):
// a KnpApi whose every method posts `{seq, method, args}` to the worker and resolves when the
// reply with that seq arrives. Errors come back as {name, message, code} and are re-thrown with
// the method name in front; calls slower than SLOW_CALL_MS are logged.

import { Worker } from 'node:worker_threads';
import { KNP_METHODS, type KnpApi, type KnpMethod } from '../electron/ipc-contract';
import type { ImportProgress } from './api-types';
import type { WorkerInit, WorkerReply, WorkerRequest } from './worker';
import { ANALYSIS_THREAD_LIMITS } from './thread-heap';

/** An error as it crosses a thread or process boundary. */
export interface WireError {
  name: string;
  message: string;
  code: string | null;
}

export function toWireError(error: unknown): WireError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, code: typeof code === 'string' ? code : null };
  }
  return { name: 'Error', message: String(error), code: null };
}

/** A failed call, re-thrown on the calling side: `importBundle: a snapshot named "x" already exists`. */
export class DbCallError extends Error {
  readonly code: string | null;
  constructor(method: string, wire: WireError) {
    super(`${method}: ${wire.message}`);
    this.name = wire.name;
    this.code = wire.code;
  }
}

export const SLOW_CALL_MS = 40;

export interface DbWorkerOptions {
  /** the built worker script (out/main/worker.js) */
  workerPath: string | URL;
  dbPath: string;
  onImportProgress?: (progress: ImportProgress) => void;
  /** where slow calls are reported; console.warn by default */
  log?: (line: string) => void;
}

export type DbClient = KnpApi & { close(): Promise<void> };

interface Pending {
  method: KnpMethod;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** Starts the worker and resolves once it has opened the library (or rejects with why it could not). */
export function startDbWorker(opts: DbWorkerOptions): Promise<DbClient> {
  const log = opts.log ?? ((line: string) => console.warn(line));
  const init: WorkerInit = { dbPath: opts.dbPath };
  const worker = new Worker(opts.workerPath, { workerData: init, resourceLimits: ANALYSIS_THREAD_LIMITS });
  const pending = new Map<number, Pending>();
  let seq = 0;
  let dead: Error | null = null;

  const fail = (error: Error) => {
    dead ??= error;
    for (const p of pending.values()) p.reject(new DbCallError(p.method, toWireError(dead)));
    pending.clear();
  };

  const call = (method: KnpMethod, args: unknown): Promise<unknown> => {
    if (dead) return Promise.reject(new DbCallError(method, toWireError(dead)));
    const id = ++seq;
    return new Promise((resolve, reject) => {
      pending.set(id, { method, resolve, reject });
      worker.postMessage({ type: 'call', seq: id, method, args } satisfies WorkerRequest);
    });
  };

  const api = Object.fromEntries(KNP_METHODS.map((method) => [method, (args: unknown) => call(method, args)])) as unknown as KnpApi;

  const close = (): Promise<void> => {
    if (dead) return Promise.resolve();
    return new Promise((resolve) => {
      worker.once('exit', () => resolve());
      worker.postMessage({ type: 'close' } satisfies WorkerRequest);
    });
  };

  return new Promise((resolve, reject) => {
    worker.on('message', (message: WorkerReply) => {
      switch (message.type) {
        case 'ready':
          resolve({ ...api, close });
          return;
        case 'fatal':
          reject(Object.assign(new Error(`cannot open the library ${opts.dbPath}: ${message.error.message}`), { code: message.error.code }));
          return;
        case 'event':
          opts.onImportProgress?.(message.payload);
          return;
        case 'reply': {
          const p = pending.get(message.seq);
          if (!p) return;
          pending.delete(message.seq);
          if (message.duration > SLOW_CALL_MS) log(`db: ${p.method} took ${Math.round(message.duration)} ms`);
          if (message.ok) p.resolve(message.value);
          else p.reject(new DbCallError(p.method, message.error));
        }
      }
    });
    worker.on('error', (error) => {
      fail(error);
      reject(error);
    });
    worker.on('exit', (code) => {
      fail(new Error(`the db worker has exited (code ${code})`));
      reject(new Error(`the db worker exited before opening the library (code ${code})`));
    });
  });
}
