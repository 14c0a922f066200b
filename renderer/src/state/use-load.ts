// Loads something from the bridge when its inputs change; stale answers are dropped.

import { useEffect, useState } from 'react';
import { errorMessage } from './errors';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
}

export function useLoad<T>(load: (() => Promise<T>) | null, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null, loading: load !== null });
  useEffect(() => {
    if (load === null) {
      setState({ data: null, error: null, loading: false });
      return;
    }
    let live = true;
    setState({ data: null, error: null, loading: true });
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (err: unknown) => live && setState({ data: null, error: errorMessage(err), loading: false }),
    );
    return () => {
      live = false;
    };
    // `load` is a fresh closure on every render: the caller's deps say when it really changed
  }, deps);
  return state;
}
