"""Who brings the value: concentration (Lorenz / Pareto) curve, Gini, ABC classes.

Value is revenue by default and profit when ``margin`` or ``cost`` is given:
``value = revenue * margin - cost``, with ``margin`` a rate in (0, 1] and ``cost`` money
per customer in total over the same window as the revenue (one number for everyone or a
Series on the same customers).

Policy for zero and negative values
-----------------------------------
* Zero values are valid: they count as customers (effort) that bring no value.
* Negative values (possible in profit mode) make shares of the total meaningless. The
  concentration measures (:func:`concentration_curve`, :func:`gini`, :func:`pareto_share`)
  raise on them; :func:`abc_classes` and :func:`abc_limits` raise by default
  (``negative="raise"``) or, with ``negative="class_c"``, put every loss-making customer
  in class C and compute the limits on the non-negative values alone.
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

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._deprecation import keyword_only_after, renamed, warn_deprecated
from ._dispatch import dask_path
from ._profit import customer_value
from ._shares import computed_points, value_before_share
from ._validation import Checks, categorical, check_choice, check_scalar

__all__ = [
    "ABC_CLASSES",
    "ABCLimits",
    "abc_classes",
    "abc_limits",
    "concentration_curve",
    "gini",
    "pareto_share",
]

ABC_CLASSES: tuple[str, ...] = ("A", "B", "C")
"""Category codes of :func:`abc_classes`, best first."""

Point = tuple[float, float]


def _values(
    values: pd.Series | pd.DataFrame,
    margin: float | pd.Series | None,
    cost: float | pd.Series | None,
    what: str,
    *,
    allow_negative: bool = False,
) -> pd.Series:
    value = customer_value(values, margin=margin, cost=cost, what=what)
    v = value.to_numpy()
    checks = Checks(what, ids=value.index)
    if not allow_negative:
        checks.rows(
            v < 0,
            "values",
            "negative values: shares of a total are undefined with losses; pass the "
            "non-negative values only (for ABC classes, abc_classes(..., "
            "negative='class_c') puts loss-making customers in class C)",
        )
        if not checks.failed and not v.sum() > 0:
            checks.add("values", "total value is not positive", len(v))
    checks.raise_if_failed()
    return value


@renamed(cost_to_serve="cost", since="0.2")
@dask_path("concentration_curve")
def concentration_curve(
    values: pd.Series | pd.DataFrame,
    *,
    margin: float | pd.Series | None = None,
    cost: float | pd.Series | None = None,
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
        Profit per unit of revenue, ``0 < margin <= 1``: one for everyone, or per customer.
        A per-customer Series must cover exactly the customers of the values; the value
        becomes profit.
    cost : float or pandas.Series, optional
        Money per customer (``>= 0``), in total over the same window as the values.
        One amount for everyone, or a Series on exactly the same customers; subtracted
        after the margin.

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
    value = _values(values, margin, cost, "concentration_curve")
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


@renamed(cost_to_serve="cost", since="0.2")
@dask_path("gini")
def gini(
    values: pd.Series | pd.DataFrame,
    *,
    margin: float | pd.Series | None = None,
    cost: float | pd.Series | None = None,
) -> float:
    """Gini coefficient of the value distribution (0 = everyone equal).

    ``G = 2 * sum_i i * v_(i) / (n * sum v) - (n + 1) / n`` with values sorted ascending
    (``i = 1..n``); for ``n`` customers it lies in ``[0, (n - 1) / n]``, the maximum when
    a single customer brings all the value.

    Parameters
    ----------
    values : pandas.Series or pandas.DataFrame
        Value per customer (index = customer id), or a customer table (``total_spend``).
        Must be non-negative with a positive total.
    margin : float or pandas.Series, optional
        Profit per unit of revenue, ``0 < margin <= 1``: one for everyone, or per customer.
        A per-customer Series must cover exactly the customers of the values; the value
        becomes profit.
    cost : float or pandas.Series, optional
        Money per customer (``>= 0``), in total over the same window as the values.
        One amount for everyone, or a Series on exactly the same customers; subtracted
        after the margin.

    Returns
    -------
    float
        The Gini coefficient.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.abc import gini
    >>> gini(pd.Series([1.0, 1.0, 1.0, 1.0]))
    0.0
    >>> gini(pd.Series([0.0, 0.0, 0.0, 8.0]))
    0.75
    """
    v = np.sort(_values(values, margin, cost, "gini").to_numpy())
    n = v.size
    i = np.arange(1, n + 1, dtype="float64")
    g = 2.0 * float(np.dot(i, v)) / (n * float(v.sum())) - (n + 1.0) / n
    return float(max(g, 0.0))


@renamed(cost_to_serve="cost", since="0.2")
@keyword_only_after(1, "top", since="0.2")
@dask_path("pareto_share")
def pareto_share(
    values: pd.Series | pd.DataFrame,
    *,
    top: float = 0.2,
    margin: float | pd.Series | None = None,
    cost: float | pd.Series | None = None,
) -> float:
    """Share of the total value brought by the top ``top`` fraction of customers.

    Read off the concentration curve by linear interpolation, so a fraction that falls
    between two customers (or inside a tie block) is handled without arbitrary choices:
    the "80/20 rule" is ``pareto_share(values, top=0.2) ~ 0.8``.

    Parameters
    ----------
    values : pandas.Series or pandas.DataFrame
        Value per customer (index = customer id), or a customer table (``total_spend``).
        Must be non-negative with a positive total.
    top : float, default 0.2
        Fraction of customers, in [0, 1].
    margin : float or pandas.Series, optional
        Profit per unit of revenue, ``0 < margin <= 1``: one for everyone, or per customer.
        A per-customer Series must cover exactly the customers of the values; the value
        becomes profit.
    cost : float or pandas.Series, optional
        Money per customer (``>= 0``), in total over the same window as the values.
        One amount for everyone, or a Series on exactly the same customers; subtracted
        after the margin.

    Returns
    -------
    float
        Share of the total value, in [0, 1].

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.abc import pareto_share
    >>> pareto_share(pd.Series([80.0, 5.0, 5.0, 5.0, 5.0]), top=0.2)
    0.8
    """
    t = check_scalar("top", top, minimum=0.0, maximum=1.0)
    value = _values(values, margin, cost, "pareto_share")
    curve = _curve(value.to_numpy())
    return float(np.interp(t, curve["customer_share"], curve["value_share"]))


@dataclass(frozen=True)
class ABCLimits:
    """Limits of the ABC classes, as :func:`abc_limits` computes them.

    Class A is ``value >= a_min_value``, class B ``b_min_value <= value < a_min_value``
    and class C the rest, among the customers used (with ``negative="class_c"``, every
    customer with negative value is class C and left out of the limits). Points are
    ``(customer_share, value_share)``.

    Attributes
    ----------
    method : {"fixed", "computed"}
        How the limits were found.
    a_min_value : float
        Smallest value in class A.
    b_min_value : float
        Smallest value in class B (equal to ``a_min_value`` when B is empty).
    a_limit : tuple of float
        Where class A ends on the concentration curve of the customers used (the curve of
        :func:`concentration_curve`): the share of customers in A and the share of the
        value they bring.
    b_limit : tuple of float
        Where class B ends on the same curve (classes A and B together).
    n_negative : int
        Customers with negative value put in class C (``negative="class_c"``).
    cutoffs : tuple of float or None
        ``method="fixed"``: the cumulative value shares that end A and B.
    pareto_point : tuple of float or None
        ``method="computed"``: point of the ABC curve closest to (0, 1).
    break_even_point : tuple of float or None
        ``method="computed"``: point where the slope of the ABC curve is 1 (the customers
        up to it have value >= the mean).
    submarginal_point : tuple of float or None
        ``method="computed"``: point closest to ``(x, 1)``, ``x`` the larger customer
        share of the two points above: the B/C limit.
    ab_point : tuple of float or None
        ``method="computed"``: the A/B limit, whichever of the Pareto and break-even
        points has the smaller customer share.
    ab_exchanged : bool or None
        ``method="computed"``: True when the A/B limit is the break-even point.

    Notes
    -----
    The points of the computed analysis lie on the ABC curve of Ultsch & Lötsch (2015),
    drawn over the customers with *positive* value only; ``a_limit`` and ``b_limit`` lie on
    the concentration curve of every customer used (zero values included), so they are the
    points to draw on :func:`concentration_curve`. Without zero values both curves are the
    same and ``a_limit == ab_point``.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.abc import abc_limits
    >>> limits = abc_limits(pd.Series([60.0, 20.0, 10.0, 5.0, 3.0, 2.0]), method="computed")
    >>> limits.a_min_value, limits.b_min_value
    (20.0, 10.0)
    >>> limits.a_limit, limits.b_limit
    ((0.3333333333333333, 0.8), (0.5, 0.9))
    """

    method: str
    a_min_value: float
    b_min_value: float
    a_limit: Point
    b_limit: Point
    n_negative: int
    cutoffs: Point | None = None
    pareto_point: Point | None = None
    break_even_point: Point | None = None
    submarginal_point: Point | None = None
    ab_point: Point | None = None
    ab_exchanged: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain dict of the fields (for JSON).

        Returns
        -------
        dict
            Field name -> value, points as tuples.

        Examples
        --------
        >>> import pandas as pd
        >>> from custvalue.abc import abc_limits
        >>> abc_limits(pd.Series([60.0, 20.0, 10.0, 5.0, 3.0, 2.0])).as_dict()["b_limit"]
        (0.6666666666666666, 0.95)
        """
        return dataclasses.asdict(self)


