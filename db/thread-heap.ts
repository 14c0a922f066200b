// The V8 heap of the threads that import and analyse: the library's worker (import, trace, diff
// for the app and the web harness) and the cluster-parsing worker.
//
// They make millions of short-lived objects: tokens and rule records, copies of a walk at every
// fork, hops. With V8's default young generation (16 MB semi-spaces) a scavenge runs every few
// milliseconds and promotes what is still being built to the old generation, which the full
// collector then marks and compacts. Four times that (V8 makes the young generation three
// semi-spaces: 192 MB is 64 MB each), on the 5,000-Service bench, alternating runs: tracing every
// Service 1.66-1.71 → 1.54-1.63 s, an import 1.90-2.01 → 1.83-1.87 s. The cost is memory: up to
// ~150 MB more while they run, well inside the 1 GiB the import is held to.

import type { ResourceLimits } from 'node:worker_threads';

export const ANALYSIS_THREAD_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 192 };
