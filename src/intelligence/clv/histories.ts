// The per-customer inputs of the CLV models, as the Python `lifetimes` package defines them
// (summary_data_from_transaction_data, freq='D'): a customer's orders are grouped by UTC day (a day's
// amounts summed), the first day is their first purchase and every later day a repeat purchase.
// The refresh computes the same in SQL (./sql.ts); this is the readable definition the tests compare it to.

export interface CustomerHistory {
  /** Repeat purchase days (x). */
  frequency: number;
  /** Days from the first purchase day to the last (t_x); 0 when no repeat. */
  recency: number;
  /** Days from the first purchase day to the observation end (T). */
  T: number;
  /** Mean amount of a repeat purchase day; 0 when frequency is 0. */
  monetary: number;
  /** Every order's amount up to the observation end: the historic CLV. */
  revenue: number;
}

export interface Transaction {
  customerId: string;
  occurredAt: Date;
  amount: number;
}

const DAY_MS = 86_400_000;
/** Whole UTC days since the epoch. */
export const utcDay = (at: Date): number => Math.floor(at.getTime() / DAY_MS);

/** Per customer, from their orders up to and including the UTC day of `observationEnd`. */
export function historiesOf(transactions: Iterable<Transaction>, observationEnd: Date): Map<string, CustomerHistory> {
  const end = utcDay(observationEnd);
  const days = new Map<string, Map<number, number>>();
  for (const t of transactions) {
    const day = utcDay(t.occurredAt);
    if (day > end) continue;
    let own = days.get(t.customerId);
    if (!own) days.set(t.customerId, (own = new Map<number, number>()));
    own.set(day, (own.get(day) ?? 0) + t.amount);
  }
  const out = new Map<string, CustomerHistory>();
  for (const [id, own] of days) {
    const sorted = [...own.entries()].sort((p, q) => p[0] - q[0]);
    const first = sorted[0]!;
    const last = sorted[sorted.length - 1]!;
    const revenue = sorted.reduce((s, [, a]) => s + a, 0);
    const frequency = sorted.length - 1;
    out.set(id, {
      frequency,
      recency: last[0] - first[0],
      T: end - first[0],
      monetary: frequency === 0 ? 0 : (revenue - first[1]) / frequency,
      revenue,
    });
  }
  return out;
}

/** Unique (frequency, recency, T) with how many customers share them: what the BG/NBD fit reads. */
export interface HistoryRows {
  frequency: Float64Array;
  recency: Float64Array;
  T: Float64Array;
  weight: Float64Array;
}

/** Unique (frequency, monetary) of repeat customers with a positive spend: what the Gamma-Gamma fit reads. */
export interface SpendRows {
  frequency: Float64Array;
  monetary: Float64Array;
  weight: Float64Array;
}

export function historyRows(rows: Array<{ frequency: number; recency: number; T: number; weight?: number }>): HistoryRows {
  return {
    frequency: Float64Array.from(rows, (r) => r.frequency),
    recency: Float64Array.from(rows, (r) => r.recency),
    T: Float64Array.from(rows, (r) => r.T),
    weight: Float64Array.from(rows, (r) => r.weight ?? 1),
  };
}

export function spendRows(rows: Array<{ frequency: number; monetary: number; weight?: number }>): SpendRows {
  const kept = rows.filter((r) => r.frequency > 0 && r.monetary > 0);
  return {
    frequency: Float64Array.from(kept, (r) => r.frequency),
    monetary: Float64Array.from(kept, (r) => r.monetary),
    weight: Float64Array.from(kept, (r) => r.weight ?? 1),
  };
}

/** Groups histories into the unique rows both fits read (as the refresh's GROUP BY does). */
export function aggregate(histories: Iterable<CustomerHistory>): { histories: HistoryRows; spends: SpendRows } {
  const h = new Map<string, { frequency: number; recency: number; T: number; weight: number }>();
  const s = new Map<string, { frequency: number; monetary: number; weight: number }>();
  for (const c of histories) {
    const hk = `${c.frequency}|${c.recency}|${c.T}`;
    const hr = h.get(hk);
    if (hr) hr.weight++;
    else h.set(hk, { frequency: c.frequency, recency: c.recency, T: c.T, weight: 1 });
    if (c.frequency > 0 && c.monetary > 0) {
      const sk = `${c.frequency}|${c.monetary}`;
      const sr = s.get(sk);
      if (sr) sr.weight++;
      else s.set(sk, { frequency: c.frequency, monetary: c.monetary, weight: 1 });
    }
  }
  return { histories: historyRows([...h.values()]), spends: spendRows([...s.values()]) };
}
