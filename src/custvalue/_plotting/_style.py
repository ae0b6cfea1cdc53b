"""The one visual style of custvalue.plotting: palette, fonts, axes set-up, SVG export.

Everything here is applied per call: a local :func:`matplotlib.rc_context` while the
artists are created, plus explicit artist arguments for what matplotlib reads again at draw
time (tick label fonts and sizes). rcParams are never modified.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import matplotlib as mpl
import numpy as np
from cycler import cycler
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._validation import check_choice
from ..labels import LANGS, plot_text

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common form of
# colour-vision deficiency; blue and orange also differ in lightness, so pairs drawn in them
# survive greyscale printing.
BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
VERMILION = "#D55E00"
PURPLE = "#CC79A7"
SKY = "#56B4E9"
YELLOW = "#F0E442"
BLACK = "#000000"
CATEGORICAL: tuple[str, ...] = (BLUE, ORANGE, GREEN, VERMILION, PURPLE, SKY, YELLOW, BLACK)
"""Okabe-Ito colours in the order categories take them."""

TEXT = "#222222"
MUTED = "#666666"
GRID = "#DDDDDD"
SEQUENTIAL = "viridis"
"""Colormap of the heatmaps (perceptually uniform, colour-blind safe, prints in grey)."""

FIGSIZE = (6.4, 4.0)
"""Default figure size in inches: 640 x 400 px at 100 dpi, the size of a report figure."""

LATIN_FAMILY = "DejaVu Sans"  # shipped with matplotlib, so always there
CJK_FAMILY = "custvalue CJK"
CJK_FONTS = tuple(
    Path(__file__).with_name("fonts") / f"custvalue-cjk-{w}.otf" for w in ("regular", "bold")
)
INSTALLED_CJK: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "Droid Sans Fallback",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
)
"""Installed CJK fonts used, when matplotlib knows them, for characters the bundled subset
lacks (e.g. Chinese segment names of your own)."""

SIZE = 9.0
TICK_SIZE = 8.5
TITLE_SIZE = 10.5


def font_families() -> list[str]:
    """Return the font family list of every text.

    Latin first, then the bundled CJK subset, then any installed CJK font matplotlib knows
    (per-glyph fallback, in this order).

    The bundled font files are added to matplotlib's font manager the first time (under
    their own family name, which nothing else uses); no setting changes.
    """
    manager = font_manager.fontManager
    names = {entry.name for entry in manager.ttflist}
    if CJK_FAMILY not in names:
        for path in CJK_FONTS:
            manager.addfont(str(path))
    return [LATIN_FAMILY, CJK_FAMILY, *(n for n in INSTALLED_CJK if n in names)]


def _rc() -> Any:  # a dict of rcParams (matplotlib types its keys as literals)
    return {
        "font.family": font_families(),
        "font.size": SIZE,
        "axes.titlesize": TITLE_SIZE,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.titlepad": 8.0,
        "axes.labelsize": SIZE,
        "axes.labelcolor": TEXT,
        "axes.edgecolor": MUTED,
        "axes.linewidth": 0.8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": cycler(color=list(CATEGORICAL)),
        "axes.formatter.use_mathtext": False,
        "axes.unicode_minus": True,
        "text.color": TEXT,
        "xtick.labelsize": TICK_SIZE,
        "ytick.labelsize": TICK_SIZE,
        "xtick.color": MUTED,
        "ytick.color": MUTED,
        "xtick.labelcolor": TEXT,
        "ytick.labelcolor": TEXT,
        "legend.fontsize": TICK_SIZE,
        "legend.frameon": False,
        "legend.title_fontsize": TICK_SIZE,
        "lines.linewidth": 1.8,
        "patch.linewidth": 0.0,
        "figure.figsize": FIGSIZE,
        "figure.dpi": 100.0,
        "figure.facecolor": "white",
        "image.cmap": SEQUENTIAL,
    }


@contextmanager
def style() -> Iterator[None]:
    """Apply the plots' style while their artists are created (a local rc_context)."""
    with mpl.rc_context(_rc()):
        yield


def check_lang(lang: str) -> str:
    return str(check_choice("lang", lang, LANGS))


def text(key: str, lang: str, **fields: Any) -> str:
    return plot_text(key, lang=lang, **fields)


TIME_UNITS: tuple[str, ...] = ("s", "min", "h", "D", "W")


def unit_text(time_unit: str | None, lang: str, count: float = 2.0) -> str:
    """Display name of a time unit (``None``: "time units"), singular when ``count == 1``."""
    check_choice("time_unit", time_unit, (None, *TIME_UNITS, "opportunities"))
    key = "unit.none" if time_unit is None else f"unit.{time_unit}"
    return text(f"{key}.one" if count == 1 else key, lang)


def number(v: float) -> str:
    """Format a duration or horizon for a text: whole numbers as such, else one decimal."""
    r = round(float(v), 1)
    return f"{r:,.0f}" if r == int(r) else f"{r:,.1f}"


def thousands(v: float, _pos: Any = None) -> str:
    """Format counts: thousands separators, no decimals (also a tick formatter)."""
    return f"{v:,.0f}"


def compact(v: float, _pos: Any = None) -> str:
    """Values in cells and colour bars: thousands separators, about three significant digits."""
    a = abs(v)
    if a >= 100 or a == 0:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def percent(s: float) -> str:
    """Format a share as a percentage: whole percents, one decimal below 1 %, never a false 0."""
    if s == 0 or abs(s) >= 0.01:
        return f"{s:.0%}"
    if abs(s) >= 0.001:
        return f"{s:.1%}"
    return "<0.1%" if s > 0 else ">-0.1%"


