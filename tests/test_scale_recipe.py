"""The Spark recipe of docs/scale.md (docs/recipes/spark_table.py), with pandas as Spark.

Spark's ``groupBy(...).applyInPandas`` hands the partition function every row of each of
its groups, in no particular order. Here pandas plays that part: the rows are shuffled,
split per customer or into buckets by a hash of the id, and each group goes through
``table_for_group`` with the log's end computed once beforehand. Joined back, the groups
must give exactly the table of the whole log (the promise of docs/scale.md).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import custvalue as cv
from custvalue.datasets import make_transactions

RECIPE = Path(__file__).resolve().parents[1] / "docs" / "recipes" / "spark_table.py"
_spec = importlib.util.spec_from_file_location("spark_table", RECIPE)
assert _spec is not None and _spec.loader is not None
recipe = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(recipe)

OPTIONS: list[dict[str, Any]] = [
    {"amount_col": "amount", "time_unit": "W"},
    {"amount_col": "amount", "refunds": "net", "period": "W", "time_unit": "D"},
]
FAULTS = [{}, {"duplicates": 0.03, "refunds": 0.03}]


def _log(n_customers: int, faults: dict[str, float], seed: int) -> pd.DataFrame:
    """A log in the recipe's canonical row order (sorted by every column)."""
    tx = make_transactions(n_customers, faults=faults, random_state=seed)
    return tx.sort_values(list(tx.columns), kind="stable", ignore_index=True)


def _joined(parts: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True).set_index("customer_id").sort_index()


def _whole(tx: pd.DataFrame, options: dict[str, Any]) -> pd.DataFrame:
    table = cv.customer_table(tx, **options)  # default end: the latest time, as the recipe's max
    table.attrs = {}  # Spark rows carry no attrs
    return table


@pytest.mark.parametrize(("options", "faults"), list(zip(OPTIONS, FAULTS, strict=True)))
def test_one_group_per_customer_gives_the_whole_table(
    options: dict[str, Any], faults: dict[str, float]
) -> None:
    tx = _log(300, faults, seed=3)
    shuffled = tx.sample(frac=1.0, random_state=4)
    end = tx["timestamp"].max()
    parts = [
        recipe.table_for_group(group, observation_end=end, **options)
        for _, group in shuffled.groupby("customer_id", sort=False)
    ]
    pd.testing.assert_frame_equal(_joined(parts), _whole(tx, options), check_exact=True)


@pytest.mark.parametrize("buckets", [1, 4, 13])
@pytest.mark.parametrize(("options", "faults"), list(zip(OPTIONS, FAULTS, strict=True)))
def test_hash_buckets_of_shuffled_rows_give_the_whole_table(
    buckets: int, options: dict[str, Any], faults: dict[str, float]
) -> None:
    tx = _log(20_000, faults, seed=5)
    rng = np.random.default_rng(buckets)
    shuffled = tx.iloc[rng.permutation(len(tx))]  # the shuffle's order: any
    bucket = pd.util.hash_array(shuffled["customer_id"].to_numpy()) % np.uint64(buckets)
    end = tx["timestamp"].max()
    parts = [
        recipe.table_for_group(shuffled[bucket == b], observation_end=end, **options)
        for b in np.unique(bucket)
    ]
    assert len(parts) == buckets
    whole = _whole(tx, options)
    assert whole["n_repeat"].gt(0).any()  # customers with purchases on several days
    pd.testing.assert_frame_equal(_joined(parts), whole, check_exact=True)


def test_a_group_needs_the_global_observation_end() -> None:
    # without it, a group would end at its own last purchase: a shorter tenure
    tx = _log(300, {}, seed=3)
    end = tx["timestamp"].max()
    group = tx[tx["customer_id"] == tx["customer_id"].iloc[0]]
    assert group["timestamp"].max() < end
    alone = cv.customer_table(group, amount_col="amount")
    recipe_row = recipe.table_for_group(group, observation_end=end, amount_col="amount")
    assert recipe_row["tenure"].iloc[0] > alone["tenure"].iloc[0]
    whole = cv.customer_table(tx, amount_col="amount")
    assert recipe_row["tenure"].iloc[0] == whole["tenure"].iloc[0]


def test_the_schema_names_and_types_the_returned_columns() -> None:
    spark_type = {"int64": "bigint", "float64": "double", "datetime64[us]": "timestamp_ntz"}
    schema = [field.split() for field in recipe.TABLE_SCHEMA.split(", ")]
    tx = _log(50, {}, seed=1)
    out = recipe.table_for_group(tx, observation_end=tx["timestamp"].max(), amount_col="amount")
    assert [name for name, _ in schema] == list(out.columns)
    assert [kind for _, kind in schema] == [spark_type[str(d)] for d in out.dtypes]


def test_a_group_without_purchases_gives_no_row_and_other_errors_still_raise() -> None:
    t = pd.to_datetime(["1997-01-01", "1997-01-03"])
    refunded = pd.DataFrame({"customer_id": [7, 7], "timestamp": t, "amount": [20.0, -20.0]})
    out = recipe.table_for_group(
        refunded, observation_end="1997-02-01", amount_col="amount", refunds="net"
    )
    assert out.empty
    assert dict(out.dtypes.astype(str)) == {
        name: {"bigint": "int64", "double": "float64", "timestamp_ntz": "datetime64[us]"}[kind]
        for name, kind in (f.split() for f in recipe.TABLE_SCHEMA.split(", "))
    }
    missing = refunded.assign(amount=[20.0, np.nan])
    with pytest.raises(cv.DataValidationError, match="amount"):
        recipe.table_for_group(missing, observation_end="1997-02-01", amount_col="amount")


def test_a_fit_on_distinct_rows_with_counts_is_the_fit_on_the_table() -> None:
    table = cv.customer_table(_log(20_000, {}, seed=9), amount_col="amount", time_unit="W")
    counts = table.groupby(recipe.PURCHASE_STATISTICS).size().rename("count").reset_index()
    assert len(counts) < len(table) / 2  # the collected rows are far fewer than customers
    on_counts = recipe.fit_on_counts(cv.BetaGeoModel(), counts)
    on_table = cv.BetaGeoModel().fit(table)
    assert on_counts.n_customers_ == on_table.n_customers_ == len(table)
    # exact: fit itself collapses identical rows into counts, so both fits optimise the
    # same distinct rows with the same counts (the promise the scale page makes)
    assert on_counts.params_ == on_table.params_
    assert on_counts.loglik_ == on_table.loglik_
