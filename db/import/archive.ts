import { createReadStream, promises as fs, readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join, relative, sep } from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import { ImportError } from './errors';

/** Sane limits for what one bundle may contain; a real node's bundle is tens of MB. */
export interface ArchiveLimits {
  maxEntryBytes: number;
  maxTotalBytes: number;
  maxEntries: number;
}

export const DEFAULT_LIMITS: ArchiveLimits = {
  maxEntryBytes: 512 * 1024 * 1024,
  maxTotalBytes: 2 * 1024 * 1024 * 1024,
  maxEntries: 200_000,
};

export interface ReadProgress {
  bytesRead: number;
  totalBytes: number;
  files: number;
  currentFile: string | null;
}

export interface BundleSource {
  kind: 'archive' | 'folder' | 'file';
  path: string;
  /** bundle-relative path → content */
  entries: Map<string, Buffer>;
  /** bundle-relative path → sha256 of its content, hashed as it was read so nothing hashes it again */
  entryHashes?: Map<string, string>;
  /** sha256 of the source: the archive bytes, or of every (path, content) for a folder */
  contentHash: string;
  sizeBytes: number;
}

export interface ReadOptions {
  limits?: Partial<ArchiveLimits>;
  onProgress?: (progress: ReadProgress) => void;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** Reads a bundle from a .tar.gz (or plain .tar), a folder, or one loose file, without extracting anything to disk. */
export async function readBundleSource(path: string, opts: ReadOptions = {}): Promise<BundleSource> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const stat = await fs.stat(path).catch(() => null);
  if (!stat) throw new ImportError(`${path}: no such file or folder`, 'not-found');
  if (stat.isDirectory()) return readFolder(path, limits, opts.onProgress);
  const head = await readHead(path, 512);
  if (head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) return readArchive(path, stat.size, limits, opts.onProgress);
  if (looksLikeTar(head)) return readArchive(path, stat.size, limits, opts.onProgress);
  if (stat.size > limits.maxEntryBytes) throw new ImportError(`${path}: ${stat.size} bytes is larger than the ${limits.maxEntryBytes}-byte limit for one file`, 'too-large');
  const content = await fs.readFile(path);
  if (content.includes(0)) throw new ImportError(`${path}: not a gzip or tar archive, a folder, or a text file`, 'not-an-archive');
  opts.onProgress?.({ bytesRead: content.length, totalBytes: content.length, files: 1, currentFile: basename(path) });
  const hash = sha256(content);
  return {
    kind: 'file',
    path,
    entries: new Map([[basename(path), content]]),
    entryHashes: new Map([[basename(path), hash]]),
    contentHash: hash,
    sizeBytes: content.length,
  };
}

async function readHead(path: string, length: number): Promise<Buffer> {
  const handle = await fs.open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** A ustar header carries "ustar" at offset 257. */
function looksLikeTar(head: Buffer): boolean {
  return head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Refuses absolute paths and any `..` component; returns the normalised relative path. */
export function safeEntryPath(raw: string): string {
  const path = raw.replace(/\\/g, '/');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) {
    throw new ImportError(`archive entry ${JSON.stringify(raw)} has an absolute path; refusing the bundle`, 'unsafe-path');
  }
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw new ImportError(`archive entry ${JSON.stringify(raw)} climbs out of the bundle with '..'; refusing the bundle`, 'unsafe-path');
  }
  return parts.join('/');
}

