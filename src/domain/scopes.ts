/** What an API key may do (src/api/auth.ts decides which a route needs). */
export type ApiScope = 'events:write' | 'marketing:write' | 'read' | 'admin';

/**
 * What a key may do. `events:write` is what a product backend holds (events, identify); `marketing:write`
 * changes campaigns, flows, templates, segments and journeys; `read` reads everything readable; `admin`
 * manages keys, settings and erasure, and includes every other scope.
 */
export const API_SCOPES = ['events:write', 'marketing:write', 'read', 'admin'] as const satisfies readonly ApiScope[];

export function grants(scopes: readonly ApiScope[], needed: ApiScope): boolean {
  return scopes.includes('admin') || scopes.includes(needed);
}
