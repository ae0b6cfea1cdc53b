"""Benchmark: CLV model fits and predictions, custvalue vs lifetimes, in one process.

Data (weekly time unit, daily merge period, built with ``customer_table``):

* CDNOW 1/10 sample (2,357 customers) and full CDNOW (23,570), calibration to 1997-09-30;
* synthetic logs from ``make_transactions`` (CDNOW parameters, 78 weeks): 100k and 1M
  customers;
* with ``--continuous``, customer tables sampled directly from the published CDNOW BG/NBD
  and Gamma-Gamma fits with continuous spans and tenures (no merge period), so that every
  (n_repeat, purchase_span, tenure) row is distinct: the case where the fit's cost is
  driven by the number of customers, not by the few distinct rows of a day-rounded table;
* the donations data (11,104 donors, 6 opportunities) for discrete-time models.

For every model available in ``custvalue`` (the ``MODELS`` registry: adding a model is one
line) and every dataset it applies to, times ``Model().fit(table)`` and the lifetimes fitter
on the same columns, and on the largest purchase table the main predictions. Prints the
median of ``--repeats`` runs (lifetimes: ``--lifetimes-repeats``), the ratio
lifetimes / custvalue, and the largest relative parameter difference between the two.

Issue 11 adds GGompertz/NBD, sBG (on a simulated 1M-subscriber tenure table) and every
covariate model (``+cov``: two binary covariates, ``channel`` and ``region``, added to the
tables), which lifetimes does not have, and the future P(alive) prediction.

Targets (issue 3): BG/NBD fit on 1M customers >= 40x faster than lifetimes; Pareto/NBD fit on
100k >= 100x; Gamma-Gamma fit >= 10x.

Usage::

    python benchmarks/models.py                   # everything (lifetimes 1M fits take minutes)
    python benchmarks/models.py --quick           # CDNOW and 100k only
    python benchmarks/models.py --sizes 1e6 --models BG/NBD Gamma-Gamma
    python benchmarks/models.py --continuous --sizes 1e6 1e7 --no-lifetimes --no-cdnow
    python benchmarks/models.py --sizes 1e6 --no-cdnow --no-lifetimes --repeats 1 \
        --models GGompertz/NBD sBG BG/NBD+cov Pareto/NBD+cov GGompertz/NBD+cov

The ``peak MiB`` column is the growth of the process's peak resident memory during one
call (Linux: the peak is reset through ``/proc/self/clear_refs`` before the call).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

import custvalue
from custvalue import customer_table, split_calibration_holdout
from custvalue.datasets import load_cdnow, load_donations, make_transactions

PURCHASE = ("n_repeat", "purchase_span", "tenure")


_PURCHASE_COVARIATES = (
    ("purchase_covariates", ("channel",)),
    ("dropout_covariates", ("region",)),
)


@dataclass(frozen=True)
class ModelSpec:
    """One model: our class name, the lifetimes fitter and how each is fed.

    ``kind`` selects the datasets: "purchase" (continuous time), "spend" (repeat buyers'
    mean spend), "discrete" (opportunities), "contractual" (subscriptions: tenure and
    churned). ``lifetimes_max`` caps the customers on which lifetimes is run (it is very
    slow for some models; 0: lifetimes has no such model). ``covariates`` are constructor
    arguments naming covariate columns of the benchmark tables (``channel``, ``region``:
    two binary columns, so the distinct rows grow about fourfold).
    """

    name: str
    ours: str
    lifetimes: str
    kind: str
    lifetimes_max: int = 10**7
    rename: tuple[tuple[str, str], ...] = ()
    covariates: tuple[tuple[str, tuple[str, ...]], ...] = ()


MODELS: list[ModelSpec] = [
    ModelSpec("BG/NBD", "BetaGeoModel", "BetaGeoFitter", "purchase"),
    ModelSpec("MBG/NBD", "ModifiedBetaGeoModel", "ModifiedBetaGeoFitter", "purchase"),
    ModelSpec("Pareto/NBD", "ParetoNBDModel", "ParetoNBDFitter", "purchase", 100_000),
    ModelSpec("BG/BB", "BetaGeoBetaBinomModel", "BetaGeoBetaBinomFitter", "discrete"),
    ModelSpec(
        "Gamma-Gamma", "GammaGammaModel", "GammaGammaFitter", "spend", rename=(("gamma", "v"),)
    ),
    # issue 11: GGompertz/NBD, sBG, and the models with covariates (no lifetimes peer)
    ModelSpec("GGompertz/NBD", "GGompertzNBDModel", "", "purchase", 0),
    ModelSpec("sBG", "ShiftedBetaGeoModel", "", "contractual", 0),
    ModelSpec("BG/NBD+cov", "BetaGeoModel", "", "purchase", 0, covariates=_PURCHASE_COVARIATES),
    ModelSpec(
        "MBG/NBD+cov", "ModifiedBetaGeoModel", "", "purchase", 0, covariates=_PURCHASE_COVARIATES
    ),
    ModelSpec(
        "Pareto/NBD+cov", "ParetoNBDModel", "", "purchase", 0, covariates=_PURCHASE_COVARIATES
    ),
    ModelSpec(
        "GGompertz/NBD+cov",
        "GGompertzNBDModel",
        "",
        "purchase",
        0,
        covariates=_PURCHASE_COVARIATES,
    ),
    ModelSpec(
        "Gamma-Gamma+cov",
        "GammaGammaModel",
        "",
        "spend",
        0,
        covariates=(("spend_covariates", ("channel",)),),
    ),
]


def _quiet(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _peak_growth_mib(fn: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    """Growth of the peak resident memory during ``fn(*args)``, in MiB (NaN off Linux)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset the peak (VmHWM) to the current resident size
    except OSError:
        return float("nan"), fn(*args)
    before = _rss_kib("VmRSS")
    out = fn(*args)
    return (_rss_kib("VmHWM") - before) / 1024.0, out


