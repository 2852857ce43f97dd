// A campaign's own send time (its `send_at`) is held the way send-time variants are: by a one-arm
// experiment of kind `send_time`, so the batch's deferral and best-hour lookup apply to every recipient.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { type CampaignSendAt, experiments } from '../db/schema.js';
import { keyedUuid } from '../domain/keyed-uuid.js';

/** The send_time experiment that holds `campaignId`'s send time: its id, the same in every process. */
export const sendTimeExperimentId = (campaignId: string) => keyedUuid(`campaign/${campaignId}/send-time`);

/**
 * Makes the campaign's send_time experiment match its `send_at` before an execution starts: written (or
 * rewritten, after an edit) when it has one, removed when it has none. A/B experiments are not touched.
 */
export async function holdSendTime(db: Db, campaignId: string, sendAt: CampaignSendAt | null): Promise<void> {
  const id = sendTimeExperimentId(campaignId);
  if (!sendAt) {
    await db.delete(experiments).where(and(ownRows(experiments), eq(experiments.id, id), eq(experiments.kind, 'send_time')));
    return;
  }
  const variants = [
    {
      // One key whatever the time: an assignment made before an edit still names the arm.
      key: 'send_at',
      name: 'bestHour' in sendAt ? "the customer's best hour" : `${sendAt.localTime} local time`,
      weight: 1,
      sendAt,
    },
  ];
  await db
    .insert(experiments)
    .values({
      id,
      name: `send-time/${campaignId}`,
      kind: 'send_time',
      status: 'running',
      campaignId,
      variants,
      goal: 'open_rate',
      startedAt: new Date(),
    })
    .onConflictDoUpdate({ target: [experiments.workspaceId, experiments.id], set: { variants } });
}
