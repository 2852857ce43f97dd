import { createRouter } from '../api/router.js';
import {
  createKeyHandler,
  createWorkspaceHandler,
  getSettingsHandler,
  listKeysHandler,
  listWorkspacesHandler,
  meHandler,
  putSettingsHandler,
  revokeKeyHandler,
} from './workspaces.handlers.js';
import { createKey, createWorkspace, getSettings, listKeys, listWorkspaces, me, putSettings, revokeKey } from './workspaces.routes.js';

export const workspacesRouter = createRouter()
  .openapi(createWorkspace, createWorkspaceHandler)
  .openapi(listWorkspaces, listWorkspacesHandler)
  .openapi(createKey, createKeyHandler)
  .openapi(listKeys, listKeysHandler)
  .openapi(revokeKey, revokeKeyHandler)
  .openapi(getSettings, getSettingsHandler)
  .openapi(putSettings, putSettingsHandler)
  .openapi(me, meHandler);
