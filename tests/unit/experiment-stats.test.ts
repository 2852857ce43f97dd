import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import {
  achievedPower,
  analyse,
  defaultTau2,
  holm,
  msprt,
  sampleRatioMismatch,
  sampleSize,
  type AnalyseInput,
} from '../../src/experiments/stats.js';
import { normalTwoSided } from '../../src/experiments/stats/distributions.js';
import { expectMatch } from '../helpers/reference-match.js';

// Numbers from scipy/statsmodels (and the mSPRT formula in numpy): scripts/stats-fixtures.py.
const reference = JSON.parse(readFileSync(new URL('../fixtures/stats-reference.json', import.meta.url), 'utf8'));
/** Every number in the output is finite. */
function expectAllFinite(value: unknown, path = 'output'): void {
  if (typeof value === 'number') expect(Number.isFinite(value), path).toBe(true);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) expectAllFinite(v, `${path}.${k}`);
}

/** A seeded generator (mulberry32): the same "random" cases on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('the statistics match scipy and statsmodels', () => {
  it.each<any>(reference.analyse)('analyse: $name', (c) => {
    const result = analyse(c.input as AnalyseInput);
    expectMatch(result, c.expected, 'analysis');
    expectAllFinite(result);
  });

  it.each<any>(reference.srm)('sample-ratio mismatch: $name', (c) => {
    expectMatch(
      sampleRatioMismatch(c.assigned, c.weights),
      { statistic: c.statistic, df: c.df, pValue: c.pValue, flagged: c.flagged },
      'srm',
    );
  });

  it('sample sizes (statsmodels NormalIndPower.solve_power), rounded up', () => {
    expect(reference.sampleSize.length).toBeGreaterThan(40);
    for (const c of reference.sampleSize) {
      const { effectSize, exact, nPerArm, ...input } = c;
      expectMatch(sampleSize(input), { effectSize, exact, nPerArm }, `sampleSize(${JSON.stringify(input)})`);
    }
  });

  it('achieved power (statsmodels NormalIndPower.power)', () => {
    for (const c of reference.power) {
      const { power, ...input } = c;
      expectMatch(achievedPower(input), power, `power(${JSON.stringify(input)})`);
    }
  });

  it('mSPRT p-values and always-valid intervals, and the default τ²', () => {
    for (const { logLikelihoodRatio, pValue, ci, ...input } of reference.msprt) {
      expectMatch(msprt(input), { logLikelihoodRatio, pValue, ci }, `msprt(${JSON.stringify(input)})`);
    }
    for (const c of reference.defaultTau2) expectMatch(defaultTau2(c.unitVariances, c.alpha, c.horizon), c.tau2, 'defaultTau2');
  });
});

describe('always-valid inference', () => {
  it('never gives a p-value below the fixed-horizon z-test of the same estimate and variance', () => {
    const next = random(7);
    let checked = 0;
    for (let i = 0; i < 20_000; i++) {
      const z = (next() - 0.5) * 16;
      const variance = 10 ** (next() * 12 - 9);
      const tau2 = variance * 10 ** (next() * 8 - 4);
      const s = msprt({ estimate: z * Math.sqrt(variance), variance, tau2, alpha: 0.05 })!;
      const fixed = normalTwoSided(z);
      expect(s.pValue, `z=${z} V=${variance} τ²=${tau2}`).toBeGreaterThanOrEqual(fixed);
      // The bound behind it: min over τ² of 1/Λ is |z|·√e·exp(−z²/2) past |z| = 1, and 1 below.
      const bound = Math.abs(z) > 1 ? Math.min(1, Math.abs(z) * Math.sqrt(Math.E) * Math.exp(-(z * z) / 2)) : 1;
      expect(s.pValue).toBeGreaterThanOrEqual(bound * (1 - 1e-9));
      checked++;
    }
    expect(checked).toBe(20_000);
  });

  it('holds through analyse(): sequential p ≥ fixed p on the same counts', () => {
    const next = random(11);
    for (let i = 0; i < 500; i++) {
      const arm = (key: string) => {
        const n = 50 + Math.floor(next() * 20_000);
        return { key, n, events: Math.floor(next() * 0.3 * n) };
      };
      const input: AnalyseInput = {
        metric: 'proportion',
        arms: [arm('A'), arm('B'), arm('C')],
        weights: [1, 1, 1],
        alpha: 0.05,
        mode: 'fixed',
      };
      const fixed = analyse(input);
      const sequential = analyse({ ...input, mode: 'sequential', tau2: 10 ** (next() * 6 - 7) });
      sequential.arms.forEach((a, j) => {
        if (a.pValue !== null) expect(a.pValue).toBeGreaterThanOrEqual(fixed.arms[j]!.pValue!);
        if (a.adjustedPValue !== null) expect(a.adjustedPValue).toBeGreaterThanOrEqual(fixed.arms[j]!.adjustedPValue!);
      });
    }
  });

  it('excludes 0 from the always-valid interval exactly when p ≤ α', () => {
    const next = random(3);
    for (let i = 0; i < 5_000; i++) {
      const variance = 10 ** (next() * 6 - 6);
      const s = msprt({
        estimate: (next() - 0.5) * 12 * Math.sqrt(variance),
        variance,
        tau2: variance * 10 ** (next() * 4 - 2),
        alpha: 0.05,
      })!;
      if (Math.abs(s.pValue - 0.05) < 1e-9) continue;
      expect(s.ci.low > 0 || s.ci.high < 0).toBe(s.pValue < 0.05);
    }
  });

  it('keeps the sequence of p-values non-increasing through previousPValue', () => {
    expect(msprt({ estimate: 0, variance: 1e-4, tau2: 1e-4, alpha: 0.05, previousPValue: 0.03 })!.pValue).toBe(0.03);
    expect(msprt({ estimate: 0.05, variance: 1e-4, tau2: 1e-4, alpha: 0.05, previousPValue: 0.9 })!.pValue).toBeLessThan(0.9);
  });

  it('tunes the default τ² to an interval within 1% of the narrowest at the horizon', () => {
    for (const alpha of [0.1, 0.05, 0.01, 0.001]) {
      const vStar = 1e-5;
      const width = (tau2: number) => ((vStar + tau2) / tau2) * vStar * (2 * Math.log(1 / alpha) + Math.log((vStar + tau2) / vStar));
      let narrowest = Infinity;
      for (let e = -3; e <= 4; e += 0.001) narrowest = Math.min(narrowest, width(vStar * 10 ** e));
      // V* = unitVariances / horizon: unitVariances 0.1 at a horizon of 10 000.
      expect(width(defaultTau2(0.1, alpha, 10_000)) / narrowest).toBeLessThan(1.01);
    }
  });
});

describe('edge cases and refusals', () => {
  it('counts an arm that cannot be computed in the Holm family, as p = 1', () => {
    expect(holm([0.01, null, 0.04])).toEqual([0.03, null, 0.08]);
    expect(holm([0.02])).toEqual([0.02]);
  });

  it('gives no NaN or Infinity for tiny, empty and saturated arms', () => {
    const next = random(5);
    for (let i = 0; i < 2_000; i++) {
      const k = 2 + Math.floor(next() * 3);
      const mode = next() < 0.5 ? 'fixed' : 'sequential';
      const proportions = Array.from({ length: k }, (_, j) => {
        const n = Math.floor(next() * 4);
        return { key: `é${j}`, n, events: Math.floor(next() * (n + 1)) };
      });
      expectAllFinite(analyse({ metric: 'proportion', arms: proportions, weights: proportions.map(() => 1), alpha: 0.05, mode }));
      const means = Array.from({ length: k }, (_, j) => {
        const values = Array.from({ length: Math.floor(next() * 3) }, (): number => (next() < 0.5 ? 0 : 9.99));
        const sum = values.reduce((s, x) => s + x, 0);
        return { key: `変${j}`, n: values.length, sum, sumSquares: values.reduce((s, x) => s + x * x, 0) };
      });
      const result = analyse({ metric: 'mean', arms: means, weights: means.map(() => 1), alpha: 0.05, mode });
      expectAllFinite(result);
      if (means.some((m) => m.n < 2)) expect(result.decision === 'insufficient_data' || result.decision === 'srm').toBe(true);
    }
  });

  const base: AnalyseInput = {
    metric: 'proportion',
    arms: [
      { key: 'contrôle', n: 100, events: 5 },
      { key: 'B', n: 100, events: 9 },
    ],
    weights: [1, 1],
    alpha: 0.05,
    mode: 'fixed',
  };
  it.each([
    ['arms[1].events', { arms: [base.arms[0]!, { key: 'B', n: 10, events: 11 }] }],
    ['arms[0].n', { arms: [{ key: 'contrôle', n: -1, events: 0 }, base.arms[1]!] }],
    ['arms[1].key', { arms: [base.arms[0]!, { key: 'contrôle', n: 5, events: 1 }] }],
    ['arms', { arms: [base.arms[0]!] }],
    ['alpha', { alpha: 1.5 }],
    ['weights', { weights: [1] }],
    ['weights[1]', { weights: [1, 0] }],
    ['assigned[0]', { assigned: [2.5, 3] }],
    ['tau2', { mode: 'sequential', tau2: -1 }],
    [
      'arms[1].sumSquares',
      {
        metric: 'mean',
        arms: [
          { key: 'A', n: 2, sum: 2, sumSquares: 2 },
          { key: 'B', n: 2, sum: 10, sumSquares: 1 },
        ],
      },
    ],
  ] as Array<[string, Partial<AnalyseInput>]>)('refuses a bad %s with a 422 naming it', (field, change) => {
    const call = () => analyse({ ...base, ...change });
    expect(call).toThrow(DomainError);
    try {
      call();
    } catch (e) {
      expect(e).toMatchObject({ code: 'invalid_statistics_input', field, status: 422 });
      expect((e as Error).message).toContain(field);
    }
  });

  it('refuses a plan it cannot solve, naming the field', () => {
    expect(() => sampleSize({ metric: 'proportion', baseline: 0.99, mde: 0.05, alpha: 0.05, power: 0.8 })).toThrow(/mde/);
    expect(() => sampleSize({ metric: 'proportion', baseline: 1.2, mde: 0.01, alpha: 0.05, power: 0.8 })).toThrow(/baseline/);
    expect(() => sampleSize({ metric: 'mean', sd: 0, mde: 1, alpha: 0.05, power: 0.8 })).toThrow(/sd/);
    expect(() => sampleSize({ metric: 'mean', sd: 5, mde: 1, alpha: 0.05, power: 0.01 })).toThrow(/power/);
  });
});
