// The process's one logger: JSON lines (pino) on stderr, or the same lines for a person (LOG_FORMAT=pretty).
// stdout stays for what a person asked for (`npm start`'s banner, the CLI). Every line written while a
// request is served carries its request id, and every line written inside an activity its workflow id and
// activity type: both come from the code's async context (a pino mixin), so a service that logs needs no
// logger handed to it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { isatty } from 'node:tty';
import { asyncLocalStorage as activityContext } from '@temporalio/activity';
import pino, { type DestinationStream, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'json' | 'pretty';

const requestScope = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `fn` (and everything it awaits) as part of the request `requestId`: its log lines carry the id. */
export function inRequestScope<T>(requestId: string, fn: () => Promise<T>): Promise<T> {
  return requestScope.run({ requestId }, fn);
}

/** What the running code's context adds to a line: the request it serves, or the activity it runs. */
function contextFields(): Record<string, unknown> {
  const request = requestScope.getStore();
  const activity = activityContext.getStore()?.info;
  if (!request && !activity) return {};
  return {
    ...(request ? { requestId: request.requestId } : {}),
    ...(activity
      ? { workflowId: activity.workflowExecution?.workflowId, activityType: activity.activityType, activityId: activity.activityId }
      : {}),
  };
}

// The logger is made once; configureLogging swaps where its lines go, so every child taken before
// (hono-pino's, the Temporal SDK's) follows.
let target: DestinationStream = pino.destination({ fd: 2, sync: true });
const sink: DestinationStream = { write: (line: string) => target.write(line) };

/**
 * The process's logger. Until configureLogging (src/main.ts, worker.ts) it writes warnings and errors as
 * JSON on stderr, as tests and benchmarks that build the app themselves want.
 */
export const log: Logger = pino(
  {
    level: 'warn',
    mixin: contextFields,
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Whatever a line carries, credentials never reach the log.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.apiKey'], censor: '[redacted]' },
  },
  sink,
);

/** Sets the level and the format; `destination` (tests) takes the lines instead of stderr. */
export function configureLogging(options: { level: LogLevel; format: LogFormat; destination?: DestinationStream }): void {
  const out = options.destination ?? pino.destination({ fd: 2, sync: true });
  if (options.format === 'pretty') {
    const pretty = prettyFactory({ colorize: !options.destination && isatty(2), translateTime: 'SYS:HH:MM:ss.l' });
    target = { write: (line: string) => out.write(pretty(line)) };
  } else target = out;
  log.level = options.level;
}
