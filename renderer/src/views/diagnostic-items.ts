import type { Diagnostic } from '../../../db/api-types';
import type { Finding } from '../analysis/findings';
import type { ExpertItem } from '../components/ExpertInfo';

export function diagnosticItems(diagnostics: readonly Diagnostic[]): ExpertItem[] {
  return diagnostics.map((d) => ({
    severity: d.severity,
    code: d.code,
    message: d.detail ? `${d.message}: ${d.detail}` : d.message,
    context: '',
    sources: d.file === null ? [] : [{ file: d.file, line: d.line }],
  }));
}

export function findingItems(findings: readonly Finding[]): ExpertItem[] {
  return findings.map((f) => ({
    severity: f.severity,
    code: f.code,
    message: f.message,
    context: [f.node, f.subject].filter((t) => t).join(' · '),
    sources: f.evidence,
  }));
}
