// What the delivery-feedback tests share: a stack (its own database, an SMS provider), signed delivery
// webhooks, and customers, sign-ups and broadcasts to give them feedback about.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect } from 'vitest';
import { campaignWorkflowId } from '../../src/temporal/workflow-ids.js';
import type { CampaignProgress } from '../../src/campaigns/campaign.workflow.js';
import { messages, suppressions } from '../../src/db/schema.js';
import type { CapturedMail } from '../../src/dev/mail-capture.js';
import { signWebhook } from '../../src/domain/webhook-signature.js';
import { welcomeWorkflowId } from '../../src/temporal/workflow-ids.js';
import { type ProviderServer, startProvider } from './http-provider.js';
import { type Stack, startStack, TEST_TRACKING, TEST_WEBHOOK_SECRETS, uid } from './stack.js';
import { waitFor } from './wait.js';

export const PROVIDER = 'acme-mail';
export const SECRET = TEST_WEBHOOK_SECRETS.get(PROVIDER)!;

/** Starts the stack before the file's tests and stops it after; the returned calls use it. */
export function useFeedbackStack() {
  let stack!: Stack;
  let provider!: ProviderServer;
  beforeAll(async () => {
    provider = await startProvider();
    // Its own database: the suppression tests activate a flow.
    stack = await startStack({ timeSkipping: true, isolatedDatabase: true, providers: { smsUrl: `${provider.url}/sms` } });
  });
  afterAll(async () => {
    await stack?.close();
    await provider?.close();
  });
  /** POSTs a delivery webhook signed as the provider would (or not: `sign` changes what is sent). */
  async function webhook(
    payload: unknown,
    options: {
      provider?: string;
      secret?: string;
      at?: number;
      headers?: (h: Record<string, string>) => Record<string, string>;
      body?: (b: string) => string;
    } = {},
  ) {
    const body = JSON.stringify(payload);
    const signed = signWebhook(options.secret ?? SECRET, body, options.at ?? Date.now());
    const res = await stack.app.request(`/api/webhooks/delivery/${options.provider ?? PROVIDER}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(options.headers ? options.headers(signed) : signed) },
      body: options.body ? options.body(body) : body,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  const db = () => stack.database.db;
  const messageRows = (customerId: string) => db().select().from(messages).where(eq(messages.customerId, customerId));
  const suppressionOf = async (channel: 'email' | 'sms', address: string) =>
    (
      await db()
        .select()
        .from(suppressions)
        .where(and(eq(suppressions.channel, channel), eq(suppressions.address, address)))
    )[0];
  const mailTo = (email: string) => stack.mail.list().filter((m) => m.to.includes(email.toLowerCase()));

  /** A customer with an email (mixed case, as producers send it) and a tag of their own. */
  async function customer(extra: Record<string, unknown> = {}) {
    const id = uid('cust');
    const email = `${id}@Example.com`;
    const tag = uid('tag');
    expect((await stack.api('PUT', `/api/customers/${id}`, { email, tags: [tag], ...extra })).status).toBe(201);
    return { id, email, address: email.toLowerCase(), tag };
  }

  async function signUp() {
    const c = await customer();
    expect((await stack.api('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId: c.id })).status).toBe(202);
    const mail = await stack.mail.waitFor((m) => m.to.includes(c.address));
    const message = await waitFor(async () => (await messageRows(c.id)).find((r) => r.status === 'sent'), 'the welcome row');
    return { ...c, mail, message, handle: stack.client.workflow.getHandle(welcomeWorkflowId(c.id)) };
  }

  /** An email (or SMS) campaign to one tag, run to its end. */
  async function broadcast(tag: string, html = '<p><a href="https://shop.example.com/sale">Shop the sale</a></p>', type = 'email') {
    const content = type === 'email' ? { subject: 'Sale', html } : 'Sale today';
    const created = await stack.api('POST', '/api/marketing/campaigns', { name: uid('campaign'), type, target_tags: [tag], content });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const trig = await stack.api('POST', `/api/marketing/campaigns/${created.body.id}/trigger`, { execution_type: 'actual' });
    expect(trig.status).toBe(202);
    const done = (await stack.client.workflow
      .getHandle(campaignWorkflowId(created.body.id, trig.body.execution_id))
      .result()) as CampaignProgress;
    const [record] = await db().select().from(messages).where(eq(messages.campaignId, created.body.id));
    return { id: created.body.id as string, done, record: record! };
  }

  const pathOf = (url: string) => url.slice(TEST_TRACKING.baseUrl.length);
  const clickPath = (mail: CapturedMail) => pathOf(mail.html.match(/href="([^"]+\/t\/c\/[^"]+)"/)![1]!);
  const pixelPath = (mail: CapturedMail) => pathOf(mail.html.match(/<img src="([^"]+\/t\/o\/[^"]+)"/)![1]!);

  return {
    get stack() {
      return stack;
    },
    get provider() {
      return provider;
    },
    webhook,
    db,
    messageRows,
    suppressionOf,
    mailTo,
    customer,
    signUp,
    broadcast,
    clickPath,
    pixelPath,
  };
}
