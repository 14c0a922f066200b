/**
 * An import refused because of its input (a bad archive, a newer format, …). The message is one
 * line a user can act on; the library is left exactly as it was.
 */
export class ImportError extends Error {
  override name = 'ImportError';
  constructor(
    message: string,
    readonly code: ImportErrorCode,
  ) {
    super(message);
  }
}

export type ImportErrorCode =
  | 'not-found'
  | 'not-an-archive'
  | 'truncated-archive'
  | 'unsafe-path'
  | 'link-entry'
  | 'too-large'
  | 'too-many-entries'
  | 'bad-manifest'
  | 'newer-format'
  | 'empty-bundle'
  | 'name-taken';
