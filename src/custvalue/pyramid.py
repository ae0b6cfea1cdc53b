"""Which tier of the customer pyramid: value tiers and the value matrix.

Two tier schemes (ordered categoricals, best tier first):

* ``"seeds"``: VIP, major, ordinary, small customers (VIP客户, 主要客户, 普通客户, 小客户, the
  customer pyramid, 客户金字塔, of Chinese CRM practice), plus ``"potential"`` (潜在客户) for prospects passed in
  as ids without purchases. Default shares of customers 1 % / 4 % / 15 % / 80 % come from
  the customer pyramid of Curry & Curry (2000, *The Customer Marketing Method*: top, big,
  medium and small customers), whose tiers the customer pyramid mirrors.
* ``"zrl"``: platinum, gold, iron, lead (Zeithaml, Rust & Lemon 2001, California
  Management Review 43(4)). Lead customers cost more than they bring: value < 0, which
  requires profit values (a ``margin`` or ``cost_to_serve``). The paper gives no fixed
  shares; the defaults (platinum the top 5 %, gold the next 15 %, iron every other customer
  with value >= 0) put the top 20 % of the 80/20 rule in platinum + gold.

Tiers are assigned by rank (``by="customers"``: a customer is in a tier when the share of
customers with strictly larger value is below the tier's cumulative limit) or by value
(``by="value"``: the share of the total value held by customers with strictly larger
value). Equal values always share a tier; a limit inside a tie block puts the whole block in
the higher tier.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._profit import customer_value
from ._shares import rank_before_share, value_before_share
from ._validation import Checks, categorical, check_choice, check_scalar, numeric_array

__all__ = [
    "PYRAMID_SCHEMES",
    "VALUE_CLASSES",
    "pyramid_tiers",
    "value_matrix",
]

PYRAMID_SCHEMES: dict[str, tuple[str, ...]] = {
    "seeds": ("vip", "major", "ordinary", "small", "potential"),
    "zrl": ("platinum", "gold", "iron", "lead"),
}
"""Tier codes of each scheme, best first."""

_DEFAULT_SHARES = {"seeds": (0.01, 0.04, 0.15), "zrl": (0.05, 0.15)}

VALUE_CLASSES: tuple[str, ...] = ("most_valuable", "most_growable", "maintain", "below_zero")
"""Codes of :func:`value_matrix` (贵宾型 MVC, 改进型 MGC, 维持型, 放弃型 BZ)."""


def _before_share(v: np.ndarray, by: str) -> np.ndarray:
    """Per customer (input order): share (of customers or value) strictly above it."""
    if by == "customers":
        return rank_before_share(v)
    order = np.argsort(-v, kind="stable")
    before = np.empty(v.size, dtype="float64")
    before[order] = value_before_share(v[order])
    return before


def _tier_codes(before: np.ndarray, shares: tuple[float, ...]) -> np.ndarray:
    """Tier index: number of cumulative limits the customer's before-share reaches."""
    # rounded so that e.g. 0.2 + 0.2 + 0.2 is the limit 0.6, not 0.6000000000000001
    limits = np.round(np.cumsum(np.asarray(shares, dtype="float64")), 12)
    # tier k when limits[k-1] <= before < limits[k]; searchsorted 'right' counts limits <= before
    return np.searchsorted(limits, before, side="right").astype("int8")


