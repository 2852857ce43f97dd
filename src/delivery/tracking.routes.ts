import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../api/route-helpers.js';

const params = z.object({
  token: z.string().openapi({ param: { name: 'token', in: 'path' }, description: 'signed when the message was sent (HMAC-SHA256)' }),
});

const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });

export const openPixel = createRoute({
  method: 'get',
  path: '/t/o/{token}',
  tags: ['tracking'],
  summary: 'Open pixel: a 1×1 GIF that counts an open of the message',
  description:
    'The first open sets the message’s `opened_at`; every open adds to `open_count`. A token that does not verify is a 404 and counts nothing.',
  request: { params },
  responses: {
    200: { description: 'A transparent 1×1 GIF', content: { 'image/gif': { schema: z.string().openapi({ format: 'binary' }) } } },
    ...errorResponses(404),
  },
});

export const clickRedirect = createRoute({
  method: 'get',
  path: '/t/c/{token}',
  tags: ['tracking'],
  summary: 'Click redirect: counts a click and redirects to that link of the message',
  description:
    'The token binds the message and the link’s position; the target is the link stored with the message when it was sent, so ' +
    'the redirect goes nowhere else. The first click sets `clicked_at`; every click adds to `click_count`. A token that does not ' +
    'verify, or names a link the message does not have, is a 404 and counts nothing.',
  request: { params },
  responses: {
    302: { description: 'To the link’s target (`Location`)' },
    ...errorResponses(404),
  },
});

export const unsubscribePage = createRoute({
  method: 'get',
  path: '/u/{token}',
  tags: ['tracking'],
  summary: 'Unsubscribe: a confirmation page (opting out needs the POST)',
  description: 'Only shows a form that POSTs to the same URL, so a link scanner that follows the link unsubscribes nobody.',
  request: { params },
  responses: { 200: html('The confirmation page'), ...errorResponses(404) },
});

export const unsubscribe = createRoute({
  method: 'post',
  path: '/u/{token}',
  tags: ['tracking'],
  summary: 'One-click unsubscribe (RFC 8058, the URL in List-Unsubscribe)',
  description:
    'Opts the customer out of the message’s channel, which ends their journeys (as `PUT /api/customers/:id` with `consent` does), ' +
    'and records it on the message (`unsubscribed_at`). Mail providers POST `List-Unsubscribe=One-Click`; no cookie or script is ' +
    'needed, and the body is not required. Repeating it changes nothing.',
  request: {
    params,
    body: {
      required: false,
      content: {
        'application/x-www-form-urlencoded': {
          schema: z.object({ 'List-Unsubscribe': z.string().optional().openapi({ example: 'One-Click' }) }),
        },
      },
    },
  },
  responses: { 200: html('Unsubscribed'), ...errorResponses(404) },
});
