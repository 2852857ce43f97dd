import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Env, Hono } from 'hono';
import { getAbsoluteFSPath } from 'swagger-ui-dist';

// Swagger UI served from the installed package, so the docs page works with no internet access. Its
// Authorize button takes an API key (the document declares the scheme and each route's scope).
export function mountDocs<E extends Env>(app: Hono<E>): void {
  const dist = getAbsoluteFSPath();
  const asset = (file: string) => readFileSync(join(dist, file));
  let cache: { css: Buffer; js: Buffer } | undefined;
  const assets = () => (cache ??= { css: asset('swagger-ui.css'), js: asset('swagger-ui-bundle.js') });

  app.get('/docs', (c) =>
    c.html(`<!doctype html><html><head><meta charset="utf-8"><title>Touchpoint API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', persistAuthorization: true });</script></body></html>`),
  );
  app.get('/docs/swagger-ui.css', (c) => c.body(new Uint8Array(assets().css), 200, { 'content-type': 'text/css' }));
  app.get('/docs/swagger-ui-bundle.js', (c) => c.body(new Uint8Array(assets().js), 200, { 'content-type': 'text/javascript' }));
}
