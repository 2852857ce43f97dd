"""Reference numbers for the experiments' statistics engine (src/experiments/stats/).

Every fixed-horizon number comes from scipy or statsmodels, the implementations the TypeScript matches;
the mSPRT numbers, for which no library exists, from the formulas of docs/experiments-statistics.md in
numpy. Writes tests/fixtures/stats-reference.json, which tests/unit/experiment-stats.test.ts checks to 1e-6.

    python3 -m venv .tools/stats-venv
    .tools/stats-venv/bin/pip install -r scripts/stats-fixtures.requirements.txt
    .tools/stats-venv/bin/python scripts/stats-fixtures.py && npx prettier --write tests/fixtures/stats-reference.json
"""

import json
import math
import platform
import warnings
from pathlib import Path

import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportion_effectsize,
    proportions_ztest,
)

warnings.simplefilter("ignore")  # 0/0 and log(0) are expected on the edge cases: they become null
OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "stats-reference.json"
SRM_THRESHOLD = 0.001
DEFAULT_HORIZON = 10_000


def num(x):
    """A finite float, or None for NaN/inf (the TypeScript answers null there)."""
    x = float(x)
    return x if math.isfinite(x) else None


def safe(fn):
    try:
        return fn()
    except (ValueError, ZeroDivisionError):
        return None


def interval(low, high):
    low, high = num(low), num(high)
    return None if low is None or high is None else {"low": low, "high": high}


# --- mSPRT (Johari et al.), from the formula ---------------------------------------------------------


def default_tau2(unit_variances, alpha, horizon=DEFAULT_HORIZON):
    l = -2 * np.log(alpha)
    return float((l + np.log(1 + l)) * unit_variances / horizon)


def msprt(estimate, variance, tau2, alpha, previous=None, interval_variance=None):
    v_ci = variance if interval_variance is None else interval_variance
    if not (variance > 0 and v_ci > 0 and tau2 > 0):
        return None
    log_lr = 0.5 * np.log(variance / (variance + tau2)) + tau2 * estimate**2 / (2 * variance * (variance + tau2))
    p = min(1.0, float(np.exp(-log_lr)))
    if previous is not None:
        p = min(p, previous)
    half = np.sqrt((v_ci + tau2) / tau2 * v_ci * (2 * np.log(1 / alpha) + np.log((v_ci + tau2) / v_ci)))
    return {"logLikelihoodRatio": num(log_lr), "pValue": p, "ci": interval(estimate - half, estimate + half)}


# --- comparisons of one arm against the control ------------------------------------------------------

NONE = {"statistic": None, "df": None, "pValue": None, "lift": None, "tau2": None}


def compare_proportions(t, c, alpha, mode, tau2=None, horizon=DEFAULT_HORIZON, previous=None):
    if t["n"] == 0 or c["n"] == 0:
        return NONE
    et, nt, ec, nc = (np.float64(x) for x in (t["events"], t["n"], c["events"], c["n"]))
    absolute = et / nt - ec / nc
    wald = interval(*confint_proportions_2indep(et, nt, ec, nc, compare="diff", method="wald", alpha=alpha))
    relative = num(safe(lambda: (et / nt) / (ec / nc) - 1)) if ec > 0 else None
    if mode == "fixed":
        z, p = proportions_ztest([et, ec], [nt, nc])
        rel_ci = None
        if et > 0 and ec > 0:
            low, high = confint_proportions_2indep(et, nt, ec, nc, compare="ratio", method="log", alpha=alpha)
            rel_ci = interval(low - 1, high - 1)
        lift = {"absolute": num(absolute), "absoluteCi": wald, "relative": relative, "relativeCi": rel_ci}
        return {"statistic": num(z), "df": None, "pValue": num(p), "lift": lift, "tau2": None}
    pooled = (et + ec) / (nt + nc)
    variance = pooled * (1 - pooled) * (1 / nt + 1 / nc)
    unpooled = (et / nt) * (1 - et / nt) / nt + (ec / nc) * (1 - ec / nc) / nc
    tau2 = tau2 if tau2 is not None else default_tau2(2 * pooled * (1 - pooled), alpha, horizon)
    s = msprt(absolute, variance, tau2, alpha, previous, interval_variance=unpooled)
    if s is None:
        return NONE
    lift = {"absolute": num(absolute), "absoluteCi": s["ci"], "relative": relative, "relativeCi": None}
    return {"statistic": s["logLikelihoodRatio"], "df": None, "pValue": s["pValue"], "lift": lift, "tau2": tau2}


