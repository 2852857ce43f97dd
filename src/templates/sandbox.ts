// Template previews render on a thread of their own (sandbox-thread.mjs), so a template that runs to its
// limits keeps the API's event loop free while it does. The thread is also the last wall: it may hold
// only so much memory, and a part that outlives its time limit by far is stopped with the thread. Sends
// render in the worker's own process, bounded by the same limits (render.ts).
import { Worker } from 'node:worker_threads';
import { TEMPLATE_LIMITS } from './render.js';

export type SandboxPart = [part: string, source: string, mode: 'html' | 'text'];
export type SandboxResult = { rendered: Record<string, string> } | { failed: { part: string | null; message: string } };

/** The thread's heap: far above what renders within the memory limit take. */
const THREAD_HEAP_MB = 256;
/** How long one part may keep the thread before the thread is stopped: its render limit and some grace. */
const PART_MS = TEMPLATE_LIMITS.renderMs + 2_000;
/** How long a request may wait for its first part: the thread's start (it loads tsx and liquidjs) and the requests before it. */
const START_MS = 30_000;

interface Request {
  resolve: (result: SandboxResult) => void;
  part: string | null;
  timer?: NodeJS.Timeout;
}

interface Thread {
  worker: Worker;
  requests: Map<number, Request>;
}

let thread: Thread | undefined;
let nextId = 1;

function startThread(): Thread {
  const worker = new Worker(new URL('./sandbox-thread.mjs', import.meta.url), {
    resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB },
  });
  const started: Thread = { worker, requests: new Map() };
  // Keep the process alive only while a request is waiting for an answer.
  worker.unref();
  worker.on(
    'message',
    (msg: { id: number; part?: string } & Partial<Record<'rendered', Record<string, string>>> & Partial<SandboxFailed>) => {
      const request = started.requests.get(msg.id);
      if (!request) return;
      if (msg.part !== undefined) {
        request.part = msg.part;
        arm(started, msg.id, PART_MS);
      } else settle(started, msg.id, msg.rendered ? { rendered: msg.rendered } : { failed: msg.failed! });
    },
  );
  // Out of memory, or stopped: every request still waiting fails, and the next one starts a new thread.
  const fail = (message: string) => {
    if (thread === started) thread = undefined;
    for (const [id, request] of started.requests) settle(started, id, { failed: { part: request.part, message } });
  };
  worker.on('error', (err) => fail(`the template could not be rendered: ${err.message}`));
  worker.on('exit', () => fail('the template was stopped before it rendered'));
  return started;
}

type SandboxFailed = Extract<SandboxResult, { failed: unknown }>;

/** (Re)starts the request's clock: past `ms`, the thread is stopped, as it is busy with this request. */
function arm(current: Thread, id: number, ms: number): void {
  const request = current.requests.get(id);
  if (!request) return;
  clearTimeout(request.timer);
  request.timer = setTimeout(() => {
    settle(current, id, {
      failed: { part: request.part, message: `over a template limit, it kept rendering past ${TEMPLATE_LIMITS.renderMs} ms` },
    });
    // Its other requests fail too (with the exit), and the next request starts a new thread.
    if (thread === current) thread = undefined;
    void current.worker.terminate();
  }, ms);
}

function settle({ worker, requests }: Thread, id: number, result: SandboxResult): void {
  const request = requests.get(id);
  if (!request) return;
  clearTimeout(request.timer);
  requests.delete(id);
  if (requests.size === 0) worker.unref();
  request.resolve(result);
}

/**
 * The parts rendered on the sandbox thread, in order, with `vars` (structured-cloned); the first part that
 * does not render is named with its error. Never rejects: a thread that dies or is stopped fails the
 * requests it had.
 */
export function renderInSandbox(parts: SandboxPart[], vars: Record<string, unknown>, strict: boolean): Promise<SandboxResult> {
  const current = (thread ??= startThread());
  const id = nextId++;
  return new Promise((resolve) => {
    current.requests.set(id, { resolve, part: null });
    arm(current, id, START_MS);
    current.worker.ref();
    try {
      current.worker.postMessage({ id, parts, vars, strict });
    } catch (err) {
      settle(current, id, { failed: { part: null, message: `the template's variables cannot be rendered: ${(err as Error).message}` } });
    }
  });
}

/** How many requests the thread is rendering or has queued with a part started (for diagnostics and tests). */
export function sandboxRendering(): number {
  return thread ? [...thread.requests.values()].filter((r) => r.part !== null).length : 0;
}
