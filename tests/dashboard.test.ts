// The dashboard in a real browser (Debian's chromium driven by playwright-core) against the real stack:
// the app over HTTP, Temporal, PostgreSQL and the SMTP capture. A marketer signs in with a key, creates a
// campaign for a tag, triggers it and watches it finish; toggles a flow; reads a customer's timeline and an
// experiment's results; switches to Chinese; a read-only key sees no trigger button and is refused (403)
// when it forces one. Every page is written to docs/screenshots/ on the way.
import { mkdirSync } from 'node:fs';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages } from '../src/db/schema.js';
import { campaignWorkflowId, flowWorkflowId } from '../src/temporal/workflow-ids.js';
import { seedAudience } from './helpers/audience.js';
import { serveApp } from './helpers/serve-app.js';
import { type Stack, startStack, TEST_API_LIMITS, uid } from './helpers/stack.js';
import { createApp } from '../src/app.js';
import { waitFor } from './helpers/wait.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = new URL('../docs/screenshots/', import.meta.url);

let stack: Stack;
let server: { url: string; close(): Promise<void> };
let browser: Browser;

beforeAll(async () => {
  stack = await startStack({ timeSkipping: false, campaigns: { batchSize: 5 } });
  // The stack's services in an app that also knows a Temporal UI, as embedded mode's does (for the runs' links).
  server = await serveApp(
    createApp({
      ...stack.services,
      mailCapture: stack.mail,
      api: TEST_API_LIMITS,
      temporalUi: { url: 'http://127.0.0.1:8233', namespace: 'default' },
    }),
  );
  // Root in a container has no user namespace for chromium's sandbox.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await stack?.close();
});

/** A new page in English (unless `locale`), signed in with `key` (default: the stack's admin key). */
async function signedIn(key = stack.key, locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ locale, timezoneId: 'Europe/Berlin', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error('page error:', err));
  await page.goto(`${server.url}/app/`);
  await page.getByLabel(/API key|API 密钥/).fill(key);
  await page.getByRole('button', { name: /Sign in|登录/ }).click();
  await page.getByRole('navigation', { name: /Sections|导航/ }).waitFor();
  return page;
}

/** Whether the browser draws Chinese with a font of its own, not the box of a missing glyph (as private-use characters). */
const hasCjkFont = (page: Page) =>
  page.evaluate(() => {
    const canvas = (
      globalThis as unknown as {
        document: { createElement(t: 'canvas'): { getContext(c: '2d'): { font: string; measureText(s: string): { width: number } } } };
      }
    ).document
      .createElement('canvas')
      .getContext('2d');
    canvas.font = '32px sans-serif';
    return canvas.measureText('营销活动').width !== canvas.measureText('\uE000\uE001\uE002\uE003').width;
  });

/** A workspace of the test's own (created with the default admin key) and its admin key: what the test switches there touches no other file's data. */
async function newWorkspace(): Promise<{ id: string; key: string; auth: Record<string, string> }> {
  const id = uid('dash').toLowerCase();
  const res = await stack.api('POST', '/api/workspaces', { id, name: `Shop ${id}` });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const key = res.body.admin_key.key as string;
  return { id, key, auth: { authorization: `Bearer ${key}` } };
}

const shot = (page: Page, name: string) => page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: true });

