// Loading and error lines shared by every view.

export function ErrorNote({ error }: { error: string }) {
  return (
    <div className="error-note" role="alert">
      {error}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return <div className="loading">Loading {what}…</div>;
}
