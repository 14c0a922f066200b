import { describe, expect, it, vi } from 'vitest';

/** Every Worker constructed, with its options; none is started. */
const constructed = vi.hoisted(() => [] as { script: unknown; options: unknown }[]);

vi.mock('node:worker_threads', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:worker_threads')>();
  const { EventEmitter } = await import('node:events');
  class RecordingWorker extends EventEmitter {
    constructor(script: unknown, options: unknown) {
      super();
      constructed.push({ script, options });
    }
    postMessage(): void {}
    terminate(): Promise<number> {
      return Promise.resolve(0);
    }
  }
  return { ...real, Worker: RecordingWorker };
});

const { ANALYSIS_THREAD_LIMITS } = await import('../../../db/thread-heap');
const { startDbWorker } = await import('../../../db/worker-client');
const { ClusterParser } = await import('../../../db/import/cluster-parse');

describe('the heap of the threads that import and analyse', () => {
  it('is a young generation larger than V8 gives by default (3 × 16 MB)', () => {
    expect(ANALYSIS_THREAD_LIMITS.maxYoungGenerationSizeMb).toBeGreaterThan(48);
  });

  it('is what the library worker and the cluster-parsing worker are started with', () => {
    constructed.length = 0;
    void startDbWorker({ workerPath: '/nowhere/db-worker.mjs', dbPath: '/nowhere/library.sqlite' }).catch(() => {});
    new ClusterParser('/nowhere/cluster-worker.js');
    expect(constructed).toEqual([
      { script: '/nowhere/db-worker.mjs', options: expect.objectContaining({ resourceLimits: ANALYSIS_THREAD_LIMITS }) },
      { script: '/nowhere/cluster-worker.js', options: { resourceLimits: ANALYSIS_THREAD_LIMITS } },
    ]);
  });
});
