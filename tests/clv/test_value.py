"""customer_lifetime_value, historical/total value and bootstrap intervals with real fitted models.

Data: the CDNOW 1/10 sample as the literature fits it (tests/conftest.py fixture
``cdnow_sample_calibration``: weekly, calibration weeks 1-39).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import custvalue as cv
from _tolerance import gamma_n
from custvalue.clv.value import discount_schedule

YEAR = {"horizon": 52.0, "period_length": 52.0 / 12.0}  # one year in monthly steps (weeks)


@pytest.fixture(scope="module")
def cal(cdnow_sample_calibration: pd.DataFrame) -> pd.DataFrame:
    return cdnow_sample_calibration


@pytest.fixture(scope="module")
def repeaters(cal: pd.DataFrame) -> pd.DataFrame:
    return cal[cal["n_repeat"] > 0]


@pytest.fixture(scope="module")
def bg(cal: pd.DataFrame) -> cv.BetaGeoModel:
    return cv.BetaGeoModel().fit(cal)


@pytest.fixture(scope="module")
def gg(repeaters: pd.DataFrame) -> Any:
    if not hasattr(cv, "GammaGammaModel"):  # lands with the clva branch
        pytest.skip("GammaGammaModel is not on this branch yet")
    return cv.GammaGammaModel().fit(repeaters)


def test_zero_discount_is_expected_purchases_times_spend(
    bg: cv.BetaGeoModel, gg: Any, cal: pd.DataFrame
) -> None:
    # with d = 0, margin 1 and no cost, the per-period increments telescope to E[Y(H)]
    for horizon, period in [(52.0, 52.0 / 12.0), (39.0, 1.0), (10.0, 4.0)]:
        clv = cv.customer_lifetime_value(
            bg, gg, cal, horizon=horizon, period_length=period, discount_rate=0.0
        )
        expected = bg.expected_purchases(cal, horizon=horizon) * gg.expected_spend(cal)
        np.testing.assert_allclose(clv.to_numpy(), expected.to_numpy(), rtol=1e-12, atol=1e-12)
    assert clv.name == "clv"
    assert clv.index.equals(cal.index)


@settings(max_examples=30, deadline=None)
@given(
    d1=st.floats(0.0, 0.5),
    d2=st.floats(0.0, 0.5),
)
def test_clv_decreases_with_discount_rate(
    bg: cv.BetaGeoModel, gg: Any, cal: pd.DataFrame, d1: float, d2: float
) -> None:
    lo, hi = sorted((d1, d2))
    small = cal.iloc[::50]
    a = cv.customer_lifetime_value(bg, gg, small, discount_rate=lo, **YEAR)
    b = cv.customer_lifetime_value(bg, gg, small, discount_rate=hi, **YEAR)
    assert np.all(b.to_numpy() <= a.to_numpy() * (1 + 1e-12))
    if hi > lo + 1e-6:
        assert np.all(b.to_numpy() < a.to_numpy())  # every customer has E[purchases] > 0


@settings(max_examples=30, deadline=None)
@given(margin=st.floats(0.01, 2.0))
def test_clv_linear_in_margin(
    bg: cv.BetaGeoModel, gg: Any, cal: pd.DataFrame, margin: float
) -> None:
    small = cal.iloc[::40]
    base = cv.customer_lifetime_value(bg, gg, small, discount_rate=0.01, **YEAR)
    scaled = cv.customer_lifetime_value(bg, gg, small, discount_rate=0.01, margin=margin, **YEAR)
    np.testing.assert_allclose(scaled.to_numpy(), margin * base.to_numpy(), rtol=1e-13)


def test_per_customer_margin_and_cost(bg: cv.BetaGeoModel, gg: Any, cal: pd.DataFrame) -> None:
    rng = np.random.default_rng(3)
    margin = pd.Series(rng.uniform(0.1, 0.6, len(cal)), index=cal.index)
    cost = pd.Series(rng.uniform(0.0, 2.0, len(cal)), index=cal.index)
    base = cv.customer_lifetime_value(bg, gg, cal, discount_rate=0.01, **YEAR)
    out = cv.customer_lifetime_value(
        bg, gg, cal, discount_rate=0.01, margin=margin, cost_to_serve=cost, **YEAR
    )
    annuity = float((1.01 ** -np.arange(1, 13)).sum())  # 12 whole monthly periods
    expected = base * margin - cost * annuity
    np.testing.assert_allclose(out.to_numpy(), expected.to_numpy(), rtol=1e-12, atol=1e-12)
    sched = discount_schedule(discount_rate=0.01, **YEAR)
    assert float(sched["discount_factor"].sum()) == pytest.approx(annuity, rel=1e-15)


def test_dollars_to_cents_scales_clv_by_100(
    bg: cv.BetaGeoModel, gg: Any, cal: pd.DataFrame, repeaters: pd.DataFrame
) -> None:
    kw = {"discount_rate": 0.01, **YEAR}
    dollars = cv.customer_lifetime_value(bg, gg, cal, **kw)
    cents_table = cal.assign(mean_repeat_spend=cal["mean_repeat_spend"] * 100)
    gg_cents = cv.GammaGammaModel().fit(cents_table[cents_table["n_repeat"] > 0])
    cents = cv.customer_lifetime_value(bg, gg_cents, cents_table, **kw)
    # refitting in cents moves only the scale parameter (PROMISES.md 10)
    np.testing.assert_allclose(cents.to_numpy(), 100 * dollars.to_numpy(), rtol=1e-7)
    # given spend directly, the scaling is exact
    spend = gg.expected_spend(cal)
    a = cv.customer_lifetime_value(bg, spend, cal, **kw)
    b = cv.customer_lifetime_value(bg, spend * 100, cal, **kw)
    np.testing.assert_allclose(b.to_numpy(), 100 * a.to_numpy(), rtol=1e-14)


def test_days_vs_weeks_same_clv(cal: pd.DataFrame, bg: cv.BetaGeoModel, gg: Any) -> None:
    days = cal.assign(purchase_span=cal["purchase_span"] * 7, tenure=cal["tenure"] * 7)
    bg_days = cv.BetaGeoModel().fit(days)
    weekly = cv.customer_lifetime_value(
        bg, gg, cal, horizon=52, period_length=52 / 12, discount_rate=0.01
    )
    daily = cv.customer_lifetime_value(
        bg_days, gg, days, horizon=364, period_length=364 / 12, discount_rate=0.01
    )
    np.testing.assert_allclose(daily.to_numpy(), weekly.to_numpy(), rtol=1e-6)


def test_extreme_customers_finite(bg: cv.BetaGeoModel, gg: Any) -> None:
    table = pd.DataFrame(
        {
            "n_repeat": [0, 1, 100_000, 100_000, 50],
            "purchase_span": [0.0, 1e-9, 38.0, 0.5, 38.86],
            "tenure": [38.86, 38.86, 38.86, 38.86, 38.86],
            "mean_repeat_spend": [np.nan, 0.01, 1e6, 20.0, 35.0],
        },
        index=pd.Index(list("abcde"), name="customer_id"),
    )
    clv = cv.customer_lifetime_value(
        bg, gg, table, horizon=520, period_length=1, discount_rate=0.001
    )
    assert np.all(np.isfinite(clv.to_numpy()))
    assert np.all(clv.to_numpy() >= 0)


def test_matches_lifetimes_clv(bg: cv.BetaGeoModel, gg: Any, cal: pd.DataFrame) -> None:
    """Differential test: lifetimes 0.11.3 GammaGammaFitter.customer_lifetime_value.

    lifetimes (utils._customer_lifetime_value) sums, for k = 1..time, the expected purchases
    in (T + (k - 1) f, T + k f] times the Gamma-Gamma expected spend, divided by
    (1 + discount_rate) ** k, with f = 4.345 for freq="W"; margin 1, no cost. The same
    convention here is horizon = time * f, period_length = f.
    """
    lifetimes = pytest.importorskip("lifetimes")
    lt_bg = lifetimes.BetaGeoFitter()
    lt_bg.params_ = pd.Series(bg.params_)[["r", "alpha", "a", "b"]]
    lt_bg.predict = lt_bg.conditional_expected_number_of_purchases_up_to_time  # set by fit
    lt_gg = lifetimes.GammaGammaFitter()
    lt_gg.params_ = pd.Series(
        {"p": gg.params_["p"], "q": gg.params_["q"], "v": gg.params_["gamma"]}
    )
    freq = cal["n_repeat"].astype("float64")
    money = cal["mean_repeat_spend"].where(freq > 0, 0.0)  # lifetimes' encoding of x == 0
    theirs = lt_gg.customer_lifetime_value(
        lt_bg,
        freq,
        cal["purchase_span"],
        cal["tenure"],
        money,
        time=12,
        discount_rate=0.01,
        freq="W",
    )
    ours = cv.customer_lifetime_value(
        bg, gg, cal, horizon=12 * 4.345, period_length=4.345, discount_rate=0.01
    )
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-6)


def test_total_value_is_historical_plus_future(
    bg: cv.BetaGeoModel, gg: Any, cal: pd.DataFrame
) -> None:
    out = cv.total_value(bg, gg, cal, discount_rate=0.01, margin=0.3, cost_to_serve=0.25, **YEAR)
    hist = cv.historical_value(cal, margin=0.3, cost_to_serve=0.25, period_length=52 / 12)
    np.testing.assert_allclose(out["historical_value"], hist, rtol=1e-15)
    np.testing.assert_allclose(
        hist, cal["total_spend"] * 0.3 - 0.25 * cal["tenure"] / (52 / 12), rtol=1e-13
    )
    np.testing.assert_allclose(out["total_value"], out["historical_value"] + out["clv"])


def test_bootstrap_interval_deterministic(bg: cv.BetaGeoModel, gg: Any, cal: pd.DataFrame) -> None:
    kw = {"discount_rate": 0.01, "n_boot": 4, **YEAR}
    np.random.seed(0)  # noqa: NPY002 (deliberately set the legacy global RNG)
    a = cv.clv_interval(bg, gg, cal, random_state=11, **kw)
    np.random.seed(123)  # noqa: NPY002 (the global RNG must not matter)
    b = cv.clv_interval(bg, gg, cal, random_state=11, **kw)
    pd.testing.assert_frame_equal(a, b)
    c = cv.clv_interval(bg, gg, cal, random_state=12, **kw)
    assert not np.allclose(a["lower"], c["lower"])
    assert list(a.columns) == ["clv", "lower", "upper"]
    assert np.all(a["lower"] <= a["upper"])
    assert np.all(a["lower"] > 0)
    # the width reflects parameter uncertainty: a few percent of CLV, not zero, not orders
    rel_width = ((a["upper"] - a["lower"]) / a["clv"]).median()
    assert 0.001 < rel_width < 1.0
    # the given models are not refitted in place
    pd.testing.assert_series_equal(
        a["clv"], cv.customer_lifetime_value(bg, gg, cal, **YEAR, discount_rate=0.01)
    )


# --------------------------------------------------------------------------------------
# BG/NBD with spend given directly (a Series), so these run without a spend model


@pytest.fixture(scope="module")
def spend(cal: pd.DataFrame) -> pd.Series:
    rng = np.random.default_rng(7)
    return pd.Series(rng.uniform(5.0, 60.0, len(cal)), index=cal.index, name="spend")


def _extreme_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "n_repeat": [0, 1, 100_000, 100_000, 50, 3, 100_000],
            "purchase_span": [0.0, 1e-9, 38.0, 0.5, 38.86, 38.86, 38.86],
            "tenure": [38.86] * 7,
        },
        index=pd.Index(list("abcdefg"), name="customer_id"),
    )


def test_fast_path_equals_generic_path(bg: cv.BetaGeoModel, cal: pd.DataFrame) -> None:
    """The P(alive) x curve factorisation reproduces one model call per period."""
    from custvalue.clv.value import purchase_present_value

    for table in (cal, _extreme_table()):
        for horizon, period, d in [(52.0, 52 / 12, 0.01), (10.0, 4.0, 0.2), (260.0, 1.0, 0.0)]:
            sched = discount_schedule(horizon, period_length=period, discount_rate=d)
            fast = purchase_present_value(bg, table, sched, "test")
            slow = purchase_present_value(bg, table, sched, "test", fast=False)
            np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-300)


def test_zero_discount_identity_with_spend_series(
    bg: cv.BetaGeoModel, cal: pd.DataFrame, spend: pd.Series
) -> None:
    clv = cv.customer_lifetime_value(bg, spend, cal, horizon=52, period_length=1, discount_rate=0)
    expected = bg.expected_purchases(cal, horizon=52.0) * spend
    np.testing.assert_allclose(clv.to_numpy(), expected.to_numpy(), rtol=1e-12)


def test_days_vs_weeks_with_spend_series(
    cal: pd.DataFrame, bg: cv.BetaGeoModel, spend: pd.Series
) -> None:
    days = cal.assign(purchase_span=cal["purchase_span"] * 7, tenure=cal["tenure"] * 7)
    bg_days = cv.BetaGeoModel().fit(days)
    weekly = cv.customer_lifetime_value(
        bg, spend, cal, horizon=52, period_length=52 / 12, discount_rate=0.01
    )
    daily = cv.customer_lifetime_value(
        bg_days, spend, days, horizon=364, period_length=364 / 12, discount_rate=0.01
    )
    np.testing.assert_allclose(daily.to_numpy(), weekly.to_numpy(), rtol=1e-6)


def test_extreme_customers_finite_bgnbd(bg: cv.BetaGeoModel) -> None:
    table = _extreme_table()
    clv = cv.customer_lifetime_value(bg, 20.0, table, horizon=520, period_length=1, discount_rate=0)
    values = clv.to_numpy()
    assert np.all(np.isfinite(values))
    assert np.all(values >= 0)
    # 1e5 purchases then a silence: almost surely gone (P(alive) underflows to 0); the same
    # customer still buying at the end is worth the most, ~ E[Y] x $20
    assert clv["c"] < 1e-300
    assert clv.idxmax() == "g"
    assert clv["g"] == pytest.approx(
        bg.expected_purchases(table, horizon=520.0)["g"] * 20.0, rel=1e-12
    )
    assert clv["e"] > clv["f"] > 0  # more purchases, same recency


def test_matches_lifetimes_dcf(bg: cv.BetaGeoModel, cal: pd.DataFrame, spend: pd.Series) -> None:
    """Differential test: lifetimes 0.11.3 utils._customer_lifetime_value (its DCF loop).

    lifetimes sums, for k = 1..time, model.predict(k f) - model.predict((k - 1) f) (expected
    purchases in (T + (k - 1) f, T + k f]) times the spend, divided by
    (1 + discount_rate) ** k, with f = 4.345 for freq="W" (30 for "D"); margin 1, no cost.
    The same convention here is horizon = time * f, period_length = f.
    """
    lifetimes = pytest.importorskip("lifetimes")
    from lifetimes.utils import _customer_lifetime_value

    lt = lifetimes.BetaGeoFitter()
    lt.params_ = pd.Series(bg.params_)[["r", "alpha", "a", "b"]]
    lt.predict = lt.conditional_expected_number_of_purchases_up_to_time
    freq = cal["n_repeat"].astype("float64")
    for d in (0.0, 0.01, 0.1):
        theirs = _customer_lifetime_value(
            lt,
            freq,
            cal["purchase_span"],
            cal["tenure"],
            spend,
            time=12,
            discount_rate=d,
            freq="W",
        )
        ours = cv.customer_lifetime_value(
            bg, spend, cal, horizon=12 * 4.345, period_length=4.345, discount_rate=d
        )
        np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-6)
    # freq="D": months of 30 days on a daily table (alpha is a rate per time unit: x 7)
    days = cal.assign(purchase_span=cal["purchase_span"] * 7, tenure=cal["tenure"] * 7)
    bg_days = cv.BetaGeoModel.from_params(**{**bg.params_, "alpha": bg.params_["alpha"] * 7})
    lt.params_ = pd.Series(bg_days.params_)[["r", "alpha", "a", "b"]]
    theirs = _customer_lifetime_value(
        lt,
        freq,
        days["purchase_span"],
        days["tenure"],
        spend,
        time=12,
        discount_rate=0.01,
        freq="D",
    )
    ours = cv.customer_lifetime_value(
        bg_days, spend, days, horizon=360, period_length=30, discount_rate=0.01
    )
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-6)


def test_bootstrap_transaction_model_only(
    bg: cv.BetaGeoModel, cal: pd.DataFrame, spend: pd.Series
) -> None:
    kw: dict[str, Any] = {"discount_rate": 0.01, "n_boot": 3, **YEAR}
    a = cv.clv_interval(bg, spend, cal, random_state=5, **kw)
    np.random.seed(99)  # noqa: NPY002 (the global RNG must not matter)
    b = cv.clv_interval(bg, spend, cal, random_state=np.random.default_rng(5), **kw)
    pd.testing.assert_frame_equal(a, b, check_like=True)
    assert np.all(a["lower"] <= a["upper"])
    assert not np.allclose(a["lower"], a["upper"])  # refits move the parameters
    assert a.attrs["n_boot"] == 3


def test_bootstrap_with_pattern_weights() -> None:
    """BG/BB on the donations patterns: 22 rows stand for 11,104 donors (weights)."""
    if not hasattr(cv, "BetaGeoBetaBinomModel"):
        pytest.skip("BetaGeoBetaBinomModel is not on this branch yet")
    from custvalue.datasets import load_donations

    d = load_donations()
    table = d[["n_repeat", "purchase_span", "tenure"]]
    model = cv.BetaGeoBetaBinomModel().fit(table, weights=d["count"])
    out = cv.clv_interval(
        model,
        50.0,
        table,
        horizon=5,
        period_length=1,
        discount_rate=0.1,
        weights=d["count"],
        n_boot=3,
        random_state=0,
    )
    assert np.all(np.isfinite(out.to_numpy()))
    assert np.all(out["lower"] <= out["upper"])


def test_bad_interval_arguments(bg: cv.BetaGeoModel, cal: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="n_boot"):
        cv.clv_interval(bg, 1.0, cal, n_boot=1, discount_rate=0, **YEAR)
    with pytest.raises(ValueError, match="alpha"):
        cv.clv_interval(bg, 1.0, cal, alpha=1.0, discount_rate=0, **YEAR)
    with pytest.raises(ValueError, match="one number per row"):
        cv.clv_interval(bg, 1.0, cal, weights=[1.0, 2.0], discount_rate=0, **YEAR)


# --------------------------------------------------------------------------------------
# every continuous-time purchase model on this branch

_CONTINUOUS = [
    n for n in ("BetaGeoModel", "ModifiedBetaGeoModel", "ParetoNBDModel") if hasattr(cv, n)
]


@pytest.fixture(scope="module", params=_CONTINUOUS)
def purchase_model(request: pytest.FixtureRequest, cal: pd.DataFrame) -> Any:
    return getattr(cv, request.param)().fit(cal)


def test_every_model_fast_path_and_identity(
    purchase_model: Any, cal: pd.DataFrame, spend: pd.Series
) -> None:
    from custvalue.clv.value import purchase_present_value

    for table in (cal, _extreme_table()):
        sched = discount_schedule(52.0, period_length=52 / 12, discount_rate=0.01)
        fast = purchase_present_value(purchase_model, table, sched, "test")
        slow = purchase_present_value(purchase_model, table, sched, "test", fast=False)
        np.testing.assert_allclose(fast, slow, rtol=1e-10, atol=1e-300)
        assert np.all(np.isfinite(fast))
    clv = cv.customer_lifetime_value(
        purchase_model, spend, cal, horizon=52, period_length=4, discount_rate=0
    )
    expected = purchase_model.expected_purchases(cal, horizon=52.0) * spend
    np.testing.assert_allclose(clv.to_numpy(), expected.to_numpy(), rtol=1e-12)


def test_bgbb_clv_in_opportunities() -> None:
    """BG/BB (discrete): horizon and period_length count transaction opportunities."""
    if not hasattr(cv, "BetaGeoBetaBinomModel"):
        pytest.skip("BetaGeoBetaBinomModel is not on this branch yet")
    from custvalue.clv.value import purchase_present_value
    from custvalue.datasets import load_donations

    d = load_donations()
    table = d[["n_repeat", "purchase_span", "tenure"]]
    model = cv.BetaGeoBetaBinomModel().fit(table, weights=d["count"])
    for horizon in (1, 2, 5, 10):
        sched = discount_schedule(horizon, period_length=1, discount_rate=0.1)
        fast = purchase_present_value(model, table, sched, "test")
        slow = purchase_present_value(model, table, sched, "test", fast=False)
        np.testing.assert_allclose(fast, slow, rtol=1e-10, atol=1e-300)
    clv = cv.customer_lifetime_value(
        model, 50.0, table, horizon=5, period_length=1, discount_rate=0.0
    )
    expected = model.expected_purchases(table, horizon=5) * 50.0
    np.testing.assert_allclose(clv.to_numpy(), expected.to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("backend", ["numpy_nullable", "pyarrow"])
def test_dtype_backends_give_identical_clv(
    bg: cv.BetaGeoModel, gg: Any, cal: pd.DataFrame, backend: str
) -> None:
    cols = ["n_repeat", "purchase_span", "tenure", "mean_repeat_spend", "total_spend"]
    plain = cal[cols]
    converted = plain.convert_dtypes(dtype_backend=backend)  # type: ignore[arg-type]
    margin = pd.Series(0.3, index=cal.index).convert_dtypes(dtype_backend=backend)  # type: ignore[arg-type]
    kw: dict[str, Any] = {"discount_rate": 0.01, "cost_to_serve": 0.1, **YEAR}
    a = cv.total_value(bg, gg, plain, margin=0.3, **kw)
    b = cv.total_value(bg, gg, converted, margin=margin, **kw)
    pd.testing.assert_frame_equal(a, b)


def test_shuffling_and_relabelling_change_nothing(
    bg: cv.BetaGeoModel, gg: Any, cal: pd.DataFrame
) -> None:
    kw: dict[str, Any] = {"discount_rate": 0.01, **YEAR}
    base = cv.customer_lifetime_value(bg, gg, cal, **kw)
    order = np.random.default_rng(0).permutation(len(cal))
    shuffled = cal.iloc[order]
    out = cv.customer_lifetime_value(bg, gg, shuffled, **kw)
    # Same customers, same ids, same values up to the rounding of each customer's sum over
    # the 12 periods: that sum is a BLAS matrix-vector product over the distinct
    # (n_repeat, tenure) rows, kept in order of first appearance, and BLAS rounds a row
    # differently depending on its position (1 ulp seen on simulated tables), so it is
    # within 2 gamma_12 relative, not bit-identical.
    assert out.index.equals(base.index[order])
    pd.testing.assert_series_equal(out, base.iloc[order], rtol=2 * gamma_n(12), atol=0.0)
    relabelled = cal.set_axis(pd.Index([f"id-{i}" for i in cal.index], name="customer_id"))
    out = cv.customer_lifetime_value(bg, gg, relabelled, **kw)
    # same rows in the same order: the same arithmetic, so the same bits
    np.testing.assert_array_equal(out.to_numpy(), base.to_numpy())
    assert out.index.equals(relabelled.index)
