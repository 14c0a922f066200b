import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCrictlInspectp, parseCrictlPods } from '../../../db/parsers/crictl';

const NUC0 = join(__dirname, '../../fixtures/bundles/article/nodes/roger-nuc0');
const read = (path: string) => readFileSync(join(NUC0, path), 'utf8');
const inspectFiles = readdirSync(join(NUC0, 'crictl-inspectp'));

describe('parseCrictlPods', () => {
  it('reads the sandbox list', () => {
    const { value, issues } = parseCrictlPods(read('crictl-pods.json'), { file: 'nodes/roger-nuc0/crictl-pods.json' });
    expect(issues).toEqual([]);
    const nginx = value.find((s) => s.podName === 'nginx-7c5ddbdf54-tz9qm');
    expect(nginx).toMatchObject({
      namespace: 'default',
      state: 'SANDBOX_READY',
      netnsPath: null,
      ip: null,
      source: { file: 'nodes/roger-nuc0/crictl-pods.json', line: 3, pointer: '/items/0' },
    });
    expect(nginx?.id).toMatch(/^[0-9a-f]{64}$/);
    expect(nginx?.podUid).toMatch(/^[0-9a-f-]{36}$/);
    expect(value).toHaveLength(inspectFiles.length);
  });

  it('reports a sandbox without an id or name and keeps the others', () => {
    const text = JSON.stringify({
      items: [
        { metadata: { name: 'a', namespace: 'n' }, state: 'SANDBOX_READY' },
        { id: 'b1', metadata: { namespace: 'n' } },
        { id: 'c1', metadata: { name: 'c', namespace: 'n', uid: 'u' }, state: 'SANDBOX_NOTREADY' },
      ],
    });
    const { value, issues } = parseCrictlPods(text, { file: 'p' });
    expect(value.map((s) => [s.id, s.podName, s.podUid, s.state])).toEqual([['c1', 'c', 'u', 'SANDBOX_NOTREADY']]);
    expect(issues.map((i) => [i.code, i.detail])).toEqual([
      ['missing-field', '/items/0: id is missing'],
      ['missing-field', '/items/1: metadata.name is missing'],
    ]);
  });

  it('reports malformed JSON', () => {
    const { value, issues } = parseCrictlPods('{"items": [{"id": "x"', { file: 'p' });
    expect(value).toEqual([]);
    expect(issues).toEqual([expect.objectContaining({ code: 'malformed-json', line: 1, col: 22 })]);
  });
});

describe('parseCrictlInspectp', () => {
  it('reads the netns path and IP of a pod sandbox (containerd)', () => {
    const results = inspectFiles.map((f) => parseCrictlInspectp(read(`crictl-inspectp/${f}`), { file: f }));
    expect(results.flatMap((r) => r.issues)).toEqual([]);
    const nginx = results.map((r) => r.value).find((s) => s?.podName === 'nginx-7c5ddbdf54-tz9qm');
    expect(nginx).toMatchObject({
      namespace: 'default',
      state: 'SANDBOX_READY',
      ip: '10.42.0.204',
      netnsPath: '/var/run/netns/cni-357001b9-24ca-5619-df3a-4dfe972bb930',
      source: { line: 1, pointer: '' },
    });
    expect(`${nginx?.id}.json`).toBe(inspectFiles.find((f) => read(`crictl-inspectp/${f}`).includes('tz9qm')));
  });

  it('leaves a host-network sandbox without netns path or IP', () => {
    const speaker = inspectFiles
      .map((f) => parseCrictlInspectp(read(`crictl-inspectp/${f}`), { file: f }).value)
      .find((s) => s?.podName.startsWith('speaker-'));
    expect(speaker).toMatchObject({ namespace: 'metallb-system', netnsPath: null, ip: null });
  });

  it('falls back to sandboxMetadata.NetNSPath (containerd 2.x)', () => {
    const text = JSON.stringify({
      status: { id: 'abc', metadata: { name: 'p', namespace: 'n', uid: 'u', attempt: 0 }, state: 'SANDBOX_READY', network: { additionalIps: [{ ip: 'fd00::4' }], ip: '10.0.0.4' } },
      info: { sandboxMetadata: { ID: 'abc', NetNSPath: '/var/run/netns/cni-1234' } },
    });
    expect(parseCrictlInspectp(text, { file: 'i' })).toEqual({
      value: { id: 'abc', podName: 'p', namespace: 'n', podUid: 'u', state: 'SANDBOX_READY', netnsPath: '/var/run/netns/cni-1234', ip: '10.0.0.4', source: { file: 'i', line: 1, pointer: '' } },
      issues: [],
    });
  });

  it('reports what is missing or wrongly shaped', () => {
    expect(parseCrictlInspectp('{"info": {}}', { file: 'i' }).issues.map((i) => i.detail)).toEqual(['(root): status is missing']);
    const text = JSON.stringify({ status: { id: 'x', metadata: { name: 'p', namespace: 'n' }, network: 'oops' }, info: { runtimeSpec: { linux: { namespaces: {} } } } });
    const { value, issues } = parseCrictlInspectp(text, { file: 'i' });
    expect(value).toMatchObject({ id: 'x', ip: null, netnsPath: null });
    expect(issues.map((i) => i.detail)).toEqual([
      '(root) (n/p): status.network is not an object',
      '(root) (n/p): info.runtimeSpec.linux.namespaces is not an array',
    ]);
    expect(parseCrictlInspectp('[]', { file: 'i' }).value).toBeNull();
  });
});
