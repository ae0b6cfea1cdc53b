"""cv.analyze end to end on a small retail export: outputs, spend against plain pandas,
purchase counts without cancellations, the spend rule, amount-less logs, progress."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import custvalue as cv
from _retail import OPTIONS, independent_purchase_days, independent_spend, retail_export
from custvalue.analysis import SpendSummary, choice_reason
from custvalue.datasets import make_transactions

OUTPUT_COLUMNS = [
    "abc_class",
    "rfm_score",
    "rfm_segment",
    "pyramid_tier",
    "value_class",
    "lifecycle_stage",
    "churn_status",
    "prob_alive",
    "expected_purchases",
    "expected_spend",
    "clv",
    "historical_value",
]


@pytest.fixture(scope="module")
def export() -> pd.DataFrame:
    return retail_export()


@pytest.fixture(scope="module")
def netted(export: pd.DataFrame) -> cv.Analysis:
    return cv.analyze(
        export,
        missing="drop",
        refunds="net",
        holdout_length=60.0,
        product_col="StockCode",
        **OPTIONS,
    )


def test_one_row_per_customer_with_every_output(netted: cv.Analysis) -> None:
    c = netted.customers
    assert c.index.is_unique and c.index.name == "customer_id"
    assert [col for col in OUTPUT_COLUMNS if col not in c.columns] == []
    assert c["prob_alive"].between(0, 1).all()
    assert np.isfinite(c["clv"]).all() and (c["expected_purchases"] >= 0).all()
    assert (c["expected_spend"] > 0).all()
    rep = netted.table_report
    assert rep.rows_used + rep.rows_dropped == rep.rows_in
    assert rep.customers == len(c)


def test_spend_equals_an_independent_pandas_computation(
    export: pd.DataFrame, netted: cv.Analysis
) -> None:
    expected = independent_spend(export)
    c = netted.customers
    # customers whose every purchase was cancelled leave the table (counted)
    assert netted.table_report.customers_dropped == len(expected) - len(c)
    got = c["total_spend"]
    np.testing.assert_allclose(got.to_numpy(), expected.loc[got.index].to_numpy(), rtol=1e-12)


def test_purchase_counts_exclude_cancellations(export: pd.DataFrame) -> None:
    a = cv.analyze(export, missing="drop", refunds="drop", **OPTIONS)
    days = independent_purchase_days(export)
    got = a.customers["n_purchases"]
    assert set(got.index) == set(days.index)
    assert (got == days.loc[got.index]).all()
    # every cancellation with a customer id is dropped as a refund (those without one are
    # counted as missing ids first)
    cancelled = export["InvoiceNo"].str.startswith("C") & export["CustomerID"].notna()
    assert a.table_report.refund == a.table_report.cancellations == int(cancelled.sum())


def test_models_and_evaluation(netted: cv.Analysis) -> None:
    ev = netted.evaluation
    assert ev is not None and {"mae", "rmse", "loglik", "bic"} <= set(ev.columns)
    assert set(ev.index) | set(netted.failures) == {"bgnbd", "pnbd", "mbgnbd"}
    assert netted.choice == ev["mae"].idxmin()
    assert netted.models["purchase"].n_customers_ == len(netted.customers)
    for name in ev.index:
        assert netted.holdout[name].tracking is not None
    assert "mean absolute error" in netted.reason
    assert "平均绝对误差" in choice_reason(netted.choice, netted.choice_detail, lang="zh")


def test_customers_the_spend_model_cannot_use_get_the_population_mean() -> None:
    tx = make_transactions(400, random_state=3)
    tx = tx.assign(timestamp=tx["timestamp"].dt.floor("D"))
    # four customers whose only repeat purchase is worth nothing (a zero-amount order)
    first = tx.groupby("customer_id")["timestamp"].min()
    once = tx.groupby("customer_id").size()
    chosen = once[once == 1].index[:4]
    zero = pd.DataFrame(
        {
            "customer_id": chosen,
            "timestamp": first.loc[chosen].to_numpy() + np.timedelta64(3, "D"),
            "amount": 0.0,
        }
    )
    log = pd.concat([tx, zero], ignore_index=True)
    end = log["timestamp"].max()
    a = cv.analyze(log, amount_col="amount", time_unit="W", observation_end=end)
    assert isinstance(a.spend, SpendSummary)
    assert a.spend.nonpositive == 4
    spend = a.customers.loc[chosen, "expected_spend"]
    assert spend.tolist() == [a.spend.population_mean] * 4
    assert a.spend.fitted_on + a.spend.no_repeat + a.spend.nonpositive == len(a.customers)
    assert np.isfinite(a.customers["clv"]).all()


def test_without_amounts_there_are_no_money_figures() -> None:
    tx = make_transactions(300, random_state=4).drop(columns="amount")
    a = cv.analyze(tx, time_unit="W", model="bgnbd")
    assert a.customers["clv"].isna().all() and a.spend is None
    assert a.choice == "bgnbd" and "was asked for" in a.reason
    assert "abc_class" not in a.customers


def test_without_holdout_the_choice_is_by_bic() -> None:
    tx = make_transactions(300, random_state=6)
    a = cv.analyze(tx, amount_col="amount", time_unit="W")
    assert a.evaluation is not None and "mae" not in a.evaluation
    assert a.choice == a.evaluation["bic"].idxmin() and "BIC" in a.reason
    assert a.models["candidates"] == {}


def test_progress_goes_to_the_callback_and_nothing_is_printed(
    export: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    steps: list[str] = []
    cv.analyze(
        export,
        missing="drop",
        refunds="net",
        on_step=lambda name, seconds: steps.append(name),
        **OPTIONS,
    )
    assert steps[0] == "customer table" and "score customers" in steps
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_results_are_deterministic(export: pd.DataFrame) -> None:
    a = cv.analyze(export, missing="drop", refunds="net", **OPTIONS)
    b = cv.analyze(export, missing="drop", refunds="net", **OPTIONS)
    pd.testing.assert_frame_equal(a.customers, b.customers, check_exact=True)


def test_bad_settings_name_the_keyword(export: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"margin must be <= 1\.0"):
        cv.analyze(export, margin=30.0, **OPTIONS)
    with pytest.raises(ValueError, match="model='lifetimes' is not valid"):
        cv.analyze(export, model="lifetimes", **OPTIONS)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        cv.analyze(export, holdout_weeks=3, **OPTIONS)  # type: ignore[call-arg]


def test_the_reason_says_when_the_best_model_could_not_be_refitted() -> None:
    detail = {
        "criterion": "mae",
        "values": {"pnbd": 0.5, "bgnbd": 0.6, "mbgnbd": 0.7},
        "failed": [],
        "best": "pnbd",
        "refit_failed": ["pnbd"],
    }
    text = choice_reason("bgnbd", detail)
    assert text.startswith("Pareto/NBD has the lowest mean absolute error")
    assert text.endswith(
        "could not be fitted on the whole history, so the next best candidate is used: BG/NBD"
    )
    assert choice_reason("bgnbd", detail, lang="zh").endswith("：BG/NBD")