describe('the dashboard', () => {
  it('serves its page, modules and vendor files with their types, caching and a content security policy', async () => {
    const index = await fetch(`${server.url}/app/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toMatch(/script-src 'self' 'sha256-/);
    const etag = index.headers.get('etag')!;
    expect((await fetch(`${server.url}/app/`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const preact = await fetch(`${server.url}/app/vendor/preact.mjs`);
    expect([preact.status, preact.headers.get('content-type'), preact.headers.get('cache-control')]).toEqual([
      200,
      'text/javascript; charset=utf-8',
      'public, max-age=86400',
    ]);
    expect((await fetch(`${server.url}/app/main.js`)).headers.get('cache-control')).toBe('no-cache');
    expect((await fetch(`${server.url}/app/vendor/nope.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/app/..%2F..%2Fpackage.json`)).status).toBe(404);
    // The data is not public: the API still wants a key.
    expect((await fetch(`${server.url}/api/me`)).status).toBe(401);
  });

  it('refuses a wrong key at sign-in, next to the key field', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${server.url}/app/`);
    await page.getByLabel('API key').fill('tp_not_a_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const error = page.locator('.field-error[data-field="authorization"]');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/unknown or revoked/);
    await shot(page, 'sign-in');
    await context.close();
  });

  it('creates a campaign for a tag, shows its audience, triggers it and watches it reach done; then its funnel and records', async () => {
    const { tag, ids } = await seedAudience(stack.database.db, 3);
    const page = await signedIn();
    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    await page.getByRole('link', { name: 'New campaign' }).click();
    const name = uid('Spring sale');
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('Target tags').fill(tag);
    await page.getByText('3 customers would receive it now').waitFor();
    await page.getByLabel('Subject').fill('Spring for {{ customer.name }}');
    // The API's refusal shows beside the field it names: a part that does not parse.
    await page.getByLabel('Text').fill('Hi {{ customer.name ');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.locator('.field-error[data-field^="content"]').waitFor();
    await shot(page, 'campaign-new');
    await page.getByLabel('Text').fill('Hi {{ customer.name }}');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByRole('heading', { name }).waitFor();

    // The preview starts with one of the audience, and renders for whoever is chosen.
    const previewFor = page.getByLabel('Preview for customer (id)');
    await waitFor(async () => (await previewFor.inputValue()) === ids[0], 'the suggested customer');
    await previewFor.fill(ids[1]!);
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.getByTestId('preview').getByText('Spring for Customer 1').waitFor();
    await previewFor.fill('nobody-at-all');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.locator('.field-error[data-field="customer_id"]').waitFor();
    await previewFor.fill(ids[0]!);
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.getByTestId('preview').getByText('Hi Customer 0').waitFor();
    await shot(page, 'campaign-preview');

    await page.getByRole('button', { name: 'Trigger' }).click();
    await page.getByTestId('progress-state').filter({ hasText: 'completed' }).waitFor({ timeout: 60_000 });
    expect(await page.locator('progress').first().getAttribute('value')).toBe('1');
    await page.getByText('3 of 3 processed').waitFor();
    // Every customer got the mail.
    await waitFor(
      () => ids.every((id) => stack.mail.list().some((m) => m.to.includes(`${tag}-${ids.indexOf(id)}@example.com`))),
      'the mail',
    );
    await page.getByRole('heading', { name: 'Funnel' }).waitFor();
    const rows = page.getByTestId('records').locator('tbody tr');
    await waitFor(async () => (await rows.count()) === 3, 'three records');
    // Filtered by status: none failed.
    await page.getByLabel('Record status').selectOption('failed');
    await page.getByText('No records.').waitFor();
    await page.getByLabel('Record status').selectOption('');
    await waitFor(async () => (await rows.count()) === 3, 'three records again');
    await shot(page, 'campaign');

    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    await page.getByLabel('Name contains').fill(name);
    await page.getByRole('link', { name }).waitFor();
    await shot(page, 'campaigns');

    // The customer's timeline shows the touch.
    await page.goto(`${server.url}/app/#/customers/${encodeURIComponent(ids[0]!)}`);
    await page.getByTestId('timeline').getByText('Spring for Customer 0').waitFor();
    await shot(page, 'customer');
    await page.getByRole('link', { name: 'Customers', exact: true }).click();
    await page.getByLabel('Search by id, email or name').fill(tag);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: ids[2]! }).waitFor();
    await shot(page, 'customers');

    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { name: 'Messages per day by channel' }).waitFor();
    await shot(page, 'overview');
    await page.context().close();
  });

  it('pauses, resumes and cancels a running campaign from its page', async () => {
    const { tag } = await seedAudience(stack.database.db, 12);
    // One message a second in batches of 5: running long enough to be paused between batches.
    const created = await stack.api('POST', '/api/marketing/campaigns', {
      name: uid('Slow'),
      type: 'email',
      target_tags: [tag],
      content: 'Hi {{ customer.name }}',
      rate_limit: 1,
    });
    const page = await signedIn();
    await page.goto(`${server.url}/app/#/campaigns/${created.body.id}`);
    await page.getByRole('button', { name: 'Trigger' }).click();
    const state = page.getByTestId('progress-state');
    await state.filter({ hasText: 'running' }).waitFor();
    await page.getByRole('button', { name: 'Pause' }).click();
    await state.filter({ hasText: 'paused' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Resume' }).click();
    await state.filter({ hasText: 'running' }).waitFor();
    await page.getByRole('button', { name: 'Cancel campaign' }).click();
    await state.filter({ hasText: 'cancelled' }).waitFor({ timeout: 30_000 });
    const done = (await stack.api('GET', `/api/marketing/campaigns/${created.body.id}/status`)).body;
    expect(done.status).toBe('cancelled');
    expect(done.execution.processed).toBeLessThan(12);
    await page.getByRole('button', { name: 'Archive' }).click();
    await page.locator('.badge-archived').waitFor();
    await page.context().close();
  });

  it('simulates a draft: its own progress to done, simulated records, no mail, the campaign still a draft', async () => {
    const { tag, emails } = await seedAudience(stack.database.db, 2);
    const created = await stack.api('POST', '/api/marketing/campaigns', {
      name: uid('Dry run'),
      type: 'email',
      target_tags: [tag],
      content: 'Hi',
    });
    const page = await signedIn();
    await page.goto(`${server.url}/app/#/campaigns/${created.body.id}`);
    await page.getByRole('button', { name: 'Simulate' }).click();
    await page.getByRole('heading', { name: /^Simulation · completed$/ }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Record status').selectOption('simulated');
    await waitFor(
      async () => (await page.getByTestId('records').locator('tbody tr', { hasText: tag }).count()) === 2,
      'two simulated records',
    );
    expect(stack.mail.list().some((m) => m.to.some((to) => emails.includes(to)))).toBe(false);
    expect((await stack.api('GET', `/api/marketing/campaigns/${created.body.id}`)).body.status).toBe('draft');
    await page.context().close();
  });

  it('is used by keyboard alone: sign-in, the skip link and the navigation', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${server.url}/app/`);
    await page.keyboard.press('Tab');
    await page.keyboard.type(stack.key);
    await page.keyboard.press('Enter');
    await page.getByRole('navigation', { name: 'Sections' }).waitFor();
    await page.keyboard.press('Tab');
    expect(
      await page.evaluate(
        () => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent,
      ),
    ).toBe('Skip to content');
    await page.getByRole('link', { name: 'Campaigns', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Campaigns', exact: true }).waitFor();
    await context.close();
  });

  it('erases a customer after a confirmation', async () => {
    const { ids } = await seedAudience(stack.database.db, 1);
    const page = await signedIn();
    await page.goto(`${server.url}/app/#/customers/${encodeURIComponent(ids[0]!)}`);
    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.accept();
    });
    await page.getByRole('button', { name: 'Erase customer' }).click();
    await page.getByRole('heading', { name: 'Customers' }).waitFor();
    expect(asked).toContain(ids[0]);
    expect((await stack.api('GET', `/api/customers/${encodeURIComponent(ids[0]!)}`)).status).toBe(410);
    await page.context().close();
  });

  it('activates a flow, lists the run it starts with its step done and next wake-up, and deactivates it', async () => {
    // A trigger of this test's own: other files share the database and send events of common types.
    const trigger = uid('dashboard_trial').replace('-', '_');
    const created = await stack.api('POST', '/api/flows', {
      name: uid('Onboarding'),
      trigger_event: trigger,
      actions: [
        { type: 'send_email', template: { subject: 'Welcome aboard', html: '<p>Hi</p>', text: 'Hi {{ customer.name }}' } },
        { type: 'send_email', delay_days: 3, template: { subject: 'Three days in', html: '<p>Hi</p>', text: 'Hi again' } },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const flow = created.body.flow;
    const page = await signedIn();
    await page.getByRole('link', { name: 'Journeys and flows' }).click();
    const row = page.locator(`tr[data-flow="${flow.id}"]`);
    await row.getByTestId('flow-state').filter({ hasText: 'Inactive' }).waitFor();
    await row.getByRole('button', { name: 'Activate' }).click();
    await row
      .getByTestId('flow-state')
      .filter({ hasText: /^Active$/ })
      .waitFor();
    expect((await stack.api('GET', `/api/flows/${flow.id}`)).body.flow.active).toBe(true);

    const { ids, emails } = await seedAudience(stack.database.db, 1);
    const sent = await stack.api('POST', '/api/events', { id: uid('evt'), type: trigger, customerId: ids[0] });
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    await waitFor(() => stack.mail.list().some((m) => m.subject === 'Welcome aboard' && m.to.includes(emails[0]!)), 'the first mail');
    await row.getByRole('button', { name: 'Runs' }).click();
    const runs = page.getByRole('region', { name: 'Runs', exact: true });
    await runs.getByRole('link', { name: ids[0]! }).waitFor();
    // The run waits three days for its second step.
    await waitFor(
      async () => (await runs.locator('tbody tr', { hasText: ids[0]! }).textContent())?.includes('1-send_email'),
      'the current step',
    );
    // Counted per step by Temporal's visibility, a moment behind: the panel looks again until it shows.
    await runs.getByTestId('running-per-step').filter({ hasText: 'Running now: 1 · 0-send_email: 0 · 1-send_email: 1' }).waitFor();
    await runs.getByRole('button', { name: 'RUNNING' }).click();
    const run = page.getByRole('region', { name: 'Run', exact: true });
    await run.getByText('0-send_email').waitFor();
    const workflowId = flowWorkflowId(flow.id, ids[0]!);
    expect(await run.getByRole('link', { name: 'Open in the Temporal UI' }).getAttribute('href')).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:8233/namespaces/default/workflows/${encodeURIComponent(workflowId)}/[0-9a-f-]+/history$`),
    );
    await shot(page, 'journeys');

    await row.getByRole('button', { name: 'Deactivate' }).click();
    await row.getByTestId('flow-state').filter({ hasText: 'Inactive' }).waitFor();
    expect((await stack.api('GET', `/api/flows/${flow.id}`)).body.flow.active).toBe(false);
    const cancelled = await stack.api('POST', `/api/journeys/runs/${encodeURIComponent(flowWorkflowId(flow.id, ids[0]!))}/cancel`);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(202);
    await page.context().close();
  });

  it("reads an experiment's results: rates, intervals, lift and p-values", async () => {
    const { tag } = await seedAudience(stack.database.db, 40);
    const campaign = await stack.api('POST', '/api/marketing/campaigns', {
      name: uid('ab'),
      type: 'email',
      target_tags: [tag],
      content: { subject: 'Original', text: 'Hello' },
    });
    const exp = await stack.api('POST', '/api/experiments', {
      name: uid('subject_test'),
      campaign_id: campaign.body.id,
      variants: [
        { key: 'A', subject: 'Subject A' },
        { key: 'B', subject: 'Subject B' },
      ],
      goal: 'open_rate',
    });
    expect(exp.status, JSON.stringify(exp.body)).toBe(201);
    const trig = await stack.api('POST', `/api/marketing/campaigns/${campaign.body.id}/trigger`, { execution_type: 'actual' });
    await stack.client.workflow.getHandle(campaignWorkflowId(campaign.body.id, trig.body.execution_id)).result();
    // Opens: every B, no A.
    await stack.database.db
      .update(messages)
      .set({ openedAt: sql`now()`, openCount: 1 })
      .where(and(eq(messages.experimentId, exp.body.id), inArray(messages.variant, ['B'])));

    const page = await signedIn();
    await page.getByRole('link', { name: 'Experiments' }).click();
    await page.getByRole('link', { name: exp.body.name }).click();
    const arms = page.getByTestId('arms');
    await arms.getByRole('rowheader', { name: 'B' }).waitFor();
    expect(await arms.locator('tbody tr').nth(0).textContent()).toContain('0%');
    expect(await arms.locator('tbody tr').nth(1).textContent()).toContain('100%');
    await page.getByRole('img', { name: /A: 0% .*B: 100%/ }).waitFor();
    await shot(page, 'experiment');
    await page.context().close();
  });

  it('shows the RFM groups and a dynamic segment with its rules and count, and refreshes it', async () => {
    const { tag } = await seedAudience(stack.database.db, 2);
    const segment = await stack.api('POST', '/api/segments', { name: uid('Tagged'), rules: { has_tag: tag } });
    expect(segment.status, JSON.stringify(segment.body)).toBe(201);
    const page = await signedIn();
    await page.getByRole('link', { name: 'Segments' }).click();
    // The six groups, each named in the chart's label.
    await page
      .getByRole('img', { name: /VIP \d+, loyal \d+, potential \d+, regular \d+, churn risk \d+, new \d+/ })
      .waitFor({ timeout: 60_000 });
    const row = page.getByTestId('segments').locator('tr', { hasText: segment.body.name });
    await row.getByText(tag).waitFor();
    expect(await row.locator('td').nth(2).textContent()).toBe('2');
    // A third customer with the tag: counted after a refresh from the page.
    await seedAudience(stack.database.db, 1, () => ({ tags: [tag] }));
    await row.getByRole('button', { name: 'Refresh now' }).click();
    await waitFor(async () => (await row.locator('td').nth(2).textContent()) === '3', 'the refreshed count');
    await shot(page, 'segments');
    await page.context().close();
  });

  it('shows how many customers carry each tag, manual and computed, in a workspace of its own; counted again after a refresh', async () => {
    const ws = await newWorkspace();
    const tag = uid('会员');
    const addCustomer = async () => {
      const id = uid('tagged');
      const put = await stack.api('PUT', `/api/customers/${id}`, { email: `${id}@example.com`, tags: [tag] }, ws.auth);
      expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
    };
    for (let i = 0; i < 3; i++) await addCustomer();
    const page = await signedIn(ws.key);
    await page.getByRole('link', { name: 'Segments' }).click();
    // The chart reads its numbers: the manual tag, and the computed "active" of customers who signed up just now.
    const chart = (n: number) => page.getByRole('img', { name: new RegExp(`^Tag distribution: .*${tag} \\(manual\\) ${n}`) });
    await chart(3).waitFor({ timeout: 60_000 });
    await page.getByRole('img', { name: /^Tag distribution: .*active \(behaviour\) 3/ }).waitFor();
    await page.getByText('Customers per tag, the 2 most carried of 2 tags').waitFor();
    // Only the computed tags: the kind filter asks the API for them.
    await page.getByLabel('Kind').selectOption('behaviour');
    await page.getByRole('img', { name: /^Tag distribution: active \(behaviour\) 3$/ }).waitFor();
    await page.getByLabel('Kind').selectOption('');
    await chart(3).waitFor();
    // A fourth customer: the manual count follows at once, the computed one after a refresh from the page.
    await addCustomer();
    await page.getByRole('button', { name: 'Refresh now' }).first().click();
    await chart(4).waitFor();
    await page.getByRole('img', { name: /^Tag distribution: .*active \(behaviour\) 4/ }).waitFor();
    await shot(page, 'tag-distribution');
    await page.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('heading', { name: '标签分布' }).waitFor();
    await page
      .getByRole('img', {
        name: new RegExp(
          `^标签分布: .*活跃 \\(行为标签\\) 4.*${tag} \\(手动标签\\) 4|^标签分布: .*${tag} \\(手动标签\\) 4.*活跃 \\(行为标签\\) 4`,
        ),
      })
      .waitFor();
    await page.context().close();
  });

  it('switches a journey off and on in a workspace of its own, each switch a new version read back from the API', async () => {
    // Not the default workspace's journeys: other test files share the database and run them.
    const ws = await newWorkspace();
    const current = async () => (await stack.api('GET', '/api/journeys/cart_recovery', undefined, ws.auth)).body.journey;
    const before = await current();
    const page = await signedIn(ws.key);
    await page.getByRole('link', { name: 'Journeys and flows' }).click();
    const row = page.locator('tr[data-journey="cart_recovery"]');
    const state = row.getByTestId('journey-state');
    if (!before.enabled) {
      await row.getByRole('button', { name: 'Turn on: Cart recovery' }).click();
      await state.filter({ hasText: /^On$/ }).waitFor();
    }
    const on = await current();
    await row.getByRole('button', { name: 'Turn off: Cart recovery' }).click();
    await state.filter({ hasText: /^Off$/ }).waitFor();
    expect(await current()).toMatchObject({ key: 'cart_recovery', version: on.version + 1, enabled: false, steps: on.steps });
    await row
      .getByTestId('journey-version')
      .filter({ hasText: new RegExp(`^${on.version + 1} · `) })
      .waitFor();
    await row.getByRole('button', { name: 'Turn on: Cart recovery' }).click();
    await state.filter({ hasText: /^On$/ }).waitFor();
    expect(await current()).toMatchObject({ version: on.version + 2, enabled: true, steps: on.steps });
    await row
      .getByTestId('journey-version')
      .filter({ hasText: new RegExp(`^${on.version + 2} · `) })
      .waitFor();
    await page.context().close();
  });

  it('starts an A/B test of a draft campaign from its page: an error under the field it names, then the experiment listed with its variants', async () => {
    const { tag } = await seedAudience(stack.database.db, 2);
    const campaign = await stack.api('POST', '/api/marketing/campaigns', {
      name: uid('Draft to test'),
      type: 'email',
      target_tags: [tag],
      content: { subject: 'Original', text: 'Hello' },
    });
    expect(campaign.status, JSON.stringify(campaign.body)).toBe(201);
    const page = await signedIn();
    await page.goto(`${server.url}/app/#/campaigns/${campaign.body.id}`);
    await page.getByRole('link', { name: 'A/B test' }).click();
    await page.getByRole('heading', { name: 'New experiment' }).waitFor();
    await waitFor(async () => (await page.getByLabel('Draft campaign').inputValue()) === campaign.body.id, 'the campaign chosen');
    const name = uid('subject_test');
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('Goal').selectOption('click_rate');
    await page.getByLabel('Subject (A)').fill('Spring is here');
    await page.getByLabel('Subject (B)').fill('Frühling ist da, {{ customer.name }}');
    await page.getByLabel('Send at (local time) (B)').fill('25:00');
    await page.getByRole('button', { name: 'Add variant' }).click();
    await page.getByLabel('Subject (C)').fill('春天来了');
    await page.getByRole('button', { name: 'Start experiment' }).click();
    // The API's refusal, under the send time of B.
    const error = page.locator('.field-error[data-field="variants[1].send_at.local_time"]');
    await error.waitFor();
    expect(await page.getByLabel('Send at (local time) (B)').getAttribute('aria-invalid')).toBe('true');
    await shot(page, 'experiment-new');
    await page.getByLabel('Send at (local time) (B)').fill('20:00');
    await page.getByRole('button', { name: 'Start experiment' }).click();
    const listed = page.getByTestId('experiments').locator('tr', { hasText: name });
    await listed.waitFor();
    for (const text of ['A · Spring is here', 'B · Frühling ist da, {{ customer.name }} · at 20:00 local time', 'C · 春天来了'])
      await listed.getByRole('listitem').filter({ hasText: text }).waitFor();
    const created = (await stack.api('GET', `/api/experiments/${encodeURIComponent(name)}`)).body;
    expect(created).toMatchObject({
      status: 'running',
      goal: 'click_rate',
      target: { type: 'campaign', campaign_id: campaign.body.id },
      variants: [
        { key: 'A', subject: 'Spring is here', send_at: null },
        { key: 'B', subject: 'Frühling ist da, {{ customer.name }}', send_at: { local_time: '20:00' } },
        { key: 'C', subject: '春天来了', send_at: null },
      ],
    });
    await page.context().close();
  });

  it('switches to Chinese, and starts in Chinese for a Chinese browser', async () => {
    const page = await signedIn();
    await page.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('link', { name: '营销活动' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await page.getByRole('link', { name: '营销活动' }).click();
    await page.getByRole('heading', { name: '营销活动' }).waitFor();
    await page.getByRole('link', { name: '新建活动' }).click();
    await page.getByLabel('目标标签').fill('没有人');
    await page.getByText('当前将有 0 位客户收到').waitFor();
    await page.getByRole('link', { name: '营销活动' }).click();
    // Only where a CJK font is installed (fonts-noto-cjk): else every glyph is the same empty box.
    if (await hasCjkFont(page)) await shot(page, 'campaigns-zh');
    await page.context().close();

    const zh = await signedIn(stack.key, 'zh-CN');
    await zh.getByRole('link', { name: '总览' }).waitFor();
    await zh.context().close();
  });

  it('offers a read-only key no trigger button, and the API refuses the trigger it forces (403)', async () => {
    const { tag } = await seedAudience(stack.database.db, 1);
    const created = await stack.api('POST', '/api/marketing/campaigns', {
      name: uid('ro'),
      type: 'email',
      target_tags: [tag],
      content: 'Hi',
    });
    const readOnly = (await stack.authAs('reader', ['read'])).authorization.replace('Bearer ', '');
    const page = await signedIn(readOnly);
    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    expect(await page.getByRole('link', { name: 'New campaign' }).count()).toBe(0);
    await page.getByRole('link', { name: created.body.name }).click();
    await page.getByRole('heading', { name: created.body.name }).waitFor();
    expect(await page.getByRole('button', { name: 'Trigger' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Simulate' }).count()).toBe(0);
    // As the page's own script would: the key from the tab's session storage, to the same route.
    const forced = await page.evaluate(async (id) => {
      const key = (globalThis as unknown as { sessionStorage: { getItem(k: string): string } }).sessionStorage.getItem('touchpoint.key');
      const res = await fetch(`/api/marketing/campaigns/${id}/trigger`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ execution_type: 'actual' }),
      });
      return { status: res.status, body: await res.json() };
    }, created.body.id);
    expect(forced).toMatchObject({ status: 403, body: { error: { code: 'forbidden' }, scope: 'marketing:write' } });
    expect((await stack.api('GET', `/api/marketing/campaigns/${created.body.id}`)).body.status).toBe('draft');
    await page.context().close();
  });
});
