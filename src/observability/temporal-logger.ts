// The Temporal SDK's logger, on the process's logger: the worker's own lines, workflow and activity
// context loggers (with the SDK's attributes: workflowId, runId, workflowType, activityType, taskQueue…) and,
// forwarded, the SDK core's native lines — all JSON (or pretty) like the rest.
import type { LogLevel as TemporalLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from 'pino';
import type { LogLevel } from './logger.js';

const LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * The SDK logs every workflow bundle and worker state change at INFO: below WARN that is noise for someone
 * running the product, so its lines go through at WARN unless LOG_LEVEL is debug (or error).
 */
export function temporalLevel(level: LogLevel): 'debug' | 'warn' | 'error' {
  return level === 'debug' ? 'debug' : level === 'error' ? 'error' : 'warn';
}

export function pinoTemporalLogger(logger: Logger, level: LogLevel): TemporalLogger {
  const sdk = logger.child({}, { level: temporalLevel(level) });
  const write = (at: TemporalLevel, message: string, meta?: LogMetadata) => {
    // `error` (an Error, which JSON would print as {}) goes under pino's `err`, which prints its stack.
    const { error, ...fields } = (meta ?? {}) as LogMetadata & { error?: unknown };
    sdk[LEVELS[at]]({ ...fields, ...(error === undefined ? {} : { err: error }) }, message);
  };
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}
