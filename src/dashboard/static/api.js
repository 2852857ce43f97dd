// Every call goes to the same /api routes as curl's, with the signed-in key as a bearer token.
const KEY = 'touchpoint.key';

export const session = {
  get key() {
    return sessionStorage.getItem(KEY);
  },
  set(key) {
    sessionStorage.setItem(KEY, key);
  },
  clear() {
    sessionStorage.removeItem(KEY);
  },
};

/** An API error: `{ error: { code, message, field? } }` as the API answers it, and its status. */
export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = error?.code ?? 'http_error';
    this.field = error?.field ?? null;
  }
}

/** Listeners told when the key is refused (401), so the app signs out. */
const onUnauthorized = new Set();
export const whenUnauthorized = (fn) => (onUnauthorized.add(fn), () => onUnauthorized.delete(fn));

export async function api(method, path, body, key = session.key) {
  const headers = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null; // not JSON (a proxy's error page): the status says what happened
  }
  if (!res.ok) {
    if (res.status === 401) for (const fn of onUnauthorized) fn();
    throw new ApiError(res.status, data?.error);
  }
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body);
export const put = (path, body) => api('PUT', path, body);
export const del = (path) => api('DELETE', path);

/** A query string of the values set (empty strings and nulls left out). */
export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const grants = (scopes, needed) => scopes.includes('admin') || scopes.includes(needed);

/** The signed-in key (GET /api/me): what the pages offer follows its scopes. */
export const caller = { me: null };
export const can = (scope) => !!caller.me && grants(caller.me.key.scopes, scope);
