import { asyncLocalStorage as activityContext } from '@temporalio/activity';
import type { ChannelName } from '../domain/channels.js';
import { inWorkspace } from '../db/workspace.js';
import { workspaceOfWorkflowId } from '../temporal/workflow-ids.js';
import type { ChannelAdapters } from '../channels/channel.js';
import type { Outbound } from '../channels/outbound.js';
import type { Db } from '../db/client.js';
import type { TrackingConfig } from '../domain/email-tracking.js';
import { createCampaignActivities } from '../campaigns/campaign.activities.js';
import type { Journeys } from '../journeys/journeys.js';
import type { CurrentSettings } from '../workspaces/effective-settings.js';
import { createActivationActivities } from '../journeys/activation.activities.js';
import { createChurnActivities } from '../journeys/churn.activities.js';
import { createCouponActivities } from '../coupons/coupon.activities.js';
import { createCrmActivities } from '../journeys/crm.activities.js';
import { createFlowActivities } from '../flows/flow.activities.js';
import { createInsightActivities } from '../intelligence/insight.activities.js';
import { createJourneyConfigActivities } from '../journeys/config.activities.js';
import { createMessageActivities } from '../delivery/message.activities.js';
import { createPacingActivities } from '../delivery/pacing.activities.js';
import { createSegmentActivities } from '../segments/segment.activities.js';
import { createRecommendationActivities } from '../recommendations/recommendation.activities.js';
import { createTierActivities } from '../tiers/tier.activities.js';
import { createExperimentActivities } from '../experiments/experiment.activities.js';
import { createHolidayActivities } from '../holidays/holiday.activities.js';
import { createSocialActivities } from '../social/social.activities.js';
import { createTouchActivities } from '../journeys/touch.activities.js';

export interface ActivityDeps {
  db: Db;
  /**
   * The channels by name (src/channels/registry.ts), email always: a channel without a URL, or missing
   * here, records its messages as skipped; the webhook channel posts to each action's own URL.
   */
  channels: Pick<ChannelAdapters, 'email'> & Partial<ChannelAdapters>;
  /** Where CRM tasks' webhooks may be sent (src/channels/outbound.ts); unset: to the internet only. */
  outbound?: Outbound;
  /**
   * The settings of the workspace an activity runs in (brand, pacing, its own sender and providers), over
   * the installation's (src/workspaces/effective-settings.ts).
   */
  settings: CurrentSettings;
  config: {
    /** Broadcasts: sends in flight per batch, and each channel's messages per second on this worker (0: no limit). */
    campaigns?: { concurrency?: number; rateLimits?: Partial<Record<ChannelName, number>> };
    /** The similarity batch: similar items kept per item, customers who must have bought both (defaults 20, 1). */
    recommendations?: { topK?: number; minTogether?: number };
    /**
     * Open and click tracking and List-Unsubscribe for email (journeys, flows and campaigns are all
     * marketing). Unset only where activities are built by hand (a test): mail then goes out as rendered.
     */
    tracking?: TrackingConfig;
    /** Experiments count an order as a conversion within this many days of the customer's assignment (default 7). */
    attributionWindowDays?: number;
  };
  /** Journeys some activities start (the churn sweep). */
  journeys: Pick<Journeys, 'startChurnWinBack'>;
}

/**
 * Every side effect a workflow may cause; built once per worker from its dependencies. Each runs for the
 * workspace its workflow's id names (src/temporal/workflow-ids.ts): every statement it makes sees only
 * that workspace's rows.
 */
export function createActivities(deps: ActivityDeps) {
  return forTheirWorkspace({
    ...createJourneyConfigActivities(deps),
    ...createCouponActivities(deps),
    ...createMessageActivities(deps),
    ...createPacingActivities(deps),
    ...createCrmActivities(deps),
    ...createChurnActivities(deps),
    ...createActivationActivities(deps),
    ...createTierActivities(deps),
    ...createFlowActivities(deps),
    ...createCampaignActivities(deps),
    ...createExperimentActivities(deps),
    ...createSegmentActivities(deps),
    ...createRecommendationActivities(deps),
    ...createInsightActivities(deps),
    ...createHolidayActivities(deps),
    ...createSocialActivities(deps),
    ...createTouchActivities(deps),
  });
}

function forTheirWorkspace<T extends Record<string, (...args: never[]) => unknown>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      (...args: never[]) => {
        // Outside an activity (a test calling one by hand) the caller's workspace stands.
        const workflowId = activityContext.getStore()?.info.workflowExecution?.workflowId;
        return workflowId === undefined ? fn(...args) : inWorkspace(workspaceOfWorkflowId(workflowId), () => fn(...args));
      },
    ]),
  ) as T;
}

export type Activities = ReturnType<typeof createActivities>;
