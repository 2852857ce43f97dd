import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import type { ChannelName, SuppressionChannel } from '../domain/channels.js';
import type { JourneyStep } from '../domain/journey-config.js';
import type { ApiScope } from '../domain/scopes.js';

export type Consent = Partial<Record<ChannelName, boolean>>;

/**
 * The workspace (one business) a row belongs to: part of every key. Inserts take it from the transaction's
 * `app.workspace_id` setting (src/db/workspace.ts sets it), and row-level security lets a transaction see and
 * write only its workspace's rows (drizzle/0012_workspaces.sql).
 */
const workspaceId = () =>
  text('workspace_id')
    .notNull()
    .default(sql`current_setting('app.workspace_id')`);
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

/** The businesses one installation serves. `default` holds what the installation had before workspaces. */
export const workspaces = pgTable('workspaces', {
  /** Lowercase letters, digits and dashes (src/workspaces/workspace-id.ts); it prefixes workflow ids. */
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** What this business sets apart from the installation's defaults (src/workspaces/settings.ts). */
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** API keys: shown once at creation, kept as a SHA-256 hash; the prefix names a key in lists and logs. */
export const apiKeys = pgTable(
  'api_keys',
  {
    workspaceId: workspaceId(),
    id: uuid('id').notNull().defaultRandom(),
    name: text('name').notNull(),
    /** The key's first characters (`tp_` and 8 more): what lists show and what a leaked key is found by. */
    prefix: text('prefix').notNull(),
    /** SHA-256 of the whole key, hex. */
    hash: text('hash').notNull(),
    scopes: text('scopes').array().$type<ApiScope[]>().notNull(),
    createdBy: text('created_by'),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    unique('api_keys_hash_unique').on(t.hash),
    unique('api_keys_prefix_unique').on(t.prefix),
  ],
);

export const customers = pgTable(
  'customers',
  {
    workspaceId: workspaceId(),
    id: text('id').notNull(),
    email: text('email'),
    phone: text('phone'),
    name: text('name'),
    birthday: date('birthday', { mode: 'string' }),
    timezone: text('timezone'),
    attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull().default({}),
    tags: text('tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** Missing channel = consented (opt-out model, as Customer.io); false = opted out. */
    consent: jsonb('consent').$type<Consent>().notNull().default({}),
    erasedAt: timestamp('erased_at', { withTimezone: true }),
    /**
     * The latest activity (a login, or any event that counts as activity), to within an hour; NULL for a
     * customer never seen active. The churn win-back sweep reads it through the index below.
     */
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true }),
    /** The churn win-back run started for the current silence; the next activity clears it. */
    churnRunId: text('churn_run_id'),
    /** Visits: activity after at least an hour without any (counted where last_activity_at moves). */
    visitCount: integer('visit_count').notNull().default(0),
    /** Totals over the customer's orders (the orders table), moved in the statement that stores an order. */
    orderCount: integer('order_count').notNull().default(0),
    totalSpend: numeric('total_spend', { precision: 14, scale: 2, mode: 'number' }).notNull().default(0),
    /** Loyalty tier: vip, loyal, potential, regular, churn_risk, new; moved by the tier journey. */
    tier: text('tier').notNull().default('new'),
    tierUpdatedAt: timestamp('tier_updated_at', { withTimezone: true }),
    points: integer('points').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    // Only customers without a run for their current silence: the sweep's range scan reads just the ones due.
    index('customers_churn_sweep_idx')
      .on(t.workspaceId, t.lastActivityAt)
      .where(sql`${t.churnRunId} is null and ${t.erasedAt} is null`),
  ],
);

export const events = pgTable(
  'events',
  {
    workspaceId: workspaceId(),
    /** The producer's idempotency key: the same id twice has the effect of once. */
    id: text('id').notNull(),
    type: text('type').notNull(),
    customerId: text('customer_id').notNull(),
    properties: jsonb('properties').$type<Record<string, unknown>>().notNull().default({}),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * The outbox (src/events/outbox.ts): set once a dispatcher started or signalled every journey run the
     * event concerns; NULL while it waits for one.
     */
    dispatchedAt: timestamp('dispatched_at', { withTimezone: true }),
    /** The order events were stored in: a customer's events are dispatched in it. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    /** TEMPORAL_TASK_QUEUE of the API that accepted it: only dispatchers of that queue claim it (NULL: any). */
    taskQueue: text('task_queue'),
    /** The churn win-back run this event ended (the customer came back), ended when it is dispatched. */
    endsRun: text('ends_run'),
    /** The dispatcher holding the event (its claim token) until `dispatch_lease_until`. */
    dispatchOwner: text('dispatch_owner'),
    /** The claim's lease, or (with no owner) when a failed dispatch is tried again. */
    dispatchLeaseUntil: timestamp('dispatch_lease_until', { withTimezone: true }),
    dispatchAttempts: integer('dispatch_attempts').notNull().default(0),
    /** Why the last attempt failed (Temporal unreachable…); NULL once dispatched. */
    dispatchError: text('dispatch_error'),
    /** The W3C traceparent of the request that sent it (tracing on): its dispatch continues that trace. */
    traceParent: text('trace_parent'),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index('events_customer_time_idx').on(t.workspaceId, t.customerId, t.occurredAt),
    // The outbox: the events not dispatched yet, claimed in the order they were stored.
    index('events_outbox_idx')
      .on(t.seq)
      .where(sql`${t.dispatchedAt} is null`),
    // A customer's earlier events waiting: their later ones wait behind them.
    index('events_outbox_customer_idx')
      .on(t.workspaceId, t.customerId, t.seq)
      .where(sql`${t.dispatchedAt} is null`),
  ],
);

export type MessageStatus =
  | 'pending'
  | 'sent'
  | 'delivered'
  | 'failed'
  | 'opened'
  | 'clicked'
  | 'converted'
  | 'skipped'
  /** A campaign simulation's record: rendered and stored, never sent. */
  | 'simulated'
  /**
   * Handed to the SMTP server or provider by an attempt that stopped before it could record the answer
   * (its worker died): it may have been sent once, and is never sent again. See docs/reliability.md.
   */
  | 'uncertain';

/** One row per touch. The idempotency key (workflow id + step) is what makes a step send at most once. */
export const messages = pgTable(
  'messages',
  {
    workspaceId: workspaceId(),
    id: uuid('id').notNull().defaultRandom(),
    idempotencyKey: text('idempotency_key').notNull(),
    customerId: text('customer_id').notNull(),
    journeyKey: text('journey_key'),
    journeyVersion: integer('journey_version'),
    campaignId: text('campaign_id'),
    /** The campaign execution (actual or simulation) a campaign record belongs to. */
    executionId: text('execution_id'),
    workflowId: text('workflow_id'),
    stepKey: text('step_key').notNull(),
    channel: text('channel').$type<ChannelName>().notNull(),
    status: text('status').$type<MessageStatus>().notNull().default('pending'),
    recipient: text('recipient'),
    subject: text('subject'),
    bodyHtml: text('body_html'),
    bodyText: text('body_text'),
    providerMessageId: text('provider_message_id'),
    response: jsonb('response').$type<Record<string, unknown>>(),
    errorMessage: text('error_message'),
    attempts: integer('attempts').notNull().default(0),
    /** Held by the one attempt sending this message; an attempt that died lets go when it expires. */
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    /** The attempt holding the lease (its fencing token): only it may mark the message sending. */
    claimToken: text('claim_token'),
    /** Set by the claim's holder just before it hands the message over: from then on no attempt sends it again. */
    sendingAt: timestamp('sending_at', { withTimezone: true }),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    /** The first open (the pixel) and click; later ones only count. */
    openedAt: timestamp('opened_at', { withTimezone: true }),
    clickedAt: timestamp('clicked_at', { withTimezone: true }),
    openCount: integer('open_count').notNull().default(0),
    clickCount: integer('click_count').notNull().default(0),
    /** A tracked email's link targets by index: the click redirect goes only to one of these. */
    links: jsonb('links').$type<string[]>(),
    /** When the recipient unsubscribed through this message's List-Unsubscribe link. */
    unsubscribedAt: timestamp('unsubscribed_at', { withTimezone: true }),
    /** Set once, by the order attributed to this touch (its time); its revenue and id with it. */
    convertedAt: timestamp('converted_at', { withTimezone: true }),
    revenue: numeric('revenue', { precision: 14, scale: 2, mode: 'number' }),
    /** Exempt from quiet hours and frequency caps, and not counted by them (a journey step's `transactional`). */
    transactional: boolean('transactional').notNull().default(false),
    conversionOrderId: text('conversion_order_id'),
    /** The experiment this message is an arm of, and the arm (a variant's key). */
    experimentId: text('experiment_id'),
    variant: text('variant'),
    /** Provider delivery feedback (POST /api/webhooks/delivery/:provider): the first report of each kind. */
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    bouncedAt: timestamp('bounced_at', { withTimezone: true }),
    /** hard (the address does not take mail: suppressed) or soft (recorded only); a hard bounce stays hard. */
    bounceType: text('bounce_type').$type<'hard' | 'soft'>(),
    complainedAt: timestamp('complained_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    unique('messages_idempotency_key_unique').on(t.workspaceId, t.idempotencyKey),
    // Tracking links and delivery reports name a message by its id alone: this finds its workspace.
    index('messages_id_idx').on(t.id),
    index('messages_customer_idx').on(t.workspaceId, t.customerId, t.createdAt),
    index('messages_journey_idx').on(t.workspaceId, t.journeyKey, t.status),
    index('messages_campaign_idx').on(t.workspaceId, t.campaignId, t.status),
    index('messages_campaign_customer_idx')
      .on(t.workspaceId, t.campaignId, t.customerId)
      .where(sql`${t.campaignId} is not null`),
    index('messages_experiment_idx')
      .on(t.workspaceId, t.experimentId, t.variant)
      .where(sql`${t.experimentId} is not null`),
    // Delivery webhooks name a message by the id its provider knows (the SMTP Message-ID, the HTTP provider's id).
    index('messages_provider_message_idx')
      .on(t.providerMessageId)
      .where(sql`${t.providerMessageId} is not null`),
  ],
);

export type SuppressionReason = 'hard_bounce' | 'complaint' | 'manual';

/**
 * Addresses nothing is sent to, whoever the customer: hard bounces and complaints reported by providers, and
 * manual entries. Addresses are normalised (src/delivery/suppression-lists.ts); every send checks the list.
 */
export const suppressions = pgTable(
  'suppressions',
  {
    workspaceId: workspaceId(),
    channel: text('channel').$type<SuppressionChannel>().notNull(),
    address: text('address').notNull(),
    reason: text('reason').$type<SuppressionReason>().notNull(),
    /** The provider whose webhook reported it, or `api` (manual). */
    source: text('source').notNull(),
    /** The message the report was about, when it named one. */
    messageId: uuid('message_id'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.channel, t.address] })],
);

