import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../api/router.js';
import { DomainError } from '../domain/errors.js';
import type { clickRedirect, openPixel, unsubscribe, unsubscribePage } from './tracking.routes.js';

/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

const notFound = () => new DomainError('invalid_token', 'no such tracking or unsubscribe link', undefined, 404);

/** Every answer here is about one recipient: never cached, never sent on as a referrer. */
function noStore(c: Context<AppEnv>) {
  c.header('Cache-Control', 'no-store, private');
  c.header('Referrer-Policy', 'no-referrer');
}

export const openPixelHandler: RouteHandler<typeof openPixel, AppEnv> = async (c) => {
  if (!(await c.var.deps.tracking.open(c.req.valid('param').token))) throw notFound();
  noStore(c);
  return c.body(new Uint8Array(PIXEL), 200, { 'Content-Type': 'image/gif' });
};

export const clickRedirectHandler: RouteHandler<typeof clickRedirect, AppEnv> = async (c) => {
  const target = await c.var.deps.tracking.click(c.req.valid('param').token);
  if (!target) throw notFound();
  noStore(c);
  return c.redirect(target, 302);
};

export const unsubscribePageHandler: RouteHandler<typeof unsubscribePage, AppEnv> = async (c) => {
  const status = await c.var.deps.tracking.unsubscribeStatus(c.req.valid('param').token);
  if (!status) throw notFound();
  noStore(c);
  if (status.unsubscribed) return c.html(page('You are unsubscribed', '<p>You will not receive these emails any more.</p>'), 200);
  // An empty action posts to this same URL; the hidden field is the body RFC 8058 one-click senders use.
  const form =
    '<p>Do you want to stop receiving these emails?</p>' +
    '<form method="post" action=""><input type="hidden" name="List-Unsubscribe" value="One-Click">' +
    '<button type="submit">Unsubscribe</button></form>';
  return c.html(page('Unsubscribe', form), 200);
};

export const unsubscribeHandler: RouteHandler<typeof unsubscribe, AppEnv> = async (c) => {
  if (!(await c.var.deps.tracking.unsubscribe(c.req.valid('param').token))) throw notFound();
  noStore(c);
  return c.html(page('You are unsubscribed', '<p>You will not receive these emails any more.</p>'), 200);
};

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
  `<meta name="robots" content="noindex"><title>${title}</title></head>` +
  `<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; padding: 0 1rem"><h1>${title}</h1>${body}</body></html>`;
