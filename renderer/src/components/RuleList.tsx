// The ruleset as one virtual list (tables, chains, rules, sets). jump/goto targets are links.

import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type KeyboardEvent, type ReactNode } from 'react';
import { formatBytes, formatCount } from '../ui-logic/format';
import { chainKey, type RuleRow, type RuleRows } from '../ui-logic/rules-rows';

interface Props {
  model: RuleRows;
  selected: number | null;
  /** rows the search matched */
  matches: ReadonlySet<number>;
  /** bumped to scroll `selected` to the top (after a jump or a search step) */
  reveal: number;
  onSelect: (index: number) => void;
  onFollow: (index: number) => void;
  onBack: () => void;
}

const ROW_H = 20;
const JUMP = /\b(jump|goto)\s+([A-Za-z0-9_.@-]+)/g;

function ruleText(row: Extract<RuleRow, { type: 'rule' }>, model: RuleRows, onFollow: (index: number) => void): ReactNode[] {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const m of row.rule.text.matchAll(JUMP)) {
    const index = model.chains.get(chainKey(row.table.family, row.table.name, m[2]));
    if (index === undefined) continue;
    const start = (m.index ?? 0) + m[0].length - m[2].length;
    parts.push(row.rule.text.slice(last, start));
    parts.push(
      <button
        key={start}
        type="button"
        className="link chain-link"
        data-chain={m[2]}
        onClick={(e) => {
          e.stopPropagation();
          onFollow(index);
        }}
      >
        {m[2]}
      </button>,
    );
    last = start + m[2].length;
  }
  parts.push(row.rule.text.slice(last));
  return parts;
}

function RowContent({ row, model, onFollow }: { row: RuleRow; model: RuleRows; onFollow: (index: number) => void }) {
  switch (row.type) {
    case 'table':
      return (
        <span className="rl-table">
          table {row.table.family} {row.table.name}
          {row.table.comment ? <span className="muted"> # {row.table.comment}</span> : null}
        </span>
      );
    case 'chain': {
      const c = row.chain;
      const base = c.hook ? ` { type ${c.type ?? '?'} hook ${c.hook} priority ${c.priority ?? '?'}${c.device ? ` device ${c.device}` : ''}; policy ${c.policy ?? 'accept'}; }` : '';
      return (
        <span className="rl-chain" data-chain-name={c.name}>
          chain <strong>{c.name}</strong>
          <span className="muted">
            {base} · {c.rules.length} rules{c.comment ? ` · ${c.comment}` : ''}
          </span>
        </span>
      );
    }
    case 'rule':
      return (
        <>
          <span className="rl-pos">{row.rule.position}</span>
          <span className="rl-num">{row.rule.counter ? formatCount(row.rule.counter.packets) : ''}</span>
          <span className="rl-num">{row.rule.counter ? formatBytes(row.rule.counter.bytes) : ''}</span>
          <span className="rl-text">{ruleText(row, model, onFollow)}</span>
        </>
      );
    case 'set':
      return (
        <span className="rl-set">
          {row.set.kind} <strong>{row.set.name}</strong>
          <span className="muted">
            {' '}
            {row.set.keyType}
            {row.set.dataType ? ` : ${row.set.dataType}` : ''} · {row.set.elements.length} elements
          </span>
        </span>
      );
  }
}

export function RuleList({ model, selected, matches, reveal, onSelect, onFollow, onBack }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: model.rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_H, overscan: 20 });

  useEffect(() => {
    if (selected !== null) virtualizer.scrollToIndex(selected, { align: 'start' });
    // only an explicit reveal scrolls; plain selection changes scroll through onKeyDown
  }, [reveal]);

  const move = (index: number): void => {
    const clamped = Math.max(0, Math.min(model.rows.length - 1, index));
    onSelect(clamped);
    virtualizer.scrollToIndex(clamped, { align: 'auto' });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 400) / ROW_H) - 1);
    const current = selected ?? -1;
    const row = selected === null ? null : model.rows[selected];
    const actions: Record<string, () => void> = {
      ArrowDown: () => move(current + 1),
      ArrowUp: () => move(current - 1),
      PageDown: () => move(current + page),
      PageUp: () => move(current - page),
      Home: () => move(0),
      End: () => move(model.rows.length - 1),
      Backspace: onBack,
      Enter: () => {
        if (row?.type !== 'rule' || row.targets.length === 0) return;
        const index = model.chains.get(chainKey(row.table.family, row.table.name, row.targets[0]));
        if (index !== undefined) onFollow(index);
      },
    };
    const action = actions[e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  };

  return (
    <div className="rulelist" ref={scrollRef} tabIndex={0} onKeyDown={onKeyDown} role="grid" aria-label="Ruleset" aria-rowcount={model.rows.length}>
      <div className="rulelist-body" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => {
          const row = model.rows[item.index];
          return (
            <div
              key={item.index}
              role="row"
              aria-selected={item.index === selected}
              data-index={item.index}
              className={`rl-row rl-${row.type}-row${item.index === selected ? ' selected' : ''}${matches.has(item.index) ? ' match' : ''}`}
              style={{ height: ROW_H, transform: `translateY(${item.start}px)` }}
              onClick={() => onSelect(item.index)}
            >
              <RowContent row={row} model={model} onFollow={onFollow} />
            </div>
          );
        })}
      </div>
    </div>
  );
}
