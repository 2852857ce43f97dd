import { expect, it } from 'vitest';
import { untilRecorded } from '../../src/delivery/record-retry.js';

it('retries a record write through failures until it succeeds', async () => {
  let calls = 0;
  const written = await untilRecorded(async () => {
    calls++;
    if (calls < 3) throw new Error('connection refused');
    return 'recorded';
  });
  expect(written).toBe('recorded');
  expect(calls).toBe(3);
});

it('gives up with the last error once the bound is spent', async () => {
  let calls = 0;
  await expect(
    untilRecorded(async () => {
      calls++;
      throw new Error(`down ${calls}`);
    }, 250),
  ).rejects.toThrow(/down \d/);
  expect(calls).toBeGreaterThan(1);
});
