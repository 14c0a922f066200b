// `ip -j neigh show` (JSON) and `ip neigh show` (text) → Neighbour[].

import type { Neighbour, ParseResult } from '../../renderer/src/analysis/model';
import { JsonFields, jsonSource, readJsonList, parseWordLines, reportLine, reportRest, textSource } from './common';
import { IssueSink, type ParseOptions } from './issues';

/** NUD states as printed (upper case in text, an array in JSON). */
const NUD_STATES = new Set(['INCOMPLETE', 'REACHABLE', 'STALE', 'DELAY', 'PROBE', 'FAILED', 'NOARP', 'PERMANENT', 'NONE']);

/** Flags printed after the address that say nothing about where the neighbour is. */
const FLAGS = new Set(['router', 'proxy', 'extern_learn', 'offload', 'managed']);

export function parseIpNeighJson(text: string, opts: ParseOptions): ParseResult<Neighbour[]> {
  const sink = new IssueSink();
  const out: Neighbour[] = [];
  for (const item of readJsonList(text, sink)) {
    const f = new JsonFields(item.value, item.pointer, sink);
    const dst = f.str('dst');
    const dev = f.str('dev');
    if (dst === null || dev === null) {
      f.missing(dst === null ? 'dst' : 'dev');
      continue;
    }
    out.push({ dst, dev, lladdr: f.str('lladdr'), state: f.strArray('state'), source: jsonSource(opts, item.pointer) });
  }
  return { value: out, issues: sink.issues };
}

export function parseIpNeighText(text: string, opts: ParseOptions): ParseResult<Neighbour[]> {
  return parseWordLines(text, (ws, line, lineNo, sink) => {
    const n: Neighbour = { dst: ws[0].text, dev: '', lladdr: null, state: [], source: textSource(opts, lineNo) };
    for (let k = 1; k < ws.length; k++) {
      const key = ws[k].text;
      if (NUD_STATES.has(key)) n.state.push(key);
      else if (FLAGS.has(key)) continue;
      else if ((key === 'dev' || key === 'lladdr') && k + 1 < ws.length) {
        if (key === 'dev') n.dev = ws[++k].text;
        else n.lladdr = ws[++k].text;
      } else {
        reportRest(sink, lineNo, line, ws[k]);
        break;
      }
    }
    if (n.dev !== '') return n;
    reportLine(sink, lineNo, line);
    return null;
  });
}
