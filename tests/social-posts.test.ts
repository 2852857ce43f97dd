// Social posts through the real stack: a post scheduled through the API waits in its own Temporal run
// (time skipped) and is published once, at its time, to the workspace's social provider — a real HTTP
// server checking the signature; cancelled before its time, it is never published; a provider that is down
// is retried, one that refuses it records it failed; a post whose publisher died mid-request is uncertain.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socialPosts } from '../src/db/schema.js';
import { socialPostWorkflowId } from '../src/temporal/workflow-ids.js';
import { createSocialActivities } from '../src/social/social.activities.js';
import { type ProviderServer, startProvider } from './helpers/http-provider.js';
import { type Stack, startStack } from './helpers/stack.js';

const SECRET = 'social-provider-secret-0123456789';
const DAY = 86_400_000;
let stack: Stack;
let provider: ProviderServer;

beforeAll(async () => {
  // Its own database: the default workspace's settings change.
  stack = await startStack({ timeSkipping: true, isolatedDatabase: true });
  provider = await startProvider({ secret: SECRET });
});
afterAll(async () => {
  await stack?.close();
  await provider?.close();
});

const withProvider = () => stack.api('PUT', '/api/settings', { providers: { social: { url: `${provider.url}/social`, secret: SECRET } } });
/** Awaited through the time-skipping client: the test server jumps to the run's timer. */
const outcome = (postId: string) => stack.env.client.workflow.getHandle(socialPostWorkflowId(postId)).result();
const requestsFor = (postId: string) => provider.requests.filter((r) => r.body?.post_id === postId);

