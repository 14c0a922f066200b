// useState that survives view switches and restarts (sessionStorage), for filters and queries.

import { useEffect, useState } from 'react';

export function useStoredState(key: string, initial: string): [string, (value: string) => void] {
  const [value, setValue] = useState(() => sessionStorage.getItem(key) ?? initial);
  useEffect(() => {
    sessionStorage.setItem(key, value);
  }, [key, value]);
  return [value, setValue];
}
