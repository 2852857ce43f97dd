// Templates are a sandbox, through the real stack: no template reads a file, at save or at preview; a
// template over a limit is refused at save, and at send fails only its own message; the API answers
// while a preview runs a template to its limits.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { customers, messages, templates } from '../src/db/schema.js';
import { defaultJourneyConfigs } from '../src/domain/journey-config.js';
import { sandboxRendering } from '../src/templates/sandbox.js';
import { useCampaignStack } from './helpers/campaigns-api.js';
import { uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

const campaigns = useCampaignStack();
const { audience, create, runActual, records } = campaigns;
const api = (method: string, path: string, body?: unknown) => campaigns.stack.api(method, path, body);

/** A loop over a literal range too big to build: refused by the memory limit as soon as it starts. */
const HUGE = '{% for i in (1..100000000) %}x{% endfor %}';
/** Two nested loops that print nothing: only the time limit stops them. */
const LONG = '{% for i in (1..1500) %}{% for j in (1..1500) %}{% if j %}{% endif %}{% endfor %}{% endfor %}';
/** As long as the customer's data says: fine for most, over the memory limit for one with visits = 1e8. */
const BY_DATA = 'Hi {{ customer.name }}{% for i in (1..customer.visits) %}.{% endfor %}';

/** A template written straight to the table, as one stored before the save-time checks would be. */
async function storedTemplate(parts: Record<string, string>) {
  const [row] = await campaigns.stack.database.db
    .insert(templates)
    .values({ name: uid('old-tpl'), channel: 'email', parts })
    .returning();
  return row!.id;
}

const FILES = [
  ["{% render 'package.json' %}", 'render'],
  ["{% include '.git/config' %}", 'include'],
  ["{% layout '.data/tracking-secret' %}x", 'layout'],
] as const;

describe('no template reads a file', () => {
  it.each(FILES)('refuses %s at every save, naming the part', async (source, tag) => {
    const refused = new RegExp(`\\{% ${tag} %\\} is not available`);
    const template = await api('POST', '/api/templates', { name: uid('tpl'), channel: 'email', parts: { subject: 'S', html: source } });
    expect(template.status).toBe(422);
    expect(template.body.error).toMatchObject({ code: 'invalid_template', field: 'parts.html', message: expect.stringMatching(refused) });

    const campaign = await api('POST', '/api/marketing/campaigns', {
      name: uid('campaign'),
      type: 'email',
      target_tags: [uid('nobody')],
      content: { subject: source, text: 'T' },
    });
    expect(campaign.status).toBe(422);
    expect(campaign.body.error).toMatchObject({
      code: 'validation_error',
      field: 'content.subject',
      message: expect.stringMatching(refused),
    });

    const welcome = defaultJourneyConfigs.welcome!;
    const journey = await api('PUT', '/api/journeys/welcome', {
      steps: [{ ...welcome[0], template: { ...(welcome[0] as { template: object }).template, text: source } }],
    });
    expect(journey.status).toBe(422);
    expect(journey.body.error).toMatchObject({ field: 'steps[0].template.text', message: expect.stringMatching(refused) });

    const flow = await api('POST', '/api/flows', {
      name: uid('flow'),
      trigger_event: 'user_signup',
      actions: [{ type: 'send_email', template: { subject: 'S', html: source, text: 'T' } }],
    });
    expect(flow.status).toBe(422);
    expect(flow.body.error).toMatchObject({ field: 'actions[0].template.html', message: expect.stringMatching(refused) });
  });

  it.each(FILES)('does not read the file for %s in a template stored before the rule: its preview is a 422', async (source) => {
    const id = await storedTemplate({ subject: 'S', html: source, text: 'T' });
    const [customer] = (await audience(1)).ids;
    const res = await api('POST', `/api/templates/${id}/preview`, { customer_id: customer });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'invalid_template', field: 'parts.html' });
    expect(JSON.stringify(res.body)).not.toMatch(/touchpoint|repositoryformatversion/);
  });
});

