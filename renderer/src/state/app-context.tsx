// The whole app state: the bridge, the open snapshot, the route, the theme and the palette.
// Plain React state in one context; views read it through useApp().

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { SnapshotSummary } from '../../../db/api-types';
import type { KnpApi, KnpBridge } from '../../../electron/ipc-contract';
import { defaultRoute, type Route, type ViewName } from '../ui-logic/route';
import { errorMessage } from './errors';

export type Theme = 'light' | 'dark';

export interface AppContextValue {
  bridge: KnpBridge;
  api: KnpApi;
  snapshots: SnapshotSummary[] | null;
  snapshotsError: string | null;
  refreshSnapshots(): Promise<SnapshotSummary[]>;
  snapshotId: number | null;
  snapshot: SnapshotSummary | null;
  openSnapshot(id: number | null, route?: Route): void;
  route: Route;
  navigate(route: Route): void;
  /** a view as it was last left (selection, filter), or its default */
  goToView(view: ViewName): void;
  theme: Theme;
  toggleTheme(): void;
  paletteOpen: boolean;
  setPaletteOpen(open: boolean): void;
}

const AppContext = createContext<AppContextValue | null>(null);

const THEME_KEY = 'knp.theme';

function initialTheme(): Theme {
  const saved = localStorage.getItem(THEME_KEY);
  if (saved === 'light' || saved === 'dark') return saved;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function AppProvider({ bridge, children }: { bridge: KnpBridge; children: ReactNode }) {
  const [snapshots, setSnapshots] = useState<SnapshotSummary[] | null>(null);
  const [snapshotsError, setSnapshotsError] = useState<string | null>(null);
  const [snapshotId, setSnapshotId] = useState<number | null>(null);
  const [route, setRoute] = useState<Route>({ view: 'library' });
  const [visited, setVisited] = useState<Partial<Record<ViewName, Route>>>({});
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const [paletteOpen, setPaletteOpen] = useState(false);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem(THEME_KEY, theme);
  }, [theme]);

  const refreshSnapshots = useCallback(async () => {
    try {
      const list = await bridge.api.listSnapshots({});
      setSnapshots(list);
      setSnapshotsError(null);
      return list;
    } catch (err) {
      setSnapshotsError(errorMessage(err));
      return [];
    }
  }, [bridge]);

  useEffect(() => {
    void refreshSnapshots();
  }, [refreshSnapshots]);

  const navigate = useCallback((next: Route) => {
    setRoute(next);
    setVisited((v) => ({ ...v, [next.view]: next }));
  }, []);

  const goToView = useCallback((view: ViewName) => navigate(visited[view] ?? defaultRoute(view)), [navigate, visited]);

  const openSnapshot = useCallback((id: number | null, next?: Route) => {
    setSnapshotId(id);
    setVisited({});
    setRoute(next ?? (id === null ? { view: 'library' } : { view: 'overview' }));
  }, []);

  const value = useMemo<AppContextValue>(
    () => ({
      bridge,
      api: bridge.api,
      snapshots,
      snapshotsError,
      refreshSnapshots,
      snapshotId,
      snapshot: snapshots?.find((s) => s.id === snapshotId) ?? null,
      openSnapshot,
      route,
      navigate,
      goToView,
      theme,
      toggleTheme: () => setTheme((t) => (t === 'dark' ? 'light' : 'dark')),
      paletteOpen,
      setPaletteOpen,
    }),
    [bridge, snapshots, snapshotsError, refreshSnapshots, snapshotId, openSnapshot, route, navigate, goToView, theme, paletteOpen],
  );
  return <AppContext.Provider value={value}>{children}</AppContext.Provider>;
}

export function useApp(): AppContextValue {
  const ctx = useContext(AppContext);
  if (!ctx) throw new Error('useApp outside AppProvider');
  return ctx;
}

/** The open snapshot's id, for views that only render with one open. */
export function useSnapshotId(): number {
  const { snapshotId } = useApp();
  if (snapshotId === null) throw new Error('no snapshot open');
  return snapshotId;
}