def pyramid_tiers(
    values: Any,
    *,
    scheme: str = "seeds",
    shares: tuple[float, ...] | None = None,
    by: str = "customers",
    prospects: Any = None,
    margin: float | pd.Series | None = None,
    cost_to_serve: pd.Series | None = None,
    negative: str = "raise",
) -> pd.Series:
    """Customer-pyramid tier of every customer.

    Parameters
    ----------
    values : pandas.Series or pandas.DataFrame
        Value per customer (index = customer id), or a customer table (``total_spend``).
    scheme : {"seeds", "zrl"}
        VIP / major / ordinary / small (+ potential), or platinum / gold / iron / lead.
    shares : tuple of float, optional
        Size of each tier above the last ranked one, best first: three shares for
        ``"seeds"`` (VIP, major, ordinary; small is the rest), two for ``"zrl"`` (platinum,
        gold; iron is the rest). Shares of customers (``by="customers"``) or of the total
        value (``by="value"``); they must sum to at most 1. Defaults (``by="customers"``
        only): seeds (0.01, 0.04, 0.15), zrl (0.05, 0.15); see the module notes for their
        sources. ``by="value"`` has no published default and needs ``shares``.
    by : {"customers", "value"}
        Whether shares count customers or value.
    prospects : array-like, optional
        Ids of prospects without purchases (seeds scheme only): added to the result as
        ``"potential"``. They must not appear in ``values``.
    margin, cost_to_serve : optional
        Turn revenue into profit (see :func:`custvalue.abc.concentration_curve`).
    negative : {"raise", "lowest"}
        Seeds scheme: customers with negative value raise, or go to the lowest ranked tier
        (``"small"``) and are left out of the share computation. In the zrl scheme negative
        values define ``"lead"`` and this option is not used.

    Returns
    -------
    pandas.Series
        Ordered categorical ``pyramid_tier`` (categories best first, all present) on the
        customer index, prospects appended.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import pyramid_tiers
    >>> v = pd.Series([500.0, 90.0, 40.0, 10.0, 5.0], index=list("abcde"))
    >>> pyramid_tiers(v, shares=(0.2, 0.2, 0.2), prospects=["p"]).tolist()
    ['vip', 'major', 'ordinary', 'small', 'small', 'potential']
    >>> cost = pd.Series([20.0, 20.0, 20.0, 20.0, 20.0], index=list("abcde"))
    >>> pyramid_tiers(v, scheme="zrl", cost_to_serve=cost, shares=(0.2, 0.2)).tolist()
    ['platinum', 'gold', 'iron', 'lead', 'lead']
    """
    check_choice("scheme", scheme, tuple(PYRAMID_SCHEMES))
    check_choice("by", by, ("customers", "value"))
    check_choice("negative", negative, ("raise", "lowest"))
    n_shares = len(_DEFAULT_SHARES[scheme])
    if shares is None:
        if by == "value":
            raise ValueError(
                "by='value' has no published default; pass shares, e.g. (0.5, 0.3, 0.15)"
            )
        shares = _DEFAULT_SHARES[scheme]
    if not isinstance(shares, tuple | list) or len(shares) != n_shares:
        raise ValueError(f"scheme {scheme!r} needs {n_shares} shares, got {shares!r}")
    sh = tuple(
        check_scalar(f"shares[{i}]", s, minimum=0.0, strict=True, maximum=1.0)
        for i, s in enumerate(shares)
    )
    if sum(sh) > 1.0 + 1e-12:
        raise ValueError(f"shares must sum to at most 1, got {sum(sh)}")
    if prospects is not None and scheme != "seeds":
        raise ValueError("prospects ('potential' tier) belong to the 'seeds' scheme only")

    value = customer_value(values, margin=margin, cost=cost_to_serve, what="pyramid_tiers")
    v = value.to_numpy()
    neg = v < 0
    checks = Checks("pyramid_tiers", ids=value.index)
    if scheme == "seeds" and negative == "raise":
        checks.rows(neg, "values", "negative values (use negative='lowest' to rank them last)")
    pros_index: pd.Index | None = None
    if prospects is not None:
        pros_index = pd.Index(prospects)
        checks.rows(pros_index.duplicated(), "prospects", "duplicate ids", ids=pros_index)
        checks.rows(
            pros_index.isin(value.index),
            "prospects",
            "ids that also have values (prospects have no purchases)",
            ids=pros_index,
        )
    used = ~neg
    if by == "value" and used.any() and not v[used].sum() > 0:
        checks.add("values", "total non-negative value is not positive", int(used.sum()))
    checks.raise_if_failed()

    lowest = n_shares  # index of the last ranked tier (small / iron)
    codes = np.full(v.size, lowest, dtype="int8")
    if used.any():
        codes[used] = _tier_codes(_before_share(v[used], by), sh)
    if neg.any():
        codes[neg] = lowest + 1 if scheme == "zrl" else lowest
    categories = list(PYRAMID_SCHEMES[scheme])
    index = value.index
    if pros_index is not None and len(pros_index):
        codes = np.concatenate([codes, np.full(len(pros_index), 4, dtype="int8")])
        index = index.append(pros_index)
    return categorical(codes, categories, index, "pyramid_tier")


