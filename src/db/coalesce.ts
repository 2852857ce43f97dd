import { inWorkspace, perWorkspace } from './workspace.js';

/**
 * Group commit: calls made while `flush` is busy (or in the same tick) are merged into its next call, so
 * N concurrent requests cost one statement, not N. At most `concurrency` flushes run at once; each takes
 * at most `maxItems` items. A flush that fails fails exactly the calls it carried.
 */
export function coalesce<T, R>(
  flush: (items: T[]) => Promise<R[]>,
  options: { concurrency?: number; maxItems?: number; size?: (item: T) => number; delayMs?: number } = {},
): (item: T) => Promise<R> {
  const concurrency = options.concurrency ?? 1;
  const maxItems = options.maxItems ?? 1000;
  const size = options.size ?? (() => 1);
  const queue: Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  let running = 0;
  let scheduled = false;

  function pump() {
    scheduled = false;
    while (running < concurrency && queue.length > 0) {
      const take: typeof queue = [];
      let n = 0;
      while (queue.length > 0 && (take.length === 0 || n + size(queue[0]!.item) <= maxItems)) {
        const next = queue.shift()!;
        n += size(next.item);
        take.push(next);
      }
      running++;
      flush(take.map((t) => t.item))
        .then(
          (results) => take.forEach((t, i) => t.resolve(results[i]!)),
          (err) => take.forEach((t) => t.reject(err)),
        )
        .finally(() => {
          running--;
          pump();
        });
    }
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      // Wait for the rest of this tick's calls (or `delayMs` more) before the first flush.
      if (!scheduled && running < concurrency) {
        scheduled = true;
        if (options.delayMs) setTimeout(pump, options.delayMs);
        else setImmediate(pump);
      }
    });
}

/**
 * coalesce for statements of the current workspace: one group per workspace (calls of two workspaces never
 * share a statement), each flush run in its workspace whichever call's context happens to start it.
 */
export function coalesceInWorkspace<T, R>(
  flush: (items: T[]) => Promise<R[]>,
  options: Parameters<typeof coalesce<T, R>>[1] = {},
): (item: T) => Promise<R> {
  const lane = perWorkspace((workspace) => coalesce<T, R>((items) => inWorkspace(workspace, () => flush(items)), options));
  return (item) => lane()(item);
}
