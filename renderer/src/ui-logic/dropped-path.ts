// What a drop onto the import form names: in Electron a real file (its path through the
// preload's webUtils.getPathForFile), otherwise a dragged `file:///…` URL or absolute path as text
// (the web harness: a browser never reveals a dropped file's path).

/** The parts of a DataTransfer a drop reads. */
export interface DropData {
  files: ArrayLike<File> | null;
  getData(format: string): string;
}

/** A `file://` URL or an absolute POSIX / Windows path on the first non-comment line, or null. */
export function pathFromText(text: string): string | null {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.startsWith('#'));
  if (!line) return null;
  const trimmed = line.trim();
  if (trimmed.startsWith('file://')) {
    try {
      return decodeURIComponent(new URL(trimmed).pathname);
    } catch {
      return null;
    }
  }
  return trimmed.startsWith('/') || /^[A-Za-z]:[\\/]/.test(trimmed) ? trimmed : null;
}

/** The dropped bundle's path: the first dropped file with a path (Electron), else the dropped text. */
export function droppedPath(data: DropData, pathForFile?: (file: File) => string): string | null {
  if (pathForFile && data.files) {
    for (let i = 0; i < data.files.length; i++) {
      const path = pathForFile(data.files[i]);
      if (path) return path;
    }
  }
  return pathFromText(data.getData('text/uri-list') || data.getData('text/plain'));
}
