// Holm's step-down correction of several arms' p-values against the control (statsmodels
// `multipletests(method='holm')`): it keeps the chance of any false winner at α, whatever the number of arms.

/**
 * Holm-adjusted p-values, in the order given. A comparison that could not be computed (null) still
 * counts in the family, as p = 1, so that a missing arm never makes the others easier to win; its own
 * adjusted value stays null.
 */
export function holm(pValues: Array<number | null>): Array<number | null> {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p: p ?? 1, i })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number | null>(m).fill(null);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    if (pValues[i] != null) adjusted[i] = running;
  });
  return adjusted;
}
