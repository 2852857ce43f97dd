// Rates that name their base: every rate an answer gives is `{ value, base, numerator, denominator }`, so a
// reader sees what it is a share of. And what "delivered" means: a provider's receipt — or, for a channel
// whose records carry no receipt at all, sent less bounced, declared as such. Opens and clicks never make a
// delivery (a pixel that loads proves little, and counting it inflated every rate per delivered record).
// Pure (campaign performance and analytics share it).

/** What a rate is a share of: a stage of the funnel, or a cohort's customers. */
export type RateBase = 'sent' | 'delivered' | 'opened' | 'clicked' | 'cohort_size';

export interface Rate {
  /** numerator / denominator in percent, to 2 places; null when the denominator is 0. */
  value: number | null;
  base: RateBase;
  numerator: number;
  denominator: number;
}

/** `part` as a percent of `base`, to 2 places; null when the base is 0. */
export function percent(part: number, base: number): number | null {
  return base > 0 ? Math.round((part / base) * 100 * 100) / 100 : null;
}

export const rate = (numerator: number, denominator: number, base: RateBase): Rate => ({
  value: percent(numerator, denominator),
  base,
  numerator,
  denominator,
});

/**
 * `receipts`: delivered = records with a delivery receipt; `sent_minus_bounces`: no record had one, so
 * delivered = sent − bounced; `mixed`: a set of several channels, some counted one way and some the other.
 */
export type DeliveredBasis = 'receipts' | 'sent_minus_bounces' | 'mixed';

/** What delivery is counted from, on one channel. */
export interface DeliveryCounts {
  sent: number;
  /** Sent records with a delivery receipt. */
  receipts: number;
  /** Sent records with a bounce and no receipt. */
  bounced: number;
}

/** Delivered records of one channel: receipts when there are any, else sent − bounced. */
export function deliveredOf(c: DeliveryCounts): { delivered: number; basis: Exclude<DeliveredBasis, 'mixed'> } {
  return c.receipts > 0
    ? { delivered: c.receipts, basis: 'receipts' }
    : { delivered: Math.max(0, c.sent - c.bounced), basis: 'sent_minus_bounces' };
}

/** Delivered records over channels, each channel counted its own way. No channel: sent_minus_bounces (of nothing). */
export function deliveredOver(channels: DeliveryCounts[]): { delivered: number; basis: DeliveredBasis } {
  const each = channels.filter((c) => c.sent > 0).map(deliveredOf);
  const bases = new Set(each.map((e) => e.basis));
  const basis: DeliveredBasis = bases.size > 1 ? 'mixed' : (each[0]?.basis ?? 'sent_minus_bounces');
  return { delivered: each.reduce((n, e) => n + e.delivered, 0), basis };
}