describe('social posts', () => {
  it('refuses a post while the workspace has no social provider, and bad input naming the field', async () => {
    expect(await stack.api('POST', '/api/social/posts', { account: 'weibo:@shop', text: 'hi' })).toMatchObject({
      status: 409,
      body: { error: { code: 'no_social_provider' } },
    });
    expect((await stack.database.db.select().from(socialPosts)).length).toBe(0);
    expect((await withProvider()).status).toBe(200);
    const post = (body: unknown) => stack.api('POST', '/api/social/posts', body);
    expect(await post({ account: 'weibo:@shop' })).toMatchObject({ status: 422, body: { error: { field: 'text' } } });
    expect(await post({ account: 'weibo:@shop', text: 'x', scheduled_at: 'tomorrow' })).toMatchObject({
      status: 422,
      body: { error: { field: 'scheduled_at' } },
    });
    expect(await post({ account: 'weibo:@shop', text: 'x', media_urls: ['ftp://cdn.example/a.png'] })).toMatchObject({
      status: 422,
      body: { error: { field: 'media_urls[0]' } },
    });
    expect(await post({ account: 'weibo:@shop', text: 'x', extra: true })).toMatchObject({ status: 422 });
    expect(await stack.api('GET', '/api/social/posts/not-a-post')).toMatchObject({
      status: 404,
      body: { error: { code: 'social_post_not_found' } },
    });
    expect(await stack.api('GET', '/api/social/posts?status=gone')).toMatchObject({ status: 400, body: { error: { field: 'status' } } });
  });

  it('publishes a scheduled post once, at its time, signed, with its Unicode text intact', async () => {
    expect((await withProvider()).status).toBe(200);
    const at = (await stack.env.currentTimeMs()) + 2 * DAY;
    const created = await stack.api('POST', '/api/social/posts', {
      account: 'weibo:@shop',
      text: '双十一狂欢，全场五折！🎉',
      media_urls: ['https://cdn.example/1111.png'],
      link: 'https://shop.example/1111',
      scheduled_at: new Date(at).toISOString(),
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ status: 'scheduled', scheduled_at: new Date(at).toISOString() });

    await stack.env.sleep(DAY);
    expect(requestsFor(id)).toHaveLength(0);
    expect(await outcome(id)).toBe('published');
    expect(await stack.env.currentTimeMs()).toBeGreaterThanOrEqual(at);

    const [request, ...more] = requestsFor(id);
    expect(more).toHaveLength(0);
    expect(request).toMatchObject({ path: '/social', verified: true, status: 200 });
    expect(request!.headers['idempotency-key']).toBe(`social/${id}`);
    expect(request!.body).toEqual({
      post_id: id,
      account: 'weibo:@shop',
      text: '双十一狂欢，全场五折！🎉',
      media_urls: ['https://cdn.example/1111.png'],
      link: 'https://shop.example/1111',
    });
    const read = await stack.api('GET', `/api/social/posts/${id}`);
    expect(read.body).toMatchObject({ status: 'published', provider_post_id: expect.stringMatching(/^prov-/), error: null });
    expect(read.body.published_at).not.toBeNull();
    const listed = await stack.api('GET', '/api/social/posts?status=published&account=weibo:@shop');
    expect(listed.body.posts.map((p: { id: string }) => p.id)).toContain(id);

    // Published: no longer cancellable.
    expect(await stack.api('POST', `/api/social/posts/${id}/cancel`)).toMatchObject({
      status: 409,
      body: { error: { code: 'not_cancellable' } },
    });
  });

  it('never publishes a post cancelled before its time', async () => {
    expect((await withProvider()).status).toBe(200);
    const at = (await stack.env.currentTimeMs()) + DAY;
    const created = await stack.api('POST', '/api/social/posts', {
      account: 'wechat_official:shop',
      text: '中秋快乐',
      scheduled_at: new Date(at).toISOString(),
    });
    const id = created.body.id as string;
    expect(await stack.api('POST', `/api/social/posts/${id}/cancel`)).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    expect(await stack.api('POST', `/api/social/posts/${id}/cancel`)).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    expect(await outcome(id)).toBe('cancelled');
    expect(requestsFor(id)).toHaveLength(0);
  });

  it('retries a provider that is down and records one that refuses the post as failed', async () => {
    expect((await withProvider()).status).toBe(200);
    provider.script('/social', [503, 500]);
    const retried = await stack.api('POST', '/api/social/posts', { account: 'weibo:@shop', text: 'retried' });
    expect(retried.status).toBe(201);
    expect(await outcome(retried.body.id)).toBe('published');
    expect(requestsFor(retried.body.id).map((r) => r.status)).toEqual([503, 500, 200]);

    provider.script('/social', [{ status: 400, body: '{"error":"text too long for this account"}' }]);
    const refused = await stack.api('POST', '/api/social/posts', { account: 'weibo:@shop', text: 'refused' });
    expect(await outcome(refused.body.id)).toBe('failed');
    expect(requestsFor(refused.body.id)).toHaveLength(1);
    const read = await stack.api('GET', `/api/social/posts/${refused.body.id}`);
    expect(read.body).toMatchObject({
      status: 'failed',
      error: 'social provider answered 400: {"error":"text too long for this account"}',
    });
  });

  it('records a post whose publishing attempt died after its request as uncertain, and never posts it again', async () => {
    const [left] = await stack.database.db
      .insert(socialPosts)
      .values({
        account: 'weibo:@shop',
        text: 'half-sent',
        scheduledAt: new Date(),
        status: 'publishing',
        claimToken: 'the-dead-attempt',
        publishingAt: new Date(),
      })
      .returning();
    const { publishSocialPost } = createSocialActivities({ db: stack.database.db });
    expect(await publishSocialPost({ postId: left!.id })).toBe('uncertain');
    expect(await publishSocialPost({ postId: left!.id })).toBe('uncertain');
    expect(requestsFor(left!.id)).toHaveLength(0);
    const [row] = await stack.database.db.select().from(socialPosts).where(eq(socialPosts.id, left!.id));
    expect(row).toMatchObject({ status: 'uncertain', error: 'the attempt publishing it stopped before recording the answer' });
  });
});
