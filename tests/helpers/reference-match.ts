// Comparing the product's numbers with reference fixtures (scipy, statsmodels, lifetimes): to 1e-6,
// counts exactly, with the same keys.
import { expect } from 'vitest';

const COUNTS = new Set(['n', 'events', 'nPerArm']);

/** Deep comparison: numbers to 1e-6 (absolute, or relative past 1), counts exactly, the same keys. */
export function expectMatch(actual: unknown, expected: unknown, path: string): void {
  if (expected === null || typeof expected !== 'object') {
    if (typeof expected !== 'number') return expect(actual, path).toBe(expected);
    expect(typeof actual, path).toBe('number');
    if (COUNTS.has(path.split('.').pop()!)) return expect(actual, path).toBe(expected);
    return expect(Math.abs((actual as number) - expected), path).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(expected)));
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual) && actual.length, path).toBe(expected.length);
    return expected.forEach((e, i) => expectMatch((actual as unknown[])[i], e, `${path}[${i}]`));
  }
  expect(actual !== null && typeof actual === 'object', path).toBe(true);
  const keys = (o: object) =>
    Object.keys(o)
      .filter((k) => (o as Record<string, unknown>)[k] !== undefined)
      .sort();
  expect(keys(actual as object), path).toEqual(keys(expected));
  for (const [k, e] of Object.entries(expected)) expectMatch((actual as Record<string, unknown>)[k], e, `${path}.${k}`);
}
