"""Plots of who brings the value and which tier each customer is in.

The concentration curve, the customer pyramid, the value matrix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.patches import Polygon, Rectangle
from matplotlib.ticker import PercentFormatter

from .._deprecation import renamed
from .._validation import Checks, check_choice, numeric_array
from ..abc import abc_classes, concentration_curve, gini
from ..labels import LABELS
from ..pyramid import VALUE_CLASSES
from . import _data
from ._style import (
    BLUE,
    CATEGORICAL,
    MUTED,
    ORANGE,
    TEXT,
    TICK_SIZE,
    axes,
    check_lang,
    finish,
    legend,
    percent,
    style,
    text,
)
from ._style import title as set_title

__all__ = ["plot_concentration", "plot_pyramid", "plot_value_matrix"]

_CURVE = ("customer_share", "value_share")


# --------------------------------------------------------------------------- concentration
def _curve_input(curve: pd.DataFrame, what: str) -> pd.DataFrame:
    checks = Checks(what)
    x = numeric_array(curve["customer_share"], "customer_share", checks)
    y = numeric_array(curve["value_share"], "value_share", checks)
    checks.raise_if_failed()
    ok = (
        x.size >= 2
        and x[0] == 0
        and y[0] == 0
        and np.isclose(x[-1], 1)
        and np.isclose(y[-1], 1)
        and bool(np.all(np.diff(x) > 0))
        and bool(np.all(np.diff(y) >= -1e-12))
    )
    if not ok:
        raise ValueError(
            f"{what}: a concentration curve runs from (0, 0) to (1, 1) with increasing "
            "customer_share and non-decreasing value_share (custvalue.concentration_curve output)"
        )
    return curve


def _first_reaching(x: np.ndarray, y: np.ndarray, cutoff: float) -> float:
    """Return the customer share at the first curve point whose value share reaches ``cutoff``."""
    k = int(np.searchsorted(y, cutoff - 1e-12, side="left"))
    return float(x[min(k, x.size - 1)])


@renamed(cost_to_serve="cost", since="0.2")
def plot_concentration(
    values: pd.Series | pd.DataFrame,
    *,
    abc: pd.Series | None = None,
    method: str = "fixed",
    cutoffs: tuple[float, float] = (0.8, 0.95),
    show_abc: bool = True,
    margin: float | pd.Series | None = None,
    cost: float | pd.Series | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    lang: str = "en",
) -> Axes:
    """Concentration (Lorenz / ABC) curve with the ABC class limits and the Gini.

    Parameters
    ----------
    values : pandas.Series or pandas.DataFrame
        Value per customer, a customer table (``total_spend``), or a curve from
        :func:`custvalue.concentration_curve` (columns ``customer_share``, ``value_share``).
    abc : pandas.Series, optional
        ABC classes to mark (:func:`custvalue.abc_classes` output on the same customers). By
        default they are computed from ``values`` with ``method`` and ``cutoffs``; for a
        curve, the limits are the first curve points reaching the ``cutoffs``.
    method : {"fixed", "computed"}
        As in :func:`custvalue.abc_classes`, when ``abc`` is not given.
    cutoffs : tuple of float
        As in :func:`custvalue.abc_classes` (``method="fixed"``).
    show_abc : bool
        Mark the class limits (A/B and B/C) and name the classes.
    margin, cost : optional
        As in :func:`custvalue.concentration_curve` (revenue into profit).
    title : str, optional
        Title; ``None`` gives the default, ``""`` none.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure.
    lang : {"en", "zh"}
        Display language of every text.

    Returns
    -------
    matplotlib.axes.Axes
        The curve is the first line (it ends at (1, 1)); the Gini is in its legend label.

    Examples
    --------
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure
    >>> from custvalue.plotting import plot_concentration
    >>> v = pd.Series([60.0, 20.0, 10.0, 5.0, 3.0, 2.0], index=list("abcdef"))
    >>> ax = plot_concentration(v, ax=Figure().subplots(), lang="zh")
    >>> ax.get_lines()[0].get_xydata()[-1].tolist()
    [1.0, 1.0]
    >>> ax.get_legend().get_texts()[0].get_text()
    '集中度曲线（基尼系数 0.58）'
    """
    what = "plot_concentration"
    lang = check_lang(lang)
    is_curve = isinstance(values, pd.DataFrame) and set(_CURVE) <= set(values.columns)
    if is_curve:
        assert isinstance(values, pd.DataFrame)
        curve = _curve_input(values, what)
        if margin is not None or cost is not None:
            raise ValueError(f"{what}: margin and cost apply to values, not to a curve")
    else:
        curve = concentration_curve(values, margin=margin, cost=cost)
    x = curve["customer_share"].to_numpy(dtype="float64")
    y = curve["value_share"].to_numpy(dtype="float64")
    if is_curve:  # Gini = 2 x area under the (largest-first) curve - 1, trapezoids exact
        g = float(max(2.0 * np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2.0) - 1.0, 0.0))
    else:
        g = gini(values, margin=margin, cost=cost)

    limits: list[float] = []
    if show_abc:
        if abc is not None:
            classes = _data.categorical(abc, what, "abc")
            if list(classes.cat.categories) != ["A", "B", "C"]:
                raise ValueError(f"{what}: abc must be abc_classes output (categories A, B, C)")
            if len(classes) != x.size - 1:
                raise ValueError(
                    f"{what}: abc has {len(classes)} customers, the curve {x.size - 1}"
                )
            counts = classes.value_counts(sort=False).reindex(["A", "B", "C"]).to_numpy()
            limits = [float(counts[0]) / len(classes), float(counts[:2].sum()) / len(classes)]
        elif is_curve:
            check_choice("method", method, ("fixed",))
            limits = [_first_reaching(x, y, c) for c in cutoffs]
        else:
            classes = abc_classes(values, method=method, cutoffs=cutoffs, margin=margin, cost=cost)
            counts = classes.value_counts(sort=False).reindex(["A", "B", "C"]).to_numpy()
            limits = [float(counts[0]) / len(classes), float(counts[:2].sum()) / len(classes)]

    # the figure is made outside the style: pyplot's notebook display state is global
    ax = axes(ax)
    with style():
        ax.plot(x, y, color=BLUE, linewidth=2.0, label=text("concentration.curve", lang, gini=g))
        ax.plot(
            [0, 1],
            [0, 1],
            color=MUTED,
            linewidth=1.0,
            linestyle="--",
            label=text("concentration.equality", lang),
        )
        if limits:
            names = [LABELS["abc_class"][c][lang] for c in ("A", "B", "C")]
            edges = [0.0, *limits, 1.0]
            for k, lim in enumerate(limits):
                v = float(np.interp(lim, x, y))
                ax.plot([lim, lim], [0, v], color=MUTED, linewidth=0.9, linestyle=":")
                ax.plot([0, lim], [v, v], color=MUTED, linewidth=0.9, linestyle=":")
                ax.plot([lim], [v], marker="o", markersize=4.5, color=ORANGE, linestyle="")
                if k == 0:
                    ax.annotate(
                        text("concentration.limit", lang, customers=percent(lim), value=percent(v)),
                        xy=(lim, v),
                        xytext=(8, -14),
                        textcoords="offset points",
                        fontsize=TICK_SIZE,
                        color=TEXT,
                        va="top",
                    )
            for k, name in enumerate(names):
                lo, hi = edges[k], edges[k + 1]
                if hi - lo >= 0.06:
                    ax.text(
                        (lo + hi) / 2,
                        0.02,
                        name,
                        ha="center",
                        va="bottom",
                        fontsize=TICK_SIZE,
                        color=MUTED,
                    )
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel(text("concentration.x", lang))
        ax.set_ylabel(text("concentration.y", lang))
        set_title(ax, title, text("concentration.title", lang))
        legend(ax, loc="lower right", bbox_to_anchor=(1.0, 0.09))  # above the class names
        finish(ax, grid="both")
    return ax


# --------------------------------------------------------------------------- pyramid
def _shares(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        frame["n_customers"].to_numpy(dtype="int64"),
        frame["customer_share"].to_numpy(dtype="float64"),
        frame["value_share"].to_numpy(dtype="float64"),
    )


def _detail(key: str, lang: str, n: int, customers: float, value: float) -> str:
    """Return customers and their share, and the value share when there is one."""
    if np.isnan(value):
        return text(key, lang, n=int(n), customers=percent(customers))
    return text(f"{key}_value", lang, n=int(n), customers=percent(customers), value=percent(value))


def plot_pyramid(
    tiers: pd.Series | pd.DataFrame,
    value: pd.Series | None = None,
    *,
    title: str | None = None,
    ax: Axes | None = None,
    lang: str = "en",
) -> Axes:
    """Draw the customer pyramid: one band per tier, best at the top, with counts and shares.

    The bands are drawn with equal heights (the pyramid is the usual picture, not a scale);
    beside each band: the tier, its customers, their share of all customers and, with
    values, their share of the value. Tiers without customers (e.g. ``potential`` when no
    prospects were given) are left out.

    Parameters
    ----------
    tiers : pandas.Series or pandas.DataFrame
        :func:`custvalue.pyramid_tiers` output, or :func:`custvalue.segment_report` output
        on it.
    value : pandas.Series, optional
        Value per customer on the same customers (with a Series of tiers).
    title : str, optional
        Title; ``None`` gives the default, ``""`` none.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure.
    lang : {"en", "zh"}
        Display language of every text.

    Returns
    -------
    matplotlib.axes.Axes
        One polygon patch per tier drawn (``ax.patches``), top tier first.

    Examples
    --------
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure
    >>> from custvalue import pyramid_tiers
    >>> from custvalue.plotting import plot_pyramid
    >>> v = pd.Series([500.0, 90.0, 40.0, 10.0, 5.0], index=list("abcde"))
    >>> tiers = pyramid_tiers(v, shares=(0.2, 0.2, 0.2))
    >>> ax = plot_pyramid(tiers, v, ax=Figure().subplots())
    >>> len(ax.patches)
    4
    """
    what = "plot_pyramid"
    lang = check_lang(lang)
    frame, names = _data.segment_frame(tiers, value, what, lang)
    keep = frame["n_customers"].to_numpy() > 0
    frame = frame[keep]
    names = [n for n, k in zip(names, keep, strict=True) if k]
    n = len(names)
    if n == 0:
        raise ValueError(f"{what}: no customers in any tier")
    # the figure is made outside the style: pyplot's notebook display state is global
    ax = axes(ax)
    with style():
        colors = [to_rgba(CATEGORICAL[i % len(CATEGORICAL)]) for i in range(n)]
        base = 1.0  # half-width of the base; apex at height n
        rows = zip(names, *_shares(frame), strict=True)
        for i, (name, n_i, c_i, v_i) in enumerate(rows):
            top, bottom = n - i, n - i - 1
            wt, wb = base * i / n, base * (i + 1) / n
            ax.add_patch(
                Polygon(
                    [(-wb, bottom), (wb, bottom), (wt, top), (-wt, top)],
                    closed=True,
                    facecolor=colors[i],
                    edgecolor="white",
                    linewidth=1.5,
                    label=name,
                )
            )
            detail = _detail("pyramid.band", lang, n_i, c_i, v_i)
            y = bottom + 0.5
            ax.text(1.1, y + 0.13, name, ha="left", va="bottom", fontweight="bold", color=TEXT)
            ax.text(1.1, y + 0.07, detail, ha="left", va="top", fontsize=TICK_SIZE, color=TEXT)
            ax.plot([(wt + wb) / 2 + 0.03, 1.06], [y, y], color=MUTED, linewidth=0.6, linestyle=":")
        ax.set_xlim(-1.05, 3.2)
        ax.set_ylim(-0.05, n + 0.05)
        ax.set_axis_off()
        set_title(ax, title, text("pyramid.title", lang))
    return ax


# --------------------------------------------------------------------------- value matrix
# tiles of the value matrix in (current value, future value) space, 0..2 x 0..2:
# most valuable = high current value (any future); most growable = high future value only;
# below zero = loss-making and future not high (far left); maintain = the rest.
_TILES = {
    "most_valuable": (1.0, 0.0, 1.0, 2.0),
    "most_growable": (0.0, 1.0, 1.0, 1.0),
    "maintain": (0.5, 0.0, 0.5, 1.0),
    "below_zero": (0.0, 0.0, 0.5, 1.0),
}


def plot_value_matrix(
    classes: pd.Series | pd.DataFrame,
    value: pd.Series | None = None,
    *,
    title: str | None = None,
    ax: Axes | None = None,
    lang: str = "en",
) -> Axes:
    """Draw the value matrix: current against future value, one tile per value class.

    Tiles follow the rules of :func:`custvalue.value_matrix`: a high current value makes a
    customer most valuable whatever the future value (the right column); a high future value
    alone makes them most growable (top left); below the current-value line sit the
    loss-making customers (below zero) and the rest (maintain). Tile sizes are fixed; each
    tile gives the customers, their share and, with values, their share of the value.

    Parameters
    ----------
    classes : pandas.Series or pandas.DataFrame
        :func:`custvalue.value_matrix` output, or :func:`custvalue.segment_report` output on it.
    value : pandas.Series, optional
        Value per customer on the same customers (with a Series of classes).
    title : str, optional
        Title; ``None`` gives the default, ``""`` none.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure.
    lang : {"en", "zh"}
        Display language of every text.

    Returns
    -------
    matplotlib.axes.Axes
        Four rectangle patches (``ax.patches``) in the order of the classes.

    Examples
    --------
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure
    >>> from custvalue import value_matrix
    >>> from custvalue.plotting import plot_value_matrix
    >>> cur = pd.Series([900.0, 50.0, 40.0, 30.0, 5.0], index=list("abcde"))
    >>> fut = pd.Series([800.0, 700.0, 30.0, 20.0, 1.0], index=list("abcde"))
    >>> cost = pd.Series([100.0, 10.0, 10.0, 10.0, 25.0], index=list("abcde"))
    >>> vc = value_matrix(cur, fut, cost=cost, current_top=0.2, future_top=0.4)
    >>> ax = plot_value_matrix(vc, cur - cost, ax=Figure().subplots())
    >>> len(ax.patches)
    4
    """
    what = "plot_value_matrix"
    lang = check_lang(lang)
    frame, names = _data.segment_frame(classes, value, what, lang)
    codes = [str(c) for c in frame.index]
    known = [list(VALUE_CLASSES)] + [
        [LABELS["value_class"][c][lg] for c in VALUE_CLASSES] for lg in ("en", "zh")
    ]
    if codes not in known:
        raise ValueError(
            f"{what}: expected value_matrix output (classes {list(VALUE_CLASSES)}), got {codes}"
        )
    # the figure is made outside the style: pyplot's notebook display state is global
    ax = axes(ax)
    with style():
        rows = zip(VALUE_CLASSES, names, *_shares(frame), strict=True)
        for i, (code, name, n_i, c_i, v_i) in enumerate(rows):
            x0, y0, w, h = _TILES[code]
            color = CATEGORICAL[i]
            ax.add_patch(
                Rectangle(
                    (x0, y0),
                    w,
                    h,
                    facecolor=to_rgba(color, 0.22),
                    edgecolor="white",
                    linewidth=3.0,
                    label=name,
                )
            )
            detail = _detail("value_matrix.cell", lang, n_i, c_i, v_i)
            cx, cy = x0 + w / 2, y0 + h / 2
            ax.text(cx, cy + 0.04, name, ha="center", va="bottom", fontweight="bold", color=TEXT)
            ax.text(
                cx, cy, detail, ha="center", va="top", fontsize=TICK_SIZE - 0.5, color=TEXT,
                linespacing=1.2,
            )  # fmt: skip
        ax.set_xlim(0, 2)
        ax.set_ylim(0, 2)
        other, high = text("value_matrix.other", lang), text("value_matrix.high", lang)
        ax.set_xticks([0.5, 1.5], [other, high])
        ax.set_yticks([0.5, 1.5], [other, high])
        ax.set_xlabel(text("value_matrix.x", lang))
        ax.set_ylabel(text("value_matrix.y", lang))
        set_title(ax, title, text("value_matrix.title", lang))
        finish(ax)
        ax.spines[["left", "bottom"]].set_visible(False)
        ax.tick_params(length=0)
    return ax