def axes(ax: Axes | None, figsize: tuple[float, float] = FIGSIZE) -> Axes:
    """Return the Axes to draw on: ``ax``, or a new pyplot figure (shown by notebooks)."""
    if ax is None:
        import matplotlib.pyplot as plt  # only here: never at import time

        fig = plt.figure(figsize=figsize, layout="constrained")
        return fig.add_subplot()
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def finish(ax: Axes, *, grid: Literal["x", "y", "both"] | None = None) -> Axes:
    """Set on the Axes the settings matplotlib reads at draw time.

    Set there, they hold outside the style context: tick label font, size and colour,
    spines, grid.
    """
    families = font_families()
    ax.tick_params(
        labelfontfamily=families,
        labelsize=TICK_SIZE,
        labelcolor=TEXT,
        color=MUTED,
        width=0.8,
    )
    for label in (ax.xaxis.label, ax.yaxis.label):  # made with the Axes, outside the style
        label.set_fontfamily(families)
        label.set_fontsize(SIZE)
        label.set_color(TEXT)
    ax.spines[["top", "right"]].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(MUTED)
    if grid is not None:
        ax.grid(True, axis=grid, color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
    return ax


def title(ax: Axes, value: str | None, default: str) -> None:
    """Title: ``None`` gives the default text, ``""`` no title."""
    shown = default if value is None else value
    if shown:
        ax.set_title(
            shown,
            loc="left",
            fontsize=TITLE_SIZE,
            fontweight="bold",
            color=TEXT,
            fontfamily=font_families(),
        )


def subtitle(ax: Axes, value: str) -> None:
    """Add a smaller note at the right end of the title line."""
    ax.set_title(value, loc="right", fontsize=TICK_SIZE, color=MUTED, fontfamily=font_families())


def colorbar(ax: Axes, mappable: Any, label: str) -> Any:
    """Add a slim colour bar beside ``ax``, in the plots' style."""
    fig = ax.get_figure()
    assert fig is not None
    cbar = fig.colorbar(mappable, ax=ax, fraction=0.05, pad=0.02)
    cbar.set_label(label, fontsize=TICK_SIZE, color=TEXT, fontfamily=font_families())
    cbar.ax.tick_params(
        labelsize=TICK_SIZE, labelcolor=TEXT, color=MUTED, labelfontfamily=font_families()
    )
    cbar.outline.set_visible(False)
    return cbar


def legend(ax: Axes, **kwargs: Any) -> None:
    ax.legend(frameon=False, fontsize=TICK_SIZE, prop={"family": font_families()}, **kwargs)


def text_color_on(rgba: Any) -> str:
    """Black or white, whichever reads better on the colour (WCAG relative luminance)."""
    c = np.asarray(rgba[:3], dtype=float)
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    lum = float(lin @ np.array([0.2126, 0.7152, 0.0722]))
    return BLACK if lum > 0.179 else "white"


# --------------------------------------------------------------------------- SVG export
_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.S)
_XLINK_NS = re.compile(r'\s+xmlns:xlink="http://www\.w3\.org/1999/xlink"')


def figure_to_svg(fig: Figure, *, id_prefix: str | None = None) -> str:
    """Return the figure as one self-contained ``<svg>`` element, ready to inline in HTML.

    Text is drawn as paths (fonts embedded as glyph outlines, so the page needs no font),
    raster parts are PNG data URIs, and nothing refers outside the element: no XML prologue
    or DOCTYPE, no metadata, no ``xlink`` namespace (plain SVG 2 ``href``). Every ``id`` gets
    a prefix so several figures can sit in one page; by default the prefix is derived from
    the figure's content, so the output is deterministic.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (build report figures with :class:`matplotlib.figure.Figure` directly:
        no pyplot state).
    id_prefix : str, optional
        Prefix of the element ids (letters, digits, ``-``, ``_``; starting with a letter).

    Returns
    -------
    str
        The ``<svg ...>...</svg>`` markup.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from custvalue.plotting import figure_to_svg
    >>> fig = Figure(figsize=(2, 1))
    >>> _ = fig.subplots().plot([0, 1], [0, 1])
    >>> svg = figure_to_svg(fig, id_prefix="demo")
    >>> svg.startswith("<svg"), 'id="demo-' in svg, "xlink" in svg
    (True, True, False)
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    if id_prefix is not None and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", id_prefix):
        raise ValueError(
            f"id_prefix={id_prefix!r} is not valid; use letters, digits, '-' or '_', "
            "starting with a letter"
        )
    buf = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "path", "svg.image_inline": True, "svg.hashsalt": "cv"}):
        fig.savefig(
            buf,
            format="svg",
            dpi=200,  # resolution of rasterized artists only; vectors are unaffected
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
        )
    svg = _XLINK_NS.sub("", _PROLOGUE.sub("", buf.getvalue(), count=1), count=1)
    svg = svg.replace("xlink:href=", "href=")
    prefix = id_prefix or "cv" + hashlib.sha1(svg.encode()).hexdigest()[:10]
    svg = re.sub(r'\bid="', f'id="{prefix}-', svg)
    svg = re.sub(r'href="#', f'href="#{prefix}-', svg)
    svg = re.sub(r"url\(#", f"url(#{prefix}-", svg)
    return svg.strip() + "\n"