def compare_means(t, c, alpha, mode, tau2=None, horizon=DEFAULT_HORIZON, previous=None):
    xt, xc = np.asarray(t, float), np.asarray(c, float)
    if len(xt) < 2 or len(xc) < 2:
        return NONE
    vt, vc = xt.var(ddof=1), xc.var(ddof=1)
    if vt / len(xt) + vc / len(xc) == 0:
        return NONE
    res = stats.ttest_ind(xt, xc, equal_var=False)
    # The same test from the summaries the SQL gives, as the TypeScript computes it.
    check = stats.ttest_ind_from_stats(xt.mean(), np.sqrt(vt), len(xt), xc.mean(), np.sqrt(vc), len(xc), equal_var=False)
    assert abs(check.statistic - res.statistic) < 1e-9 * max(1, abs(res.statistic))
    mt, mc = xt.mean(), xc.mean()
    diff = mt - mc
    relative = num(mt / mc - 1) if mc != 0 else None
    if mode == "fixed":
        ci = res.confidence_interval(confidence_level=1 - alpha)
        rel_ci = None
        if mc != 0:
            var_r = vt / (len(xt) * mc**2) + mt**2 * vc / (len(xc) * mc**4)
            half = stats.norm.isf(alpha / 2) * np.sqrt(var_r)
            rel_ci = interval(relative - half, relative + half)
        lift = {"absolute": num(diff), "absoluteCi": interval(ci.low, ci.high), "relative": relative, "relativeCi": rel_ci}
        return {"statistic": num(res.statistic), "df": num(res.df), "pValue": num(res.pvalue), "lift": lift, "tau2": None}
    variance = vt / len(xt) + vc / len(xc)
    tau2 = tau2 if tau2 is not None else default_tau2(vt + vc, alpha, horizon)
    s = msprt(diff, variance, tau2, alpha, previous)
    lift = {"absolute": num(diff), "absoluteCi": s["ci"], "relative": relative, "relativeCi": None}
    return {"statistic": s["logLikelihoodRatio"], "df": None, "pValue": s["pValue"], "lift": lift, "tau2": tau2}


def holm(pvalues):
    filled = [1.0 if p is None else p for p in pvalues]
    adjusted = multipletests(filled, method="holm")[1]
    return [None if p is None else float(a) for p, a in zip(pvalues, adjusted)]


def srm(assigned, weights):
    total, wsum = sum(assigned), sum(weights)
    df = len(assigned) - 1
    if total == 0:
        return {"statistic": None, "df": df, "pValue": None, "flagged": False}
    res = stats.chisquare(assigned, [total * w / wsum for w in weights])
    return {"statistic": float(res.statistic), "df": df, "pValue": float(res.pvalue), "flagged": bool(res.pvalue < SRM_THRESHOLD)}


# --- analyse(): the whole answer ---------------------------------------------------------------------


def describe_proportion(arm, alpha):
    if arm["n"] == 0:
        return {"events": arm["events"], "rate": None, "estimate": None, "ci": None}
    low, high = proportion_confint(arm["events"], arm["n"], alpha=alpha, method="wilson")
    r = arm["events"] / arm["n"]
    return {"events": arm["events"], "rate": r, "estimate": r, "ci": interval(low, high)}


def describe_mean(values, alpha):
    x = np.asarray(values, float)
    if len(x) == 0:
        return {"mean": None, "variance": None, "rate": None, "estimate": None, "ci": None}
    mean = float(x.mean())
    if len(x) < 2:
        return {"mean": mean, "variance": None, "rate": None, "estimate": mean, "ci": None}
    var = float(x.var(ddof=1))
    ci = stats.t.interval(1 - alpha, len(x) - 1, loc=mean, scale=np.sqrt(var / len(x))) if var > 0 else (mean, mean)
    return {"mean": mean, "variance": var, "rate": None, "estimate": mean, "ci": interval(*ci)}


