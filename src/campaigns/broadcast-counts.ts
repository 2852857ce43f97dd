// A broadcast's progress as pure logic: the counts it keeps as it goes, and how they turn into a rate and
// an ETA. The campaign workflow imports this module, so it stays free of I/O and heavy imports.

/** What a broadcast counts of its records: in all, and on each channel of a campaign on several. */
export interface RecordTally {
  processed: number;
  sent: number;
  failed: number;
  skipped: number;
  /** Handed over by an attempt that died before recording the answer (not sent again); absent in counts kept before it existed. */
  uncertain?: number;
  /** Skipped and failed customers by reason: unsubscribed, no_email_address, … */
  reasons: Record<string, number>;
}

/** Counts a broadcast keeps as it goes, and hands over when it continues as new. */
export interface BroadcastCounts extends RecordTally {
  /**
   * A campaign on several channels: each channel's records by campaign type (`processed` then counts the
   * customers done on every channel, the rest records). Absent on one channel.
   */
  channels?: Record<string, RecordTally>;
}

export const emptyCounts = (): BroadcastCounts => ({ processed: 0, sent: 0, failed: 0, skipped: 0, reasons: {} });

export function addCounts(into: BroadcastCounts, more: BroadcastCounts): void {
  addTally(into, more);
  for (const [channel, tally] of Object.entries(more.channels ?? {})) {
    into.channels ??= {};
    addTally((into.channels[channel] ??= { processed: 0, sent: 0, failed: 0, skipped: 0, reasons: {} }), tally);
  }
}

function addTally(into: RecordTally, more: RecordTally): void {
  into.processed += more.processed;
  into.sent += more.sent;
  into.failed += more.failed;
  into.skipped += more.skipped;
  if (more.uncertain) into.uncertain = (into.uncertain ?? 0) + more.uncertain;
  for (const [reason, n] of Object.entries(more.reasons)) into.reasons[reason] = (into.reasons[reason] ?? 0) + n;
}

/** Records a stopped execution left pending, counted as skipped for the reason it stopped. */
export function leftOverCounts(reason: string | null, n: number): BroadcastCounts {
  return { processed: n, sent: 0, failed: 0, skipped: n, reasons: n ? { [reason ?? 'stopped']: n } : {} };
}

/** Messages per second since the broadcast began, and the seconds left at that rate (null when unknown). */
export function rateAndEta(
  processed: number,
  audienceSize: number | null,
  startedAt: number | null,
  now: number,
): { ratePerSecond: number | null; etaSeconds: number | null } {
  if (startedAt === null || processed === 0 || now <= startedAt) return { ratePerSecond: null, etaSeconds: null };
  const ratePerSecond = processed / ((now - startedAt) / 1000);
  const left = audienceSize === null ? null : Math.max(0, audienceSize - processed);
  return { ratePerSecond: Math.round(ratePerSecond * 10) / 10, etaSeconds: left === null ? null : Math.ceil(left / ratePerSecond) };
}
