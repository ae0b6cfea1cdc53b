"""Prediction and CLV timings for 1M customers, custvalue vs lifetimes in the same run.

Run from the repository root::

    python benchmarks/value.py [--customers 1000000] [--repeats 3] [--no-lifetimes]

The customers are simulated from the published CDNOW BG/NBD fit (Fader, Hardie & Lee 2005:
r = 0.243, alpha = 4.414, a = 0.793, b = 2.426) with the CDNOW design: weekly time unit,
first purchases spread over the first 12 weeks, calibration end at week 39, purchase times
on whole days (t_x in multiples of 1/7 week, as a daily customer table has them). Spend per
purchase is drawn from the published Gamma-Gamma fit (p = 6.25, q = 3.74, gamma = 15.44).
Both libraries get the same parameters (nothing is fitted here) and the same table.

The 12-month CLV uses lifetimes' convention (12 steps of 4.345 weeks, monthly discount rate
1 %); custvalue gets ``horizon=12 * 4.345, period_length=4.345, discount_rate=0.01``. The
two results are compared (max relative difference) before the timings are printed.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from statistics import median
from typing import Any

import numpy as np
import pandas as pd

import custvalue as cv

BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def simulate(n: int, seed: int) -> pd.DataFrame:
    """A CDNOW-like weekly customer table with n customers."""
    rng = np.random.default_rng(seed)
    first_day = rng.integers(0, 84, size=n)  # first purchase in the first 12 weeks
    tenure = (273 - first_day) / 7.0  # calibration ends on day 273 (week 39)
    model = cv.BetaGeoModel.from_params(**BGNBD)
    sim = model.sample(n, tenure=tenure, random_state=rng)
    span = np.floor(sim["purchase_span"].to_numpy() * 7.0) / 7.0  # whole days
    span = np.minimum(span, tenure)
    x = sim["n_repeat"].to_numpy()
    # spend: per-customer mean nu ~ Gamma(q, gamma); repeat mean ~ Gamma(p x, nu x) / x
    p, q, g = GAMMA_GAMMA["p"], GAMMA_GAMMA["q"], GAMMA_GAMMA["gamma"]
    nu = rng.gamma(q, 1.0 / g, size=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        m = np.where(
            x > 0, rng.gamma(np.maximum(p * x, 1e-9), 1.0) / (nu * np.maximum(x, 1)), np.nan
        )
    m = np.round(m, 2)
    m = np.where(x > 0, np.maximum(m, 0.01), np.nan)
    return pd.DataFrame(
        {
            "n_repeat": x,
            "purchase_span": np.where(x > 0, span, 0.0),
            "tenure": tenure,
            "mean_repeat_spend": m,
        },
        index=pd.RangeIndex(n, name="customer_id"),
    )


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2005)
    parser.add_argument(
        "--no-lifetimes", action="store_true", help="time custvalue only (e.g. at 10M customers)"
    )
    args = parser.parse_args()

    from lifetimes import BetaGeoFitter, GammaGammaFitter

    table = simulate(args.customers, args.seed)
    n_distinct = len(table[["n_repeat", "purchase_span", "tenure"]].drop_duplicates())
    print(
        f"{len(table):,} customers, {n_distinct:,} distinct (n_repeat, purchase_span, tenure) "
        f"rows, {int((table['n_repeat'] > 0).sum()):,} repeat buyers"
    )

    bg = cv.BetaGeoModel.from_params(**BGNBD)
    gg = cv.GammaGammaModel.from_params(**GAMMA_GAMMA)

    lt_bg = BetaGeoFitter()
    lt_bg.params_ = pd.Series(BGNBD)
    lt_bg.predict = lt_bg.conditional_expected_number_of_purchases_up_to_time  # set by fit
    lt_gg = GammaGammaFitter()
    lt_gg.params_ = pd.Series(
        {"p": GAMMA_GAMMA["p"], "q": GAMMA_GAMMA["q"], "v": GAMMA_GAMMA["gamma"]}
    )
    freq = table["n_repeat"].astype("float64")
    rec = table["purchase_span"]
    age = table["tenure"]
    money = table["mean_repeat_spend"].fillna(
        0.0
    )  # lifetimes' convention for x == 0 (oracle input)

    rows = []

    def compare(label: str, ours: Callable[[], Any], theirs: Callable[[], Any]) -> None:
        t_ours, a = timed(ours, args.repeats)
        if args.no_lifetimes:
            rows.append((label, t_ours, float("nan"), float("nan"), float("nan")))
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_theirs, b = timed(theirs, args.repeats)
        a = np.asarray(a, dtype=float)
        b = np.asarray(b, dtype=float)
        rel = float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12)))
        rows.append((label, t_ours, t_theirs, t_theirs / t_ours, rel))

    compare(
        "prob_alive",
        lambda: bg.prob_alive(table),
        lambda: lt_bg.conditional_probability_alive(freq, rec, age),
    )
    compare(
        "expected_purchases(52)",
        lambda: bg.expected_purchases(table, horizon=52.0),
        lambda: lt_bg.conditional_expected_number_of_purchases_up_to_time(52.0, freq, rec, age),
    )
    compare(
        "12-month CLV",
        lambda: cv.customer_lifetime_value(
            bg, gg, table, horizon=12 * 4.345, period_length=4.345, discount_rate=0.01
        ),
        lambda: lt_gg.customer_lifetime_value(
            lt_bg, freq, rec, age, money, time=12, discount_rate=0.01, freq="W"
        ),
    )

    # the same CLV through the generic path (one model call per period on distinct rows),
    # to show what the P(alive) x curve factorisation buys
    from custvalue.clv.value import _purchase_present_value, discount_schedule

    sched = discount_schedule(12 * 4.345, period_length=4.345, discount_rate=0.01)
    t_generic, _ = timed(
        lambda: _purchase_present_value(bg, table, sched, "bench", fast=False), args.repeats
    )
    t_fast, _ = timed(lambda: _purchase_present_value(bg, table, sched, "bench"), args.repeats)

    print(f"median of {args.repeats} runs, seconds")
    print(f"{'task':<24}{'custvalue':>11}{'lifetimes':>11}{'ratio':>9}{'max rel diff':>15}")
    for label, a, b, ratio, rel in rows:
        print(f"{label:<24}{a:>11.3f}{b:>11.3f}{ratio:>8.1f}x{rel:>15.2e}")
    print(
        f"discounted purchases only: factorised path {t_fast:.3f} s, "
        f"generic path {t_generic:.3f} s ({t_generic / t_fast:.1f}x)"
    )


if __name__ == "__main__":
    main()
