"""The customer table on Spark: one shuffle by customer, then custvalue's pandas core per group.

Shown in ``docs/scale.md`` and tested by ``tests/test_scale_recipe.py`` (with pandas standing
in for Spark's groups). Nothing here imports pyspark at module level.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

import custvalue as cv

# The rows table_for_group returns, as a Spark DDL schema. customer_id is a bigint here;
# for string ids write "customer_id string".
TABLE_SCHEMA = (
    "customer_id bigint, first_purchase timestamp_ntz, last_purchase timestamp_ntz, "
    "n_purchases bigint, n_repeat bigint, purchase_span double, tenure double, "
    "time_since_last double, total_spend double, mean_spend double, mean_repeat_spend double"
)


def table_for_group(pdf: pd.DataFrame, *, observation_end: Any, **options: Any) -> pd.DataFrame:
    """Return the customer table of the whole customers in ``pdf``, the id as a column.

    ``pdf`` holds every row of each of its customers (one Spark group); ``observation_end``
    is the end of the whole log, computed once beforehand, so that every group measures
    tenure to the same day. A group left without any purchase by the policies (all its
    rows refunded or dropped) gives no row, as its customers have none in the table of the
    whole log. The rows are sorted by every column first: Spark delivers a
    group's rows in no particular order, and a spend is a sum of floats whose last bit
    depends on the order of the terms.
    """
    pdf = pdf.sort_values(list(pdf.columns), kind="stable", ignore_index=True)
    try:
        table = cv.customer_table(pdf, observation_end=observation_end, **options)
    except cv.DataValidationError as exc:
        if not _no_purchase_left(exc):
            raise
        # e.g. one customer whose only purchase was refunded (refunds="net"): absent from
        # the whole log's table too, so this group adds no row
        return _empty_table()
    return table.reset_index()


def _no_purchase_left(exc: cv.DataValidationError) -> bool:
    return [f.rule.startswith("no purchase rows left") for f in exc.failures] == [True]


def _empty_table() -> pd.DataFrame:
    dtypes = {"bigint": "int64", "double": "float64", "timestamp_ntz": "datetime64[us]"}
    columns = [field.split() for field in TABLE_SCHEMA.split(", ")]
    return pd.DataFrame({name: pd.Series(dtype=dtypes[kind]) for name, kind in columns})


def spark_customer_table(transactions: Any, *, buckets: int, **options: Any) -> Any:
    """Return the customer table of a Spark DataFrame of transactions (lazy, one shuffle).

    The customers are hashed into ``buckets`` groups, so that pandas runs once per bucket
    (a few million rows each), not once per customer. ``options`` are customer_table's.
    """
    from pyspark.sql import functions as F  # noqa: N812

    customer = options.get("customer_col", "customer_id")
    time = options.get("time_col", "timestamp")
    end = transactions.agg(F.max(time)).first()[0]  # the global observation end
    bucket = F.pmod(F.xxhash64(customer), F.lit(buckets))

    def group_table(pdf: pd.DataFrame) -> pd.DataFrame:
        return table_for_group(pdf, observation_end=end, **options)

    return transactions.groupBy(bucket).applyInPandas(group_table, schema=TABLE_SCHEMA)


# The purchase models read three columns, and identical rows of them are one row with a count.
PURCHASE_STATISTICS = ["n_repeat", "purchase_span", "tenure"]


def fit_on_counts(model: Any, statistics: pd.DataFrame) -> Any:
    """Fit a purchase model on distinct ``PURCHASE_STATISTICS`` rows and their ``count``."""
    return model.fit(statistics[PURCHASE_STATISTICS], weights=statistics["count"].to_numpy())


def spark_fit(model: Any, table: Any) -> Any:
    """Fit a purchase model on a Spark customer table: only the distinct rows are collected."""
    return fit_on_counts(model, table.groupBy(*PURCHASE_STATISTICS).count().toPandas())
