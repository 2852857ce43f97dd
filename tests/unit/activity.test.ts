import { describe, expect, it } from 'vitest';
import { ACTIVITY_EVENT_TYPES, isActivity, latestActivity } from '../../src/events/activity.js';
import { defaultJourneyConfigs } from '../../src/domain/journey-config.js';
import { journeyStepsSchema } from '../../src/journeys/steps-schema.js';

describe('isActivity', () => {
  it.each(['login', 'page_view', 'order_completed', 'cart_updated', 'cart_abandoned', 'user_signup', 'app_open'])(
    'counts a %s as activity',
    (type) => {
      expect(isActivity({ type })).toBe(true);
      expect(isActivity({ type, properties: { path: '/' } })).toBe(true);
    },
  );

  it('does not count other events', () => {
    for (const type of ['email_opened', 'page_viewed', 'unsubscribed', 'Login', 'login ']) expect(isActivity({ type })).toBe(false);
    expect(ACTIVITY_EVENT_TYPES.size).toBe(7);
  });

  it('counts any event marked activity: true, and lets activity: false opt one out', () => {
    expect(isActivity({ type: 'support_ticket_opened', properties: { activity: true } })).toBe(true);
    expect(isActivity({ type: 'page_view', properties: { activity: false } })).toBe(false);
    // Only a boolean marks: a string "true" from a careless producer does not.
    expect(isActivity({ type: 'support_ticket_opened', properties: { activity: 'true' } })).toBe(false);
    expect(isActivity({ type: 'login', properties: { activity: 'no' } })).toBe(true);
  });
});

describe('default churn win-back configuration', () => {
  it('is valid: we miss you at 30 d, an offer with a coupon at 45 d, a final recall at 60 d', () => {
    const result = journeyStepsSchema.safeParse(defaultJourneyConfigs.churn_win_back);
    expect(result.error?.issues).toBeUndefined();
    expect(result.data?.map((s) => [s.key, s.offset])).toEqual([
      ['miss_you', '30 days'],
      ['offer', '45 days'],
      ['final_recall', '60 days'],
    ]);
    expect(result.data?.[1]).toMatchObject({ coupon: { percentOff: 20, validDays: 7 } });
  });
});

describe('latestActivity', () => {
  const now = Date.parse('2026-06-01T12:00:00Z');
  it('keeps each customer’s latest activity, ignoring other events', () => {
    const latest = latestActivity(
      [
        { type: 'login', customerId: 'a', timestamp: '2026-05-01T00:00:00Z' },
        { type: 'login', customerId: 'a', timestamp: '2026-05-03T00:00:00Z' },
        { type: 'page_view', customerId: 'a', timestamp: '2026-05-02T00:00:00Z' },
        { type: 'email_opened', customerId: 'a', timestamp: '2026-05-20T00:00:00Z' },
        { type: 'email_opened', customerId: 'b', timestamp: '2026-05-20T00:00:00Z' },
        { type: 'app_open', customerId: 'c' },
      ],
      now,
    );
    expect([...latest]).toEqual([
      ['a', Date.parse('2026-05-03T00:00:00Z')],
      ['c', now],
    ]);
  });

  it('takes the producer’s time as it is', () => {
    expect(latestActivity([{ type: 'login', customerId: 'a', timestamp: '2027-01-01T00:00:00Z' }], now).get('a')).toBe(
      Date.parse('2027-01-01T00:00:00Z'),
    );
  });
});
