// First run: an empty library gets the article's sample bundle, so the app opens on something
// real. The sample is test/fixtures/bundles/article/ resolved from the app path, which is the
// repository in development (`npm run app`, `electron-vite dev`). A packaged app does not ship
// it (the build cannot copy it into resources yet) and simply starts empty.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KnpApi } from '../ipc-contract';

export const SAMPLE_NAME = 'article (sample)';

export function sampleBundlePath(appPath: string): string | null {
  const path = join(appPath, 'test/fixtures/bundles/article');
  return existsSync(join(path, 'manifest.json')) ? path : null;
}

/** Imports the sample when this is the library's first run and it is still empty; true when it did. */
export async function importSampleOnFirstRun(api: KnpApi, firstRun: boolean, appPath: string): Promise<boolean> {
  if (!firstRun) return false;
  const path = sampleBundlePath(appPath);
  if (!path || (await api.listSnapshots({})).length > 0) return false;
  await api.importBundle({ path, name: SAMPLE_NAME });
  return true;
}
