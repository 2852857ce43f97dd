// Customer ids picked by an experiment's own hash, so that a test knows each arm's size before it sends.
import { type Arms, armOf, inTest } from '../../src/experiments/assignment.js';

/**
 * Ids `<prefix>-<i>` until each arm has `want[arm]` of them. With `sample` (an auto-winner's test
 * fraction), the arms are the test sample's and `rest` collects the customers outside it.
 */
export function idsByArm(
  experimentId: string,
  prefix: string,
  arms: Arms,
  want: Record<string, number>,
  sample?: number,
): Record<string, string[]> {
  const byArm: Record<string, string[]> = Object.fromEntries(Object.keys(want).map((k) => [k, []]));
  for (let i = 0; Object.entries(want).some(([k, n]) => byArm[k]!.length < n); i++) {
    const id = `${prefix}-${String(i).padStart(5, '0')}`;
    const key = sample === undefined || inTest(experimentId, id, sample) ? armOf(experimentId, id, arms) : 'rest';
    if (byArm[key] && byArm[key].length < want[key]!) byArm[key].push(id);
  }
  return byArm;
}