def analyse(name, metric, arms, weights, alpha, mode, assigned=None, holdout=None, tau2=None, horizon=None, previous=None):
    """arms: [(key, {n, events})] or [(key, values)] for means. Returns the case: input and expected."""
    h = horizon or DEFAULT_HORIZON
    if metric == "proportion":
        inputs = [{"key": k, "n": a["n"], "events": a["events"]} for k, a in arms]
        described = [describe_proportion(a, alpha) for _, a in arms]
        comps = [compare_proportions(a, arms[0][1], alpha, mode, tau2, h, previous and previous[i + 1]) for i, (_, a) in enumerate(arms[1:])]
    else:
        inputs = [{"key": k, "n": len(v), "sum": float(np.sum(v)), "sumSquares": float(np.sum(np.square(v)))} for k, v in arms]
        described = [describe_mean(v, alpha) for _, v in arms]
        comps = [compare_means(v, arms[0][1], alpha, mode, tau2, h, previous and previous[i + 1]) for i, (_, v) in enumerate(arms[1:])]
    adjusted = holm([c["pValue"] for c in comps])
    out_arms = []
    for i, (key, _) in enumerate(arms):
        c = NONE if i == 0 else comps[i - 1]
        adj = None if i == 0 else adjusted[i - 1]
        out = {"key": key, "n": inputs[i]["n"], **described[i], "isControl": i == 0}
        out.update({"lift": c["lift"], "statistic": c["statistic"], "df": c["df"], "pValue": c["pValue"]})
        out.update({"adjustedPValue": adj, "significant": adj is not None and adj < alpha})
        out_arms.append(out)

    smallest = None if any(a is None for a in adjusted) else min(adjusted)
    if mode == "sequential":
        omnibus = {"test": "msprt", "statistic": None, "df": None, "pValue": smallest}
    elif len(arms) == 2:
        omnibus = {"test": "z" if metric == "proportion" else "welch", "statistic": comps[0]["statistic"], "df": comps[0]["df"], "pValue": comps[0]["pValue"]}
    elif metric == "mean":
        omnibus = {"test": "holm", "statistic": None, "df": None, "pValue": smallest}
    else:
        table = [[a["events"], a["n"] - a["events"]] for _, a in arms]
        chi = safe(lambda: stats.chi2_contingency(table, correction=False))
        omnibus = {"test": "chi_square", "statistic": None, "df": len(arms) - 1, "pValue": None}
        if chi is not None:
            omnibus.update({"statistic": float(chi.statistic), "df": int(chi.dof), "pValue": float(chi.pvalue)})

    counts = (assigned or [a["n"] for a in inputs]) + ([holdout["assigned"]] if holdout else [])
    srm_result = srm(counts, weights + ([holdout["weight"]] if holdout else []))
    better = [a for a in out_arms if a["significant"] and a["lift"] and a["lift"]["absolute"] > 0]
    best = max(better, key=lambda a: a["estimate"], default=None)
    insufficient = omnibus["pValue"] is None or any(a["estimate"] is None or (not a["isControl"] and a["pValue"] is None) for a in out_arms)
    decision = "srm" if srm_result["flagged"] else "insufficient_data" if insufficient else "winner" if best else "no_significant_difference"
    input_ = {"metric": metric, "arms": inputs, "weights": weights, "alpha": alpha, "mode": mode}
    for k, v in (("assigned", assigned), ("holdout", holdout), ("tau2", tau2), ("horizon", horizon), ("previousPValues", previous)):
        if v is not None:
            input_[k] = v
    expected = {
        "metric": metric, "mode": mode, "alpha": alpha, "arms": out_arms, "omnibus": omnibus, "srm": srm_result,
        "winner": best["key"] if decision == "winner" else None, "decision": decision,
        "tau2": [None] + [c["tau2"] for c in comps] if mode == "sequential" else None,
    }
    return {"name": name, "input": input_, "expected": expected}


def p(n, events):
    return {"n": n, "events": events}


def revenue(rng, n, buy_rate, mean_order, sigma):
    """Revenue per recipient: most recipients 0, buyers a log-normal order value (cents-rounded)."""
    buys = rng.random(n) < buy_rate
    return np.round(np.where(buys, rng.lognormal(np.log(mean_order), sigma, n), 0.0), 2).tolist()


