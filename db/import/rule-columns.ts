import type { NftStatement } from '../../renderer/src/analysis/model';

// The columns of an nft_rules row that are derived from the rule's parsed statements.

/** The rule's final verdict (`verdict_kind`, `verdict_target`). */
export function finalVerdict(statements: readonly NftStatement[]) {
  for (let i = statements.length - 1; i >= 0; i--) {
    const st = statements[i];
    if (st.kind === 'verdict') return st.verdict;
  }
  return null;
}
