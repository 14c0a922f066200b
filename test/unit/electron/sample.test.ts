import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeApi } from './fake-api';
import { importSampleOnFirstRun, sampleBundlePath, SAMPLE_NAME } from '../../../electron/main/sample';

const ROOT = join(__dirname, '../../..');

describe('first-run sample', () => {
  it('resolves the article bundle from the app path in development', () => {
    expect(sampleBundlePath(ROOT)).toBe(join(ROOT, 'test/fixtures/bundles/article'));
    expect(sampleBundlePath('/nonexistent/app.asar')).toBeNull();
  });

  it('imports it into an empty library on the first run only', async () => {
    const api = fakeApi();
    api.listSnapshots.mockResolvedValue([]);
    expect(await importSampleOnFirstRun(api, false, ROOT)).toBe(false);
    expect(await importSampleOnFirstRun(api, true, '/nonexistent')).toBe(false);
    expect(api.importBundle).not.toHaveBeenCalled();
    expect(await importSampleOnFirstRun(api, true, ROOT)).toBe(true);
    expect(api.importBundle).toHaveBeenCalledWith({ path: join(ROOT, 'test/fixtures/bundles/article'), name: SAMPLE_NAME });
  });

  it('leaves a library that already has snapshots alone', async () => {
    const api = fakeApi();
    api.listSnapshots.mockResolvedValue([{ id: 1 }]);
    expect(await importSampleOnFirstRun(api, true, ROOT)).toBe(false);
  });
});
