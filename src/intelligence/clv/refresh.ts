// The CLV step of a full insights refresh (../refresh.ts refreshAll, in its transaction): the histories,
// the fit on their unique rows, the predictions per unique history as a table; then the statement that puts
// the refresh's rows in place writes them with their CLV (./sql.ts insertWithClv). Leaves the model — or
// why there is none — in intelligence_settings.
import { type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { rowsOf } from '../../db/sql-helpers.js';
import { expectedPurchases, probabilityAlive } from './bg-nbd.js';
import { historyRows, spendRows } from './histories.js';
import { CLV_DEFAULTS, type ClvModel, discountedPurchases, fitClv, type FitOptions } from './model.js';
import {
  createPredictions,
  createSummary,
  type HistoryPrediction,
  observationDay,
  uniqueHistories,
  uniqueSpends,
  insertWithClv,
} from './sql.js';

export const CLV_MODEL_KEY = 'clv_model';

/** What a full refresh leaves in intelligence_settings (key `clv_model`). */
export interface ClvRecord {
  at: string;
  /** The UTC day every T was counted to. */
  observationDay: string;
  model: ClvModel | null;
  /** Why there is no model. */
  reason: string | null;
  /** The summary table; reading its unique rows; the fit; predictions per unique history, into their table. */
  durationMs: { summary: number; uniqueRows: number; fit: number; predict: number };
}

/**
 * Fits the model and prepares its predictions; answers the record and the INSERT that puts the refresh's rows
 * (customer_insights_next's `columns`) in place with their CLV.
 */
export async function prepareClv(
  tx: Tx,
  now: Date,
  columns: string[],
  options: FitOptions = {},
): Promise<{ record: ClvRecord; insert: SQL }> {
  let started = performance.now();
  const lap = () => {
    const ms = Math.round(performance.now() - started);
    started = performance.now();
    return ms;
  };
  await tx.execute(createSummary(now));
  const summary = lap();
  const h = rowsOf<{ frequency: number; recency: number; t: number; n: number }>(await tx.execute(uniqueHistories));
  const s = rowsOf<{ frequency: number; monetary: number; n: number }>(await tx.execute(uniqueSpends));
  const uniqueRows = lap();
  const fit = fitClv(
    historyRows(h.map((r) => ({ frequency: r.frequency, recency: r.recency, T: r.t, weight: Number(r.n) }))),
    spendRows(s.map((r) => ({ frequency: r.frequency, monetary: Number(r.monetary), weight: Number(r.n) }))),
    options,
  );
  const fitMs = lap();
  const model = fit.model;
  const year = CLV_DEFAULTS.months * CLV_DEFAULTS.daysPerMonth;
  const predictions: HistoryPrediction[] = model
    ? h.map(({ frequency: f, recency: r, t }) => {
        const e = expectedPurchases(model.params, year, f, r, t);
        const rate = model.monthlyDiscountRate;
        // Undiscounted, the CLV's purchases are the year's expected purchases.
        const d = rate === 0 ? e : discountedPurchases(model.params, f, r, t, { monthlyDiscountRate: rate });
        return { f, r, t, e, pa: probabilityAlive(model.params, f, r, t), d };
      })
    : [];
  // The refresh turns hash joins off for its streaming query; the join of its rows to the summary and the
  // predictions (temporary tables, unindexed) is what they are for — without, it nests loops over them.
  await tx.execute(sql`set local enable_hashjoin = on`);
  if (model) await tx.execute(createPredictions(predictions));
  await tx.execute(sql`analyze clv_summary`);
  const record: ClvRecord = {
    at: now.toISOString(),
    observationDay: observationDay(now),
    model,
    reason: fit.model ? null : fit.reason,
    durationMs: { summary, uniqueRows, fit: fitMs, predict: lap() },
  };
  await tx.execute(sql`
    insert into intelligence_settings (key, value, updated_at) values (${CLV_MODEL_KEY}, ${JSON.stringify(record)}::jsonb, now())
    on conflict (workspace_id, key) do update set value = excluded.value, updated_at = now()`);
  return { record, insert: insertWithClv(model, columns) };
}
