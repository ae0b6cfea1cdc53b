"""Lifecycle stages: where each relationship is, relative to the customer's own rhythm.

:func:`lifecycle_stages` tells, for every customer, which stage of the relationship they
are in: prospect (潜在获取期, no purchase yet), new, growing (成长期), mature (成熟期),
declining (衰退期), churned (终止期) or reactivated. The default rules are relative to each
customer's own purchase rhythm, not fixed day counts; ``method="model"`` uses P(alive) and
expected purchases from a CLV model, passed in as Series (this module never imports
``clv``). :func:`explain_lifecycle` returns the numbers behind every stage. The domain guide
(``docs/domain.md``) explains the stages in business terms.

Full and partial churn by product line are in :mod:`custvalue.churn`; the sales follow-up
planner is in :mod:`custvalue.followup`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, Unpack, cast

import pandas as pd

from ._deprecation import warn_usage
from ._dispatch import dask_path
from ._read import ReadKeywords, TableReport
from ._stages import STAGES, decide_stages, explained

__all__ = ["LIFECYCLE_STAGES", "explain_lifecycle", "lifecycle_stages"]

LIFECYCLE_STAGES: tuple[str, ...] = STAGES
"""Lifecycle stage codes, in order (display labels in :mod:`custvalue.labels`)."""

# names that moved to their own modules: still importable from here, with a FutureWarning
_MOVED = {
    "CHURN_STATUSES": "churn",
    "churn_status": "churn",
    "DEFAULT_CADENCE": "followup",
    "DEFAULT_LIST_SIZES": "followup",
    "INTENT_STAGES": "followup",
    "LOAD_BANDS": "followup",
    "NEW_ACCOUNT_DAYS": "followup",
    "followup_load": "followup",
    "followup_plan": "followup",
}


def __getattr__(name: str) -> Any:
    """Resolve the names that moved to :mod:`custvalue.churn` and :mod:`custvalue.followup`."""
    module = _MOVED.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    warn_usage(f"importing {name} from custvalue.lifecycle", f"import it from custvalue.{module}")
    return getattr(importlib.import_module(f"custvalue.{module}"), name)


@dask_path("lifecycle_stages", module="history")
def lifecycle_stages(
    transactions: pd.DataFrame,
    *,
    observation_end: Any = None,
    prospects: Iterable[Any] | None = None,
    method: Literal["rhythm", "model"] = "rhythm",
    rhythm: Literal["median", "mean"] = "median",
    min_gaps: int = 2,
    population_gap: float | None = None,
    churn_factor: float = 3.0,
    window: float | None = None,
    window_factor: float = 4.0,
    trend_on: Literal["purchases", "spend"] = "purchases",
    trend_ratio: float = 1.5,
    p_alive: pd.Series | None = None,
    alive_threshold: float = 0.5,
    expected_purchases: pd.Series | None = None,
    horizon: float | None = None,
    explain: Literal[False] = False,
    return_report: Literal[False] = False,
    **options: Unpack[ReadKeywords],
) -> pd.Series:
    """Lifecycle stage of every customer, relative to each customer's own purchase rhythm.

    Stages (codes; display labels in :mod:`custvalue.labels`): ``prospect`` (潜在获取期,
    no purchase yet), ``new``, ``growing`` (成长期), ``mature`` (成熟期), ``declining``
    (衰退期), ``churned`` (终止期) and ``reactivated``.

    **How the stage is decided** (``method="rhythm"``, the default). Purchases on the same
    ``period`` (a calendar day by default) count once, and durations run between period
    starts, as in the customer table. For every customer:

    1. *Rhythm* ``r``: the customer's typical gap between purchases, the median (or mean,
       ``rhythm="mean"``) of their own gaps when they have at least ``min_gaps`` gaps (i.e.
       ``min_gaps + 1`` purchase periods). Customers with fewer gaps get the *population
       rhythm* -- the median of the own rhythms of the customers who have enough gaps (if
       nobody has, the median of all gaps; ``population_gap`` overrides it) -- or their
       own typical gap if that is longer: a customer who has already shown a slow pace is
       not held to the faster typical pace, and one fast pair of purchases does not make
       a customer "churned" after a few days.
    2. *Window* ``W``: ``window_factor * r`` (about ``window_factor`` purchases at the
       customer's own pace), or the fixed ``window`` (in ``time_unit``) for everyone.
    3. The first rule that holds gives the stage:

       * ``prospect``: an id in ``prospects`` with no purchase.
       * ``churned``: the time since the last purchase exceeds ``churn_factor * r``. With
         exponential gaps whose median is ``r``, a live customer stays silent that long with
         probability ``2 ** -churn_factor`` (12.5% for the default 3).
       * ``reactivated``: the latest purchase ended a silence that would have counted as
         churn: the last gap exceeds ``churn_factor`` times the rhythm measured on the gaps
         before it (with the same fallback when those are fewer than ``min_gaps``).
       * ``new``: the first purchase is less than two windows ago, the window being the
         shorter of the customer's own ``W`` and the population window
         (``window_factor`` times the population rhythm): too recent for a trend at the
         customer's own pace or at the typical pace. Single-purchase customers who have
         not churned are therefore new.
       * ``growing`` / ``declining`` / ``mature``: compare the recent window
         ``(end - W, end]`` with the earlier window ``(end - 2W, end - W]``, counting
         purchase periods (or summing spend, ``trend_on="spend"``). Growing when the recent
         window is higher and at least ``trend_ratio`` times the earlier one; declining
         when the earlier window is higher and at least ``trend_ratio`` times the recent
         one; mature otherwise. A trend is only judged when both windows lie inside the
         history (first purchase at least ``2 * W`` ago); slow buyers with less history
         at their own pace, who are no longer new and not churned, are mature.

    ``method="model"`` keeps the rules above but replaces two of them by a CLV model's
    output (passed in as Series on the customer index, exactly the customers with a
    purchase, each once): ``churned`` when ``p_alive < alive_threshold``; and, when
    ``expected_purchases`` over the next ``horizon`` is given, growing / declining / mature
    compare the expected purchases with the purchase days observed in the last
    ``horizon`` (same ``trend_ratio`` rule, judged when the first purchase is at least
    ``horizon`` ago, and the two must also differ by at least one purchase), so
    "declining" means the model expects fewer purchases ahead than the customer made in
    the same length of time just past. ``reactivated`` and ``new`` still come from the
    purchase history. Note that BG/NBD gives P(alive) = 1 to every customer without a
    repeat purchase, so with its P(alive) one-time buyers are never churned; MBG/NBD or
    Pareto/NBD do not have this property.

    Why these defaults: ``window_factor`` (4) is larger than ``churn_factor`` (3), so a
    customer who is not churned always has a purchase in the recent window and a trend is
    judged on about four purchases per window; ``trend_ratio`` 1.5 means "half as much
    again" (growth) or "down by a third" (decline). :func:`explain_lifecycle` shows, per
    customer, the rhythm, the windows and the counts that decided the stage.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase, read exactly as by :func:`custvalue.customer_table`
        (same id, time and row rules; the customer index is the table's index).
    observation_end : date-like, optional
        As for :func:`custvalue.customer_table`.
    prospects : iterable, optional
        Known ids (e.g. a CRM list, may include buyers); those without purchases are
        prospects and are appended after the buyers, in the order given.
    method : {"rhythm", "model"}, default "rhythm"
        Decide churn and trend from the purchase history alone (``"rhythm"``), or from a
        CLV model's ``p_alive`` (and ``expected_purchases``) for each customer
        (``"model"``).
    rhythm : {"median", "mean"}, default "median"
        How a customer's gaps between purchase periods are summarised into their typical
        gap: the median (robust to one long pause) or the mean.
    min_gaps : int, default 2
        Own gaps needed before the customer's own rhythm is used as it is (with fewer,
        the slower of own and population rhythm).
    population_gap : float, optional
        Typical gap (in ``time_unit``) for customers with fewer than ``min_gaps`` gaps.
    churn_factor : float, default 3.0
        Churned when silent for more than ``churn_factor`` rhythms.
    window : float, optional
        Fixed comparison window in ``time_unit`` instead of ``window_factor * r``.
    window_factor : float, default 4.0
        Window length in rhythms.
    trend_on : {"purchases", "spend"}, default "purchases"
        What the two comparison windows measure: the number of purchase periods in each,
        or the spend in each (needs ``amount_col``; refunds netted under
        ``refunds="net"``).
    trend_ratio : float, default 1.5
        Ratio (> 1) between windows that counts as growth or decline.
    p_alive : pandas.Series, optional
        P(alive) per customer, required for ``method="model"``.
    alive_threshold : float, default 0.5
        Churned when ``p_alive`` is below it.
    expected_purchases : pandas.Series, optional
        Expected purchases over the next ``horizon`` (``method="model"``).
    horizon : float, optional
        How far ahead ``expected_purchases`` looks, in ``time_unit``; required with
        ``expected_purchases``.
    explain : bool, default False
        Deprecated since 0.2.0 (removed in 0.4.0): ``explain=True`` warns and returns
        :func:`explain_lifecycle`'s DataFrame; call that function instead.
    return_report : bool, default False
        Deprecated since 0.2.0 (removed in 0.4.0): ``return_report=True`` warns and also
        returns the :class:`~custvalue.TableReport` of the rows.
        ``custvalue.customer_table(transactions, return_report=True, ...)`` with the same
        reading options reads the same rows and returns the same report.
    **options
        Transaction reading options, exactly as in :func:`custvalue.customer_table`.
        ``amount_col`` is needed only for ``trend_on="spend"``. ``time_unit`` is the unit
        of ``window``, ``population_gap`` and ``horizon`` (and of
        :func:`explain_lifecycle`'s durations); stages do not depend on it. Durations run
        between period starts, as in the customer table (calendar months, quarters or
        years with ``period="M"``, ``"Q"``, ``"Y"``).

    Returns
    -------
    pandas.Series
        Ordered categorical ``lifecycle_stage`` on an index named ``customer_id``: the
        buyers sorted by id, exactly :func:`custvalue.customer_table`'s index (so
        ``table.join(stages)`` lines up), then the prospects; every stage a category.

    Raises
    ------
    DataValidationError
        The transactions break a reading rule; or, with ``method="model"``, ``p_alive``
        or ``expected_purchases`` misses a customer, has a customer without purchases,
        repeats one, or holds values out of range.
    InsufficientDataError
        No customer has two purchase periods and no ``population_gap`` is given.
    ValueError
        An invalid argument or combination of arguments.

    See Also
    --------
    explain_lifecycle : The same stages with the numbers behind them.
    custvalue.churn_status : Full and partial churn by product line.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import lifecycle_stages
    >>> days = {"a": [0, 10, 20, 30, 40, 50, 60, 70, 80, 90],  # steady every 10 days
    ...         "b": [0, 10, 20, 30, 40],                     # silent since day 40
    ...         "c": [85]}                                    # first purchase 5 days ago
    >>> tx = pd.DataFrame([(c, pd.Timestamp("2024-01-01") + pd.Timedelta(days=d))
    ...                    for c, ds in days.items() for d in ds],
    ...                   columns=["customer_id", "timestamp"])
    >>> lifecycle_stages(tx, prospects=["d"]).tolist()
    ['mature', 'churned', 'new', 'prospect']
    """
    s = decide_stages(
        transactions,
        "lifecycle_stages",
        observation_end=observation_end,
        prospects=prospects,
        method=method,
        rhythm=rhythm,
        min_gaps=min_gaps,
        population_gap=population_gap,
        churn_factor=churn_factor,
        window=window,
        window_factor=window_factor,
        trend_on=trend_on,
        trend_ratio=trend_ratio,
        p_alive=p_alive,
        alive_threshold=alive_threshold,
        expected_purchases=expected_purchases,
        horizon=horizon,
        options=options,
        func=lifecycle_stages,
        report=bool(return_report),
    )
    if not explain and not return_report:
        return s.stages
    out: pd.Series | pd.DataFrame | tuple[pd.Series | pd.DataFrame, TableReport] = s.stages
    if explain:
        warn_usage(
            "lifecycle_stages(..., explain=True)",
            "call explain_lifecycle(...) with the same arguments (it returns the same DataFrame)",
        )
        out = explained(s)
    if return_report:
        warn_usage(
            "lifecycle_stages(..., return_report=True)",
            "customer_table(transactions, return_report=True, ...) with the same reading "
            "options reads the same rows and returns the same report",
        )
        assert s.history.report is not None
        out = (out, s.history.report)
    # the deprecated flags are typed Literal[False]: only untyped callers get here
    return cast(pd.Series, out)


@dask_path("explain_lifecycle", module="history")
def explain_lifecycle(
    transactions: pd.DataFrame,
    *,
    observation_end: Any = None,
    prospects: Iterable[Any] | None = None,
    method: Literal["rhythm", "model"] = "rhythm",
    rhythm: Literal["median", "mean"] = "median",
    min_gaps: int = 2,
    population_gap: float | None = None,
    churn_factor: float = 3.0,
    window: float | None = None,
    window_factor: float = 4.0,
    trend_on: Literal["purchases", "spend"] = "purchases",
    trend_ratio: float = 1.5,
    p_alive: pd.Series | None = None,
    alive_threshold: float = 0.5,
    expected_purchases: pd.Series | None = None,
    horizon: float | None = None,
    **options: Unpack[ReadKeywords],
) -> pd.DataFrame:
    """Lifecycle stage of every customer with the numbers that decided it.

    The stages are those of :func:`lifecycle_stages` called with the same arguments (its
    docstring gives the rules); the other columns are what the rules compared.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase, read exactly as by :func:`custvalue.customer_table`
        (same id, time and row rules; the customer index is the table's index).
    observation_end : date-like, optional
        As for :func:`custvalue.customer_table`.
    prospects : iterable, optional
        Known ids (e.g. a CRM list, may include buyers); those without purchases are
        prospects and are appended after the buyers, in the order given.
    method : {"rhythm", "model"}, default "rhythm"
        Decide churn and trend from the purchase history alone (``"rhythm"``), or from a
        CLV model's ``p_alive`` (and ``expected_purchases``) for each customer
        (``"model"``).
    rhythm : {"median", "mean"}, default "median"
        How a customer's gaps between purchase periods are summarised into their typical
        gap: the median (robust to one long pause) or the mean.
    min_gaps : int, default 2
        Own gaps needed before the customer's own rhythm is used as it is (with fewer,
        the slower of own and population rhythm).
    population_gap : float, optional
        Typical gap (in ``time_unit``) for customers with fewer than ``min_gaps`` gaps.
    churn_factor : float, default 3.0
        Churned when silent for more than ``churn_factor`` rhythms.
    window : float, optional
        Fixed comparison window in ``time_unit`` instead of ``window_factor * r``.
    window_factor : float, default 4.0
        Window length in rhythms.
    trend_on : {"purchases", "spend"}, default "purchases"
        What the two comparison windows measure: the number of purchase periods in each,
        or the spend in each (needs ``amount_col``; refunds netted under
        ``refunds="net"``).
    trend_ratio : float, default 1.5
        Ratio (> 1) between windows that counts as growth or decline.
    p_alive : pandas.Series, optional
        P(alive) per customer, required for ``method="model"``.
    alive_threshold : float, default 0.5
        Churned when ``p_alive`` is below it.
    expected_purchases : pandas.Series, optional
        Expected purchases over the next ``horizon`` (``method="model"``).
    horizon : float, optional
        How far ahead ``expected_purchases`` looks, in ``time_unit``; required with
        ``expected_purchases``.
    **options
        Transaction reading options, exactly as in :func:`custvalue.customer_table`.
        ``time_unit`` is the unit of the duration columns below.

    Returns
    -------
    pandas.DataFrame
        On :func:`lifecycle_stages`'s index (``customer_id``; buyers sorted by id, then
        prospects, whose numbers are missing). Columns: ``lifecycle_stage`` (as returned
        by :func:`lifecycle_stages`), ``rhythm`` (the typical gap ``r``),
        ``rhythm_source`` (``"own"`` or ``"population"``), ``window`` (``W``),
        ``time_since_last``, ``tenure``, ``last_gap`` (NaN with one purchase period),
        ``prior_rhythm`` (the rhythm before the last gap), all in ``time_unit``;
        ``recent`` and ``earlier`` (purchase periods, or spend, in the two windows); with
        ``method="model"`` also ``p_alive``, and with ``expected_purchases`` also
        ``expected`` and ``observed`` (purchase periods in the last ``horizon``).

    Raises
    ------
    DataValidationError, InsufficientDataError, ValueError
        As for :func:`lifecycle_stages`.

    See Also
    --------
    lifecycle_stages : The stages alone.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import explain_lifecycle
    >>> days = {"a": [0, 10, 20, 30, 40, 50, 60, 70, 80, 90], "b": [0, 10, 20, 30, 40]}
    >>> tx = pd.DataFrame([(c, pd.Timestamp("2024-01-01") + pd.Timedelta(days=d))
    ...                    for c, ds in days.items() for d in ds],
    ...                   columns=["customer_id", "timestamp"])
    >>> explain_lifecycle(tx)[["lifecycle_stage", "rhythm", "time_since_last", "recent"]]
                lifecycle_stage  rhythm  time_since_last  recent
    customer_id
    a                    mature    10.0              0.0     4.0
    b                   churned    10.0             50.0     0.0
    """
    s = decide_stages(
        transactions,
        "explain_lifecycle",
        observation_end=observation_end,
        prospects=prospects,
        method=method,
        rhythm=rhythm,
        min_gaps=min_gaps,
        population_gap=population_gap,
        churn_factor=churn_factor,
        window=window,
        window_factor=window_factor,
        trend_on=trend_on,
        trend_ratio=trend_ratio,
        p_alive=p_alive,
        alive_threshold=alive_threshold,
        expected_purchases=expected_purchases,
        horizon=horizon,
        options=options,
        func=explain_lifecycle,
    )
    return explained(s)
