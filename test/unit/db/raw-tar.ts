import { gzipSync } from 'node:zlib';

/** One entry of a hand-built tar: lets tests make archives no honest tool would (absolute paths, links). */
export interface RawTarEntry {
  name: string;
  content?: string | Buffer;
  /** '0' file, '1' hard link, '2' symlink, '5' directory */
  type?: '0' | '1' | '2' | '5';
  linkName?: string;
  /** declared size, when a test wants it to differ from the content */
  size?: number;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(entry: RawTarEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(entry.name, 0, 100, 'utf8');
  h.write(octal(0o644, 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1');
  h.write(octal(0, 8), 116, 'latin1');
  h.write(octal(size, 12), 124, 'latin1');
  h.write(octal(1_700_000_000, 12), 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write(entry.type ?? '0', 156, 'latin1');
  if (entry.linkName) h.write(entry.linkName, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(octal(sum, 7) + ' ', 148, 'latin1');
  return h;
}

export function rawTar(entries: RawTarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const content = Buffer.from(entry.content ?? '');
    const size = entry.size ?? content.length;
    parts.push(header(entry, size), content);
    const padding = (512 - (content.length % 512)) % 512;
    parts.push(Buffer.alloc(padding));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function rawTarGz(entries: RawTarEntry[]): Buffer {
  return gzipSync(rawTar(entries));
}
