/**
 * Loads data now and again every `intervalMs` while `active`; one load at a time (a slow database never piles
 * up requests). `reload()` loads at once, e.g. after a change made on the screen.
 */
import { useCallback, useEffect, useRef, useState } from 'react';

export interface Poll<T> {
  data: T | undefined;
  error: string | undefined;
  reload(): Promise<void>;
}

export function usePoll<T>(load: () => Promise<T>, intervalMs: number, active = true): Poll<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const loadRef = useRef(load);
  loadRef.current = load;
  const running = useRef<Promise<void> | undefined>(undefined);
  const mounted = useRef(true);

  const reload = useCallback((): Promise<void> => {
    running.current ??= (async () => {
      try {
        const value = await loadRef.current();
        if (!mounted.current) return;
        setData(value);
        setError(undefined);
      } catch (caught) {
        if (mounted.current) setError(caught instanceof Error ? caught.message : String(caught));
      } finally {
        running.current = undefined;
      }
    })();
    return running.current;
  }, []);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  useEffect(() => {
    if (!active) return;
    void reload();
    const timer = setInterval(() => void reload(), intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs, reload]);

  return { data, error, reload };
}
