import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { and, eq, sql } from 'drizzle-orm';
import { excerptOf, messageIdOf, retryAfterMs } from '../channels/provider.js';
import { createOutbound, type OutboundAnswer, OutboundRefused } from '../channels/outbound.js';
import { ownRows } from '../db/own-rows.js';
import { socialPosts } from '../db/schema.js';
import { currentWorkspace } from '../db/workspace.js';
import { signWebhook } from '../domain/webhook-signature.js';
import type { ActivityDeps } from '../worker/activities.js';
import { storedSettings } from '../workspaces/effective-settings.js';

/** What became of a post: its row's status after the attempt. */
export type PublishOutcome = 'published' | 'failed' | 'cancelled' | 'uncertain';

export function createSocialActivities({ db, outbound = createOutbound({ allowList: [] }) }: Pick<ActivityDeps, 'db' | 'outbound'>) {
  const where = (id: string) => and(ownRows(socialPosts), eq(socialPosts.id, id));
  /** The attempt's own row only: a write after the claim passed to nobody else. */
  const mine = (id: string, token: string) => and(where(id), eq(socialPosts.claimToken, token));

  return {
    /**
     * Publishes one post, at most once. The attempt claims the row (`scheduled` → `publishing` under its own
     * token) before the request and records the answer under that token: published (2xx, with the
     * provider's `id`), failed (3xx, 4xx other than 408/429, or a URL that may not be reached), or — for a
     * 5xx, 429, 408 or no answer — back to `scheduled` and thrown, for Temporal to retry. A row found
     * `publishing` was left by an attempt that died after its request may have gone out: it is recorded
     * `uncertain` and never posted again. The request carries `Idempotency-Key: social/<id>`.
     */
    async publishSocialPost(input: { postId: string }): Promise<PublishOutcome> {
      const token = randomUUID();
      const [post] = await db
        .update(socialPosts)
        .set({ status: 'publishing', claimToken: token, publishingAt: sql`now()`, updatedAt: sql`now()` })
        .where(and(where(input.postId), eq(socialPosts.status, 'scheduled')))
        .returning();
      if (!post) {
        const [current] = await db.select().from(socialPosts).where(where(input.postId));
        if (!current) return 'cancelled';
        if (current.status === 'publishing') {
          await db
            .update(socialPosts)
            .set({ status: 'uncertain', error: 'the attempt publishing it stopped before recording the answer', updatedAt: sql`now()` })
            .where(and(where(input.postId), eq(socialPosts.status, 'publishing')));
          return 'uncertain';
        }
        return current.status === 'scheduled' ? 'failed' : current.status;
      }
      const fail = async (error: string, response: Record<string, unknown> | null = null): Promise<PublishOutcome> => {
        await db
          .update(socialPosts)
          .set({ status: 'failed', error, response, updatedAt: sql`now()` })
          .where(mine(post.id, token));
        return 'failed';
      };
      const provider = (await storedSettings(db, currentWorkspace())).providers?.social;
      if (!provider) return fail('no social provider (settings providers.social)');
      const body = JSON.stringify({
        post_id: post.id,
        account: post.account,
        text: post.text,
        media_urls: post.mediaUrls,
        link: post.link,
      });
      let res: OutboundAnswer;
      try {
        res = await outbound.post(provider.url, {
          headers: {
            'content-type': 'application/json',
            'idempotency-key': `social/${post.id}`,
            'user-agent': 'Touchpoint',
            ...signWebhook(provider.secret, body),
          },
          body,
          timeoutMs: 10_000,
        });
      } catch (err) {
        if (err instanceof OutboundRefused) return fail(`social provider URL not allowed: ${err.message}`);
        await release();
        throw err;
      }
      const response = excerptOf(res);
      const answered = `social provider answered ${res.status}${response.excerpt ? `: ${response.excerpt.slice(0, 200)}` : ''}`;
      if (res.status >= 200 && res.status < 300) {
        await db
          .update(socialPosts)
          .set({
            status: 'published',
            providerPostId: messageIdOf(res),
            response,
            error: null,
            publishedAt: sql`now()`,
            updatedAt: sql`now()`,
          })
          .where(mine(post.id, token));
        return 'published';
      }
      if (res.status >= 300 && res.status < 400)
        return fail(`social provider answered ${res.status}: redirects are not followed`, response);
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) return fail(answered, response);
      await release();
      const retryAfter = res.headers['retry-after'];
      const wait = res.status === 429 || res.status === 503 ? retryAfterMs(typeof retryAfter === 'string' ? retryAfter : null) : null;
      if (wait !== null) throw ApplicationFailure.create({ type: 'ProviderBusy', message: answered, nextRetryDelay: wait });
      throw new Error(answered);

      /** Not taken: back to scheduled for the next attempt. */
      async function release() {
        await db
          .update(socialPosts)
          .set({ status: 'scheduled', claimToken: null, publishingAt: null, updatedAt: sql`now()` })
          .where(mine(post!.id, token));
      }
    },
  };
}
