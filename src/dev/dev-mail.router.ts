import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../api/router.js';
import { errorResponses, json } from '../api/route-helpers.js';
import { DomainError } from '../domain/errors.js';

const mailSchema = z
  .object({
    id: z.number(),
    receivedAt: z.string(),
    from: z.string(),
    to: z.array(z.string()),
    messageId: z.string().nullable(),
    subject: z.string(),
    text: z.string(),
    html: z.string(),
    headers: z.record(z.string(), z.string()),
  })
  .openapi('CapturedMail');

const listMail = createRoute({
  method: 'get',
  path: '/dev/mail',
  tags: ['development'],
  summary: 'Mail received by the local capture (embedded mode only)',
  request: { query: z.object({ to: z.string().optional().openapi({ description: 'Only mail to this address' }) }) },
  responses: {
    200: json(z.object({ mail: z.array(mailSchema) }), 'Captured mail, oldest first'),
    ...errorResponses(404),
  },
});

const clearMail = createRoute({
  method: 'delete',
  path: '/dev/mail',
  tags: ['development'],
  summary: 'Forget captured mail',
  responses: { 204: { description: 'Cleared' }, ...errorResponses(404) },
});

const noCapture = () =>
  new DomainError('mail_capture_disabled', 'the local mail capture runs only when SMTP_URL is not set', undefined, 404);

export const devMailRouter = createRouter()
  .openapi(listMail, (c) => {
    const capture = c.var.deps.mailCapture;
    if (!capture) throw noCapture();
    const { to } = c.req.valid('query');
    return c.json({ mail: capture.list().filter((m) => !to || m.to.includes(to)) }, 200);
  })
  .openapi(clearMail, (c) => {
    if (!c.var.deps.mailCapture) throw noCapture();
    c.var.deps.mailCapture.clear();
    return c.body(null, 204);
  });