def _limits(
    values: pd.Series | pd.DataFrame,
    method: str,
    cutoffs: Any,
    margin: float | pd.Series | None,
    cost: float | pd.Series | None,
    negative: str,
    what: str,
) -> tuple[pd.Series, np.ndarray, ABCLimits]:
    """Validate the arguments; return the values, the negative mask and the limits."""
    check_choice("method", method, ("fixed", "computed"))
    check_choice("negative", negative, ("raise", "class_c"))
    ca = cb = 0.0
    if method == "fixed":
        if not isinstance(cutoffs, tuple | list) or len(cutoffs) != 2:
            raise ValueError(f"cutoffs must be a pair (a, b), got {cutoffs!r}")
        ca = check_scalar("cutoffs[0]", cutoffs[0], minimum=0.0, strict=True, maximum=1.0)
        cb = check_scalar("cutoffs[1]", cutoffs[1], minimum=0.0, strict=True, maximum=1.0)
        if cb < ca:
            raise ValueError(f"cutoffs must be increasing, got {cutoffs!r}")
    value = _values(values, margin, cost, what, allow_negative=negative == "class_c")
    v = value.to_numpy()
    neg = v < 0  # only possible with negative="class_c"; "raise" was enforced above
    used = v[~neg] if neg.any() else v
    checks = Checks(what, ids=value.index)
    if used.size == 0 or not used.sum() > 0:
        checks.add("values", "total non-negative value is not positive", int(used.size))
    checks.raise_if_failed()

    s = np.sort(used)[::-1]
    fields: dict[str, Any]
    if method == "fixed":
        before = value_before_share(s)
        # minimum value in each class = the smallest value whose "before" share is below
        # the cutoff; classes are then read from value thresholds (ties stay together)
        a_min = float(s[before < ca].min())
        in_b = before < cb
        b_min = float(s[in_b].min()) if in_b.any() else a_min
        fields = {"a_min_value": a_min, "b_min_value": b_min, "cutoffs": (ca, cb)}
    else:
        fields = computed_points(s)
    # where A and B end on the concentration curve of the customers used (its vertices)
    csum = np.cumsum(s)
    n = s.size
    k_a = int(np.count_nonzero(s >= fields["a_min_value"]))
    k_b = int(np.count_nonzero(s >= fields["b_min_value"]))
    limits = ABCLimits(
        method=method,
        a_limit=(k_a / n, float(csum[k_a - 1] / csum[-1])),
        b_limit=(k_b / n, float(csum[k_b - 1] / csum[-1])),
        n_negative=int(neg.sum()),
        **fields,
    )
    return value, neg, limits


