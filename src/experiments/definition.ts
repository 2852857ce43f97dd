// An experiment as the API takes it (snake_case JSON) and as it is stored: the checks that a definition can
// run — its target, 2 to 8 arms with unique keys and positive weights, what each arm changes, the holdout and
// the auto-winner's test fraction — each failure a 422 naming its field.
import type { CampaignType, ExperimentGoal, ExperimentMode, ExperimentVariant } from '../db/schema.js';
import type { ChannelName } from '../domain/channels.js';
import { DomainError } from '../domain/errors.js';
import { campaignParts } from '../templates/parts.js';
import { HOLDOUT } from './assignment.js';

export const GOALS = ['open_rate', 'click_rate', 'conversion_rate', 'revenue_per_recipient'] as const satisfies readonly ExperimentGoal[];
export const GUARD_METRICS = ['unsubscribe_rate', 'complaint_rate', 'bounce_rate'] as const;
export const MODES = ['fixed', 'sequential'] as const satisfies readonly ExperimentMode[];
const CHANNELS: readonly ChannelName[] = ['email', 'sms', 'push', 'wechat', 'webhook'];
export const MIN_VARIANTS = 2;
export const MAX_VARIANTS = 8;
/** The auto-winner's wait when none is given: four hours, long enough for most opens and clicks. */
export const DEFAULT_WINNER_WAIT_SECONDS = 4 * 3600;

export interface VariantInput {
  key: string;
  name?: string;
  weight?: number;
  subject?: string;
  content?: string | Record<string, string>;
  template_id?: string;
  send_at?: { local_time: string } | { offset_minutes: number } | { best_hour: true };
  channel?: ChannelName;
}

export interface ExperimentInput {
  name: string;
  campaign_id?: string;
  journey_key?: string;
  flow_id?: string;
  step_key?: string;
  variants: VariantInput[];
  holdout?: number;
  goal: ExperimentGoal;
  guard_metrics?: Array<(typeof GUARD_METRICS)[number]>;
  mode?: ExperimentMode;
  alpha?: number;
  power?: number;
  minimum_detectable_effect?: number | null;
  test_fraction?: number | null;
  winner_wait_seconds?: number | null;
}

const invalid = (field: string, message: string) => new DomainError('validation_error', `${field}: ${message}`, field, 422);

