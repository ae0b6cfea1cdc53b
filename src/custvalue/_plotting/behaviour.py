"""Plots of how customers behave and where they are going.

The RFM heatmap, segments, lifecycle stages.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from .._validation import Checks, check_scalar, numeric_array
from . import _data
from ._style import (
    BLUE,
    ORANGE,
    SEQUENTIAL,
    TEXT,
    TICK_SIZE,
    axes,
    check_lang,
    colorbar,
    compact,
    finish,
    legend,
    percent,
    style,
    text,
    text_color_on,
    thousands,
)
from ._style import title as set_title

__all__ = ["plot_lifecycle", "plot_rfm_heatmap", "plot_segments"]


# --------------------------------------------------------------------------- RFM heatmap
def plot_rfm_heatmap(
    scores: pd.DataFrame,
    value: pd.Series | None = None,
    *,
    n_bins: int = 5,
    value_label: str | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    lang: str = "en",
) -> Axes:
    """Heatmap over the (R, F) score cells: customers per cell, or the mean of a value.

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`custvalue.rfm_scores` output (``r_score``, ``f_score``).
    value : pandas.Series, optional
        A value per customer on the same customers (e.g. ``table["total_spend"]`` or CLV):
        the cells show its mean (empty cells stay blank). Without it, the number of customers.
    n_bins : int, default 5
        Number of scores per dimension, as given to :func:`custvalue.rfm_scores`.
    value_label : str, optional
        Name of the value in the title and colour bar (default: a known column's display
        name, else the Series name).
    title : str, optional
        Title; ``None`` gives the default, ``""`` none.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure.
    lang : {"en", "zh"}
        Display language of every text.

    Returns
    -------
    matplotlib.axes.Axes
        One mesh (``ax.collections[0]``) of ``n_bins x n_bins`` cells (rows F, columns R),
        each annotated; a colour bar beside it.

    Examples
    --------
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure
    >>> from custvalue import rfm_scores
    >>> from custvalue.plotting import plot_rfm_heatmap
    >>> t = pd.DataFrame({"time_since_last": [1.0, 5.0, 5.0, 30.0],
    ...                   "n_purchases": [6, 2, 1, 1],
    ...                   "total_spend": [300.0, 80.0, 20.0, 10.0]}, index=list("abcd"))
    >>> ax = plot_rfm_heatmap(rfm_scores(t, n_bins=3), ax=Figure().subplots())
    >>> int(ax.collections[0].get_array().sum())
    4
    """
    what = "plot_rfm_heatmap"
    lang = check_lang(lang)
    if not isinstance(scores, pd.DataFrame):
        raise TypeError(f"{what}: scores must be rfm_scores output (a pandas DataFrame)")
    missing = [c for c in ("r_score", "f_score") if c not in scores.columns]
    if missing:
        raise ValueError(f"{what}: scores has no column(s) {missing}; pass rfm_scores output")
    checks = Checks(what, ids=scores.index)
    r = numeric_array(scores["r_score"], "r_score", checks)
    f = numeric_array(scores["f_score"], "f_score", checks)
    checks.raise_if_failed()
    n_bins = int(check_scalar("n_bins", n_bins, minimum=2, integer=True))
    if max(r.max(), f.max()) > n_bins:
        raise ValueError(
            f"{what}: scores above n_bins={n_bins}; pass the n_bins given to rfm_scores"
        )
    for col, s in (("r_score", r), ("f_score", f)):
        checks.rows((s < 1) | (s > n_bins) | (s != np.floor(s)), col, f"not a score 1..{n_bins}")
    checks.raise_if_failed()
    cell = ((f - 1) * n_bins + (r - 1)).astype("int64")
    count = np.bincount(cell, minlength=n_bins * n_bins).astype("float64")
    if value is None:
        grid = count
        label = text("customers", lang)
        default_title = text("rfm.title.count", lang)
    else:
        v = _data.value_series(value, what)
        if not v.index.equals(scores.index):
            vname = str(v.name)
            checks.rows(~scores.index.isin(v.index), vname, "customers without a value")
            checks.rows(v.index.duplicated(), vname, "duplicate customer ids", ids=v.index)
            checks.raise_if_failed()
            v = v.reindex(scores.index)
        total = np.bincount(cell, weights=v.to_numpy(dtype="float64"), minlength=count.size)
        with np.errstate(invalid="ignore", divide="ignore"):
            grid = np.where(count > 0, total / np.where(count > 0, count, 1.0), np.nan)
        name = _data.value_name(v, value_label, lang)
        label = text("rfm.mean", lang, value=name)
        default_title = text("rfm.title.mean", lang, value=name)
    z = grid.reshape(n_bins, n_bins)  # rows: F score, columns: R score

    # the figure is made outside the style: pyplot's notebook display state is global
    ax = axes(ax)
    with style():
        edges = np.arange(0.5, n_bins + 1.0)
        mesh = ax.pcolormesh(
            edges, edges, np.ma.masked_invalid(z), cmap=SEQUENTIAL, edgecolors="white",
            linewidth=1.0,
        )  # fmt: skip
        cbar = colorbar(ax, mesh, label)
        cbar.ax.yaxis.set_major_formatter(FuncFormatter(compact))
        fmt = thousands if value is None else compact
        for i in range(n_bins):
            for j in range(n_bins):
                if np.isnan(z[i, j]):
                    continue
                rgba = mesh.cmap(mesh.norm(z[i, j]))
                ax.text(
                    j + 1,
                    i + 1,
                    fmt(float(z[i, j])),
                    ha="center",
                    va="center",
                    fontsize=TICK_SIZE if n_bins <= 6 else TICK_SIZE - 1.5,
                    color=text_color_on(rgba),
                )
        ticks = np.arange(1, n_bins + 1)
        ax.set_xticks(ticks)
        ax.set_yticks(ticks)
        ax.set_xlim(0.5, n_bins + 0.5)
        ax.set_ylim(0.5, n_bins + 0.5)
        ax.set_facecolor("#F2F2F2")  # cells without customers (no mean) read as empty
        ax.set_xlabel(text("rfm.x", lang))
        ax.set_ylabel(text("rfm.y", lang))
        set_title(ax, title, default_title)
        finish(ax)
        ax.spines[["left", "bottom"]].set_visible(False)
        ax.tick_params(length=0)
    return ax


# --------------------------------------------------------------------------- segments
def _bar_labels(ax: Axes, bars: Any, shares: np.ndarray) -> None:
    for rect, s in zip(bars, shares, strict=True):
        if np.isnan(s):
            continue
        ax.annotate(
            percent(float(s)),
            xy=(rect.get_x() + rect.get_width(), rect.get_y() + rect.get_height() / 2),
            xytext=(3 if s >= 0 else -3, 0),
            textcoords="offset points",
            ha="left" if s >= 0 else "right",
            va="center",
            fontsize=TICK_SIZE - 1,
            color=TEXT,
        )


def plot_segments(
    segments: pd.Series | pd.DataFrame,
    value: pd.Series | None = None,
    *,
    title: str | None = None,
    ax: Axes | None = None,
    lang: str = "en",
) -> Axes:
    """Share of customers and share of value of every segment, side by side.

    Parameters
    ----------
    segments : pandas.Series or pandas.DataFrame
        A categorical segmentation (ABC class, RFM segment, tier, stage...) or
        :func:`custvalue.segment_report` output. Segments keep their category order (top to
        bottom), empty ones included; known codes get their display labels.
    value : pandas.Series, optional
        Value per customer on the same customers, with a Series of segments (for its shares
        of value). Without it only the customer shares are drawn.
    title : str, optional
        Title; ``None`` gives the default, ``""`` none.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure.
    lang : {"en", "zh"}
        Display language of every text.

    Returns
    -------
    matplotlib.axes.Axes
        Horizontal bars: one per segment for the customer share (``ax.containers[0]``) and,
        with values, one per segment for the value share (``ax.containers[1]``).

    Examples
    --------
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure
    >>> from custvalue import abc_classes
    >>> from custvalue.plotting import plot_segments
    >>> v = pd.Series([60.0, 20.0, 10.0, 5.0, 3.0, 2.0], index=list("abcdef"))
    >>> ax = plot_segments(abc_classes(v), v, ax=Figure().subplots(), lang="zh")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['A类客户', 'B类客户', 'C类客户']
    >>> [round(float(b.get_width()), 2) for b in ax.containers[1]]
    [0.8, 0.15, 0.05]
    """
    what = "plot_segments"
    lang = check_lang(lang)
    frame, names = _data.segment_frame(segments, value, what, lang)
    cust = frame["customer_share"].to_numpy(dtype="float64")
    val = frame["value_share"].to_numpy(dtype="float64")
    has_value = not np.all(np.isnan(val))
    k = len(names)
    pos = np.arange(k)[::-1].astype("float64")
    # the figure is made outside the style: pyplot's notebook display state is global
    ax = axes(ax)
    with style():
        h = 0.38 if has_value else 0.6
        off = h / 2 if has_value else 0.0
        bars = ax.barh(
            pos + off, cust, height=h, color=BLUE, label=text("share_of_customers", lang)
        )
        _bar_labels(ax, bars, cust)
        if has_value:
            vb = ax.barh(pos - off, val, height=h, color=ORANGE, label=text("share_of_value", lang))
            _bar_labels(ax, vb, val)
        ax.set_yticks(pos, names)
        hi = float(np.nanmax(np.concatenate([cust, val if has_value else cust])))
        lo = float(np.nanmin(np.concatenate([cust, val if has_value else cust])))
        ax.set_xlim(min(lo * 1.2, 0.0), max(hi, 0.01) * 1.16)
        ax.set_ylim(-0.6, k - 0.4)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        set_title(ax, title, text("segments.title", lang))
        # below the axis, in place of an axis label: clear of bars of any length
        legend(ax, loc="upper center", bbox_to_anchor=(0.5, -0.07), ncols=2, borderaxespad=0.0)
        finish(ax, grid="x")
        ax.tick_params(axis="y", length=0)
    return ax


# --------------------------------------------------------------------------- lifecycle
def plot_lifecycle(
    stages: pd.Series | pd.DataFrame,
    *,
    title: str | None = None,
    ax: Axes | None = None,
    lang: str = "en",
) -> Axes:
    """Plot customers per lifecycle stage, in stage order, with counts and shares.

    Parameters
    ----------
    stages : pandas.Series or pandas.DataFrame
        :func:`custvalue.lifecycle_stages` output, or the
        :func:`custvalue.explain_lifecycle` DataFrame (its ``lifecycle_stage`` column). Every stage gets a bar, empty ones
        included.
    title : str, optional
        Title; ``None`` gives the default, ``""`` none.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure.
    lang : {"en", "zh"}
        Display language of every text.

    Returns
    -------
    matplotlib.axes.Axes
        One bar per stage (``ax.containers[0]``), heights the customer counts.

    Examples
    --------
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure
    >>> from custvalue.lifecycle import LIFECYCLE_STAGES
    >>> from custvalue.plotting import plot_lifecycle
    >>> s = pd.Series(pd.Categorical(["new", "mature", "mature", "churned"],
    ...               categories=LIFECYCLE_STAGES, ordered=True), name="lifecycle_stage")
    >>> ax = plot_lifecycle(s, ax=Figure().subplots())
    >>> [int(b.get_height()) for b in ax.containers[0]]
    [0, 1, 0, 2, 0, 1, 0]
    """
    what = "plot_lifecycle"
    lang = check_lang(lang)
    if isinstance(stages, pd.DataFrame):
        if "lifecycle_stage" not in stages.columns:
            raise ValueError(f"{what}: the DataFrame has no 'lifecycle_stage' column")
        stages = stages["lifecycle_stage"]
    frame, names = _data.segment_frame(stages, None, what, lang)
    counts = frame["n_customers"].to_numpy(dtype="float64")
    shares = frame["customer_share"].to_numpy(dtype="float64")
    # the figure is made outside the style: pyplot's notebook display state is global
    ax = axes(ax)
    with style():
        pos = np.arange(len(names))
        bars = ax.bar(pos, counts, width=0.66, color=BLUE)
        for rect, c, s in zip(bars, counts, shares, strict=True):
            ax.annotate(
                f"{c:,.0f}\n{percent(float(s))}",
                xy=(rect.get_x() + rect.get_width() / 2, rect.get_height()),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=TICK_SIZE - 0.5,
                color=TEXT,
                linespacing=1.1,
            )
        ax.set_xticks(pos, names)
        ax.set_ylim(0, max(float(counts.max()), 1.0) * 1.2)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(thousands))
        ax.set_ylabel(text("customers", lang))
        set_title(ax, title, text("lifecycle.title", lang))
        finish(ax, grid="y")
        ax.tick_params(axis="x", length=0)
    return ax
