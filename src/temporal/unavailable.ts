// Whether a failure of a Temporal call means the server cannot be reached right now (down, restarting, too
// slow to answer) rather than that the call was wrong: the API then answers 503 `unavailable`, never 500.

/** gRPC status codes: 14 UNAVAILABLE (no connection), 4 DEADLINE_EXCEEDED (no answer in time). */
const UNREACHABLE = new Set([4, 14]);

export function isTemporalUnavailable(err: unknown): boolean {
  // The client wraps the gRPC error (a ServiceError whose cause carries the status code).
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, metadata } = e as { code?: unknown; metadata?: unknown };
    if (typeof code === 'number' && UNREACHABLE.has(code) && metadata !== undefined) return true;
  }
  return false;
}
