// The marketer's dashboard at /app: plain browser ES modules (Preact + htm, Chart.js) served as they are,
// with the vendor files straight from node_modules, so `npm start` needs no build step and the browser no
// CDN. The pages are public files; every piece of data they show comes from the /api routes, called by the
// browser with the key it signed in with (docs/dashboard.md).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'hono';
import { createRouter } from '../api/router.js';

const STATIC = new URL('./static/', import.meta.url);
const NODE_MODULES = new URL('../../node_modules/', import.meta.url);

/** The vendor files the pages load, by the name they have under /app/vendor/ (versioned: cached for good). */
const VENDOR: Record<string, string> = {
  'preact.mjs': 'preact/dist/preact.module.js',
  'preact-hooks.mjs': 'preact/hooks/dist/hooks.module.js',
  'htm.mjs': 'htm/dist/htm.module.js',
  'chart.umd.min.js': 'chart.js/dist/chart.umd.min.js',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  body: string;
  type: string;
  etag: string;
}

const cache = new Map<string, Promise<Asset | null>>();

/** A file read once per process (they are the installed package's; a new version is a restart). */
function asset(url: URL): Promise<Asset | null> {
  const path = fileURLToPath(url);
  let found = cache.get(path);
  if (!found) {
    found = readFile(path, 'utf8').then(
      (body) => ({
        body,
        type: TYPES[extname(path)] ?? 'application/octet-stream',
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      }),
      () => null,
    );
    cache.set(path, found);
  }
  return found;
}

/** The import map of index.html is an inline script: the policy allows exactly it, by its hash. */
function contentSecurityPolicy(html: string): string {
  const inline = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  const hash = createHash('sha256').update(inline).digest('base64');
  return [
    "default-src 'self'",
    `script-src 'self' 'sha256-${hash}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

function send(c: Context, found: Asset, cacheControl: string) {
  c.header('ETag', found.etag);
  c.header('Cache-Control', cacheControl);
  c.header('X-Content-Type-Options', 'nosniff');
  if (c.req.header('if-none-match') === found.etag) return c.body(null, 304);
  c.header('Content-Type', found.type);
  return c.body(found.body, 200);
}

const notFound = (c: Context) => c.json({ error: { code: 'not_found', message: `no file ${c.req.path}` } }, 404);

export const dashboardRouter = createRouter();

dashboardRouter.get('/app', (c) => c.redirect('/app/', 301));

dashboardRouter.get('/app/', async (c) => {
  const page = await asset(new URL('index.html', STATIC));
  if (!page) return notFound(c);
  c.header('Content-Security-Policy', contentSecurityPolicy(page.body));
  c.header('Referrer-Policy', 'no-referrer');
  return send(c, page, 'no-cache');
});

dashboardRouter.get('/app/vendor/:file', async (c) => {
  const from = VENDOR[c.req.param('file')];
  const found = from ? await asset(new URL(from, NODE_MODULES)) : null;
  if (!found) return notFound(c);
  return send(c, found, 'public, max-age=86400');
});

// The app's own modules: revalidated on every load (ETag), so a new version shows at once.
dashboardRouter.get('/app/*', async (c) => {
  const rel = c.req.path.slice('/app/'.length);
  if (!/^[a-z0-9-]+(\/[a-z0-9-]+)*\.(js|css|svg)$/.test(rel)) return notFound(c);
  const found = await asset(new URL(rel, STATIC));
  if (!found) return notFound(c);
  return send(c, found, 'no-cache');
});
