// Journeys' configuration as every part of the system reads it: the steps' types and the default
// journeys. Pure: workflow code reads these types, so the API's schema for them (and its Liquid check of
// their templates) is in src/journeys/steps-schema.ts.
import { type ActivationSettings, DEFAULT_ACTIVATION_EVENT } from './activation.js';
import { DEFAULT_TIER_RULES } from './tiers.js';

/** A duration as Temporal reads it: "0s", "24 hours", "7 days", or milliseconds. */
export type Duration = number | string;

interface StepBase {
  /** Lowercase letters, digits, _ or -; unique within the journey. */
  key: string;
  /** Time from the start of the journey (or from its last clock restart) to this step. */
  offset: Duration;
}

export interface EmailStep extends StepBase {
  channel: 'email';
  template: { subject: string; html: string; text: string };
  /** When set, the step issues a unique coupon first; templates see it as {{ coupon.code }}. */
  coupon?: { percentOff: number; validDays: number };
  /** A message the customer's own action asked for (a signup's welcome): no quiet hours, no frequency caps. */
  transactional?: boolean;
  /**
   * When due, the step waits for this time of day on the customer's clock (a local time, or their best
   * hour), then sends. Unset: at once. A send-time arm of the step's experiment takes its place.
   */
  sendAt?: { localTime: string } | { bestHour: true };
}

/** A task for the sales team's CRM (a row in crm_tasks, and a POST to the CRM's webhook when one is set). */
export interface CrmTaskStep extends StepBase {
  channel: 'crm_task';
  task: { title: string; webhookUrl?: string };
}

export type JourneyStep = EmailStep | CrmTaskStep;

export interface JourneyConfig {
  key: string;
  version: number;
  enabled: boolean;
  steps: JourneyStep[];
  /** A journey's own settings (the tier journey's rules), versioned with its steps; null when it has none. */
  settings?: Record<string, unknown> | null;
}

const cartHtml =
  '<ul>{% for item in cart.items %}<li>{{ item.quantity }} × {{ item.name }} ({{ item.price }} {{ cart.currency }})</li>{% endfor %}</ul>';
const cartText = '{% for item in cart.items %}\n- {{ item.quantity }} x {{ item.name }} ({{ item.price }} {{ cart.currency }}){% endfor %}';

// Items similar to what the customer bought (src/recommendations/); nothing at all when there are none.
const alsoLike = {
  html: '{% if recommendations.size > 0 %}<p>You may also like:</p><ul>{% for item in recommendations %}<li>{{ item.name | default: item.sku }}</li>{% endfor %}</ul>{% endif %}',
  text: '{% if recommendations.size > 0 %}\n\nYou may also like:{% for item in recommendations %}\n- {{ item.name | default: item.sku }}{% endfor %}{% endif %}',
};

const footer = {
  html: '<p style="color:#888;font-size:12px">You receive this because you signed up to {{ brand }}.</p>',
  text: '\n--\nYou receive this because you signed up to {{ brand }}.',
};

/** The body of every step that hands out a coupon (the welcome series' gift and the churn offer). */
const couponOffer = {
  html:
    '<p>Hi {{ customer.name | default: "there" }}, use code <strong>{{ coupon.code }}</strong> for {{ coupon.percent_off }}% off until {{ coupon.expires_on }}.</p>' +
    footer.html,
  text:
    'Hi {{ customer.name | default: "there" }}, use code {{ coupon.code }} for {{ coupon.percent_off }}% off until {{ coupon.expires_on }}.' +
    footer.text,
};

