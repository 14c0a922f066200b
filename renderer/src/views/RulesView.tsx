// A node's nftables ruleset: tables → chains → rules with counters, jump links, find, history.

import { useDeferredValue, useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import type { SourceRef } from '../analysis/model';
import { EvidencePane } from '../components/EvidencePane';
import { RuleList } from '../components/RuleList';
import { ErrorNote, Loading } from '../components/Status';
import { useApp, useSnapshotId } from '../state/app-context';
import { useLoad } from '../state/use-load';
import type { RuleTarget } from '../ui-logic/route';
import { chainKey, flattenRuleset, parseRuleQuery, searchRows, type RuleRow, type RuleRows } from '../ui-logic/rules-rows';
import { NodePicker } from './NodePicker';

function rowSource(row: RuleRow): SourceRef {
  switch (row.type) {
    case 'table':
      return row.table.source;
    case 'chain':
      return row.chain.source;
    case 'rule':
      return row.rule.source;
    case 'set':
      return row.set.source;
  }
}

function targetIndex(model: RuleRows, target: RuleTarget): number | null {
  const chain = model.chains.get(chainKey(target.family, target.table, target.chain));
  if (chain === undefined || target.position === null) return chain ?? null;
  for (let i = chain + 1; i < model.rows.length; i++) {
    const row = model.rows[i];
    if (row.type !== 'rule') break;
    if (row.rule.position === target.position) return i;
  }
  return chain;
}

export function RulesView({ node: routeNode, find, target }: { node: string | null; find: string; target: RuleTarget | null }) {
  const snapshotId = useSnapshotId();
  const { api, snapshot, navigate } = useApp();
  const node = routeNode ?? snapshot?.nodes[0] ?? null;
  const ruleset = useLoad(node === null ? null : () => api.getRuleset({ snapshotId, node }), [api, snapshotId, node]);
  const model = useMemo(() => (ruleset.data ? flattenRuleset(ruleset.data) : null), [ruleset.data]);
  const [query, setQuery] = useState(find);
  const [selected, setSelected] = useState<number | null>(null);
  const [reveal, setReveal] = useState(0);
  const [history, setHistory] = useState<number[]>([]);
  const [matchIndex, setMatchIndex] = useState(0);

  const deferredQuery = useDeferredValue(query);
  const search = useMemo(() => (model ? searchRows(model.rows, parseRuleQuery(deferredQuery)) : { indices: [], preferred: null }), [model, deferredQuery]);
  const matchSet = useMemo(() => new Set(search.indices), [search]);

  const go = (index: number): void => {
    setSelected(index);
    setReveal((r) => r + 1);
  };

  useEffect(() => {
    setQuery(find);
  }, [find]);
  useEffect(() => {
    const index = model && target ? targetIndex(model, target) : null;
    if (index !== null) go(index);
  }, [model, target]);
  useEffect(() => {
    setHistory([]);
    if (search.preferred !== null) {
      setMatchIndex(Math.max(0, search.indices.indexOf(search.preferred)));
      go(search.preferred);
    }
    // jump to the best hit whenever the query or the ruleset changes
  }, [search]);

  const follow = (index: number): void => {
    if (selected !== null) setHistory((h) => [...h, selected]);
    go(index);
  };
  const back = (): void => {
    const previous = history[history.length - 1];
    if (previous === undefined) return;
    setHistory((h) => h.slice(0, -1));
    go(previous);
  };
  const stepMatch = (delta: number): void => {
    if (search.indices.length === 0) return;
    const next = (matchIndex + delta + search.indices.length) % search.indices.length;
    setMatchIndex(next);
    go(search.indices[next]);
  };
  const onFindKey = (e: KeyboardEvent<HTMLInputElement>): void => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    stepMatch(e.shiftKey ? -1 : 1);
  };

  const selectedRow = model && selected !== null ? model.rows[selected] : null;
  const evidence = useMemo(() => (selectedRow ? [rowSource(selectedRow)] : []), [selectedRow]);
  const queryKind = parseRuleQuery(query).kind;

  return (
    <div className="view view-rules">
      <header className="view-head">
        <h2>Rules</h2>
        <NodePicker node={node} onChange={(n) => navigate({ view: 'rules', node: n, find: query, target: null })} />
        <input
          className="find mono"
          type="search"
          aria-label="Find chain, IP or port"
          placeholder="find a chain, IP, CIDR or port (Enter: next, Shift+Enter: previous)"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={onFindKey}
        />
        <span className="muted" role="status">
          {query.trim() === '' ? '' : search.indices.length === 0 ? `no ${queryKind} match` : `${queryKind} ${matchIndex + 1} of ${search.indices.length}`}
        </span>
        <button type="button" className="btn" disabled={history.length === 0} onClick={back} title="Back (Backspace in the list)">
          ◂ Back
        </button>
      </header>
      {ruleset.error ? <ErrorNote error={ruleset.error} /> : null}
      {ruleset.loading && !model ? <Loading what="ruleset" /> : null}
      {!ruleset.loading && !ruleset.error && !ruleset.data ? <div className="muted pad">No nftables ruleset was captured on {node}.</div> : null}
      {model ? (
        <div className="rules-split">
          <div className="rules-head mono">
            <span className="rl-pos">#</span>
            <span className="rl-num">packets</span>
            <span className="rl-num">bytes</span>
            <span>rule · {model.rows.length} rows</span>
          </div>
          <RuleList model={model} selected={selected} matches={matchSet} reveal={reveal} onSelect={setSelected} onFollow={follow} onBack={back} />
          <EvidencePane snapshotId={snapshotId} sources={evidence} />
        </div>
      ) : null}
    </div>
  );
}
