import type { SourceRef } from '../../renderer/src/analysis/model';

// How record fields become column values, for every table the importer writes (and the cluster
// worker encodes): objects and arrays as JSON text, optional booleans as 1/0/NULL, and a record's
// source as its three columns (file, line, pointer).

export const jsonColumn = (value: unknown) => JSON.stringify(value);
export const flagColumn = (value: boolean | null) => (value === null ? null : value ? 1 : 0);
export const sourceColumns = (s: SourceRef) => [s.file, s.line, s.pointer ?? null] as const;