async function readArchive(
  path: string,
  totalBytes: number,
  limits: ArchiveLimits,
  onProgress?: (p: ReadProgress) => void,
): Promise<BundleSource> {
  const entries = new Map<string, Buffer>();
  const entryHashes = new Map<string, string>();
  const hash = createHash('sha256');
  let bytesRead = 0;
  let unpacked = 0;
  let failure: Error | null = null;

  await new Promise<void>((resolve, reject) => {
    const input = createReadStream(path);
    const parser = new Parser({ strict: true });
    const fail = (err: Error) => {
      if (failure) return;
      failure = err;
      input.destroy();
      reject(err);
    };
    const onEntry = (entry: ReadEntry) => {
      if (failure) return entry.resume();
      try {
        const entryPath = safeEntryPath(entry.path);
        if (entry.type === 'Directory') return entry.resume();
        if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
          throw new ImportError(`archive entry ${JSON.stringify(entry.path)} is a ${entry.type === 'Link' ? 'hard' : 'symbolic'} link; bundles must contain plain files only`, 'link-entry');
        }
        if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {
          throw new ImportError(`archive entry ${JSON.stringify(entry.path)} is a ${entry.type}; bundles must contain plain files only`, 'link-entry');
        }
        if (entries.size + 1 > limits.maxEntries) {
          throw new ImportError(`the archive has more than ${limits.maxEntries} entries`, 'too-many-entries');
        }
        const size = entry.size ?? 0;
        if (size > limits.maxEntryBytes) {
          throw new ImportError(`archive entry ${entryPath} is ${size} bytes, above the ${limits.maxEntryBytes}-byte limit for one file`, 'too-large');
        }
        unpacked += size;
        if (unpacked > limits.maxTotalBytes) {
          throw new ImportError(`the archive unpacks to more than ${limits.maxTotalBytes} bytes`, 'too-large');
        }
        const chunks: Buffer[] = [];
        const entryHash = createHash('sha256');
        entry.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          entryHash.update(chunk);
        });
        entry.on('end', () => {
          entries.set(entryPath, Buffer.concat(chunks));
          entryHashes.set(entryPath, entryHash.digest('hex'));
          onProgress?.({ bytesRead, totalBytes, files: entries.size, currentFile: entryPath });
        });
      } catch (err) {
        entry.resume();
        fail(err as Error);
      }
    };
    parser.on('entry', onEntry);
    parser.on('error', (err: Error) => fail(describeTarError(path, err)));
    parser.on('warn', (_code: string, message: string | Error) =>
      fail(describeTarError(path, message instanceof Error ? message : new Error(message))),
    );
    parser.on('end', () => {
      if (failure) return;
      if (entries.size === 0 && bytesRead > 0) {
        fail(new ImportError(`${path}: the archive holds no files`, 'empty-bundle'));
        return;
      }
      resolve();
    });
    input.on('data', (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      bytesRead += buf.length;
      hash.update(buf);
    });
    input.on('error', (err) => fail(new ImportError(`${path}: ${err.message}`, 'not-found')));
    input.pipe(parser);
  });

  return {
    kind: 'archive',
    path,
    entries: stripWrapperDirectory(entries),
    entryHashes: stripWrapperDirectory(entryHashes),
    contentHash: hash.digest('hex'),
    sizeBytes: totalBytes,
  };
}

function describeTarError(path: string, err: Error): ImportError {
  if (err instanceof ImportError) return err;
  const message = err.message || String(err);
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (/truncated|unexpected end/i.test(message) || code === 'Z_BUF_ERROR' || code === 'TAR_ABORT') {
    return new ImportError(`${path}: the archive is truncated (${message})`, 'truncated-archive');
  }
  return new ImportError(`${path}: not a valid gzip-compressed tar archive (${message})`, 'not-an-archive');
}

/** A single top-level directory wrapping everything (`bundle-2026…/manifest.json`) is accepted. */
export function stripWrapperDirectory<T>(entries: Map<string, T>): Map<string, T> {
  const tops = new Set([...entries.keys()].map((p) => p.split('/')[0]));
  if (tops.size !== 1) return entries;
  const [top] = tops;
  if (![...entries.keys()].every((p) => p.startsWith(top + '/'))) return entries;
  return new Map([...entries].map(([p, entry]) => [p.slice(top.length + 1), entry]));
}

function readFolder(root: string, limits: ArchiveLimits, onProgress?: (p: ReadProgress) => void): BundleSource {
  const entries = new Map<string, Buffer>();
  const entryHashes = new Map<string, string>();
  let total = 0;
  // Synchronous calls: a bundle folder holds hundreds of small files, and a thread-pool round
  // trip for each stat and read made up half of the read (the import blocks its thread for the
  // parse and the write anyway).
  const walk = (dir: string): void => {
    const items = readdirSync(dir, { withFileTypes: true });
    items.sort((a, b) => a.name.localeCompare(b.name));
    for (const item of items) {
      const full = join(dir, item.name);
      const rel = relative(root, full).split(sep).join('/');
      if (item.isSymbolicLink()) {
        throw new ImportError(`${rel} is a symbolic link; bundles must contain plain files only`, 'link-entry');
      }
      if (item.isDirectory()) {
        walk(full);
        continue;
      }
      if (!item.isFile()) continue;
      const { size } = statSync(full);
      if (size > limits.maxEntryBytes) throw new ImportError(`${rel} is ${size} bytes, above the ${limits.maxEntryBytes}-byte limit for one file`, 'too-large');
      total += size;
      if (total > limits.maxTotalBytes) throw new ImportError(`the folder holds more than ${limits.maxTotalBytes} bytes`, 'too-large');
      if (entries.size + 1 > limits.maxEntries) throw new ImportError(`the folder has more than ${limits.maxEntries} files`, 'too-many-entries');
      const content = readFileSync(full);
      entries.set(rel, content);
      entryHashes.set(rel, sha256(content));
      onProgress?.({ bytesRead: total, totalBytes: 0, files: entries.size, currentFile: rel });
    }
  };
  walk(root);
  if (entries.size === 0) throw new ImportError(`${root}: the folder holds no files`, 'empty-bundle');
  const hash = createHash('sha256');
  for (const [p, entryHash] of [...entryHashes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    hash.update(p).update('\0').update(entryHash).update('\0');
  }
  return { kind: 'folder', path: root, entries, entryHashes, contentHash: hash.digest('hex'), sizeBytes: total };
}
