// Dropping a bundle on the import form: in Electron the File's own path (through the preload's
// webUtils, Electron mocked), in the web harness a dragged path or file URL as text.
import { describe, expect, it, vi } from 'vitest';
import { droppedPath, pathFromText, type DropData } from '../../../renderer/src/ui-logic/dropped-path';
import * as electron from '../electron/mocks/electron';

vi.mock('electron', () => import('../electron/mocks/electron'));

const { createBridge } = await import('../../../electron/preload/bridge');

function drop(files: File[], text: Record<string, string> = {}): DropData {
  return { files, getData: (format) => text[format] ?? '' };
}

function fakeFile(name: string, path?: string): File {
  return Object.assign(new Blob(['x']), { name, ...(path ? { path } : {}) }) as unknown as File;
}

describe('droppedPath', () => {
  it('imports a real dropped file by its path in Electron', () => {
    const bridge = createBridge(electron.ipcRenderer, electron.webUtils);
    const file = fakeFile('article.tar.gz', '/home/me/article.tar.gz');
    expect(droppedPath(drop([file]), bridge.pathForFile)).toBe('/home/me/article.tar.gz');
    expect(electron.webUtils.getPathForFile).toHaveBeenCalledWith(file);
  });

  it('skips files with no path (pasted blobs) and falls back to the text', () => {
    const bridge = createBridge(electron.ipcRenderer, electron.webUtils);
    expect(droppedPath(drop([fakeFile('clip.txt')], { 'text/plain': '/tmp/b.tgz' }), bridge.pathForFile)).toBe('/tmp/b.tgz');
    expect(droppedPath(drop([fakeFile('clip.txt')]), bridge.pathForFile)).toBeNull();
  });

  it('keeps the text / URL drop for the web harness (no pathForFile)', () => {
    const file = fakeFile('article.tar.gz', '/home/me/article.tar.gz');
    expect(droppedPath(drop([file], { 'text/uri-list': '# comment\nfile:///home/me/my%20bundle.tar.gz\n' }))).toBe('/home/me/my bundle.tar.gz');
    expect(droppedPath(drop([file]))).toBeNull();
  });

  it('accepts absolute POSIX and Windows paths only', () => {
    expect(pathFromText('/srv/b.tgz')).toBe('/srv/b.tgz');
    expect(pathFromText('C:\\bundles\\b.tgz')).toBe('C:\\bundles\\b.tgz');
    expect(pathFromText('relative/b.tgz')).toBeNull();
    expect(pathFromText('https://example.com/b.tgz')).toBeNull();
    expect(pathFromText('')).toBeNull();
  });
});
