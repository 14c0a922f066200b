import { useApp } from '../state/app-context';

/** The captured nodes of the open snapshot, as a select. */
export function NodePicker({ node, onChange }: { node: string | null; onChange: (node: string) => void }) {
  const { snapshot } = useApp();
  return (
    <label className="inline-field">
      <span className="muted">Node</span>
      <select aria-label="Node" value={node ?? ''} onChange={(e) => onChange(e.target.value)}>
        {(snapshot?.nodes ?? []).map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
}