def _series(x: Any, name: str, index: pd.Index | None, checks: Checks) -> pd.Series:
    if not isinstance(x, pd.Series):
        raise TypeError(f"value_matrix: {name} must be a pandas Series indexed by customer id")
    if index is not None and not x.index.equals(index):
        missing = ~index.isin(x.index)
        extra = ~x.index.isin(index)
        bad = checks.rows(missing, name, "customers of current_value missing here", ids=index)
        bad |= checks.rows(extra, name, "customers not in current_value", ids=x.index)
        if bad:
            return x
        return x.reindex(index)
    return x


def value_matrix(
    current_value: pd.Series,
    future_value: pd.Series,
    cost_to_serve: pd.Series | None = None,
    *,
    current_top: float = 0.2,
    future_top: float = 0.2,
    current_threshold: float | None = None,
    future_threshold: float | None = None,
) -> pd.Series:
    """Value class: most valuable, most growable, maintain, below zero.

    The value classes of Chinese CRM practice (贵宾型 / 改进型 / 维持型 / 放弃型; Peppers &
    Rogers' MVC, MGC and BZ). With ``profit = current_value - cost_to_serve`` (``cost_to_serve`` 0 when not
    given), rules in this order, first match wins:

    1. ``most_valuable``: profit >= 0 and high current value;
    2. ``most_growable``: high future value (the biggest unrealised potential);
    3. ``below_zero``: profit < 0 (costs more to serve than it brings) and future value not
       high;
    4. ``maintain``: everyone else (some value, small amounts).

    *High* means in the top ``current_top`` (``future_top``) share of customers by current
    profit (future value), ties kept together (a customer is high when fewer than that
    share of customers have a strictly larger value). Default 0.2: the top 20 % of the
    80/20 rule. Absolute thresholds (``value >= threshold``) replace the shares
    when given.

    Parameters
    ----------
    current_value : pandas.Series
        Current (historical) value per customer, e.g. total spend or profit to date.
    future_value : pandas.Series
        Future value per customer on the same customers (e.g. from a CLV model); used as
        given (this module never imports the CLV models).
    cost_to_serve : pandas.Series, optional
        Cost of serving each customer (>= 0), subtracted from the current value.
    current_top, future_top : float
        Shares of customers counted as high, in (0, 1].
    current_threshold, future_threshold : float, optional
        Absolute thresholds replacing the shares.

    Returns
    -------
    pandas.Series
        Ordered categorical ``value_class`` on the index of ``current_value``.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import value_matrix
    >>> cur = pd.Series([900.0, 50.0, 40.0, 30.0, 5.0], index=list("abcde"))
    >>> fut = pd.Series([800.0, 700.0, 30.0, 20.0, 1.0], index=list("abcde"))
    >>> cost = pd.Series([100.0, 10.0, 10.0, 10.0, 25.0], index=list("abcde"))
    >>> value_matrix(cur, fut, cost, current_top=0.2, future_top=0.4).tolist()
    ['most_valuable', 'most_growable', 'maintain', 'maintain', 'below_zero']
    """
    ct = check_scalar("current_top", current_top, minimum=0.0, strict=True, maximum=1.0)
    ft = check_scalar("future_top", future_top, minimum=0.0, strict=True, maximum=1.0)
    cthr = (
        None if current_threshold is None else check_scalar("current_threshold", current_threshold)
    )
    fthr = None if future_threshold is None else check_scalar("future_threshold", future_threshold)
    cur = customer_value(current_value, cost=cost_to_serve, what="value_matrix: current_value")
    checks = Checks("value_matrix", ids=cur.index)
    fut = _series(future_value, "future_value", cur.index, checks)
    checks.raise_if_failed()
    f = numeric_array(fut, "future_value", checks)
    checks.raise_if_failed()
    p = cur.to_numpy()
    high_cur = p >= cthr if cthr is not None else rank_before_share(p) < ct
    high_fut = f >= fthr if fthr is not None else rank_before_share(f) < ft
    codes = np.full(p.size, 2, dtype="int8")
    codes[(p < 0) & ~high_fut] = 3
    codes[high_fut] = 1
    codes[(p >= 0) & high_cur] = 0
    return categorical(codes, VALUE_CLASSES, cur.index, "value_class")
