import { fileURLToPath } from 'node:url';
import {
  type BundlerPlugin,
  bundleWorkflowCode,
  DefaultLogger,
  type NativeConnection,
  type State,
  Worker,
  type WorkerOptions,
  type WorkerPlugin,
} from '@temporalio/worker';
import { taskQueues, WORKLOADS, type Workload } from '../temporal/task-queues.js';
import type { Activities } from './activities.js';

export const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));

type Tuning = Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows'>;

/**
 * Each workload's slots unless the environment says otherwise (WORKER_<WORKLOAD>_ACTIVITY_SLOTS,
 * …_WORKFLOW_SLOTS): journeys take the SDK's defaults, a burst of them is the common case; a broadcast's
 * batches are few and long (each sends CAMPAIGN_CONCURRENCY at once); maintenance runs a few refreshes.
 * `cachedWorkflows` (WORKER_MAX_CACHED_WORKFLOWS for all three): the runs each worker keeps in memory between
 * their tasks. The SDK sizes it from the heap (about 2 300 per worker for Node's default 4 GB heap), and a
 * signup burst filled it with welcome runs asleep until tomorrow (~140 KB each: 0.7 GB more after 5 000
 * signups); a run out of the cache replays its history when it wakes, a few milliseconds for a journey's.
 * The journeys' cache holds what a burst has under way (the activity slots and the tasks queued behind them).
 */
export const DEFAULT_SLOTS: Record<Workload, { activities: number; workflowTasks: number; cachedWorkflows: number }> = {
  journeys: { activities: 100, workflowTasks: 40, cachedWorkflows: 500 },
  campaigns: { activities: 20, workflowTasks: 10, cachedWorkflows: 100 },
  maintenance: { activities: 10, workflowTasks: 5, cachedWorkflows: 20 },
};

export interface TouchpointWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  /** TEMPORAL_TASK_QUEUE: the workloads' queues are derived from it (src/temporal/task-queues.ts). */
  taskQueue: string;
  activities: Activities;
  /** A prebuilt bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: { codePath: string };
  /** For every workload's worker (WORKER_MAX_CACHED_WORKFLOWS, WORKER_MAX_CONCURRENT_ACTIVITIES). */
  tuning?: Tuning;
  /** The workloads this process serves (WORKER_WORKLOADS; default all). */
  workloads?: readonly Workload[];
  /** Each workload's own slots, over `tuning` and DEFAULT_SLOTS. */
  slots?: Partial<Record<Workload, { activities?: number; workflowTasks?: number }>>;
  /**
   * Tracing's plugin, when it is on: its workflow interceptors are bundled only when the worker bundles at
   * start (a prebuilt bundle has what `npm run build:workflows -- <out> --tracing` put in it).
   */
  plugins?: Array<WorkerPlugin & BundlerPlugin>;
}

/**
 * One worker per workload, each polling its own task queue with its own slots, so that a burst of one
 * never waits behind another's tasks; each registers every workflow and activity (a run started before the
 * split on the journeys' queue — a broadcast under way — is still served there).
 */
export async function createTouchpointWorkers(opts: TouchpointWorkerOptions): Promise<Partial<Record<Workload, Worker>>> {
  const workloads = WORKLOADS.filter((w) => (opts.workloads ?? WORKLOADS).includes(w));
  const queues = taskQueues(opts.taskQueue);
  // Bundling at start-up is costly (webpack in this heap): done once, shared by the three workers.
  const bundle =
    opts.workflowBundle ??
    (await bundleWorkflowCode({ workflowsPath, plugins: opts.plugins ?? [], logger: new DefaultLogger('WARN') }).then(({ code }) => ({
      code,
    })));
  const created = await Promise.all(
    workloads.map((workload) => {
      const slots = opts.slots?.[workload] ?? {};
      const tuning: Tuning = {
        ...Object.fromEntries(Object.entries(opts.tuning ?? {}).filter(([, v]) => v !== undefined)),
      };
      return Worker.create({
        connection: opts.connection,
        namespace: opts.namespace,
        taskQueue: queues[workload],
        activities: opts.activities,
        plugins: opts.plugins ?? [],
        workflowBundle: bundle,
        ...tuning,
        maxConcurrentActivityTaskExecutions:
          slots.activities ?? tuning.maxConcurrentActivityTaskExecutions ?? DEFAULT_SLOTS[workload].activities,
        maxConcurrentWorkflowTaskExecutions:
          slots.workflowTasks ?? tuning.maxConcurrentWorkflowTaskExecutions ?? DEFAULT_SLOTS[workload].workflowTasks,
        maxCachedWorkflows: tuning.maxCachedWorkflows ?? DEFAULT_SLOTS[workload].cachedWorkflows,
      });
    }),
  );
  return Object.fromEntries(workloads.map((w, i) => [w, created[i]!]));
}

/** What runs alongside the workers (the outbox's dispatcher): started by `run`, stopped when they stop. */
export interface Companion {
  stop(): Promise<void>;
}

/** The workers of one process as one: `run` until every one stops, `shutdown` them all. */
export interface WorkerGroup {
  workers: Partial<Record<Workload, Worker>>;
  run(): Promise<void>;
  shutdown(): void;
  /** RUNNING while any of them runs. */
  getState(): State;
}

export function workerGroup(workers: Partial<Record<Workload, Worker>>, companion?: () => Promise<Companion>): WorkerGroup {
  const list = Object.values(workers);
  const group: WorkerGroup = {
    workers,
    async run() {
      const running = list.map((w) => w.run());
      const alongside = await companion?.();
      try {
        // One that fails takes the others down with it: a process polling only some of its queues is not healthy.
        await Promise.all(
          running.map((r) =>
            r.catch((err: unknown) => {
              group.shutdown();
              throw err;
            }),
          ),
        );
      } finally {
        await Promise.allSettled(running);
        await alongside?.stop();
      }
    },
    shutdown() {
      for (const w of list) if (w.getState() === 'RUNNING') w.shutdown();
    },
    getState() {
      const states = list.map((w) => w.getState());
      if (states.includes('RUNNING')) return 'RUNNING';
      return states.find((s) => s !== 'STOPPED') ?? 'STOPPED';
    },
  };
  return group;
}
