// The thread previews render on (see sandbox.ts). Plain JavaScript that loads render.ts through tsx's
// scoped loader, so it starts the same way under tsx, vitest and node, with the one engine factory.
import { parentPort } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const { renderTemplate } = await tsImport('./render.ts', import.meta.url);

parentPort.on('message', ({ id, parts, vars, strict }) => {
  const rendered = {};
  for (const [part, source, mode] of parts) {
    // Which part is rendering: if the thread has to be stopped, the answer names it.
    parentPort.postMessage({ id, part });
    try {
      rendered[part] = renderTemplate(source, vars, mode, { strict });
    } catch (err) {
      parentPort.postMessage({ id, failed: { part, message: err instanceof Error ? err.message : String(err) } });
      return;
    }
  }
  parentPort.postMessage({ id, rendered });
});
