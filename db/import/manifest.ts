import { ImportError } from './errors';

export const BUNDLE_FORMAT = 'kube-netpath-bundle';
export const SUPPORTED_FORMAT_VERSION = 1;

export interface ManifestFile {
  path: string;
  command: string | null;
  exitCode: number | null;
  durationMs: number | null;
  stderr: string | null;
}

export interface Manifest {
  formatVersion: number;
  createdAt: string | null;
  collector: { name: string; version: string } | null;
  nodes: string[];
  files: ManifestFile[];
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Reads manifest.json; a malformed manifest or one from a newer format refuses the bundle. */
export function readManifest(text: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ImportError(`manifest.json is not valid JSON (${(err as Error).message})`, 'bad-manifest');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ImportError('manifest.json must be a JSON object', 'bad-manifest');
  }
  const m = raw as Record<string, unknown>;
  if (m.format !== BUNDLE_FORMAT) {
    throw new ImportError(`manifest.json: format is ${JSON.stringify(m.format)}, expected "${BUNDLE_FORMAT}"`, 'bad-manifest');
  }
  const version = num(m.formatVersion);
  if (version === null) throw new ImportError('manifest.json: formatVersion is missing', 'bad-manifest');
  if (version > SUPPORTED_FORMAT_VERSION) {
    throw new ImportError(
      `manifest.json: bundle format version ${version} is newer than this kube-netpath understands (${SUPPORTED_FORMAT_VERSION}); upgrade kube-netpath`,
      'newer-format',
    );
  }
  const collector = m.collector as Record<string, unknown> | undefined;
  const files = Array.isArray(m.files) ? m.files : [];
  return {
    formatVersion: version,
    createdAt: str(m.createdAt),
    collector:
      collector && typeof collector === 'object'
        ? { name: str(collector.name) ?? 'unknown', version: String(collector.version ?? '') }
        : null,
    nodes: Array.isArray(m.nodes) ? m.nodes.filter((n): n is string => typeof n === 'string') : [],
    files: files
      .filter((f): f is Record<string, unknown> => typeof f === 'object' && f !== null && typeof (f as Record<string, unknown>).path === 'string')
      .map((f) => ({
        path: f.path as string,
        command: str(f.command),
        exitCode: num(f.exitCode),
        durationMs: num(f.durationMs),
        stderr: str(f.stderr),
      })),
  };
}
