// What every report counts of a set of message records, per channel, in one select list: the funnel's
// stages (src/domain/rates.ts turns receipts and bounces into "delivered"). Simulated records are never
// sent, so they count nowhere; opens, clicks and conversions count among sent records only.
import { type SQL, sql } from 'drizzle-orm';
import type { ChannelName } from '../domain/channels.js';
import { recordSent } from './status-progress.js';

/** One channel's counts (a row of the select list below). */
export interface RecordCounts {
  channel: ChannelName;
  sent: number;
  /** Sent records with a delivery receipt (delivered_at). */
  receipts: number;
  /** Sent records with a bounce and no receipt. */
  bounced: number;
  opened: number;
  clicked: number;
  /** Opened or clicked (each record once). */
  responded: number;
  converted: number;
  revenue: number;
}

/**
 * The select list of RecordCounts over the messages alias `m`, to go with `group by m.channel` (and any
 * other grouping of the caller's).
 */
export function recordCounts(m = 'm'): SQL {
  const sent = recordSent(m);
  const c = (column: string) => sql.raw(`${m}.${column}`);
  return sql`${c('channel')} as channel,
    count(*) filter (where ${sent})::int as sent,
    count(*) filter (where ${sent} and ${c('delivered_at')} is not null)::int as receipts,
    count(*) filter (where ${sent} and ${c('delivered_at')} is null and ${c('bounced_at')} is not null)::int as bounced,
    count(*) filter (where ${sent} and ${c('opened_at')} is not null)::int as opened,
    count(*) filter (where ${sent} and ${c('clicked_at')} is not null)::int as clicked,
    count(*) filter (where ${sent} and (${c('opened_at')} is not null or ${c('clicked_at')} is not null))::int as responded,
    count(*) filter (where ${sent} and ${c('converted_at')} is not null)::int as converted,
    coalesce(sum(${c('revenue')}) filter (where ${sent}), 0)::float8 as revenue`;
}

/** The counts of several channels (or groups) added up, revenue to the cent. */
export function addCounts(rows: Array<Omit<RecordCounts, 'channel'>>): Omit<RecordCounts, 'channel'> {
  const total = { sent: 0, receipts: 0, bounced: 0, opened: 0, clicked: 0, responded: 0, converted: 0, revenue: 0 };
  for (const r of rows) for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += r[k];
  total.revenue = Math.round(total.revenue * 100) / 100;
  return total;
}