@renamed(cost_to_serve="cost", since="0.2")
@dask_path("abc_limits")
def abc_limits(
    values: pd.Series | pd.DataFrame,
    *,
    method: str = "fixed",
    cutoffs: tuple[float, float] = (0.8, 0.95),
    margin: float | pd.Series | None = None,
    cost: float | pd.Series | None = None,
    negative: str = "raise",
) -> ABCLimits:
    """Limits of the ABC classes: value thresholds and where they fall on the curve.

    The limits :func:`abc_classes` applies, for the same arguments: to report them, to
    draw them on the concentration curve, or to class new customers by value.

    Parameters
    ----------
    values : pandas.Series or pandas.DataFrame
        Value per customer (index = customer id), or a customer table (``total_spend``).
    method : {"fixed", "computed"}
        Fixed cumulative-share cutoffs, or the computed ABC analysis (Ultsch & Lötsch 2015).
    cutoffs : tuple of float, default (0.8, 0.95)
        Cumulative value shares ending A and B (``0 < a <= b <= 1``); ``method="fixed"``
        only.
    margin : float or pandas.Series, optional
        Profit per unit of revenue, ``0 < margin <= 1``: one for everyone, or per customer.
        A per-customer Series must cover exactly the customers of the values; the value
        becomes profit.
    cost : float or pandas.Series, optional
        Money per customer (``>= 0``), in total over the same window as the values.
        One amount for everyone, or a Series on exactly the same customers; subtracted
        after the margin.
    negative : {"raise", "class_c"}
        Customers with negative value: raise, or put them in class C and compute the
        limits on the others.

    Returns
    -------
    ABCLimits
        The value thresholds of A and B, where A and B end on the concentration curve
        and, for the computed analysis, its Pareto, break-even and submarginal points.

    See Also
    --------
    abc_classes : The class of every customer under these limits.

    Notes
    -----
    Ultsch A, Lötsch J (2015) Computed ABC Analysis for Rational Selection of Most
    Informative Variables in Multivariate Data. PLoS One 10(6): e0129767. The computed
    limits are found on the ABC curve of the customers with positive value (customers with
    zero value are class C), on the empirical curve (points ``k / n``); the R packages
    ABCanalysis and cABCanalysis interpolate the curve with a spline first, so limits can
    differ slightly on small samples. A tie block that a limit cuts goes entirely to the
    higher class here (cABCanalysis gives it to the class holding most of its members).

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.abc import abc_limits
    >>> v = pd.Series([50.0, 24.0, 10.0, 5.0, 4.0, 3.0, 1.0, 1.0, 1.0, 1.0])
    >>> res = abc_limits(v, method="computed")
    >>> res.pareto_point, res.break_even_point, res.submarginal_point
    ((0.2, 0.74), (0.3, 0.84), (0.4, 0.89))
    >>> res.a_min_value, res.b_min_value
    (24.0, 5.0)
    >>> fixed = abc_limits(v)
    >>> fixed.a_min_value, fixed.a_limit
    (10.0, (0.3, 0.84))
    """
    return _limits(values, method, cutoffs, margin, cost, negative, "abc_limits")[2]


