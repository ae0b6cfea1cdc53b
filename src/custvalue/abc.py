"""Who brings the value: concentration (Lorenz / Pareto) curve, Gini, ABC classes.

Value is revenue by default and profit when ``margin`` or ``cost_to_serve`` is given
(``value = revenue * margin - cost_to_serve``, see :func:`custvalue._profit.customer_value`).

Policy for zero and negative values
-----------------------------------
* Zero values are valid: they count as customers (effort) that bring no value.
* Negative values (possible in profit mode) make shares of the total meaningless. The
  concentration measures (:func:`concentration_curve`, :func:`gini`, :func:`pareto_share`)
  raise on them; :func:`abc_classes` raises by default (``negative="raise"``) or, with
  ``negative="class_c"``, puts every loss-making customer in class C and computes the
  classes of the others on the non-negative values alone.
* The total value (of the customers used) must be positive.

Ties
----
Equal values always get the same class. A class limit that falls inside a block of equal
values puts the whole block in the higher class.

Scaling every value by the same positive constant changes no class. This holds exactly for
integer amounts scaled by integers (dollars to cents) and for powers of two; for other
constants a cumulative share that lands exactly on a cutoff can round either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._profit import customer_value
from ._shares import value_before_share
from ._validation import Checks, categorical, check_choice, check_scalar

__all__ = [
    "ABC_CLASSES",
    "ComputedABC",
    "abc_classes",
    "computed_abc",
    "concentration_curve",
    "gini",
    "pareto_share",
]

ABC_CLASSES: tuple[str, ...] = ("A", "B", "C")
"""Category codes of :func:`abc_classes`, best first."""


def _values(
    values: Any,
    margin: float | pd.Series | None,
    cost_to_serve: pd.Series | None,
    what: str,
    *,
    allow_negative: bool = False,
) -> pd.Series:
    value = customer_value(values, margin=margin, cost=cost_to_serve, what=what)
    v = value.to_numpy()
    checks = Checks(what, ids=value.index)
    if not allow_negative:
        checks.rows(
            v < 0,
            "values",
            "negative values (pass only non-negative values, or use "
            "abc_classes(..., negative='class_c'))",
        )
        if not checks.failed and not v.sum() > 0:
            checks.add("values", "total value is not positive", len(v))
    checks.raise_if_failed()
    return value


def concentration_curve(
    values: Any,
    *,
    margin: float | pd.Series | None = None,
    cost_to_serve: pd.Series | None = None,
) -> pd.DataFrame:
    """Concentration (Lorenz / Pareto / ABC) curve: share of customers vs share of value.

    Customers are sorted by value, largest first; row ``k`` gives the share of customers
    in the top ``k`` and the share of the total value they bring. The first row is the
    origin (0, 0). Within a block of equal values the curve is a straight line, so the
    order inside a tie block does not matter.

    Parameters
    ----------
    values : pandas.Series or pandas.DataFrame
        Value per customer (index = customer id), or a customer table (``total_spend``).
        Must be non-negative with a positive total.
    margin : float or pandas.Series, optional
        Profit margin (rate or per-customer Series); value becomes profit.
    cost_to_serve : pandas.Series, optional
        Per-customer cost of service, subtracted from the value.

    Returns
    -------
    pandas.DataFrame
        ``n + 1`` rows, columns ``customer_share`` and ``value_share`` (both from 0 to 1).

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.abc import concentration_curve
    >>> concentration_curve(pd.Series([1.0, 3.0, 6.0, 0.0], index=list("abcd")))
       customer_share  value_share
    0            0.00          0.0
    1            0.25          0.6
    2            0.50          0.9
    3            0.75          1.0
    4            1.00          1.0
    """
    value = _values(values, margin, cost_to_serve, "concentration_curve")
    return _curve(value.to_numpy())


def _curve(v: np.ndarray) -> pd.DataFrame:
    n = v.size
    s = np.sort(v)[::-1]
    # cumulative sums of non-negative values never decrease, so dividing by the last one
    # keeps every share <= 1 (s.sum() may round differently and exceed it)
    csum = np.cumsum(s)
    y = np.concatenate(([0.0], csum / csum[-1]))
    x = np.arange(n + 1, dtype="float64") / n
    return pd.DataFrame({"customer_share": x, "value_share": y})


def gini(
    values: Any,
    *,
    margin: float | pd.Series | None = None,
    cost_to_serve: pd.Series | None = None,
) -> float:
    """Gini coefficient of the value distribution (0 = everyone equal).

    ``G = 2 * sum_i i * v_(i) / (n * sum v) - (n + 1) / n`` with values sorted ascending
    (``i = 1..n``); for ``n`` customers it lies in ``[0, (n - 1) / n]``, the maximum when
    a single customer brings all the value.

    Parameters
    ----------
    values : pandas.Series or pandas.DataFrame
        Non-negative value per customer with a positive total (or a customer table).
    margin, cost_to_serve : optional
        As in :func:`concentration_curve`.

    Returns
    -------
    float

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.abc import gini
    >>> gini(pd.Series([1.0, 1.0, 1.0, 1.0]))
    0.0
    >>> gini(pd.Series([0.0, 0.0, 0.0, 8.0]))
    0.75
    """
    v = np.sort(_values(values, margin, cost_to_serve, "gini").to_numpy())
    n = v.size
    i = np.arange(1, n + 1, dtype="float64")
    g = 2.0 * float(np.dot(i, v)) / (n * float(v.sum())) - (n + 1.0) / n
    return float(max(g, 0.0))


def pareto_share(
    values: Any,
    top: float = 0.2,
    *,
    margin: float | pd.Series | None = None,
    cost_to_serve: pd.Series | None = None,
) -> float:
    """Share of the total value brought by the top ``top`` fraction of customers.

    Read off the concentration curve by linear interpolation, so a fraction that falls
    between two customers (or inside a tie block) is handled without arbitrary choices:
    the "80/20 rule" is ``pareto_share(values, 0.2) ~ 0.8``.

    Parameters
    ----------
    values : pandas.Series or pandas.DataFrame
        Non-negative value per customer with a positive total (or a customer table).
    top : float
        Fraction of customers, in [0, 1].
    margin, cost_to_serve : optional
        As in :func:`concentration_curve`.

    Returns
    -------
    float

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.abc import pareto_share
    >>> pareto_share(pd.Series([80.0, 5.0, 5.0, 5.0, 5.0]), top=0.2)
    0.8
    """
    t = check_scalar("top", top, minimum=0.0, maximum=1.0)
    value = _values(values, margin, cost_to_serve, "pareto_share")
    curve = _curve(value.to_numpy())
    return float(np.interp(t, curve["customer_share"], curve["value_share"]))


@dataclass(frozen=True)
class ComputedABC:
    """Result of the computed ABC analysis (Ultsch & Lötsch 2015).

    Points are ``(customer_share, value_share)`` on the ABC curve.

    Attributes
    ----------
    pareto_point : tuple of float
        Curve point closest to (0, 1).
    break_even_point : tuple of float
        Curve point where the slope is 1 (customers above it have value >= the mean).
    submarginal_point : tuple of float
        Curve point closest to ``(x, 1)``, ``x`` the larger customer share of the two
        points above: the B/C limit.
    ab_point : tuple of float
        The A/B limit: whichever of the Pareto and break-even points has the smaller
        customer share.
    ab_exchanged : bool
        True when the A/B limit is the break-even point (not the Pareto point).
    a_min_value, b_min_value : float
        Value thresholds: class A is ``value >= a_min_value``, class B is
        ``b_min_value <= value < a_min_value``, class C the rest (among the customers used).
    """

    pareto_point: tuple[float, float]
    break_even_point: tuple[float, float]
    submarginal_point: tuple[float, float]
    ab_point: tuple[float, float]
    ab_exchanged: bool
    a_min_value: float
    b_min_value: float

    def as_dict(self) -> dict[str, Any]:
        """Plain dict of the fields (for ``Series.attrs`` and JSON)."""
        return {
            "pareto_point": self.pareto_point,
            "break_even_point": self.break_even_point,
            "submarginal_point": self.submarginal_point,
            "ab_point": self.ab_point,
            "ab_exchanged": self.ab_exchanged,
            "a_min_value": self.a_min_value,
            "b_min_value": self.b_min_value,
        }


def _computed_limits(v: np.ndarray) -> ComputedABC:
    """Computed ABC set limits on the (empirical) ABC curve of non-negative ``v``.

    Ultsch & Lötsch (2015), PLoS One 10(6) e0129767, section "Computed ABC analysis":
    the ABC curve plots effort (share of items, largest first) against yield (share of the
    total). The Pareto point is the curve point nearest (0, 1); the break-even point is
    where the slope dABC/dx equals 1; the A/B limit is the one of the two with the smaller
    effort; the submarginal point, nearest (B_x, 1) with B_x the effort of the other one,
    is the B/C limit. As in the paper and the R packages, the curve is drawn over the
    positive values only (zero values are class C). Here the curve is the empirical one (its
    points at k/n, no spline smoothing). On it the slope of the segment ending at item k is
    ``v_(k) / mean(v)``, so the break-even point is the last item with ``v >= mean``. Ties
    in the distances are resolved towards the smaller effort.
    """
    s = np.sort(v[v > 0])[::-1]
    n = s.size
    total = s.sum()
    x = np.arange(1, n + 1, dtype="float64") / n
    y = np.cumsum(s) / total
    y[-1] = 1.0
    i_pareto = int(np.argmin(x * x + (1.0 - y) ** 2))
    # slope of the segment ending at item k is s[k] * n / total; break-even: last item
    # whose segment slope is >= 1 (the curve is concave, slopes never increase)
    i_be = int(np.searchsorted(-s * n, -total, side="right")) - 1
    i_be = max(i_be, 0)
    exchanged = i_be < i_pareto
    i_ab = min(i_pareto, i_be)
    i_b = max(i_pareto, i_be)
    i_sub = int(np.argmin((x - x[i_b]) ** 2 + (1.0 - y) ** 2))
    i_sub = max(i_sub, i_ab)
    return ComputedABC(
        pareto_point=(float(x[i_pareto]), float(y[i_pareto])),
        break_even_point=(float(x[i_be]), float(y[i_be])),
        submarginal_point=(float(x[i_sub]), float(y[i_sub])),
        ab_point=(float(x[i_ab]), float(y[i_ab])),
        ab_exchanged=bool(exchanged),
        a_min_value=float(s[i_ab]),
        b_min_value=float(s[i_sub]),
    )


def computed_abc(
    values: Any,
    *,
    margin: float | pd.Series | None = None,
    cost_to_serve: pd.Series | None = None,
) -> ComputedABC:
    """Set limits of the computed ABC analysis (Ultsch & Lötsch 2015).

    Parameters
    ----------
    values : pandas.Series or pandas.DataFrame
        Non-negative value per customer with a positive total (or a customer table).
    margin, cost_to_serve : optional
        As in :func:`concentration_curve`.

    Returns
    -------
    ComputedABC
        The Pareto, break-even and submarginal points and the value thresholds of A and B.

    Notes
    -----
    Ultsch A, Lötsch J (2015) Computed ABC Analysis for Rational Selection of Most
    Informative Variables in Multivariate Data. PLoS One 10(6): e0129767. The curve is
    drawn over the customers with positive value (customers with zero value are class C).
    The limits are computed on the empirical curve (points ``k / n``); the R packages
    ABCanalysis and cABCanalysis interpolate the curve with a spline first, so limits can
    differ slightly on small samples. A tie block that a limit cuts goes entirely to the
    higher class here (cABCanalysis gives it to the class holding most of its members).

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.abc import computed_abc
    >>> res = computed_abc(pd.Series([50.0, 24.0, 10.0, 5.0, 4.0, 3.0, 1.0, 1.0, 1.0, 1.0]))
    >>> res.pareto_point, res.break_even_point, res.submarginal_point
    ((0.2, 0.74), (0.3, 0.84), (0.4, 0.89))
    >>> res.a_min_value, res.b_min_value
    (24.0, 5.0)
    """
    value = _values(values, margin, cost_to_serve, "computed_abc")
    return _computed_limits(value.to_numpy())


def abc_classes(
    values: Any,
    method: str = "fixed",
    cutoffs: tuple[float, float] = (0.8, 0.95),
    *,
    margin: float | pd.Series | None = None,
    cost_to_serve: pd.Series | None = None,
    negative: str = "raise",
) -> pd.Series:
    """ABC class of every customer by cumulative value share.

    Customers are sorted by value, largest first. With ``method="fixed"``, class A is the
    smallest set of top customers whose cumulative value share reaches ``cutoffs[0]``
    (a customer is in A when the customers with strictly larger value hold less than
    ``cutoffs[0]`` of the total), class B likewise up to ``cutoffs[1]``, class C the rest.
    With ``method="computed"`` the limits come from the computed ABC analysis
    (:func:`computed_abc`: A/B at the Pareto or break-even point, B/C at the submarginal
    point, over the customers with positive value; zero values are class C) and are
    stored in ``result.attrs["abc"]``.

    Equal values always get the same class: a limit falling inside a tie block puts the
    whole block in the higher class.

    Parameters
    ----------
    values : pandas.Series or pandas.DataFrame
        Value per customer (index = customer id), or a customer table (``total_spend``).
    method : {"fixed", "computed"}
        Fixed cumulative-share cutoffs, or the computed ABC analysis.
    cutoffs : tuple of float
        Cumulative value shares ending A and B (``0 < a <= b <= 1``); ``method="fixed"`` only.
        The default 80 % / 95 % is the usual inventory ABC convention (80/20 rule).
    margin : float or pandas.Series, optional
        Profit margin (rate or per-customer); value becomes profit.
    cost_to_serve : pandas.Series, optional
        Per-customer cost of service, subtracted from the value.
    negative : {"raise", "class_c"}
        Customers with negative value: raise, or put them in class C and classify the
        others on their own values.

    Returns
    -------
    pandas.Series
        Ordered categorical ``abc_class`` with categories ``A``, ``B``, ``C`` (best first),
        on the customer index in input order. ``attrs["abc"]`` records the method, the
        limits and the value thresholds.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import abc_classes
    >>> v = pd.Series([60.0, 20.0, 10.0, 5.0, 3.0, 2.0], index=list("abcdef"))
    >>> abc_classes(v).tolist()
    ['A', 'A', 'B', 'B', 'C', 'C']
    >>> abc_classes(v, method="computed").tolist()
    ['A', 'A', 'B', 'C', 'C', 'C']
    """
    check_choice("method", method, ("fixed", "computed"))
    check_choice("negative", negative, ("raise", "class_c"))
    if method == "fixed":
        if not isinstance(cutoffs, tuple | list) or len(cutoffs) != 2:
            raise ValueError(f"cutoffs must be a pair (a, b), got {cutoffs!r}")
        ca = check_scalar("cutoffs[0]", cutoffs[0], minimum=0.0, strict=True, maximum=1.0)
        cb = check_scalar("cutoffs[1]", cutoffs[1], minimum=0.0, strict=True, maximum=1.0)
        if cb < ca:
            raise ValueError(f"cutoffs must be increasing, got {cutoffs!r}")
    value = _values(
        values, margin, cost_to_serve, "abc_classes", allow_negative=negative == "class_c"
    )
    v = value.to_numpy()
    neg = v < 0  # only possible with negative="class_c"; "raise" was enforced above
    used = v[~neg] if neg.any() else v
    checks = Checks("abc_classes", ids=value.index)
    if used.size == 0 or not used.sum() > 0:
        checks.add("values", "total non-negative value is not positive", int(used.size))
    checks.raise_if_failed()

    info: dict[str, Any] = {"method": method, "n_negative": int(neg.sum())}
    if method == "fixed":
        s = np.sort(used)[::-1]
        before = value_before_share(s)
        # minimum value in each class = the smallest value whose "before" share is below
        # the cutoff; classes are then read from value thresholds (ties stay together)
        a_min = float(s[before < ca].min())
        in_b = before < cb
        b_min = float(s[in_b].min()) if in_b.any() else a_min
        info.update({"cutoffs": (ca, cb), "a_min_value": a_min, "b_min_value": b_min})
    else:
        res = _computed_limits(used)
        a_min, b_min = res.a_min_value, res.b_min_value
        info.update(res.as_dict())
    codes = np.where(v >= a_min, 0, np.where(v >= b_min, 1, 2)).astype("int8")
    codes[neg] = 2
    out = categorical(codes, ABC_CLASSES, value.index, "abc_class")
    out.attrs["abc"] = info
    return out
