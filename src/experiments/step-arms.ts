// An experiment on a journey's or flow's send step, as the send activity applies it: the customer's arm
// (by hash, stored the first time, so a retry or a replayed step gets the same one), the arm marked on the
// message's row, and the step's template with what the variant changes.
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { type CampaignType, experimentAssignments, type ExperimentVariant, messages, templates } from '../db/schema.js';
import type { ChannelName } from '../domain/channels.js';
import { campaignParts } from '../templates/parts.js';
import { localParts, nextLocalTime } from '../domain/local-time.js';
import { assignArms, HOLDOUT, stepExperiment } from './arms.js';
import { localTimeMinutes } from './definition.js';
import { bestHours } from './best-hour.js';

const TYPE: Record<ChannelName, CampaignType> = {
  email: 'email',
  sms: 'sms',
  push: 'push_notification',
  wechat: 'wechat',
  webhook: 'webhook',
};
// A flow's runs send under the journey key `flow:<flow id>` (src/flows/flow-types.ts flowJourneyKey).
const FLOW_PREFIX = 'flow:';

/** The experiment on the step a touch is for: a journey's by its key, a flow's by its id. */
function touchExperiment(db: Db, touch: { journeyKey: string; stepKey: string }) {
  const flowId = touch.journeyKey.startsWith(FLOW_PREFIX) ? touch.journeyKey.slice(FLOW_PREFIX.length) : null;
  return stepExperiment(db, { journeyKey: touch.journeyKey, flowId, stepKey: touch.stepKey });
}

/** The step's parts with the variant's changes: its template's or content over them, then its subject (a push's title). */
async function variantTemplate(
  db: Db,
  v: ExperimentVariant,
  base: Record<string, string>,
  from: ChannelName,
): Promise<Record<string, string>> {
  const channel = v.channel ?? from;
  const type = TYPE[channel];
  const title = base.subject ?? base.title ?? '';
  let content: string | Record<string, string> | undefined = v.content;
  if (v.templateId) {
    const [t] = await db
      .select({ parts: templates.parts })
      .from(templates)
      .where(and(ownRows(templates), eq(templates.id, v.templateId)));
    content = t?.parts;
  }
  // An arm on another channel has only its own content (checked when the experiment was created).
  const over = v.channel && v.channel !== from ? {} : base;
  let parts =
    content === undefined ? { ...base } : campaignParts(type, title, typeof content === 'string' ? content : { ...over, ...content });
  if (v.subject !== undefined) parts = { ...parts, [channel === 'push' ? 'title' : 'subject']: v.subject };
  return parts;
}

/**
 * The arm of the step's experiment for this message, or null (no experiment on the step): the holdout (the
 * message is skipped), or a variant with its template. The message's row carries the experiment and arm.
 */
export async function stepArm(
  db: Db,
  touch: { journeyKey: string; stepKey: string; customerId: string; messageId: string },
  channel: ChannelName,
  template: Record<string, string>,
): Promise<{ variant: string; template: Record<string, string>; channel: ChannelName } | null> {
  const e = await touchExperiment(db, touch);
  if (!e) return null;
  const variant = (await assignArms(db, e, [touch.customerId])).get(touch.customerId)!;
  const v = e.variants.find((x) => x.key === variant);
  const armChannel = v?.channel ?? channel;
  await db
    .update(messages)
    .set({ experimentId: e.id, variant, channel: armChannel, updatedAt: sql`now()` })
    .where(and(ownRows(messages), eq(messages.id, touch.messageId)));
  if (variant === HOLDOUT || !v) return { variant, template, channel };
  return { variant, template: await variantTemplate(db, v, template, channel), channel: armChannel };
}

/** How long after a send-time arm's time of day its message still goes (the workflow may wake a minute late). */
const DUE_MINUTES = 2;

/**
 * A send-time arm of the step's experiment (`send_at.local_time`): when the customer's clock is not at the
 * arm's time of day, the moment it next is (the journey's pacing defers the touch to it, with a durable
 * timer); null when it is (within DUE_MINUTES), or the customer's arm has no send time. Without a
 * send-time experiment, the step's own `sendAt` is judged the same way. The arm is stored here, the first
 * time, as the send will read it.
 */
export async function stepSendTime(
  db: Db,
  touch: { journeyKey: string; stepKey: string; customerId: string; sendAt?: ClockSendAt },
  timeZone: string,
  now: number,
): Promise<number | null> {
  const e = await touchExperiment(db, touch);
  if (!e?.variants.some((v) => v.sendAt)) return touch.sendAt ? nextSendTime(db, touch.sendAt, touch.customerId, timeZone, now) : null;
  // Assigned at the workflow's clock when the step first asked: an offset arm counts from then.
  const variant = (await assignArms(db, e, [touch.customerId], true, new Date(now))).get(touch.customerId);
  const sendAt = e.variants.find((v) => v.key === variant)?.sendAt;
  if (!sendAt) return null;
  if ('offsetMinutes' in sendAt) {
    const [row] = await db
      .select({ at: experimentAssignments.assignedAt })
      .from(experimentAssignments)
      .where(
        and(
          ownRows(experimentAssignments),
          and(eq(experimentAssignments.experimentId, e.id), eq(experimentAssignments.customerId, touch.customerId)),
        ),
      );
    const due = (row?.at.getTime() ?? now) + sendAt.offsetMinutes * 60_000;
    return now < due - 60_000 ? due : null;
  }
  return nextSendTime(db, sendAt, touch.customerId, timeZone, now);
}

/** A time of day on the customer's clock: a step's own `sendAt`, or a variant's that is not an offset. */
type ClockSendAt = Exclude<NonNullable<ExperimentVariant['sendAt']>, { offsetMinutes: number }>;

/** A time of day on the customer's clock (or their best hour): null when it is now (within DUE_MINUTES), else when it next is. */
async function nextSendTime(db: Db, sendAt: ClockSendAt, customerId: string, timeZone: string, now: number): Promise<number | null> {
  const target =
    'bestHour' in sendAt ? (await bestHours(db, [customerId], timeZone)).get(customerId)! * 60 : localTimeMinutes(sendAt.localTime)!;
  const { hour, minute } = localParts(timeZone, now);
  if ((hour * 60 + minute - target + 1440) % 1440 < DUE_MINUTES) return null;
  return nextLocalTime(now, target, timeZone);
}
