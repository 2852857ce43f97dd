import type { ChannelName } from '../domain/channels.js';
import { eq, sql, and } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { type Consent, type Customer, customers, events, messages } from '../db/schema.js';
import { customerErased } from '../domain/errors.js';
import type { Journeys } from '../journeys/journeys.js';

export interface CustomerPatch {
  email?: string | null;
  phone?: string | null;
  name?: string | null;
  birthday?: string | null;
  timezone?: string | null;
  /** Merged into the stored attributes; a null value removes that attribute. */
  attributes?: Record<string, unknown>;
  /** Replaces the stored tags. */
  tags?: string[];
  /** Merged per channel. */
  consent?: Consent;
}

export interface CustomerView {
  id: string;
  email: string | null;
  phone: string | null;
  name: string | null;
  birthday: string | null;
  timezone: string | null;
  attributes: Record<string, unknown>;
  tags: string[];
  consent: Record<ChannelName, boolean>;
  createdAt: string;
  updatedAt: string;
}

export function toView(c: Customer): CustomerView {
  return {
    id: c.id,
    email: c.email,
    phone: c.phone,
    name: c.name,
    birthday: c.birthday,
    timezone: c.timezone,
    attributes: c.attributes,
    tags: c.tags,
    consent: {
      email: c.consent.email !== false,
      sms: c.consent.sms !== false,
      push: c.consent.push !== false,
      wechat: c.consent.wechat !== false,
      webhook: c.consent.webhook !== false,
    },
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

export function createCustomerService(db: Db, journeys: Journeys) {
  return {
    async get(id: string): Promise<Customer | undefined> {
      const [row] = await db
        .select()
        .from(customers)
        .where(and(ownRows(customers), eq(customers.id, id)));
      return row;
    },

    /**
     * Identify: creates or updates a profile. Opting out of email ends the customer's journeys; a changed
     * birthday or time zone (or opting back in) starts, moves or ends the birthday journey.
     */
    async upsert(id: string, patch: CustomerPatch): Promise<{ customer: Customer; created: boolean }> {
      const { customer, created, optedOut, optedIn, birthdayMoved } = await db.transaction(async (tx) => {
        const inserted = await tx.insert(customers).values({ id }).onConflictDoNothing().returning({ id: customers.id });
        const [before] = await tx
          .select()
          .from(customers)
          .where(and(ownRows(customers), eq(customers.id, id)))
          .for('update');
        if (!before) throw new Error(`customer ${id} vanished`);
        if (before.erasedAt) throw customerErased(id);
        const attributes = { ...before.attributes };
        for (const [k, v] of Object.entries(patch.attributes ?? {})) {
          if (v === null) delete attributes[k];
          else attributes[k] = v;
        }
        const consent = { ...before.consent, ...patch.consent };
        const [after] = await tx
          .update(customers)
          .set({
            ...pick(patch, ['email', 'phone', 'name', 'birthday', 'timezone']),
            ...(patch.tags ? { tags: [...new Set(patch.tags)] } : {}),
            attributes,
            consent,
            updatedAt: sql`now()`,
          })
          .where(and(ownRows(customers), eq(customers.id, id)))
          .returning();
        return {
          customer: after!,
          created: inserted.length > 0,
          optedOut: before.consent.email !== false && consent.email === false,
          optedIn: before.consent.email === false && consent.email !== false,
          birthdayMoved: before.birthday !== after!.birthday || (after!.birthday !== null && before.timezone !== after!.timezone),
        };
      });
      if (optedOut) await journeys.exitAll(id, 'unsubscribed');
      if (birthdayMoved || (optedIn && customer.birthday)) await journeys.profileChanged(customer);
      return { customer, created };
    },

    /**
     * Erasure (GDPR art. 17): ends every journey, then removes personal data from the profile, its events
     * and its messages. Rows stay, anonymous, so counts and funnels still add up.
     */
    async erase(id: string): Promise<{ journeysEnded: number } | null> {
      const existing = await this.get(id);
      if (!existing) return null;
      const journeysEnded = await journeys.exitAll(id, 'erased');
      await db.transaction(async (tx) => {
        await tx
          .update(customers)
          .set({
            email: null,
            phone: null,
            name: null,
            birthday: null,
            timezone: null,
            attributes: {},
            tags: [],
            erasedAt: sql`coalesce(${customers.erasedAt}, now())`,
            updatedAt: sql`now()`,
          })
          .where(and(ownRows(customers), eq(customers.id, id)));
        await tx
          .update(events)
          .set({ properties: {} })
          .where(and(ownRows(events), eq(events.customerId, id)));
        await tx
          .update(messages)
          .set({ recipient: null, subject: null, bodyHtml: null, bodyText: null, links: null, updatedAt: sql`now()` })
          .where(and(ownRows(messages), eq(messages.customerId, id)));
      });
      return { journeysEnded };
    },
  };
}

export type CustomerService = ReturnType<typeof createCustomerService>;

function pick<T extends object, K extends keyof T>(obj: T, keys: K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((k) => obj[k] !== undefined).map((k) => [k, obj[k]])) as Partial<Pick<T, K>>;
}
