// Counter deltas between A and B: per Service port the new connections with the diff's sentence
// and one bar per endpoint, then every rule whose counters moved (resets and negative raw deltas
// highlighted). nat rules count a connection's first packet, so packets here are connections.

import type { CounterDiff, EndpointCounter, RuleCounterDelta, ServiceCounterRollup } from '../analysis/diff/types';
import { VirtualTable, type Column } from '../components/VirtualTable';
import { barRatio, nodeLabel, rawDelta, signed } from '../ui-logic/compare';
import { formatBytes } from '../ui-logic/format';

function Delta({ value, unit }: { value: number; unit?: 'bytes' }) {
  const text = unit === 'bytes' ? `${value < 0 ? '\u2212' : value > 0 ? '+' : ''}${formatBytes(Math.abs(value))}` : signed(value);
  return <span className={`mono${value < 0 ? ' delta-neg' : value > 0 ? ' delta-pos' : ' muted'}`}>{text}</span>;
}

const RULE_COLUMNS: Column<RuleCounterDelta>[] = [
  { id: 'node', header: 'Node', width: '96px', render: (r) => nodeLabel(r.node, r.nodeB), compare: (a, b) => nodeLabel(a.node, a.nodeB).localeCompare(nodeLabel(b.node, b.nodeB)) },
  { id: 'chain', header: 'Chain', width: '206px', render: (r) => <span className="mono" title={`${r.family} ${r.table} ${r.chain}`}>{r.chain}</span>, compare: (a, b) => a.chain.localeCompare(b.chain) || a.position - b.position },
  { id: 'pos', header: '#', width: '30px', align: 'right', render: (r) => r.position, compare: (a, b) => a.position - b.position },
  { id: 'rule', header: 'Rule (as in B)', width: 'minmax(160px, 1fr)', render: (r) => <span className="mono" title={r.rule}>{r.rule}</span>, compare: (a, b) => a.rule.localeCompare(b.rule) },
  { id: 'a', header: 'A pkts', width: '58px', align: 'right', render: (r) => <span className="mono">{r.before.packets}</span>, compare: (a, b) => a.before.packets - b.before.packets },
  { id: 'b', header: 'B pkts', width: '58px', align: 'right', render: (r) => <span className="mono">{r.after.packets}</span>, compare: (a, b) => a.after.packets - b.after.packets },
  {
    id: 'dp',
    header: 'Δ pkts',
    width: '84px',
    align: 'right',
    render: (r) => (
      <span title={r.reset ? `went down: reset or a different node; counted from zero as ${r.packets}` : undefined}>
        {r.reset ? <span className="reset-badge">reset</span> : null} <Delta value={rawDelta(r).packets} />
      </span>
    ),
    compare: (a, b) => rawDelta(a).packets - rawDelta(b).packets,
  },
  { id: 'db', header: 'Δ bytes', width: '78px', align: 'right', render: (r) => <Delta value={rawDelta(r).bytes} unit="bytes" />, compare: (a, b) => rawDelta(a).bytes - rawDelta(b).bytes },
];

function EndpointBar({ endpoint, max, onOpen }: { endpoint: EndpointCounter; max: number; onOpen: (() => void) | null }) {
  const ratio = barRatio(endpoint.packets, max);
  return (
    <li className={`ep-row${endpoint.reset ? ' reset' : ''}`} data-endpoint={endpoint.endpoint}>
      {onOpen ? (
        <button type="button" className="link mono ep-addr" onClick={onOpen} title="Select the endpoint chain's dnat rule">
          {endpoint.endpoint}
        </button>
      ) : (
        <span className="mono ep-addr">{endpoint.endpoint}</span>
      )}
      <span className="ep-track" role="meter" aria-label={`new connections to ${endpoint.address}`} aria-valuemin={0} aria-valuemax={max} aria-valuenow={endpoint.packets}>
        <span className="ep-fill" style={{ width: `${ratio * 100}%` }} />
      </span>
      <span className="ep-packets mono" data-testid="endpoint-packets">
        {signed(endpoint.packets)} pkt
      </span>
      <span className="ep-bytes mono muted">{signed(endpoint.bytes)} B</span>
      <span className="ep-notes">
        {endpoint.reset ? <span className="reset-badge" title="the counter went down (reset or another node): counted from zero">reset</span> : null}
        {endpoint.newInB ? <span className="new-badge" title="the endpoint chain exists only in B: counted from its creation">new in B</span> : null}
      </span>
    </li>
  );
}

