// Whether a failure means the database cannot be reached right now (down, restarting, refusing
// connections) rather than that a statement is wrong: the API then answers 503 `unavailable`, never 500.

/** postgres.js's own connection codes, Node's socket errors, and PostgreSQL's SQLSTATE classes 08 (connection) and 57P (shutdown). */
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  '57P01',
  '57P02',
  '57P03',
]);

export function isDatabaseUnavailable(err: unknown): boolean {
  // drizzle wraps the driver's error ("Failed query: …") with the original as its cause.
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  }
  return false;
}
