// Tracking and one-click unsubscribe through the real stack: emails sent by journeys, flows and campaigns
// arrive at a real SMTP server; their pixel, click and unsubscribe URLs are followed through the API against
// the run's PostgreSQL. Forged, truncated, altered and misdirected tokens answer 404 and change nothing.
import type { WorkflowHandle } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignWorkflowId, welcomeWorkflowId } from '../src/temporal/workflow-ids.js';
import { customers, messages } from '../src/db/schema.js';
import type { CapturedMail } from '../src/dev/mail-capture.js';
import { signToken } from '../src/domain/tracking-token.js';
import { type JourneyResult, statusQuery } from '../src/steps/steps.js';
import { type Stack, startStack, TEST_TRACKING, uid } from './helpers/stack.js';
import { endRun } from './helpers/end-run.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  // Its own database: the file activates a flow.
  stack = await startStack({ timeSkipping: true, isolatedDatabase: true });
});
afterAll(async () => {
  await stack?.close();
});

const base = TEST_TRACKING.baseUrl;
const request = (path: string, init?: RequestInit) => stack.app.request(path, init);
const onePost = (path: string) =>
  request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });

/** The path of a URL the mail carries, checked to point at this API. */
function pathOf(url: string): string {
  expect(url.startsWith(`${base}/`), url).toBe(true);
  return url.slice(base.length);
}
const pixelPath = (mail: CapturedMail) => pathOf(mail.html.match(/<img src="([^"]+\/t\/o\/[^"]+)"/)![1]!);
const clickPaths = (mail: CapturedMail) => [...mail.html.matchAll(/href="([^"]+\/t\/c\/[^"]+)"/g)].map((m) => pathOf(m[1]!));
const unsubscribePath = (mail: CapturedMail) => pathOf(mail.headers['list-unsubscribe']!.replace(/\s+/g, '').match(/^<([^>]+)>$/)![1]!);
const tokenOf = (path: string) => path.split('/').at(-1)!;

const row = async (messageId: string) => (await stack.database.db.select().from(messages).where(eq(messages.id, messageId)))[0]!;
const consentOf = async (id: string) => (await stack.database.db.select().from(customers).where(eq(customers.id, id)))[0]!.consent;
const rowOf = async (customerId: string) => {
  const rows = await stack.database.db.select().from(messages).where(eq(messages.customerId, customerId));
  expect(rows).toHaveLength(1);
  return rows[0]!;
};

