import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../worker/activities.js';
import type { PublishOutcome } from './social.activities.js';

// A provider that is down is retried with backoff up to a minute apart, for as long as it takes: the post
// is published once it answers (or recorded failed when it refuses it for good).
const { publishSocialPost } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Stops the wait of a post cancelled through the API (the row is cancelled first). */
export const cancelPostSignal = defineSignal('cancelPost');

export interface SocialPostInput {
  postId: string;
  /** When to publish it (epoch ms); a time already past publishes at once. */
  at: number;
}

export type SocialPostResult = PublishOutcome | 'cancelled';

/** One social post: a durable wait until its time, then one publishing activity. */
export async function socialPost(input: SocialPostInput): Promise<SocialPostResult> {
  let cancelled = false;
  setHandler(cancelPostSignal, () => void (cancelled = true));
  const wait = input.at - Date.now();
  if (wait > 0) await condition(() => cancelled, wait);
  if (cancelled) return 'cancelled';
  return publishSocialPost({ postId: input.postId });
}
