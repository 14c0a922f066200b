// The detail tree beside the diagram: every path element in reading order, the selected one
// expanded into its fields. Selection is shared with the diagram and the evidence pane.

import { useEffect, useRef, type KeyboardEvent } from 'react';
import { elementFields, elementSummary } from '../ui-logic/path-fields';
import type { PathElement } from '../ui-logic/path-index';
import { revealChild } from './scroll';

interface Props {
  elements: readonly PathElement[];
  selectedId: string | null;
  onSelect: (id: string) => void;
  onStep: (delta: number) => void;
}

export function PathOutline({ elements, selectedId, onSelect, onStep }: Props) {
  const listRef = useRef<HTMLUListElement>(null);
  const selectedRef = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (listRef.current && selectedRef.current) revealChild(listRef.current, selectedRef.current);
  }, [selectedId]);
  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>): void => {
    if (e.key === 'ArrowDown') onStep(1);
    else if (e.key === 'ArrowUp') onStep(-1);
    else return;
    e.preventDefault();
  };
  return (
    <ul ref={listRef} className="outline" role="tree" aria-label="Hop details" tabIndex={0} onKeyDown={onKeyDown}>
      {elements.map((el) => {
        const selected = el.id === selectedId;
        const tone = el.type === 'leaf' ? ` tone-${el.leaf.disposition}` : '';
        return (
          <li
            key={el.id}
            ref={selected ? selectedRef : undefined}
            role="treeitem"
            aria-selected={selected}
            aria-expanded={selected}
            className={`outline-item outline-${el.type}${selected ? ' selected' : ''}${tone}`}
            style={{ paddingLeft: 6 + el.depth * 14 }}
            onClick={() => onSelect(el.id)}
          >
            <div className="outline-summary">
              <span className="twisty">{selected ? '▾' : '▸'}</span>
              {elementSummary(el)}
            </div>
            {selected ? (
              <dl className="fields">
                {elementFields(el).map(([name, value], i) => (
                  <div key={`${name}-${i}`} className="field">
                    <dt>{name}</dt>
                    <dd className="mono">{value}</dd>
                  </div>
                ))}
              </dl>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
