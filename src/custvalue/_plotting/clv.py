"""The distribution of customer lifetime value."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, PercentFormatter

from .._validation import check_choice, check_scalar
from . import _data
from ._style import (
    BLACK,
    BLUE,
    ORANGE,
    axes,
    check_lang,
    finish,
    legend,
    style,
    text,
)
from ._style import title as set_title

__all__ = ["plot_clv_distribution"]


# --------------------------------------------------------------------------- CLV
def plot_clv_distribution(
    clv: pd.Series,
    *,
    kind: str = "hist",
    bins: int = 40,
    upper_quantile: float = 0.99,
    value_label: str | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    lang: str = "en",
) -> Axes:
    """Distribution of customer lifetime value: histogram or empirical CDF.

    CLV is heavy-tailed, so the axis stops at the ``upper_quantile`` of the values and the
    legend says how many customers lie above it (nothing is dropped silently); the mean and
    median (of all customers) are marked.

    Parameters
    ----------
    clv : pandas.Series
        CLV (or any value) per customer, e.g. :func:`custvalue.customer_lifetime_value`.
    kind : {"hist", "ecdf"}
        Histogram of customer counts, or the share of customers at or below each value.
    bins : int
        Number of histogram bins.
    upper_quantile : float
        Quantile of the values where the axis ends, in (0, 1]; 1 shows everything.
    value_label : str, optional
        Name of the value on the axis (default: a known column's display name, else the
        Series name).
    title : str, optional
        Title; ``None`` gives the default, ``""`` none.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure.
    lang : {"en", "zh"}
        Display language of every text.

    Returns
    -------
    matplotlib.axes.Axes
        Histogram bars (``ax.patches``) or the ECDF step line, and the mean and median lines.

    Examples
    --------
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure
    >>> from custvalue.plotting import plot_clv_distribution
    >>> clv = pd.Series([1.0, 2.0, 2.5, 4.0, 40.0], name="clv")
    >>> ax = plot_clv_distribution(clv, bins=4, upper_quantile=1.0, ax=Figure().subplots())
    >>> len(ax.patches), float(sum(p.get_height() for p in ax.patches))
    (4, 5.0)
    """
    what = "plot_clv_distribution"
    lang = check_lang(lang)
    check_choice("kind", kind, ("hist", "ecdf"))
    bins = int(check_scalar("bins", bins, minimum=1, integer=True))
    q = check_scalar("upper_quantile", upper_quantile, minimum=0.0, strict=True, maximum=1.0)
    series = _data.value_series(clv, what, "clv")
    v = series.to_numpy(dtype="float64")
    if v.size == 0:
        raise ValueError(f"{what}: no values")
    upper = float(np.quantile(v, q)) if q < 1 else float(v.max())
    shown = v[v <= upper]
    hidden = int(v.size - shown.size)
    name = _data.value_name(series, value_label, lang)
    # the figure is made outside the style: pyplot's notebook display state is global
    ax = axes(ax)
    with style():
        if kind == "hist":
            ax.hist(shown, bins=bins, color=BLUE, edgecolor="white", linewidth=0.4)
            ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _p: f"{y:,.0f}"))
            ax.set_ylabel(text("clv.y.hist", lang))
        else:
            s = np.sort(v)
            share = np.arange(1, s.size + 1) / s.size
            keep = s <= upper
            xs = np.append(s[keep], upper)  # flat to the edge of the axis
            ys = np.append(share[keep], share[keep][-1])
            ax.step(xs, ys, where="post", color=BLUE)
            ax.set_ylim(0, 1.02)
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            ax.set_ylabel(text("clv.y.ecdf", lang))
        mean, median = float(v.mean()), float(np.median(v))
        ax.axvline(mean, color=ORANGE, linewidth=1.4, label=text("clv.mean", lang, v=mean))
        ax.axvline(median, color=BLACK, linewidth=1.2, linestyle="--",
                   label=text("clv.median", lang, v=median))  # fmt: skip
        ax.set_xlim(left=min(float(shown.min()), 0.0), right=upper)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:,.0f}"))
        ax.set_xlabel(name)
        note = text("clv.clipped", lang, n=hidden, x=upper) if hidden else None
        set_title(ax, title, text("clv.title", lang))
        legend(ax, loc="upper right" if kind == "hist" else "lower right", title=note)
        finish(ax, grid="y")
    return ax
