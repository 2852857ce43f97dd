import { describe, expect, it } from 'vitest';
import { intelligenceSettingsFrom, intelligenceSettingsSchema, mergeSettings } from '../../src/intelligence/settings.js';
import {
  DEFAULT_INTELLIGENCE_SETTINGS as S,
  describeRule,
  frequencyScore,
  levelOf,
  monetaryScore,
  quintileCuts,
  quintileScore,
  recencyScore,
  scoreByCuts,
  scoreRfm,
  type RfmGroupFacts,
  rfmGroupOf,
} from '../../src/intelligence/rfm.js';

const T = S.rfm.thresholds;

describe('the threshold table (3 high, 2 mid, 1 low)', () => {
  it('R: < 30 days high, 30–90 mid, > 90 low; whole days; no order at all is low', () => {
    expect([0, 29, 30, 90, 91, 400].map((d) => recencyScore(d, T.recency))).toEqual([3, 3, 2, 2, 1, 1]);
    expect(recencyScore(null, T.recency)).toBe(1);
  });

  it('F: > 5 high, 2–5 mid, < 2 low', () => {
    expect([0, 1, 2, 5, 6, 40].map((n) => frequencyScore(n, T.frequency))).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it('M: > 1000 high, 500–1000 mid, < 500 low', () => {
    expect([0, 499.99, 500, 1000, 1000.01].map((m) => monetaryScore(m, T.monetary))).toEqual([1, 1, 2, 2, 3]);
  });

  it('the classic example (15 days, 6 orders, 1200) scores high on all three and is VIP', () => {
    const scores = scoreRfm({ recencyDays: 15, frequency: 6, monetary: 1200 }, S.rfm);
    expect(scores).toEqual({ r: 3, f: 3, m: 3 });
    const levels = { r: levelOf(scores.r, 'threshold'), f: levelOf(scores.f, 'threshold'), m: levelOf(scores.m, 'threshold') };
    expect(rfmGroupOf({ levels, lifetimeOrders: 9, daysSinceFirstOrder: 300, daysSinceSignup: 400 }, S.segments)).toBe('vip');
  });
});

describe('quintiles', () => {
  it('score = ceil(5 × share at or below the value): ties share a score, the top value is 5', () => {
    expect(quintileScore(1, 5)).toBe(1);
    expect(quintileScore(5, 5)).toBe(5);
    expect(quintileScore(5, 10)).toBe(3);
    expect(quintileScore(7, 10)).toBe(4);
  });

  it('cuts: where each score starts; five equal values all score 3, not 1–5 as NTILE would split them', () => {
    const f = [1, 1, 1, 1, 1, 2, 2, 3, 4, 5];
    const cuts = quintileCuts(f)!;
    // 1 → k=5 of 10 → 3; 2 → k=7 → 4; 3 → k=8 → 4; 4 → 9 → 5; 5 → 10 → 5. No value scores 1 or 2.
    expect(cuts).toEqual([1, 1, 2, 4]);
    expect(f.map((v) => scoreByCuts(v, cuts))).toEqual([3, 3, 3, 3, 3, 4, 4, 4, 5, 5]);
    expect(quintileCuts([])).toBeNull();
    // Distinct values: one per quintile.
    expect([10, 20, 30, 40, 50].map((v) => scoreByCuts(v, quintileCuts([10, 20, 30, 40, 50])!))).toEqual([1, 2, 3, 4, 5]);
  });

  it('recency ranks by negated days; customers without a value to rank score 1', () => {
    const cuts = { r: quintileCuts([-1, -10, -100, -200, -300])!, f: quintileCuts([1, 2, 3, 4, 5]), m: quintileCuts([10, 20, 30, 40, 50]) };
    const quintile = { ...S.rfm, method: 'quintile' as const };
    expect(scoreRfm({ recencyDays: 1, frequency: 5, monetary: 50 }, quintile, cuts)).toEqual({ r: 5, f: 5, m: 5 });
    expect(scoreRfm({ recencyDays: 300, frequency: 1, monetary: 10 }, quintile, cuts)).toEqual({ r: 1, f: 1, m: 1 });
    expect(scoreRfm({ recencyDays: null, frequency: 0, monetary: 0 }, quintile, cuts)).toEqual({ r: 1, f: 1, m: 1 });
  });

  it('levels: threshold 3/2/1; quintile 4–5 high, 3 mid, 1–2 low', () => {
    expect([1, 2, 3].map((s) => levelOf(s, 'threshold'))).toEqual(['low', 'mid', 'high']);
    expect([1, 2, 3, 4, 5].map((s) => levelOf(s, 'quintile'))).toEqual(['low', 'low', 'mid', 'high', 'high']);
  });
});

describe('RFM groups, tried in order: new, churn_risk, vip, loyal, potential, else regular', () => {
  const facts = (levels: string, more: Partial<RfmGroupFacts> = {}): RfmGroupFacts => {
    const [r, f, m] = levels.split('') as Array<'h' | 'm' | 'l'>;
    const level = { h: 'high', m: 'mid', l: 'low' } as const;
    return {
      levels: { r: level[r!], f: level[f!], m: level[m!] },
      lifetimeOrders: 10,
      daysSinceFirstOrder: 200,
      daysSinceSignup: 300,
      ...more,
    };
  };
  const seg = (levels: string, more?: Partial<RfmGroupFacts>) => rfmGroupOf(facts(levels, more), S.segments);

  it('new: first order (or, with none, signup) within 30 days — before any other rule', () => {
    expect(seg('hhh', { daysSinceFirstOrder: 29 })).toBe('new');
    expect(seg('hhh', { daysSinceFirstOrder: 30 })).toBe('vip');
    expect(seg('lll', { daysSinceFirstOrder: null, lifetimeOrders: 0, daysSinceSignup: 29 })).toBe('new');
    expect(seg('lll', { daysSinceFirstOrder: null, lifetimeOrders: 0, daysSinceSignup: 30 })).toBe('regular');
  });

  it('churn_risk: R low with at least 2 orders ever', () => {
    expect(seg('lhh', { lifetimeOrders: 2 })).toBe('churn_risk');
    expect(seg('lll', { lifetimeOrders: 1 })).toBe('regular');
    expect(seg('mll', { lifetimeOrders: 20 })).toBe('regular');
  });

  it('vip: R, F and M all high; loyal: F high and M at least mid; potential: M high, F at most mid', () => {
    expect(seg('hhh')).toBe('vip');
    expect(seg('mhh')).toBe('loyal');
    expect(seg('hhm')).toBe('loyal');
    expect(seg('hhl')).toBe('regular');
    expect(seg('hmh')).toBe('potential');
    expect(seg('mlh')).toBe('potential');
    expect(seg('hmm')).toBe('regular');
  });

  it('describes each rule with the numbers of the settings', () => {
    expect(describeRule('vip', S)).toBe(
      'R high (< 30 days since the last order) and F high (> 5 orders) and M high (spent > 1000); F and M over the last 365 days',
    );
    expect(describeRule('potential', S)).toContain('F at most mid (≤ 5 orders)');
    expect(describeRule('churn_risk', S)).toBe(
      'R low (> 90 days since the last order (or none)) and at least 2 orders ever; F and M over the last 365 days',
    );
    expect(describeRule('loyal', { ...S, rfm: { ...S.rfm, method: 'quintile' } })).toBe(
      'F high (F score ≥ 4) and M at least mid (M score ≥ 3); F and M over the last 365 days',
    );
    expect(describeRule('regular', S)).toBe('none of the other rules holds');
  });
});

describe('settings', () => {
  it('lays a patch over the settings object by object, and validates the whole', () => {
    const merged = mergeSettings(S, { rfm: { method: 'quintile', thresholds: { frequency: { highAbove: 8 } } } }) as typeof S;
    expect(merged.rfm.method).toBe('quintile');
    expect(merged.rfm.windowDays).toBe(365);
    expect(merged.rfm.thresholds.frequency).toEqual({ highAbove: 8, lowBelow: 2 });
    expect(intelligenceSettingsSchema.parse(merged)).toEqual(merged);
  });

  it('names what is wrong: unknown keys, bad values, bands out of order', () => {
    const issue = (patch: unknown) => {
      const r = intelligenceSettingsSchema.safeParse(mergeSettings(S, patch));
      return r.success ? null : { path: r.error.issues[0]!.path.join('.'), message: r.error.issues[0]!.message };
    };
    expect(issue({ rfm: { windowDays: 0 } })?.path).toBe('rfm.windowDays');
    expect(issue({ rfm: { method: 'ntile' } })?.path).toBe('rfm.method');
    expect(issue({ rfm: { thresholds: { recency: { highBelowDays: 100 } } } })).toEqual({
      path: 'rfm.thresholds.recency.highBelowDays',
      message: 'highBelowDays must not be above lowAboveDays',
    });
    expect(issue({ segments: { vip: { min: { r: 'top' } } } })?.path).toBe('segments.vip.min.r');
    expect(issue({ tags: { colour: 1 } })?.path).toBe('tags');
  });

  it('reads stored settings over the defaults; an invalid row gives the defaults', () => {
    expect(intelligenceSettingsFrom(null)).toBe(S);
    expect(intelligenceSettingsFrom({ rfm: { windowDays: 90 } }).rfm.windowDays).toBe(90);
    expect(intelligenceSettingsFrom({ rfm: { windowDays: -1 } })).toBe(S);
  });
});
