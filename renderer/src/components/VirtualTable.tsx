// A dense, virtualised, keyboard-driven grid (thousands to hundreds of thousands of rows):
// sticky header with click-to-sort, ↑/↓/PgUp/PgDn/Home/End move the selection, Enter activates.

import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

export interface Column<T> {
  id: string;
  header: string;
  /** a CSS grid track: `120px`, `minmax(160px, 1fr)` */
  width: string;
  render: (row: T) => ReactNode;
  compare?: (a: T, b: T) => number;
  align?: 'right';
}

export interface SortState {
  column: string;
  descending: boolean;
}

interface Props<T> {
  label: string;
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey: (row: T) => string;
  selectedKey?: string | null;
  onSelect?: (row: T) => void;
  onActivate?: (row: T) => void;
  initialSort?: SortState | null;
  rowClass?: (row: T) => string | undefined;
  /** scroll this row into view when it changes */
  scrollToKey?: string | null;
  empty?: ReactNode;
  rowHeight?: number;
}

export function VirtualTable<T>({
  label,
  rows,
  columns,
  rowKey,
  selectedKey = null,
  onSelect,
  onActivate,
  initialSort = null,
  rowClass,
  scrollToKey = null,
  empty,
  rowHeight = 22,
}: Props<T>) {
  const [sort, setSort] = useState<SortState | null>(initialSort);
  const scrollRef = useRef<HTMLDivElement>(null);

  const sorted = useMemo(() => {
    const column = sort ? columns.find((c) => c.id === sort.column) : undefined;
    if (!sort || !column?.compare) return rows;
    const compare = column.compare;
    const out = [...rows].sort(compare);
    return sort.descending ? out.reverse() : out;
  }, [rows, columns, sort]);

  const virtualizer = useVirtualizer({
    count: sorted.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 12,
  });

  const selectedIndex = useMemo(
    () => (selectedKey === null ? -1 : sorted.findIndex((r) => rowKey(r) === selectedKey)),
    [sorted, selectedKey, rowKey],
  );

  useEffect(() => {
    if (scrollToKey === null) return;
    const index = sorted.findIndex((r) => rowKey(r) === scrollToKey);
    if (index >= 0) virtualizer.scrollToIndex(index, { align: 'center' });
  }, [scrollToKey, sorted, rowKey, virtualizer]);

  const template = columns.map((c) => c.width).join(' ');

  const move = (index: number): void => {
    if (sorted.length === 0) return;
    const clamped = Math.max(0, Math.min(sorted.length - 1, index));
    onSelect?.(sorted[clamped]);
    virtualizer.scrollToIndex(clamped, { align: 'auto' });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 400) / rowHeight) - 1);
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(selectedIndex + 1),
      ArrowUp: () => move(selectedIndex < 0 ? 0 : selectedIndex - 1),
      PageDown: () => move(selectedIndex + page),
      PageUp: () => move(selectedIndex - page),
      Home: () => move(0),
      End: () => move(sorted.length - 1),
      Enter: () => {
        if (selectedIndex >= 0) onActivate?.(sorted[selectedIndex]);
      },
    };
    const action = keys[e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  };

  const clickHeader = (column: Column<T>): void => {
    if (!column.compare) return;
    setSort((s) => (s?.column === column.id ? { column: column.id, descending: !s.descending } : { column: column.id, descending: false }));
  };

  return (
    <div className="vtable" role="grid" aria-label={label} aria-rowcount={sorted.length + 1}>
      <div className="vtable-scroll" ref={scrollRef} tabIndex={0} onKeyDown={onKeyDown}>
        <div className="vtable-head" role="row" style={{ gridTemplateColumns: template }}>
          {columns.map((c) => (
            <div
              key={c.id}
              role="columnheader"
              className={`vtable-th${c.compare ? ' sortable' : ''}${c.align === 'right' ? ' right' : ''}`}
              aria-sort={sort?.column === c.id ? (sort.descending ? 'descending' : 'ascending') : undefined}
              onClick={() => clickHeader(c)}
            >
              {c.header}
              {sort?.column === c.id ? (sort.descending ? ' ▾' : ' ▴') : ''}
            </div>
          ))}
        </div>
        {sorted.length === 0 ? (
          <div className="vtable-empty">{empty ?? 'Nothing to show'}</div>
        ) : (
          <div className="vtable-body" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((item) => {
              const row = sorted[item.index];
              const key = rowKey(row);
              const selected = item.index === selectedIndex;
              const extra = rowClass?.(row);
              return (
                <div
                  key={key}
                  role="row"
                  aria-rowindex={item.index + 2}
                  aria-selected={selected}
                  data-key={key}
                  className={`vtable-row${item.index % 2 ? ' odd' : ''}${selected ? ' selected' : ''}${extra ? ` ${extra}` : ''}`}
                  style={{ gridTemplateColumns: template, height: rowHeight, transform: `translateY(${item.start}px)` }}
                  onClick={() => onSelect?.(row)}
                  onDoubleClick={() => onActivate?.(row)}
                >
                  {columns.map((c) => (
                    <div key={c.id} role="gridcell" className={`vtable-td${c.align === 'right' ? ' right' : ''}`}>
                      {c.render(row)}
                    </div>
                  ))}
                </div>
              );
            })}
          </div>
        )}
      </div>
    </div>
  );
}
