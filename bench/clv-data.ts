// The BG/NBD + Gamma-Gamma generative process for bench/clv.ts (as scripts/clv-fixtures.py draws it):
// per customer a purchase rate λ ~ Gamma(r, 1/α), a dropout probability p ~ Beta(a, b) (after each repeat
// purchase) and a spend scale ν ~ Gamma(q, 1/γ); the first purchase at the start of an age uniform up to
// `maxAgeDays`, exponential gaps, each order ~ Gamma(p, 1/ν). Seeded, so runs draw the same customers.
import type { ClvParams } from '../src/intelligence/clv/model.js';
import { mulberry32 } from './prng.js';

export const TRUE_PARAMS: ClvParams = { r: 0.6, alpha: 25, a: 0.8, b: 2.6, p: 6, q: 4, gamma: 15 };

/** Seeded (Math.random is neither seeded nor reproducible). */
export const rng = mulberry32;

function normal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** Gamma(shape, scale) by Marsaglia & Tsang, boosted for shape < 1. */
export function gamma(u: () => number, shape: number, scale: number): number {
  if (shape < 1) return gamma(u, shape + 1, scale) * u() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal(u);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const w = u();
    if (Math.log(1 - w) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * scale;
  }
}

export interface Purchase {
  /** Days before the observation end (negative), fractional. */
  at: number;
  amount: number;
}

/** One customer's purchases (the first one always), amounts in cents as orders store them. */
export function drawCustomer(u: () => number, t: ClvParams = TRUE_PARAMS, maxAgeDays = 720): Purchase[] {
  const lambda = gamma(u, t.r, 1 / t.alpha);
  const g1 = gamma(u, t.a, 1);
  const drop = g1 / (g1 + gamma(u, t.b, 1));
  const nu = gamma(u, t.q, 1 / t.gamma);
  const age = 1 + u() * (maxAgeDays - 1);
  const out: Purchase[] = [];
  let since = 0;
  while (since <= age) {
    out.push({ at: since - age, amount: Math.max(0.01, Math.round(gamma(u, t.p, 1 / nu) * 100) / 100) });
    if (since > 0 && u() < drop) break;
    since += -Math.log(1 - u()) / lambda;
  }
  return out;
}

/** The history of ./histories.ts from purchases, the observation end at 0 (its day is day 0). */
export function historyOf(purchases: Purchase[]): { frequency: number; recency: number; T: number; monetary: number } {
  const days = new Map<number, number>();
  for (const p of purchases) {
    const day = Math.floor(p.at);
    days.set(day, (days.get(day) ?? 0) + p.amount);
  }
  const sorted = [...days.keys()].sort((x, y) => x - y);
  const first = sorted[0]!;
  const frequency = sorted.length - 1;
  let repeat = 0;
  for (const d of sorted.slice(1)) repeat += days.get(d)!;
  return { frequency, recency: sorted[sorted.length - 1]! - first, T: -first, monetary: frequency ? repeat / frequency : 0 };
}
