// The workspace filter every statement states (row-level security is the second wall: it keeps a statement
// that forgets it in its workspace all the same; drizzle/0012_workspaces.sql).
import { eq, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { currentWorkspace } from './workspace.js';

/** `table.workspace_id = <the current workspace>`, for drizzle's where(). */
export const ownRows = (table: { workspaceId: PgColumn }): SQL => eq(table.workspaceId, currentWorkspace());

/** The same in raw SQL, for an alias or column: sql`… where ${workspaceIs(sql`c.workspace_id`)}`. */
export const workspaceIs = (column: SQL | PgColumn): SQL => sql`${column} = ${currentWorkspace()}`;
