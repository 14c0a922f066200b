// Reading a bundle tarball in tests: every regular file's path and text, streamed with the `tar`
// package (never extracted to disk).
import { t as listTar } from 'tar';

export interface ManifestEntry {
  path: string;
  command: string;
  exitCode: number;
  durationMs: number;
  stderr: string;
}

export interface Manifest {
  format: string;
  formatVersion: number;
  createdAt: string;
  collector: { name: string; version: string };
  nodes: string[];
  files: ManifestEntry[];
}

export interface Bundle {
  /** path → content, regular files only */
  files: Map<string, string>;
  manifest: Manifest;
  /** the content of a file that must be there */
  text(path: string): string;
  json<T = unknown>(path: string): T;
  /** the manifest entry of a path (the last one when a path was attempted twice) */
  entry(path: string): ManifestEntry | undefined;
}

export async function readBundle(file: string): Promise<Bundle> {
  const files = new Map<string, string>();
  await listTar({
    file,
    onReadEntry: (e) => {
      const chunks: Buffer[] = [];
      e.on('data', (b: Buffer) => chunks.push(b));
      e.on('end', () => {
        if (e.type === 'File') files.set(e.path, Buffer.concat(chunks).toString('utf8'));
      });
    },
  });
  const text = (path: string): string => {
    const s = files.get(path);
    if (s === undefined) throw new Error(`${path} is not in ${file}; it has ${[...files.keys()].join(', ')}`);
    return s;
  };
  const manifest = JSON.parse(text('manifest.json')) as Manifest;
  return {
    files,
    manifest,
    text,
    json: <T,>(path: string) => JSON.parse(text(path)) as T,
    entry: (path: string) => manifest.files.filter((f) => f.path === path).at(-1),
  };
}
