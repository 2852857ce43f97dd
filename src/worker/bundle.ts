// The workflow bundle, built ahead of time. A worker that bundles its workflows at start-up runs webpack in
// its own heap — seconds of CPU and a high-water mark of RSS it never gives back (bench:broadcast measured
// ~490–580 MB peak with it, ~300 MB without). `npm run build:workflows` writes the bundle once; a worker
// started with WORKFLOW_BUNDLE_PATH loads it instead. Rebuild it whenever workflow code (src/**/*.workflow.ts and what they import) changes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { workflowsPath } from './create-worker.js';

/**
 * Bundles the workflows (src/worker/workflows.ts) into `outPath` (directories created as needed); returns the
 * absolute path. `tracing`: with the OpenTelemetry workflow interceptors, for workers that trace (a bundle
 * with them needs a worker whose tracing is on: they export through its sink).
 */
export async function writeWorkflowBundle(outPath: string, options: { tracing?: boolean } = {}): Promise<string> {
  const workflowInterceptorModules = options.tracing
    ? [createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')]
    : [];
  const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, logger: new DefaultLogger('WARN') });
  const path = resolve(outPath);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, code);
  return path;
}

// `tsx src/worker/bundle.ts [out] [--tracing]` (npm run build:workflows).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const out = args.find((a) => !a.startsWith('--'));
  const path = await writeWorkflowBundle(out ?? 'dist/workflows.js', { tracing: args.includes('--tracing') });
  console.log(`workflow bundle written to ${path}; start workers with WORKFLOW_BUNDLE_PATH=${path}`);
}
