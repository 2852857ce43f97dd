"""Reference figures for Touchpoint's CLV model (src/intelligence/clv/), from the Python `lifetimes` package.

Generates a seeded synthetic transaction log from the BG/NBD + Gamma-Gamma generative process with known
parameters, summarises it with lifetimes' summary_data_from_transaction_data (freq='D'), fits BetaGeoFitter
and GammaGammaFitter, and writes what lifetimes answers:

  tests/fixtures/clv-transactions.csv   customer_id,occurred_at (UTC),amount
  tests/fixtures/clv-reference.json     summaries (a sample), fits, predictions — at the fitted parameters
                                         and, separately, at fixed ones (formulas checked without an optimiser)

Run (venv outside the repository):
  python3.11 -m venv /work/venvs/clv && /work/venvs/clv/bin/pip install -r scripts/clv-fixtures.requirements.txt
  /work/venvs/clv/bin/python scripts/clv-fixtures.py && npx prettier --write tests/fixtures/clv-reference.json
(prettier lays the JSON out as the repository's lint wants it; the values stay as written.)
"""

import json
import math
import os
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import summary_data_from_transaction_data

SEED = 20260615
CUSTOMERS = 2500
# True parameters, time in days: BG/NBD (r, alpha, a, b) and Gamma-Gamma (p, q, v).
TRUE = {"r": 0.6, "alpha": 25.0, "a": 0.8, "b": 2.6, "p": 6.0, "q": 4.0, "v": 15.0}
OBSERVATION_END = datetime(2026, 6, 15, tzinfo=timezone.utc)
MAX_AGE_DAYS = 720
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")


def generate(rng):
    """Each customer: rate λ ~ Gamma(r, 1/α), dropout p ~ Beta(a, b), spend ν ~ Gamma(q, 1/v); first order at
    the start of their observation (age uniform up to MAX_AGE_DAYS), exponential gaps, dropping out after a
    repeat order with probability p; each order's amount ~ Gamma(p, 1/ν), in cents (at least one)."""
    rows = []
    for i in range(CUSTOMERS):
        cid = f"c{i:04d}"
        lam = rng.gamma(TRUE["r"], 1 / TRUE["alpha"])
        drop = rng.beta(TRUE["a"], TRUE["b"])
        nu = rng.gamma(TRUE["q"], 1 / TRUE["v"])
        age = rng.uniform(1, MAX_AGE_DAYS)
        start = OBSERVATION_END - timedelta(days=age)
        t = 0.0
        while t <= age:
            amount = max(0.01, round(rng.gamma(TRUE["p"], 1 / nu), 2))
            rows.append((cid, (start + timedelta(days=t)).strftime("%Y-%m-%dT%H:%M:%SZ"), f"{amount:.2f}"))
            # Alive after the first order for sure; may drop out after each repeat one (as the likelihood has it).
            if t > 0 and rng.random() < drop:
                break
            t += rng.exponential(1 / lam)
    return rows


def predictions(bgf, ggf, s):
    f, r, T, m = s["frequency"], s["recency"], s["T"], s["monetary_value"]
    out = {
        "expected_purchases_365": bgf.conditional_expected_number_of_purchases_up_to_time(365, f, r, T),
        "expected_purchases_30": bgf.conditional_expected_number_of_purchases_up_to_time(30, f, r, T),
        "p_alive": bgf.conditional_probability_alive(f, r, T),
    }
    if ggf is not None:
        out["expected_average_profit"] = ggf.conditional_expected_average_profit(f, m)
        # lifetimes' months are 30 days (freq='D'): 12 months = 360 days.
        out["clv_12m_discount_0"] = ggf.customer_lifetime_value(bgf, f, r, T, m, time=12, discount_rate=0.0, freq="D")
        out["clv_12m_discount_0_01"] = ggf.customer_lifetime_value(bgf, f, r, T, m, time=12, discount_rate=0.01, freq="D")
    return {k: [float(x) for x in np.asarray(v)] for k, v in out.items()}


def fixed(params, keys):
    return pd.Series({k: params[k] for k in keys})


