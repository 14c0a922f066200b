// sysctl.txt (`sysctl KEY…` output: `net.ipv4.ip_forward = 1`, also `key=value`) → key → value.
// Values are kept as printed (tabs inside, e.g. `ip_local_port_range`, included); a key seen
// twice keeps its last value and is reported.

import type { ParseResult } from '../../renderer/src/analysis/model';
import { reportLine, splitLines } from './common';
import { IssueSink, type ParseOptions } from './issues';

const LINE = /^([A-Za-z0-9_][A-Za-z0-9_.\/-]*)\s*=\s*(.*?)\s*$/;

export function parseSysctl(text: string, _opts: ParseOptions): ParseResult<Record<string, string>> {
  const sink = new IssueSink();
  const values = new Map<string, string>();
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const m = LINE.exec(trimmed);
    if (!m) {
      reportLine(sink, i + 1, line);
      continue;
    }
    const previous = values.get(m[1]);
    if (previous !== undefined && previous !== m[2]) sink.report('duplicate-record', i + 1, line);
    values.set(m[1], m[2]);
  }
  return { value: Object.fromEntries(values), issues: sink.issues };
}