describe('limits', () => {
  it('refuses a template over a limit at save, naming the part', async () => {
    for (const [source, limit] of [
      [HUGE, /ranges, arrays and strings exceed/],
      [LONG, /renders for longer than 500 ms/],
    ] as const) {
      const template = await api('POST', '/api/templates', { name: uid('tpl'), channel: 'email', parts: { subject: 'S', text: source } });
      expect(template.status).toBe(422);
      expect(template.body.error).toMatchObject({ code: 'invalid_template', field: 'parts.text', message: expect.stringMatching(limit) });
    }
    const campaign = await api('POST', '/api/marketing/campaigns', {
      name: uid('campaign'),
      type: 'sms',
      target_tags: [uid('nobody')],
      content: HUGE,
    });
    expect(campaign.status).toBe(422);
    expect(campaign.body.error).toMatchObject({ field: 'content.text', message: expect.stringMatching(/over a template limit/) });
    const flow = await api('POST', '/api/flows', {
      name: uid('flow'),
      trigger_event: 'user_signup',
      actions: [{ type: 'send_sms', template: { text: HUGE } }],
    });
    expect(flow.status).toBe(422);
    expect(flow.body.error).toMatchObject({ field: 'actions[0].template.text', message: expect.stringMatching(/over a template limit/) });
  });

  it('answers a health probe while a preview runs a template to its time limit', async () => {
    const id = await storedTemplate({ subject: 'S', html: LONG, text: 'T' });
    const [customer] = (await audience(1)).ids;
    let previewed = false;
    const preview = api('POST', `/api/templates/${id}/preview`, { customer_id: customer }).finally(() => (previewed = true));
    // Polling on timers already needs a free event loop; the probe then answers while the render goes on.
    await waitFor(() => sandboxRendering() > 0 || previewed, 'the preview to start rendering');
    expect(previewed).toBe(false);
    const probe = await api('GET', '/healthz');
    expect(probe).toEqual({ status: 200, body: { status: 'ok' } });
    expect(previewed).toBe(false);
    const res = await preview;
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: 'invalid_template',
      field: 'parts.html',
      message: expect.stringMatching(/longer than 500 ms/),
    });
  });

  it('fails at send only the message whose data takes the template over a limit', async () => {
    const { tag, ids, emails } = await audience(3, (i) => ({ attributes: { visits: i === 1 ? 100_000_000 : i + 1 } }));
    const c = await create({ target_tags: [tag], content: { subject: 'Visits', text: BY_DATA } });
    const { done } = await runActual(c.id);
    expect(done).toMatchObject({ state: 'completed', sent: 2, failed: 1 });
    const failed = (await records(`campaign_id=${c.id}&status=failed`)).body.records;
    expect(failed).toEqual([
      expect.objectContaining({ customer_id: ids[1], error_message: expect.stringMatching(/^template error: over a template limit/) }),
    ]);
    const mail = campaigns.stack.mail.list().filter((m) => emails.includes(m.to[0]!));
    expect(mail.map((m) => [m.to[0], m.text?.trim()]).sort()).toEqual([
      [emails[0], 'Hi Customer 0.'],
      [emails[2], 'Hi Customer 2...'],
    ]);
  });

  it('fails every message of a stored over-limit template and completes the campaign; the next campaign sends', async () => {
    const id = await storedTemplate({ subject: 'S', html: '<p>Hi</p>', text: HUGE });
    const { tag, ids } = await audience(2);
    const c = await create({ target_tags: [tag], content: undefined, content_template_id: id });
    expect((await runActual(c.id)).done).toMatchObject({ state: 'completed', sent: 0, failed: 2 });
    const failed = (await records(`campaign_id=${c.id}&status=failed`)).body.records;
    expect(failed.map((r: { customer_id: string }) => r.customer_id).sort()).toEqual(ids);

    const next = await audience(1);
    const after = await create({ target_tags: [next.tag], content: 'Still here' });
    expect((await runActual(after.id)).done).toMatchObject({ sent: 1 });
  });

  it('fails a flow step over a limit and goes on to the next step', async () => {
    const trigger = uid('sandbox').replace('-', '_');
    const created = await api('POST', '/api/flows', {
      name: uid('flow'),
      trigger_event: trigger,
      actions: [
        { type: 'send_email', template: { subject: 'Visits', html: `<p>${BY_DATA}</p>`, text: BY_DATA } },
        { type: 'add_tag', tag: 'reached_the_end' },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await api('POST', `/api/flows/${created.body.flow.id}/activate`)).status).toBe(200);
    const id = uid('flow-cust');
    expect(
      (await api('PUT', `/api/customers/${id}`, { email: `${id}@example.com`, name: 'Ada', attributes: { visits: 1e8 } })).status,
    ).toBe(201);
    expect((await api('POST', '/api/events', { id: uid('evt'), type: trigger, customerId: id })).status).toBe(202);

    const db = campaigns.stack.database.db;
    const [tagged] = await waitFor(async () => {
      const rows = await db.select({ tags: customers.tags }).from(customers).where(eq(customers.id, id));
      return rows[0]?.tags.includes('reached_the_end') ? rows : null;
    }, 'the flow to reach its add_tag step');
    expect(tagged!.tags).toContain('reached_the_end');
    const rows = await db.select().from(messages).where(eq(messages.customerId, id));
    expect(rows).toEqual([
      expect.objectContaining({
        channel: 'email',
        status: 'failed',
        errorMessage: expect.stringMatching(/^template error: over a template limit/),
      }),
    ]);
  });
});