/** Journey configuration, versioned: a running journey keeps the version it started with. */
export const journeyConfigs = pgTable(
  'journey_configs',
  {
    workspaceId: workspaceId(),
    key: text('key').notNull(),
    version: integer('version').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    steps: jsonb('steps').$type<JourneyStep[]>().notNull(),
    /** A journey's own settings beyond its steps (the tier journey's rules), versioned with them. */
    settings: jsonb('settings').$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.key, t.version] })],
);

export const coupons = pgTable(
  'coupons',
  {
    workspaceId: workspaceId(),
    code: text('code').notNull(),
    /** workflow id + step: a retried activity gets the coupon it already issued. */
    idempotencyKey: text('idempotency_key').notNull(),
    customerId: text('customer_id').notNull(),
    journeyKey: text('journey_key'),
    percentOff: integer('percent_off').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    redeemedAt: timestamp('redeemed_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.code] }), unique('coupons_idempotency_key_unique').on(t.workspaceId, t.idempotencyKey)],
);

/** Tasks for the sales team's CRM (cart recovery's phone callback), one per journey step. */
export const crmTasks = pgTable(
  'crm_tasks',
  {
    workspaceId: workspaceId(),
    id: uuid('id').notNull().defaultRandom(),
    idempotencyKey: text('idempotency_key').notNull(),
    customerId: text('customer_id').notNull(),
    journeyKey: text('journey_key'),
    workflowId: text('workflow_id'),
    stepKey: text('step_key').notNull(),
    title: text('title').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    status: text('status').$type<'open' | 'done'>().notNull().default('open'),
    webhookUrl: text('webhook_url'),
    webhookDeliveredAt: timestamp('webhook_delivered_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    unique('crm_tasks_idempotency_key_unique').on(t.workspaceId, t.idempotencyKey),
    index('crm_tasks_customer_idx').on(t.workspaceId, t.customerId, t.createdAt),
  ],
);

/**
 * Every journey run the API started, by workflow id: how "all journeys of customer X" is answered without
 * waiting for Temporal's (eventually consistent) visibility store, on any Temporal server.
 */
export const journeyRuns = pgTable(
  'journey_runs',
  {
    workspaceId: workspaceId(),
    workflowId: text('workflow_id').notNull(),
    journeyKey: text('journey_key').notNull(),
    customerId: text('customer_id').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.workflowId] }),
    index('journey_runs_customer_idx').on(t.workspaceId, t.customerId),
    index('journey_runs_journey_idx').on(t.workspaceId, t.journeyKey, t.startedAt),
  ],
);

