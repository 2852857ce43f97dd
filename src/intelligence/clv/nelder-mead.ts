// Nelder–Mead minimisation: the CLV fits' fallback when BFGS (./bfgs.ts) stops short of converging, from
// where it stopped; it needs no gradient. Written here rather than taken from npm: the packages that offer a
// general unconstrained minimiser are either unmaintained for years (fmin, 2016) or least-squares only
// (ml-levenberg-marquardt). The adaptive coefficients of
// Gao & Han (2012) keep it converging in 3–4 dimensions, and a restart from the best vertex guards against
// a simplex that collapsed before the minimum — the usual weakness of the method.

export interface MinimiseOptions {
  /** Initial simplex: x0 plus `step` along each axis. */
  step?: number;
  /** Stop when the vertices' values and coordinates are this close to the best one's. */
  fTolerance?: number;
  xTolerance?: number;
  maxEvaluations?: number;
  /** Restarts from the best point; stops early when one improves by less than fTolerance. */
  restarts?: number;
}

export interface Minimum {
  x: number[];
  f: number;
  evaluations: number;
  converged: boolean;
}

export function minimise(f: (x: number[]) => number, x0: number[], options: MinimiseOptions = {}): Minimum {
  const { step = 0.5, fTolerance = 1e-12, xTolerance = 1e-9, maxEvaluations = 20_000, restarts = 4 } = options;
  let best = run(f, x0, step, fTolerance, xTolerance, maxEvaluations);
  let evaluations = best.evaluations;
  for (let i = 0; i < restarts && evaluations < maxEvaluations; i++) {
    const next = run(f, best.x, step / 5, fTolerance, xTolerance, maxEvaluations - evaluations);
    evaluations += next.evaluations;
    const improved = best.f - next.f;
    if (next.f <= best.f) best = { ...next, converged: next.converged };
    if (improved < fTolerance) break;
  }
  return { ...best, evaluations };
}

function run(f: (x: number[]) => number, x0: number[], step: number, fTol: number, xTol: number, maxEvaluations: number): Minimum {
  const n = x0.length;
  const [alpha, beta, gamma, delta] = [1, 1 + 2 / n, 0.75 - 1 / (2 * n), 1 - 1 / n];
  let evaluations = 0;
  // A NaN (parameters where the likelihood is undefined) ranks worst, so the simplex moves away from it.
  const value = (x: number[]) => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  const simplex: Array<{ x: number[]; f: number }> = [{ x: [...x0], f: value(x0) }];
  for (let i = 0; i < n; i++) {
    const x = [...x0];
    x[i]! += step;
    simplex.push({ x, f: value(x) });
  }
  const along = (from: number[], to: number[], t: number) => from.map((v, i) => v + t * (to[i]! - v));
  while (evaluations < maxEvaluations) {
    simplex.sort((p, q) => p.f - q.f);
    const first = simplex[0]!;
    const spreadF = Math.max(...simplex.map((p) => Math.abs(p.f - first.f)));
    const spreadX = Math.max(...simplex.flatMap((p) => p.x.map((v, i) => Math.abs(v - first.x[i]!))));
    if (spreadF <= fTol && spreadX <= xTol) return { x: first.x, f: first.f, evaluations, converged: true };
    const worst = simplex[n]!;
    const centroid = Array.from({ length: n }, (_, i) => simplex.slice(0, n).reduce((s, p) => s + p.x[i]!, 0) / n);
    const reflected = along(centroid, worst.x, -alpha);
    const fr = value(reflected);
    if (fr < first.f) {
      const expanded = along(centroid, worst.x, -alpha * beta);
      const fe = value(expanded);
      simplex[n] = fe < fr ? { x: expanded, f: fe } : { x: reflected, f: fr };
      continue;
    }
    if (fr < simplex[n - 1]!.f) {
      simplex[n] = { x: reflected, f: fr };
      continue;
    }
    // Contract outside (towards the reflection) or inside (towards the worst vertex).
    const outside = fr < worst.f;
    const contracted = along(centroid, outside ? reflected : worst.x, gamma);
    const fc = value(contracted);
    if (fc < (outside ? fr : worst.f)) {
      simplex[n] = { x: contracted, f: fc };
      continue;
    }
    for (let i = 1; i <= n; i++) {
      const x = along(first.x, simplex[i]!.x, delta);
      simplex[i] = { x, f: value(x) };
    }
  }
  simplex.sort((p, q) => p.f - q.f);
  return { x: simplex[0]!.x, f: simplex[0]!.f, evaluations, converged: false };
}
