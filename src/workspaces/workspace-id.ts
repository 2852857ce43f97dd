import { WORKFLOW_KINDS } from '../temporal/workflow-ids.js';

/** Lowercase letters, digits and dashes, 2–40 of them, starting with a letter or digit: it prefixes workflow ids. */
export const WORKSPACE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,39}$/;

/** Why `id` cannot name a workspace, or null when it can. */
export function workspaceIdProblem(id: string): string | null {
  if (!WORKSPACE_ID_PATTERN.test(id)) return 'must be 2–40 lowercase letters, digits or dashes, starting with a letter or digit';
  if ((WORKFLOW_KINDS as readonly string[]).includes(id)) return `is reserved (it begins workflow ids: ${WORKFLOW_KINDS.join(', ')})`;
  return null;
}