/** Orders from `order_completed` events: one row per order id, so a repeated order counts once. */
export const orders = pgTable(
  'orders',
  {
    workspaceId: workspaceId(),
    id: text('id').notNull(),
    customerId: text('customer_id').notNull(),
    eventId: text('event_id'),
    amount: numeric('amount', { precision: 14, scale: 2, mode: 'number' }).notNull(),
    currency: text('currency'),
    /** [{ sku, name?, category?, price, quantity }] */
    items: jsonb('items').$type<Array<Record<string, unknown>>>().notNull().default([]),
    cartId: text('cart_id'),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index('orders_customer_time_idx').on(t.workspaceId, t.customerId, t.occurredAt)],
);

/**
 * Items bought per customer, UTC day and category, kept by a trigger on `orders` (migration 0010) in the
 * statement that inserts the orders: an order counts once, when its row is first inserted (a repeated
 * order id inserts nothing, so it adds nothing). The `<category>_lover` tags read it instead of expanding
 * every order's items. By day, not as running totals, because the tags count the items of a window (the
 * last `windowDays` days, a setting) that moves with time: the refresh sums the days wholly inside it and
 * recounts the one day it starts in from that day's orders (src/intelligence/sql.ts). Per day rather than
 * per order: a customer's orders of one day share their rows. Items without a
 * category are counted under '' (they count in the total, never make a tag).
 */
