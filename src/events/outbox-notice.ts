// How a dispatcher learns at once that events were stored: in the process that stored them (`npm start`
// runs the API and the worker together), and from other processes through PostgreSQL's LISTEN/NOTIFY
// (src/events/ingest.ts notifies in the statement that stores them). A periodic poll catches whatever
// either misses.

export interface OutboxNotice {
  notify(): void;
  /** Calls `fn` on every notice until the returned function is called. */
  subscribe(fn: () => void): () => void;
}

export function createOutboxNotice(): OutboxNotice {
  const listeners = new Set<() => void>();
  return {
    notify: () => {
      for (const fn of listeners) fn();
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
