// Social posts: a post to one of the workspace's social accounts, published at its time through the
// workspace's social provider (settings `providers.social`, the same signed HTTP interface as the SMS and
// push providers). Each post is one Temporal run (src/social/social-post.workflow.ts) that waits for the
// post's time and publishes it once (src/social/social.activities.ts).
import type { Client } from '@temporalio/client';
import { and, count, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { type SocialPostStatus, socialPosts } from '../db/schema.js';
import { isUuid } from '../db/sql-helpers.js';
import { currentWorkspace } from '../db/workspace.js';
import { DomainError } from '../domain/errors.js';
import { socialPostWorkflowId, workspaceSearchAttribute } from '../temporal/workflow-ids.js';
import { storedSettings } from '../workspaces/effective-settings.js';
import { cancelPostSignal, type socialPost } from './social-post.workflow.js';

export type SocialPost = typeof socialPosts.$inferSelect;

export interface NewSocialPost {
  account: string;
  text: string;
  mediaUrls?: string[];
  link?: string;
  /** Unset: now. */
  scheduledAt?: Date;
}

const notFound = (id: string) => new DomainError('social_post_not_found', `no social post "${id}"`, undefined, 404);

export function createSocialPostService(db: Db, client: Client, taskQueue: string) {
  async function byId(id: string): Promise<SocialPost | null> {
    if (!isUuid(id)) return null;
    const [row] = await db
      .select()
      .from(socialPosts)
      .where(and(ownRows(socialPosts), eq(socialPosts.id, id)));
    return row ?? null;
  }

  return {
    byId,

    /**
     * Stores the post and starts its run. The workspace must have a social provider: without one there is
     * nowhere to publish (409 `no_social_provider`). A run that cannot be started leaves no post behind.
     */
    async create(input: NewSocialPost): Promise<SocialPost> {
      if (!(await storedSettings(db, currentWorkspace())).providers?.social) {
        throw new DomainError(
          'no_social_provider',
          'this workspace has no social provider: set providers.social { url, secret } with PUT /api/settings',
          undefined,
          409,
        );
      }
      const [post] = await db
        .insert(socialPosts)
        .values({
          account: input.account,
          text: input.text,
          mediaUrls: input.mediaUrls ?? [],
          link: input.link ?? null,
          scheduledAt: input.scheduledAt ?? sql`now()`,
        })
        .returning();
      try {
        await client.workflow.start<typeof socialPost>('socialPost', {
          taskQueue,
          workflowId: socialPostWorkflowId(post!.id),
          args: [{ postId: post!.id, at: post!.scheduledAt.getTime() }],
          typedSearchAttributes: [workspaceSearchAttribute()],
        });
      } catch (err) {
        await db.delete(socialPosts).where(and(ownRows(socialPosts), eq(socialPosts.id, post!.id)));
        throw err;
      }
      return post!;
    },

    async list(query: { status?: SocialPostStatus; account?: string; page: number; pageSize: number }) {
      const where = and(
        ownRows(socialPosts),
        query.status ? eq(socialPosts.status, query.status) : undefined,
        query.account ? eq(socialPosts.account, query.account) : undefined,
      );
      const [total] = await db.select({ n: count() }).from(socialPosts).where(where);
      const rows = await db
        .select()
        .from(socialPosts)
        .where(where)
        .orderBy(desc(socialPosts.scheduledAt), desc(socialPosts.id))
        .limit(query.pageSize)
        .offset((query.page - 1) * query.pageSize);
      return { posts: rows, total: total?.n ?? 0 };
    },

    /**
     * Cancels a post not yet being published: the row moves to `cancelled` first (the run's publishing
     * claims only a `scheduled` row, so it can no longer publish it), then the run is told to stop waiting.
     * 409 `not_cancellable` once publishing began.
     */
    async cancel(id: string): Promise<SocialPost> {
      if (!isUuid(id)) throw notFound(id);
      const [cancelled] = await db
        .update(socialPosts)
        .set({ status: 'cancelled', updatedAt: sql`now()` })
        .where(and(ownRows(socialPosts), eq(socialPosts.id, id), eq(socialPosts.status, 'scheduled')))
        .returning();
      if (!cancelled) {
        const post = await byId(id);
        if (!post) throw notFound(id);
        if (post.status === 'cancelled') return post;
        throw new DomainError('not_cancellable', `the post is ${post.status}: only a scheduled post can be cancelled`, undefined, 409);
      }
      try {
        await client.workflow.getHandle(socialPostWorkflowId(id)).signal(cancelPostSignal);
      } catch {
        // The run ended or is unreachable: the row says cancelled, which is what its publishing checks.
      }
      return cancelled;
    },
  };
}

export type SocialPostService = ReturnType<typeof createSocialPostService>;