@renamed(cost_to_serve="cost", since="0.2")
@keyword_only_after(1, "method", "cutoffs", since="0.2")
@dask_path("abc_classes")
def abc_classes(
    values: pd.Series | pd.DataFrame,
    *,
    method: str = "fixed",
    cutoffs: tuple[float, float] = (0.8, 0.95),
    margin: float | pd.Series | None = None,
    cost: float | pd.Series | None = None,
    negative: str = "raise",
) -> pd.Series:
    """ABC class of every customer by cumulative value share.

    Customers are sorted by value, largest first. With ``method="fixed"``, class A is the
    smallest set of top customers whose cumulative value share reaches ``cutoffs[0]``
    (a customer is in A when the customers with strictly larger value hold less than
    ``cutoffs[0]`` of the total), class B likewise up to ``cutoffs[1]``, class C the rest.
    With ``method="computed"`` the limits come from the computed ABC analysis (A/B at the
    Pareto or break-even point, B/C at the submarginal point, over the customers with
    positive value; zero values are class C). :func:`abc_limits` returns the limits.

    Equal values always get the same class: a limit falling inside a tie block puts the
    whole block in the higher class.

    Parameters
    ----------
    values : pandas.Series or pandas.DataFrame
        Value per customer (index = customer id), or a customer table (``total_spend``).
    method : {"fixed", "computed"}
        Fixed cumulative-share cutoffs, or the computed ABC analysis.
    cutoffs : tuple of float, default (0.8, 0.95)
        Cumulative value shares ending A and B (``0 < a <= b <= 1``); ``method="fixed"``
        only. The default 80 % / 95 % is the usual inventory ABC convention (80/20 rule).
    margin : float or pandas.Series, optional
        Profit per unit of revenue, ``0 < margin <= 1``: one for everyone, or per customer.
        A per-customer Series must cover exactly the customers of the values; the value
        becomes profit.
    cost : float or pandas.Series, optional
        Money per customer (``>= 0``), in total over the same window as the values.
        One amount for everyone, or a Series on exactly the same customers; subtracted
        after the margin.
    negative : {"raise", "class_c"}
        Customers with negative value: raise, or put them in class C and classify the
        others on their own values.

    Returns
    -------
    pandas.Series
        Ordered categorical ``abc_class`` with categories ``A``, ``B``, ``C`` (best first),
        on the customer index in input order.

    See Also
    --------
    abc_limits : The limits behind the classes (thresholds, curve points).

    Notes
    -----
    Up to 0.1 the result carried its limits in ``result.attrs["abc"]``;
    ``abc_limits(values, ...)`` with the same arguments returns them (its ``as_dict()``
    has the same keys).

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
    value, neg, limits = _limits(values, method, cutoffs, margin, cost, negative, "abc_classes")
    v = value.to_numpy()
    a_min, b_min = limits.a_min_value, limits.b_min_value
    codes = np.where(v >= a_min, 0, np.where(v >= b_min, 1, 2)).astype("int8")
    codes[neg] = 2
    return categorical(codes, ABC_CLASSES, value.index, "abc_class")


def __getattr__(name: str) -> Any:
    # the 0.1 names of the computed analysis, kept until 0.4
    if name == "ComputedABC":
        warn_deprecated(
            "custvalue.abc.ComputedABC was renamed ABCLimits in 0.2 (it now holds fixed "
            "limits too); write ABCLimits instead (the old name will be removed in 0.4)"
        )
        return ABCLimits
    if name == "computed_abc":
        return _computed_abc
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _computed_abc(
    values: pd.Series | pd.DataFrame,
    *,
    margin: float | pd.Series | None = None,
    cost_to_serve: float | pd.Series | None = None,
) -> ABCLimits:
    """Set limits of the computed ABC analysis (deprecated: use ``abc_limits``).

    Parameters
    ----------
    values : pandas.Series or pandas.DataFrame
        Non-negative value per customer with a positive total (or a customer table).
    margin : float or pandas.Series, optional
        Profit per unit of revenue, ``0 < margin <= 1``.
    cost_to_serve : float or pandas.Series, optional
        Money per customer, in total over the same window as ``values``.

    Returns
    -------
    ABCLimits
        ``abc_limits(values, method="computed", margin=margin, cost=cost_to_serve)``.
    """
    warn_deprecated(
        "custvalue.abc.computed_abc is deprecated since 0.2; write "
        "abc_limits(values, method='computed') instead (computed_abc will be removed in 0.4)"
    )
    return _limits(values, "computed", None, margin, cost_to_serve, "raise", "computed_abc")[2]
