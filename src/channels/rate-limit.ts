/**
 * Paces sends to at most `perSecond` a second: each `take()` resolves at the next free slot. Slots are
 * handed out in call order, so concurrent senders share the rate; 0 or less means no limit.
 */
export interface RateLimiter {
  readonly perSecond: number;
  take(): Promise<void>;
}

export function createRateLimiter(perSecond: number): RateLimiter {
  const interval = perSecond > 0 ? 1000 / perSecond : 0;
  let next = 0;
  return {
    perSecond,
    take() {
      if (interval === 0) return Promise.resolve();
      const now = performance.now();
      // A limiter idle for a while grants no burst larger than one slot.
      const slot = Math.max(now, next);
      next = slot + interval;
      const wait = slot - now;
      return wait < 1 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, wait));
    },
  };
}

/** Both limits at once: the channel's (shared by every campaign on a worker) and the campaign's own. */
export function bothLimits(a: RateLimiter, b: RateLimiter | undefined): () => Promise<void> {
  if (!b) return () => a.take();
  return async () => {
    await b.take();
    await a.take();
  };
}
