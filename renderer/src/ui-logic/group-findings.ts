// Expert-Info grouping: severity → code → the individual items, with counts at each level.

import type { Severity } from '../analysis/model';

export interface CodeGroup<T> {
  code: string;
  items: T[];
}

export interface SeverityGroup<T> {
  severity: Severity;
  count: number;
  codes: CodeGroup<T>[];
}

const ORDER: Severity[] = ['error', 'warning', 'info'];

export function groupBySeverity<T extends { severity: Severity; code: string }>(items: readonly T[]): SeverityGroup<T>[] {
  return ORDER.map((severity) => {
    const codes = new Map<string, T[]>();
    for (const item of items) {
      if (item.severity !== severity) continue;
      const list = codes.get(item.code);
      if (list) list.push(item);
      else codes.set(item.code, [item]);
    }
    const groups = [...codes.entries()]
      .map(([code, list]) => ({ code, items: list }))
      .sort((a, b) => b.items.length - a.items.length || (a.code < b.code ? -1 : 1));
    return { severity, count: groups.reduce((n, g) => n + g.items.length, 0), codes: groups };
  }).filter((g) => g.count > 0);
}
