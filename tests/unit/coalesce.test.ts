import { describe, expect, it } from 'vitest';
import { coalesce } from '../../src/db/coalesce.js';

describe('coalesce (group commit)', () => {
  it('merges calls made in one tick, and calls made while a flush runs, into one flush each', async () => {
    const flushes: number[][] = [];
    let release!: () => void;
    let gate: Promise<void> = new Promise((r) => (release = r));
    const double = coalesce<number, number>(async (items) => {
      flushes.push(items);
      await gate;
      return items.map((i) => i * 2);
    });
    const first = [double(1), double(2), double(3)];
    await new Promise((r) => setImmediate(r));
    // The first flush is running: these wait for it, then go together.
    const second = [double(4), double(5)];
    const pending = release;
    gate = Promise.resolve();
    pending();
    expect(await Promise.all([...first, ...second])).toEqual([2, 4, 6, 8, 10]);
    expect(flushes).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('fails only the calls of the flush that failed', async () => {
    const run = coalesce<number, number>(async (items) => {
      if (items.includes(13)) throw new Error('unlucky');
      return items;
    });
    const a = run(13);
    await expect(a).rejects.toThrow('unlucky');
    await expect(run(7)).resolves.toBe(7);
  });

  it('keeps a flush within maxItems, counting each call by its size', async () => {
    const sizes: number[] = [];
    const run = coalesce<string[], number>(
      async (items) => {
        sizes.push(items.flat().length);
        return items.map((i) => i.length);
      },
      { maxItems: 4, size: (i) => i.length },
    );
    const results = await Promise.all([run(['a', 'b']), run(['c', 'd']), run(['e']), run(['f', 'g', 'h', 'i', 'j'])]);
    expect(results).toEqual([2, 2, 1, 5]);
    // A call larger than maxItems still goes, alone.
    expect(sizes).toEqual([4, 1, 5]);
  });

  it('runs up to `concurrency` flushes at once', async () => {
    let active = 0;
    let peak = 0;
    const run = coalesce<number, number>(
      async (items) => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setImmediate(r));
        active--;
        return items;
      },
      { concurrency: 2, maxItems: 1 },
    );
    await Promise.all([1, 2, 3, 4, 5].map(run));
    expect(peak).toBe(2);
  });

  it('waits delayMs for more calls before the first flush', async () => {
    const flushes: number[][] = [];
    const run = coalesce<number, number>(
      async (items) => {
        flushes.push(items);
        return items;
      },
      { delayMs: 5 },
    );
    const first = run(1);
    // A later tick, inside the window: same flush.
    await new Promise((r) => setImmediate(r));
    const second = run(2);
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(flushes).toEqual([[1, 2]]);
  });
});
