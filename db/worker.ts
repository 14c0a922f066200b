// The db worker thread (Signal Desktop's mainWorker, kept small): all better-sqlite3 work of the
// app runs here, off the main process's event loop. It hosts one LibraryService and dispatches
// `{seq, method, args}` requests to it; every reply carries the call's duration, and import
// progress is forwarded as events. db/worker-client.ts is the other end.

import { parentPort, workerData } from 'node:worker_threads';
import type { KnpMethod } from '../electron/ipc-contract';
import type { ImportProgress } from './api-types';
import { LibraryService } from './library-service';
import { isKnpMethod } from './validate';
import { toWireError, type WireError } from './worker-client';

export interface WorkerInit {
  dbPath: string;
}

export type WorkerRequest = { type: 'call'; seq: number; method: KnpMethod; args: unknown } | { type: 'close' };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'fatal'; error: WireError }
  | { type: 'reply'; seq: number; ok: true; value: unknown; duration: number }
  | { type: 'reply'; seq: number; ok: false; error: WireError; duration: number }
  | { type: 'event'; event: 'importProgress'; payload: ImportProgress };

function main(port: NonNullable<typeof parentPort>, init: WorkerInit): void {
  const post = (message: WorkerReply) => port.postMessage(message);
  let service: LibraryService;
  try {
    service = new LibraryService(init.dbPath, { onImportProgress: (payload) => post({ type: 'event', event: 'importProgress', payload }) });
  } catch (error) {
    post({ type: 'fatal', error: toWireError(error) });
    port.close();
    return;
  }
  port.on('message', async (request: WorkerRequest) => {
    if (request.type === 'close') {
      service.close();
      port.close();
      return;
    }
    const { seq, method, args } = request;
    const start = performance.now();
    try {
      if (!isKnpMethod(method)) throw new Error(`unknown method ${JSON.stringify(method)}`);
      const call = service[method] as (a: unknown) => Promise<unknown>;
      const value = await call.call(service, args);
      post({ type: 'reply', seq, ok: true, value, duration: performance.now() - start });
    } catch (error) {
      post({ type: 'reply', seq, ok: false, error: toWireError(error), duration: performance.now() - start });
    }
  });
  post({ type: 'ready' });
}

if (parentPort) main(parentPort, workerData as WorkerInit);
