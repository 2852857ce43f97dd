// The campaign API through the real stack: campaigns created, listed, edited, triggered, archived and
// cancelled over HTTP, and their records — against a Temporal dev server (real time), PostgreSQL, a real
// SMTP server and a real HTTP receiver for push messages.
import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CampaignView } from '../src/campaigns/views.js';
import { marketingCampaigns, messages } from '../src/db/schema.js';
import { BASE, UUID, HOUR, at, useCampaignStack } from './helpers/campaigns-api.js';
import { uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

const campaigns = useCampaignStack();
const { audience, create, get, put, post, progress, result, list, records, runActual, recordCount } = campaigns;
describe('POST /api/marketing/campaigns', () => {
  it("returns the campaign with every field, created_by and updated_by from the key's name; a past start_time stays draft", async () => {
    const name = uid('Create');
    const tag = uid('tag');
    const content = { subject: 'June for {{ customer.first_name }}', text: 'Hello {{ customer.name }}' };
    const endTime = at(24 * HOUR);
    const before = Date.now();
    const c = await create(
      { name, target_tags: [tag], content, rate_limit: 50, end_time: endTime },
      await campaigns.stack.authAs('marketer-1'),
    );
    expect(c).toEqual({
      id: expect.stringMatching(UUID),
      name,
      type: 'email',
      channels: ['email'],
      channel_mode: null,
      send_at: null,
      status: 'draft',
      target_tags: [tag],
      target_segment_id: null,
      content,
      content_template_id: null,
      webhook_url: null,
      rate_limit: 50,
      start_time: null,
      end_time: endTime,
      actual_start_time: null,
      actual_end_time: null,
      execution_id: null,
      created_by: 'key:marketer-1',
      updated_by: 'key:marketer-1',
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(Date.parse(c.created_at)).toBeGreaterThanOrEqual(before - 5_000);
    expect(await get(c.id)).toEqual(c);

    const past = await create({ start_time: at(-HOUR) });
    expect(past).toMatchObject({ status: 'draft', execution_id: null, created_by: 'key:test stack' });
  });

  it('schedules a campaign whose start_time is in the future: its execution exists and waits', async () => {
    const start = at(HOUR);
    const c = await create({ start_time: start });
    expect(c.status).toBe('scheduled');
    expect(c.start_time).toBe(start);
    expect(c.execution_id).toEqual(expect.any(String));
    const waiting = await waitFor(async () => {
      const p = await progress(c.id);
      return p?.state === 'scheduled' ? p : null;
    }, 'the scheduled execution');
    expect(waiting).toMatchObject({
      executionId: c.execution_id,
      mode: 'actual',
      startAt: Date.parse(start),
      processed: 0,
      startedAt: null,
    });

    const cancelled = await post(c.id, 'cancel');
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await result(c.id, c.execution_id!)).state).toBe('cancelled');
  });
});

describe('refused campaigns', () => {
  let smsTemplate: string;
  let emailTemplate: string;
  beforeAll(async () => {
    smsTemplate = (await campaigns.stack.api('POST', '/api/templates', { name: uid('sms-tpl'), channel: 'sms', parts: { text: 'Hi' } }))
      .body.id;
    emailTemplate = (
      await campaigns.stack.api('POST', '/api/templates', { name: uid('mail-tpl'), channel: 'email', parts: { subject: 'S', text: 'T' } })
    ).body.id;
  });

  type Case = {
    what: string;
    body: (base: Record<string, unknown>) => unknown;
    headers?: Record<string, string>;
    status: number;
    code: string;
    field?: string;
  };
  const cases: Case[] = [
    { what: 'an unknown type', body: (b) => ({ ...b, type: 'fax' }), status: 422, code: 'validation_error', field: 'type' },
    { what: 'no name', body: ({ name: _, ...b }) => b, status: 422, code: 'validation_error', field: 'name' },
    { what: 'a blank name', body: (b) => ({ ...b, name: '   ' }), status: 422, code: 'validation_error', field: 'name' },
    { what: 'no audience', body: ({ target_tags: _, ...b }) => b, status: 422, code: 'validation_error', field: 'target_tags' },
    { what: 'empty target_tags', body: (b) => ({ ...b, target_tags: [] }), status: 422, code: 'validation_error', field: 'target_tags' },
    { what: 'no content', body: ({ content: _, ...b }) => b, status: 422, code: 'validation_error', field: 'content' },
    {
      what: 'content and a template',
      body: (b) => ({ ...b, content_template_id: emailTemplate }),
      status: 422,
      code: 'validation_error',
      field: 'content_template_id',
    },
    {
      what: 'unclosed Liquid',
      body: (b) => ({ ...b, content: 'Hi {{ customer.name ' }),
      status: 422,
      code: 'validation_error',
      field: 'content.text',
    },
    {
      what: 'an unknown filter',
      body: (b) => ({ ...b, content: { subject: '{{ x | nosuchfilter }}', text: 'hi' } }),
      status: 422,
      code: 'validation_error',
      field: 'content.subject',
    },
    {
      what: 'an unknown content part',
      body: (b) => ({ ...b, content: { subject: 's', text: 't', title: 'x' } }),
      status: 422,
      code: 'validation_error',
      field: 'content.title',
    },
    {
      what: 'an email without a subject',
      body: (b) => ({ ...b, content: { text: 't' } }),
      status: 422,
      code: 'validation_error',
      field: 'content.subject',
    },
    {
      what: 'end_time before start_time',
      body: (b) => ({ ...b, start_time: at(2 * HOUR), end_time: at(HOUR) }),
      status: 422,
      code: 'validation_error',
      field: 'end_time',
    },
    {
      what: 'a start_time that is no date',
      body: (b) => ({ ...b, start_time: 'tomorrow' }),
      status: 422,
      code: 'validation_error',
      field: 'start_time',
    },
    {
      what: 'a webhook without webhook_url',
      body: (b) => ({ ...b, type: 'webhook' }),
      status: 422,
      code: 'validation_error',
      field: 'webhook_url',
    },
    {
      what: 'webhook_url on an email',
      body: (b) => ({ ...b, webhook_url: 'http://127.0.0.1:9/x' }),
      status: 422,
      code: 'validation_error',
      field: 'webhook_url',
    },
    { what: 'a rate_limit of 0', body: (b) => ({ ...b, rate_limit: 0 }), status: 422, code: 'validation_error', field: 'rate_limit' },
    {
      what: 'an unknown template',
      body: ({ content: _, ...b }) => ({ ...b, content_template_id: '00000000-0000-4000-8000-000000000000' }),
      status: 422,
      code: 'unknown_template',
      field: 'content_template_id',
    },
    {
      what: 'a template id that is no uuid',
      body: ({ content: _, ...b }) => ({ ...b, content_template_id: 'nope' }),
      status: 422,
      code: 'unknown_template',
      field: 'content_template_id',
    },
    {
      what: 'a template id of 36 dashes',
      body: ({ content: _, ...b }) => ({ ...b, content_template_id: '-'.repeat(36) }),
      status: 422,
      code: 'unknown_template',
      field: 'content_template_id',
    },
    {
      what: "another channel's template",
      body: ({ content: _, ...b }) => ({ ...b, content_template_id: smsTemplate }),
      status: 422,
      code: 'template_channel_mismatch',
      field: 'content_template_id',
    },
    {
      what: 'an unknown segment',
      body: (b) => ({ ...b, target_segment_id: uid('no-segment') }),
      status: 422,
      code: 'unknown_segment',
      field: 'target_segment_id',
    },
    { what: 'an unknown key', body: (b) => ({ ...b, colour: 'red' }), status: 422, code: 'validation_error', field: 'colour' },
    { what: 'a body that is not JSON', body: (b) => `{"name": "${String(b.name)}", `, status: 400, code: 'invalid_json' },
    {
      what: 'a body that is not sent as JSON',
      body: (b) => JSON.stringify(b),
      headers: { 'content-type': 'text/plain' },
      status: 415,
      code: 'unsupported_media_type',
    },
  ];

  it.each(cases)('refuses $what with $status $code naming $field, and saves nothing', async ({ body, headers, status, code, field }) => {
    const name = uid('Refused');
    const tag = uid('tag');
    const res = await campaigns.stack.api(
      'POST',
      BASE,
      body({ name, type: 'email', target_tags: [tag], content: 'Hi {{ customer.first_name }}' }),
      headers,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.field).toBe(field);
    expect((await list(`name=${name}`)).body.pagination.total).toBe(0);
    const [saved] = await campaigns.stack.database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(marketingCampaigns)
      .where(sql`${marketingCampaigns.targetTags} && array[${tag}]::text[]`);
    expect(saved!.n).toBe(0);
  });
});

describe('GET /api/marketing/campaigns', () => {
  it('filters by status, type and name (any case; % and _ literal), pages newest first', async () => {
    const tag = uid('List');
    const a = await create({ name: `${tag} 50%off` });
    const b = await create({ name: `${tag} 50Xoff`, type: 'sms' });
    const c = await create({ name: `${tag} a_b` });
    const d = await create({ name: `${tag} aXb`, type: 'sms' });
    expect((await post(c.id, 'archive')).status).toBe(200);
    const names = (res: { body: { campaigns: CampaignView[] } }) => res.body.campaigns.map((x) => x.name);

    const all = await list(`name=${tag.toUpperCase()}`);
    expect(all.status).toBe(200);
    expect(all.body.pagination).toEqual({ total: 4, page: 1, page_size: 20 });
    expect(names(all)).toEqual([d.name, c.name, b.name, a.name]);
    expect(names(await list(`name=${encodeURIComponent(`${tag} 50%`)}`))).toEqual([a.name]);
    expect(names(await list(`name=${encodeURIComponent(`${tag} a_b`)}`))).toEqual([c.name]);
    expect(names(await list(`name=${tag}&type=sms`))).toEqual([d.name, b.name]);
    expect(names(await list(`name=${tag}&status=archived`))).toEqual([c.name]);
    expect(names(await list(`name=${tag}&status=draft&type=email`))).toEqual([a.name]);

    const page2 = await list(`name=${tag}&page=2&page_size=3`);
    expect(page2.body.pagination).toEqual({ total: 4, page: 2, page_size: 3 });
    expect(names(page2)).toEqual([a.name]);
    const past = await list(`name=${tag}&page=5&page_size=3`);
    expect(past.status).toBe(200);
    expect(past.body).toEqual({ campaigns: [], pagination: { total: 4, page: 5, page_size: 3 } });
  });

  it.each([
    ['page_size=0', 'page_size'],
    ['page_size=10000', 'page_size'],
    ['page=0', 'page'],
    ['page=abc', 'page'],
    ['status=bogus', 'status'],
    ['type=fax', 'type'],
  ])('refuses %s with 400 invalid_query naming %s', async (query, field) => {
    const res = await list(query);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_query', field });
  });

  it('answers 404 campaign_not_found for an unknown id and for one that is no uuid', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await campaigns.stack.api('GET', `${BASE}/${id}`);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('campaign_not_found');
    }
  });
});

