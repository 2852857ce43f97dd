// The pure parts of analytics: rates that name their base, delivered by receipts or sent − bounces, the
// funnel's stages, the channel comparison, cumulative cohorts, and the status rank's SQL (on PGlite).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cohortsOf } from '../../src/analytics/cohorts.js';
import { compareChannel, funnelGroups, funnelOf } from '../../src/analytics/funnel.js';
import { DEFAULT_CHANNEL_COSTS } from '../../src/campaigns/roi.js';
import { createDatabase, type Database } from '../../src/db/client.js';
import { rowsOf } from '../../src/db/sql-helpers.js';
import type { RecordCounts } from '../../src/delivery/record-counts.js';
import { advanceStatus, type ProgressStatus, wasSent } from '../../src/delivery/status-progress.js';
import { deliveredOf, deliveredOver, rate } from '../../src/domain/rates.js';

const zero = { sent: 0, receipts: 0, bounced: 0, opened: 0, clicked: 0, responded: 0, converted: 0, revenue: 0 };
const counts = (channel: RecordCounts['channel'], c: Partial<RecordCounts>): RecordCounts => ({ ...zero, channel, ...c });

describe('rates and delivered', () => {
  it('names the base of every rate, and has no value on an empty base', () => {
    expect(rate(2, 5, 'delivered')).toEqual({ value: 40, base: 'delivered', numerator: 2, denominator: 5 });
    expect(rate(1, 3, 'sent').value).toBe(33.33);
    expect(rate(0, 0, 'cohort_size')).toEqual({ value: null, base: 'cohort_size', numerator: 0, denominator: 0 });
  });

  it('counts delivered by receipts when a channel has any, else as sent − bounced, and says which', () => {
    expect(deliveredOf({ sent: 10, receipts: 4, bounced: 3 })).toEqual({ delivered: 4, basis: 'receipts' });
    expect(deliveredOf({ sent: 10, receipts: 0, bounced: 3 })).toEqual({ delivered: 7, basis: 'sent_minus_bounces' });
    const email = { sent: 10, receipts: 4, bounced: 0 };
    const sms = { sent: 5, receipts: 0, bounced: 1 };
    expect(deliveredOver([email, sms])).toEqual({ delivered: 8, basis: 'mixed' });
    expect(deliveredOver([sms, { sent: 0, receipts: 0, bounced: 0 }])).toEqual({ delivered: 4, basis: 'sent_minus_bounces' });
    expect(deliveredOver([])).toEqual({ delivered: 0, basis: 'sent_minus_bounces' });
  });
});

describe('the funnel', () => {
  it('gives 5 sent and 2 clicks without receipts a click rate of 40 % of delivered (sent − bounces), not 100 %', () => {
    const group = funnelOf(null, [counts('email', { sent: 5, opened: 2, clicked: 2, responded: 2 })]);
    expect(group.delivered_basis).toBe('sent_minus_bounces');
    const clicked = group.stages.find((s) => s.stage === 'clicked')!;
    expect(clicked.of_sent).toEqual({ value: 40, base: 'sent', numerator: 2, denominator: 5 });
    const channel = compareChannel(counts('email', { sent: 5, opened: 2, clicked: 2, responded: 2 }), DEFAULT_CHANNEL_COSTS);
    expect(channel.rates.click_rate).toEqual({ value: 40, base: 'delivered', numerator: 2, denominator: 5 });
  });

  it('rates each stage of the one before and of sent, and adds the revenue', () => {
    const group = funnelOf('x', [
      counts('email', { sent: 10, receipts: 8, bounced: 1, opened: 4, clicked: 2, converted: 1, revenue: 20.1 }),
      counts('sms', { sent: 10, bounced: 2, converted: 1, revenue: 9.9 }),
    ]);
    expect(group).toMatchObject({ key: 'x', delivered_basis: 'mixed', revenue: 30 });
    expect(group.stages.map((s) => [s.stage, s.count, s.of_previous?.value ?? null, s.of_previous?.base ?? null, s.of_sent.value])).toEqual(
      [
        ['sent', 20, null, null, 100],
        ['delivered', 16, 80, 'sent', 80],
        ['opened', 4, 25, 'delivered', 20],
        ['clicked', 2, 50, 'opened', 10],
        ['converted', 2, 100, 'clicked', 10],
      ],
    );
  });

  it('groups rows by key, each group counted over its own channels', () => {
    const groups = funnelGroups([
      { key: 'a', ...counts('email', { sent: 2, receipts: 1 }) },
      { key: 'a', ...counts('sms', { sent: 3 }) },
      { key: 'b', ...counts('email', { sent: 4, bounced: 1 }) },
    ]);
    expect(groups.map((g) => [g.key, g.delivered_basis, g.stages[1]!.count])).toEqual([
      ['a', 'mixed', 4],
      ['b', 'sent_minus_bounces', 3],
    ]);
  });

  it('compares a channel: cost at its price and ROI in percent of it', () => {
    const sms = compareChannel(
      counts('sms', { sent: 100, receipts: 90, opened: 0, clicked: 9, converted: 3, revenue: 45 }),
      DEFAULT_CHANNEL_COSTS,
    );
    // cost 100 × 0.05 = 5; ROI (45 − 5) / 5 × 100 = 800 %.
    expect(sms).toMatchObject({ sent: 100, delivered: 90, delivered_basis: 'receipts', cost: 5, revenue: 45, roi: 800 });
    expect(sms.rates.delivery_rate).toEqual({ value: 90, base: 'sent', numerator: 90, denominator: 100 });
    expect(sms.rates.conversion_rate).toEqual({ value: 3.33, base: 'delivered', numerator: 3, denominator: 90 });
    expect(compareChannel(counts('webhook', { sent: 3 }), DEFAULT_CHANNEL_COSTS).roi).toBeNull();
  });
});