def analyse_cases():
    rng = np.random.default_rng(20240611)
    A = "contrôle"  # keys are any Unicode
    cases = [
        analyse("small", "proportion", [(A, p(20, 3)), ("B", p(22, 7))], [1, 1], 0.05, "fixed"),
        analyse("large, a clear winner", "proportion", [(A, p(100_000, 5_123)), ("B", p(100_500, 5_511))], [1, 1], 0.05, "fixed"),
        analyse("large, no difference", "proportion", [(A, p(100_000, 5_123)), ("B", p(99_800, 5_140))], [1, 1], 0.05, "fixed"),
        analyse("zero events in the treatment", "proportion", [(A, p(500, 12)), ("B", p(480, 0))], [1, 1], 0.05, "fixed"),
        analyse("zero events in the control", "proportion", [(A, p(500, 0)), ("B", p(480, 9))], [1, 1], 0.05, "fixed"),
        analyse("zero events anywhere", "proportion", [(A, p(100, 0)), ("B", p(100, 0))], [1, 1], 0.05, "fixed"),
        analyse("every recipient converts", "proportion", [(A, p(50, 40)), ("B", p(50, 50))], [1, 1], 0.05, "fixed"),
        analyse("an empty arm", "proportion", [(A, p(0, 0)), ("B", p(10, 2))], [1, 1], 0.05, "fixed"),
        analyse("unequal n, alpha 0.01", "proportion", [(A, p(12_000, 840)), ("B", p(3_000, 240))], [4, 1], 0.01, "fixed"),
        analyse("three arms", "proportion", [(A, p(4_000, 200)), ("B", p(4_050, 262)), ("C", p(3_980, 207))], [1, 1, 1], 0.05, "fixed"),
        analyse(
            "five arms, two better, one worse",
            "proportion",
            [(A, p(20_000, 1_000)), ("B", p(20_100, 1_180)), ("C", p(19_900, 1_010)), ("D", p(20_050, 1_230)), ("E", p(19_950, 880))],
            [1, 1, 1, 1, 1],
            0.05,
            "fixed",
        ),
        analyse("three arms, one empty of events", "proportion", [(A, p(300, 0)), ("B", p(310, 0)), ("C", p(290, 0))], [1, 1, 1], 0.05, "fixed"),
        analyse("skewed assignment", "proportion", [(A, p(5_200, 260)), ("B", p(4_800, 300))], [1, 1], 0.05, "fixed"),
        analyse(
            "with a holdout",
            "proportion",
            [(A, p(4_500, 225)), ("B", p(4_480, 270))],
            [45, 45],
            0.05,
            "fixed",
            assigned=[4_510, 4_495],
            holdout={"assigned": 1_002, "weight": 10},
        ),
        analyse("sequential, default τ²", "proportion", [(A, p(8_000, 400)), ("B", p(8_020, 480))], [1, 1], 0.05, "sequential"),
        analyse("sequential, τ² given", "proportion", [(A, p(8_000, 400)), ("B", p(8_020, 480))], [1, 1], 0.05, "sequential", tau2=1e-4),
        analyse(
            "sequential, three arms, previous p-values",
            "proportion",
            [(A, p(3_000, 150)), ("B", p(3_010, 171)), ("C", p(2_990, 150))],
            [1, 1, 1],
            0.05,
            "sequential",
            horizon=5_000,
            previous=[None, 0.02, 0.9],
        ),
        analyse("sequential, no events yet", "proportion", [(A, p(40, 0)), ("B", p(41, 0))], [1, 1], 0.05, "sequential"),
    ]
    c2 = revenue(rng, 2_000, 0.05, 60, 0.8)
    t2 = revenue(rng, 2_100, 0.06, 75, 1.1)
    cases += [
        analyse("revenue, two arms, unequal variances", "mean", [(A, c2), ("B", t2)], [1, 1], 0.05, "fixed"),
        analyse("revenue, small", "mean", [(A, [0, 12.5, 0, 30, 7.25]), ("B", [18, 0, 44.9, 21, 0, 35.5, 12])], [1, 1], 0.05, "fixed"),
        analyse(
            "revenue, three arms",
            "mean",
            [(A, revenue(rng, 3_000, 0.05, 50, 0.7)), ("B", revenue(rng, 3_000, 0.07, 55, 0.7)), ("C", revenue(rng, 3_000, 0.05, 48, 1.2))],
            [1, 1, 1],
            0.05,
            "fixed",
        ),
        analyse("revenue, one recipient", "mean", [(A, [10.0]), ("B", [3.0, 4.0])], [1, 1], 0.05, "fixed"),
        analyse("revenue, nobody bought", "mean", [(A, [0.0] * 30), ("B", [0.0] * 31)], [1, 1], 0.05, "fixed"),
        analyse("revenue, sequential", "mean", [(A, c2), ("B", t2)], [1, 1], 0.05, "sequential"),
    ]
    return cases


