import { fileURLToPath } from 'node:url';
import { type NativeConnection, Worker, type WorkerOptions, type WorkerPlugin } from '@temporalio/worker';
import type { Activities } from './activities.js';

export const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));

export interface TouchpointWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** A prebuilt bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: { codePath: string };
  tuning?: Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows'>;
  /**
   * Tracing's plugin, when it is on: its workflow interceptors are bundled only when the worker bundles at
   * start (a prebuilt bundle has what `npm run build:workflows -- <out> --tracing` put in it).
   */
  plugins?: WorkerPlugin[];
}

export function createTouchpointWorker(opts: TouchpointWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    plugins: opts.plugins ?? [],
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
    ...Object.fromEntries(Object.entries(opts.tuning ?? {}).filter(([, v]) => v !== undefined)),
  });
}
