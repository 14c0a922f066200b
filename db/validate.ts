// Argument validation at the process boundary. The Electron IPC gateway and the web harness both
// run every call's argument through `validateArgs` before it reaches the library, so a renderer
// (or a browser tab) can only ever hand the library well-formed, bounded values.

import type { KnpApi, KnpMethod } from '../electron/ipc-contract';
import { KNP_METHODS } from '../electron/ipc-contract';
import { parseIp } from '../renderer/src/analysis/trace/ip';
import type { FlowSpec, Protocol } from '../renderer/src/analysis/trace/types';

/** A refused argument: `field` names it (`args.flow.port`), the message says what was expected. */
export class ValidationError extends Error {
  override name = 'ValidationError';
  readonly code = 'invalid-argument';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

type Validator<T> = (value: unknown, field: string) => T;

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function text(min: number, max: number): Validator<string> {
  return (value, field) => {
    if (typeof value !== 'string') throw new ValidationError(field, `expected a string, got ${describe(value)}`);
    if (value.length < min || value.length > max) {
      throw new ValidationError(field, `expected ${min}..${max} characters, got ${value.length}`);
    }
    if (value.includes('\0')) throw new ValidationError(field, 'must not contain NUL characters');
    return value;
  };
}

function integer(min: number, max: number): Validator<number> {
  return (value, field) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw new ValidationError(field, `expected an integer, got ${describe(value)}`);
    }
    if (value < min || value > max) throw new ValidationError(field, `expected ${min}..${max}, got ${value}`);
    return value;
  };
}

function oneOf<T extends string>(choices: readonly T[]): Validator<T> {
  return (value, field) => {
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      throw new ValidationError(field, `expected one of ${choices.join(', ')}`);
    }
    return value as T;
  };
}

const ipAddress: Validator<string> = (value, field) => {
  const s = text(2, 64)(value, field);
  if (!parseIp(s)) throw new ValidationError(field, `expected an IPv4 or IPv6 address, got ${JSON.stringify(s)}`);
  return s;
};

type Shape<T> = { [K in keyof T]-?: Validator<T[K]> };

/** The fields whose validator accepts `undefined` are optional; absent ones are left out of the result. */
function optional<T>(inner: Validator<T>): Validator<T | undefined> {
  return (value, field) => (value === undefined ? undefined : inner(value, field));
}

/** A plain object with exactly these fields: unknown fields are refused, not ignored. */
function object<T extends object>(shape: Shape<T>): Validator<T> {
  return (value, field) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ValidationError(field, `expected an object, got ${describe(value)}`);
    }
    const input = value as Record<string, unknown>;
    for (const key of Object.keys(input)) {
      if (!Object.hasOwn(shape, key)) throw new ValidationError(`${field}.${key}`, 'unexpected field');
    }
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape) as [string, Validator<unknown>][]) {
      const checked = check(input[key], `${field}.${key}`);
      if (checked !== undefined) out[key] = checked;
    }
    return out as T;
  };
}

const MAX_PATH = 4096;
/** Kubernetes names (DNS subdomains) are at most 253 characters. */
const kubeName = text(1, 253);
const snapshotId = integer(1, Number.MAX_SAFE_INTEGER);
const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp', 'sctp'];

const fromAddress: Validator<string> = (value, field) =>
  value === 'external' ? 'external' : ipAddress(value, field);

const flow = object<FlowSpec>({
  to: ipAddress,
  port: integer(1, 65535),
  protocol: optional(oneOf(PROTOCOLS)),
  from: optional(fromAddress),
  node: optional(kubeName),
});

type ArgsOf<M extends KnpMethod> = Parameters<KnpApi[M]>[0];

/** diffSnapshots: nodeA and nodeB name one pair of nodes, so they come together or not at all. */
function pairedNodes<T extends { nodeA?: string; nodeB?: string }>(inner: Validator<T>): Validator<T> {
  return (value, field) => {
    const out = inner(value, field);
    if ((out.nodeA === undefined) !== (out.nodeB === undefined)) {
      throw new ValidationError(`${field}.${out.nodeA === undefined ? 'nodeA' : 'nodeB'}`, 'nodeA and nodeB go together');
    }
    return out;
  };
}

/** One validator per method: a Record, so a method added to KnpApi without one does not compile. */
const ARGS: { [M in KnpMethod]: Validator<ArgsOf<M>> } = {
  listSnapshots: object<Record<string, never>>({}),
  importBundle: object({ path: text(1, MAX_PATH), name: optional(text(1, 200)) }),
  deleteSnapshot: object({ snapshotId }),
  getOverview: object({ snapshotId }),
  listServices: object({ snapshotId }),
  traceService: object({ snapshotId, namespace: kubeName, name: kubeName, port: optional(text(1, 63)) }),
  traceFlow: object({ snapshotId, flow }),
  listVeths: object({ snapshotId }),
  diffSnapshots: pairedNodes(object({ a: snapshotId, b: snapshotId, nodeA: optional(kubeName), nodeB: optional(kubeName) })),
  getRuleset: object({ snapshotId, node: kubeName }),
  getNetwork: object({ snapshotId, node: kubeName }),
  search: object({ snapshotId, text: text(0, 500) }),
  fileExcerpt: object({ snapshotId, path: text(1, MAX_PATH), line: integer(0, 100_000_000) }),
  listFiles: object({ snapshotId }),
  runQuery: object({ sql: text(1, 100_000) }),
};

export function isKnpMethod(name: string): name is KnpMethod {
  return (KNP_METHODS as readonly string[]).includes(name);
}

/** Checks one call's argument; throws ValidationError naming the offending field. */
export function validateArgs<M extends KnpMethod>(method: M, args: unknown): ArgsOf<M> {
  return ARGS[method](args, 'args');
}
