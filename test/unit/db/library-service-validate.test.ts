import { describe, expect, it } from 'vitest';
import { KNP_METHODS } from '../../../electron/ipc-contract';
import { isKnpMethod, validateArgs, ValidationError } from '../../../db/validate';

function refusal(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('validateArgs', () => {
  it('accepts well-formed arguments and drops absent optional fields', () => {
    expect(validateArgs('listSnapshots', {})).toEqual({});
    expect(validateArgs('importBundle', { path: '/tmp/b.tar.gz' })).toEqual({ path: '/tmp/b.tar.gz' });
    expect(validateArgs('importBundle', { path: '/tmp/b.tar.gz', name: undefined })).toEqual({ path: '/tmp/b.tar.gz' });
    expect(validateArgs('traceService', { snapshotId: 1, namespace: 'default', name: 'nginx', port: '80' })).toEqual({
      snapshotId: 1,
      namespace: 'default',
      name: 'nginx',
      port: '80',
    });
    expect(validateArgs('traceFlow', { snapshotId: 2, flow: { to: 'fd00::1', port: 443, protocol: 'udp', from: 'external' } })).toEqual({
      snapshotId: 2,
      flow: { to: 'fd00::1', port: 443, protocol: 'udp', from: 'external' },
    });
    expect(validateArgs('search', { snapshotId: 1, text: '' })).toEqual({ snapshotId: 1, text: '' });
  });

  it.each([
    ['getOverview', undefined, 'args', /expected an object, got undefined/],
    ['getOverview', [1], 'args', /got an array/],
    ['getOverview', { snapshotId: '1' }, 'args.snapshotId', /expected an integer, got a string/],
    ['getOverview', { snapshotId: 0 }, 'args.snapshotId', /expected 1\.\./],
    ['getOverview', { snapshotId: 1.5 }, 'args.snapshotId', /expected an integer, got 1\.5/],
    ['getOverview', { snapshotId: 1, extra: true }, 'args.extra', /unexpected field/],
    ['listSnapshots', { any: 1 }, 'args.any', /unexpected field/],
    ['importBundle', { path: '' }, 'args.path', /1\.\.4096 characters/],
    ['importBundle', { path: 'a\0b' }, 'args.path', /NUL/],
    ['importBundle', { path: '/x', name: 7 }, 'args.name', /expected a string/],
    ['traceFlow', { snapshotId: 1, flow: { to: '10.0.0.300', port: 80 } }, 'args.flow.to', /IPv4 or IPv6/],
    ['traceFlow', { snapshotId: 1, flow: { to: '10.0.0.1', port: 70000 } }, 'args.flow.port', /1\.\.65535/],
    ['traceFlow', { snapshotId: 1, flow: { to: '10.0.0.1', port: 80, protocol: 'icmp' } }, 'args.flow.protocol', /tcp, udp, sctp/],
    ['traceFlow', { snapshotId: 1, flow: { to: '10.0.0.1', port: 80, from: 'somewhere' } }, 'args.flow.from', /IPv4 or IPv6/],
    ['fileExcerpt', { snapshotId: 1, path: 'x', line: -1 }, 'args.line', /0\.\./],
    ['runQuery', { sql: 'x'.repeat(100_001) }, 'args.sql', /characters/],
    ['search', { snapshotId: 1, text: 'x'.repeat(501) }, 'args.text', /0\.\.500/],
  ] as const)('%s(%j) is refused at %s', (method, args, field, message) => {
    const error = refusal(() => validateArgs(method, args));
    expect(error.field).toBe(field);
    expect(error.code).toBe('invalid-argument');
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });

  it('knows exactly the contract methods', () => {
    for (const m of KNP_METHODS) expect(isKnpMethod(m)).toBe(true);
    expect(isKnpMethod('constructor')).toBe(false);
    expect(isKnpMethod('close')).toBe(false);
  });
});