def srm_cases():
    rows = [
        ("balanced", [5_012, 4_988], [1, 1]),
        ("skewed", [5_200, 4_800], [1, 1]),
        ("slightly off", [5_100, 4_900], [1, 1]),
        ("three arms 2:1:1", [5_000, 2_500, 2_600], [2, 1, 1]),
        ("five arms", [2_010, 1_990, 2_040, 1_950, 2_005], [20, 20, 20, 20, 20]),
        ("with a holdout", [4_510, 4_495, 1_002], [45, 45, 10]),
        ("nothing assigned", [0, 0], [1, 1]),
    ]
    return [{"name": n, "assigned": a, "weights": w, **srm(a, w)} for n, a, w in rows]


def plan_cases():
    solver = NormalIndPower()
    sizes, powers = [], []
    for baseline in (0.01, 0.05, 0.2, 0.5):
        for mde in (0.002, 0.01, 0.05, -0.005):
            for alpha, power in ((0.05, 0.8), (0.05, 0.9), (0.01, 0.8)):
                if not 0 <= baseline + mde <= 1:
                    continue
                es = proportion_effectsize(baseline + mde, baseline)
                exact = float(solver.solve_power(effect_size=es, alpha=alpha, power=power, ratio=1))
                sizes.append({"metric": "proportion", "baseline": baseline, "mde": mde, "alpha": alpha, "power": power, "effectSize": float(es), "exact": exact, "nPerArm": math.ceil(exact)})
    for sd, mde in ((10, 1), (25, 2.5), (40, 1), (3, 2)):
        for alpha, power in ((0.05, 0.8), (0.1, 0.95)):
            exact = float(solver.solve_power(effect_size=mde / sd, alpha=alpha, power=power, ratio=1))
            sizes.append({"metric": "mean", "sd": sd, "mde": mde, "alpha": alpha, "power": power, "effectSize": mde / sd, "exact": exact, "nPerArm": math.ceil(exact)})
    for n in (0, 100, 1_000, 5_000, 50_000):
        for baseline, mde, alpha in ((0.05, 0.01, 0.05), (0.2, -0.02, 0.01)):
            es = proportion_effectsize(baseline + mde, baseline)
            pw = float(solver.power(effect_size=es, nobs1=n, alpha=alpha, ratio=1)) if n > 0 else alpha
            powers.append({"metric": "proportion", "baseline": baseline, "mde": mde, "alpha": alpha, "nPerArm": n, "power": pw})
        pw = float(solver.power(effect_size=2 / 30, nobs1=n, alpha=0.05, ratio=1)) if n > 0 else 0.05
        powers.append({"metric": "mean", "sd": 30, "mde": 2, "alpha": 0.05, "nPerArm": n, "power": pw})
    return sizes, powers


def msprt_cases():
    rows = []
    for estimate, variance, tau2, alpha, previous in (
        (0.01, 1e-5, 1e-4, 0.05, None),
        (0.01, 1e-5, 1e-4, 0.05, 0.001),
        (-0.004, 4e-6, 2.5e-5, 0.05, None),
        (0.0, 1e-4, 1e-4, 0.1, None),
        (3.2, 2.1, 0.5, 0.05, None),
        (0.05, 1e-6, 1e-3, 0.01, 0.5),
    ):
        rows.append({"estimate": estimate, "variance": variance, "tau2": tau2, "alpha": alpha, "previousPValue": previous, **msprt(estimate, variance, tau2, alpha, previous)})
    taus = [{"unitVariances": u, "alpha": a, "horizon": h, "tau2": default_tau2(u, a, h)} for u, a, h in ((0.095, 0.05, 10_000), (2 * 0.25, 0.01, 2_000), (1_800.0, 0.1, 50_000))]
    return rows, taus


def main():
    sizes, powers = plan_cases()
    runs, taus = msprt_cases()
    data = {
        "generatedWith": {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__, "statsmodels": statsmodels.__version__},
        "analyse": analyse_cases(),
        "srm": srm_cases(),
        "sampleSize": sizes,
        "power": powers,
        "msprt": runs,
        "defaultTau2": taus,
    }
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(data['analyse'])} analyses, {len(sizes)} sample sizes, {len(powers)} powers")


if __name__ == "__main__":
    main()