def _timed(repeats: int, fn: Callable[..., Any], *args: Any) -> tuple[float, float, Any]:
    """Median time of ``repeats`` calls and the peak-memory growth of the last one."""
    times = []
    for _ in range(max(repeats - 1, 0)):
        gc.collect()
        t0 = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t0)
    gc.collect()
    t0 = time.perf_counter()
    peak, out = _peak_growth_mib(fn, *args)
    times.append(time.perf_counter() - t0)
    return statistics.median(times), peak, out


def _cdnow(subset: str) -> pd.DataFrame:
    return split_calibration_holdout(
        load_cdnow(subset=subset),  # type: ignore[arg-type]
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
        amount_col="amount",
        time_unit="W",
    )


def _synthetic(n: int) -> pd.DataFrame:
    log = make_transactions(n, random_state=2024)
    return customer_table(log, amount_col="amount", time_unit="W")


def _continuous(n: int, seed: int = 2024) -> pd.DataFrame:
    """n customers with continuous spans (every row distinct), CDNOW design and parameters.

    First purchases uniform over the first 12 weeks, calibration end at week 39 (so tenure
    in (27, 39] weeks, continuous); purchase process from the published BG/NBD fit (Fader,
    Hardie & Lee 2005), mean repeat spend from the published Gamma-Gamma fit (Fader & Hardie
    2013).
    """
    rng = np.random.default_rng(seed)
    tenure = 39.0 - rng.uniform(0.0, 12.0, n)
    bg = custvalue.BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    table = bg.sample(n, tenure=tenure, random_state=rng)
    x = table["n_repeat"].to_numpy()
    spend = np.full(n, np.nan)
    rep = x > 0
    gg = custvalue.GammaGammaModel.from_params(p=6.25, q=3.74, gamma=15.44)
    spend[rep] = gg.sample(x[rep], random_state=rng)["mean_repeat_spend"].to_numpy()
    return table.assign(mean_repeat_spend=spend)


def _with_covariates(table: pd.DataFrame, seed: int = 7) -> pd.DataFrame:
    """Two binary covariates per customer (independent of the purchases: coefficients ~0)."""
    rng = np.random.default_rng(seed)
    n = len(table)
    return table.assign(
        channel=rng.integers(0, 2, n).astype(float), region=rng.integers(0, 2, n).astype(float)
    )


def _subscriptions(n: int, seed: int = 2024) -> pd.DataFrame:
    """n subscribers of the sBG "regular" cohort of Fader & Hardie (2007), observed 1 to 24
    periods after joining (a tenure table: few distinct rows)."""
    rng = np.random.default_rng(seed)
    sbg = custvalue.ShiftedBetaGeoModel.from_params(alpha=0.704, beta=1.182)
    return sbg.sample(n, periods=rng.integers(1, 25, n), random_state=rng)


