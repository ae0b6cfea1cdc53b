"""Plots of every analysis, drawn with matplotlib (the ``plot`` extra).

Install with ``pip install "custvalue[plot]"`` (matplotlib >= 3.8). Every function takes
its data (or a fitted model and a table), keyword-only options, ``ax=None`` and
``lang="en" | "zh"``, and returns the :class:`~matplotlib.axes.Axes` it drew on. With
``ax=None`` it makes a new pyplot figure (640 x 400 px), which notebooks show; pyplot is
imported only then, never by ``import custvalue``. Pass ``ax`` to draw anywhere else, e.g.
on a :class:`matplotlib.figure.Figure` made directly (no pyplot state), and turn that into
an inline SVG element with :func:`figure_to_svg`.

=============================================  ==================================================
:func:`plot_concentration`                     concentration curve, ABC limits, Gini
:func:`plot_rfm_heatmap`                       customers (or a mean value) per (R, F) cell
:func:`plot_segments`                          share of customers and of value per segment
:func:`plot_pyramid`                           the customer pyramid, counts and value shares
:func:`plot_value_matrix`                      the value matrix (MVC, MGC, maintain, BZ)
:func:`plot_lifecycle`                         customers per lifecycle stage
:func:`plot_probability_alive_matrix`          P(alive) over repeat purchases x span
:func:`plot_expected_purchases_matrix`         expected purchases over repeat purchases x span
:func:`plot_calibration_holdout`               holdout purchases by calibration purchases
:func:`plot_tracking`                          cumulative / per-period repeat purchases
:func:`plot_clv_distribution`                  histogram or ECDF of CLV
:func:`figure_to_svg`                          a figure as one self-contained ``<svg>`` element
=============================================  ==================================================

Style
-----
One style for all plots, for screen and print: the Okabe-Ito palette (distinguishable with
every common colour-vision deficiency; the blue/orange pairs also differ in lightness, so
they survive greyscale), viridis for heatmaps, no top/right spines, light grid lines. The
style is applied per call through a local :func:`matplotlib.rc_context` and explicit
artist arguments: ``matplotlib.rcParams`` are never changed.

Chinese text
------------
Latin text is drawn in DejaVu Sans, which matplotlib ships. Chinese text is drawn in a
small font bundled with custvalue, "custvalue CJK": a subset of Noto Sans CJK SC Regular
(SIL Open Font License 1.1) holding exactly the characters of the Chinese labels in
:mod:`custvalue.labels` (about 40 kB per weight, regular and bold). So ``lang="zh"`` renders the same on every machine,
with or without CJK fonts installed, in PNG, PDF and SVG, and never warns about missing
glyphs. Characters outside the subset (e.g. Chinese names of your own segments) fall back,
glyph by glyph, to an installed CJK font matplotlib knows (Noto Sans CJK, Source Han Sans,
WenQuanYi, Microsoft YaHei, SimHei, PingFang...); with none, matplotlib draws a box and warns.
The first plot adds the bundled font file to matplotlib's font manager under its own family
name (no setting changes).

Why not rely on the browser for SVG: ``svg.fonttype = "none"`` writes text as ``<text>``
elements, but matplotlib still measures every string with its own fonts while laying out
and saving, so the "Glyph ... missing from font(s)" warnings come all the same, and the
layout is computed from the width of the missing-glyph box rather than of the characters.
:func:`figure_to_svg` therefore writes text as glyph outlines (``svg.fonttype = "path"``),
which also makes the report independent of the reader's fonts.

Examples
--------
>>> from matplotlib.figure import Figure
>>> import custvalue as cv
>>> from custvalue.datasets import load_cdnow
>>> from custvalue.plotting import figure_to_svg, plot_concentration
>>> table = cv.customer_table(load_cdnow(subset="sample"), amount_col="amount")
>>> fig = Figure(figsize=(6.4, 4), layout="constrained")
>>> ax = plot_concentration(table, ax=fig.subplots(), lang="zh")
>>> svg = figure_to_svg(fig)
>>> svg.startswith("<svg"), "http://www.w3.org/2000/svg" in svg
(True, True)
"""

from __future__ import annotations

_HINT = 'custvalue.plotting needs matplotlib >= 3.8: pip install "custvalue[plot]"'

try:
    import matplotlib
except ImportError as err:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(_HINT) from err

if tuple(int(p) for p in matplotlib.__version__.split(".")[:2]) < (3, 8):
    raise ImportError(f"{_HINT} (found matplotlib {matplotlib.__version__})")

from ._plotting._style import figure_to_svg  # noqa: E402
from ._plotting.behaviour import plot_lifecycle, plot_rfm_heatmap, plot_segments  # noqa: E402
from ._plotting.clv import plot_clv_distribution  # noqa: E402
from ._plotting.models import (  # noqa: E402
    plot_calibration_holdout,
    plot_expected_purchases_matrix,
    plot_probability_alive_matrix,
    plot_tracking,
)
from ._plotting.value import plot_concentration, plot_pyramid, plot_value_matrix  # noqa: E402

__all__ = [
    "figure_to_svg",
    "plot_calibration_holdout",
    "plot_clv_distribution",
    "plot_concentration",
    "plot_expected_purchases_matrix",
    "plot_lifecycle",
    "plot_probability_alive_matrix",
    "plot_pyramid",
    "plot_rfm_heatmap",
    "plot_segments",
    "plot_tracking",
    "plot_value_matrix",
]
