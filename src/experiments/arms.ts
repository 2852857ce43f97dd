// What the send activities need of an experiment: the running (or decided) experiment of a campaign or a
// step, each arm's message parts, and each customer's arm — chosen by hash the first time and stored, so
// every later attempt, replay or pass reads the same arm back.
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { type CampaignType, experimentAssignments, experiments, type ExperimentVariant, templates } from '../db/schema.js';
import { campaignParts } from '../templates/parts.js';
import { armOf, HOLDOUT } from './assignment.js';
import type { ChannelName } from '../domain/channels.js';

const CAMPAIGN_TYPE: Record<ChannelName, CampaignType> = {
  email: 'email',
  sms: 'sms',
  push: 'push_notification',
  wechat: 'wechat',
  webhook: 'webhook',
};
import type { ExperimentRow } from './service.js';

export interface ActiveExperiment {
  row: ExperimentRow;
  /** Each variant's parts: the original's with what the variant changes. */
  parts: Map<string, Record<string, string>>;
}

/** A variant's parts over the original's: its template's or inline content, then its subject (an email's subject, a push's title). */
async function variantParts(
  db: Db,
  v: ExperimentVariant,
  base: Record<string, string>,
  type: CampaignType,
  name: string,
): Promise<Record<string, string>> {
  // An arm on another channel: that channel's parts, from its own content only.
  const armType = v.channel ? CAMPAIGN_TYPE[v.channel] : type;
  if (armType !== type) base = {};
  let parts = { ...base };
  if (v.templateId) {
    const [t] = await db
      .select({ parts: templates.parts })
      .from(templates)
      .where(and(ownRows(templates), eq(templates.id, v.templateId)));
    if (t) parts = campaignParts(armType, name, t.parts);
  } else if (v.content !== undefined) parts = campaignParts(armType, name, v.content);
  if (v.subject !== undefined) parts[armType === 'push_notification' ? 'title' : 'subject'] = v.subject;
  return parts;
}

async function withParts(
  db: Db,
  row: ExperimentRow,
  base: Record<string, string>,
  type: CampaignType,
  name: string,
): Promise<ActiveExperiment> {
  const parts = new Map<string, Record<string, string>>();
  for (const v of row.variants) parts.set(v.key, await variantParts(db, v, base, type, name));
  return { row, parts };
}

/** The campaign's experiment, unless it was stopped before a winner: a stopped test sends the original. */
export async function campaignExperiment(
  db: Db,
  campaign: { id: string; type: CampaignType; name: string },
  base: Record<string, string>,
): Promise<ActiveExperiment | null> {
  const [row] = await db
    .select()
    .from(experiments)
    .where(and(ownRows(experiments), eq(experiments.campaignId, campaign.id)));
  if (!row || (row.status === 'stopped' && row.winnerVariant === null)) return null;
  return withParts(db, row, base, campaign.type, campaign.name);
}

/** The running or decided experiment of a journey's or flow's send step, if any. */
export async function stepExperiment(
  db: Db,
  step: { journeyKey?: string | null; flowId?: string | null; stepKey: string },
): Promise<ExperimentRow | null> {
  const [row] = await db
    .select()
    .from(experiments)
    .where(
      and(
        ownRows(experiments),
        and(
          step.flowId
            ? eq(experiments.flowId, step.flowId)
            : and(eq(experiments.journeyKey, step.journeyKey ?? ''), isNull(experiments.flowId)),
          eq(experiments.stepKey, step.stepKey),
          sql`(${experiments.status} = 'running' or (${experiments.status} = 'completed' and ${experiments.winnerVariant} is not null))`,
        ),
      ),
    )
    .orderBy(sql`${experiments.createdAt} desc`)
    .limit(1);
  return row ?? null;
}

/**
 * The customers' arms, stored the first time: in the test, by hash (holdout included); once the experiment
 * has a winner, new customers get the winner (phase `rollout`, not part of the results). A customer already
 * assigned keeps their arm. `store: false` (a simulation) decides without writing.
 */
export async function assignArms(
  db: Db,
  e: ExperimentRow,
  customerIds: string[],
  store = true,
  /** The assignment's time (a journey's workflow clock); default the database's. */
  at?: Date,
): Promise<Map<string, string>> {
  if (customerIds.length === 0) return new Map();
  const decided = e.winnerVariant !== null;
  const choose = (id: string) => (decided ? e.winnerVariant! : armOf(e.id, id, e));
  if (!store) return new Map(customerIds.map((id) => [id, choose(id)]));
  await db
    .insert(experimentAssignments)
    .values(
      customerIds.map((customerId) => ({
        experimentId: e.id,
        customerId,
        variant: choose(customerId),
        phase: decided ? ('rollout' as const) : ('test' as const),
        ...(at ? { assignedAt: at } : {}),
      })),
    )
    .onConflictDoNothing();
  const rows = await db
    .select({ customerId: experimentAssignments.customerId, variant: experimentAssignments.variant })
    .from(experimentAssignments)
    .where(
      and(
        ownRows(experimentAssignments),
        and(eq(experimentAssignments.experimentId, e.id), inArray(experimentAssignments.customerId, customerIds)),
      ),
    );
  return new Map(rows.map((r) => [r.customerId, r.variant]));
}

/** Of `customerIds`, those in the experiment's test (an auto-winner's rollout pass passes over them). */
export async function testedCustomers(db: Db, experimentId: string, customerIds: string[]): Promise<Set<string>> {
  if (customerIds.length === 0) return new Set();
  const rows = await db
    .select({ customerId: experimentAssignments.customerId })
    .from(experimentAssignments)
    .where(
      and(
        ownRows(experimentAssignments),
        and(
          eq(experimentAssignments.experimentId, experimentId),
          eq(experimentAssignments.phase, 'test'),
          inArray(experimentAssignments.customerId, customerIds),
        ),
      ),
    );
  return new Set(rows.map((r) => r.customerId));
}

export { HOLDOUT };
