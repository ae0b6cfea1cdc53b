"""Bundled CDNOW data and the synthetic generator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custvalue import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    GammaGammaModel,
    ParetoNBDModel,
    customer_table,
)
from custvalue.datasets import load_cdnow, load_donations, make_transactions


def test_cdnow_full_shape_and_dtypes(cdnow_transactions: pd.DataFrame) -> None:
    tx = cdnow_transactions
    # Fader & Hardie's CDNOW master file (Fader, Hardie & Lee 2005): 23,570 customers, first purchases in the
    # first 12 weeks of 1997, followed to 30 June 1998
    assert tx.shape == (69659, 4)
    assert tx["customer_id"].nunique() == 23570
    assert list(tx.columns) == ["customer_id", "timestamp", "quantity", "amount"]
    assert tx["customer_id"].dtype == np.int64
    assert tx["quantity"].dtype == np.int64
    assert tx["amount"].dtype == np.float64
    assert pd.api.types.is_datetime64_dtype(tx["timestamp"])
    assert tx["timestamp"].min() == pd.Timestamp("1997-01-01")
    assert tx["timestamp"].max() == pd.Timestamp("1998-06-30")
    first = tx.groupby("customer_id")["timestamp"].min()
    assert first.max() < pd.Timestamp("1997-01-01") + pd.Timedelta(weeks=12)
    assert (tx["amount"] == 0).sum() == 80
    assert (tx["amount"] >= 0).all()


def test_cdnow_sample_rows_are_master_rows(cdnow_transactions: pd.DataFrame) -> None:
    s = load_cdnow(subset="sample")
    assert s.shape == (6919, 4)
    assert s["customer_id"].nunique() == 2357
    master = cdnow_transactions[cdnow_transactions["customer_id"].isin(s["customer_id"])]
    pd.testing.assert_frame_equal(s, master.reset_index(drop=True))


def test_cdnow_sample_published_facts(cdnow_sample_calibration: pd.DataFrame) -> None:
    t = cdnow_sample_calibration
    # Fader, Hardie & Lee 2005, the CDNOW sample: 2,357 customers, 1,411 without a
    # repeat purchase in the 39-week calibration, 946 repeat buyers; T = 38.857 for a
    # customer first seen on 1 January
    assert len(t) == 2357
    assert int((t["n_repeat"] == 0).sum()) == 1411
    assert int((t["n_repeat"] > 0).sum()) == 946
    assert t["tenure"].max() == pytest.approx(38.857, abs=5e-4)
    assert (t["holdout_length"] == 39.0).all()
    assert t["purchase_span"].le(t["tenure"]).all()


def test_cdnow_unknown_subset() -> None:
    with pytest.raises(ValueError, match="choose one of"):
        load_cdnow(subset="half")  # type: ignore[arg-type]


def test_donations_still_load() -> None:
    assert int(load_donations()["count"].sum()) == 11104


def test_make_transactions_deterministic_whatever_global_state() -> None:
    saved = np.random.get_state()  # noqa: NPY002 - the global state is what we perturb
    try:
        np.random.seed(0)  # noqa: NPY002
        a = make_transactions(500, random_state=3, product_lines=2)
        np.random.seed(12345)  # noqa: NPY002
        np.random.random(100)  # noqa: NPY002
        b = make_transactions(500, random_state=3, product_lines=2)
    finally:
        np.random.set_state(saved)  # noqa: NPY002
    pd.testing.assert_frame_equal(a, b)
    c = make_transactions(500, random_state=4, product_lines=2)
    assert not a.equals(c)
    g = make_transactions(500, random_state=np.random.default_rng(3), product_lines=2)
    pd.testing.assert_frame_equal(a, g)


def test_make_transactions_shape_and_cdnow_like_volume() -> None:
    tx = make_transactions(20000, random_state=0)
    assert list(tx.columns) == ["customer_id", "timestamp", "amount"]
    assert tx["customer_id"].nunique() == 20000
    assert tx["timestamp"].is_monotonic_increasing
    assert tx["timestamp"].min() >= pd.Timestamp("1997-01-01")
    assert tx["timestamp"].max() < pd.Timestamp("1998-07-01")
    assert (tx["amount"] > 0).all()
    # CDNOW itself has 69,659 / 23,570 = 2.96 rows per customer
    assert 2.3 < len(tx) / 20000 < 3.5
    # first purchases within the first sixth of the window (the default)
    first = tx.groupby("customer_id")["timestamp"].min()
    assert first.max() < pd.Timestamp("1997-01-01") + pd.Timedelta(days=547 / 6 + 1)


def test_make_transactions_recovers_spend_mean() -> None:
    # Gamma-Gamma: E[z] = p * gamma / (q - 1) (Fader, Hardie & Lee 2005, "RFM and CLV")
    p, q, gamma = 6.25, 3.74, 15.44
    spend = GammaGammaModel.from_params(p=p, q=q, gamma=gamma)
    tx = make_transactions(30000, spend_model=spend, random_state=1)
    expected = p * gamma / (q - 1)
    per_customer = tx.groupby("customer_id")["amount"].mean()
    assert per_customer.mean() == pytest.approx(expected, rel=0.05)


def test_make_transactions_old_raw_parameters_still_work_with_a_warning() -> None:
    with pytest.warns(FutureWarning, match="transaction_model=BetaGeoModel.from_params"):
        old = make_transactions(300, r=0.3, alpha=5.0, p=6.0, random_state=4)
    new = make_transactions(
        300,
        transaction_model=BetaGeoModel.from_params(r=0.3, alpha=5.0, a=0.793, b=2.426),
        spend_model=GammaGammaModel.from_params(p=6.0, q=3.74, gamma=15.44),
        random_state=4,
    )
    pd.testing.assert_frame_equal(old, new)


def test_make_transactions_follows_the_models_it_is_given() -> None:
    # purchases simulated by the model's own sampling: the customer table of the log fits
    # back the parameters it came from (Pareto/NBD, daily rates; 20,000 customers)
    truth = {"r": 0.55, "alpha": 74.0, "s": 0.6, "beta": 82.0}
    model = ParetoNBDModel.from_params(**truth)
    tx = make_transactions(20000, transaction_model=model, time_unit="D", random_state=5)
    table = customer_table(tx, amount_col="amount", time_unit="D")
    fitted = ParetoNBDModel().fit(table).param_table(alpha=0.001)
    for name, value in truth.items():
        assert fitted.loc[name, "lower"] < value < fitted.loc[name, "upper"], name
    with pytest.raises(TypeError, match="continuous-time purchase model"):
        make_transactions(
            10,
            transaction_model=BetaGeoBetaBinomModel.from_params(
                alpha=1.2, beta=0.75, gamma=0.66, delta=2.8
            ),
        )
    with pytest.raises(TypeError, match="GammaGammaModel"):
        make_transactions(10, spend_model=35.0)
    with pytest.raises(TypeError, match="not both"):
        make_transactions(10, transaction_model=model, r=0.5)


def test_make_transactions_products() -> None:
    tx = make_transactions(300, product_lines=["cd", "dvd", "book"], random_state=2)
    assert isinstance(tx["product"].dtype, pd.CategoricalDtype)
    assert list(tx["product"].cat.categories) == ["cd", "dvd", "book"]
    assert set(tx["product"]) == {"cd", "dvd", "book"}
    assert make_transactions(50, product_lines=4, random_state=2)["product"].nunique() <= 4


def test_make_transactions_faults_are_counted() -> None:
    faults = {"duplicates": 0.02, "refunds": 0.03, "missing_amount": 0.01, "missing_id": 0.01}
    tx = make_transactions(5000, faults=faults, random_state=9)
    clean = make_transactions(5000, random_state=9)
    n0 = len(clean)
    assert len(tx) == n0 + round(0.02 * n0) + round(0.03 * n0)
    assert tx["customer_id"].dtype == "Int64"
    assert tx["customer_id"].isna().sum() == round(0.01 * len(tx))
    assert tx["amount"].isna().sum() == round(0.01 * len(tx))
    assert (tx["amount"] < 0).sum() > 0
    _t, rep = customer_table(
        tx,
        amount_col="amount",
        missing="drop",
        duplicates="drop",
        refunds="net",
        return_report=True,
    )
    assert rep.rows_used + rep.rows_dropped == rep.rows_in == len(tx)
    assert rep.missing_id > 0 and rep.missing_amount > 0 and rep.duplicate > 0
    assert rep.refunds_netted > 0


def test_make_transactions_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        make_transactions(10, faults={"typos": 0.1})
    with pytest.raises(ValueError):
        make_transactions(0)
    with pytest.raises(ValueError):
        make_transactions(10, transaction_model=BetaGeoModel.from_params(r=0.0, alpha=1, a=1, b=1))
    with pytest.raises(TypeError, match="unexpected keyword"):
        make_transactions(10, rr=1.0)
