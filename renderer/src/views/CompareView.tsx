// Compare two snapshots (or two nodes): a summary bar of counts per section, the counters' new
// connections per Service, each section as a table with base (A) and changed (B) side by side,
// the diff's findings by severity, and the raw lines of A and B next to each other (Wireshark's
// linked panes: list → detail → raw line).

import { useDeferredValue, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { DIFF_SECTIONS, type Change, type DiffSection, type RuleCounterDelta, type SnapshotDiff } from '../analysis/diff/types';
import type { SourceRef } from '../analysis/model';
import { EvidencePane } from '../components/EvidencePane';
import { ExpertInfo } from '../components/ExpertInfo';
import { FilterBar } from '../components/FilterBar';
import { KindBadge } from '../components/KindBadge';
import { ErrorNote } from '../components/Status';
import { useApp } from '../state/app-context';
import { useLoad } from '../state/use-load';
import { useStoredState } from '../state/use-stored-state';
import {
  changeCount,
  changeFilterable,
  counterFilterable,
  filterRows,
  formatValue,
  nodeLabel,
  parseCompareFilter,
  pathFilterable,
  pathGroups,
  rawDelta,
  shownFields,
  signed,
} from '../ui-logic/compare';
import { formatBytes, formatProbability } from '../ui-logic/format';
import type { CompareTarget } from '../ui-logic/route';
import { ChangeTable, PathChanges, useChangeRows } from './CompareChanges';
import { CompareCounters, ruleKey } from './CompareCounters';
import { CompareForm } from './CompareForm';
import { findingItems } from './diagnostic-items';
import './compare.css';

type Tab = 'counters' | DiffSection;

const TABS: readonly Tab[] = ['counters', ...DIFF_SECTIONS];

const TAB_LABEL: Record<Tab, string> = {
  counters: 'Counters',
  nodes: 'Nodes',
  services: 'Services',
  endpoints: 'Endpoints',
  pods: 'Pods',
  veths: 'Veths',
  interfaces: 'Interfaces',
  routes: 'Routes',
  rules: 'Rules',
  paths: 'Paths',
};

type Selection = { type: 'change'; section: DiffSection; key: string; index: number } | { type: 'rule'; key: string } | { type: 'finding'; source: SourceRef };

function firstTab(diff: SnapshotDiff): Tab {
  if (diff.counters.services.length > 0 || diff.counters.rules.length > 0) return 'counters';
  return DIFF_SECTIONS.find((s) => diff.sections[s].length > 0) ?? 'counters';
}

/** The seconds a call has been running, ticking while `running`. */
function useElapsed(running: boolean): number {
  const [elapsed, setElapsed] = useState(0);
  useEffect(() => {
    setElapsed(0);
    if (!running) return;
    const start = performance.now();
    const timer = setInterval(() => setElapsed((performance.now() - start) / 1000), 100);
    return () => clearInterval(timer);
  }, [running]);
  return elapsed;
}

export function CompareView({ target }: { target: CompareTarget | null }) {
  const { api, navigate, snapshots } = useApp();
  const diff = useLoad(target === null ? null : () => api.diffSnapshots({ a: target.a, b: target.b, ...(target.nodes ? { nodeA: target.nodes.a, nodeB: target.nodes.b } : {}) }), [
    api,
    target?.a,
    target?.b,
    target?.nodes?.a,
    target?.nodes?.b,
  ]);
  const elapsed = useElapsed(diff.loading);
  const name = (id: number) => {
    const s = snapshots?.find((x) => x.id === id);
    return s ? `#${s.id} ${s.name}` : `#${id}`;
  };

  return (
    <div className="view view-compare">
      <header className="view-head">
        <h2>Compare</h2>
        <CompareForm target={target} busy={diff.loading} onCompare={(t) => navigate({ view: 'compare', compare: t })} />
      </header>
      {diff.error ? <ErrorNote error={diff.error} /> : null}
      {diff.loading && target ? (
        <div className="compare-working" role="status" aria-live="polite">
          <span className="spinner" aria-hidden="true" />
          Comparing {name(target.a)}
          {target.nodes ? ` (${target.nodes.a})` : ''} with {name(target.b)}
          {target.nodes ? ` (${target.nodes.b})` : ''}: rules, counters, endpoints and every Service's paths… <span className="mono muted">{elapsed.toFixed(1)} s</span>
        </div>
      ) : null}
      {!target && !diff.loading ? (
        <div className="muted pad">
          Pick a base snapshot (A) and a changed one (B) and press Compare. Pair nodes to compare one node with another, in the same capture or across two.
        </div>
      ) : null}
      {diff.data ? <DiffResult key={`${diff.data.a.id}-${diff.data.b.id}-${diff.data.summary.comparing}`} diff={diff.data} /> : null}
    </div>
  );
}

function DiffResult({ diff }: { diff: SnapshotDiff }) {
  const [tab, setTab] = useState<Tab>(() => firstTab(diff));
  const [selection, setSelection] = useState<Selection | null>(null);
  const [filter, setFilter] = useStoredState('knp.compare.filter', '');
  const deferred = useDeferredValue(filter);
  const parsed = useMemo(() => parseCompareFilter(deferred), [deferred]);
  const live = useMemo(() => parseCompareFilter(filter), [filter]);
  const filterRef = useRef<HTMLInputElement>(null);
  const tabRefs = useRef(new Map<Tab, HTMLButtonElement>());

  const section: DiffSection | null = tab === 'counters' ? null : tab;
  const changes = section ? diff.sections[section] : EMPTY;
  const allRows = useChangeRows(section && section !== 'paths' ? changes : EMPTY);
  const rows = useMemo(() => filterRows(allRows, parsed, changeFilterable), [allRows, parsed]);
  const rules = useMemo(() => filterRows(diff.counters.rules, parsed, counterFilterable), [diff.counters.rules, parsed]);
  const groups = useMemo(() => {
    if (section !== 'paths') return [];
    const all = pathGroups(diff.sections.paths);
    if (parsed.errors.length > 0 || parsed.terms.length === 0) return all;
    return all.map((g) => ({ ...g, changes: filterRows(g.changes, parsed, pathFilterable) as typeof g.changes })).filter((g) => g.changes.length > 0);
  }, [section, diff.sections.paths, parsed]);

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent): void => {
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement;
      if ((e.key === '/' && !typing) || ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'f')) {
        e.preventDefault();
        filterRef.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const selectedChange: Change | null = selection?.type === 'change' ? (diff.sections[selection.section][selection.index] ?? null) : null;
  const selectedRule: RuleCounterDelta | null = selection?.type === 'rule' ? (diff.counters.rules.find((r) => ruleKey(r) === selection.key) ?? null) : null;
  const evidence = selectedChange?.evidence ?? selectedRule?.evidence ?? (selection?.type === 'finding' ? { a: selection.source, b: selection.source } : {});
  const sourcesA = useMemo(() => (evidence.a ? [evidence.a] : []), [evidence.a?.file, evidence.a?.line, evidence.a?.pointer]);
  const sourcesB = useMemo(() => (evidence.b ? [evidence.b] : []), [evidence.b?.file, evidence.b?.line, evidence.b?.pointer]);
  const findings = useMemo(() => findingItems(diff.findings), [diff.findings]);
  const missing = (side: 'A' | 'B') =>
    selection === null
      ? 'Select a change, a counter or a finding to see its raw line.'
      : selectedChange?.kind === (side === 'A' ? 'added' : 'removed')
        ? `Not in ${side}: the object ${side === 'A' ? 'was added in B' : 'was removed in B'}.`
        : `No raw line in ${side} for this change.`;

  const onTabKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    const i = TABS.indexOf(tab);
    const next = e.key === 'ArrowRight' ? TABS[(i + 1) % TABS.length] : e.key === 'ArrowLeft' ? TABS[(i - 1 + TABS.length) % TABS.length] : e.key === 'Home' ? TABS[0] : e.key === 'End' ? TABS[TABS.length - 1] : null;
    if (next === null) return;
    e.preventDefault();
    setTab(next);
    tabRefs.current.get(next)?.focus();
  };

  const { summary } = diff;
  const shown = tab === 'counters' ? `${rules.length} of ${diff.counters.rules.length}` : tab === 'paths' ? `${groups.reduce((n, g) => n + g.changes.length, 0)} of ${changes.length}` : `${rows.length} of ${allRows.length} rows`;

  return (
    <div className="compare-body">
      <div className={`compare-banner${summary.crossNode ? ' cross-node' : ''}`} role="note" data-testid="compare-banner">
        <strong>{summary.comparing}</strong>
        <span className="muted">
          {' '}
          · A #{diff.a.id} {diff.a.name} ({diff.a.nodes.join(', ') || 'no node'}) · B #{diff.b.id} {diff.b.name} ({diff.b.nodes.join(', ') || 'no node'})
          {diff.pairs.length > 0 ? ` · nodes compared: ${diff.pairs.map((p) => (p.crossNode ? `${p.a} ↔ ${p.b}` : p.a)).join(', ')}` : ' · no captured node in common: pair two nodes'}
        </span>
        {summary.unpaired.a.length + summary.unpaired.b.length > 0 ? (
          <span className="sev-text-warning">
            {' '}
            · not compared: {[...summary.unpaired.a.map((n) => `${n} (A only)`), ...summary.unpaired.b.map((n) => `${n} (B only)`)].join(', ')}
          </span>
        ) : null}
      </div>
      <div className="compare-summary" role="tablist" aria-label="Diff sections" onKeyDown={onTabKey}>
        {TABS.map((t) => {
          const counts = t === 'counters' ? null : summary.counts[t];
          const total = counts ? changeCount(counts) : diff.counters.rules.length;
          return (
            <button
              key={t}
              ref={(el) => {
                if (el) tabRefs.current.set(t, el);
                else tabRefs.current.delete(t);
              }}
              type="button"
              role="tab"
              aria-selected={tab === t}
              tabIndex={tab === t ? 0 : -1}
              className={`summary-tab${total === 0 ? ' none' : ''}`}
              onClick={() => setTab(t)}
              data-section={t}
            >
              <span className="summary-label">{TAB_LABEL[t]}</span>
              <span className="summary-total">{total}</span>
              {counts ? (
                <span className="summary-kinds">
                  {counts.added ? <span className="chg-text-added">+{counts.added}</span> : null}
                  {counts.removed ? <span className="chg-text-removed">−{counts.removed}</span> : null}
                  {counts.changed ? <span className="chg-text-changed">~{counts.changed}</span> : null}
                  {counts.reordered ? <span className="chg-text-reordered">↕{counts.reordered}</span> : null}
                </span>
              ) : (
                <span className="summary-kinds">
                  <span title="new connections counted on the compared nodes">{summary.newConnections} conn</span>
                  {diff.counters.rulesWentDown ? <span className="delta-neg">{diff.counters.rulesWentDown} reset</span> : null}
                </span>
              )}
            </button>
          );
        })}
      </div>
      <div className="compare-main">
        <section className="compare-section" aria-label={`${TAB_LABEL[tab]} changes`}>
          <div className="compare-filter">
            <FilterBar
              ref={filterRef}
              label="Compare filter"
              value={filter}
              onChange={setFilter}
              errors={live.errors}
              placeholder="filter (/): text  kind:added  node:roger-nuc1  field:probability  !kind:changed"
              status={shown}
            />
          </div>
          {tab === 'counters' ? (
            <CompareCounters counters={diff.counters} rules={rules} newConnections={summary.newConnections} selectedKey={selection?.type === 'rule' ? selection.key : null} onSelect={(key) => setSelection({ type: 'rule', key })} />
          ) : tab === 'paths' ? (
            <PathChanges
              groups={groups}
              selectedKey={selection?.type === 'change' && selection.section === 'paths' ? selection.key : null}
              onSelect={(key, index) => setSelection({ type: 'change', section: 'paths', key, index })}
            />
          ) : (
            <ChangeTable
              label={`${TAB_LABEL[tab]} changes`}
              rows={rows}
              selectedKey={selection?.type === 'change' && selection.section === tab ? selection.key : null}
              onSelect={(r) => setSelection({ type: 'change', section: tab, key: r.key, index: r.index })}
              empty={allRows.length === 0 ? `No ${TAB_LABEL[tab].toLowerCase()} changed.` : 'Nothing matches the filter.'}
            />
          )}
        </section>
        <aside className="compare-side">
          <ExpertInfo title="Diff findings" items={findings} onOpenSource={(source) => setSelection({ type: 'finding', source })} empty="Nothing worth a finding changed." />
          <ChangeDetail change={selectedChange} rule={selectedRule} />
        </aside>
      </div>
      <div className="compare-evidence">
        <EvidencePane snapshotId={diff.a.id} sources={sourcesA} title={`A · #${diff.a.id} ${diff.a.name}`} empty={missing('A')} />
        <EvidencePane snapshotId={diff.b.id} sources={sourcesB} title={`B · #${diff.b.id} ${diff.b.name}`} empty={missing('B')} />
      </div>
    </div>
  );
}

