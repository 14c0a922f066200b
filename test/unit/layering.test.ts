import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Layers, checked like vscode's code-layering rule: renderer/src/analysis is "common" (no Node,
// Electron, React, DOM globals or db/), db/ never imports electron or the UI, and the UI never
// imports db/ code (types from db/api-types.ts only). One exception, like vscode's commented
// ones: db/ may import electron/ipc-contract.ts, the shared API contract, which itself imports
// nothing but db/api-types.ts and the analysis types.
const ROOT = join(__dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return /\.(ts|tsx)$/.test(name) ? [full] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"`;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]);
}

function resolveTarget(file: string, spec: string): string {
  return spec.startsWith('.') ? relative(ROOT, join(file, '..', spec)) : spec;
}

const violations = (dir: string, forbidden: (target: string, spec: string) => boolean) =>
  sources(join(ROOT, dir)).flatMap((file) =>
    imports(file)
      .filter((spec) => forbidden(resolveTarget(file, spec), spec))
      .map((spec) => `${relative(ROOT, file)} imports ${spec}`),
  );

describe('layering', () => {
  it('renderer/src/analysis imports nothing but itself', () => {
    expect(violations('renderer/src/analysis', (target, spec) => !spec.startsWith('.') || !target.startsWith('renderer/src/analysis'))).toEqual([]);
  });

  it('renderer/src/analysis uses no DOM or Node globals', () => {
    const globals = /\b(window|document|process|require|Buffer|localStorage|fetch)\s*[.(]/;
    const offenders = sources(join(ROOT, 'renderer/src/analysis')).filter((f) => globals.test(readFileSync(f, 'utf8').replace(/\/\/.*|\/\*[\s\S]*?\*\//g, '')));
    expect(offenders.map((f) => relative(ROOT, f))).toEqual([]);
  });

  it('db/ does not import electron or the UI', () => {
    expect(
      violations(
        'db',
        (target, spec) =>
          spec === 'electron' ||
          (target.startsWith('electron/') && target !== 'electron/ipc-contract') ||
          (target.startsWith('renderer/') && !target.startsWith('renderer/src/analysis')),
      ),
    ).toEqual([]);
  });

  it('the shared contract imports only api types and analysis types', () => {
    const contract = join(ROOT, 'electron/ipc-contract.ts');
    const bad = imports(contract)
      .map((spec) => resolveTarget(contract, spec))
      .filter((target) => target !== 'db/api-types' && !target.startsWith('renderer/src/analysis'));
    expect(bad).toEqual([]);
  });

  it('the UI imports no db/ code except the shared api types', () => {
    const ui = violations('renderer/src', (target, spec) => {
      if (spec === 'electron' || spec.startsWith('node:') || spec === 'better-sqlite3') return true;
      return target.startsWith('db/') && target !== 'db/api-types';
    });
    expect(ui).toEqual([]);
  });
});
