import { createRoute, z } from '@hono/zod-openapi';
import { FLOW_ACTION_TYPES, flowDefinitionSchema, MAX_FLOW_ACTIONS } from './definition.js';
import { errorResponses, idParam, json, jsonBody, jsonRequest } from '../api/route-helpers.js';

const flowSchema = z
  .object({
    id: z.string().openapi({ example: 'fl_3f9a1c2b7d4e' }),
    name: z.string(),
    trigger_event: z.string().openapi({ example: 'user_signup' }),
    exit_on: z.array(z.string()),
    actions: z.array(z.record(z.string(), z.unknown())),
    version: z.number().int().openapi({ description: 'The version shown' }),
    latest_version: z.number().int().openapi({ description: 'The version new runs take' }),
    active: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Flow');

/** The domain's schema (plain zod, shared with validation at save): described here in words. */
const definitionDescription =
  `A name, a trigger event type, up to ${MAX_FLOW_ACTIONS} actions run in order (${FLOW_ACTION_TYPES.join(', ')}), ` +
  'each after its delay (`delay` "2 hours" or seconds, `delay_hours`, or `delay_days`, counted from when the previous ' +
  'action was due), and `exit_on` event types that end a run at once. README: "Marketer flows" has the reference and an example.';

const flowBody = jsonRequest(flowDefinitionSchema, definitionDescription);
const flowId = idParam(64, 'fl_3f9a1c2b7d4e');
const oneFlow = (description: string) => json(z.object({ flow: flowSchema }), description);

export const createFlow = createRoute({
  method: 'post',
  path: '/api/flows',
  tags: ['flows'],
  summary: 'Create a flow (inactive, version 1)',
  description:
    'A flow that cannot run (unknown action type, negative delay, a template that does not render…) is refused with a 422 naming the field, e.g. `actions[2].type`; nothing is saved.',
  middleware: [jsonBody(1024 * 1024)] as const,
  request: { body: flowBody },
  responses: { 201: oneFlow('The flow'), ...errorResponses(400, 409, 413, 415, 422) },
});

export const listFlows = createRoute({
  method: 'get',
  path: '/api/flows',
  tags: ['flows'],
  summary: 'Every flow at its latest version',
  responses: { 200: json(z.object({ flows: z.array(flowSchema) }), 'Flows') },
});

export const getFlow = createRoute({
  method: 'get',
  path: '/api/flows/{id}',
  tags: ['flows'],
  summary: 'A flow at its latest version (or `?version=n`)',
  request: { params: flowId, query: z.object({ version: z.coerce.number().int().min(1).max(2_147_483_647).optional() }) },
  responses: { 200: oneFlow('The flow'), ...errorResponses(404, 422) },
});

export const putFlow = createRoute({
  method: 'put',
  path: '/api/flows/{id}',
  tags: ['flows'],
  summary: 'Save a new version of a flow — for new runs only',
  description: 'Runs in flight keep the version they started with. Same rules as creating a flow.',
  middleware: [jsonBody(1024 * 1024)] as const,
  request: { params: flowId, body: flowBody },
  responses: { 200: oneFlow('The new version'), ...errorResponses(400, 404, 409, 413, 415, 422) },
});

export const activateFlow = createRoute({
  method: 'post',
  path: '/api/flows/{id}/activate',
  tags: ['flows'],
  summary: 'Start a run for each new trigger event',
  request: { params: flowId },
  responses: { 200: oneFlow('The flow'), ...errorResponses(404) },
});

export const deactivateFlow = createRoute({
  method: 'post',
  path: '/api/flows/{id}/deactivate',
  tags: ['flows'],
  summary: 'Stop starting runs (runs in flight go on; cancel one with POST /api/journeys/runs/{workflowId}/cancel)',
  request: { params: flowId },
  responses: { 200: oneFlow('The flow'), ...errorResponses(404) },
});