const EMPTY: Change[] = [];

function ChangeDetail({ change, rule }: { change: Change | null; rule: RuleCounterDelta | null }) {
  if (rule) {
    const raw = rawDelta(rule);
    return (
      <section className="compare-detail" aria-label="Change detail">
        <h3>
          <span className="mono">{rule.chain}</span> <span className="muted">rule {rule.position} · {nodeLabel(rule.node, rule.nodeB)}</span>
        </h3>
        <div className="mono detail-subject">{rule.rule}</div>
        <table className="ab-table">
          <thead>
            <tr>
              <th>counter</th>
              <th>Base (A)</th>
              <th>Changed (B)</th>
              <th>Δ</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>packets</td>
              <td className="mono">{rule.before.packets}</td>
              <td className="mono">{rule.after.packets}</td>
              <td className={`mono${raw.packets < 0 ? ' delta-neg' : ''}`}>{signed(raw.packets)}</td>
            </tr>
            <tr>
              <td>bytes</td>
              <td className="mono">{rule.before.bytes}</td>
              <td className="mono">{rule.after.bytes}</td>
              <td className={`mono${raw.bytes < 0 ? ' delta-neg' : ''}`}>{signed(raw.bytes)}</td>
            </tr>
          </tbody>
        </table>
        {rule.reset ? (
          <p className="delta-neg">
            The counter went down: a ruleset reload, a kube-proxy restart, a reboot, or another node. Counted from zero: +{rule.packets} packets, +{formatBytes(rule.bytes)}.
          </p>
        ) : null}
      </section>
    );
  }
  if (!change) {
    return (
      <section className="compare-detail" aria-label="Change detail">
        <div className="muted pad">Select a row: its fields in A and B, then the raw lines below.</div>
      </section>
    );
  }
  return (
    <section className="compare-detail" aria-label="Change detail">
      <h3>
        <KindBadge kind={change.kind} /> <span className="muted">{nodeLabel(change.node, change.nodeB)}</span>
      </h3>
      <div className="mono detail-subject">{change.subject}</div>
      {change.note ? <p className="note">{change.note}</p> : null}
      <table className="ab-table">
        <thead>
          <tr>
            <th>field</th>
            <th>Base (A)</th>
            <th>Changed (B)</th>
          </tr>
        </thead>
        <tbody>
          {shownFields(change).map((f) => (
            <tr key={f.field}>
              <td>{f.field}</td>
              <td className="mono">{f.field === 'probability' && typeof f.before === 'number' ? formatProbability(f.before) : formatValue(f.before)}</td>
              <td className="mono">{f.field === 'probability' && typeof f.after === 'number' ? formatProbability(f.after) : formatValue(f.after)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
