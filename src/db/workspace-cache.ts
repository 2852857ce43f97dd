import { currentWorkspace } from './workspace.js';

export interface WorkspaceCache<T> {
  /** The current workspace's value: cached, or read again when older than the cache's age. */
  get(): Promise<T>;
  /** The current workspace's value changed in this process: the next get() reads it again. */
  invalidate(): void;
}

/**
 * An in-process cache of one value per workspace (what event routing needs to know about flows or
 * journeys), read again when this process invalidates it and at most `maxAgeMs` after the last read
 * otherwise (other API processes change the same rows: they are seen that late). Keyed by the current
 * workspace: one workspace's value never routes another's events.
 */
export function createWorkspaceCache<T>(load: () => Promise<T>, maxAgeMs: number): WorkspaceCache<T> {
  const cached = new Map<string, { value: T; at: number }>();
  const loading = new Map<string, Promise<T>>();
  const generations = new Map<string, number>();
  const generationOf = (workspace: string) => generations.get(workspace) ?? 0;

  async function read(workspace: string): Promise<T> {
    const started = generationOf(workspace);
    const value = await load();
    // A change made while this read was under way may be missing from it: keep it only for this caller.
    if (started === generationOf(workspace)) cached.set(workspace, { value, at: Date.now() });
    return value;
  }

  return {
    async get() {
      const workspace = currentWorkspace();
      const current = cached.get(workspace);
      if (current && Date.now() - current.at < maxAgeMs) return current.value;
      let pending = loading.get(workspace);
      if (!pending) {
        const reading = read(workspace).finally(() => {
          // An invalidation meanwhile may have started a newer read: that one stays.
          if (loading.get(workspace) === reading) loading.delete(workspace);
        });
        pending = reading;
        loading.set(workspace, pending);
      }
      return pending;
    },
    invalidate() {
      const workspace = currentWorkspace();
      generations.set(workspace, generationOf(workspace) + 1);
      cached.delete(workspace);
      loading.delete(workspace);
    },
  };
}