def _lifetimes_fit(spec: ModelSpec, table: pd.DataFrame) -> Any:
    import importlib

    lifetimes = _quiet(importlib.import_module, "lifetimes")  # benchmark-only oracle
    fitter = getattr(lifetimes, spec.lifetimes)()
    if spec.kind == "spend":
        return _quiet(fitter.fit, table["n_repeat"], table["mean_repeat_spend"])
    if spec.kind == "discrete":
        return _quiet(
            fitter.fit, table["n_repeat"], table["purchase_span"], table["tenure"], table["count"]
        )
    return _quiet(fitter.fit, table["n_repeat"], table["purchase_span"], table["tenure"])


def _param_diff(spec: ModelSpec, ours: Any, theirs: Any) -> float:
    names = dict(spec.rename)
    diffs = []
    for name, value in ours.params_.items():
        other = float(theirs.params_[names.get(name, name)])
        diffs.append(abs(value - other) / abs(value))
    return max(diffs)


def _fit_ours(cls: Any, spec: ModelSpec, table: pd.DataFrame) -> Any:
    kwargs = {k: list(v) for k, v in spec.covariates}
    if spec.kind == "discrete":
        return cls(**kwargs).fit(table, weights=table["count"])
    return cls(**kwargs).fit(table)


def _repeat_buyers(table: pd.DataFrame) -> pd.DataFrame:
    """Gamma-Gamma's data: repeat buyers with positive mean repeat spend (the full CDNOW log
    has one repeat buyer whose repeat purchases cost 0)."""
    return table[(table["n_repeat"] > 0) & (table["mean_repeat_spend"] > 0)]


def _prediction_calls(
    spec: ModelSpec, model: Any, fitted: Any, data: pd.DataFrame
) -> dict[str, tuple[Callable[[], Any], Callable[[], Any] | None]]:
    """{prediction: (ours, lifetimes or None)} for one fitted pair."""
    if spec.kind == "contractual":
        return {
            "prob_active(12)": (partial(model.prob_active, data, horizon=12), None),
            "derl(1%)": (
                partial(model.discounted_residual_lifetime, data, discount_rate=0.01),
                None,
            ),
        }
    x, tx, T = (data[c] for c in PURCHASE)
    if spec.kind == "spend":
        return {
            "expected_spend": (
                partial(model.expected_spend, data),
                None
                if fitted is None
                else partial(
                    _quiet,
                    fitted.conditional_expected_average_profit,
                    data["n_repeat"],
                    data["mean_repeat_spend"],
                ),
            )
        }
    return {
        "prob_alive": (
            partial(model.prob_alive, data),
            None
            if fitted is None
            else partial(_quiet, fitted.conditional_probability_alive, x, tx, T),
        ),
        "alive(+52)": (partial(model.prob_alive, data, horizon=52.0), None),
        "exp_purch(52)": (
            partial(model.expected_purchases, data, horizon=52.0),
            None
            if fitted is None
            else partial(
                _quiet,
                fitted.conditional_expected_number_of_purchases_up_to_time,
                52.0,
                x,
                tx,
                T,
            ),
        ),
    }


