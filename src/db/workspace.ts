// Which workspace the code running now acts for. The API's authentication sets it for a request, the
// worker's activity interceptor for an activity (from its workflow id); every statement then runs in a
// transaction that sets `app.workspace_id` and the role touchpoint_app, so row-level security shows and
// accepts only that workspace's rows (drizzle/0012_workspaces.sql). Code that must see across workspaces
// (an API key found by its hash, a tracked message by its id) says so with `asInstallation`.
import { AsyncLocalStorage } from 'node:async_hooks';

export const DEFAULT_WORKSPACE = 'default';

/** The role the application's statements run as: not the tables' owner, no BYPASSRLS. */
export const APP_ROLE = 'touchpoint_app';

type Scope = { workspace: string } | { installation: true } | { none: true };

const scope = new AsyncLocalStorage<Scope>();
/** What a statement outside any scope acts for: nothing (it fails) unless a test harness names one. */
let implicit: string | undefined;

// Each awaits what `fn` returns inside the scope: a drizzle query is a thenable that runs only when awaited,
// and awaited outside, it would run in the caller's scope.

/** Runs `fn` (and everything it awaits) for one workspace. */
export function inWorkspace<T>(workspace: string, fn: () => T | PromiseLike<T>): Promise<T> {
  return scope.run({ workspace }, async () => await fn());
}

/** Runs `fn` across every workspace, as the tables' owner: only for lookups that find a row's workspace. */
export function asInstallation<T>(fn: () => T | PromiseLike<T>): Promise<T> {
  return scope.run({ installation: true }, async () => await fn());
}

/**
 * Tests and benchmarks that call services directly act for this workspace when no scope is set. The
 * application never calls it: a statement outside a scope fails there.
 */
export function actImplicitlyFor(workspace: string | undefined): void {
  implicit = workspace;
}

/** The workspace statements run for now; null for the installation scope. Throws outside any scope. */
export function statementScope(): string | null {
  const current = scope.getStore();
  if (current && 'installation' in current) return null;
  const workspace = current && 'none' in current ? undefined : (current?.workspace ?? implicit);
  if (workspace === undefined) throw new Error('a database statement ran outside any workspace');
  return workspace;
}

/** The workspace the running code acts for (the request's key, the activity's workflow). */
export function currentWorkspace(): string {
  const workspace = statementScope();
  if (workspace === null) throw new Error('no workspace: this code runs for the whole installation');
  return workspace;
}

/**
 * One `make(workspace)` per workspace, made on first use and kept: state of this process a workspace must not
 * share with another (a group commit's queue). Call the result where the current workspace is set.
 */
export function perWorkspace<T>(make: (workspace: string) => T): () => T {
  const made = new Map<string, T>();
  return () => {
    const workspace = currentWorkspace();
    let value = made.get(workspace);
    if (value === undefined) made.set(workspace, (value = make(workspace)));
    return value;
  };
}

/** The statement that scopes a transaction to a workspace (both settings last until it ends). */
export const SCOPE_STATEMENT = `select set_config('role', '${APP_ROLE}', true), set_config('app.workspace_id', $1, true)`;

/**
 * Runs `fn` with no workspace at all, implicit or not: a public route (a tracking link, a delivery report)
 * must find the workspace it acts for itself, and a statement before it has fails.
 */
export function outsideAnyWorkspace<T>(fn: () => T | PromiseLike<T>): Promise<T> {
  return scope.run({ none: true }, async () => await fn());
}
