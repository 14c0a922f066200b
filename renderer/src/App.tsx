// The shell: the sidebar of views, the top bar, global shortcuts and the palette.

import { useEffect, useRef } from 'react';
import { Palette } from './components/Palette';
import { Sidebar } from './components/Sidebar';
import { useApp } from './state/app-context';
import { VIEWS } from './ui-logic/route';
import { CompareView } from './views/CompareView';
import { InterfacesView } from './views/InterfacesView';
import { LibraryView } from './views/LibraryView';
import { OverviewView } from './views/OverviewView';
import { RoutesView } from './views/RoutesView';
import { RulesView } from './views/RulesView';
import { ServicesView } from './views/ServicesView';
import { SqlView } from './views/SqlView';
import { TraceView } from './views/TraceView';

export function App() {
  const { bridge, navigate, goToView, snapshotId, openSnapshot, paletteOpen, setPaletteOpen } = useApp();

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setPaletteOpen(true);
        return;
      }
      if (e.altKey && /^[1-9]$/.test(e.key)) {
        const view = VIEWS[Number(e.key) - 1];
        if (view && (snapshotId !== null || !view.needsSnapshot)) {
          e.preventDefault();
          goToView(view.view);
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [goToView, setPaletteOpen, snapshotId]);

  // the latest goToView without resubscribing (each subscription change would reconnect the web bridge's event stream)
  const goToViewRef = useRef(goToView);
  useEffect(() => {
    goToViewRef.current = goToView;
  }, [goToView]);

  useEffect(
    () =>
      bridge.on('menuCommand', (cmd) => {
        if (cmd.command === 'open') navigate({ view: 'library' });
        else if (cmd.command === 'open-snapshot' && cmd.snapshotId !== undefined) openSnapshot(cmd.snapshotId);
        else if (cmd.command === 'compare') goToViewRef.current('compare');
      }),
    [bridge, navigate, openSnapshot],
  );

  return (
    <div className="app">
      <Sidebar />
      <main className="main" aria-live="polite">
        <CurrentView />
      </main>
      {paletteOpen ? <Palette /> : null}
    </div>
  );
}

function CurrentView() {
  const { route, snapshotId } = useApp();
  if (snapshotId === null && route.view !== 'library' && route.view !== 'sql' && route.view !== 'compare') return <LibraryView />;
  switch (route.view) {
    case 'library':
      return <LibraryView />;
    case 'overview':
      return <OverviewView />;
    case 'services':
      return <ServicesView selected={route.service} />;
    case 'interfaces':
      return <InterfacesView filter={route.filter} />;
    case 'rules':
      return <RulesView node={route.node} find={route.find} target={route.target} />;
    case 'routes':
      return <RoutesView node={route.node} netns={route.netns} select={route.select} />;
    case 'trace':
      return <TraceView />;
    case 'sql':
      return <SqlView />;
    case 'compare':
      return <CompareView target={route.compare} />;
  }
}
