"""Full churn (客户流失) versus partial churn (客户业务流失) per customer.

Customers who stop buying everything are told apart from customers who still buy but have
dropped one or more product lines they used to buy (Buckinx & Van den Poel 2005, European
Journal of Operational Research 164(1), 252-268). The purchase rhythm is the one
:func:`custvalue.lifecycle_stages` measures, so a customer is churned here exactly when
``lifecycle_stages`` calls them churned.
"""

from __future__ import annotations

from typing import Any, Literal, Unpack, cast

import pandas as pd

from ._churn import STATUSES, churn_args, churn_frame, read_churn_history
from ._deprecation import warn_usage
from ._dispatch import dask_path
from ._read import ReadKeywords

__all__ = ["CHURN_STATUSES", "churn_status"]

CHURN_STATUSES: tuple[str, ...] = STATUSES
"""Churn status codes, in order (display labels in :mod:`custvalue.labels`)."""


@dask_path("churn_status", module="history")
def churn_status(
    transactions: pd.DataFrame,
    *,
    product_col: Any = "product",
    observation_end: Any = None,
    rhythm: Literal["median", "mean"] = "median",
    min_gaps: int = 2,
    population_gap: float | None = None,
    churn_factor: float = 3.0,
    window: float | None = None,
    min_line_purchases: int = 2,
    p_alive: pd.Series | None = None,
    alive_threshold: float = 0.5,
    return_report: Literal[False] = False,
    **options: Unpack[ReadKeywords],
) -> pd.DataFrame:
    """Full churn (客户流失) versus partial churn (客户业务流失) per customer.

    Customers who stop using every service (客户流失, full churn) are told apart from
    customers who give up one or two services but keep using others (客户业务流失, partial
    churn; see the domain guide); Buckinx & Van den Poel (2005, EJOR 164(1), 252-268)
    study the same partial defection of customers who stay active.

    **Rules.** Purchases in the same ``period`` count once, per customer and per
    product line.

    * ``churned``: the customer bought nothing for more than ``churn_factor`` times their
      rhythm (the rhythm rule of :func:`custvalue.lifecycle_stages`: median (or mean) own
      gap with at least ``min_gaps`` gaps, else the slower of own and population rhythm),
      exactly as ``lifecycle_stages`` calls a customer churned; or, with ``window``,
      nothing in the last ``window`` time units; or, with ``p_alive``,
      ``p_alive < alive_threshold``.
    * A product line counts as one the customer *used to buy* when they bought it on at
      least ``min_line_purchases`` distinct purchase periods (with ``window``: that many
      before the last ``window``). It is *dropped* when the time since they last bought it
      exceeds ``churn_factor`` times their own typical gap for that line (the median or
      mean of the gaps between their purchases of that line; the customer's rhythm when
      the line has no gap), or, with ``window``, when they did not buy it in the last
      ``window``.
    * ``partial_churn``: not churned and at least one dropped line.
    * ``active``: everybody else.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase, with a product-line column; read exactly as by
        :func:`custvalue.customer_table`.
    product_col : str, default "product"
        Product-line column (any hashable, sortable values; missing values raise, whatever
        ``missing`` says). Rows dropped by a policy do not count for their line.
    observation_end : date-like, optional
        As for :func:`custvalue.customer_table`.
    rhythm : {"median", "mean"}, default "median"
        How a customer's gaps between purchase periods are summarised into their typical
        gap (and a line's gaps into the line's): the median or the mean.
    min_gaps : int, default 2
        Own gaps needed before the customer's own rhythm is used as it is (with fewer,
        the slower of own and population rhythm).
    population_gap : float, optional
        Typical gap (in ``time_unit``) for customers with fewer than ``min_gaps`` gaps.
    churn_factor : float, default 3.0
        Churned when silent for more than ``churn_factor`` rhythms.
    window : float, optional
        Fixed recent window (in ``time_unit``) instead of the rhythm rules.
    min_line_purchases : int, default 2
        Purchase periods of a line needed before dropping it can count.
    p_alive : pandas.Series, optional
        P(alive) per customer (e.g. from a BG/NBD model), exactly the customers with a
        purchase, each once; decides full churn when given.
    alive_threshold : float, default 0.5
        Churned when ``p_alive`` is below it.
    return_report : bool, default False
        Deprecated since 0.2.0 (removed in 0.4.0): ``return_report=True`` warns and also
        returns the :class:`~custvalue.TableReport` of the rows.
        ``custvalue.customer_table(transactions, return_report=True, ...)`` with the same
        reading options reads the same rows and returns the same report.
    **options
        Transaction reading options, exactly as in :func:`custvalue.customer_table`
        (``amount_col`` only serves the amount policies: refunds and zero amounts are
        never purchases of a line unless kept).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``, exactly :func:`custvalue.customer_table`'s index (so
        ``table.join(status)`` lines up). Columns ``churn_status`` (ordered categorical,
        every status a category), ``dropped_lines`` (tuple of the dropped product lines,
        sorted (categorical lines in category order); empty unless partial churn;
        ``.explode()`` gives one row per line) and ``n_dropped_lines``.

    Raises
    ------
    DataValidationError
        The transactions break a reading rule (missing product lines always raise), or
        ``p_alive`` misses a customer, has a customer without purchases, repeats one, or
        holds values outside [0, 1].
    InsufficientDataError
        The rhythm rule is used, no customer has two purchase periods and no
        ``population_gap`` is given.
    ValueError
        An invalid argument.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import churn_status
    >>> start = pd.Timestamp("2024-01-01")
    >>> rows = [("a", d, "mobile") for d in range(0, 100, 10)]
    >>> rows += [("a", d, "tv") for d in range(0, 50, 10)]          # tv dropped at day 40
    >>> rows += [("b", d, "mobile") for d in range(0, 100, 10)]
    >>> rows += [("c", d, "mobile") for d in range(0, 30, 10)]      # silent since day 20
    >>> tx = pd.DataFrame([(c, start + pd.Timedelta(days=d), p) for c, d, p in rows],
    ...                   columns=["customer_id", "timestamp", "product"])
    >>> out = churn_status(tx)
    >>> out["churn_status"].tolist()
    ['partial_churn', 'active', 'churned']
    >>> out.loc["a", "dropped_lines"]
    ('tv',)
    """
    a = churn_args(
        product_col=product_col,
        observation_end=observation_end,
        rhythm=rhythm,
        min_gaps=min_gaps,
        population_gap=population_gap,
        churn_factor=churn_factor,
        window=window,
        min_line_purchases=min_line_purchases,
        alive_threshold=alive_threshold,
        options=options,
        func=churn_status,
    )
    p = read_churn_history(transactions, a, report=bool(return_report))
    out = churn_frame(p, a, p_alive=p_alive)
    if not return_report:
        return out
    warn_usage(
        "churn_status(..., return_report=True)",
        "customer_table(transactions, return_report=True, ...) with the same reading "
        "options reads the same rows and returns the same report",
    )
    # the flag is typed Literal[False]: only untyped callers get here
    assert p.report is not None
    return cast(pd.DataFrame, (out, p.report))
