// Every service of Touchpoint, built once from a database, a Temporal client and the configuration: the API
// process (src/runtime.ts), the test stack and the benchmarks all wire them here.
import type { Client } from '@temporalio/client';
import type { CampaignServiceOptions } from './campaigns/execution.js';
import { createCampaignPerformanceService } from './campaigns/performance.js';
import { createAnalyticsService } from './analytics/service.js';
import { createPersonalisedCampaigns } from './campaigns/personalised.js';
import { createCampaignService } from './campaigns/service.js';
import { createOutbound, type OutboundPolicy } from './channels/outbound.js';
import { createCustomerService } from './customers/service.js';
import { createCrmViews } from './customers/crm-views.js';
import { type Db, ping } from './db/client.js';
import { asInstallation } from './db/workspace.js';
import { createDeliveryFeedback } from './delivery/feedback.js';
import { createSuppressionService } from './delivery/suppressions.js';
import { createGiftService } from './tiers/gifts.js';
import { createSocialPostService } from './social/posts.js';
import { createTrackingService } from './delivery/tracking.js';
import type { Config } from './env.js';
import { createEventIngest, type EventInput, type EventOutcome } from './events/ingest.js';
import { createOutboxNotice } from './events/outbox-notice.js';
import { workspaceBacklog } from './events/outbox.js';
import { taskQueues } from './temporal/task-queues.js';
import type { Metrics } from './observability/metrics.js';
import { createFlowService } from './flows/service.js';
import { createIntelligenceService } from './intelligence/service.js';
import { createJourneyConfigService } from './journeys/config.js';
import { createJourneys } from './journeys/journeys.js';
import { createRecommendationService } from './recommendations/service.js';
import { createSegmentService } from './segments/service.js';
import { createExperimentService } from './experiments/service.js';
import { createHolidayService } from './holidays/service.js';
import { createTemplateService } from './templates/service.js';
import { createTierService } from './tiers/service.js';
import { createEffectiveSettings } from './workspaces/effective-settings.js';
import { createKeyService } from './workspaces/keys.js';
import { createWorkspaceService } from './workspaces/service.js';

/** The part of the configuration services read; a Config is one (with its tracking secret resolved). */
export type ServicesConfig = Pick<Config, 'brand' | 'pacing' | 'channelCosts' | 'attributionWindowDays' | 'schedules'> & {
  temporal: Pick<Config['temporal'], 'taskQueue'>;
  campaigns: CampaignServiceOptions;
  /** Delivery webhooks' signing secrets by provider; a provider without one is a 404. */
  deliveryWebhookSecrets: ReadonlyMap<string, string>;
  /** The HMAC key of tracking and unsubscribe links, as src/delivery/tracking-secret.ts resolved it. */
  tracking: { secret: string };
  /** Where saved webhook URLs may point (src/channels/outbound.ts). */
  outbound: OutboundPolicy;
};

export type Services = ReturnType<typeof createServices>;

/** Ingest, with every event's outcome counted by type (a batch that failed as a whole: `error`). */
function countedIngest(ingest: (events: EventInput[]) => Promise<EventOutcome[]>, metrics: Pick<Metrics, 'eventsIngested'> | undefined) {
  if (!metrics) return ingest;
  return async (events: EventInput[]): Promise<EventOutcome[]> => {
    try {
      const outcomes = await ingest(events);
      metrics.eventsIngested(events, outcomes);
      return outcomes;
    } catch (err) {
      metrics.eventsIngested(events, null);
      throw err;
    }
  };
}

/** `metrics`: the process's (src/observability/metrics.ts), which count what ingest answers. */
export function createServices(db: Db, client: Client, config: ServicesConfig, metrics?: Pick<Metrics, 'eventsIngested'>) {
  const queues = taskQueues(config.temporal.taskQueue);
  const journeys = createJourneys(client, queues, db);
  const outboxNotice = createOutboxNotice();
  const customers = createCustomerService(db, journeys);
  const segments = createSegmentService(db);
  const outbound = createOutbound(config.outbound);
  const campaigns = createCampaignService(db, client, queues.campaigns, config.campaigns, outbound);
  const keys = createKeyService(db);
  // Each workspace's settings over the installation's; the worker's activities read the same ones.
  const effectiveSettings = createEffectiveSettings(db, { brand: config.brand, pacing: config.pacing, channelCosts: config.channelCosts });
  return {
    keys,
    effectiveSettings,
    workspaces: createWorkspaceService(db, client, keys, {
      taskQueue: queues.maintenance,
      schedules: config.schedules,
      effectiveSettings,
      outbound,
    }),
    journeys,
    customers,
    journeyConfigs: createJourneyConfigService(db, outbound),
    flows: createFlowService(db, journeys, outbound),
    campaigns,
    holidays: createHolidayService(db, client, queues.maintenance, campaigns, config.campaigns),
    personalised: createPersonalisedCampaigns({ db, segments, campaigns, settings: effectiveSettings }),
    performance: createCampaignPerformanceService(db, effectiveSettings),
    analytics: createAnalyticsService(db, effectiveSettings),
    templates: createTemplateService(db, { brand: async () => (await effectiveSettings.current()).brand }),
    segments,
    experiments: createExperimentService(db, { attributionWindowDays: config.attributionWindowDays }),
    tiers: createTierService(db),
    intelligence: createIntelligenceService(db),
    crm: createCrmViews(db),
    recommendations: createRecommendationService(db, client, queues.maintenance),
    tracking: createTrackingService(db, customers, config.tracking.secret),
    suppressions: createSuppressionService(db),
    gifts: createGiftService(db),
    socialPosts: createSocialPostService(db, client, queues.campaigns),
    deliveryFeedback: createDeliveryFeedback(db, config.deliveryWebhookSecrets),
    /** Stores events, group-committed (src/events/ingest.ts); the outbox's dispatcher starts their journeys. */
    ingest: countedIngest(
      createEventIngest(db, journeys, {
        attributionWindowDays: config.attributionWindowDays,
        taskQueue: config.temporal.taskQueue,
        onStored: outboxNotice.notify,
      }),
      metrics,
    ),
    /** Told when events are stored: a dispatcher in this process (src/events/dispatcher.ts) wakes at once. */
    outboxNotice,
    /** The current workspace's events waiting for the outbox's dispatcher. */
    eventBacklog: () => workspaceBacklog(db),
    /** Each workload's task queue (src/temporal/task-queues.ts). */
    taskQueues: queues,
    /** Readiness probes (GET /readyz). */
    pingDatabase: () => asInstallation(() => ping(db)),
    async pingTemporal() {
      await client.workflowService.describeNamespace({ namespace: client.options.namespace });
    },
  };
}
