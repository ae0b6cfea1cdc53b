"""Full churn (客户流失) versus partial churn (客户业务流失, seed 004)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custvalue import DataValidationError, churn_status, customer_table, lifecycle_stages
from custvalue.churn import CHURN_STATUSES
from custvalue.datasets import make_transactions

START = pd.Timestamp("2024-01-01")
END = START + pd.Timedelta(days=100)


def make_tx(rows: list[tuple[object, int, object]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(c, START + pd.Timedelta(days=d), p) for c, d, p in rows],
        columns=["customer_id", "timestamp", "product"],
    )


def every(cust: object, product: object, days: range) -> list[tuple[object, int, object]]:
    return [(cust, d, product) for d in days]


# Hand-built: every customer buys mobile every 10 days unless stated (rhythm 10 days).
ROWS = [
    # active: mobile and tv every 10 days up to day 100
    *every("active", "mobile", range(0, 101, 10)),
    *every("active", "tv", range(0, 101, 10)),
    # partial churn: tv every 10 days until day 40, then none for 60 > 3 * 10 days
    *every("partial", "mobile", range(0, 101, 10)),
    *every("partial", "tv", range(0, 41, 10)),
    # partial churn with two dropped lines, listed sorted
    *every("two", "mobile", range(0, 101, 10)),
    *every("two", "tv", range(0, 41, 10)),
    *every("two", "broadband", range(0, 31, 10)),
    # a line bought once only was never a habit: not dropped (min_line_purchases = 2)
    *every("once", "mobile", range(0, 101, 10)),
    ("once", 20, "tv"),
    # a slow line: broadband every 30 days, last on day 90 -> 10 days ago, not dropped
    *every("slow", "mobile", range(0, 101, 10)),
    *every("slow", "broadband", range(0, 91, 30)),
    # full churn: silent since day 40 (60 > 3 * 10); no dropped lines listed
    *every("gone", "mobile", range(0, 41, 10)),
    *every("gone", "tv", range(0, 41, 10)),
]


def test_each_status_by_hand() -> None:
    out = churn_status(make_tx(ROWS), observation_end=END)
    assert list(out.columns) == ["churn_status", "dropped_lines", "n_dropped_lines"]
    assert out["churn_status"].to_dict() == {
        "active": "active",
        "gone": "churned",
        "once": "active",
        "partial": "partial_churn",
        "slow": "active",
        "two": "partial_churn",
    }
    assert out.loc["partial", "dropped_lines"] == ("tv",)
    assert out.loc["two", "dropped_lines"] == ("broadband", "tv")
    assert out.loc["gone", "dropped_lines"] == ()
    assert out["n_dropped_lines"].to_dict()["two"] == 2
    assert list(out["churn_status"].cat.categories) == list(CHURN_STATUSES)
    assert out["churn_status"].cat.ordered
    # one row per dropped line for a follow-up list
    long = out["dropped_lines"].explode().dropna()
    assert sorted(long.items()) == [("partial", "tv"), ("two", "broadband"), ("two", "tv")]


def test_min_line_purchases_and_churn_factor() -> None:
    tx = make_tx(ROWS)
    # with min_line_purchases=1 the single tv purchase of "once" (80 days ago) counts;
    # its line has no gap, so the customer's rhythm (10) is used: 80 > 30 -> dropped
    out = churn_status(tx, observation_end=END, min_line_purchases=1)
    assert out.loc["once", "dropped_lines"] == ("tv",)
    # with min_line_purchases=6, the five tv purchases of "partial" are not a habit
    out = churn_status(tx, observation_end=END, min_line_purchases=6)
    assert out.loc["partial", "churn_status"] == "active"
    # churn_factor 7: 60 days of silence is no longer churn (60 <= 70)
    out = churn_status(tx, observation_end=END, churn_factor=7.0)
    assert out.loc["gone", "churn_status"] == "active"
    assert out.loc["partial", "churn_status"] == "active"


def test_fixed_window() -> None:
    tx = make_tx(ROWS)
    out = churn_status(tx, observation_end=END, window=15.0)
    # "slow" bought broadband on day 90 (10 days ago): kept; "gone" silent 60 days
    assert out.loc["slow", "churn_status"] == "active"
    assert out.loc["gone", "churn_status"] == "churned"
    assert out.loc["two", "dropped_lines"] == ("broadband", "tv")
    out = churn_status(tx, observation_end=END, window=65.0)
    assert out.loc["gone", "churn_status"] == "active"  # bought on day 40, 60 days ago
    assert out.loc["partial", "churn_status"] == "active"  # tv on day 40 is in the window


def test_p_alive_decides_full_churn() -> None:
    tx = make_tx(ROWS)
    ids = sorted({r[0] for r in ROWS})
    p_alive = pd.Series(0.9, index=ids)
    p_alive["partial"] = 0.1
    out = churn_status(tx, observation_end=END, p_alive=p_alive)
    assert out.loc["partial", "churn_status"] == "churned"
    assert out.loc["partial", "dropped_lines"] == ()
    # the model says "gone" is alive, so its silence shows as both lines dropped
    assert out.loc["gone", "churn_status"] == "partial_churn"
    assert out.loc["gone", "dropped_lines"] == ("mobile", "tv")
    with pytest.raises(DataValidationError, match=r"customers with no value.*'two'"):
        churn_status(tx, observation_end=END, p_alive=p_alive.drop("two"))
    # one alignment policy: an id without purchases raises too (it used to be ignored)
    extra = pd.concat([p_alive, pd.Series(0.9, index=["stranger"])])
    with pytest.raises(DataValidationError, match=r"customers not in the table.*'stranger'"):
        churn_status(tx, observation_end=END, p_alive=extra)


def test_index_is_the_tables_and_joins_it() -> None:
    # the index is named customer_id whatever the input column is called, as the table's
    tx = make_tx(ROWS).rename(columns={"customer_id": "client"})
    table = customer_table(tx, customer_col="client", observation_end=END)
    out = churn_status(tx, customer_col="client", observation_end=END)
    assert out.index.name == table.index.name == "customer_id"
    assert out.index.equals(table.index)
    joined = table.join(out)
    assert joined["churn_status"].notna().all() and len(joined) == len(table)
    assert joined.loc["partial", "churn_status"] == "partial_churn"


def test_return_report_is_deprecated_and_points_to_the_table() -> None:
    tx = make_tx(ROWS)
    plain = churn_status(tx, observation_end=END)
    with pytest.warns(FutureWarning, match=r"return_report=True\) is deprecated.*customer_table"):
        out, report = churn_status(tx, observation_end=END, return_report=True)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(out, plain)
    _, t_report = customer_table(tx, observation_end=END, return_report=True)
    assert report == t_report


def test_full_churn_agrees_with_lifecycle_churned() -> None:
    tx = make_tx(ROWS)
    status = churn_status(tx, observation_end=END)["churn_status"]
    stages = lifecycle_stages(tx, observation_end=END)
    assert ((status == "churned") == (stages == "churned")).all()


def test_invalid_input() -> None:
    tx = make_tx(ROWS)
    with pytest.raises(DataValidationError, match="missing column"):
        churn_status(tx, product_col="line")
    bad = tx.astype({"product": object})
    bad.loc[3, "product"] = None
    with pytest.raises(DataValidationError, match="missing product lines"):
        churn_status(bad, observation_end=END)
    with pytest.raises(ValueError, match="min_line_purchases"):
        churn_status(tx, min_line_purchases=0)


def test_product_codes_keep_their_type() -> None:
    rows = [(c, d, {"mobile": 1, "tv": 2, "broadband": 3}[p]) for c, d, p in ROWS]
    out = churn_status(make_tx(rows), observation_end=END)
    assert out.loc["two", "dropped_lines"] == (2, 3)
    assert all(type(v) is int for v in out.loc["two", "dropped_lines"])
    # categorical lines (with an unused category) behave like their values
    tx = make_tx(ROWS)
    tx["product"] = pd.Categorical(tx["product"], categories=["tv", "mobile", "broadband", "x"])
    cat = churn_status(tx, observation_end=END)
    ref = churn_status(make_tx(ROWS), observation_end=END)
    assert cat["dropped_lines"].map(set).equals(ref["dropped_lines"].map(set))
    assert cat["churn_status"].equals(ref["churn_status"])


# ------------------------------------------------------------------------ properties


@st.composite
def histories(draw: st.DrawFn) -> tuple[pd.DataFrame, int]:
    rows: list[tuple[object, int, object]] = every("anchor", "mobile", range(0, 15, 7))
    n = draw(st.integers(1, 6))
    for i in range(n):
        purchases = draw(
            st.lists(
                st.tuples(st.integers(0, 150), st.sampled_from(["mobile", "tv", "broadband"])),
                min_size=1,
                max_size=20,
            )
        )
        rows += [(f"c{i}", d, p) for d, p in purchases]
    end = max(r[1] for r in rows) + draw(st.integers(0, 60))
    return make_tx(rows), end


@settings(max_examples=60, deadline=None)
@given(histories(), st.randoms(use_true_random=False))
def test_properties(case: tuple[pd.DataFrame, int], rnd) -> None:
    tx, end = case
    end_ts = START + pd.Timedelta(days=end)
    out = churn_status(tx, observation_end=end_ts)
    status = out["churn_status"]
    assert list(status.cat.categories) == list(CHURN_STATUSES)
    assert out.index.is_unique and set(out.index) == set(tx["customer_id"])
    # partial churn exactly when some line was dropped; dropped lines were bought
    assert ((status == "partial_churn") == (out["n_dropped_lines"] > 0)).all()
    assert (out["dropped_lines"].map(len) == out["n_dropped_lines"]).all()
    bought = tx.groupby("customer_id")["product"].agg(set)
    for cust, lines in out["dropped_lines"].items():
        assert set(lines) <= bought[cust]
        assert list(lines) == sorted(lines)

    order = list(range(len(tx)))
    rnd.shuffle(order)
    pd.testing.assert_frame_equal(churn_status(tx.iloc[order], observation_end=end_ts), out)

    for factor in (2, 4):
        stretched = tx.assign(timestamp=START + (tx["timestamp"] - START) * factor)
        got = churn_status(stretched, observation_end=START + pd.Timedelta(days=end * factor))
        pd.testing.assert_frame_equal(got, out)


def test_generated_data_with_product_lines() -> None:
    rng = np.random.default_rng(7)
    n = 3000
    cust = rng.integers(0, 800, n)
    day = rng.integers(0, 365, n)
    product = rng.choice(["mobile", "broadband", "tv", "cloud"], n)
    tx = pd.DataFrame(
        {
            "customer_id": cust,
            "timestamp": START + pd.to_timedelta(day, "D"),
            "product": product,
        }
    )
    out = churn_status(tx, observation_end=START + pd.Timedelta(days=365))
    counts = out["churn_status"].value_counts()
    assert (counts > 0).all()
    assert len(out) == tx["customer_id"].nunique()
    # brute-force oracle for the line rule: a line is dropped when bought on >= 2 days and
    # the days since its last purchase exceed 3 x the median gap between its purchase days
    end_day = 365

    def dropped(days: pd.Series) -> bool:
        d = np.unique(days.to_numpy())
        return d.size >= 2 and (end_day - d[-1]) > 3 * np.median(np.diff(d))

    tx["day"] = day
    by_pair = tx.groupby(["customer_id", "product"])["day"].agg(dropped)
    expected = {
        c: tuple(sorted(g.index.get_level_values(1)[g.to_numpy()]))
        for c, g in by_pair.groupby(level=0)
    }
    active = out["churn_status"] != "churned"
    for cust_id in out.index[active]:
        assert out.loc[cust_id, "dropped_lines"] == expected[cust_id], cust_id


def test_make_transactions_with_product_lines() -> None:
    tx = make_transactions(
        3000,
        product_lines=["mobile", "broadband", "tv"],
        acquisition_end="1998-01-01",
        random_state=5,
    )
    out = churn_status(tx)
    counts = out["churn_status"].value_counts()
    assert (counts > 0).all()
    assert len(out) == tx["customer_id"].nunique()
    lines = out["dropped_lines"].explode().dropna()
    assert set(lines) <= {"mobile", "broadband", "tv"}
    stages = lifecycle_stages(tx)
    assert ((out["churn_status"] == "churned") == (stages == "churned")).all()
