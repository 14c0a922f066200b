// Wireshark's display-filter bar: green when the filter parses, red with the reason when not.

import { forwardRef } from 'react';
import type { FilterError } from '../ui-logic/service-filter';

interface Props {
  value: string;
  onChange: (value: string) => void;
  errors: readonly FilterError[];
  placeholder: string;
  /** `shown of total` after the bar */
  status: string;
  label: string;
}

export const FilterBar = forwardRef<HTMLInputElement, Props>(function FilterBar({ value, onChange, errors, placeholder, status, label }, ref) {
  const state = value.trim() === '' ? 'empty' : errors.length > 0 ? 'invalid' : 'valid';
  const first = errors[0];
  return (
    <div className="filterbar" data-state={state}>
      <input
        ref={ref}
        className="filterbar-input"
        type="text"
        spellCheck={false}
        aria-label={label}
        aria-invalid={state === 'invalid'}
        placeholder={placeholder}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onChange('');
        }}
      />
      <span className="filterbar-status" role="status">
        {first ? `${first.message} (col ${first.start + 1})` : status}
      </span>
    </div>
  );
});
