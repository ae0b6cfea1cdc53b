"""The whole analysis in one call: from a transaction log to scored customers and a report.

:func:`analyze` runs, on one customer table, everything custvalue answers: who brings the
value (ABC classes), how customers behave (RFM scores and segments), what each will be worth
(a purchase model chosen on a holdout, Gamma-Gamma spend, CLV), which tier of the pyramid
they sit in (pyramid tiers and value classes), and where each relationship is going
(lifecycle stages, full and partial churn). It returns an :class:`Analysis`, which the
command line (``custvalue analyze``), notebooks and scripts share: ``customers`` (one row
per customer), ``models``, ``evaluation``, and ``save`` / ``to_html`` for the files.

Nothing is printed: progress goes to the optional ``on_step`` callback.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Unpack

import numpy as np
import pandas as pd

from ._calendar import UNIT_WORDS, unit_seconds
from ._choice import MODEL_NAMES, choice_reason
from ._read import ReadKeywords, ReadOptions, TableReport, read_options
from ._schema import MEAN_REPEAT_SPEND, N_REPEAT
from ._validation import check_choice, check_scalar
from .abc import abc_classes
from .churn import churn_status
from .clv import (
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    compare_models,
    customer_lifetime_value,
    evaluate_holdout,
    historical_value,
)
from .clv.evaluate import HoldoutEvaluation
from .exceptions import ConvergenceError, InsufficientDataError
from .lifecycle import lifecycle_stages
from .pyramid import pyramid_tiers, value_matrix
from .rfm import rfm_scores, rfm_segments
from .table import customer_table, split_calibration_holdout

__all__ = ["MODELS", "Analysis", "SpendSummary", "analyze", "choice_reason"]

MODELS: Mapping[str, type] = {
    "bgnbd": BetaGeoModel,
    "pnbd": ParetoNBDModel,
    "mbgnbd": ModifiedBetaGeoModel,
}
"""The purchase models ``analyze`` can use (``model=``), by short name."""


_DAY = 86400
_WEEK_DAYS = 7.0
_YEAR_DAYS = 364.0  # 52 weeks: the horizon of the CLV literature's "one year"
_MONTH_DAYS = 365.25 / 12

StepCallback = Callable[[str, float], None]


@dataclass(frozen=True)
class SpendSummary:
    """How expected spend per purchase was obtained for every customer.

    Attributes
    ----------
    fitted_on : int
        Repeat buyers with a positive mean repeat spend: the customers the Gamma-Gamma
        model was fitted on.
    no_repeat : int
        Customers without a repeat purchase: their own history says nothing about their
        spend per repeat purchase, so they get the model's population mean.
    nonpositive : int
        Repeat buyers whose repeat purchases net to zero or less (fully refunded, or
        zero-amount purchases): not usable by the model, they also get the population
        mean.
    population_mean : float
        The model's mean spend per purchase, ``p gamma / (q - 1)``.
    """

    fitted_on: int
    no_repeat: int
    nonpositive: int
    population_mean: float


@dataclass
class Analysis:
    """The result of :func:`analyze`.

    Attributes
    ----------
    customers : pandas.DataFrame
        One row per customer (index ``customer_id``): the customer-table columns, then
        ``abc_class``, ``rfm_score``, ``rfm_segment``, ``pyramid_tier``, ``value_class``,
        ``lifecycle_stage``, ``churn_status`` (with ``product_col``), ``prob_alive``,
        ``expected_purchases``, ``expected_spend``, ``clv`` and ``historical_value``.
    models : dict
        ``"purchase"``: the chosen purchase model, fitted on the whole history;
        ``"spend"``: the Gamma-Gamma model (None without amounts); ``"candidates"``: the
        candidate purchase models fitted on the calibration period (with a holdout).
    evaluation : pandas.DataFrame or None
        One row per candidate model: log-likelihood, AIC, BIC and, with a holdout, the
        holdout errors (``mae``, ``rmse``, ``bias``, totals), with ranks.
    holdout : dict of str to HoldoutEvaluation
        Per candidate: per-customer predictions, the conditional expectation by
        calibration purchase count and the tracking series (with a holdout).
    choice : str
        The purchase model used (``"bgnbd"``, ``"pnbd"`` or ``"mbgnbd"``).
    choice_detail : dict
        The facts of the choice: ``criterion`` (``"mae"`` on the holdout, ``"bic"``, or
        ``"asked"``), the criterion's ``values`` per candidate, and the ``failed``
        candidates; :attr:`reason` says it in words.
    table_report : TableReport
        What happened to every input row.
    spend : SpendSummary or None
        How expected spend was obtained (None without amounts).
    settings : dict
        The options used (reading options and analysis settings), JSON-friendly.
    timings : dict of str to float
        Seconds per step.
    failures : dict of str to str
        Candidate models that could not be fitted, with the reason.
    """

    customers: pd.DataFrame
    models: dict[str, Any]
    evaluation: pd.DataFrame | None
    holdout: dict[str, HoldoutEvaluation]
    choice: str
    choice_detail: dict[str, Any]
    table_report: TableReport
    spend: SpendSummary | None
    settings: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        """Why the purchase model was chosen, in words."""
        return choice_reason(self.choice, self.choice_detail)

    @property
    def purchase_model(self) -> Any:
        """The chosen purchase model, fitted on the whole history."""
        return self.models["purchase"]

    def to_html(self, path: Any, *, lang: str | None = None) -> None:
        """Write the self-contained HTML report (needs the ``report`` extra).

        Parameters
        ----------
        path : str or os.PathLike
            File to write.
        lang : {"en", "zh"}, optional
            Language of the report; default the one given to :func:`analyze`.
        """
        from ._report import write_report

        write_report(self, path, lang=lang or self.settings["lang"])

    def save(self, folder: Any, *, report: bool = True) -> dict[str, Any]:
        """Write ``customers.parquet``, ``customers.csv``, ``models.json`` and ``report.html``.

        Parameters
        ----------
        folder : str or os.PathLike
            Output folder (created when missing).
        report : bool, default True
            Also write ``report.html`` (needs the ``report`` extra).

        Returns
        -------
        dict
            File kind -> path written.
        """
        from ._analysis_io import save_analysis

        return save_analysis(self, folder, report=report)


def _unit_length(days: float, time_unit: str) -> float:
    return days * _DAY / unit_seconds(time_unit)


def _steps(on_step: StepCallback | None, timings: dict[str, float]) -> Callable[[str], Any]:
    """Make a context-manager factory timing one step and reporting it."""

    class _Step:
        def __init__(self, name: str) -> None:
            self.name = name

        def __enter__(self) -> None:
            self.t0 = time.perf_counter()

        def __exit__(self, *exc: object) -> None:
            dt = time.perf_counter() - self.t0
            timings[self.name] = timings.get(self.name, 0.0) + dt
            if on_step is not None and exc[0] is None:
                on_step(self.name, dt)

    return _Step


def _fit(model_cls: type, table: pd.DataFrame) -> Any:
    return model_cls().fit(table)


def analyze(
    transactions: Any,
    *,
    observation_end: Any = None,
    holdout_length: float | None = None,
    model: Literal["auto", "bgnbd", "pnbd", "mbgnbd"] = "auto",
    margin: float = 1.0,
    cost_to_serve: float = 0.0,
    discount_rate: float = 0.0,
    horizon: float | None = None,
    period_length: float | None = None,
    product_col: Any = None,
    rfm_scheme: Literal["common", "cn8"] = "common",
    lang: Literal["en", "zh"] = "en",
    on_step: StepCallback | None = None,
    **options: Unpack[ReadKeywords],
) -> Analysis:
    """Run the whole customer-value analysis on a transaction log.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase (or an Arrow-exportable frame), read exactly as
        :func:`custvalue.customer_table` reads it.
    observation_end : date-like, optional
        End of observation (inclusive of its period); default the latest time.
    holdout_length : float, optional
        Length of a holdout period at the end of the history, in ``time_unit`` (the
        ``holdout_length`` column of :func:`custvalue.split_calibration_holdout`). The
        candidate models are fitted on the history before it, compared on it, and the
        chosen one is refitted on the whole history for scoring. Without it, the
        candidates are compared by BIC on the whole history.
    model : {"auto", "bgnbd", "pnbd", "mbgnbd"}, default "auto"
        Purchase model: BG/NBD, Pareto/NBD or MBG/NBD, or ``"auto"``: the candidate with
        the lowest holdout mean absolute error (lowest BIC without a holdout).
    margin : float, default 1.0
        Profit per unit of revenue (0 < margin <= 1); 1 values revenue.
    cost_to_serve : float, default 0.0
        Cost of serving a customer per ``period_length``, in money.
    discount_rate : float, default 0.0
        Discount rate per ``period_length`` (0.008 per month is about 10 % a year).
    horizon : float, optional
        How far ahead to value, in ``time_unit``; default 52 weeks.
    period_length : float, optional
        Length of one discounting period (and of ``cost_to_serve``'s period) in ``time_unit``;
        default one month
        (365.25 / 12 days).
    product_col : str, optional
        Product line column: adds ``churn_status`` (full and partial churn).
    rfm_scheme : {"common", "cn8"}, default "common"
        RFM segment scheme (see :func:`custvalue.rfm_segments`).
    lang : {"en", "zh"}, default "en"
        Display language of the report (the data's codes do not change).
    on_step : callable, optional
        Called as ``on_step(step, seconds)`` after each step (read, fit, score, ...),
        e.g. to show progress. Nothing is printed by the library.
    **options
        Transaction reading options, exactly as in :func:`custvalue.customer_table`.

    Returns
    -------
    Analysis

    Raises
    ------
    DataValidationError
        The transactions break a rule (every problem listed at once).
    InsufficientDataError
        No candidate model can be fitted (e.g. no repeat purchases).

    Examples
    --------
    >>> import custvalue as cv
    >>> from custvalue.datasets import load_cdnow
    >>> tx = load_cdnow(subset="sample")
    >>> a = cv.analyze(tx, amount_col="amount", time_unit="W", holdout_length=39.0,
    ...                observation_end="1998-06-30")
    >>> a.choice, len(a.customers)
    ('pnbd', 2357)
    >>> a.customers[["abc_class", "pyramid_tier", "clv"]].head(2)  # doctest: +SKIP
    """
    opts = read_options(options, analyze)
    check_choice("model", model, ("auto", *MODELS))
    check_choice("lang", lang, ("en", "zh"))
    check_choice("rfm_scheme", rfm_scheme, ("common", "cn8"))
    check_scalar("margin", margin, minimum=0.0, strict=True, maximum=1.0)
    check_scalar("cost_to_serve", cost_to_serve, minimum=0.0)
    check_scalar("discount_rate", discount_rate, minimum=0.0)
    unit = opts.time_unit
    horizon = _unit_length(_YEAR_DAYS, unit) if horizon is None else horizon
    check_scalar("horizon", horizon, minimum=0.0, strict=True)
    if period_length is None:
        period_length = _unit_length(_MONTH_DAYS, unit)
    check_scalar("period_length", period_length, minimum=0.0, strict=True)
    if holdout_length is not None:
        check_scalar("holdout_length", holdout_length, minimum=0.0, strict=True)
    timings: dict[str, float] = {}
    step = _steps(on_step, timings)
    reading = dataclasses.asdict(opts)

    with step("customer table"):
        table, report = customer_table(
            transactions, observation_end=observation_end, return_report=True, **reading
        )
    end = report.observation_end
    assert end is not None  # the table's report always records it
    has_amount = opts.has_amount

    candidates = list(MODELS) if model == "auto" else [model]
    holdout_evals: dict[str, HoldoutEvaluation] = {}
    fitted: dict[str, Any] = {}
    failures: dict[str, str] = {}
    evaluation: pd.DataFrame | None = None
    if holdout_length is not None:
        with step("calibration/holdout split"):
            cal_end = pd.Timestamp(end) - pd.Timedelta(seconds=holdout_length * unit_seconds(unit))
            cal = split_calibration_holdout(
                transactions,
                calibration_end=cal_end,
                observation_end=end,
                **reading,
            )
        with step("fit candidates on the calibration period"):
            for name in candidates:
                try:
                    fitted[name] = _fit(MODELS[name], cal)
                except (InsufficientDataError, ConvergenceError) as err:
                    failures[name] = str(err)
        with step("holdout check"):
            cohort = _cohort(transactions, opts, cal.index)
            for name, m in fitted.items():
                holdout_evals[name] = evaluate_holdout(
                    m, cal, transactions=cohort, **{**reading, "after_end": "drop"}
                )
            if fitted:
                evaluation = compare_models(list(fitted.values()), cal, names=list(fitted))
    else:
        with step("fit candidates"):
            for name in candidates:
                try:
                    fitted[name] = _fit(MODELS[name], table)
                except (InsufficientDataError, ConvergenceError) as err:
                    failures[name] = str(err)
            if fitted:
                evaluation = compare_models(list(fitted.values()), table, names=list(fitted))
    if not fitted:
        reasons = "; ".join(f"{MODEL_NAMES[k]}: {v}" for k, v in failures.items())
        raise InsufficientDataError(f"analyze: no purchase model could be fitted ({reasons})")
    choice, detail = _choose(evaluation, model, holdout_length is not None, failures)

    with step("fit the chosen model on the whole history"):
        if holdout_length is None:
            purchase = fitted[choice]
        else:
            purchase, choice = _refit(table, choice, detail, failures)
        spend_model, spend_summary, expected_spend = _spend(table, has_amount)

    with step("score customers"):
        p_alive = purchase.prob_alive(table)
        expected = purchase.expected_purchases(table, horizon=horizon)
        if has_amount:
            clv = customer_lifetime_value(
                purchase,
                expected_spend,
                table,
                horizon=horizon,
                period_length=period_length,
                discount_rate=discount_rate,
                margin=margin,
                cost_to_serve=cost_to_serve or None,
            )
            hist = historical_value(
                table,
                margin=margin,
                cost_to_serve=cost_to_serve or None,
                period_length=period_length,
            )
        else:
            clv = pd.Series(np.nan, index=table.index, name="clv")
            hist = pd.Series(np.nan, index=table.index, name="historical_value")

    with step("segments"):
        seg = _segments(table, hist, clv, has_amount, rfm_scheme)
    with step("lifecycle stages"):
        stages = lifecycle_stages(transactions, observation_end=end, **reading)
        seg["lifecycle_stage"] = stages.set_axis(table.index)
        if product_col is not None:
            churn = churn_status(
                transactions, product_col=product_col, observation_end=end, **reading
            )
            seg["churn_status"] = churn["churn_status"].set_axis(table.index)

    customers = table.copy()
    for name, col in seg.items():
        customers[name] = col
    customers["prob_alive"] = p_alive
    customers["expected_purchases"] = expected
    customers["expected_spend"] = expected_spend
    customers["clv"] = clv
    customers["historical_value"] = hist
    settings = {
        "read": {k: _plain(v) for k, v in reading.items()},
        "observation_end": str(end),
        "holdout_length": holdout_length,
        "model": model,
        "margin": margin,
        "cost_to_serve": cost_to_serve,
        "discount_rate": discount_rate,
        "horizon": horizon,
        "period_length": period_length,
        "time_unit_words": UNIT_WORDS[unit],
        "product_col": product_col,
        "rfm_scheme": rfm_scheme,
        "lang": lang,
    }
    return Analysis(
        customers=customers,
        models={
            "purchase": purchase,
            "spend": spend_model,
            "candidates": fitted if holdout_length is not None else {},
        },
        evaluation=evaluation,
        holdout=holdout_evals,
        choice=choice,
        choice_detail=detail,
        table_report=report,
        spend=spend_summary,
        settings=settings,
        timings=timings,
        failures=failures,
    )


def _plain(v: Any) -> Any:
    if v is None or isinstance(v, bool | int | float | str):
        return v
    return str(v)


def _cohort(transactions: Any, opts: ReadOptions, ids: pd.Index) -> pd.DataFrame:
    """Return the rows of the calibration cohort's customers (the tracking series reads them)."""
    from ._read.rows import as_frame

    df = as_frame(transactions)
    cohort: pd.DataFrame = df[df[opts.customer_col].isin(ids)]
    return cohort


def _choose(
    evaluation: pd.DataFrame | None, model: str, has_holdout: bool, failures: Mapping[str, str]
) -> tuple[str, dict[str, Any]]:
    """Return the model to use, and the facts of the choice (rendered in words by ``reason``)."""
    assert evaluation is not None
    if model != "auto":
        return model, {"criterion": "asked", "values": {}, "failed": list(failures)}
    crit = "mae" if has_holdout else "bic"
    best = str(evaluation[crit].idxmin())
    values = {str(k): float(v) for k, v in evaluation[crit].items()}
    return best, {"criterion": crit, "values": values, "failed": list(failures), "best": best}


def _refit(
    table: pd.DataFrame, choice: str, detail: dict[str, Any], failures: dict[str, str]
) -> tuple[Any, str]:
    """Refit the chosen model on the whole history.

    If it cannot be fitted there, refit the next best candidate (recorded in
    ``detail["refit_failed"]`` and ``failures``).
    """
    values = detail["values"]
    order = [choice, *sorted((k for k in values if k != choice), key=values.__getitem__)]
    for name in order:
        try:
            model = _fit(MODELS[name], table)
        except (InsufficientDataError, ConvergenceError) as err:
            failures[name] = f"on the whole history: {err}"
            detail.setdefault("refit_failed", []).append(name)
            continue
        return model, name
    reasons = "; ".join(f"{MODEL_NAMES[k]}: {failures[k]}" for k in order)
    raise InsufficientDataError(f"analyze: no purchase model could be fitted ({reasons})")


def _spend(
    table: pd.DataFrame, has_amount: bool
) -> tuple[GammaGammaModel | None, SpendSummary | None, pd.Series]:
    """Return the spend model and every customer's expected spend per purchase.

    Gamma-Gamma is fitted on the repeat buyers with a positive mean repeat spend. Every
    other customer gets the model's population mean: without a repeat purchase the
    customer's own history says nothing about spend per repeat purchase, and a repeat
    spend that nets to zero or less (fully refunded) is outside the model.
    """
    if not has_amount:
        return None, None, pd.Series(np.nan, index=table.index, name="expected_spend")
    m = table[MEAN_REPEAT_SPEND].to_numpy(dtype="float64")
    x = table[N_REPEAT].to_numpy()
    usable = (x > 0) & (m > 0)
    gg = GammaGammaModel().fit(table[usable])
    spend = pd.Series(gg.mean_spend(), index=table.index, name="expected_spend")
    spend[usable] = gg.expected_spend(table[usable])
    summary = SpendSummary(
        fitted_on=int(usable.sum()),
        no_repeat=int((x == 0).sum()),
        nonpositive=int(((x > 0) & ~usable).sum()),
        population_mean=float(gg.mean_spend()),
    )
    return gg, summary, spend


def _segments(
    table: pd.DataFrame,
    hist: pd.Series,
    clv: pd.Series,
    has_amount: bool,
    rfm_scheme: str,
) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    if has_amount:
        out["abc_class"] = abc_classes(hist, negative="class_c")
    if has_amount:
        scores = rfm_scores(table, cell=True)
        out["rfm_score"] = scores["rfm_cell"]
        out["rfm_segment"] = rfm_segments(scores, scheme=rfm_scheme)
    if has_amount and not math.isnan(float(clv.iloc[0])):
        out["pyramid_tier"] = pyramid_tiers(clv, negative="lowest")
        out["value_class"] = value_matrix(hist, clv)
    return out
