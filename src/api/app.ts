import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import type { CampaignPerformanceService } from '../campaigns/performance.js';
import type { CampaignService } from '../campaigns/service.js';
import type { CustomerService } from '../customers/service.js';
import type { Db } from '../db/client.js';
import type { Channel } from '../db/schema.js';
import type { MailCapture } from '../dev/mail-capture.js';
import { createEventIngest, type EventInput, type EventOutcome } from '../events/ingest.js';
import type { JourneyConfigService } from '../journeys/config.js';
import type { FlowService } from '../flows/service.js';
import { createIntelligenceService, type IntelligenceService } from '../intelligence/service.js';
import type { Journeys } from '../journeys/journeys.js';
import type { SegmentService } from '../segments/service.js';
import type { RecommendationService } from '../recommendations/service.js';
import type { TemplateService } from '../templates/service.js';
import type { TrackingService } from '../delivery/tracking.js';
import { createDeliveryFeedback, type DeliveryFeedback } from '../delivery/feedback.js';
import { createSuppressionService, type SuppressionService } from '../delivery/suppressions.js';
import { mountDocs } from './docs.js';
import { ApiError, onError, sendError, validationError } from './errors.js';

export interface AppDeps {
  db: Db;
  journeys: Journeys;
  customers: CustomerService;
  journeyConfigs: JourneyConfigService;
  flows: FlowService;
  campaigns: CampaignService;
  templates: TemplateService;
  segments: SegmentService;
  /** Cost of one message per channel (expected ROI); default: the CHANNEL_COST_* defaults. */
  channelCosts?: Record<Channel, number>;
  performance: CampaignPerformanceService;
  recommendations: RecommendationService;
  pingDatabase: () => Promise<void>;
  pingTemporal: () => Promise<void>;
  /** Stores and dispatches events (default: createEventIngest, group-committed, see src/events/ingest.ts). */
  ingest?: (events: EventInput[]) => Promise<EventOutcome[]>;
  /** Customer intelligence: RFM, segments, tags (default: createIntelligenceService on db). */
  intelligence?: IntelligenceService;
  /** Present in embedded mode, where the API lists what the local SMTP capture received. */
  mailCapture?: MailCapture;
  /** Open pixel, click redirect and unsubscribe links; unset: those routes answer 404 (tracking_disabled). */
  tracking?: TrackingService;
  /** Delivery webhooks' signing secrets by provider (DELIVERY_WEBHOOK_SECRETS); none: every provider is a 404. */
  deliveryWebhookSecrets?: ReadonlyMap<string, string>;
  /** Days after a touch in which an order is attributed to it (default 7). */
  attributionWindowDays?: number;
  /** Built from the two above by createApp. */
  deliveryFeedback?: DeliveryFeedback;
  suppressions?: SuppressionService;
}

export type AppEnv = { Variables: { deps: AppDeps; requestId: string } };

/** A router whose validation failures become 422 `{ error: { code, message, field } }`. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        // A bad query string is a bad request (400); a body that does not validate is unprocessable (422).
        const err = validationError(result.error);
        if (result.target === 'query') return sendError(c, new ApiError(400, 'invalid_query', err.message, err.field));
        return sendError(c, err);
      }
    },
  });
}

export async function createApp(deps: AppDeps) {
  // Imported here, not at the top: route modules import createRouter from this file.
  const { eventsRouter } = await import('../events/events.router.js');
  const { customersRouter } = await import('../customers/customers.router.js');
  const { healthRouter } = await import('./health.router.js');
  const { devMailRouter } = await import('../dev/dev-mail.router.js');
  const { journeysRouter } = await import('../journeys/journeys.router.js');
  const { flowsRouter } = await import('../flows/flows.router.js');
  const { aiOpsRouter } = await import('./ai-ops.router.js');
  const { marketingRouter } = await import('../campaigns/campaigns.router.js');
  const { templatesRouter } = await import('../templates/templates.router.js');
  const { segmentsRouter } = await import('../segments/segments.router.js');
  const { recommendationsRouter } = await import('../recommendations/recommendations.router.js');
  const { trackingRouter } = await import('../delivery/tracking.router.js');
  const { deliveryRouter } = await import('../delivery/delivery.router.js');
  const { suppressionsRouter } = await import('../delivery/suppressions.router.js');

  const appDeps: AppDeps = {
    ...deps,
    ingest: deps.ingest ?? createEventIngest(deps.db, deps.journeys, { attributionWindowDays: deps.attributionWindowDays }),
    deliveryFeedback: deps.deliveryFeedback ?? createDeliveryFeedback(deps.db, deps.deliveryWebhookSecrets ?? new Map()),
    suppressions: deps.suppressions ?? createSuppressionService(deps.db),
    intelligence: deps.intelligence ?? createIntelligenceService(deps.db),
  };
  const app = createRouter();
  app.use(requestId());
  app.use(async (c, next) => {
    c.set('deps', appDeps);
    await next();
  });
  app.onError(onError);
  app.notFound((c) => sendError(c, new ApiError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`)));

  app.route('/', healthRouter);
  app.route('/', eventsRouter);
  app.route('/', customersRouter);
  app.route('/', journeysRouter);
  app.route('/', flowsRouter);
  app.route('/', aiOpsRouter);
  app.route('/', marketingRouter);
  app.route('/', templatesRouter);
  app.route('/', segmentsRouter);
  app.route('/', recommendationsRouter);
  app.route('/', trackingRouter);
  app.route('/', deliveryRouter);
  app.route('/', suppressionsRouter);
  app.route('/', devMailRouter);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Touchpoint API', version: '0.1.0', description: 'Durable customer journeys on Temporal.' },
  });
  mountDocs(app);
  return app;
}

export type App = Awaited<ReturnType<typeof createApp>>;
