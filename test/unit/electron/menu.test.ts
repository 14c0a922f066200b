import type { MenuItemConstructorOptions } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { SnapshotSummary } from '../../../db/api-types';
import { fakeApi, type FakeApi } from './fake-api';
import * as electron from './mocks/electron';

vi.mock('electron', () => import('./mocks/electron'));

const { setupMenu, recentSnapshots } = await import('../../../electron/main/menu');
const { createBundleOpener } = await import('../../../electron/main/open-bundle');
const { IpcGateway } = await import('../../../electron/main/ipc');

function snapshot(id: number, name: string, importedAt: string): SnapshotSummary {
  return { id, name, importedAt, sourceKind: 'folder', sourcePath: null, createdAt: null, sizeBytes: 0, collector: null, nodes: [], services: 0, rules: 0, errors: 0, warnings: 0 };
}

type Item = MenuItemConstructorOptions & { submenu?: Item[] };

function menu(): Item[] {
  return electron.Menu.current!.template as Item[];
}

function item(path: string[]): Item {
  let items = menu();
  let found: Item | undefined;
  for (const label of path) {
    found = items.find((i) => i.label === label);
    if (!found) throw new Error(`no menu item ${path.join(' → ')}`);
    items = found.submenu ?? [];
  }
  return found!;
}

const click = (i: Item) => (i.click as unknown as () => unknown)();

describe('setupMenu', () => {
  let api: FakeApi;
  let gateway: InstanceType<typeof IpcGateway>;
  let changed: ReturnType<typeof vi.fn<() => void>>;

  beforeEach(() => {
    electron.reset();
    api = fakeApi();
    api.listSnapshots.mockResolvedValue([snapshot(1, 'old', '2026-01-01T00:00:00Z'), snapshot(2, 'new', '2026-02-01T00:00:00Z')]);
    api.importBundle.mockResolvedValue({ snapshotId: 7, name: 'b', duplicate: false, diagnostics: [], nodes: [] });
    gateway = new IpcGateway(() => true);
    vi.spyOn(gateway, 'send');
    changed = vi.fn<() => void>();
  });

  const install = () => setupMenu({ api, gateway, opener: createBundleOpener(api, gateway, changed), dev: false });

  it('has File (open, compare, recent, quit) and View (dark theme) menus', async () => {
    await install().refresh();
    const file = item(['File']).submenu!;
    expect(file.map((i) => i.label ?? i.role ?? i.type)).toEqual(['Open Bundle…', 'Open Bundle Folder…', 'Compare…', 'Recent', 'separator', 'quit']);
    expect(item(['File', 'Open Bundle…']).accelerator).toBe('CmdOrCtrl+O');
    expect(item(['File', 'Recent']).submenu!.map((i) => i.label)).toEqual(['new', 'old']);
    const view = item(['View']).submenu!;
    expect(view.map((i) => i.role ?? i.label ?? i.type)).not.toContain('toggleDevTools');
    expect(view.map((i) => i.role ?? i.label)).not.toContain('reload');
  });

  it('offers reload and devtools in development', () => {
    setupMenu({ api, gateway, opener: createBundleOpener(api, gateway, changed), dev: true });
    const roles = item(['View']).submenu!.map((i) => i.role);
    expect(roles).toContain('reload');
    expect(roles).toContain('toggleDevTools');
  });

  it('sends menu commands to the renderer for Compare and a recent snapshot', async () => {
    await install().refresh();
    click(item(['File', 'Compare…']));
    click(item(['File', 'Recent', 'old']));
    expect(gateway.send).toHaveBeenCalledWith('menuCommand', { command: 'compare' });
    expect(gateway.send).toHaveBeenCalledWith('menuCommand', { command: 'open-snapshot', snapshotId: 1 });
  });

  it('shows a disabled placeholder when the library is empty', async () => {
    api.listSnapshots.mockResolvedValue([]);
    await install().refresh();
    expect(item(['File', 'Recent']).submenu).toEqual([{ label: 'No snapshots yet', enabled: false }]);
  });

  it('opens a bundle: dialog, import, then the renderer shows it', async () => {
    install();
    electron.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: ['/b/bundle.tar.gz'] });
    await click(item(['File', 'Open Bundle…']));
    expect(electron.dialog.showOpenDialog.mock.calls[0][0]).toMatchObject({ properties: ['openFile'] });
    expect(api.importBundle).toHaveBeenCalledWith({ path: '/b/bundle.tar.gz' });
    expect(changed).toHaveBeenCalled();
    expect(gateway.send).toHaveBeenCalledWith('menuCommand', { command: 'open-snapshot', snapshotId: 7, path: '/b/bundle.tar.gz' });
  });

  it('does nothing when the dialog is cancelled, and reports a failed import in an error box', async () => {
    install();
    await click(item(['File', 'Open Bundle Folder…']));
    expect(electron.dialog.showOpenDialog.mock.calls[0][0]).toMatchObject({ properties: ['openDirectory'] });
    expect(api.importBundle).not.toHaveBeenCalled();
    electron.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: ['/b/broken.tgz'] });
    api.importBundle.mockRejectedValueOnce(new Error('importBundle: not a gzip archive'));
    await click(item(['File', 'Open Bundle…']));
    expect(electron.dialog.showErrorBox).toHaveBeenCalledWith('Cannot import the bundle', '/b/broken.tgz\n\nimportBundle: not a gzip archive');
  });

  it('toggles the dark theme through nativeTheme', () => {
    install();
    const dark = item(['View', 'Dark Theme']);
    expect(dark.type).toBe('checkbox');
    (dark.click as unknown as (i: { checked: boolean }) => void)({ checked: true });
    expect(electron.nativeTheme.themeSource).toBe('dark');
    (dark.click as unknown as (i: { checked: boolean }) => void)({ checked: false });
    expect(electron.nativeTheme.themeSource).toBe('light');
  });

  it('lists at most ten recent snapshots, newest first', () => {
    const many = Array.from({ length: 12 }, (_, i) => snapshot(i + 1, `s${i + 1}`, `2026-01-${String(i + 1).padStart(2, '0')}T00:00:00Z`));
    expect(recentSnapshots(many).map((s) => s.id)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
  });
});
