// BFGS (Nocedal & Wright, Numerical Optimization, algorithms 6.1, 3.5 and 3.6) for the CLV fits, with the
// models' analytic gradients: what lifetimes runs too (scipy's BFGS, gradients from autograd), here in a
// few lines because no maintained npm package offers a general quasi-Newton minimiser. A line search that
// meets the strong Wolfe conditions keeps the inverse-Hessian update positive definite; a non-finite value
// (a step far out in log-parameter space) only shortens the step.
import type { Minimum } from './nelder-mead.js';

export type ValueAndGradient = (x: number[]) => { f: number; g: number[] };

export interface BfgsOptions {
  /** Converged when every gradient component is at most this. */
  gTolerance?: number;
  maxIterations?: number;
}

const dot = (u: number[], v: number[]) => u.reduce((s, ui, i) => s + ui * v[i]!, 0);
const finite = (p: { f: number; g: number[] }) => Number.isFinite(p.f) && p.g.every(Number.isFinite);

export function minimiseBfgs(fg: ValueAndGradient, x0: number[], { gTolerance = 1e-8, maxIterations = 500 }: BfgsOptions = {}): Minimum {
  const n = x0.length;
  let evaluations = 0;
  const at = (x: number[]) => {
    evaluations++;
    return fg(x);
  };
  let x = [...x0];
  let cur = at(x);
  if (!finite(cur)) return { x, f: cur.f, evaluations, converged: false };
  const identity = (): number[][] => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  let H = identity();
  let decrease = Infinity;
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const gMax = Math.max(...cur.g.map(Math.abs));
    // Converged at the tolerance; or nearly, where f has stopped moving but for rounding (a million rows
    // sum to a gradient whose last digits are noise, and a line search would bisect for nothing).
    if (gMax <= gTolerance || (gMax <= 1e-6 && decrease <= 1e-13 * Math.max(1, Math.abs(cur.f))))
      return { x, f: cur.f, evaluations, converged: true };
    let d = H.map((row) => -dot(row, cur.g));
    if (dot(d, cur.g) >= 0) {
      H = identity();
      d = cur.g.map((v) => -v);
    }
    const first = iteration === 0 ? Math.min(1, 1 / Math.sqrt(dot(cur.g, cur.g))) : 1;
    const step = lineSearch(at, x, cur, d, first);
    // No step decreases f any more: at the minimum but for rounding, when the gradient is nearly zero.
    if (!step) return { x, f: cur.f, evaluations, converged: Math.max(...cur.g.map(Math.abs)) <= 1e-6 };
    const s = d.map((v) => v * step.alpha);
    const y = step.point.g.map((v, i) => v - cur.g[i]!);
    const sy = dot(s, y);
    x = x.map((v, i) => v + s[i]!);
    decrease = cur.f - step.point.f;
    cur = step.point;
    if (sy <= 1e-300) continue;
    // The first update scales the identity to the curvature seen (N&W 6.20).
    if (iteration === 0) H = identity().map((row) => row.map((v) => (v * sy) / dot(y, y)));
    const rho = 1 / sy;
    const Hy = H.map((row) => dot(row, y));
    const yHy = dot(y, Hy);
    H = H.map((row, i) => row.map((v, j) => v - rho * (Hy[i]! * s[j]! + s[i]! * Hy[j]!) + (rho * rho * yHy + rho) * s[i]! * s[j]!));
  }
  return { x, f: cur.f, evaluations, converged: Math.max(...cur.g.map(Math.abs)) <= gTolerance };
}

type Point = { f: number; g: number[] };

/** A step length meeting the strong Wolfe conditions (c1 1e-4, c2 0.9) along the descent direction d. */
function lineSearch(at: ValueAndGradient, x: number[], start: Point, d: number[], first: number): { alpha: number; point: Point } | null {
  const [c1, c2] = [1e-4, 0.9];
  const slope0 = dot(start.g, d);
  const eval_ = (alpha: number) => {
    const point = at(x.map((v, i) => v + alpha * d[i]!));
    return { alpha, point, slope: dot(point.g, d) };
  };
  const zoom = (lo: ReturnType<typeof eval_>, hiAlpha: number) => {
    let hi = hiAlpha;
    // Bisection; an interval this small means f no longer tells the points apart.
    for (let i = 0; i < 60 && Math.abs(hi - lo.alpha) > 1e-10 * Math.max(1, lo.alpha); i++) {
      const trial = eval_((lo.alpha + hi) / 2);
      if (!finite(trial.point) || trial.point.f > start.f + c1 * trial.alpha * slope0 || trial.point.f >= lo.point.f) hi = trial.alpha;
      else {
        if (Math.abs(trial.slope) <= -c2 * slope0) return trial;
        if (trial.slope * (hi - lo.alpha) >= 0) hi = lo.alpha;
        lo = trial;
      }
    }
    return lo.alpha > 0 ? lo : null;
  };
  let previous = { alpha: 0, point: start, slope: slope0 };
  let alpha = first;
  for (let i = 0; i < 60; i++) {
    const trial = eval_(alpha);
    if (!finite(trial.point)) {
      alpha = (previous.alpha + alpha) / 2;
      continue;
    }
    if (trial.point.f > start.f + c1 * alpha * slope0 || (i > 0 && trial.point.f >= previous.point.f)) return zoom(previous, alpha);
    if (Math.abs(trial.slope) <= -c2 * slope0) return trial;
    if (trial.slope >= 0) return zoom(trial, previous.alpha);
    previous = trial;
    alpha *= 2;
  }
  return null;
}
