// Expected refusals as values with a code: a service throws one, and the API's one onError answers it as
// `{ error: { code, message, field } }` with its status. HTTP statuses are plain numbers here, so that
// services and pure logic can refuse without knowing the web framework.
import type { ZodError } from 'zod';

/** The statuses a refusal can carry. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 410 | 413 | 415 | 422 | 429 | 500 | 503;

export class DomainError extends Error {
  constructor(
    /** Machine-readable, stable: clients branch on it. */
    readonly code: string,
    message: string,
    /** The input that is wrong, as a path into the request (`events[2].type`, `content.subject`). */
    readonly field?: string,
    readonly status: ErrorStatus = 422,
    /** Answered beside `error`, for a refusal that names what is in the way (a segment's campaigns). */
    readonly details?: Record<string, unknown>,
  ) {
    // The name stays Error's: an activity's failure type (Temporal takes it from the name) is unchanged.
    super(message);
  }
}

// Refusals several features make about one customer, worded once.
export const customerNotFound = (id: string, field?: string) => new DomainError('customer_not_found', `no customer "${id}"`, field, 404);
export const customerErased = (id: string, field?: string) => new DomainError('customer_erased', `customer "${id}" was erased`, field, 410);

/** `events[2].type` from a zod path. */
export function fieldPath(path: PropertyKey[]): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
    '',
  );
}

/** A zod failure as a 422 naming its first issue's field. */
export function validationError(error: ZodError, prefix: PropertyKey[] = []): DomainError {
  const issue = error.issues[0]!;
  const path = [...prefix, ...issue.path];
  const field = fieldPath(path);
  // zod's "unrecognized keys" issue names the key itself, not the path.
  const keys = 'keys' in issue && Array.isArray(issue.keys) ? issue.keys : [];
  const named = keys.length ? fieldPath([...path, keys[0]!]) : field;
  return new DomainError('validation_error', `${named || 'body'}: ${issue.message}`, named || undefined, 422);
}
