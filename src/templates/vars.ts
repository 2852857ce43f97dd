import type { Customer } from '../db/schema.js';

/** What templates see as {{ customer.* }}: in every message, and in a template's preview. */
export function customerVars(c: Customer): Record<string, unknown> {
  return {
    ...c.attributes,
    id: c.id,
    email: c.email,
    phone: c.phone,
    name: c.name,
    first_name: c.name?.split(/\s+/)[0] ?? null,
    birthday: c.birthday,
    timezone: c.timezone,
    tags: c.tags,
  };
}