describe('PUT /api/marketing/campaigns/:id', () => {
  it("merges the fields into a draft, with updated_by from the key's name and a later updated_at", async () => {
    const c = await create({ content: { subject: 'S', text: 'T' } }, await campaigns.stack.authAs('alice'));
    const tag = uid('tag');
    const res = await put(c.id, { name: `${c.name} v2`, target_tags: [tag], rate_limit: 7 }, await campaigns.stack.authAs('bob'));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({
      ...c,
      name: `${c.name} v2`,
      target_tags: [tag],
      rate_limit: 7,
      updated_by: 'key:bob',
      updated_at: expect.any(String),
    });
    expect(Date.parse(res.body.updated_at)).toBeGreaterThan(Date.parse(c.updated_at));
    expect(await get(c.id)).toEqual(res.body);
  });

  it('schedules a draft given a future start_time, reschedules it, and unschedules it with start_time null', async () => {
    const c = await create({});
    const first = at(HOUR);
    const scheduled = (await put(c.id, { start_time: first })).body as CampaignView;
    expect(scheduled).toMatchObject({ status: 'scheduled', start_time: first, execution_id: expect.any(String) });
    const executionId = scheduled.execution_id!;
    await waitFor(async () => (await progress(c.id))?.startAt === Date.parse(first), 'the execution waiting for the first start');

    const second = at(2 * HOUR);
    const moved = (await put(c.id, { start_time: second })).body as CampaignView;
    expect(moved).toMatchObject({ status: 'scheduled', start_time: second, execution_id: executionId });
    const p = await waitFor(async () => {
      const now = await progress(c.id);
      return now?.startAt === Date.parse(second) ? now : null;
    }, 'the execution waiting for the new start');
    expect(p.state).toBe('scheduled');

    const draft = (await put(c.id, { start_time: null })).body as CampaignView;
    expect(draft).toMatchObject({ status: 'draft', start_time: null, execution_id: null });
    expect(await result(c.id, executionId)).toMatchObject({ state: 'cancelled', processed: 0 });
  });

  it('refuses to edit a campaign once triggered: 409 campaign_not_editable, while active and once completed', async () => {
    const { tag } = await audience(2);
    const c = await create({ target_tags: [tag] });
    const trig = await post(c.id, 'trigger', { execution_type: 'actual' });
    expect(trig.status).toBe(202);
    const whileActive = await put(c.id, { name: 'too late' });
    expect(whileActive.status).toBe(409);
    expect(whileActive.body.error.code).toBe('campaign_not_editable');
    await result(c.id, trig.body.execution_id);
    expect((await get(c.id)).status).toBe('completed');
    const afterwards = await put(c.id, { name: 'too late' });
    expect(afterwards.status).toBe(409);
    expect(afterwards.body.error.code).toBe('campaign_not_editable');
    expect((await get(c.id)).name).toBe(c.name);
  });

  it('refuses an edit that makes the campaign invalid with 422 and keeps the saved one', async () => {
    const c = await create({ content: { subject: 'S', text: 'T' } });
    for (const [patch, field] of [
      [{ target_tags: [] }, 'target_tags'],
      [{ content: null }, 'content'],
      [{ content: { subject: '{{ broken', text: 'T' } }, 'content.subject'],
      [{ type: 'sms' }, 'content.subject'],
      [{ end_time: at(HOUR), start_time: at(2 * HOUR) }, 'end_time'],
      [{ status: 'active' }, 'status'],
    ] as const) {
      const res = await put(c.id, patch);
      expect(res.status, JSON.stringify(patch)).toBe(422);
      expect(res.body.error.field).toBe(field);
    }
    expect(await get(c.id)).toEqual(c);
  });
});

