"""Which tier of the customer pyramid: value tiers and the value matrix.

Two tier schemes (ordered categoricals, best tier first):

* ``"vip"`` (the default): VIP, major, ordinary, small customers (VIP客户, 主要客户, 普通客户,
  小客户: the customer pyramid, 客户金字塔, of Chinese CRM practice), plus ``"potential"``
  (潜在客户) for prospects passed in as ids without purchases. The default shares of
  customers, 1 % / 4 % / 15 % / 80 %, are those of the customer pyramid of Curry & Curry
  (2000, *The Customer Marketing Method*), whose four tiers (top, big, medium and small
  customers) these four mirror.
* ``"metals"``: platinum, gold, iron, lead (Zeithaml, Rust & Lemon 2001, California
  Management Review 43(4)). Lead customers cost more than they bring: value < 0, which in
  practice needs a ``cost`` (a margin alone keeps non-negative revenue non-negative). The
  paper gives no fixed shares; the defaults (platinum the top 5 %, gold the next 15 %, iron
  every other customer with value >= 0) put the top 20 % of the 80/20 rule in platinum +
  gold.

Tiers are assigned by rank (``by="customers"``: a customer is in a tier when the share of
customers with strictly larger value is below the tier's cumulative limit) or by value
(``by="value"``: the share of the total value held by customers with strictly larger
value). Equal values always share a tier; a limit inside a tie block puts the whole block in
the higher tier.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ._deprecation import keyword_only_after, renamed, warn_deprecated
from ._dispatch import dask_path
from ._profit import customer_value
from ._shares import rank_before_share, value_before_share
from ._validation import Checks, categorical, check_aligned, check_choice, check_scalar

__all__ = [
    "PYRAMID_SCHEMES",
    "VALUE_CLASSES",
    "pyramid_tiers",
    "value_matrix",
]

PYRAMID_SCHEMES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "vip": ("vip", "major", "ordinary", "small", "potential"),
        "metals": ("platinum", "gold", "iron", "lead"),
    }
)
"""Tier codes of each scheme of :func:`pyramid_tiers`, best first."""

_DEFAULT_SHARES = {"vip": (0.01, 0.04, 0.15), "metals": (0.05, 0.15)}

# scheme names of 0.1, accepted with a FutureWarning until 0.4
_OLD_SCHEMES = {"seeds": "vip", "zrl": "metals"}

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


def _scheme(scheme: Any) -> str:
    """Return the scheme name of today, warning for the names of 0.1."""
    if isinstance(scheme, str) and scheme in _OLD_SCHEMES:
        new = _OLD_SCHEMES[scheme]
        warn_deprecated(
            f"pyramid_tiers: the scheme is called {new!r} since 0.2; write scheme={new!r} "
            "instead (the old name will be removed in 0.4)"
        )
        return new
    return str(check_choice("scheme", scheme, tuple(PYRAMID_SCHEMES)))


@renamed(cost_to_serve="cost", since="0.2")
@dask_path("pyramid_tiers")
def pyramid_tiers(
    values: pd.Series | pd.DataFrame,
    *,
    scheme: str = "vip",
    shares: tuple[float, ...] | None = None,
    by: str = "customers",
    prospects: Any = None,
    margin: float | pd.Series | None = None,
    cost: float | pd.Series | None = None,
    negative: str = "raise",
) -> pd.Series:
    """Customer-pyramid tier of every customer.

    Parameters
    ----------
    values : pandas.Series or pandas.DataFrame
        Value per customer (index = customer id), or a customer table (``total_spend``).
    scheme : {"vip", "metals"}
        ``"vip"``: VIP / major / ordinary / small (+ potential for prospects).
        ``"metals"``: platinum / gold / iron / lead (Zeithaml, Rust & Lemon 2001).
    shares : tuple of float, optional
        Size of each tier above the last ranked one, best first: three shares for
        ``"vip"`` (VIP, major, ordinary; small is the rest), two for ``"metals"``
        (platinum, gold; iron is the rest). Shares of customers (``by="customers"``) or of
        the total value (``by="value"``); they must sum to at most 1. Defaults
        (``by="customers"`` only): vip (0.01, 0.04, 0.15), metals (0.05, 0.15); see the
        module notes for their sources. ``by="value"`` has no published default and needs
        ``shares``.
    by : {"customers", "value"}
        Whether shares count customers or value.
    prospects : array-like, optional
        Ids of prospects without purchases (``"vip"`` scheme only): added to the result as
        ``"potential"``. They must not appear in ``values``.
    margin : float or pandas.Series, optional
        Profit per unit of revenue, ``0 < margin <= 1``: one for everyone, or per customer.
        A per-customer Series must cover exactly the customers of the values; the value
        becomes profit.
    cost : float or pandas.Series, optional
        Money per customer (``>= 0``), in total over the same window as the values.
        One amount for everyone, or a Series on exactly the same customers; subtracted
        after the margin.
    negative : {"raise", "lowest"}
        ``"vip"`` scheme: customers with negative value raise, or go to the lowest ranked
        tier (``"small"``) and are left out of the share computation. In the ``"metals"``
        scheme negative values define ``"lead"`` and this option is not used.

    Returns
    -------
    pandas.Series
        Ordered categorical ``pyramid_tier`` (categories best first, all present) on the
        customer index, prospects appended.

    Notes
    -----
    The scheme names of 0.1 still work until 0.4, with a FutureWarning naming the new one.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import pyramid_tiers
    >>> v = pd.Series([500.0, 90.0, 40.0, 10.0, 5.0], index=list("abcde"))
    >>> pyramid_tiers(v, shares=(0.2, 0.2, 0.2), prospects=["p"]).tolist()
    ['vip', 'major', 'ordinary', 'small', 'small', 'potential']
    >>> pyramid_tiers(v, scheme="metals", cost=20.0, shares=(0.2, 0.2)).tolist()
    ['platinum', 'gold', 'iron', 'lead', 'lead']
    """
    scheme = _scheme(scheme)
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
    if prospects is not None and scheme != "vip":
        raise ValueError("prospects (the 'potential' tier) belong to the 'vip' scheme only")

    value = customer_value(values, margin=margin, cost=cost, what="pyramid_tiers")
    v = value.to_numpy()
    neg = v < 0
    checks = Checks("pyramid_tiers", ids=value.index)
    if scheme == "vip" and negative == "raise":
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
        codes[neg] = lowest + 1 if scheme == "metals" else lowest
    categories = list(PYRAMID_SCHEMES[scheme])
    index = value.index
    if pros_index is not None and len(pros_index):
        codes = np.concatenate([codes, np.full(len(pros_index), 4, dtype="int8")])
        index = index.append(pros_index)
    return categorical(codes, categories, index, "pyramid_tier")


@renamed(cost_to_serve="cost", since="0.2")
@keyword_only_after(2, "cost", since="0.2")
@dask_path("value_matrix")
def value_matrix(
    current_value: pd.Series | pd.DataFrame,
    future_value: pd.Series,
    *,
    cost: float | pd.Series | None = None,
    current_top: float = 0.2,
    future_top: float = 0.2,
    current_threshold: float | None = None,
    future_threshold: float | None = None,
) -> pd.Series:
    """Value class: most valuable, most growable, maintain, below zero.

    The value classes of Chinese CRM practice (贵宾型 / 改进型 / 维持型 / 放弃型; Peppers &
    Rogers' MVC, MGC and BZ). With ``profit = current_value - cost`` (``cost`` 0 when not
    given), rules in this order, first match wins:

    1. ``most_valuable``: profit >= 0 and high current profit;
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
    current_value : pandas.Series or pandas.DataFrame
        Current (historical) value per customer, e.g. total spend or profit to date (or a
        customer table: its ``total_spend``).
    future_value : pandas.Series
        Future value per customer on exactly the same customers (any order), e.g. from a
        CLV model; used as given (this module never imports the CLV models).
    cost : float or pandas.Series, optional
        Money per customer (``>= 0``), in total over the same window as the values.
        One amount for everyone, or a Series on exactly the same customers;
        subtracted from ``current_value``.
    current_top : float, default 0.2
        Share of customers whose current profit counts as high, in (0, 1].
    future_top : float, default 0.2
        Share of customers whose future value counts as high, in (0, 1].
    current_threshold : float, optional
        Absolute threshold on the current profit, replacing ``current_top``.
    future_threshold : float, optional
        Absolute threshold on the future value, replacing ``future_top``.

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
    >>> value_matrix(cur, fut, cost=cost, current_top=0.2, future_top=0.4).tolist()
    ['most_valuable', 'most_growable', 'maintain', 'maintain', 'below_zero']
    """
    ct = check_scalar("current_top", current_top, minimum=0.0, strict=True, maximum=1.0)
    ft = check_scalar("future_top", future_top, minimum=0.0, strict=True, maximum=1.0)
    cthr = (
        None if current_threshold is None else check_scalar("current_threshold", current_threshold)
    )
    fthr = None if future_threshold is None else check_scalar("future_threshold", future_threshold)
    cur = customer_value(current_value, cost=cost, what="value_matrix: current_value")
    checks = Checks("value_matrix", ids=cur.index)
    f = check_aligned(future_value, cur.index, "future_value", checks)
    checks.raise_if_failed()
    assert f is not None  # None only with a recorded failure
    p = cur.to_numpy()
    high_cur = p >= cthr if cthr is not None else rank_before_share(p) < ct
    high_fut = f >= fthr if fthr is not None else rank_before_share(f) < ft
    codes = np.full(p.size, 2, dtype="int8")
    codes[(p < 0) & ~high_fut] = 3
    codes[high_fut] = 1
    codes[(p >= 0) & high_cur] = 0
    return categorical(codes, VALUE_CLASSES, cur.index, "value_class")
