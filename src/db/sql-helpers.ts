import { sql } from 'drizzle-orm';

/** A parameterised SQL array of `type` (one parameter per value): the same on postgres.js and PGlite. */
export const array = (values: ReadonlyArray<string | number | null>, type: string) =>
  sql`array[${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )}]::${sql.raw(type)}[]`;

/** The rows of `db.execute`: postgres.js answers with the rows, PGlite with { rows }. */
export const rowsOf = <T>(result: unknown) => (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as T[];

/** Whether PostgreSQL's uuid type accepts `id`: anything else is an unknown id, not a failed query. */
export const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

/** Whether a failed statement broke a unique constraint (SQLSTATE 23505), however the driver wrapped it. */
export function uniqueViolation(err: unknown): boolean {
  for (let e = err as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) if (e.code === '23505') return true;
  return false;
}
