import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, idParam, json, jsonBody, jsonRequest } from '../api/route-helpers.js';
import { API_SCOPES } from '../domain/scopes.js';
import { workspaceSettingsSchema } from './settings.js';

const keySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ example: 'tp_3kq9x2mz' }),
    scopes: z.array(z.enum(API_SCOPES)),
    created_by: z.string().nullable(),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .openapi('ApiKey');

const createdKeySchema = keySchema
  .extend({ key: z.string().openapi({ description: 'The key itself: shown only in this answer, never again' }) })
  .openapi('CreatedApiKey');

const workspaceSchema = z.object({ id: z.string(), name: z.string(), created_at: z.string(), updated_at: z.string() }).openapi('Workspace');

export const createWorkspace = createRoute({
  method: 'post',
  path: '/api/workspaces',
  tags: ['workspaces'],
  summary: 'Create a workspace (one business) with its first admin key',
  description:
    "Only an admin key of the installation's own workspace (`default`) may create and list workspaces. The new workspace gets " +
    'the default journey configurations, its schedules and an admin key, shown once in this answer.',
  middleware: [jsonBody(16 * 1024)] as const,
  request: {
    body: jsonRequest(
      z.strictObject({
        id: z
          .string()
          .min(2)
          .max(40)
          .openapi({ example: 'shop-a', description: 'Lowercase letters, digits, dashes; prefixes workflow ids' }),
        name: z.string().trim().min(1).max(200),
      }),
    ),
  },
  responses: {
    201: json(workspaceSchema.extend({ admin_key: createdKeySchema }), 'The workspace and its admin key'),
    ...errorResponses(400, 401, 403, 409, 413, 415, 422),
  },
});

export const listWorkspaces = createRoute({
  method: 'get',
  path: '/api/workspaces',
  tags: ['workspaces'],
  summary: "List the installation's workspaces (admin key of `default`)",
  responses: { 200: json(z.object({ items: z.array(workspaceSchema) }), 'Workspaces, oldest first'), ...errorResponses(401, 403) },
});

export const createKey = createRoute({
  method: 'post',
  path: '/api/keys',
  tags: ['workspaces'],
  summary: "Create an API key in the key's workspace (shown once)",
  description:
    'Scopes: `events:write` (events and identify: what a product backend holds), `marketing:write` (campaigns, flows, templates, ' +
    'segments, journeys), `read` (everything readable), `admin` (keys, settings, erasure; includes every other scope).',
  middleware: [jsonBody(16 * 1024)] as const,
  request: {
    body: jsonRequest(
      z.strictObject({
        name: z.string().trim().min(1).max(100),
        scopes: z.array(z.enum(API_SCOPES)).min(1).max(API_SCOPES.length),
      }),
    ),
  },
  responses: { 201: json(createdKeySchema, 'The key, with the key itself'), ...errorResponses(400, 401, 403, 413, 415, 422) },
});

export const listKeys = createRoute({
  method: 'get',
  path: '/api/keys',
  tags: ['workspaces'],
  summary: "List the workspace's API keys (never the keys themselves)",
  responses: { 200: json(z.object({ items: z.array(keySchema) }), 'Keys, newest first'), ...errorResponses(401, 403) },
});

export const revokeKey = createRoute({
  method: 'delete',
  path: '/api/keys/{id}',
  tags: ['workspaces'],
  summary: 'Revoke an API key: the next request with it is refused',
  request: { params: idParam(64) },
  responses: { 200: json(keySchema, 'The revoked key'), ...errorResponses(401, 403, 404) },
});

export const getSettings = createRoute({
  method: 'get',
  path: '/api/settings',
  tags: ['workspaces'],
  summary: "The workspace's settings (what it sets apart from the installation's defaults)",
  responses: { 200: json(workspaceSettingsSchema, 'Settings'), ...errorResponses(401, 403) },
});

export const putSettings = createRoute({
  method: 'put',
  path: '/api/settings',
  tags: ['workspaces'],
  summary: "Replace the workspace's settings",
  description:
    'Sender address and brand, quiet hours, default time zone and frequency caps, SMS/push/WeChat providers (URL and secret ' +
    "together), the webhook signing secret, channel costs. A field left out takes the installation's value. Used from the next " +
    'send or answer of this API process on, and by other processes within 5 s. RFM settings: PUT /api/ai-ops/customer/settings.',
  middleware: [jsonBody(64 * 1024)] as const,
  request: { body: jsonRequest(workspaceSettingsSchema) },
  responses: { 200: json(workspaceSettingsSchema, 'Settings as stored'), ...errorResponses(400, 401, 403, 413, 415, 422) },
});

export const me = createRoute({
  method: 'get',
  path: '/api/me',
  tags: ['workspaces'],
  summary: 'The calling key: its workspace, name and scopes (what the dashboard offers)',
  description: 'Any key that may read answers it; the dashboard hides what the scopes forbid (the API refuses it anyway).',
  responses: {
    200: json(
      z
        .object({
          workspace: z.object({ id: z.string(), name: z.string() }),
          key: z.object({ id: z.string(), name: z.string(), scopes: z.array(z.enum(API_SCOPES)) }),
          temporal_ui: z
            .object({ url: z.string(), namespace: z.string() })
            .nullable()
            .openapi({ description: "Where the Temporal UI shows the runs (embedded mode's dev server); null when not known" }),
        })
        .openapi('Me'),
      'The key and its workspace',
    ),
    ...errorResponses(401, 403),
  },
});
