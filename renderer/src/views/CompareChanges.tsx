// One section of a snapshot diff as a virtualised table, a row per changed field with its base (A)
// and changed (B) values side by side; and the paths section grouped per Service.

import { useMemo, useState } from 'react';
import type { Change, FieldValue } from '../analysis/diff/types';
import { KindBadge } from '../components/KindBadge';
import { VirtualTable, type Column } from '../components/VirtualTable';
import { changeRows, nodeLabel, formatValue, shownFields, type ChangeRow, type PathChange, type PathGroup } from '../ui-logic/compare';
import { formatProbability } from '../ui-logic/format';

function cell(field: string | undefined, v: FieldValue) {
  const text = field === 'probability' && typeof v === 'number' ? formatProbability(v) : formatValue(v);
  return (
    <span className={`mono${v === null ? ' muted' : ''}`} title={text}>
      {text}
    </span>
  );
}

const byText = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
const KIND_ORDER = { removed: 0, added: 1, changed: 2, reordered: 3 };

const CHANGE_COLUMNS: Column<ChangeRow>[] = [
  { id: 'kind', header: 'Kind', width: '88px', render: (r) => (r.first ? <KindBadge kind={r.change.kind} /> : null), compare: (x, y) => KIND_ORDER[x.change.kind] - KIND_ORDER[y.change.kind] || x.index - y.index },
  { id: 'node', header: 'Node', width: 'minmax(90px, 0.7fr)', render: (r) => <span title={nodeLabel(r.change.node, r.change.nodeB)}>{nodeLabel(r.change.node, r.change.nodeB)}</span>, compare: (x, y) => byText(nodeLabel(x.change.node, x.change.nodeB), nodeLabel(y.change.node, y.change.nodeB)) || x.index - y.index },
  {
    id: 'subject',
    header: 'Subject',
    width: 'minmax(180px, 2fr)',
    render: (r) => (
      <span className={`mono${r.first ? '' : ' muted'}`} title={r.change.note ? `${r.change.subject}\n${r.change.note}` : r.change.subject}>
        {r.change.subject}
      </span>
    ),
    compare: (x, y) => byText(x.change.subject, y.change.subject) || x.index - y.index,
  },
  { id: 'field', header: 'Field', width: '84px', render: (r) => r.field?.field ?? <span className="muted">—</span>, compare: (x, y) => byText(x.field?.field ?? '', y.field?.field ?? '') },
  { id: 'a', header: 'Base (A)', width: 'minmax(90px, 1fr)', render: (r) => (r.field ? cell(r.field.field, r.field.before) : null) },
  { id: 'b', header: 'Changed (B)', width: 'minmax(90px, 1fr)', render: (r) => (r.field ? cell(r.field.field, r.field.after) : null) },
];

function rowClass(r: ChangeRow): string {
  return `chg-row chg-row-${r.change.kind}${r.first ? ' chg-first' : ''}`;
}

interface ChangeTableProps {
  label: string;
  rows: readonly ChangeRow[];
  selectedKey: string | null;
  onSelect: (row: ChangeRow) => void;
  empty: string;
}

export function ChangeTable({ label, rows, selectedKey, onSelect, empty }: ChangeTableProps) {
  return <VirtualTable label={label} rows={rows} columns={CHANGE_COLUMNS} rowKey={(r) => r.key} selectedKey={selectedKey} scrollToKey={selectedKey} onSelect={onSelect} rowClass={rowClass} empty={empty} />;
}

/** The rows of one section, built once per diff. */
export function useChangeRows(changes: readonly Change[]): ChangeRow[] {
  return useMemo(() => changeRows(changes), [changes]);
}

// ---- paths ------------------------------------------------------------------------------------

