// The import's cluster-parsing worker (see cluster-parse.ts): one job in, its rows or its error
// out, then the thread ends. Built as its own entry: out/cli/cluster-worker.js for the CLI,
// out/main/cluster-worker.js for the app.

import { parentPort } from 'node:worker_threads';
import { parseClusterRows, type ClusterJob, type ClusterReply } from './cluster-parse';
import { toWireError } from '../worker-client';

function answer(port: NonNullable<typeof parentPort>, job: ClusterJob): void {
  let reply: ClusterReply;
  try {
    reply = { ok: true, value: parseClusterRows(job) };
  } catch (error) {
    reply = { ok: false, error: toWireError(error) };
  }
  port.postMessage(reply);
  port.close();
}

/** Contents arrive as plain Uint8Arrays (a Buffer's class does not cross threads): view them as Buffers again. */
function withBuffers(job: ClusterJob): ClusterJob {
  const files = job.files.map((f) => ({ ...f, content: Buffer.from(f.content.buffer, f.content.byteOffset, f.content.byteLength) }));
  return { ...job, files };
}

if (parentPort) parentPort.once('message', (job: ClusterJob) => answer(parentPort!, withBuffers(job)));
