import { z } from 'zod';
import { knownTimeZone, type PacingConfig, parseQuietHours } from './delivery/pacing.js';
import { type AllowEntry, outboundTarget, parseAllowList } from './domain/outbound-address.js';
import { parseProviderSecrets } from './domain/webhook-signature.js';
import { type Workload, WORKLOADS } from './temporal/task-queues.js';

// The only module that reads process.env. Everything else receives a Config.

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(0).max(65535);

const url = (protocols: string[]) =>
  z.url().refine((v) => protocols.some((p) => v.startsWith(`${p}:`)), {
    message: `must start with ${protocols.map((p) => `${p}://`).join(' or ')}`,
  });

/** A signing key: long enough that guessing it is not an option. */
const secret = z.string().min(16, 'must be at least 16 characters (e.g. openssl rand -hex 32)');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** json: one JSON object per line on stderr; pretty: the same lines for a person (the default of `npm start`). */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  /** The bearer token Prometheus sends to GET /metrics (the API's and a worker's); unset: the API takes a `default` admin key. */
  METRICS_TOKEN: secret.optional(),
  /** A worker's own metrics listener (GET /metrics); unset: none (0: a port the OS picks). */
  WORKER_METRICS_PORT: port.optional(),
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Where the Temporal SDK's Prometheus exporter listens (host:port); unset: a loopback port picked at start. */
  TEMPORAL_METRICS_ADDRESS: z
    .string()
    .regex(/^[\w.:[\]-]+:\d+$/, 'must be host:port, e.g. 127.0.0.1:9464')
    .optional(),
  /** OpenTelemetry tracing over OTLP/HTTP: the collector's base URL (…/v1/traces is added) or the traces URL itself; unset: no tracing. */
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http', 'https']).optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url(['http', 'https']).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  DATA_DIR: z.string().min(1).default('.data'),
  PUBLIC_URL: url(['http', 'https']).optional(),
  /** The HMAC key of tracking and unsubscribe links; required outside embedded mode (src/runtime.ts). */
  TRACKING_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)').optional(),
  /** Delivery webhooks' signing secrets, `provider=secret,…`; DELIVERY_WEBHOOK_SECRET is the `default` provider's. */
  DELIVERY_WEBHOOK_SECRETS: z
    .string()
    .transform((v, ctx) => {
      try {
        return parseProviderSecrets(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  DELIVERY_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Days after a click, open or send in which an order is attributed to that message. */
  ATTRIBUTION_WINDOW_DAYS: z.coerce.number().min(0).max(365).default(7),
  /** Requests per second one API key may make on average (0: no limit), and how many at once above that. */
  API_RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).default(200),
  API_RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(2000),
  /** The largest request body any route takes, in bytes (routes with JSON bodies have smaller limits of their own). */
  API_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(8 * 1024 * 1024),

  DATABASE_URL: url(['postgres', 'postgresql']).optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),

  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[\w.-]+:\d+$/, 'must be host:port, e.g. 127.0.0.1:7233')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('touchpoint'),
  TEMPORAL_TLS: bool.default(false),
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /** The workloads this process's worker serves (default all): e.g. `campaigns` for a process of broadcasts alone. */
  WORKER_WORKLOADS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return [...WORKLOADS];
      const listed = [...new Set(v.split(',').map((w) => w.trim()))];
      const unknown = listed.filter((w) => !(WORKLOADS as readonly string[]).includes(w));
      if (unknown.length)
        ctx.addIssue({ code: 'custom', message: `unknown workload ${unknown.join(', ')}: one or more of ${WORKLOADS.join(', ')}` });
      return listed as Workload[];
    }),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).optional(),
  /** Each workload's worker slots (src/temporal/task-queues.ts): activities and workflow tasks at once. */
  WORKER_JOURNEYS_ACTIVITY_SLOTS: z.coerce.number().int().min(1).optional(),
  WORKER_JOURNEYS_WORKFLOW_SLOTS: z.coerce.number().int().min(2).optional(),
  WORKER_CAMPAIGNS_ACTIVITY_SLOTS: z.coerce.number().int().min(1).optional(),
  WORKER_CAMPAIGNS_WORKFLOW_SLOTS: z.coerce.number().int().min(2).optional(),
  WORKER_MAINTENANCE_ACTIVITY_SLOTS: z.coerce.number().int().min(1).optional(),
  WORKER_MAINTENANCE_WORKFLOW_SLOTS: z.coerce.number().int().min(2).optional(),
  /** The outbox's dispatcher on each worker (src/events/dispatcher.ts): events dispatched at once, per claim, and its poll. */
  OUTBOX_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32),
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(500),
  OUTBOX_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TEMPORAL_TEST_SERVER_PATH: z.string().min(1).optional(),

  SMTP_URL: url(['smtp', 'smtps']).optional(),
  SMTP_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(5),
  BRAND_NAME: z.string().min(1).default('Touchpoint'),
  /** How often the churn win-back sweep looks for customers who went quiet (a Temporal Schedule); 0 turns it off. */
  CHURN_SWEEP_EVERY_MINUTES: z.coerce.number().int().min(0).max(1440).default(60),
  /** How often every dynamic segment's members are refreshed (a Temporal Schedule); 0 turns it off. */
  SEGMENTS_REFRESH_EVERY_MINUTES: z.coerce.number().int().min(0).max(10080).default(60),
  /** What one message costs per channel (expected ROI of campaigns). */
  CHANNEL_COST_EMAIL: z.coerce.number().min(0).default(0.001),
  CHANNEL_COST_SMS: z.coerce.number().min(0).default(0.05),
  CHANNEL_COST_PUSH: z.coerce.number().min(0).default(0.0005),
  CHANNEL_COST_WECHAT: z.coerce.number().min(0).default(0.001),
  CHANNEL_COST_WEBHOOK: z.coerce.number().min(0).default(0),
  /** How often every customer's RFM, segment and tags are recomputed (a Temporal Schedule); 0 turns it off. */
  INSIGHTS_REFRESH_EVERY_MINUTES: z.coerce.number().int().min(0).max(10080).default(60),
  MAIL_FROM: z.string().min(3).default('Touchpoint <hello@touchpoint.localhost>'),
  MAIL_CAPTURE_PORT: port.default(1025),
  /**
   * Where SMS, push and WeChat messages are POSTed (src/channels/), each with the secret its requests are
   * signed with (required with the URL); unset URL: those messages are recorded as skipped.
   */
  SMS_PROVIDER_URL: url(['http', 'https']).optional(),
  SMS_PROVIDER_SECRET: secret.optional(),
  PUSH_PROVIDER_URL: url(['http', 'https']).optional(),
  PUSH_PROVIDER_SECRET: secret.optional(),
  WECHAT_PROVIDER_URL: url(['http', 'https']).optional(),
  WECHAT_PROVIDER_SECRET: secret.optional(),
  /**
   * What webhooks and providers may be reached at although it is not on the internet (loopback, private,
   * link-local…): comma-separated host names, addresses and CIDR ranges, each with `:port` or not.
   */
  OUTBOUND_ALLOWED_HOSTS: z
    .string()
    .transform((v, ctx) => {
      try {
        return parseAllowList(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  /** Signs webhook actions' and campaigns' requests; unset: they go unsigned. */
  WEBHOOK_SIGNING_SECRET: secret.optional(),
  /**
   * Broadcasts: customers per batch activity and batches per workflow run (then continue-as-new), set by the
   * process that starts campaigns (the API); sends in flight per batch, set on workers.
   */
  CAMPAIGN_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(2000),
  CAMPAIGN_BATCHES_PER_RUN: z.coerce.number().int().min(1).max(1000).default(100),
  CAMPAIGN_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(10),
  /** Messages per second per channel on each worker (0: no limit). */
  CAMPAIGN_RATE_LIMIT_EMAIL: z.coerce.number().int().min(0).default(0),
  CAMPAIGN_RATE_LIMIT_SMS: z.coerce.number().int().min(0).default(50),
  CAMPAIGN_RATE_LIMIT_PUSH: z.coerce.number().int().min(0).default(0),
  CAMPAIGN_RATE_LIMIT_WECHAT: z.coerce.number().int().min(0).default(0),
  CAMPAIGN_RATE_LIMIT_WEBHOOK: z.coerce.number().int().min(0).default(100),
  /** Journeys' marketing email: quiet hours in the customer's zone ("off" for none) and frequency caps (0: none). */
  /** Templates fail on a variable the message does not have, outside `default`/`if` (the test suite); off: it prints nothing. */
  TEMPLATE_STRICT_VARIABLES: bool.default(false),
  QUIET_HOURS: z
    .string()
    .default('21:00-08:00')
    .superRefine((v, ctx) => {
      try {
        parseQuietHours(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  QUIET_HOURS_DEFAULT_TIMEZONE: z
    .string()
    .default('UTC')
    .refine((zone) => knownTimeZone(zone, '') === zone, 'not a time zone this runtime knows (e.g. Europe/Berlin)'),
  FREQUENCY_CAP_PER_DAY: z.coerce.number().int().min(0).default(3),
  FREQUENCY_CAP_PER_WEEK: z.coerce.number().int().min(0).default(10),
  FREQUENCY_CAP_MODE: z.enum(['defer', 'skip']).default('defer'),
  /** How often item similarities are recomputed from orders (a Temporal Schedule); 0 turns it off. */
  RECOMMENDATIONS_REFRESH_EVERY_MINUTES: z.coerce.number().int().min(0).max(10080).default(360),
  /** Similar items kept per item, and customers who must have bought both for a pair to count. */
  RECOMMENDATIONS_TOP_K: z.coerce.number().int().min(1).max(1000).default(20),
  RECOMMENDATIONS_MIN_TOGETHER: z.coerce.number().int().min(1).default(1),
});

export type Env = z.infer<typeof schema>;

export interface Config {
  env: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
  /** Logs, metrics and traces (docs/observability.md). */
  observability: {
    /** undefined: json, except `npm start` (embedded), which prints pretty lines. */
    logFormat?: 'json' | 'pretty';
    /** The bearer token of GET /metrics, on the API and on workers. */
    metricsToken?: string;
    /** A worker's metrics listener; undefined: none. */
    workerMetrics?: { host: string; port: number };
    /** The Temporal SDK's own Prometheus exporter; undefined: a free loopback port when the process runs a worker. */
    temporalMetricsAddress?: string;
    /** OTLP/HTTP traces; undefined: tracing off. */
    tracing?: { url: string; serviceName?: string };
  };
  /** publicUrl: where recipients reach the API (tracking and unsubscribe links). */
  http: { host: string; port: number; publicUrl: string };
  /** undefined secret: embedded mode generates one and keeps it in DATA_DIR; other modes refuse to start. */
  tracking: { secret?: string };
  /** Delivery webhooks: each provider's signing secret (a provider without one is a 404). */
  deliveryWebhookSecrets: Map<string, string>;
  attributionWindowDays: number;
  api: { rateLimit: { perSecond: number; burst: number }; bodyLimitBytes: number };
  /** Each workspace's schedules, minutes apart (0: not kept); the same values as the fields below. */
  schedules: { churnSweep: number; segmentsRefresh: number; recommendations: number; insightsRefresh: number };
  dataDir: string;
  brand: string;
  /** Minutes between churn win-back sweeps; 0: no schedule (sweeps run only when asked through the API). */
  churnSweepEveryMinutes: number;
  /** Minutes between refreshes of every dynamic segment; 0: no schedule (refresh on demand only). */
  segmentsRefreshEveryMinutes: number;
  /** Cost of one message per channel. */
  channelCosts: Record<'email' | 'sms' | 'push' | 'wechat' | 'webhook', number>;
  /** Minutes between full customer-insights refreshes; 0: no schedule (POST /api/ai-ops/customer/refresh still works). */
  insightsRefreshEveryMinutes: number;
  database: { kind: 'postgres'; url: string; poolSize: number } | { kind: 'pglite'; dataDir: string };
  temporal: {
    /** undefined: start the embedded dev server */
    address?: string;
    namespace: string;
    taskQueue: string;
    tls?: { certPath?: string; keyPath?: string; serverName?: string };
    apiKey?: string;
    /** Worker tuning; unset = the SDK's defaults. 0 cached workflows turns sticky execution off. */
    worker: {
      /** The workloads this process serves (WORKER_WORKLOADS); the outbox's dispatcher runs where journeys do. */
      workloads: Workload[];
      maxCachedWorkflows?: number;
      maxConcurrentActivities?: number;
      bundlePath?: string;
      /** Slots of each workload's worker; unset: WORKER_MAX_CONCURRENT_ACTIVITIES, else the defaults of src/worker/create-worker.ts. */
      slots: Record<Workload, { activities?: number; workflowTasks?: number }>;
    };
    /** The outbox's dispatcher, on every worker process. */
    outbox: { concurrency: number; batchSize: number; pollMs: number };
    devServer: { port: number; uiPort: number; cliPath?: string; testServerPath?: string };
  };
  mail: {
    /** undefined: start the local mail capture */
    smtpUrl?: string;
    poolSize: number;
    from: string;
    capturePort: number;
  };
  /**
   * HTTP providers (URL and signing secret) for SMS, push and WeChat; no URL: not configured (messages are
   * skipped, reason channel_not_configured). The webhook's secret signs requests to actions' own URLs.
   */
  /** Where webhooks and providers may be sent (src/channels/outbound.ts): the internet, and what this list allows. */
  outbound: { allowList: AllowEntry[] };
  providers: {
    sms: { url?: string; secret?: string };
    push: { url?: string; secret?: string };
    wechat: { url?: string; secret?: string };
    webhook: { secret?: string };
  };
  campaigns: {
    batchSize: number;
    batchesPerRun: number;
    concurrency: number;
    /** Messages per second per channel on each worker; 0: no limit. */
    rateLimits: { email: number; sms: number; push: number; wechat: number; webhook: number };
  };
  pacing: PacingConfig;
  templates: { strictVariables: boolean };
  recommendations: {
    /** Minutes between similarity refreshes; 0: no schedule (refreshes run only when asked through the API). */
    refreshEveryMinutes: number;
    topK: number;
    minTogether: number;
  };
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses an environment (process.env by default). Throws ConfigError naming every bad variable. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.TEMPORAL_TLS_CERT_PATH && !e.TEMPORAL_TLS_KEY_PATH) problems.push('TEMPORAL_TLS_KEY_PATH: required with TEMPORAL_TLS_CERT_PATH');
  if (e.TEMPORAL_TLS_KEY_PATH && !e.TEMPORAL_TLS_CERT_PATH) problems.push('TEMPORAL_TLS_CERT_PATH: required with TEMPORAL_TLS_KEY_PATH');
  if (e.TEMPORAL_API_KEY && !e.TEMPORAL_ADDRESS) problems.push('TEMPORAL_ADDRESS: required with TEMPORAL_API_KEY');
  for (const name of ['SMS', 'PUSH', 'WECHAT'] as const) {
    // An unsigned request to a provider is one anybody could have sent: the secret comes with the URL.
    if (e[`${name}_PROVIDER_URL`] && !e[`${name}_PROVIDER_SECRET`])
      problems.push(`${name}_PROVIDER_SECRET: required with ${name}_PROVIDER_URL`);
    const providerUrl = e[`${name}_PROVIDER_URL`];
    const target = providerUrl ? outboundTarget(providerUrl, e.OUTBOUND_ALLOWED_HOSTS ?? []) : null;
    if (target?.refused) problems.push(`${name}_PROVIDER_URL: not allowed: ${target.refused} (OUTBOUND_ALLOWED_HOSTS can allow it)`);
  }
  // Metrics name campaigns and workspaces: a listener anyone on the network can reach takes the token.
  if (e.WORKER_METRICS_PORT !== undefined && !isLoopback(e.WORKER_METRICS_HOST) && !e.METRICS_TOKEN)
    problems.push('METRICS_TOKEN: required when WORKER_METRICS_HOST is not a loopback address');
  if (problems.length) throw new ConfigError(problems);

  const useTls = e.TEMPORAL_TLS || !!e.TEMPORAL_TLS_CERT_PATH || !!e.TEMPORAL_API_KEY;
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    observability: {
      logFormat: e.LOG_FORMAT,
      metricsToken: e.METRICS_TOKEN,
      workerMetrics: e.WORKER_METRICS_PORT === undefined ? undefined : { host: e.WORKER_METRICS_HOST, port: e.WORKER_METRICS_PORT },
      temporalMetricsAddress: e.TEMPORAL_METRICS_ADDRESS,
      tracing:
        e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || e.OTEL_EXPORTER_OTLP_ENDPOINT
          ? {
              url: e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${e.OTEL_EXPORTER_OTLP_ENDPOINT!.replace(/\/+$/, '')}/v1/traces`,
              serviceName: e.OTEL_SERVICE_NAME,
            }
          : undefined,
    },
    http: { host: e.HOST, port: e.PORT, publicUrl: e.PUBLIC_URL ?? `http://${e.HOST}:${e.PORT}` },
    tracking: { secret: e.TRACKING_SECRET },
    deliveryWebhookSecrets: new Map([
      ...(e.DELIVERY_WEBHOOK_SECRET ? [['default', e.DELIVERY_WEBHOOK_SECRET] as const] : []),
      ...(e.DELIVERY_WEBHOOK_SECRETS ?? []),
    ]),
    attributionWindowDays: e.ATTRIBUTION_WINDOW_DAYS,
    api: { rateLimit: { perSecond: e.API_RATE_LIMIT_PER_SECOND, burst: e.API_RATE_LIMIT_BURST }, bodyLimitBytes: e.API_BODY_LIMIT_BYTES },
    schedules: {
      churnSweep: e.CHURN_SWEEP_EVERY_MINUTES,
      segmentsRefresh: e.SEGMENTS_REFRESH_EVERY_MINUTES,
      recommendations: e.RECOMMENDATIONS_REFRESH_EVERY_MINUTES,
      insightsRefresh: e.INSIGHTS_REFRESH_EVERY_MINUTES,
    },
    dataDir: e.DATA_DIR,
    brand: e.BRAND_NAME,
    churnSweepEveryMinutes: e.CHURN_SWEEP_EVERY_MINUTES,
    segmentsRefreshEveryMinutes: e.SEGMENTS_REFRESH_EVERY_MINUTES,
    channelCosts: {
      email: e.CHANNEL_COST_EMAIL,
      sms: e.CHANNEL_COST_SMS,
      push: e.CHANNEL_COST_PUSH,
      wechat: e.CHANNEL_COST_WECHAT,
      webhook: e.CHANNEL_COST_WEBHOOK,
    },
    insightsRefreshEveryMinutes: e.INSIGHTS_REFRESH_EVERY_MINUTES,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE }
      : { kind: 'pglite', dataDir: `${e.DATA_DIR}/pglite` },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      tls: useTls
        ? { certPath: e.TEMPORAL_TLS_CERT_PATH, keyPath: e.TEMPORAL_TLS_KEY_PATH, serverName: e.TEMPORAL_TLS_SERVER_NAME }
        : undefined,
      apiKey: e.TEMPORAL_API_KEY,
      worker: {
        workloads: e.WORKER_WORKLOADS,
        maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
        maxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
        bundlePath: e.WORKFLOW_BUNDLE_PATH,
        slots: {
          journeys: { activities: e.WORKER_JOURNEYS_ACTIVITY_SLOTS, workflowTasks: e.WORKER_JOURNEYS_WORKFLOW_SLOTS },
          campaigns: { activities: e.WORKER_CAMPAIGNS_ACTIVITY_SLOTS, workflowTasks: e.WORKER_CAMPAIGNS_WORKFLOW_SLOTS },
          maintenance: { activities: e.WORKER_MAINTENANCE_ACTIVITY_SLOTS, workflowTasks: e.WORKER_MAINTENANCE_WORKFLOW_SLOTS },
        },
      },
      outbox: { concurrency: e.OUTBOX_CONCURRENCY, batchSize: e.OUTBOX_BATCH_SIZE, pollMs: e.OUTBOX_POLL_MS },
      devServer: {
        port: e.TEMPORAL_PORT,
        uiPort: e.TEMPORAL_UI_PORT,
        cliPath: e.TEMPORAL_CLI_PATH,
        testServerPath: e.TEMPORAL_TEST_SERVER_PATH,
      },
    },
    mail: { smtpUrl: e.SMTP_URL, poolSize: e.SMTP_POOL_SIZE, from: e.MAIL_FROM, capturePort: e.MAIL_CAPTURE_PORT },
    outbound: { allowList: e.OUTBOUND_ALLOWED_HOSTS ?? [] },
    providers: {
      sms: { url: e.SMS_PROVIDER_URL, secret: e.SMS_PROVIDER_SECRET },
      push: { url: e.PUSH_PROVIDER_URL, secret: e.PUSH_PROVIDER_SECRET },
      wechat: { url: e.WECHAT_PROVIDER_URL, secret: e.WECHAT_PROVIDER_SECRET },
      webhook: { secret: e.WEBHOOK_SIGNING_SECRET },
    },
    campaigns: {
      batchSize: e.CAMPAIGN_BATCH_SIZE,
      batchesPerRun: e.CAMPAIGN_BATCHES_PER_RUN,
      concurrency: e.CAMPAIGN_CONCURRENCY,
      rateLimits: {
        email: e.CAMPAIGN_RATE_LIMIT_EMAIL,
        sms: e.CAMPAIGN_RATE_LIMIT_SMS,
        push: e.CAMPAIGN_RATE_LIMIT_PUSH,
        wechat: e.CAMPAIGN_RATE_LIMIT_WECHAT,
        webhook: e.CAMPAIGN_RATE_LIMIT_WEBHOOK,
      },
    },
    templates: { strictVariables: e.TEMPLATE_STRICT_VARIABLES },
    pacing: {
      quietHours: parseQuietHours(e.QUIET_HOURS),
      defaultTimeZone: e.QUIET_HOURS_DEFAULT_TIMEZONE,
      caps: { day: e.FREQUENCY_CAP_PER_DAY, week: e.FREQUENCY_CAP_PER_WEEK },
      capMode: e.FREQUENCY_CAP_MODE,
    },
    recommendations: {
      refreshEveryMinutes: e.RECOMMENDATIONS_REFRESH_EVERY_MINUTES,
      topK: e.RECOMMENDATIONS_TOP_K,
      minTogether: e.RECOMMENDATIONS_MIN_TOGETHER,
    },
  };
}

/** Where the `touchpoint` CLI finds a running Touchpoint's API (TOUCHPOINT_URL), without a trailing slash. */
/** The CLI's API key (TOUCHPOINT_API_KEY); undefined: requests go without one (and are refused). */
export function cliApiKey(source: Record<string, string | undefined> = process.env): string | undefined {
  return source.TOUCHPOINT_API_KEY?.trim() || undefined;
}

export function cliBaseUrl(source: Record<string, string | undefined> = process.env): string {
  return (source.TOUCHPOINT_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
}
