"""Other projects' table layouts: lifetimes and pymc-marketing summary tables.

lifetimes and pymc-marketing call the BTYD columns ``frequency``, ``recency``, ``T`` and
``monetary_value``; custvalue calls them ``n_repeat``, ``purchase_span``, ``tenure`` and
``mean_repeat_spend`` (``recency`` and ``frequency`` mean opposite things in the RFM and BTYD
literatures, so custvalue uses neither). :func:`from_lifetimes` and :func:`to_lifetimes` do
the one documented rename, both ways.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._schema import (
    CUSTOMER_ID,
    LIFETIMES_RENAME,
    MEAN_REPEAT_SPEND,
    N_PURCHASES,
    N_REPEAT,
    PURCHASE_SPAN,
    TENURE,
    TIME_SINCE_LAST,
)
from ._validation import Checks, check_frame, numeric_array

__all__ = ["from_lifetimes", "to_lifetimes"]

_TO_LIFETIMES = {v: k for k, v in LIFETIMES_RENAME.items()}


def from_lifetimes(df: pd.DataFrame) -> pd.DataFrame:
    """Turn a lifetimes / pymc-marketing summary table into custvalue columns.

    Renames ``frequency`` -> ``n_repeat``, ``recency`` -> ``purchase_span``, ``T`` ->
    ``tenure`` and ``monetary_value`` -> ``mean_repeat_spend``, and derives
    ``n_purchases`` (n_repeat + 1) and ``time_since_last`` (tenure - purchase_span).
    lifetimes writes ``monetary_value = 0`` for customers with no repeat purchase, by
    convention; those exact zeros (where ``frequency == 0``) become NaN, custvalue's
    "undefined". The lifetimes table has no timestamps or total spend, so only these
    columns are returned; the index is kept and named ``customer_id``.

    Parameters
    ----------
    df : pandas.DataFrame
        Columns ``frequency``, ``recency``, ``T`` and optionally ``monetary_value``.

    Returns
    -------
    pandas.DataFrame
        ``n_purchases``, ``n_repeat``, ``purchase_span``, ``tenure``,
        ``time_since_last`` [, ``mean_repeat_spend``].

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import from_lifetimes
    >>> lt = pd.DataFrame({"frequency": [2.0, 0.0], "recency": [30.43, 0.0],
    ...                    "T": [38.86, 38.86], "monetary_value": [12.5, 0.0]})
    >>> from_lifetimes(lt)[["n_repeat", "tenure", "mean_repeat_spend"]]
                 n_repeat  tenure  mean_repeat_spend
    customer_id
    0                   2   38.86               12.5
    1                   0   38.86                NaN
    """
    check_frame(df, "df", "a lifetimes summary table (pandas DataFrame)")
    checks = Checks("from_lifetimes: table", ids=df.index)
    need = ["frequency", "recency", "T"]
    absent = [c for c in need if c not in df.columns]
    if absent:
        checks.add(None, f"missing lifetimes column(s) {absent}")
        checks.raise_if_failed()
    vals = {c: numeric_array(df[c], c, checks) for c in [*need, "monetary_value"] if c in df}
    x = vals["frequency"]
    with np.errstate(invalid="ignore"):
        checks.rows(x < 0, "frequency", "negative counts")
        checks.rows(np.isfinite(x) & (x != np.floor(x)), "frequency", "non-integer counts")
    checks.raise_if_failed()
    out = pd.DataFrame(index=df.index.copy())
    out.index.name = CUSTOMER_ID
    n_rep = x.astype("int64")
    out[N_PURCHASES] = n_rep + 1
    out[N_REPEAT] = n_rep
    out[PURCHASE_SPAN] = vals["recency"]
    out[TENURE] = vals["T"]
    out[TIME_SINCE_LAST] = vals["T"] - vals["recency"]
    if "monetary_value" in vals:
        m = vals["monetary_value"].copy()
        m[(n_rep == 0) & (m == 0)] = np.nan
        out[MEAN_REPEAT_SPEND] = m
    return out


def to_lifetimes(table: pd.DataFrame) -> pd.DataFrame:
    """Turn a custvalue customer table into the lifetimes summary layout.

    Returns ``frequency``, ``recency``, ``T`` and, when the table has spend,
    ``monetary_value``; NaN ``mean_repeat_spend`` where ``n_repeat == 0`` becomes 0, the
    lifetimes convention (its Gamma-Gamma fitter expects it). Other columns are not
    carried over.

    Parameters
    ----------
    table : pandas.DataFrame
        Customer table (at least ``n_repeat``, ``purchase_span``, ``tenure``).

    Returns
    -------
    pandas.DataFrame
        lifetimes columns, float64, same index.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import to_lifetimes
    >>> t = pd.DataFrame({"n_repeat": [1, 0], "purchase_span": [2.0, 0.0],
    ...                   "tenure": [4.0, 3.0], "mean_repeat_spend": [20.0, float("nan")]})
    >>> to_lifetimes(t)
       frequency  recency    T  monetary_value
    0        1.0      2.0  4.0            20.0
    1        0.0      0.0  3.0             0.0
    """
    check_frame(table, "table", "a customer table (pandas DataFrame)")
    checks = Checks("to_lifetimes: table", ids=table.index)
    absent = [c for c in (N_REPEAT, PURCHASE_SPAN, TENURE) if c not in table.columns]
    if absent:
        checks.add(None, f"missing column(s) {absent}", len(absent))
        checks.raise_if_failed()
    cols = [c for c in (N_REPEAT, PURCHASE_SPAN, TENURE, MEAN_REPEAT_SPEND) if c in table]
    out = table[cols].astype("float64").rename(columns=_TO_LIFETIMES)
    if "monetary_value" in out:
        fill = (out["frequency"] == 0) & out["monetary_value"].isna()
        out["monetary_value"] = out["monetary_value"].mask(fill, 0.0)
    return out