def _row(*cells: Any) -> str:
    widths = (12, 16, 11, 10, 9, 9, 11, 9, 10)
    return "  ".join(str(c).rjust(w) for c, w in zip(cells, widths, strict=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="*", type=float, default=[1e5, 1e6])
    parser.add_argument("--models", nargs="*", default=None, help="model names to run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--lifetimes-repeats", type=int, default=1)
    parser.add_argument("--no-lifetimes", action="store_true")
    parser.add_argument("--quick", action="store_true", help="CDNOW and 100k only")
    parser.add_argument(
        "--continuous",
        action="store_true",
        help="sized tables with continuous spans (every row distinct) instead of daily logs",
    )
    parser.add_argument("--no-cdnow", action="store_true", help="skip the CDNOW tables")
    parser.add_argument("--no-predict", action="store_true", help="skip the predictions")
    args = parser.parse_args()
    sizes = [1e5] if args.quick else args.sizes

    specs = [
        s
        for s in MODELS
        if hasattr(custvalue, s.ours) and (args.models is None or s.name in args.models)
    ]
    missing = [s.name for s in MODELS if not hasattr(custvalue, s.ours)]
    if missing:
        print(f"not in custvalue (skipped): {', '.join(missing)}")

    print("building datasets ...")
    purchase: dict[str, pd.DataFrame] = {}
    if not args.no_cdnow:
        purchase["CDNOW 2,357"] = _cdnow("sample")
        purchase["CDNOW 23,570"] = _cdnow("full")
    for n in sizes:
        if args.continuous:
            purchase[f"cont {int(n):,}"] = _continuous(int(n))
        else:
            purchase[f"synth {int(n):,}"] = _synthetic(int(n))
    donations = load_donations()
    largest = max(int(n) for n in sizes)
    subscriptions = {f"subs {largest:,}": _subscriptions(largest)}
    covariate_tables = {k: _with_covariates(v) for k, v in purchase.items()}

    print()
    print(
        _row(
            "model",
            "data",
            "customers",
            "distinct",
            "ours s",
            "peak MiB",
            "lifetimes s",
            "ratio",
            "max rel",
        )
    )
    last_fit: dict[str, Any] = {}
    for spec in specs:
        cls = getattr(custvalue, spec.ours)
        source = covariate_tables if spec.covariates else purchase
        if spec.kind == "discrete":
            datasets = {"donations": donations}
        elif spec.kind == "contractual":
            datasets = subscriptions
        elif spec.kind == "spend":
            datasets = {k: _repeat_buyers(v) for k, v in source.items()}
        else:
            datasets = source
        for label, table in datasets.items():
            n_customers = int(table["count"].sum()) if spec.kind == "discrete" else len(table)
            t_ours, peak, model = _timed(args.repeats, _fit_ours, cls, spec, table)
            distinct = model.fit_info_.get("n_distinct", "")
            t_lt: float | str = ""
            ratio: str = ""
            diff: str = ""
            if not args.no_lifetimes and 0 < n_customers <= spec.lifetimes_max:
                t_lt_f, _, fitted = _timed(args.lifetimes_repeats, _lifetimes_fit, spec, table)
                t_lt = f"{t_lt_f:.3f}"
                ratio = f"{t_lt_f / t_ours:.1f}x"
                diff = f"{_param_diff(spec, model, fitted):.1e}"
            print(
                _row(
                    spec.name,
                    label,
                    f"{n_customers:,}",
                    distinct,
                    f"{t_ours:.3f}",
                    f"{peak:.0f}",
                    t_lt,
                    ratio,
                    diff,
                ),
                flush=True,
            )
            # keep the fit on the largest table for the predictions (no second fit)
            if label == list(datasets)[-1]:
                last_fit[spec.name] = model
            del model

    if args.no_predict:
        return
    # predictions on the largest purchase table
    label, table = list(purchase.items())[-1]
    print()
    print(f"predictions on {label} ({len(table):,} customers)")
    print(_row("model", "prediction", "", "", "ours s", "peak MiB", "lifetimes s", "ratio", ""))
    for spec in specs:
        if spec.kind == "discrete":
            continue
        source = list(covariate_tables.values())[-1] if spec.covariates else table
        if spec.kind == "contractual":
            source = list(subscriptions.values())[-1]
        data = _repeat_buyers(source) if spec.kind == "spend" else source
        model = last_fit[spec.name]
        fitted = None
        if not args.no_lifetimes and 0 < len(data) <= spec.lifetimes_max:
            fitted = _lifetimes_fit(spec, data)
        calls = _prediction_calls(spec, model, fitted, data)
        for what, (ours_fn, theirs_fn) in calls.items():
            t_ours, peak, ours_val = _timed(args.repeats, ours_fn)
            t_lt = ratio = ""
            diff = ""
            if theirs_fn is not None:
                t_lt_f, _, theirs_val = _timed(args.lifetimes_repeats, theirs_fn)
                t_lt = f"{t_lt_f:.3f}"
                ratio = f"{t_lt_f / t_ours:.1f}x"
                a = np.asarray(ours_val, dtype=float)
                b = np.asarray(theirs_val, dtype=float)
                ok = np.isfinite(b)
                diff = f"{np.max(np.abs(a[ok] - b[ok]) / np.abs(a[ok])):.1e}"
                if not ok.all():
                    diff += f" ({(~ok).sum()} NaN in lifetimes)"
            print(
                _row(spec.name, what, "", "", f"{t_ours:.3f}", f"{peak:.0f}", t_lt, ratio, diff),
                flush=True,
            )


if __name__ == "__main__":
    main()