const GROUP_COLUMNS: Column<PathGroup>[] = [
  { id: 'service', header: 'Service', width: 'minmax(140px, 1fr)', render: (g) => g.service, compare: (x, y) => byText(x.service, y.service) },
  { id: 'appeared', header: 'Appeared', width: '72px', align: 'right', render: (g) => <span className={g.appeared ? 'chg-text-added' : 'muted'}>{g.appeared}</span>, compare: (x, y) => x.appeared - y.appeared },
  { id: 'disappeared', header: 'Gone', width: '56px', align: 'right', render: (g) => <span className={g.disappeared ? 'chg-text-removed' : 'muted'}>{g.disappeared}</span>, compare: (x, y) => x.disappeared - y.disappeared },
  { id: 'changed', header: 'Changed', width: '66px', align: 'right', render: (g) => <span className={g.changed ? 'chg-text-changed' : 'muted'}>{g.changed}</span>, compare: (x, y) => x.changed - y.changed },
];

interface PathRow {
  key: string;
  path: PathChange;
  field: ChangeRow['field'];
  first: boolean;
}

const PATH_COLUMNS: Column<PathRow>[] = [
  {
    id: 'kind',
    header: 'Leaf',
    width: '112px',
    render: (r) => (r.first ? <KindBadge kind={r.path.change.kind} label={r.path.change.kind === 'added' ? 'appeared' : r.path.change.kind === 'removed' ? 'disappeared' : 'changed'} /> : null),
  },
  { id: 'entry', header: 'Entry point', width: 'minmax(150px, 1.2fr)', render: (r) => <span className={r.first ? undefined : 'muted'} title={r.path.entry}>{r.path.entry}</span> },
  { id: 'leaf', header: 'Endpoint · disposition', width: 'minmax(150px, 1fr)', render: (r) => <span className={`mono${r.first ? '' : ' muted'}`}>{r.path.leaf ?? '(entry point)'}</span> },
  { id: 'field', header: 'Field', width: '84px', render: (r) => r.field?.field ?? '' },
  { id: 'a', header: 'Base (A)', width: 'minmax(90px, 0.8fr)', render: (r) => (r.field ? cell(r.field.field, r.field.before) : null) },
  { id: 'b', header: 'Changed (B)', width: 'minmax(90px, 0.8fr)', render: (r) => (r.field ? cell(r.field.field, r.field.after) : null) },
];

interface PathChangesProps {
  groups: readonly PathGroup[];
  selectedKey: string | null;
  /** a row's key (`change index:field index`) and its change's index in the paths section */
  onSelect: (key: string, index: number) => void;
}

/** Services whose paths changed (left), the selected one's leaves that appeared, disappeared or changed (right). */
export function PathChanges({ groups, selectedKey, onSelect }: PathChangesProps) {
  const [picked, setPicked] = useState<string | null>(null);
  const selectedChange = selectedKey?.split(':')[0];
  const selectedService = groups.find((g) => g.changes.some((c) => c.key === selectedChange))?.service;
  const service = groups.find((g) => g.service === (picked ?? selectedService))?.service ?? groups[0]?.service ?? null;
  const group = groups.find((g) => g.service === service) ?? null;
  const rows = useMemo<PathRow[]>(
    () =>
      (group?.changes ?? []).flatMap((path): PathRow[] =>
        shownFields(path.change).length === 0
          ? [{ key: `${path.key}:-`, path, field: null, first: true }]
          : shownFields(path.change).map((field, k) => ({ key: `${path.key}:${k}`, path, field, first: k === 0 })),
      ),
    [group],
  );
  return (
    <div className="compare-paths">
      <VirtualTable label="Services with path changes" rows={groups} columns={GROUP_COLUMNS} rowKey={(g) => g.service} selectedKey={service} onSelect={(g) => setPicked(g.service)} empty="No path changed." />
      <VirtualTable
        label="Path changes"
        rows={rows}
        columns={PATH_COLUMNS}
        rowKey={(r) => r.key}
        selectedKey={selectedKey}
        scrollToKey={selectedKey}
        onSelect={(r) => onSelect(r.key, r.path.index)}
        rowClass={(r) => `chg-row chg-row-${r.path.change.kind}${r.first ? ' chg-first' : ''}`}
        empty={group ? 'Nothing matches the filter.' : 'Select a Service.'}
      />
    </div>
  );
}
