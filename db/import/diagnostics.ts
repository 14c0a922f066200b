import type { ParseIssue, ParseIssueCode, Severity } from '../../renderer/src/analysis/model';
import type { Diagnostic } from '../api-types';

export type { Diagnostic };


const MESSAGES: Record<ParseIssueCode, string> = {
  'unknown-syntax': 'syntax not understood; kept verbatim',
  'unknown-statement': 'statement not understood; kept verbatim in the rule',
  'unbalanced-brace': 'unbalanced braces; the rest of the block was read as far as possible',
  'unexpected-token': 'unexpected token',
  'malformed-json': 'malformed JSON',
  'unexpected-shape': 'JSON has an unexpected shape; the item was skipped',
  'missing-field': 'a required field is missing',
  'unsupported-version': 'unsupported format version',
  'truncated-input': 'the input ends early (truncated?)',
  'duplicate-record': 'duplicate record',
};

/** Parsers report codes and spans; the words live here (jsonc-parser keeps the same split). */
export function issueToDiagnostic(file: string, issue: ParseIssue): Diagnostic {
  return {
    file,
    line: issue.line,
    col: issue.col,
    severity: issue.severity,
    code: issue.code,
    message: MESSAGES[issue.code] ?? issue.code,
    detail: issue.detail ?? null,
  };
}

export function diagnostic(
  file: string | null,
  severity: Severity,
  code: string,
  message: string,
  detail: string | null = null,
): Diagnostic {
  return { file, line: 0, col: 0, severity, code, message, detail };
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}${d.line ? `:${d.line}${d.col ? `:${d.col}` : ''}` : ''}: ` : '';
  const detail = d.detail ? ` — ${d.detail.length > 120 ? d.detail.slice(0, 117) + '...' : d.detail}` : '';
  return `${d.severity}: ${where}${d.message}${detail}`;
}