export const customerCategoryDays = pgTable(
  'customer_category_days',
  {
    workspaceId: workspaceId(),
    customerId: text('customer_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    category: text('category').notNull(),
    /** Sum of the items' quantities (1 when absent), as the refresh sums them. */
    items: doublePrecision('items').notNull(),
  },
  // Migration 0010 adds INCLUDE (items) to the key's index (drizzle cannot say it): the refresh reads the
  // window's counts from the index alone, already in (customer, category) order.
  (t) => [primaryKey({ columns: [t.workspaceId, t.customerId, t.category, t.day] })],
);

/**
 * Orders per customer, UTC day and local hour, kept by a trigger on `orders` (migration 0011) in the
 * statement that inserts the orders (a repeated order id inserts nothing, so it adds nothing), as
 * customer_category_days keeps their items. `hour` is the hour of the day the orders were placed at in the
 * customer's time zone (UTC when none, or when the customer does not exist): a trigger on `customers`
 * recomputes a customer's rows from their orders when their time zone changes. The refresh reads F, M, the
 * night orders and the lifetime facts (count, first and last order) from here instead of the orders: the
 * days wholly inside the window summed, the day the window starts in recounted from that day's orders
 * (src/intelligence/sql.ts).
 */
export const customerOrderHours = pgTable(
  'customer_order_hours',
  {
    workspaceId: workspaceId(),
    customerId: text('customer_id').notNull(),
    /** The orders' UTC day. */
    day: date('day', { mode: 'string' }).notNull(),
    /** The orders' hour (0–23) in the customer's time zone, UTC when none. */
    hour: smallint('hour').notNull(),
    orders: integer('orders').notNull(),
    /** Sum of the orders' amounts (exact). */
    amount: numeric('amount').notNull(),
    firstAt: timestamp('first_at', { withTimezone: true }).notNull(),
    lastAt: timestamp('last_at', { withTimezone: true }).notNull(),
  },
  // Migration 0011 adds INCLUDE (orders, amount, first_at, last_at) to the key's index (drizzle cannot say
  // it): the refresh reads them from the index alone, in customer order.
  (t) => [primaryKey({ columns: [t.workspaceId, t.customerId, t.day, t.hour] })],
);

/** Every tier change with the rewards it granted; the idempotency key makes an upgrade happen once. */
export const upgradeHistory = pgTable(
  'upgrade_history',
  {
    workspaceId: workspaceId(),
    id: uuid('id').notNull().defaultRandom(),
    idempotencyKey: text('idempotency_key').notNull(),
    customerId: text('customer_id').notNull(),
    fromTier: text('from_tier').notNull(),
    toTier: text('to_tier').notNull(),
    rewards: jsonb('rewards').$type<Record<string, unknown>>().notNull().default({}),
    /** What triggered it: 'automatic' (the tier journey) or 'api' (upgrade/execute). */
    source: text('source').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    unique('upgrade_history_idempotency_key_unique').on(t.workspaceId, t.idempotencyKey),
    index('upgrade_history_customer_idx').on(t.workspaceId, t.customerId, t.createdAt),
  ],
);

/** A campaign's send time on each customer's clock: a time of day, or their best hour. */
export type CampaignSendAt = { localTime: string } | { bestHour: true };

/** A gift's fulfilment: pending → processing → shipped → delivered, or cancelled before it ships. */
export type GiftStatus = 'pending' | 'processing' | 'shipped' | 'delivered' | 'cancelled';

/**
 * Gifts owed to customers (a tier upgrade's reward), one per idempotency key: the CRM or warehouse polls
 * the pending ones or is told by webhook, and moves each through its fulfilment status.
 */
export const gifts = pgTable(
  'gifts',
  {
    workspaceId: workspaceId(),
    id: uuid('id').notNull().defaultRandom(),
    /** `upgrade/<upgrade key>`: a retried upgrade finds the gift it made. */
    idempotencyKey: text('idempotency_key').notNull(),
    customerId: text('customer_id').notNull(),
    /** What owes it: 'tier_upgrade'. */
    source: text('source').notNull(),
    upgradeId: uuid('upgrade_id'),
    sku: text('sku').notNull(),
    name: text('name').notNull(),
    status: text('status').$type<GiftStatus>().notNull().default('pending'),
    /** Every status with when it was set (and the CRM's note), oldest first. */
    history: jsonb('history').$type<{ status: GiftStatus; at: string; note?: string }[]>().notNull().default([]),
    trackingNumber: text('tracking_number'),
    webhookDeliveredAt: timestamp('webhook_delivered_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    unique('gifts_idempotency_key_unique').on(t.workspaceId, t.idempotencyKey),
    index('gifts_customer_idx').on(t.workspaceId, t.customerId, t.createdAt),
    index('gifts_status_idx').on(t.workspaceId, t.status, t.createdAt),
  ],
);

/** A social post's life: scheduled → publishing → published, or failed, cancelled, uncertain (see src/social/). */
export type SocialPostStatus = 'scheduled' | 'publishing' | 'published' | 'failed' | 'cancelled' | 'uncertain';

/** Posts to a workspace's social accounts, published at their time through the workspace's social provider. */
export const socialPosts = pgTable(
  'social_posts',
  {
    workspaceId: workspaceId(),
    id: uuid('id').notNull().defaultRandom(),
    /** The account the provider posts as (e.g. `weibo:@shop`, `wechat_official:shop`). */
    account: text('account').notNull(),
    text: text('text').notNull(),
    mediaUrls: jsonb('media_urls').$type<string[]>().notNull().default([]),
    link: text('link'),
    scheduledAt: timestamp('scheduled_at', { withTimezone: true }).notNull(),
    status: text('status').$type<SocialPostStatus>().notNull().default('scheduled'),
    /** The attempt publishing it: only its token may record the answer. */
    claimToken: text('claim_token'),
    publishingAt: timestamp('publishing_at', { withTimezone: true }),
    providerPostId: text('provider_post_id'),
    error: text('error'),
    response: jsonb('response').$type<Record<string, unknown>>(),
    publishedAt: timestamp('published_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index('social_posts_scheduled_idx').on(t.workspaceId, t.scheduledAt)],
);

/** Marketer-defined flows; the definition lives in versions. */
export const flows = pgTable(
  'flows',
  {
    workspaceId: workspaceId(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    triggerEvent: text('trigger_event').notNull(),
    active: boolean('active').notNull().default(false),
    /** The latest version; new runs take it, runs in flight keep the one they started with. */
    version: integer('version').notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    unique('flows_name_unique').on(t.workspaceId, t.name),
    index('flows_trigger_idx')
      .on(t.workspaceId, t.triggerEvent)
      .where(sql`${t.active}`),
  ],
);

export const flowVersions = pgTable(
  'flow_versions',
  {
    workspaceId: workspaceId(),
    flowId: text('flow_id').notNull(),
    version: integer('version').notNull(),
    name: text('name').notNull(),
    triggerEvent: text('trigger_event').notNull(),
    actions: jsonb('actions').$type<Array<Record<string, unknown>>>().notNull(),
    /** Event types that end a run of this version at once. */
    exitOn: text('exit_on')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.flowId, t.version] })],
);

/** The campaign types; `push_notification` sends on the push channel. */
export type CampaignType = 'email' | 'sms' | 'push_notification' | 'wechat' | 'webhook';
export type CampaignStatus = 'draft' | 'scheduled' | 'active' | 'paused' | 'completed' | 'cancelled' | 'archived';

/**
 * A marketing campaign. Its records are rows of `messages` (campaign_id, execution_id): one table
 * for every touch, so a campaign's records and a journey's messages are counted, tracked and capped alike.
 */
export const marketingCampaigns = pgTable(
  'marketing_campaigns',
  {
    workspaceId: workspaceId(),
    id: uuid('id').notNull().defaultRandom(),
    name: text('name').notNull(),
    type: text('type').$type<CampaignType>().notNull(),
    status: text('status').$type<CampaignStatus>().notNull().default('draft'),
    targetTags: text('target_tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    targetSegmentId: text('target_segment_id'),
    contentTemplateId: text('content_template_id'),
    /** Inline content: a string, or the channel's parts ({ subject, html, text } for email). */
    content: jsonb('content').$type<string | Record<string, string | Record<string, string>>>(),
    /**
     * A campaign on several channels: their types in order (the first is `type`), and how they combine —
     * `all` (a message on each) or `fallback` (the next only where the one before could not reach). Null: `type` alone.
     */
    channels: text('channels').array().$type<CampaignType[]>(),
    channelMode: text('channel_mode').$type<'all' | 'fallback'>(),
    /** When each customer gets it, on their own clock (held by a one-arm send-time experiment); null: at once. */
    sendAt: jsonb('send_at').$type<CampaignSendAt>(),
    /** webhook campaigns: where each customer's message is POSTed. */
    webhookUrl: text('webhook_url'),
    /** Messages per second for this campaign (under the channel's own limit); null: the channel's limit. */
    rateLimit: integer('rate_limit'),
    startTime: timestamp('start_time', { withTimezone: true }),
    endTime: timestamp('end_time', { withTimezone: true }),
    actualStartTime: timestamp('actual_start_time', { withTimezone: true }),
    actualEndTime: timestamp('actual_end_time', { withTimezone: true }),
    /** The actual execution (scheduled or running or done); simulations have their own ids, not kept here. */
    executionId: text('execution_id'),
    /** The actual execution's final counts, kept when it ends (while it runs, the workflow answers). */
    stats: jsonb('stats').$type<Record<string, unknown>>(),
    createdBy: text('created_by'),
    updatedBy: text('updated_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index('marketing_campaigns_status_idx').on(t.workspaceId, t.status, t.createdAt)],
);

/** Stored message templates per channel (Liquid parts), referenced by campaigns' content_template_id. */
export const templates = pgTable(
  'templates',
  {
    workspaceId: workspaceId(),
    id: uuid('id').notNull().defaultRandom(),
    name: text('name').notNull(),
    channel: text('channel').$type<CampaignType>().notNull(),
    /** email: subject, html, text; sms: text; push_notification: title, body; wechat: template_id, url, data keys; webhook: body. */
    parts: jsonb('parts').$type<Record<string, string>>().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] })],
);

/** Customer segments; members are kept in segment_members (refreshed from the segment's rules). */
export const segments = pgTable(
  'segments',
  {
    workspaceId: workspaceId(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    rules: jsonb('rules').$type<Record<string, unknown>>(),
    /** Members at the last refresh. */
    memberCount: integer('member_count').notNull().default(0),
    refreshedAt: timestamp('refreshed_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] })],
);

/**
 * What the customer-intelligence refresh computed for each customer: RFM values and
 * scores, the segment (VIP, loyal, potential, regular, churn-risk, new — where the customer stands now,
 * unlike `customers.tier`, the loyalty level the tier journey moves up), the computed tags with their
 * evidence. Rewritten whole by each refresh.
 */
export const customerInsights = pgTable(
  'customer_insights',
  {
    workspaceId: workspaceId(),
    customerId: text('customer_id').notNull(),
    /** Days since the last order; null: no order. */
    recencyDays: integer('recency_days'),
    /** Orders and their total in the RFM window. */
    frequency: integer('frequency').notNull().default(0),
    monetary: numeric('monetary', { precision: 14, scale: 2, mode: 'number' }).notNull().default(0),
    /** 1 (low) to 3 (high) by the threshold table, or 1–5 by quintiles (rfmMethod). */
    rScore: integer('r_score').notNull(),
    fScore: integer('f_score').notNull(),
    mScore: integer('m_score').notNull(),
    rfmMethod: text('rfm_method').notNull(),
    segment: text('segment').notNull(),
    /** Computed tags (manual ones stay in customers.tags). */
    tags: text('tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /**
     * Why each tag holds: { high_frequency: { orders: 7 }, … }. Written by a one-customer refresh (what
     * answering the customer's tags runs first); a full refresh leaves '{}', evidence being only ever read
     * for one customer.
     */
    evidence: jsonb('evidence').$type<Record<string, unknown>>().notNull().default({}),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * Customer lifetime value (src/intelligence/clv/, docs/clv.md), written by a full refresh: revenue to
     * date (null: no full refresh has included the customer yet — a one-customer refresh leaves these
     * columns be), the BG/NBD inputs (repeat purchase days, days first→last purchase day, days first
     * purchase → the refresh's day), and the model's predictions; null with no order, or no model.
     */
    historicClv: numeric('historic_clv', { precision: 14, scale: 2, mode: 'number' }),
    clvFrequency: integer('clv_frequency'),
    clvRecencyDays: integer('clv_recency_days'),
    clvAgeDays: integer('clv_age_days'),
    expectedPurchases12m: doublePrecision('expected_purchases_12m'),
    pAlive: doublePrecision('p_alive'),
    expectedOrderValue: doublePrecision('expected_order_value'),
    predictedClv12m: doublePrecision('predicted_clv_12m'),
    // Behaviour data (src/intelligence/behaviour.ts, docs/intelligence.md "Behaviour data").
    /** The top two time slots of the window's orders, opens and clicks: [{ slot, hours, touches }]. */
    preferredTimeSlots: jsonb('preferred_time_slots')
      .$type<Array<{ slot: string; hours: string; touches: number }>>()
      .notNull()
      .default([]),
    /** Marketing (not transactional) messages sent in the window, and those of them opened or clicked. */
    marketingSent: integer('marketing_sent').notNull().default(0),
    marketingResponded: integer('marketing_responded').notNull().default(0),
    /** marketingResponded / marketingSent (0–1); null: none sent. */
    responseRate: numeric('response_rate', { precision: 5, scale: 4, mode: 'number' }),
    /** 0–1 by the rule of behaviour.ts churnRiskOf; null: never ordered. */
    churnRisk: numeric('churn_risk', { precision: 5, scale: 4, mode: 'number' }),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.customerId] }), index('customer_insights_segment_idx').on(t.workspaceId, t.segment)],
);

/** Item-to-item similarity from co-purchases (recommendations), recomputed by a batch on a schedule. */
export const itemSimilarity = pgTable(
  'item_similarity',
  {
    workspaceId: workspaceId(),
    item: text('item').notNull(),
    other: text('other').notNull(),
    /** Cosine similarity of the two items' buyer sets, 0–1. */
    score: numeric('score', { precision: 8, scale: 6, mode: 'number' }).notNull(),
    /** Customers who bought both. */
    together: integer('together').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.item, t.other] })],
);

/** Settings of customer intelligence (RFM thresholds and window, segment rules), versioned by replacement. */
export const intelligenceSettings = pgTable(
  'intelligence_settings',
  {
    workspaceId: workspaceId(),
    key: text('key').notNull(),
    value: jsonb('value').$type<Record<string, unknown>>().notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.key] })],
);

