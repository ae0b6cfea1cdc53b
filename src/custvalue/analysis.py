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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Unpack, cast

import numpy as np
import pandas as pd

from ._analysis_steps import (
    StepCallback,
    choose,
    expected_spend,
    fit_model,
    plain,
    refit,
    segments,
    spend_usable,
    steps,
)
from ._calendar import UNIT_WORDS, unit_seconds
from ._choice import MODEL_NAMES, choice_reason
from ._read import ReadKeywords, ReadOptions, TableReport, read_options
from ._schema import N_REPEAT
from ._validation import check_choice, check_scalar
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
    engine: Literal["pandas", "dask"] = "pandas",
    on_step: StepCallback | None = None,
    **options: Unpack[ReadKeywords],
) -> Analysis:
    """Run the whole customer-value analysis on a transaction log.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase (or an Arrow-exportable frame), read exactly as
        :func:`custvalue.customer_table` reads it. With ``engine="dask"``: a Dask
        DataFrame, or a folder (or glob) of Parquet files.
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
    engine : {"pandas", "dask"}, default "pandas"
        ``"dask"`` (extra ``dask``) runs every step on Dask, on the active Dask scheduler
        (a ``distributed.Client`` you created, or Dask's default): the customer table by
        one shuffle by customer, the fits on distinct rows, the scores and segments lazily
        and per partition, with the same numbers as pandas (the holdout metrics up to the
        order of summation). ``customers`` is then a Dask DataFrame, ``holdout`` is empty
        (no per-customer holdout frames), and :meth:`Analysis.save` writes a folder of
        Parquet files (``customers/``) instead of ``customers.parquet`` and
        ``customers.csv``. See the page on running at scale.
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
    check_choice("engine", engine, ("pandas", "dask"))
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
    step = steps(on_step, timings)
    reading = dataclasses.asdict(opts)
    on_dask = engine == "dask"
    if on_dask:
        from ._dask import analysis as _on_dask

        transactions = _on_dask.as_dask(transactions)

    with step("customer table"):
        table, report = customer_table(
            transactions, observation_end=observation_end, return_report=True, **reading
        )
        if on_dask:
            table = cast(Any, table).persist()
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
                    fitted[name] = fit_model(MODELS[name], cal)
                except (InsufficientDataError, ConvergenceError) as err:
                    failures[name] = str(err)
        with step("holdout check"):
            if on_dask:
                evaluation = _on_dask.holdout_evaluation(fitted, cal) if fitted else None
            else:
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
                    fitted[name] = fit_model(MODELS[name], table)
                except (InsufficientDataError, ConvergenceError) as err:
                    failures[name] = str(err)
            if fitted:
                evaluation = compare_models(list(fitted.values()), table, names=list(fitted))
    if not fitted:
        reasons = "; ".join(f"{MODEL_NAMES[k]}: {v}" for k, v in failures.items())
        raise InsufficientDataError(f"analyze: no purchase model could be fitted ({reasons})")
    choice, detail = choose(evaluation, model, holdout_length is not None, failures)

    with step("fit the chosen model on the whole history"):
        if holdout_length is None:
            purchase = fitted[choice]
        else:
            purchase, choice = refit(table, choice, detail, failures, MODELS)
        if on_dask:
            spend_model, spend_summary = None, None
            if has_amount:
                spend_model, counts = _on_dask.spend_model(table)
                spend_summary = SpendSummary(**counts, population_mean=spend_model.mean_spend())
        else:
            spend_model, spend_summary, expected_spend = _spend(table, has_amount)

    clv_options = {
        "margin": margin,
        "cost_to_serve": cost_to_serve,
        "discount_rate": discount_rate,
        "period_length": period_length,
    }
    with step("score customers"):
        if on_dask:
            scores = _on_dask.score(table, purchase, spend_model, clv_options, horizon)
        else:
            scores = _score(table, purchase, expected_spend, has_amount, clv_options, horizon)

    with step("segments"):
        hist, clv = scores["historical_value"], scores["clv"]
        seg = segments(table, hist, clv, has_amount, rfm_scheme, has_clv=has_amount)
    with step("lifecycle stages"):
        stages = lifecycle_stages(transactions, observation_end=end, **reading)
        # the stages come in the table's customer order (and partitions, on Dask)
        seg["lifecycle_stage"] = stages if on_dask else stages.set_axis(table.index)
        if product_col is not None:
            churn = churn_status(
                transactions, product_col=product_col, observation_end=end, **reading
            )["churn_status"]
            seg["churn_status"] = churn if on_dask else churn.set_axis(table.index)

    columns = {**seg, **{c: scores[c] for c in _SCORES}}
    if on_dask:
        customers = _on_dask.side_by_side(table, columns)
    else:
        customers = table.copy()
        for name, col in columns.items():
            customers[name] = col
    settings = {
        "read": {k: plain(v) for k, v in reading.items()},
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


_SCORES = ("prob_alive", "expected_purchases", "expected_spend", "clv", "historical_value")


def _score(
    table: pd.DataFrame,
    purchase: Any,
    expected_spend: pd.Series,
    has_amount: bool,
    clv_options: Mapping[str, Any],
    horizon: float,
) -> pd.DataFrame:
    """Return every customer's P(alive), expected purchases and spend, CLV and profit to date."""
    out = pd.DataFrame(index=table.index)
    out["prob_alive"] = purchase.prob_alive(table)
    out["expected_purchases"] = purchase.expected_purchases(table, horizon=horizon)
    out["expected_spend"] = expected_spend
    if has_amount:
        cost = clv_options["cost_to_serve"] or None
        out["clv"] = customer_lifetime_value(
            purchase,
            expected_spend,
            table,
            horizon=horizon,
            period_length=clv_options["period_length"],
            discount_rate=clv_options["discount_rate"],
            margin=clv_options["margin"],
            cost_to_serve=cost,
        )
        out["historical_value"] = historical_value(
            table,
            margin=clv_options["margin"],
            cost_to_serve=cost,
            period_length=clv_options["period_length"],
        )
    else:
        out["clv"] = np.nan
        out["historical_value"] = np.nan
    return out


def _cohort(transactions: Any, opts: ReadOptions, ids: pd.Index) -> pd.DataFrame:
    """Return the rows of the calibration cohort's customers (the tracking series reads them)."""
    from ._read.rows import as_frame

    df = as_frame(transactions)
    cohort: pd.DataFrame = df[df[opts.customer_col].isin(ids)]
    return cohort


def _spend(
    table: pd.DataFrame, has_amount: bool
) -> tuple[GammaGammaModel | None, SpendSummary | None, pd.Series]:
    """Return the spend model and every customer's expected spend per purchase.

    Gamma-Gamma is fitted on the customers of :func:`spend_usable`; the others get its
    population mean.
    """
    if not has_amount:
        return None, None, pd.Series(np.nan, index=table.index, name="expected_spend")
    usable = spend_usable(table).to_numpy()
    x = table[N_REPEAT].to_numpy()
    gg = GammaGammaModel().fit(table[usable])
    spend = expected_spend(gg, table)
    summary = SpendSummary(
        fitted_on=int(usable.sum()),
        no_repeat=int((x == 0).sum()),
        nonpositive=int(((x > 0) & ~usable).sum()),
        population_mean=float(gg.mean_spend()),
    )
    return gg, summary, spend
