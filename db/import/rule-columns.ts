import type { NftStatement } from '../../renderer/src/analysis/model';

// The columns of an nft_rules row that are derived from the rule's parsed statements. Shared by
// the importer and by migration 30, which fills match_text in for rules imported before it.

/** The rule's final verdict (`verdict_kind`, `verdict_target`). */
export function finalVerdict(statements: readonly NftStatement[]) {
  for (let i = statements.length - 1; i >= 0; i--) {
    const st = statements[i];
    if (st.kind === 'verdict') return st.verdict;
  }
  return null;
}

/** The rule's match part (`match_text`): the texts of its match statements, space-joined; null when it has none. */
export function matchText(statements: readonly NftStatement[]): string | null {
  let out: string | null = null;
  for (const st of statements) {
    if (st.kind === 'match') out = out === null ? st.text : `${out} ${st.text}`;
  }
  return out;
}