/** Variants of a valid token that must all be refused. */
function tampered(token: string): string[] {
  const [payload, mac] = token.split('.') as [string, string];
  const flip = (s: string, i: number) => `${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
  return [
    token.slice(0, -1), // truncated MAC
    token.slice(0, token.length - mac.length - 1), // no MAC
    token.slice(1), // truncated payload
    `${flip(payload, 5)}.${mac}`, // altered payload
    `${payload}.${flip(mac, 3)}`, // altered MAC
    `${token}x`,
    'not-a-token',
  ];
}

async function signUp() {
  const id = uid('cust');
  const email = `${id}@example.com`;
  expect((await stack.api('PUT', `/api/customers/${id}`, { email, name: 'Ada Lovelace' })).status).toBe(201);
  expect((await stack.api('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId: id })).status).toBe(202);
  const mail = await stack.mail.waitFor((m) => m.to.includes(email));
  return { id, email, mail, handle: stack.client.workflow.getHandle(welcomeWorkflowId(id)) };
}

const waitForGuide = (handle: WorkflowHandle) =>
  waitFor(async () => {
    const s = await handle.query(statusQuery);
    return s.currentStep === 'guide' && s.nextWakeUp ? s : null;
  }, 'the journey to wait for the guide');

/** A flow whose email has two links (one with a query string, escaped by Liquid) for a customer of its own. */
async function flowMail() {
  const trigger = `promo_${uid('t').replace(/-/g, '_')}`;
  const created = await stack.api('POST', '/api/flows', {
    name: uid('Promo'),
    trigger_event: trigger,
    actions: [
      {
        type: 'send_email',
        template: {
          subject: 'Our picks',
          html:
            '<p><a href="https://shop.example.com/p/{{ customer.id }}?ref={{ "mail&promo" }}">Your pick</a> ' +
            '<a href="mailto:help@example.com">help</a> <a href=\'https://example.org/sale\'>Sale</a></p>',
          text: 'Our picks',
        },
      },
    ],
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect((await stack.api('POST', `/api/flows/${created.body.flow.id}/activate`)).status).toBe(200);
  const send = async () => {
    const id = uid('cust');
    const email = `${id}@example.com`;
    expect((await stack.api('PUT', `/api/customers/${id}`, { email })).status).toBe(201);
    expect((await stack.api('POST', '/api/events', { id: uid('evt'), type: trigger, customerId: id })).status).toBe(202);
    const mail = await stack.mail.waitFor((m) => m.to.includes(email));
    // The row is marked sent just after the SMTP server accepted the mail.
    const message = await waitFor(async () => {
      const r = await rowOf(id);
      return r.status === 'sent' ? r : null;
    }, 'the message row to be sent');
    return { id, mail, message };
  };
  return { send };
}

describe('the open pixel', () => {
  it('sets opened_at on the first open and counts the later ones; bad tokens change nothing', async () => {
    const { id, mail, handle } = await signUp();
    const path = pixelPath(mail);
    const message = await waitFor(async () => {
      const r = await rowOf(id);
      return r.status === 'sent' ? r : null;
    }, 'the welcome row');
    expect(message.openedAt).toBeNull();
    expect(message.bodyHtml).toContain(path);

    for (const bad of tampered(tokenOf(path))) {
      const res = await request(`/t/o/${bad}`);
      expect([bad, res.status]).toEqual([bad, 404]);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_token');
    }
    // Signed with another key, or a token of another kind for the same message.
    const forged = signToken('forged-secret-0123456789abcdef0123456', { kind: 'o', messageId: message.id });
    const unsubscribeToken = tokenOf(unsubscribePath(mail));
    for (const bad of [forged, unsubscribeToken]) expect((await request(`/t/o/${bad}`)).status).toBe(404);
    expect(await row(message.id)).toMatchObject({ openedAt: null, openCount: 0 });

    const first = await request(path);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/gif');
    expect(first.headers.get('cache-control')).toContain('no-store');
    expect(new Uint8Array(await first.arrayBuffer()).subarray(0, 6)).toEqual(new Uint8Array(Buffer.from('GIF89a')));
    const opened = await row(message.id);
    expect(opened.openedAt).toBeInstanceOf(Date);
    expect(opened.openCount).toBe(1);

    // Replayed: counted, the first open kept.
    expect((await request(path)).status).toBe(200);
    expect((await request(path)).status).toBe(200);
    expect(await row(message.id)).toMatchObject({ openedAt: opened.openedAt, openCount: 3, clickedAt: null, clickCount: 0 });
    await endRun(handle);
  });
});

describe('the click redirect', () => {
  it('redirects to the link at that position of that message only, counting clicks', async () => {
    const flow = await flowMail();
    const a = await flow.send();
    const b = await flow.send();
    const clicks = clickPaths(a.mail);
    expect(clicks).toHaveLength(2);
    // mailto: links are not rewritten; the stored targets are what the template rendered, unescaped.
    expect(a.mail.html).toContain('href="mailto:help@example.com"');
    expect(a.message.links).toEqual([`https://shop.example.com/p/${a.id}?ref=mail&promo`, 'https://example.org/sale']);
    expect(b.message.links![0]).toBe(`https://shop.example.com/p/${b.id}?ref=mail&promo`);

    const first = await request(clicks[0]!);
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe(a.message.links![0]);
    const clicked = await row(a.message.id);
    expect(clicked.clickedAt).toBeInstanceOf(Date);
    expect(clicked.clickCount).toBe(1);

    const second = await request(clicks[1]!);
    expect(second.headers.get('location')).toBe('https://example.org/sale');
    // Replayed: counted, the first click kept.
    expect((await request(clicks[0]!)).headers.get('location')).toBe(a.message.links![0]);
    expect(await row(a.message.id)).toMatchObject({ clickedAt: clicked.clickedAt, clickCount: 3 });
    expect(await row(b.message.id)).toMatchObject({ clickedAt: null, clickCount: 0 });
  });

  it('answers 404 to forged, truncated, altered and misdirected tokens, and changes nothing', async () => {
    const flow = await flowMail();
    const a = await flow.send();
    const b = await flow.send();
    const [clickA] = clickPaths(a.mail).map(tokenOf) as [string];
    const [clickB] = clickPaths(b.mail).map(tokenOf) as [string];
    const [payloadA, macA] = clickA.split('.') as [string, string];
    const payloadB = clickB.split('.')[0]!;

    const attempts = [
      ...tampered(clickA),
      // A's MAC under B's payload: would send A's click to B's link.
      `${payloadB}.${macA}`,
      // Link 5 of a message with 2 links (validly signed: the link is simply not there).
      signToken(TEST_TRACKING.secret, { kind: 'c', messageId: a.message.id, link: 5 }),
      // Validly signed for a message that does not exist.
      signToken(TEST_TRACKING.secret, { kind: 'c', messageId: '00000000-0000-4000-8000-000000000000', link: 0 }),
      // Another key; another kind (the pixel's token at the click route).
      signToken('forged-secret-0123456789abcdef0123456', { kind: 'c', messageId: a.message.id, link: 0 }),
      tokenOf(pixelPath(a.mail)),
      // An URL where the token should be.
      encodeURIComponent('https://evil.example.com/'),
      `${payloadA}.${encodeURIComponent('https://evil.example.com')}`,
    ];
    for (const bad of attempts) {
      const res = await request(`/t/c/${bad}`);
      expect([bad, res.status, res.headers.get('location')]).toEqual([bad, 404, null]);
    }
    // Open-redirect attempts around a valid token: the target is only ever the stored link.
    for (const path of [`/t/c/${clickA}?url=https://evil.example.com`, `/t/c/${clickA}?redirect=%2F%2Fevil.example.com`]) {
      const res = await request(path);
      expect([path, res.status, res.headers.get('location')]).toEqual([path, 302, a.message.links![0]]);
    }
    expect((await request(`/t/c/${clickA}/https://evil.example.com`)).status).toBe(404);

    expect(await row(a.message.id)).toMatchObject({ clickCount: 2, openCount: 0 });
    expect(await row(b.message.id)).toMatchObject({ clickedAt: null, clickCount: 0 });
  });

  it('tracks campaign emails too', async () => {
    const tag = uid('tag');
    const id = uid('cust');
    const email = `${id}@example.com`;
    expect((await stack.api('PUT', `/api/customers/${id}`, { email, tags: [tag] })).status).toBe(201);
    const created = await stack.api('POST', '/api/marketing/campaigns', {
      name: uid('campaign'),
      type: 'email',
      target_tags: [tag],
      content: {
        subject: 'Sale',
        html: '<p><a href="https://shop.example.com/sale">Shop the sale</a> <a href="{{ unsubscribe_url }}">Unsubscribe</a></p>',
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const trig = await stack.api('POST', `/api/marketing/campaigns/${created.body.id}/trigger`, { execution_type: 'actual' });
    expect(trig.status).toBe(202);
    await stack.client.workflow.getHandle(campaignWorkflowId(created.body.id, trig.body.execution_id)).result();

    const mail = await stack.mail.waitFor((m) => m.to.includes(email));
    const message = await rowOf(id);
    expect(message.links).toEqual(['https://shop.example.com/sale']);
    expect(mail.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    // {{ unsubscribe_url }} is the header's URL, left as it is (not a click redirect).
    expect(mail.html).toContain(`href="${base}${unsubscribePath(mail)}"`);
    const [click] = clickPaths(mail);
    expect((await request(click!)).headers.get('location')).toBe('https://shop.example.com/sale');
    expect((await request(pixelPath(mail))).status).toBe(200);
    expect(await row(message.id)).toMatchObject({ clickCount: 1, openCount: 1 });
    const perf = await stack.api('GET', `/api/ai-ops/customer/performance?campaign_id=${created.body.id}`);
    expect(perf.body).toMatchObject({ sent: 1, opened: 1, clicked: 1 });
  });
});

describe('one-click unsubscribe', () => {
  it('unsubscribes through the List-Unsubscribe URL of a received email and ends the journey', async () => {
    const { id, mail, handle } = await signUp();
    expect(mail.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    const path = unsubscribePath(mail);
    expect(path).toMatch(/^\/u\/[\w-]+\.[\w-]+$/);
    await waitForGuide(handle);
    const message = await rowOf(id);

    // Forged or altered tokens: 404 for the page and the POST, and the customer stays subscribed.
    for (const bad of [
      ...tampered(tokenOf(path)),
      signToken('forged-secret-0123456789abcdef0123456', { kind: 'u', messageId: message.id }),
    ]) {
      expect([bad, (await request(`/u/${bad}`)).status, (await onePost(`/u/${bad}`)).status]).toEqual([bad, 404, 404]);
    }
    // The pixel's token is not an unsubscribe token.
    expect((await onePost(`/u/${tokenOf(pixelPath(mail))}`)).status).toBe(404);

    // GET only asks (a link scanner following it unsubscribes nobody).
    const page = await request(path);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toMatch(/<form method="post" action="">/);
    expect(html).toContain('name="List-Unsubscribe" value="One-Click"');
    expect(await consentOf(id)).toEqual({});
    expect((await handle.query(statusQuery)).currentStep).toBe('guide');

    // The POST a mail provider makes (RFC 8058): no cookie, no script.
    const done = await onePost(path);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('You are unsubscribed');
    expect(await consentOf(id)).toEqual({ email: false });
    const result: JourneyResult = await handle.result();
    expect(result).toEqual({ outcome: 'exited', reason: 'unsubscribed', steps: [{ step: 'welcome', status: 'sent' }] });
    const unsubscribed = await row(message.id);
    expect(unsubscribed.unsubscribedAt).toBeInstanceOf(Date);

    // Replayed, and the page again: harmless.
    expect((await onePost(path)).status).toBe(200);
    expect(await (await request(path)).text()).toContain('You are unsubscribed');
    expect(await consentOf(id)).toEqual({ email: false });
    expect((await row(message.id)).unsubscribedAt).toEqual(unsubscribed.unsubscribedAt);
    const profile = await stack.api('GET', `/api/customers/${id}`);
    expect(profile.body.customer.consent.email).toBe(false);
    expect(profile.body.journeys).toEqual([]);
  });

  it('works without a body, as a plain form POST would without the hidden field', async () => {
    const { id, mail, handle } = await signUp();
    await waitForGuide(handle);
    const res = await request(unsubscribePath(mail), { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await consentOf(id)).toEqual({ email: false });
    expect(await handle.result()).toMatchObject({ outcome: 'exited', reason: 'unsubscribed' });
  });
});

describe('the OpenAPI document', () => {
  it('lists the tracking and unsubscribe routes', async () => {
    const { body } = await stack.api('GET', '/openapi.json');
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/t/o/{token}', '/t/c/{token}', '/u/{token}']));
    expect(Object.keys(body.paths['/u/{token}']).sort()).toEqual(['get', 'post']);
    expect(body.paths['/t/c/{token}'].get.responses).toHaveProperty('404');
  });
});