/** "09:00" → minutes after midnight, or null. */
export function localTimeMinutes(value: string): number | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** The stored form of the arms, checked; `campaignType` (a campaign experiment) checks content against the campaign's parts. */
export function checkVariants(input: VariantInput[], target: { campaignType?: CampaignType; name: string }): ExperimentVariant[] {
  if (input.length < MIN_VARIANTS || input.length > MAX_VARIANTS)
    throw invalid(
      'variants',
      `an experiment has ${MIN_VARIANTS} to ${MAX_VARIANTS} variants (the first is the control); got ${input.length}`,
    );
  const keys = new Set<string>();
  return input.map((v, i) => {
    const at = `variants[${i}]`;
    if (!/^[\p{L}\p{N}_-]{1,32}$/u.test(v.key)) throw invalid(`${at}.key`, 'letters, digits, _ or -, at most 32');
    if (v.key === HOLDOUT) throw invalid(`${at}.key`, `"${HOLDOUT}" names the holdout group, not a variant`);
    if (keys.has(v.key)) throw invalid(`${at}.key`, `"${v.key}" is given twice`);
    keys.add(v.key);
    const weight = v.weight ?? 1;
    if (!(weight > 0) || !Number.isFinite(weight)) throw invalid(`${at}.weight`, 'must be a number above 0');
    if (v.content !== undefined && v.template_id !== undefined) throw invalid(`${at}.content`, 'give content or template_id, not both');
    if (v.content !== undefined && target.campaignType) {
      try {
        campaignParts(target.campaignType, target.name, v.content);
      } catch (err) {
        if (err instanceof DomainError && err.field) throw invalid(`${at}.${err.field}`, err.message);
        throw err;
      }
    }
    if (v.subject !== undefined && target.campaignType && !['email', 'push_notification'].includes(target.campaignType))
      throw invalid(`${at}.subject`, `a ${target.campaignType} message has no subject`);
    let sendAt: ExperimentVariant['sendAt'];
    if (v.send_at) {
      if ('best_hour' in v.send_at) {
        if (v.send_at.best_hour !== true) throw invalid(`${at}.send_at.best_hour`, 'true, or leave it out');
        sendAt = { bestHour: true };
      } else if ('local_time' in v.send_at) {
        if (localTimeMinutes(v.send_at.local_time) === null)
          throw invalid(`${at}.send_at.local_time`, 'a time of day as HH:MM, e.g. "09:00"');
        sendAt = { localTime: v.send_at.local_time };
      } else {
        const minutes = v.send_at.offset_minutes;
        if (!Number.isInteger(minutes) || minutes < 0 || minutes > 7 * 24 * 60)
          throw invalid(`${at}.send_at.offset_minutes`, 'whole minutes from 0 to 10080 (a week)');
        sendAt = { offsetMinutes: minutes };
      }
    }
    if (v.channel !== undefined && !CHANNELS.includes(v.channel)) throw invalid(`${at}.channel`, `one of ${CHANNELS.join(', ')}`);
    if (v.channel !== undefined) {
      if (v.channel === 'webhook') throw invalid(`${at}.channel`, 'a webhook arm needs a URL: email, sms, push or wechat');
      if (v.content === undefined && v.template_id === undefined)
        throw invalid(`${at}.content`, `an arm on ${v.channel} needs its own content (or template_id)`);
      if (v.content !== undefined) {
        try {
          campaignParts(v.channel === 'push' ? 'push_notification' : v.channel, target.name, v.content);
        } catch (err) {
          if (err instanceof DomainError && err.field) throw invalid(`${at}.${err.field}`, err.message);
          throw err;
        }
      }
    }
    return {
      key: v.key,
      ...(v.name !== undefined ? { name: v.name } : {}),
      weight,
      ...(v.subject !== undefined ? { subject: v.subject } : {}),
      ...(v.content !== undefined ? { content: v.content } : {}),
      ...(v.template_id !== undefined ? { templateId: v.template_id } : {}),
      ...(sendAt ? { sendAt } : {}),
      ...(v.channel !== undefined ? { channel: v.channel } : {}),
    };
  });
}

/** A variant as the API shows it. */
export const variantView = (v: ExperimentVariant) => ({
  key: v.key,
  name: v.name ?? null,
  weight: v.weight,
  subject: v.subject ?? null,
  content: v.content ?? null,
  template_id: v.templateId ?? null,
  send_at: !v.sendAt
    ? null
    : 'bestHour' in v.sendAt
      ? { best_hour: true }
      : 'localTime' in v.sendAt
        ? { local_time: v.sendAt.localTime }
        : { offset_minutes: v.sendAt.offsetMinutes },
  channel: v.channel ?? null,
});

/** The numbers of a definition: α, power, holdout and test fraction in their ranges. */
export function checkNumbers(input: ExperimentInput): void {
  const { holdout = 0, alpha = 0.05, power = 0.8 } = input;
  if (!(holdout >= 0 && holdout <= 0.5)) throw invalid('holdout', 'a share from 0 to 0.5 of the customers');
  if (!(alpha >= 0.0001 && alpha <= 0.2)) throw invalid('alpha', 'a significance level from 0.0001 to 0.2');
  if (!(power >= 0.5 && power < 1)) throw invalid('power', 'from 0.5 to below 1');
  if (input.minimum_detectable_effect != null && !(input.minimum_detectable_effect > 0))
    throw invalid('minimum_detectable_effect', 'an absolute difference above 0 (e.g. 0.02 for two points of open rate)');
  if (input.test_fraction != null) {
    if (!(input.test_fraction > 0 && input.test_fraction < 1)) throw invalid('test_fraction', 'a share above 0 and below 1 (e.g. 0.2)');
    if (!input.campaign_id)
      throw invalid('test_fraction', 'the auto-winner (a test fraction, then the winner to the rest) is for campaigns');
  }
  if (input.winner_wait_seconds != null) {
    if (input.test_fraction == null) throw invalid('winner_wait_seconds', 'only with test_fraction (the auto-winner)');
    if (!Number.isInteger(input.winner_wait_seconds) || input.winner_wait_seconds < 0 || input.winner_wait_seconds > 30 * 86400)
      throw invalid('winner_wait_seconds', 'whole seconds from 0 to 30 days');
  }
}
