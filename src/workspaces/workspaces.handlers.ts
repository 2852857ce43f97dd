import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../api/router.js';
import { currentWorkspace, DEFAULT_WORKSPACE } from '../db/workspace.js';
import { DomainError } from '../domain/errors.js';
import type { createKey, createWorkspace, getSettings, listKeys, listWorkspaces, me, putSettings, revokeKey } from './workspaces.routes.js';

/** Workspaces are the installation's: only its own workspace's admin keys manage them. */
function requireInstallationAdmin() {
  if (currentWorkspace() !== DEFAULT_WORKSPACE) {
    throw new DomainError('forbidden', `only an admin key of the ${DEFAULT_WORKSPACE} workspace manages workspaces`, 'authorization', 403);
  }
}

export const createWorkspaceHandler: RouteHandler<typeof createWorkspace, AppEnv> = async (c) => {
  requireInstallationAdmin();
  return c.json(await c.var.deps.workspaces.create(c.req.valid('json'), c.var.caller.identity), 201);
};

export const listWorkspacesHandler: RouteHandler<typeof listWorkspaces, AppEnv> = async (c) => {
  requireInstallationAdmin();
  return c.json({ items: await c.var.deps.workspaces.list() }, 200);
};

export const createKeyHandler: RouteHandler<typeof createKey, AppEnv> = async (c) =>
  c.json(await c.var.deps.keys.create(c.req.valid('json'), c.var.caller.identity), 201);

export const listKeysHandler: RouteHandler<typeof listKeys, AppEnv> = async (c) => c.json({ items: await c.var.deps.keys.list() }, 200);

export const revokeKeyHandler: RouteHandler<typeof revokeKey, AppEnv> = async (c) =>
  c.json(await c.var.deps.keys.revoke(c.req.valid('param').id), 200);

export const getSettingsHandler: RouteHandler<typeof getSettings, AppEnv> = async (c) =>
  c.json(await c.var.deps.workspaces.settings(), 200);

export const putSettingsHandler: RouteHandler<typeof putSettings, AppEnv> = async (c) =>
  c.json(await c.var.deps.workspaces.updateSettings(c.req.valid('json')), 200);

export const meHandler: RouteHandler<typeof me, AppEnv> = async (c) => {
  const { id, name } = await c.var.deps.workspaces.current();
  const { keyId, identity, scopes } = c.var.caller;
  return c.json(
    {
      workspace: { id, name },
      key: { id: keyId, name: identity.replace(/^key:/, ''), scopes },
      temporal_ui: c.var.deps.temporalUi ?? null,
    },
    200,
  );
};
