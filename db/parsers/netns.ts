// netns.txt → NetnsEntry[]. The file holds `ip netns list-id` output
// (`nsid 0 (iproute2 netns name: cni-…)`, or `nsid 3` for a namespace without a name) and/or
// `ip netns list` output (`cni-… (id: 0)`, or a bare name when the namespace has no nsid here),
// in either order, possibly under `# …` header lines. Both views are merged so that each
// namespace appears once, with its name and nsid when either view knows them.

import type { NetnsEntry, ParseResult } from '../../renderer/src/analysis/model';
import { reportLine, splitLines, textSource } from './common';
import { IssueSink, type ParseOptions } from './issues';

const LIST_ID = /^nsid\s+(\d+)(?:\s+\(iproute2 netns name:\s*(\S+)\))?\s*$/;
const LIST = /^(\S+)(?:\s+\(id:\s*(\d+)\))?\s*$/;

export function parseNetns(text: string, opts: ParseOptions): ParseResult<NetnsEntry[]> {
  const sink = new IssueSink();
  const out: NetnsEntry[] = [];
  const byName = new Map<string, NetnsEntry>();
  const byId = new Map<number, NetnsEntry>();
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const lineNo = i + 1;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const listId = LIST_ID.exec(trimmed);
    const list = listId ? null : LIST.exec(trimmed);
    if (!listId && !list) {
      reportLine(sink, lineNo, line);
      continue;
    }
    const name = (listId ? listId[2] : list?.[1]) ?? null;
    const nsidText = listId ? listId[1] : list?.[2];
    const nsid = nsidText !== undefined ? Number(nsidText) : null;
    const known = (name !== null ? byName.get(name) : undefined) ?? (nsid !== null ? byId.get(nsid) : undefined);
    if (known === undefined) {
      const entry: NetnsEntry = { name, nsid, source: textSource(opts, lineNo) };
      out.push(entry);
      if (name !== null) byName.set(name, entry);
      if (nsid !== null) byId.set(nsid, entry);
      continue;
    }
    if ((name !== null && known.name !== null && known.name !== name) || (nsid !== null && known.nsid !== null && known.nsid !== nsid)) {
      sink.report('duplicate-record', lineNo, line, { col: line.search(/\S/) + 1 });
      continue;
    }
    if (known.name === null && name !== null) {
      known.name = name;
      byName.set(name, known);
    }
    if (known.nsid === null && nsid !== null) {
      known.nsid = nsid;
      byId.set(nsid, known);
    }
  }
  return { value: out, issues: sink.issues };
}