/** The welcome series: welcome at once, onboarding guide after 24 h, an exclusive coupon after 7 days. */
export const defaultJourneyConfigs: Record<string, JourneyStep[]> = {
  welcome: [
    {
      key: 'welcome',
      offset: '0s',
      channel: 'email',
      // The answer to the signup itself: at any hour, and not counted by frequency caps.
      transactional: true,
      template: {
        subject: 'Welcome to {{ brand }}, {{ customer.name | default: "friend" }}!',
        html: '<h1>Welcome, {{ customer.name | default: "friend" }}!</h1><p>We are glad you are here.</p>' + footer.html,
        text: 'Welcome, {{ customer.name | default: "friend" }}! We are glad you are here.' + footer.text,
      },
    },
    {
      key: 'guide',
      offset: '24 hours',
      channel: 'email',
      template: {
        subject: 'Getting started with {{ brand }}',
        html:
          '<h1>Your first steps</h1><p>Hi {{ customer.name | default: "there" }}, here is how to get the most out of {{ brand }}.</p>' +
          footer.html,
        text: 'Hi {{ customer.name | default: "there" }}, here is how to get the most out of {{ brand }}.' + footer.text,
      },
    },
    {
      key: 'coupon',
      offset: '7 days',
      channel: 'email',
      coupon: { percentOff: 15, validDays: 30 },
      template: {
        subject: 'A gift for you: {{ coupon.percent_off }}% off',
        html: couponOffer.html,
        text: couponOffer.text,
      },
    },
  ],
  /** Cart recovery: a reminder after 1 h, a coupon after 24 h, a call from sales after 72 h. */
  cart_recovery: [
    {
      key: 'reminder',
      offset: '1 hour',
      channel: 'email',
      template: {
        subject: 'You left something in your cart',
        html: '<p>Hi {{ customer.name | default: "there" }}, your cart is waiting:</p>' + cartHtml + alsoLike.html + footer.html,
        text: 'Hi {{ customer.name | default: "there" }}, your cart is waiting:' + cartText + alsoLike.text + footer.text,
      },
    },
    {
      key: 'coupon',
      offset: '24 hours',
      channel: 'email',
      coupon: { percentOff: 10, validDays: 3 },
      template: {
        subject: '{{ coupon.percent_off }}% off the items in your cart',
        html:
          '<p>Still thinking it over? Code <strong>{{ coupon.code }}</strong> takes {{ coupon.percent_off }}% off:</p>' +
          cartHtml +
          footer.html,
        text: 'Still thinking it over? Code {{ coupon.code }} takes {{ coupon.percent_off }}% off:' + cartText + footer.text,
      },
    },
    {
      key: 'callback',
      offset: '72 hours',
      channel: 'crm_task',
      task: { title: 'Call {{ customer.name | default: customer.id }} about their abandoned cart ({{ cart.total }} {{ cart.currency }})' },
    },
  ],
  /** Churn win-back: offsets count from the customer's last activity; any new activity restarts them. */
  churn_win_back: [
    {
      key: 'miss_you',
      offset: '30 days',
      channel: 'email',
      template: {
        subject: 'We miss you, {{ customer.name | default: "friend" }}',
        html:
          '<p>Hi {{ customer.name | default: "there" }}, it has been a while. Here is what is new at {{ brand }}.</p>' +
          alsoLike.html +
          footer.html,
        text:
          'Hi {{ customer.name | default: "there" }}, it has been a while. Here is what is new at {{ brand }}.' +
          alsoLike.text +
          footer.text,
      },
    },
    {
      key: 'offer',
      offset: '45 days',
      channel: 'email',
      coupon: { percentOff: 20, validDays: 7 },
      template: {
        subject: 'Come back: {{ coupon.percent_off }}% off for 7 days',
        html: couponOffer.html,
        text: couponOffer.text,
      },
    },
    {
      key: 'final_recall',
      offset: '60 days',
      channel: 'email',
      template: {
        subject: 'Should we stay in touch, {{ customer.name | default: "friend" }}?',
        html:
          '<p>Hi {{ customer.name | default: "there" }}, we have not seen you for two months. This is our last reminder.</p>' + footer.html,
        text: 'Hi {{ customer.name | default: "there" }}, we have not seen you for two months. This is our last reminder.' + footer.text,
      },
    },
  ],
  /** Birthday: every year at 09:00 in the customer's zone, a greeting with a coupon (the offset does not apply). */
  birthday: [
    {
      key: 'greeting',
      offset: '0s',
      channel: 'email',
      coupon: { percentOff: 20, validDays: 30 },
      template: {
        subject: 'Happy birthday, {{ customer.name | default: "friend" }}!',
        html:
          '<h1>Happy birthday, {{ customer.name | default: "friend" }}!</h1><p>Here is {{ coupon.percent_off }}% off, on us: use code <strong>{{ coupon.code }}</strong> until {{ coupon.expires_on }}.</p>' +
          footer.html,
        text:
          'Happy birthday, {{ customer.name | default: "friend" }}! Here is {{ coupon.percent_off }}% off, on us: use code {{ coupon.code }} until {{ coupon.expires_on }}.' +
          footer.text,
      },
    },
  ],
  /**
   * Activation: a signup who has not reached the key action (their first order, or the event its settings
   * name) by each step is nudged at 3 days and offered a coupon at 10 (the welcome series' own coupon goes
   * at 7); the action ends the run at once.
   */
  activation: [
    {
      key: 'nudge',
      offset: '3 days',
      channel: 'email',
      template: {
        subject: '{{ customer.name | default: "Hi" }}, your first order at {{ brand }} is one step away',
        html:
          '<p>Hi {{ customer.name | default: "there" }}, you signed up a few days ago but have not placed your first order yet. Everything is ready when you are.</p>' +
          alsoLike.html +
          footer.html,
        text:
          'Hi {{ customer.name | default: "there" }}, you signed up a few days ago but have not placed your first order yet. Everything is ready when you are.' +
          alsoLike.text +
          footer.text,
      },
    },
    {
      key: 'coupon',
      offset: '10 days',
      channel: 'email',
      coupon: { percentOff: 10, validDays: 14 },
      template: {
        subject: '{{ coupon.percent_off }}% off your first order',
        html: couponOffer.html,
        text: couponOffer.text,
      },
    },
  ],
  /** Tier upgrade: a congratulation on every upgrade; the tier rules are its settings. */
  tier_upgrade: [
    {
      key: 'congratulation',
      offset: '0s',
      channel: 'email',
      // News of the customer's own status: not paced as marketing.
      transactional: true,
      template: {
        subject: 'Congratulations, {{ customer.name | default: "friend" }}: you are now {{ upgrade.to_label }}',
        html:
          '<h1>Welcome to {{ upgrade.to_label }}!</h1><p>Hi {{ customer.name | default: "there" }}, thank you for your loyalty. You earned <strong>{{ upgrade.points }} points</strong> (now {{ upgrade.total_points }}).</p>' +
          '{% if coupon %}<p>Your {{ upgrade.to_label }} gift: code <strong>{{ coupon.code }}</strong> for {{ coupon.percent_off }}% off until {{ coupon.expires_on }}.</p>{% endif %}' +
          '{% if gift %}<p>A present is on its way to you: {{ gift.name }}.</p>{% endif %}' +
          '{% if discount %}<p>As {{ upgrade.to_label }} you save {{ discount.percent_off }}% on every order.</p>{% endif %}' +
          footer.html,
        text:
          'Hi {{ customer.name | default: "there" }}, thank you for your loyalty: you are now {{ upgrade.to_label }} and earned {{ upgrade.points }} points (now {{ upgrade.total_points }}).' +
          '{% if coupon %} Your gift: code {{ coupon.code }} for {{ coupon.percent_off }}% off until {{ coupon.expires_on }}.{% endif %}' +
          '{% if gift %} A present is on its way to you: {{ gift.name }}.{% endif %}' +
          '{% if discount %} As {{ upgrade.to_label }} you save {{ discount.percent_off }}% on every order.{% endif %}' +
          footer.text,
      },
    },
  ],
};

/** Settings of version 1, for journeys that have any. */
export const defaultJourneySettings: Record<string, Record<string, unknown>> = {
  tier_upgrade: DEFAULT_TIER_RULES as unknown as Record<string, unknown>,
  activation: { activationEvent: DEFAULT_ACTIVATION_EVENT } satisfies ActivationSettings,
};

/**
 * Journeys whose version 1 is switched off: turning one on is the marketer's choice (activation would
 * otherwise add two marketing emails to every signup's first days, beside the welcome series).
 */
export const journeysOffByDefault: ReadonlySet<string> = new Set(['activation']);
