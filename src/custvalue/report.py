"""Tidy per-segment tables.

:func:`segment_report` turns any categorical segmentation (ABC class, RFM segment, pyramid
tier, value class, lifecycle stage...) into one row per segment: how many customers, what
share of the customers and of the value, mean and total value. Rows are stable: every
category of the segmentation is present, in category order, empty ones included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._deprecation import keyword_only_after
from ._schema import TOTAL_SPEND
from ._validation import Checks, check_aligned, check_frame, numeric_array
from .labels import LANGS, display

__all__ = ["segment_report"]


@keyword_only_after(2, "value", since="0.2")
def segment_report(
    table: pd.DataFrame,
    labels: pd.Series,
    *,
    value: str | pd.Series = TOTAL_SPEND,
    lang: str | None = None,
) -> pd.DataFrame:
    """Per segment: customers, share of customers, share of value, mean and total value.

    Parameters
    ----------
    table : pandas.DataFrame
        Customer table (index = customer id), as :func:`custvalue.customer_table` builds it.
    labels : pandas.Series
        Categorical segment per customer (any output of the segmentation functions), on
        exactly the customers of ``table`` (any order). Missing labels raise.
    value : str or pandas.Series, default "total_spend"
        Column of ``table`` to sum, or a Series of values on exactly the customers of
        ``table`` (any order), e.g. profit or CLV.
    lang : {"en", "zh"}, optional
        Display language of the labels shown instead of codes (see :mod:`custvalue.labels`).

    Returns
    -------
    pandas.DataFrame
        Index: the segments, in category order (named after ``labels``). Columns
        ``n_customers``, ``customer_share``, ``total_value``, ``value_share``, ``mean_value``.
        ``mean_value`` is NaN for an empty segment (undefined); ``value_share`` is NaN when
        the total value is 0.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import segment_report
    >>> t = pd.DataFrame({"total_spend": [60.0, 30.0, 10.0]}, index=["a", "b", "c"])
    >>> seg = pd.Series(pd.Categorical(["A", "A", "C"], categories=["A", "B", "C"],
    ...                 ordered=True), index=t.index, name="abc_class")
    >>> segment_report(t, seg)
               n_customers  customer_share  total_value  value_share  mean_value
    abc_class
    A                    2        0.666667         90.0          0.9        45.0
    B                    0        0.000000          0.0          0.0         NaN
    C                    1        0.333333         10.0          0.1        10.0
    >>> list(segment_report(t, seg, lang="zh").index)
    ['A类客户', 'B类客户', 'C类客户']
    """
    check_frame(table, "segment_report: table", "a customer table (pandas DataFrame)")
    if not isinstance(labels, pd.Series) or not isinstance(labels.dtype, pd.CategoricalDtype):
        raise TypeError("segment_report: labels must be a categorical pandas Series")
    if lang is not None and lang not in LANGS:
        raise ValueError(f"lang={lang!r} is not valid; choose one of: None, 'en', 'zh'")
    checks = Checks("segment_report", ids=table.index)
    idx = table.index
    checks.rows(idx.duplicated(), "table", "duplicate customer ids")
    if labels.index.equals(idx):
        lab = labels
    else:
        checks.rows(labels.index.duplicated(), "labels", "duplicate customer ids", ids=labels.index)
        checks.rows(~idx.isin(labels.index), "labels", "customers of the table without a label")
        checks.rows(
            ~labels.index.isin(idx),
            "labels",
            "labelled customers not in the table",
            ids=labels.index,
        )
        checks.raise_if_failed()
        lab = labels.reindex(idx)
    codes = lab.cat.codes.to_numpy()
    checks.rows(codes < 0, "labels", "missing labels")
    v: np.ndarray | None
    if isinstance(value, str):
        if value not in table.columns:
            raise ValueError(f"segment_report: table has no column {value!r}")
        v = numeric_array(table[value], value, checks)
    elif isinstance(value, pd.Series):
        vname = str(value.name) if value.name is not None else "value"
        v = check_aligned(value, idx, vname, checks)
    else:
        raise TypeError("segment_report: value must be a column name or a pandas Series")
    checks.raise_if_failed()
    assert v is not None  # None only with a recorded failure

    k = len(lab.cat.categories)
    n = np.bincount(codes, minlength=k)
    total = np.bincount(codes, weights=v, minlength=k)
    grand = float(v.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
    share_v = total / grand if grand != 0 else np.full(k, np.nan)
    out = pd.DataFrame(
        {
            "n_customers": n.astype("int64"),
            "customer_share": n / n.sum(),
            "total_value": total,
            "value_share": share_v,
            "mean_value": mean,
        },
        index=pd.Index(list(lab.cat.categories), name=labels.name),
    )
    if lang is not None:
        shown = display(lab, lang=lang).cat.categories
        out.index = pd.Index(list(shown), name=labels.name)
    return out