def main():
    rng = np.random.default_rng(SEED)
    rows = generate(rng)
    os.makedirs(FIXTURES, exist_ok=True)
    with open(os.path.join(FIXTURES, "clv-transactions.csv"), "w", encoding="utf-8") as fh:
        fh.write("customer_id,occurred_at,amount\n")
        for row in rows:
            fh.write(",".join(row) + "\n")

    tx = pd.DataFrame(rows, columns=["customer_id", "occurred_at", "amount"])
    tx["occurred_at"] = pd.to_datetime(tx["occurred_at"]).dt.tz_localize(None)
    tx["amount"] = tx["amount"].astype(float)
    summary = summary_data_from_transaction_data(
        tx, "customer_id", "occurred_at", monetary_value_col="amount",
        observation_period_end=OBSERVATION_END.replace(tzinfo=None), freq="D",
    )
    summary = summary.sort_index()

    bgf = BetaGeoFitter(penalizer_coef=0.0).fit(summary["frequency"], summary["recency"], summary["T"])
    repeat = summary[summary["frequency"] > 0]
    ggf = GammaGammaFitter(penalizer_coef=0.0).fit(repeat["frequency"], repeat["monetary_value"])
    bgf_pen = BetaGeoFitter(penalizer_coef=0.01).fit(summary["frequency"], summary["recency"], summary["T"])
    ggf_pen = GammaGammaFitter(penalizer_coef=0.01).fit(repeat["frequency"], repeat["monetary_value"])

    def ll_bgnbd(params):
        # The total log-likelihood in days (no penalty), lifetimes' own function on unscaled data.
        logp = np.log([params["r"], params["alpha"], params["a"], params["b"]])
        w = np.ones(len(summary))
        return float(-BetaGeoFitter._negative_log_likelihood(logp, summary["frequency"].values, summary["recency"].values, summary["T"].values, w, 0.0) * w.sum())

    def ll_gg(params):
        logp = np.log([params["p"], params["q"], params["v"]])
        w = np.ones(len(repeat))
        return float(-GammaGammaFitter._negative_log_likelihood(logp, repeat["frequency"].values, repeat["monetary_value"].values, w, 0.0) * w.sum())

    # A sample of customers: every 25th, which mixes one-order customers and repeaters.
    sample = summary.iloc[::25]
    fitted = {**{k: float(v) for k, v in bgf.params_.items()}, **{k: float(v) for k, v in ggf.params_.items()}}

    # Fixed parameters on the sample and on edge histories (many repeats, a long-dormant customer, age 0).
    edge = pd.DataFrame(
        {"frequency": [0, 0, 1, 3, 12, 40, 80, 5], "recency": [0, 0, 1, 200, 300, 690, 700, 10],
         "T": [0, 300, 2, 400, 310, 700, 700, 700], "monetary_value": [0, 0, 12.5, 33.3, 41.0, 27.25, 30.0, 80.0]},
        index=[f"edge{i}" for i in range(8)],
    )
    fixed_rows = pd.concat([sample, edge])
    fbgf = BetaGeoFitter()
    fbgf.params_ = fixed(TRUE, ["r", "alpha", "a", "b"])
    fbgf.predict = fbgf.conditional_expected_number_of_purchases_up_to_time  # what fit() sets
    fggf = GammaGammaFitter()
    fggf.params_ = fixed(TRUE, ["p", "q", "v"])

    def rows_of(df):
        return [{"customer_id": idx, "frequency": int(r.frequency), "recency": float(r.recency), "T": float(r["T"]),
                 "monetary_value": float(r.monetary_value)} for idx, r in df.iterrows()]

    reference = {
        "generator": {"seed": SEED, "customers": CUSTOMERS, "true": TRUE, "observation_end": OBSERVATION_END.strftime("%Y-%m-%d"),
                      "transactions": len(rows), "max_age_days": MAX_AGE_DAYS},
        "lifetimes": {"version": "0.11.3"},
        "summary": {"customers": int(len(summary)), "repeat_customers": int(len(repeat)),
                    "sum_frequency": float(summary["frequency"].sum()), "sum_recency": float(summary["recency"].sum()),
                    "sum_T": float(summary["T"].sum()), "sum_monetary_value": float(summary["monetary_value"].sum())},
        "fit": {
            "params": fitted,
            "log_likelihood_bgnbd": ll_bgnbd(fitted),
            "log_likelihood_gamma_gamma": ll_gg(fitted),
            "mean_negative_log_likelihood_bgnbd_scaled": float(bgf._negative_log_likelihood_),
            "mean_negative_log_likelihood_gamma_gamma": float(ggf._negative_log_likelihood_),
            "sample": rows_of(sample),
            "predictions": predictions(bgf, ggf, sample),
        },
        "fit_penalized_0_01": {
            "params": {**{k: float(v) for k, v in bgf_pen.params_.items()}, **{k: float(v) for k, v in ggf_pen.params_.items()}},
        },
        "fixed": {
            "params": TRUE,
            "log_likelihood_bgnbd": ll_bgnbd(TRUE),
            "log_likelihood_gamma_gamma": ll_gg(TRUE),
            "sample": rows_of(fixed_rows),
            "predictions": predictions(fbgf, fggf, fixed_rows),
        },
    }
    with open(os.path.join(FIXTURES, "clv-reference.json"), "w", encoding="utf-8") as fh:
        json.dump(reference, fh, indent=1)
        fh.write("\n")
    print(json.dumps({"transactions": len(rows), "customers": len(summary), "repeat": len(repeat), "fitted": fitted,
                      "penalized": reference["fit_penalized_0_01"]["params"]}, indent=1))


if __name__ == "__main__":
    main()