export const segmentMembers = pgTable(
  'segment_members',
  {
    workspaceId: workspaceId(),
    segmentId: text('segment_id').notNull(),
    customerId: text('customer_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.segmentId, t.customerId] })],
);

export type Customer = typeof customers.$inferSelect;
export type WorkspaceRow = typeof workspaces.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type EventRow = typeof events.$inferSelect;
export type Message = typeof messages.$inferSelect;
export type JourneyConfigRow = typeof journeyConfigs.$inferSelect;

export type ExperimentStatus = 'draft' | 'running' | 'stopped' | 'completed';
export type ExperimentGoal = 'open_rate' | 'click_rate' | 'conversion_rate' | 'revenue_per_recipient';
export type ExperimentMode = 'fixed' | 'sequential';

/** One arm of an experiment: what it changes in the message it belongs to (any of these; none: the original). */
export interface ExperimentVariant {
  key: string;
  name?: string;
  weight: number;
  subject?: string;
  /** Inline content (a string, or the channel's parts), as a campaign's `content`. */
  content?: string | Record<string, string>;
  templateId?: string;
  /** Send at this customer-local time of day ("09:00"), or this many minutes after the message would go. */
  sendAt?: { localTime: string } | { offsetMinutes: number } | { bestHour: true };
  channel?: ChannelName;
}

/**
 * An A/B (or A/B/n) test of a campaign's message, or of one send step of a journey or a flow. Variants
 * (the first one is the control) and an optional holdout split the customers by a hash of (experiment,
 * customer); `experiment_assignments` keeps each customer's arm, so results join on it.
 */
export const experiments = pgTable(
  'experiments',
  {
    workspaceId: workspaceId(),
    id: uuid('id').notNull().defaultRandom(),
    /** What the CLI names it by (`touchpoint ab report --test NAME`): unique in its workspace. */
    name: text('name').notNull(),
    /**
     * `ab_test`: made through the API. `send_time`: one arm that holds a campaign's send time (a holiday
     * campaign's local time, a campaign's `send_at`), kept by the system and not listed among experiments.
     */
    kind: text('kind').$type<'ab_test' | 'send_time'>().notNull().default('ab_test'),
    status: text('status').$type<ExperimentStatus>().notNull().default('draft'),
    campaignId: text('campaign_id'),
    journeyKey: text('journey_key'),
    flowId: text('flow_id'),
    /** The journey's or flow's send step the variants apply to. */
    stepKey: text('step_key'),
    variants: jsonb('variants').$type<ExperimentVariant[]>().notNull(),
    /** The share (0–1) of customers in the holdout, who get nothing; 0: none. */
    holdout: doublePrecision('holdout').notNull().default(0),
    goal: text('goal').$type<ExperimentGoal>().notNull(),
    guardMetrics: text('guard_metrics')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    mode: text('mode').$type<ExperimentMode>().notNull().default('fixed'),
    alpha: doublePrecision('alpha').notNull().default(0.05),
    power: doublePrecision('power').notNull().default(0.8),
    /** The minimum detectable effect (absolute, in the goal's unit) the sample size is planned for. */
    minimumDetectableEffect: doublePrecision('minimum_detectable_effect'),
    /** Auto-winner (campaigns): the share of the audience in the test; null: everyone is in the test. */
    testFraction: doublePrecision('test_fraction'),
    /** Auto-winner: seconds between the test's sends and the choice of the winner. */
    winnerWaitSeconds: integer('winner_wait_seconds'),
    winnerVariant: text('winner_variant'),
    /** How the winner was chosen: `significant`, `not_significant_control` (no winner: the control), `promoted`. */
    winnerReason: text('winner_reason'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    startedAt: timestamp('started_at', { withTimezone: true }),
    stoppedAt: timestamp('stopped_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    unique('experiments_name_unique').on(t.workspaceId, t.name),
    index('experiments_campaign_idx')
      .on(t.workspaceId, t.campaignId)
      .where(sql`${t.campaignId} is not null`),
    index('experiments_step_idx')
      .on(t.workspaceId, t.journeyKey, t.flowId, t.stepKey)
      .where(sql`${t.stepKey} is not null`),
  ],
);

/** A customer's arm of an experiment, chosen once by hash and kept: `phase` `rollout` is the auto-winner's rest. */
export const experimentAssignments = pgTable(
  'experiment_assignments',
  {
    workspaceId: workspaceId(),
    experimentId: text('experiment_id').notNull(),
    customerId: text('customer_id').notNull(),
    /** A variant's key, or `holdout`. */
    variant: text('variant').notNull(),
    phase: text('phase').$type<'test' | 'rollout'>().notNull().default('test'),
    assignedAt: timestamp('assigned_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.experimentId, t.customerId] }),
    index('experiment_assignments_variant_idx').on(t.workspaceId, t.experimentId, t.phase, t.variant),
  ],
);

/** A workspace's own holiday (the shipped calendar is src/holidays/calendar.ts): a month-day every year, or given dates per year. */
export const holidays = pgTable(
  'holidays',
  {
    workspaceId: workspaceId(),
    id: uuid('id').notNull().defaultRandom(),
    name: text('name').notNull(),
    /** `MM-DD`, every year; null: `dates` only. */
    monthDay: text('month_day'),
    /** `{ "2027": "2027-02-06" }`: the date in each year it has one. */
    dates: jsonb('dates').$type<Record<string, string>>(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), unique('holidays_name_unique').on(t.workspaceId, t.name)],
);

/** A campaign sent every year on a holiday, at a local time of day: each year's run is a campaign of its own (src/holidays/). */
export const holidayCampaigns = pgTable(
  'holiday_campaigns',
  {
    workspaceId: workspaceId(),
    id: uuid('id').notNull().defaultRandom(),
    name: text('name').notNull(),
    /** A shipped holiday's key (`spring-festival`) or the id of one of the workspace's own. */
    holidayId: text('holiday_id').notNull(),
    type: text('type').$type<CampaignType>().notNull(),
    targetTags: text('target_tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    targetSegmentId: text('target_segment_id'),
    contentTemplateId: text('content_template_id'),
    content: jsonb('content').$type<string | Record<string, string>>(),
    /** `HH:MM` in each customer's time zone. */
    sendTime: text('send_time').notNull(),
    createdBy: text('created_by'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] })],
);
