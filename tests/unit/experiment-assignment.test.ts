import { describe, expect, it } from 'vitest';
import { armOf, expectedShares, inTest, unitHash } from '../../src/experiments/assignment.js';
import { sampleRatioMismatch } from '../../src/experiments/stats.js';
import { sendTimeAt } from '../../src/experiments/send-time.js';
import { modeHour } from '../../src/experiments/best-hour.js';

const arms = {
  variants: [
    { key: 'A', weight: 1 },
    { key: 'B', weight: 2 },
    { key: 'C', weight: 1 },
  ],
  holdout: 0.2,
};

describe('assignment by hash', () => {
  it('is the same answer every time, and differs between experiments', () => {
    expect(armOf('exp-1', 'cust-42', arms)).toBe(armOf('exp-1', 'cust-42', arms));
    const a = Array.from({ length: 200 }, (_, i) => armOf('exp-1', `c${i}`, arms));
    const b = Array.from({ length: 200 }, (_, i) => armOf('exp-2', `c${i}`, arms));
    expect(a).toEqual(Array.from({ length: 200 }, (_, i) => armOf('exp-1', `c${i}`, arms)));
    expect(a).not.toEqual(b);
  });

  it('follows the weights and the holdout: 100 000 customers pass the sample-ratio check', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 100_000; i++) {
      const arm = armOf('exp-weights', `客户-${i}`, arms);
      counts.set(arm, (counts.get(arm) ?? 0) + 1);
    }
    const shares = expectedShares(arms);
    expect(shares.map((s) => [s.key, s.share])).toEqual([
      ['A', 0.2],
      ['B', 0.4],
      ['C', 0.2],
      ['holdout', 0.2],
    ]);
    const srm = sampleRatioMismatch(
      shares.map((s) => counts.get(s.key) ?? 0),
      shares.map((s) => s.share),
    );
    expect(srm.flagged).toBe(false);
    expect(srm.pValue).toBeGreaterThan(0.001);
  });

  it("the auto-winner's test sample is independent of the arms", () => {
    let inSample = 0;
    const armInSample = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      if (!inTest('exp-s', `c${i}`, 0.2)) continue;
      inSample++;
      const arm = armOf('exp-s', `c${i}`, arms);
      armInSample.set(arm, (armInSample.get(arm) ?? 0) + 1);
    }
    expect(Math.abs(inSample / 20_000 - 0.2)).toBeLessThan(0.01);
    const shares = expectedShares(arms);
    expect(
      sampleRatioMismatch(
        shares.map((s) => armInSample.get(s.key) ?? 0),
        shares.map((s) => s.share),
      ).flagged,
    ).toBe(false);
    expect(inTest('exp-s', 'anyone', null)).toBe(true);
  });

  it('unitHash is in [0, 1)', () => {
    for (let i = 0; i < 1000; i++) {
      const u = unitHash('x', String(i));
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
    }
  });
});

describe('send-time variants', () => {
  const noon = Date.UTC(2026, 5, 1, 12, 0, 0);
  it('the next local time of day in the customer zone, or an offset', () => {
    expect(sendTimeAt({ localTime: '20:00' }, 'UTC', noon)).toBe(Date.UTC(2026, 5, 1, 20, 0, 0));
    expect(sendTimeAt({ localTime: '09:00' }, 'UTC', noon)).toBe(Date.UTC(2026, 5, 2, 9, 0, 0));
    // 20:00 in Shanghai (UTC+8) is 12:00 UTC: now exactly, so the next one is tomorrow's.
    expect(sendTimeAt({ localTime: '20:00' }, 'Asia/Shanghai', noon)).toBe(Date.UTC(2026, 5, 2, 12, 0, 0));
    expect(sendTimeAt({ offsetMinutes: 90 }, 'UTC', noon)).toBe(noon + 90 * 60_000);
    expect(sendTimeAt({ offsetMinutes: 0 }, 'UTC', noon)).toBeNull();
    expect(sendTimeAt(undefined, 'UTC', noon)).toBeNull();
  });
});

describe('best hour', () => {
  it('the most frequent hour, the earliest of a tie, none below the minimum', () => {
    expect(modeHour([21, 21, 8, 21, 9])).toBe(21);
    expect(modeHour([9, 20, 20, 9])).toBe(9);
    expect(modeHour([21, 21], 3)).toBeNull();
    expect(modeHour([])).toBeNull();
  });
  it('a best-hour arm sends at that hour on the customer clock', () => {
    const noon = Date.UTC(2026, 5, 1, 12, 0, 0);
    expect(sendTimeAt({ bestHour: true }, 'Asia/Shanghai', noon, 21)).toBe(Date.UTC(2026, 5, 1, 13, 0, 0));
    expect(sendTimeAt({ bestHour: true }, 'UTC', noon, undefined)).toBeNull();
  });
});
