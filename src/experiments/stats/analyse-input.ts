// What analyse() takes, and its refusals: every one names its field (`arms[1].events`), as the API answers it.
import { invalid, requireUnitInterval } from './invalid.js';

/** One arm, control first. `n` is the base of its rate or mean (the caller's choice: assigned or delivered). */
export interface AnalyseArm {
  key: string;
  n: number;
  /** Proportion goal: recipients who did it. */
  events?: number;
  /** Mean goal: Σ value and Σ value² over the arm's n recipients (a recipient without revenue counts as 0). */
  sum?: number;
  sumSquares?: number;
}

export interface AnalyseInput {
  metric: 'proportion' | 'mean';
  /** 2–8 arms; arms[0] is the control. */
  arms: AnalyseArm[];
  /** Planned assignment weights, same order as arms (any positive scale: [1, 1] or [50, 50]). */
  weights: number[];
  /** Assignment counts for the SRM check, same order; each arm's n when not given. */
  assigned?: number[];
  /** The holdout, when the experiment keeps one: one more category of the SRM check, not an arm. */
  holdout?: { assigned: number; weight: number };
  alpha: number;
  mode: 'fixed' | 'sequential';
  /** Sequential mode: the mixing variance τ², on the scale of the difference; see defaultTau2. */
  tau2?: number;
  /** Sequential mode without tau2: the recipients per arm the default τ² is tuned for (DEFAULT_HORIZON). */
  horizon?: number;
  /** Sequential mode: each arm's raw always-valid p-value at the previous look (the control's is ignored). */
  previousPValues?: Array<number | null>;
}

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
const isPositive = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;

function checkArm(arm: AnalyseArm, i: number, metric: AnalyseInput['metric']): void {
  const at = `arms[${i}]`;
  if (typeof arm.key !== 'string' || arm.key.trim() === '') throw invalid(`${at}.key`, 'must be a non-empty string');
  if (!isCount(arm.n)) throw invalid(`${at}.n`, 'must be a whole number of recipients, 0 or more');
  if (metric === 'proportion') {
    if (!isCount(arm.events) || arm.events > arm.n) throw invalid(`${at}.events`, 'must be a whole number between 0 and n');
    return;
  }
  if (typeof arm.sum !== 'number' || !Number.isFinite(arm.sum)) throw invalid(`${at}.sum`, 'must be a finite number');
  const { sumSquares, sum, n } = arm;
  // Σx² ≥ (Σx)²/n for any values (Cauchy–Schwarz); a hair of rounding is let through and clamped later.
  const consistent = typeof sumSquares === 'number' && Number.isFinite(sumSquares) && sumSquares >= 0;
  if (!consistent || (n > 0 && sumSquares * n < sum * sum * (1 - 1e-9))) throw invalid(`${at}.sumSquares`, 'must be at least sum² / n');
  if (n === 0 && (sum !== 0 || sumSquares !== 0)) throw invalid(`${at}.sum`, 'must be 0 when n is 0');
}

function checkSameLength(values: unknown, field: string, length: number, valid: (x: unknown) => boolean, what: string): void {
  if (!Array.isArray(values) || values.length !== length) throw invalid(field, `must list one value per arm (${length})`);
  values.forEach((x, i) => {
    if (!valid(x)) throw invalid(`${field}[${i}]`, what);
  });
}

/** Throws a DomainError (422, `invalid_statistics_input`) naming the first field that is wrong. */
export function checkAnalyseInput(input: AnalyseInput): void {
  if (input.metric !== 'proportion' && input.metric !== 'mean') throw invalid('metric', "must be 'proportion' or 'mean'");
  if (input.mode !== 'fixed' && input.mode !== 'sequential') throw invalid('mode', "must be 'fixed' or 'sequential'");
  requireUnitInterval(input.alpha, 'alpha');
  const { arms } = input;
  if (!Array.isArray(arms) || arms.length < 2 || arms.length > 8) throw invalid('arms', 'must hold 2 to 8 arms, the control first');
  arms.forEach((arm, i) => checkArm(arm, i, input.metric));
  const seen = new Set<string>();
  arms.forEach((arm, i) => {
    if (seen.has(arm.key)) throw invalid(`arms[${i}].key`, `"${arm.key}" is already the key of another arm`);
    seen.add(arm.key);
  });
  checkSameLength(input.weights, 'weights', arms.length, isPositive, 'must be a positive number');
  if (input.assigned !== undefined) checkSameLength(input.assigned, 'assigned', arms.length, isCount, 'must be a whole number, 0 or more');
  if (input.holdout !== undefined) {
    if (!isCount(input.holdout.assigned)) throw invalid('holdout.assigned', 'must be a whole number, 0 or more');
    if (!isPositive(input.holdout.weight)) throw invalid('holdout.weight', 'must be a positive number');
  }
  if (input.tau2 !== undefined && !isPositive(input.tau2)) throw invalid('tau2', 'must be a positive number');
  if (input.horizon !== undefined && !isPositive(input.horizon)) throw invalid('horizon', 'must be a positive number of recipients');
  const isP = (x: unknown) => x === null || (typeof x === 'number' && x >= 0 && x <= 1);
  if (input.previousPValues !== undefined)
    checkSameLength(input.previousPValues, 'previousPValues', arms.length, isP, 'must be null or in [0, 1]');
}
