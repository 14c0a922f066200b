import type { ParseIssue, ParseIssueCode, Severity } from '../../renderer/src/analysis/model';

/** Collects parse issues; parsers report here and never throw on bad input. */
export class IssueSink {
  readonly issues: ParseIssue[] = [];

  report(
    code: ParseIssueCode,
    line: number,
    detail?: string,
    opts: { severity?: Severity; col?: number; length?: number } = {},
  ): void {
    this.issues.push({
      code,
      severity: opts.severity ?? 'warning',
      line,
      col: opts.col ?? 1,
      length: opts.length ?? (detail ? detail.length : 0),
      ...(detail !== undefined ? { detail } : {}),
    });
  }
}

/** Options every parser takes: the bundle path of the file, recorded in each record's SourceRef. */
export interface ParseOptions {
  file: string;
}