function Rollup({ rollup, onEndpoint }: { rollup: ServiceCounterRollup; onEndpoint: (rollup: ServiceCounterRollup, endpoint: EndpointCounter) => (() => void) | null }) {
  const max = Math.max(1, ...rollup.endpoints.map((e) => e.packets));
  const port = rollup.portName ? `:${rollup.portName}` : '';
  return (
    <article className={`rollup${rollup.reset ? ' reset' : ''}`} aria-label={`${rollup.service}${port} on ${nodeLabel(rollup.node, rollup.nodeB)}`}>
      <header className="rollup-head">
        <strong>
          {rollup.service}
          {port}
        </strong>
        <span className="muted">
          {rollup.protocol} · {nodeLabel(rollup.node, rollup.nodeB)}
        </span>
        <span className="spacer" />
        <span className="mono">
          {signed(rollup.packets)} connections · {signed(rollup.bytes)} B
        </span>
        {rollup.reset ? <span className="reset-badge">reset</span> : null}
      </header>
      <p className="rollup-sentence" data-testid="rollup-sentence">
        {rollup.sentence}
      </p>
      <ul className="ep-bars">
        {rollup.endpoints.map((e) => (
          <EndpointBar key={e.endpoint} endpoint={e} max={max} onOpen={onEndpoint(rollup, e)} />
        ))}
      </ul>
    </article>
  );
}

interface Props {
  counters: CounterDiff;
  /** the rules after the filter */
  rules: readonly RuleCounterDelta[];
  selectedKey: string | null;
  onSelect: (key: string) => void;
  /** the diff's total of new connections */
  newConnections: number;
}

export function ruleKey(r: RuleCounterDelta): string {
  return `${r.node}|${r.nodeB ?? ''}|${r.family} ${r.table} ${r.chain}|${r.position}`;
}

export function CompareCounters({ counters, rules, selectedKey, onSelect, newConnections }: Props) {
  const endpointRule = (rollup: ServiceCounterRollup, e: EndpointCounter): (() => void) | null => {
    const rule = counters.rules.find((r) => r.node === rollup.node && r.nodeB === rollup.nodeB && r.rule.includes(`dnat to ${e.endpoint}`));
    return rule ? () => onSelect(ruleKey(rule)) : null;
  };
  return (
    <div className="compare-counters">
      <section className="rollups" aria-label="New connections per Service">
        <h3>
          New connections per Service <span className="muted">({newConnections} in all)</span>
        </h3>
        {counters.services.length === 0 ? <div className="muted pad">No Service port counted a new connection between A and B.</div> : null}
        {counters.services.map((r) => (
          <Rollup key={`${r.node}|${r.nodeB ?? ''}|${r.service}|${r.portName ?? ''}|${r.protocol}`} rollup={r} onEndpoint={endpointRule} />
        ))}
      </section>
      <div className="compare-counter-rules">
        <div className="compare-table-caption muted">
          {counters.rules.length} rules whose counters moved, of {counters.rulesCompared} compared
          {counters.rulesWentDown > 0 ? <span className="delta-neg"> · {counters.rulesWentDown} went down</span> : null}
        </div>
        <VirtualTable
          label="Counter changes"
          rows={rules}
          columns={RULE_COLUMNS}
          rowKey={ruleKey}
          selectedKey={selectedKey}
          scrollToKey={selectedKey}
          onSelect={(r) => onSelect(ruleKey(r))}
          rowClass={(r) => (r.reset ? 'counter-reset' : undefined)}
          empty={counters.rules.length === 0 ? 'No counter moved.' : 'Nothing matches the filter.'}
        />
      </div>
    </div>
  );
}