describe('cohorts', () => {
  it('accumulates first orders by week, counts an order before signup in week 0, and marks weeks not over yet', () => {
    const rows = [
      { week_start: '2026-01-05', iso_week: '2026-W02', week: 0, customers: 1 },
      { week_start: '2026-01-05', iso_week: '2026-W02', week: 2, customers: 2 },
      { week_start: '2026-01-05', iso_week: '2026-W02', week: -1, customers: 1 },
      { week_start: '2026-01-05', iso_week: '2026-W02', week: 7, customers: 1 },
      { week_start: '2026-01-05', iso_week: '2026-W02', week: null, customers: 5 },
      { week_start: '2025-12-29', iso_week: '2026-W01', week: null, customers: 2 },
    ];
    // "Now" is Wednesday of the cohort's third week: weeks 0 and 1 are over, week 2 is not.
    const [early, cohort] = cohortsOf(rows, 3, Date.parse('2026-01-21T12:00:00Z'));
    expect(early).toMatchObject({ week_start: '2025-12-29', iso_week: '2026-W01', size: 2 });
    expect(cohort!.size).toBe(10);
    expect(cohort!.weeks.map((w) => [w.week, w.converted, w.rate.value, w.rate.base, w.complete])).toEqual([
      [0, 2, 20, 'cohort_size', true],
      [1, 2, 20, 'cohort_size', true],
      [2, 4, 40, 'cohort_size', false],
    ]);
  });
});

describe('the status rank', () => {
  let database: Database;
  beforeAll(async () => {
    database = createDatabase({ kind: 'pglite', dataDir: 'memory://' });
    await database.migrate();
  });
  afterAll(async () => {
    await database?.close();
  });

  const advanced = async (from: string, to: ProgressStatus) => {
    const [row] = rowsOf<{ status: string }>(await database.db.execute(sql`select ${advanceStatus(sql`${from}::text`, to)} as status`));
    return row!.status;
  };

  it('moves a record forward only; statuses off the way stay; an uncertain record becomes what the report proves', async () => {
    const cases: Array<[string, ProgressStatus, string]> = [
      ['sent', 'delivered', 'delivered'],
      ['sent', 'clicked', 'clicked'],
      ['clicked', 'delivered', 'clicked'],
      ['opened', 'opened', 'opened'],
      ['converted', 'clicked', 'converted'],
      ['delivered', 'converted', 'converted'],
      ['uncertain', 'delivered', 'delivered'],
      ['uncertain', 'sent', 'sent'],
      ['failed', 'delivered', 'failed'],
      ['skipped', 'opened', 'skipped'],
      ['simulated', 'clicked', 'simulated'],
      ['pending', 'sent', 'pending'],
    ];
    const got: Array<[string, ProgressStatus, string]> = [];
    for (const [from, to] of cases) got.push([from, to, await advanced(from, to)]);
    expect(got).toEqual(cases);
  });

  it('counts a record as sent from sent on, whatever the customer did since', () => {
    expect(['sent', 'delivered', 'opened', 'clicked', 'converted'].every((s) => wasSent(s as ProgressStatus))).toBe(true);
    expect(['pending', 'failed', 'skipped', 'simulated', 'uncertain'].some((s) => wasSent(s as ProgressStatus))).toBe(false);
  });
});