describe('POST /api/marketing/campaigns/:id/trigger', () => {
  it('runs an actual execution once: no body means actual, a second trigger is 409 campaign_already_triggered', async () => {
    const { tag } = await audience(3);
    const c = await create({ target_tags: [tag] });
    const trig = await post(c.id, 'trigger');
    expect(trig.status, JSON.stringify(trig.body)).toBe(202);
    expect(trig.body).toMatchObject({ status: 'triggered', execution_id: expect.any(String) });
    const again = await post(c.id, 'trigger', { execution_type: 'actual' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('campaign_already_triggered');
    expect(await result(c.id, trig.body.execution_id)).toMatchObject({ state: 'completed', sent: 3 });
    expect(await get(c.id)).toMatchObject({ status: 'completed', execution_id: trig.body.execution_id });
  });

  it('makes one execution of two concurrent triggers, and one record per customer', async () => {
    const { tag, ids } = await audience(12);
    const c = await create({ target_tags: [tag] });
    const both = await Promise.all([post(c.id, 'trigger', {}), post(c.id, 'trigger', {})]);
    expect(both.map((r) => r.status).sort()).toEqual([202, 409]);
    expect(both.find((r) => r.status === 409)!.body.error.code).toBe('campaign_already_triggered');
    const done = await result(c.id, both.find((r) => r.status === 202)!.body.execution_id);
    expect(done).toMatchObject({ processed: 12, sent: 12 });
    const rows = await campaigns.stack.database.db
      .select({ customerId: messages.customerId })
      .from(messages)
      .where(eq(messages.campaignId, c.id));
    expect(rows.map((r) => r.customerId).sort()).toEqual(ids);
  });

  it('refuses archived campaigns (409 campaign_archived) and ended ones (409 campaign_ended)', async () => {
    const archived = await create({});
    await post(archived.id, 'archive');
    for (const execution_type of ['actual', 'simulation']) {
      const res = await post(archived.id, 'trigger', { execution_type });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('campaign_archived');
    }
    const ended = await create({ end_time: at(-60_000) });
    const res = await post(ended.id, 'trigger', {});
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('campaign_ended');
    expect((await get(ended.id)).status).toBe('draft');
  });

  it('runs simulations as often as asked, each its own execution, while the campaign stays draft', async () => {
    const { tag } = await audience(4);
    const c = await create({ target_tags: [tag] });
    const execs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await post(c.id, 'trigger', { execution_type: 'simulation' });
      expect(res.status).toBe(202);
      expect(res.body.status).toBe('simulation_started');
      expect(await result(c.id, res.body.execution_id)).toMatchObject({ mode: 'simulation', sent: 4 });
      execs.push(res.body.execution_id);
    }
    expect(new Set(execs).size).toBe(2);
    for (const exec of execs) {
      const res = await records(`campaign_id=${c.id}&execution_id=${exec}&status=simulated`);
      expect(res.body.pagination.total).toBe(4);
    }
    expect(await get(c.id)).toMatchObject({ status: 'draft', execution_id: null });
  });

  it('refuses an unknown execution_type with 422', async () => {
    const c = await create({});
    const res = await post(c.id, 'trigger', { execution_type: 'dry-run' });
    expect(res.status).toBe(422);
    expect(res.body.error.field).toBe('execution_type');
    expect((await get(c.id)).status).toBe('draft');
  });

  it('starts a scheduled campaign now, as the execution that was waiting', async () => {
    const { tag } = await audience(3);
    const c = await create({ target_tags: [tag], start_time: at(HOUR) });
    expect(c.status).toBe('scheduled');
    const trig = await post(c.id, 'trigger', {});
    expect(trig.status).toBe(202);
    expect(trig.body.execution_id).toBe(c.execution_id);
    expect(await result(c.id, c.execution_id!)).toMatchObject({ state: 'completed', stopReason: 'audience_done', sent: 3 });
    const done = await get(c.id);
    expect(done).toMatchObject({ status: 'completed', actual_start_time: expect.any(String), actual_end_time: expect.any(String) });
    expect((await records(`campaign_id=${c.id}&status=sent`)).body.pagination.total).toBe(3);
  });
});

describe('POST /api/marketing/campaigns/:id/archive', () => {
  it('archives a draft, which can then not be edited', async () => {
    const c = await create({});
    const res = await campaigns.stack.api('POST', `${BASE}/${c.id}/archive`, undefined, await campaigns.stack.authAs('archivist'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: c.id, status: 'archived', updated_by: 'key:archivist' });
    const edit = await put(c.id, { name: 'revived' });
    expect(edit.status).toBe(409);
    expect(edit.body.error.code).toBe('campaign_not_editable');
  });

  it('archives a scheduled campaign and ends its execution', async () => {
    const c = await create({ start_time: at(HOUR) });
    const res = await post(c.id, 'archive');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('archived');
    expect(await result(c.id, c.execution_id!)).toMatchObject({ state: 'cancelled', processed: 0 });
    expect((await get(c.id)).status).toBe('archived');
  });

  it('refuses a running campaign (409 campaign_running), active or paused; cancel stops it', async () => {
    const { tag } = await audience(20);
    const c = await create({ target_tags: [tag], rate_limit: 1 });
    const trig = await post(c.id, 'trigger', {});
    const executionId = trig.body.execution_id as string;
    // Sending at 1 a second: the first batch of 5 is under way for a few seconds.
    await waitFor(async () => (await records(`campaign_id=${c.id}&status=sent`)).body.pagination.total >= 1, 'the first message sent');
    for (const state of ['active', 'paused']) {
      if (state === 'paused') expect((await post(c.id, 'pause')).body.status).toBe('paused');
      const res = await post(c.id, 'archive');
      expect(res.status, state).toBe(409);
      expect(res.body.error.code).toBe('campaign_running');
    }
    const cancelled = await post(c.id, 'cancel');
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const done = await result(c.id, executionId);
    expect(done).toMatchObject({ state: 'cancelled', stopReason: 'cancelled' });
    // Paused while its first batch of 5 was in flight (4 s at 1 a second); cancelled before another began.
    expect(done.processed).toBe(5);
    // The workflow has ended: what it recorded is all there will be, and nothing is left pending.
    const n = await recordCount(c.id);
    expect(n).toBe(done.processed);
    expect((await records(`campaign_id=${c.id}&status=pending`)).body.pagination.total).toBe(0);
    expect((await get(c.id)).status).toBe('cancelled');
    expect((await post(c.id, 'archive')).body.status).toBe('archived');
  });
});

describe('GET /api/marketing/records', () => {
  it('filters by customer, status, channel and execution, and pages', async () => {
    const { tag, ids } = await audience(6, (i) => (i === 1 ? { consent: { email: false } } : {}));
    const c = await create({ target_tags: [tag] });
    const { executionId } = await runActual(c.id);
    const q = `campaign_id=${c.id}`;

    const one = await records(`${q}&customer_id=${ids[0]}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual({
      records: [
        {
          id: expect.stringMatching(UUID),
          campaign_id: c.id,
          execution_id: executionId,
          customer_id: ids[0],
          channel: 'email',
          status: 'sent',
          error_message: null,
          response: { smtp: expect.stringMatching(/^250/) },
          sent_at: expect.any(String),
          opened_at: null,
          clicked_at: null,
          delivered_at: null,
          bounce_type: null,
          complained_at: null,
          converted_at: null,
          revenue: null,
        },
      ],
      pagination: { total: 1, page: 1, page_size: 20 },
    });
    const skipped = await records(`${q}&status=skipped`);
    expect(skipped.body.records).toMatchObject([{ customer_id: ids[1], error_message: 'unsubscribed', sent_at: null }]);
    expect((await records(`${q}&status=sent`)).body.pagination.total).toBe(5);
    expect((await records(`${q}&channel=email`)).body.pagination.total).toBe(6);
    expect((await records(`${q}&channel=sms`)).body.pagination.total).toBe(0);
    expect((await records(`${q}&execution_id=${executionId}`)).body.pagination.total).toBe(6);
    expect((await records(`${q}&execution_id=sim-other`)).body.pagination.total).toBe(0);

    const p1 = (await records(`${q}&page_size=4`)).body;
    const p2 = (await records(`${q}&page_size=4&page=2`)).body;
    expect(p2.pagination).toEqual({ total: 6, page: 2, page_size: 4 });
    const seen = [...p1.records, ...p2.records].map((r: { customer_id: string }) => r.customer_id).sort();
    expect(seen).toEqual(ids);
    expect((await records(`${q}&page_size=4&page=3`)).body).toEqual({ records: [], pagination: { total: 6, page: 3, page_size: 4 } });
  });

  it('records push_notification campaigns with that channel', async () => {
    const { tag } = await audience(2, (i) => ({ name: `Cust${i} Tester` }));
    const c = await create({
      type: 'push_notification',
      target_tags: [tag],
      content: { title: 'Hey', body: 'Hi {{ customer.first_name }}' },
    });
    expect((await runActual(c.id)).done).toMatchObject({ sent: 2 });
    const res = await records(`campaign_id=${c.id}&channel=push_notification`);
    expect(res.body.records.map((r: { channel: string }) => r.channel)).toEqual(['push_notification', 'push_notification']);
    expect((await records(`campaign_id=${c.id}&channel=email`)).body.pagination.total).toBe(0);
    const pushed = campaigns.provider.received('/push').filter((r) => r.body.customer_id.startsWith(tag));
    expect(pushed.map((r) => r.body.content).sort()).toEqual([
      { title: 'Hey', body: 'Hi Cust0' },
      { title: 'Hey', body: 'Hi Cust1' },
    ]);
  });

  it('needs campaign_id (400 invalid_query) and answers 404 for an unknown campaign', async () => {
    const missing = await records('status=sent');
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'invalid_query', field: 'campaign_id' });
    const unknown = await records('campaign_id=00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('campaign_not_found');
    expect((await records('campaign_id=x&channel=fax')).body.error).toMatchObject({ code: 'invalid_query', field: 'channel' });
  });
});
