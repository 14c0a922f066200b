// The Services filter language, validated as you type (Wireshark's green/red filter bar):
//   plain words           substring of namespace/name, type or any address (case-insensitive)
//   ns:NAME               namespace, `*` as a wildcard (ns:kube-*)
//   type:TYPE             ClusterIP, NodePort, LoadBalancer, ExternalName (any unique prefix)
//   ip:ADDR[/LEN]         a cluster, external or load-balancer address, or a CIDR containing one
//   port:N[-M][/PROTO]    a port, node port or numeric target port
// A leading `!` negates a term; terms are ANDed; "double quotes" keep spaces in a word.

import type { ServiceRow } from '../../../db/api-types';
import { cidrContains, parseCidr, type ParsedCidr } from './ip';

const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;
const PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;

export type FilterTerm =
  | { key: 'text'; negate: boolean; text: string }
  | { key: 'ns'; negate: boolean; pattern: RegExp; text: string }
  | { key: 'type'; negate: boolean; type: (typeof SERVICE_TYPES)[number] }
  | { key: 'ip'; negate: boolean; cidr: ParsedCidr; text: string }
  | { key: 'port'; negate: boolean; from: number; to: number; protocol: string | null };

export interface FilterError {
  /** offsets into the filter text */
  start: number;
  end: number;
  message: string;
}

export interface ParsedFilter {
  terms: FilterTerm[];
  errors: FilterError[];
}

export interface Token {
  text: string;
  start: number;
  end: number;
}

const FIELDS = ['ns', 'type', 'ip', 'port'] as const;

/** Splits filter text into words (quotes keep spaces), with offsets for error marks. */
export function tokenize(input: string): { tokens: Token[]; errors: FilterError[] } {
  const tokens: Token[] = [];
  const errors: FilterError[] = [];
  let i = 0;
  while (i < input.length) {
    if (/\s/.test(input[i])) {
      i++;
      continue;
    }
    const start = i;
    let text = '';
    while (i < input.length && !/\s/.test(input[i])) {
      if (input[i] === '"') {
        const close = input.indexOf('"', i + 1);
        if (close < 0) {
          errors.push({ start: i, end: input.length, message: 'unterminated quote' });
          text += input.slice(i + 1);
          i = input.length;
          break;
        }
        text += input.slice(i + 1, close);
        i = close + 1;
      } else {
        text += input[i];
        i++;
      }
    }
    tokens.push({ text, start, end: i });
  }
  return { tokens, errors };
}

/** `*` matches anything; the rest is literal, case-insensitive, anchored. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i');
}

function looksLikeIpv6(text: string): boolean {
  return /^[0-9a-fA-F:.]+(\/\d+)?$/.test(text) && (text.match(/:/g) ?? []).length >= 2;
}

function parsePort(value: string): { from: number; to: number; protocol: string | null } | string {
  const m = /^(\d+)(?:-(\d+))?(?:\/([a-zA-Z]+))?$/.exec(value);
  if (!m) return 'port: expects N, N-M or N/tcp|udp|sctp';
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from < 1 || to > 65535 || from > 65535) return 'ports run from 1 to 65535';
  if (to < from) return 'the range is reversed';
  const protocol = m[3] === undefined ? null : m[3].toLowerCase();
  if (protocol !== null && !(PROTOCOLS as readonly string[]).includes(protocol)) return `unknown protocol "${m[3]}"`;
  return { from, to, protocol };
}

function parseTerm(token: Token): FilterTerm | FilterError {
  const negate = token.text.startsWith('!');
  const body = negate ? token.text.slice(1) : token.text;
  const fail = (message: string): FilterError => ({ start: token.start, end: token.end, message });
  if (body === '') return fail(negate ? '"!" needs a term after it' : 'empty term');
  const colon = body.indexOf(':');
  if (colon < 0 || looksLikeIpv6(body)) return { key: 'text', negate, text: body.toLowerCase() };
  const field = body.slice(0, colon).toLowerCase();
  const value = body.slice(colon + 1);
  if (!(FIELDS as readonly string[]).includes(field)) {
    return fail(`unknown field "${field}:" (use ns:, type:, ip: or port:)`);
  }
  if (value === '') return fail(`${field}: needs a value`);
  switch (field) {
    case 'ns':
      if (!/^[a-z0-9*][a-z0-9*.-]*$/i.test(value)) return fail(`"${value}" is not a namespace name`);
      return { key: 'ns', negate, pattern: globToRegExp(value), text: value };
    case 'type': {
      const matches = SERVICE_TYPES.filter((t) => t.toLowerCase().startsWith(value.toLowerCase()));
      if (matches.length === 1) return { key: 'type', negate, type: matches[0] };
      return fail(matches.length === 0 ? `type: expects ${SERVICE_TYPES.join(', ')}` : `"${value}" is ambiguous: ${matches.join(' or ')}`);
    }
    case 'ip': {
      const cidr = parseCidr(value);
      if (!cidr) return fail(`"${value}" is not an IP address or CIDR`);
      return { key: 'ip', negate, cidr, text: value };
    }
    default: {
      const port = parsePort(value);
      return typeof port === 'string' ? fail(port) : { key: 'port', negate, ...port };
    }
  }
}

/** Tokenises a filter and parses each token into a term; every filter bar shares this. */
export function parseTerms<T extends object>(input: string, parseTerm: (token: Token) => T | FilterError): { terms: T[]; errors: FilterError[] } {
  const { tokens, errors } = tokenize(input);
  const terms: T[] = [];
  for (const token of tokens) {
    const term = parseTerm(token);
    if ('message' in term) errors.push(term);
    else terms.push(term);
  }
  errors.sort((a, b) => a.start - b.start);
  return { terms, errors };
}

export function parseServiceFilter(input: string): ParsedFilter {
  return parseTerms(input, parseTerm);
}

function addresses(row: ServiceRow): string[] {
  return [...row.clusterIPs, ...row.externalIPs, ...row.loadBalancerIPs];
}

function termMatches(row: ServiceRow, term: FilterTerm): boolean {
  switch (term.key) {
    case 'text': {
      const hay = [`${row.namespace}/${row.name}`, row.type, ...addresses(row)].join(' ').toLowerCase();
      return hay.includes(term.text);
    }
    case 'ns':
      return term.pattern.test(row.namespace);
    case 'type':
      return row.type === term.type;
    case 'ip':
      return addresses(row).some((a) => cidrContains(term.cidr, a));
    case 'port':
      return row.ports.some((p) => {
        if (term.protocol !== null && p.protocol.toLowerCase() !== term.protocol) return false;
        const numbers = [p.port, p.nodePort, p.targetPort !== null && /^\d+$/.test(p.targetPort) ? Number(p.targetPort) : null];
        return numbers.some((n) => n !== null && n >= term.from && n <= term.to);
      });
  }
}

export function matchService(row: ServiceRow, terms: readonly FilterTerm[]): boolean {
  return terms.every((term) => termMatches(row, term) !== term.negate);
}

