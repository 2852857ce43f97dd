import { bodyLimit } from 'hono/body-limit';
import { analyticsRouter } from './analytics/analytics.router.js';
import { marketingRouter } from './campaigns/campaigns.router.js';
import { performanceRouter } from './campaigns/performance.router.js';
import { personalisedRouter } from './campaigns/personalised.router.js';
import { dashboardRouter } from './dashboard/dashboard.router.js';
import { customersRouter } from './customers/customers.router.js';
import { deliveryRouter } from './delivery/delivery.router.js';
import { suppressionsRouter } from './delivery/suppressions.router.js';
import { giftsRouter } from './tiers/gifts.router.js';
import { socialRouter } from './social/social.router.js';
import { trackingRouter } from './delivery/tracking.router.js';
import { devMailRouter } from './dev/dev-mail.router.js';
import { DomainError } from './domain/errors.js';
import { eventsRouter } from './events/events.router.js';
import { segmentRouter } from './events/segment.router.js';
import { flowsRouter } from './flows/flows.router.js';
import { intelligenceRouter } from './intelligence/intelligence.router.js';
import { journeysRouter } from './journeys/journeys.router.js';
import { recommendationsRouter } from './recommendations/recommendations.router.js';
import { segmentsRouter } from './segments/segments.router.js';
import { experimentsRouter } from './experiments/experiments.router.js';
import { holidaysRouter } from './holidays/holidays.router.js';
import { templatesRouter } from './templates/templates.router.js';
import { tiersRouter } from './tiers/tiers.router.js';
import { workspacesRouter } from './workspaces/workspaces.router.js';
import { authenticate, declareScopes } from './api/auth.js';
import { mountDocs } from './api/docs.js';
import { noRoute, onError, sendError } from './api/errors.js';
import { healthRouter } from './api/health.router.js';
import { declareCommonResponses } from './api/responses.js';
import { metricsRouter } from './api/metrics.router.js';
import { identifyRequests, logRequests, measureRequests } from './api/observe.js';
import { createMetrics } from './observability/metrics.js';
import { type AppDeps, createRouter } from './api/router.js';

export function createApp(deps: AppDeps) {
  const app = createRouter();
  const metrics = deps.observability?.metrics ?? createMetrics({ processMetrics: false });
  app.use(...identifyRequests());
  app.use(logRequests());
  app.use(measureRequests(metrics, deps.observability?.tracing));
  app.use(async (c, next) => {
    c.set('deps', deps);
    c.set('metrics', metrics);
    await next();
  });
  // No body larger than this reaches any route (routes with a JSON body have their own, smaller limits).
  app.use(
    bodyLimit({
      maxSize: deps.api.bodyLimitBytes,
      onError: (c) =>
        sendError(
          c,
          new DomainError('payload_too_large', `the request body is larger than ${deps.api.bodyLimitBytes} bytes`, undefined, 413),
        ),
    }),
  );
  app.use(authenticate(deps.api.rateLimit, deps.observability?.metricsToken));
  app.onError(onError);
  app.notFound(noRoute(() => app.routes));

  // The order is the OpenAPI document's.
  app.route('/', healthRouter);
  app.route('/', metricsRouter);
  app.route('/', eventsRouter);
  app.route('/', segmentRouter);
  app.route('/', customersRouter);
  app.route('/', journeysRouter);
  app.route('/', flowsRouter);
  app.route('/', tiersRouter);
  app.route('/', personalisedRouter);
  app.route('/', performanceRouter);
  app.route('/', analyticsRouter);
  app.route('/', intelligenceRouter);
  app.route('/', marketingRouter);
  app.route('/', templatesRouter);
  app.route('/', holidaysRouter);
  app.route('/', segmentsRouter);
  app.route('/', experimentsRouter);
  app.route('/', recommendationsRouter);
  app.route('/', trackingRouter);
  app.route('/', deliveryRouter);
  app.route('/', suppressionsRouter);
  app.route('/', giftsRouter);
  app.route('/', socialRouter);
  app.route('/', devMailRouter);
  app.route('/', workspacesRouter);

  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key of a workspace (`tp_…`); HTTP Basic with the key as the user name works too.',
  });
  app.get('/openapi.json', (c) =>
    c.json(
      declareCommonResponses(
        declareScopes(
          app.getOpenAPI31Document({
            openapi: '3.1.0',
            info: { title: 'Touchpoint API', version: '0.1.0', description: 'Durable customer journeys on Temporal.' },
          }),
        ),
      ),
    ),
  );
  mountDocs(app);
  app.route('/', dashboardRouter);
  return app;
}

export type App = ReturnType<typeof createApp>;
