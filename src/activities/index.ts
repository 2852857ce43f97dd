import type { Channels } from '../channels/channel.js';
import type { Db } from '../db/client.js';
import type { Channel } from '../db/schema.js';
import type { TrackingConfig } from '../domain/email-tracking.js';
import type { PacingConfig } from '../domain/pacing.js';
import { createCampaignActivities } from './campaigns.js';
import type { Journeys } from '../journeys/index.js';
import { createChurnActivities } from './churn.js';
import { createCouponActivities } from './coupons.js';
import { createCrmActivities } from './crm.js';
import { createFlowActivities } from './flows.js';
import { createInsightActivities } from './insights.js';
import { createJourneyConfigActivities } from './journey-config.js';
import { createMessageActivities } from './messages.js';
import { createPacingActivities } from './pacing.js';
import { createSegmentActivities } from './segments.js';
import { createRecommendationActivities } from './recommendations.js';
import { createTierActivities } from './tiers.js';

export interface ActivityDeps {
  db: Db;
  /**
   * The channels by name (src/channels/registry.ts), email always: a channel without a URL, or missing
   * here, records its messages as skipped; the webhook channel posts to each action's own URL.
   */
  channels: Pick<Channels, 'email'> & Partial<Channels>;
  config: {
    brand: string;
    /** Broadcasts: sends in flight per batch, and each channel's messages per second on this worker (0: no limit). */
    campaigns?: { concurrency?: number; rateLimits?: Partial<Record<Channel, number>> };
    /** The similarity batch: similar items kept per item, customers who must have bought both (defaults 20, 1). */
    recommendations?: { topK?: number; minTogether?: number };
    /**
     * Open and click tracking and List-Unsubscribe for email (journeys, flows and campaigns are all
     * marketing). Unset only where activities are built by hand (a test): mail then goes out as rendered.
     */
    tracking?: TrackingConfig;
    /** Quiet hours and frequency caps of journeys' marketing messages (unset: none). */
    pacing?: PacingConfig;
  };
  /** Journeys some activities start (the churn sweep). */
  journeys: Pick<Journeys, 'startChurnWinBack'>;
}

/** Every side effect a workflow may cause; built once per worker from its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createJourneyConfigActivities(deps),
    ...createCouponActivities(deps),
    ...createMessageActivities(deps),
    ...createPacingActivities(deps),
    ...createCrmActivities(deps),
    ...createChurnActivities(deps),
    ...createTierActivities(deps),
    ...createFlowActivities(deps),
    ...createCampaignActivities(deps),
    ...createSegmentActivities(deps),
    ...createRecommendationActivities(deps),
    ...createInsightActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
