import type {
  FdbEntry,
  IpRule,
  KubeEndpointSlice,
  KubeEvent,
  KubeNode,
  KubePod,
  KubeService,
  NetAddress,
  NetInterface,
  NetnsEntry,
  Neighbour,
  NftRuleset,
  ParseResult,
  Route,
  Sandbox,
} from '../../renderer/src/analysis/model';
import type { ParseOptions } from '../parsers/issues';
import type { RulesetParseOptions } from '../parsers/nft-common';
import type { FileKind } from './classify';
import type { RulesetFormat } from './parse-bundle';
import { parseNftText } from '../parsers/nft-text';
import { parseNftJson } from '../parsers/nft-json';
import { parseIptablesSave } from '../parsers/iptables-save';
import { parseIpLinkJson, parseIpLinkText } from '../parsers/ip-link';
import { parseIpAddrJson, parseIpAddrText } from '../parsers/ip-addr';
import { parseIpRouteJson, parseIpRouteText } from '../parsers/ip-route';
import { parseIpRuleJson, parseIpRuleText } from '../parsers/ip-rule';
import { parseIpNeighJson, parseIpNeighText } from '../parsers/ip-neigh';
import { parseBridgeFdbJson, parseBridgeFdbText } from '../parsers/bridge-fdb';
import { parseNetns } from '../parsers/netns';
import { parseSysctl } from '../parsers/sysctl';
import {
  parseEndpointSlices,
  parseEndpoints,
  parseEvents,
  parseNodes,
  parsePods,
  parseServices,
} from '../parsers/kubectl';
import { parseCrictlInspectp, parseCrictlPods } from '../parsers/crictl';

/** A parsed file, tagged with where its records go. */
export type ParsedValue =
  | { kind: 'services'; records: KubeService[] }
  | { kind: 'endpointslices'; records: KubeEndpointSlice[] }
  | { kind: 'pods'; records: KubePod[] }
  | { kind: 'nodes'; records: KubeNode[] }
  | { kind: 'events'; records: KubeEvent[] }
  | { kind: 'ruleset'; records: NftRuleset }
  | { kind: 'interfaces'; records: NetInterface[] }
  | { kind: 'addresses'; records: NetAddress[] }
  | { kind: 'routes'; records: Route[] }
  | { kind: 'ipRules'; records: IpRule[] }
  | { kind: 'neighbours'; records: Neighbour[] }
  | { kind: 'fdb'; records: FdbEntry[] }
  | { kind: 'netns'; records: NetnsEntry[] }
  | { kind: 'sandboxes'; records: Sandbox[] }
  | { kind: 'inspectp'; records: Sandbox[] }
  | { kind: 'sysctls'; records: Record<string, string> };

/** A file's parser; the options' receiver, if any, matters to the ruleset parsers only. */
type FileParser = (text: string, opts: RulesetParseOptions) => ParseResult<ParsedValue>;

function tagged<K extends ParsedValue['kind'], T>(
  kind: K,
  parse: (text: string, opts: RulesetParseOptions) => ParseResult<T>,
): FileParser {
  return (text, opts) => {
    const { value, issues } = parse(text, opts);
    return { value: { kind, records: value } as ParsedValue, issues };
  };
}

function asList<T>(parse: (text: string, opts: ParseOptions) => ParseResult<T | null>) {
  return (text: string, opts: ParseOptions): ParseResult<T[]> => {
    const { value, issues } = parse(text, opts);
    return { value: value ? [value] : [], issues };
  };
}

/**
 * The parser of each ruleset format (`nft_rulesets.format`). Loading a snapshot re-parses the
 * stored ruleset file with the same parser that imported it.
 */
export const RULESET_PARSERS: Readonly<Record<RulesetFormat, (text: string, opts: RulesetParseOptions) => ParseResult<NftRuleset>>> = {
  'nft-text': parseNftText,
  'nft-json': parseNftJson,
  'iptables-save': parseIptablesSave,
};

/** Each bundle file kind and the parser that reads it; kinds without a parser are kept raw. */
export const FILE_PARSERS: Partial<Record<FileKind, FileParser>> = {
  services: tagged('services', parseServices),
  endpointslices: tagged('endpointslices', parseEndpointSlices),
  endpoints: tagged('endpointslices', parseEndpoints),
  pods: tagged('pods', parsePods),
  nodes: tagged('nodes', parseNodes),
  events: tagged('events', parseEvents),
  'nft-text': tagged('ruleset', RULESET_PARSERS['nft-text']),
  'nft-json': tagged('ruleset', RULESET_PARSERS['nft-json']),
  'iptables-save': tagged('ruleset', RULESET_PARSERS['iptables-save']),
  'ip-link-json': tagged('interfaces', parseIpLinkJson),
  'ip-link-text': tagged('interfaces', parseIpLinkText),
  'ip-addr-json': tagged('addresses', parseIpAddrJson),
  'ip-addr-text': tagged('addresses', parseIpAddrText),
  'ip-route-json': tagged('routes', parseIpRouteJson),
  'ip-route-text': tagged('routes', parseIpRouteText),
  'ip-rule-json': tagged('ipRules', parseIpRuleJson),
  'ip-rule-text': tagged('ipRules', parseIpRuleText),
  'ip-neigh-json': tagged('neighbours', parseIpNeighJson),
  'ip-neigh-text': tagged('neighbours', parseIpNeighText),
  'bridge-fdb-json': tagged('fdb', parseBridgeFdbJson),
  'bridge-fdb-text': tagged('fdb', parseBridgeFdbText),
  netns: tagged('netns', parseNetns),
  sysctl: tagged('sysctls', parseSysctl),
  'crictl-pods': tagged('sandboxes', parseCrictlPods),
  'crictl-inspectp': tagged('inspectp', asList(parseCrictlInspectp)),
};
