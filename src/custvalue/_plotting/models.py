"""Plots of the purchase models and the value they predict.

P(alive) and expected-purchase matrices, the holdout checks (calibration vs holdout,
tracking), the CLV distribution.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from .._validation import Checks, check_choice, check_scalar, customer_arrays, numeric_array
from ..clv import BetaGeoBetaBinomModel, HoldoutEvaluation
from ._style import (
    BLACK,
    BLUE,
    ORANGE,
    SEQUENTIAL,
    TEXT,
    TICK_SIZE,
    axes,
    check_lang,
    colorbar,
    finish,
    legend,
    number,
    style,
    subtitle,
    text,
    unit_text,
)
from ._style import title as set_title

__all__ = [
    "plot_calibration_holdout",
    "plot_expected_purchases_matrix",
    "plot_probability_alive_matrix",
    "plot_tracking",
]

MODEL_NAMES = {
    "BetaGeoModel": "BG/NBD",
    "ParetoNBDModel": "Pareto/NBD",
    "ModifiedBetaGeoModel": "MBG/NBD",
    "BetaGeoBetaBinomModel": "BG/BB",
}
"""Literature names of the purchase models, shown in legends."""

MAX_ROWS = 50
"""Largest default number of n_repeat rows of the matrices."""


def _model_name(name: str) -> str:
    return MODEL_NAMES.get(name, name)


# --------------------------------------------------------------------------- matrices
def _grid(
    model: Any,
    table: pd.DataFrame | None,
    tenure: float | None,
    max_n_repeat: int | None,
    n_span: int,
    what: str,
) -> tuple[np.ndarray, np.ndarray, float, pd.DataFrame, np.ndarray]:
    """Return the (n_repeat, purchase_span) grid at one tenure.

    The row values, the column values, the tenure, a table of the valid cells and their
    mask (n_repeat rows x span columns).
    """
    for method in ("prob_alive", "expected_purchases"):
        if not hasattr(model, method):
            raise TypeError(
                f"{what}: expected a fitted purchase model (BetaGeoModel, ParetoNBDModel, ...), "
                f"got {type(model).__name__}"
            )
    if table is not None:
        arrays = customer_arrays(table, what)
        if tenure is None:
            tenure = float(arrays["tenure"].max())
        if max_n_repeat is None:
            max_n_repeat = int(min(arrays["n_repeat"].max(), MAX_ROWS))
    missing = [n for n, v in (("tenure", tenure), ("max_n_repeat", max_n_repeat)) if v is None]
    if missing:
        raise ValueError(f"{what}: without a table, give {' and '.join(missing)}")
    assert tenure is not None and max_n_repeat is not None
    tenure = check_scalar("tenure", tenure, minimum=0.0, strict=True)
    max_n_repeat = int(check_scalar("max_n_repeat", max_n_repeat, minimum=1, integer=True))
    n_span = int(check_scalar("n_span", n_span, minimum=2, integer=True))
    discrete = isinstance(model, BetaGeoBetaBinomModel)
    if discrete:  # opportunities: whole numbers, x <= t_x <= n
        if tenure != np.floor(tenure):
            raise ValueError(f"{what}: BG/BB counts opportunities; tenure must be whole")
        spans = np.arange(0.0, tenure + 1.0)
    else:
        spans = np.linspace(0.0, tenure, n_span)
    xs = np.arange(0, max_n_repeat + 1, dtype="float64")
    x, s = np.meshgrid(xs, spans, indexing="ij")
    valid = ~((x == 0) & (s > 0))  # without repeat purchases the span is 0
    if discrete:
        valid &= x <= s
        valid[0, 0] = True
    cells = pd.DataFrame(
        {"n_repeat": x[valid], "purchase_span": s[valid], "tenure": np.full(valid.sum(), tenure)}
    )
    return xs, spans, tenure, cells, valid


def _edges(centres: np.ndarray) -> np.ndarray:
    mid = (centres[1:] + centres[:-1]) / 2.0
    first = centres[0] - (mid[0] - centres[0])
    last = centres[-1] + (centres[-1] - mid[-1])
    return np.concatenate([[first], mid, [last]])


def _draw_matrix(
    ax: Axes | None,
    xs: np.ndarray,
    spans: np.ndarray,
    z: np.ndarray,
    *,
    vmax: float | None,
    bar_label: str,
    xlabel: str,
    ylabel: str,
    title: str | None,
    default_title: str,
    percent: bool,
) -> Axes:
    # the figure is made outside the style: pyplot's notebook display state is global
    ax = axes(ax)
    with style():
        mesh = ax.pcolormesh(
            _edges(spans),
            _edges(xs),
            np.ma.masked_invalid(z),
            cmap=SEQUENTIAL,
            vmin=0.0,
            vmax=vmax,
            shading="flat",
            linewidth=0,
            rasterized=z.size > 400,  # a picture of many cells is smaller in SVG
        )
        cbar = colorbar(ax, mesh, bar_label)
        if percent:
            cbar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlim(_edges(spans)[0], _edges(spans)[-1])
        ax.set_ylim(_edges(xs)[0], _edges(xs)[-1])
        ax.yaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_facecolor("#F2F2F2")  # cells that cannot occur
        set_title(ax, title, default_title)
        finish(ax)
    return ax


def plot_probability_alive_matrix(
    model: Any,
    table: pd.DataFrame | None = None,
    *,
    tenure: float | None = None,
    max_n_repeat: int | None = None,
    n_span: int = 40,
    time_unit: str | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    lang: str = "en",
) -> Axes:
    """P(alive) over repeat purchases x purchase span, for customers of one tenure.

    Every cell is a customer observed for ``tenure`` who made ``n_repeat`` repeat purchases,
    the last one ``purchase_span`` after the first; the grid is one small table passed to
    ``model.prob_alive`` in one call. Cells that cannot occur (no repeat purchase but a
    positive span; for BG/BB more transactions than opportunities) stay blank.

    Parameters
    ----------
    model : fitted purchase model
        BetaGeoModel, ParetoNBDModel, ModifiedBetaGeoModel or BetaGeoBetaBinomModel.
    table : pandas.DataFrame, optional
        Customer table, for the defaults: ``tenure`` its largest tenure,
        ``max_n_repeat`` its largest ``n_repeat`` (at most 50).
    tenure : float, optional
        Observation length of the customers of the grid (needed without ``table``).
    max_n_repeat : int, optional
        Largest ``n_repeat`` row (needed without ``table``).
    n_span : int
        Number of purchase-span columns from 0 to ``tenure`` (BG/BB: every opportunity).
    time_unit : {"s", "min", "h", "D", "W"}, optional
        The table's time unit, for the axis texts (BG/BB: opportunities).
    title : str, optional
        Title; ``None`` gives the default, ``""`` none.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure.
    lang : {"en", "zh"}
        Display language of every text.

    Returns
    -------
    matplotlib.axes.Axes
        The mesh is ``ax.collections[0]``: ``max_n_repeat + 1`` rows by the span columns,
        values in [0, 1], masked where the cell cannot occur; a colour bar beside it.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from custvalue import BetaGeoModel
    >>> from custvalue.plotting import plot_probability_alive_matrix
    >>> bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> ax = plot_probability_alive_matrix(bg, tenure=39, max_n_repeat=10, time_unit="W",
    ...                                    ax=Figure().subplots())
    >>> ax.collections[0].get_array().shape
    (11, 40)
    """
    what = "plot_probability_alive_matrix"
    lang = check_lang(lang)
    xs, spans, t, cells, valid = _grid(model, table, tenure, max_n_repeat, n_span, what)
    unit_key = "opportunities" if isinstance(model, BetaGeoBetaBinomModel) else time_unit
    unit = unit_text(unit_key, lang)
    z = np.full(valid.shape, np.nan)
    z[valid] = model.prob_alive(cells).to_numpy(dtype="float64")
    return _draw_matrix(
        ax,
        xs,
        spans,
        z,
        vmax=1.0,
        bar_label=text("alive.colorbar", lang),
        xlabel=text("matrix.x", lang, unit=unit),
        ylabel=text("matrix.y", lang),
        title=title,
        default_title=text(
            "alive.title", lang, tenure=number(t), unit=unit_text(unit_key, lang, t)
        ),
        percent=True,
    )


def plot_expected_purchases_matrix(
    model: Any,
    table: pd.DataFrame | None = None,
    *,
    horizon: float,
    tenure: float | None = None,
    max_n_repeat: int | None = None,
    n_span: int = 40,
    time_unit: str | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    lang: str = "en",
) -> Axes:
    """Draw expected purchases in the next ``horizon`` over repeat purchases x purchase span.

    The grid is built as in :func:`plot_probability_alive_matrix` and passed to
    ``model.expected_purchases(grid, horizon=horizon)`` in one call.

    Parameters
    ----------
    model : fitted purchase model
        BetaGeoModel, ParetoNBDModel, ModifiedBetaGeoModel or BetaGeoBetaBinomModel.
    table : pandas.DataFrame, optional
        Customer table, for the defaults of ``tenure`` and ``max_n_repeat``.
    horizon : float
        How far ahead, in the table's time unit (BG/BB: opportunities).
    tenure, max_n_repeat, n_span, time_unit, title, ax, lang
        As in :func:`plot_probability_alive_matrix`.

    Returns
    -------
    matplotlib.axes.Axes
        The mesh is ``ax.collections[0]`` (values >= 0, masked where the cell cannot occur).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from custvalue import BetaGeoModel
    >>> from custvalue.plotting import plot_expected_purchases_matrix
    >>> bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> ax = plot_expected_purchases_matrix(bg, horizon=52, tenure=39, max_n_repeat=10,
    ...                                     time_unit="W", ax=Figure().subplots())
    >>> ax.get_title(loc="left")
    'Expected purchases in the next 52 weeks'
    """
    what = "plot_expected_purchases_matrix"
    lang = check_lang(lang)
    h = check_scalar("horizon", horizon, minimum=0.0, strict=True)
    xs, spans, t, cells, valid = _grid(model, table, tenure, max_n_repeat, n_span, what)
    unit_key = "opportunities" if isinstance(model, BetaGeoBetaBinomModel) else time_unit
    unit = unit_text(unit_key, lang)
    z = np.full(valid.shape, np.nan)
    z[valid] = model.expected_purchases(cells, horizon=h).to_numpy(dtype="float64")
    ax = _draw_matrix(
        ax,
        xs,
        spans,
        z,
        vmax=None,
        bar_label=text("expected.colorbar", lang),
        xlabel=text("matrix.x", lang, unit=unit),
        ylabel=text("matrix.y", lang),
        title=title,
        default_title=text(
            "expected.title", lang, horizon=number(h), unit=unit_text(unit_key, lang, h)
        ),
        percent=False,
    )
    if title is None:
        sub = text("expected.subtitle", lang, tenure=number(t), unit=unit_text(unit_key, lang, t))
        subtitle(ax, sub)
    return ax


# --------------------------------------------------------------------------- holdout checks
def plot_calibration_holdout(
    evaluation: HoldoutEvaluation | pd.DataFrame,
    *,
    model_name: str | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    lang: str = "en",
) -> Axes:
    """Mean holdout purchases, actual and predicted, by calibration repeat purchases.

    The conditional-expectation check of Fader, Hardie & Lee (2005, Fig. 4). Under each
    group, the number of customers in it.

    Parameters
    ----------
    evaluation : HoldoutEvaluation or pandas.DataFrame
        :func:`custvalue.evaluate_holdout` output, or its ``by_n_repeat`` table (columns
        ``n_customers``, ``actual``, ``predicted``; index the groups ``"0"``, ..., ``"7+"``).
    model_name : str, optional
        Name in the legend (default: the evaluated model's, e.g. ``BG/NBD``).
    title : str, optional
        Title; ``None`` gives the default, ``""`` none.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure.
    lang : {"en", "zh"}
        Display language of every text.

    Returns
    -------
    matplotlib.axes.Axes
        Two lines, actual then predicted, one point per group.

    Examples
    --------
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure
    >>> import custvalue as cv
    >>> from custvalue.plotting import plot_calibration_holdout
    >>> bg = cv.BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> cal = pd.DataFrame({
    ...     "n_repeat": [0, 2, 26], "purchase_span": [0.0, 30.43, 30.857],
    ...     "tenure": [38.86, 38.86, 31.0],
    ...     "holdout_purchases": [0, 1, 24], "holdout_length": [39.0] * 3})
    >>> ax = plot_calibration_holdout(cv.evaluate_holdout(bg, cal, top_code=3),
    ...                               ax=Figure().subplots())
    >>> [line.get_label() for line in ax.get_lines()]
    ['Actual', 'Predicted (BG/NBD)']
    """
    what = "plot_calibration_holdout"
    lang = check_lang(lang)
    name: str | None
    if isinstance(evaluation, HoldoutEvaluation):
        table = evaluation.by_n_repeat
        name = model_name or _model_name(evaluation.model)
    elif isinstance(evaluation, pd.DataFrame):
        table = evaluation
        name = model_name
    else:
        raise TypeError(f"{what}: pass evaluate_holdout output or its by_n_repeat table")
    missing = [c for c in ("n_customers", "actual", "predicted") if c not in table.columns]
    if missing:
        raise ValueError(f"{what}: the table has no column(s) {missing} (by_n_repeat output)")
    n = table["n_customers"].to_numpy(dtype="float64")
    keep = n > 0  # an empty group has no mean
    pos = np.arange(len(table))[keep]
    groups = [str(g) for g in np.asarray(table.index)[keep]]
    pred_label = text("predicted_by", lang, model=name) if name else text("predicted", lang)
    # the figure is made outside the style: pyplot's notebook display state is global
    ax = axes(ax)
    with style():
        ax.plot(
            pos,
            table["actual"].to_numpy(dtype="float64")[keep],
            color=BLACK,
            marker="o",
            markersize=5,
            label=text("actual", lang),
        )
        ax.plot(
            pos,
            table["predicted"].to_numpy(dtype="float64")[keep],
            color=BLUE,
            linestyle="--",
            marker="s",
            markersize=4.5,
            label=pred_label,
        )
        ax.set_xticks(pos, [f"{g}\n({c:,.0f})" for g, c in zip(groups, n[keep], strict=True)])
        ax.set_ylim(bottom=0)
        ax.set_xlabel(text("calhold.x", lang))
        ax.set_ylabel(text("calhold.y", lang))
        set_title(ax, title, text("calhold.title", lang))
        legend(ax, loc="upper left")
        finish(ax, grid="y")
    return ax


def plot_tracking(
    tracking: pd.DataFrame | HoldoutEvaluation,
    *,
    kind: str = "cumulative",
    time_unit: str | None = None,
    model_name: str | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    lang: str = "en",
) -> Axes:
    """Repeat purchases of the cohort over time, actual vs predicted, calibration end marked.

    The tracking plot of Fader, Hardie & Lee (2005, Fig. 3).

    Parameters
    ----------
    tracking : pandas.DataFrame or HoldoutEvaluation
        :func:`custvalue.clv.tracking_series` output, or :func:`custvalue.evaluate_holdout`
        output made with ``transactions=`` (its ``tracking``).
    kind : {"cumulative", "per_period"}
        Cumulative repeat purchases, or repeat purchases in each step.
    time_unit : {"s", "min", "h", "D", "W"}, optional
        The table's time unit, for the axis texts.
    model_name : str, optional
        Name in the legend (default: the evaluated model's, with a HoldoutEvaluation).
    title : str, optional
        Title; ``None`` gives the default, ``""`` none.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure.
    lang : {"en", "zh"}
        Display language of every text.

    Returns
    -------
    matplotlib.axes.Axes
        Lines: actual, predicted, then the vertical calibration-end line (when the series
        has a holdout part).

    Examples
    --------
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure
    >>> from custvalue.plotting import plot_tracking
    >>> series = pd.DataFrame({"end": [1.0, 2.0, 3.0, 4.0],
    ...     "holdout": [False, False, True, True],
    ...     "actual": [0.0, 2.0, 1.0, 2.0], "predicted": [0.5, 1.5, 1.5, 1.4],
    ...     "actual_cumulative": [0.0, 2.0, 3.0, 5.0],
    ...     "predicted_cumulative": [0.5, 2.0, 3.5, 4.9]})
    >>> ax = plot_tracking(series, time_unit="W", ax=Figure().subplots())
    >>> list(ax.get_lines()[2].get_xdata())
    [2.0, 2.0]
    """
    what = "plot_tracking"
    lang = check_lang(lang)
    check_choice("kind", kind, ("cumulative", "per_period"))
    name = model_name
    if isinstance(tracking, HoldoutEvaluation):
        if tracking.tracking is None:
            raise ValueError(
                f"{what}: this evaluation has no tracking series; call "
                "evaluate_holdout(..., transactions=...) to get one"
            )
        name = name or _model_name(tracking.model)
        tracking = tracking.tracking
    if not isinstance(tracking, pd.DataFrame):
        raise TypeError(f"{what}: pass tracking_series output (a pandas DataFrame)")
    suffix = "_cumulative" if kind == "cumulative" else ""
    cols = ["end", "holdout", "actual" + suffix, "predicted" + suffix]
    missing = [c for c in cols if c not in tracking.columns]
    if missing:
        raise ValueError(f"{what}: the series has no column(s) {missing} (tracking_series output)")
    checks = Checks(what)
    end = numeric_array(tracking["end"], "end", checks)
    checks.raise_if_failed()
    if end.size == 0:
        raise ValueError(f"{what}: the series is empty")
    holdout = tracking["holdout"].to_numpy(dtype=bool)
    unit = unit_text(time_unit, lang)
    step = float(end[0])
    pred_label = text("predicted_by", lang, model=name) if name else text("predicted", lang)
    # the figure is made outside the style: pyplot's notebook display state is global
    ax = axes(ax)
    with style():
        ax.plot(end, tracking[cols[2]].to_numpy(dtype="float64"), color=BLACK,
                label=text("actual", lang))  # fmt: skip
        ax.plot(end, tracking[cols[3]].to_numpy(dtype="float64"), color=BLUE, linestyle="--",
                label=pred_label)  # fmt: skip
        if holdout.any() and not holdout.all():
            cal_end = float(end[~holdout].max())
            ax.axvline(cal_end, color=ORANGE, linewidth=1.2, linestyle=":")
            ax.annotate(
                text("tracking.calibration_end", lang),
                xy=(cal_end, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(-4, -2),
                textcoords="offset points",
                ha="right",
                va="top",
                fontsize=TICK_SIZE,
                color=TEXT,
            )
        ax.set_xlim(0, float(end.max()))
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
        ax.set_xlabel(text("tracking.x", lang, unit=unit))
        ax.set_ylabel(text("tracking.y", lang))
        if kind == "cumulative":
            default = text("tracking.title.cumulative", lang)
        elif step == 1:
            default = text("tracking.title.per_unit", lang, unit=unit_text(time_unit, lang, 1))
        else:
            unit_n = unit_text(time_unit, lang, step)
            default = text("tracking.title.per_period", lang, step=number(step), unit=unit_n)
        set_title(ax, title, default)
        # in the title row, clear of the lines
        legend(ax, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, borderaxespad=0.2)
        finish(ax, grid="y")
    return ax
