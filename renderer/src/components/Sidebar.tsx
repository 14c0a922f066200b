// Left rail: the open snapshot, the views (Alt+1…9), search and the theme switch.

import { useApp } from '../state/app-context';
import { VIEWS } from '../ui-logic/route';

export function Sidebar() {
  const { route, goToView, snapshot, snapshots, snapshotId, openSnapshot, theme, toggleTheme, setPaletteOpen } = useApp();
  return (
    <nav className="sidebar" aria-label="Views">
      <div className="brand">kube-netpath</div>
      <label className="snapshot-pick">
        <span className="muted">Snapshot</span>
        <select
          aria-label="Open snapshot"
          value={snapshotId ?? ''}
          onChange={(e) => openSnapshot(e.target.value === '' ? null : Number(e.target.value), route.view === 'library' ? undefined : route)}
        >
          <option value="">— none —</option>
          {(snapshots ?? []).map((s) => (
            <option key={s.id} value={s.id}>
              #{s.id} {s.name}
            </option>
          ))}
        </select>
      </label>
      {snapshot ? <div className="snapshot-meta muted">{snapshot.nodes.join(', ')}</div> : null}
      <ul className="nav">
        {VIEWS.map((v, i) => {
          const disabled = v.needsSnapshot && snapshotId === null;
          return (
            <li key={v.view}>
              <button
                type="button"
                className={`nav-item${route.view === v.view ? ' active' : ''}`}
                aria-current={route.view === v.view ? 'page' : undefined}
                disabled={disabled}
                onClick={() => goToView(v.view)}
                title={`Alt+${i + 1}`}
              >
                <span>{v.label}</span>
                <kbd>{i + 1}</kbd>
              </button>
            </li>
          );
        })}
      </ul>
      <div className="sidebar-foot">
        <button type="button" className="btn wide" onClick={() => setPaletteOpen(true)}>
          Search… <kbd>Ctrl K</kbd>
        </button>
        <button type="button" className="btn wide" onClick={toggleTheme} aria-label="Toggle theme">
          {theme === 'dark' ? 'Light theme' : 'Dark theme'}
        </button>
      </div>
    </nav>
  );
}
