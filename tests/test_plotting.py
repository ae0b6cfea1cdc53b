"""custvalue.plotting: every plot draws on Agg in both languages, shows the data it was given,
leaves matplotlib's settings alone, prints and warns nothing; the SVG export is self-contained.

Expected values come from the library's own public functions or from a pandas computation
written here, never from the plotting code.
"""

from __future__ import annotations

import logging
import re
import string
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before anything imports pyplot: the tests draw off-screen

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text

import custvalue as cv
from custvalue import plotting
from custvalue._plotting import _style
from custvalue.datasets import load_cdnow, load_donations
from custvalue.labels import LABELS, LANGS, PLOT_TEXTS, labels_for

CJK = re.compile(r"[\u2e80-\uffef]")


# --------------------------------------------------------------------------- data
@pytest.fixture(scope="module")
def cdnow() -> dict[str, Any]:
    """Everything the plots take, built with the library on the CDNOW sample (weekly units)."""
    tx = load_cdnow(subset="sample")
    cal = cv.split_calibration_holdout(
        tx,
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
        amount_col="amount",
        time_unit="W",
    )
    bg_cal = cv.BetaGeoModel().fit(cal)
    evaluation = cv.evaluate_holdout(
        bg_cal, cal, transactions=tx, amount_col="amount", time_unit="W"
    )
    table = cv.customer_table(tx, amount_col="amount", time_unit="W", observation_end="1998-06-30")
    bg = cv.BetaGeoModel().fit(table)
    gg = cv.GammaGammaModel().fit(table[table["n_repeat"] > 0])
    clv = cv.customer_lifetime_value(
        bg, gg, table, horizon=52, period_length=52 / 12, discount_rate=0.01
    ).rename("clv")
    scores = cv.rfm_scores(table)
    historical = cv.historical_value(table)
    return {
        "tx": tx,
        "cal": cal,
        "bg_cal": bg_cal,
        "table": table,
        "bg": bg,
        "evaluation": evaluation,
        "clv": clv,
        "scores": scores,
        "segments": cv.rfm_segments(scores),
        "abc": cv.abc_classes(table),
        "tiers": cv.pyramid_tiers(clv),
        "historical": historical,
        "value_classes": cv.value_matrix(historical, clv),
        "stages": cv.lifecycle_stages(tx, observation_end="1998-06-30"),
    }


PLOTS: dict[str, Callable[[dict[str, Any], Axes, str], Axes]] = {
    "concentration": lambda d, ax, lang: plotting.plot_concentration(d["table"], ax=ax, lang=lang),
    "rfm_count": lambda d, ax, lang: plotting.plot_rfm_heatmap(d["scores"], ax=ax, lang=lang),
    "rfm_mean": lambda d, ax, lang: plotting.plot_rfm_heatmap(
        d["scores"], d["table"]["total_spend"], ax=ax, lang=lang
    ),
    "segments": lambda d, ax, lang: plotting.plot_segments(
        d["segments"], d["table"]["total_spend"], ax=ax, lang=lang
    ),
    "pyramid": lambda d, ax, lang: plotting.plot_pyramid(d["tiers"], d["clv"], ax=ax, lang=lang),
    "value_matrix": lambda d, ax, lang: plotting.plot_value_matrix(
        d["value_classes"], d["historical"], ax=ax, lang=lang
    ),
    "lifecycle": lambda d, ax, lang: plotting.plot_lifecycle(d["stages"], ax=ax, lang=lang),
    "alive": lambda d, ax, lang: plotting.plot_probability_alive_matrix(
        d["bg"], d["table"], time_unit="W", ax=ax, lang=lang
    ),
    "expected": lambda d, ax, lang: plotting.plot_expected_purchases_matrix(
        d["bg"], d["table"], horizon=52, time_unit="W", ax=ax, lang=lang
    ),
    "calibration_holdout": lambda d, ax, lang: plotting.plot_calibration_holdout(
        d["evaluation"], ax=ax, lang=lang
    ),
    "tracking": lambda d, ax, lang: plotting.plot_tracking(
        d["evaluation"], time_unit="W", ax=ax, lang=lang
    ),
    "tracking_per_period": lambda d, ax, lang: plotting.plot_tracking(
        d["evaluation"], kind="per_period", time_unit="W", ax=ax, lang=lang
    ),
    "clv_hist": lambda d, ax, lang: plotting.plot_clv_distribution(d["clv"], ax=ax, lang=lang),
    "clv_ecdf": lambda d, ax, lang: plotting.plot_clv_distribution(
        d["clv"], kind="ecdf", ax=ax, lang=lang
    ),
}


def report_axes() -> Axes:
    """A report-size figure made without pyplot, as the HTML report makes them."""
    return Figure(figsize=(6.4, 4.0), layout="constrained").subplots()


def draw(ax: Axes) -> None:
    FigureCanvasAgg(ax.get_figure()).draw()  # type: ignore[arg-type]


def texts(fig: Any) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def rc_snapshot() -> dict[str, Any]:
    return {k: v for k, v in matplotlib.rcParams.items() if k != "backend"}


# --------------------------------------------------------------------------- every plot
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", list(PLOTS))
def test_every_plot_draws_quietly_in_both_languages(
    name: str,
    lang: str,
    cdnow: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    before = rc_snapshot()
    ax = report_axes()
    with caplog.at_level(logging.INFO):  # e.g. matplotlib's findfont notes
        out = PLOTS[name](cdnow, ax, lang)
        draw(out)  # warnings are errors: a missing glyph would fail here
    assert out is ax
    assert rc_snapshot() == before
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    shown = texts(ax.get_figure())
    assert shown, "a plot without any text"
    title = out.get_title(loc="left")
    assert title
    if lang == "zh":
        assert CJK.search(title), title
        for t in shown:  # every CJK text can be drawn with the bundled font
            if CJK.search(t.get_text()):
                assert _style.CJK_FAMILY in t.get_fontfamily(), (t.get_text(), t.get_fontfamily())
    else:
        assert [t.get_text() for t in shown if CJK.search(t.get_text())] == []


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_a_new_figure_keeps_what_pyplot_set_when_it_was_made(
    name: str, cdnow: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Jupyter's inline backend switches pyplot's display on when the first figure is made;
    a figure made inside the plots' rc_context lost that on leaving it, and no later figure
    of the session was shown. The figure is made outside the style."""
    import matplotlib
    import matplotlib.pyplot as plt

    made = plt.figure

    def figure_turning_display_on(*args: Any, **kwargs: Any) -> Any:
        matplotlib.rcParams["interactive"] = True  # what the inline backend's hook does
        return made(*args, **kwargs)

    monkeypatch.setattr(plt, "figure", figure_turning_display_on)
    monkeypatch.setitem(matplotlib.rcParams, "interactive", False)
    ax = PLOTS[name](cdnow, None, "en")  # type: ignore[arg-type]
    try:
        assert matplotlib.rcParams["interactive"] is True
    finally:
        plt.close(ax.get_figure())  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["concentration", "segments", "lifecycle", "calibration_holdout"])
def test_new_figure_when_no_axes_given(name: str, cdnow: dict[str, Any]) -> None:
    import matplotlib.pyplot as plt

    before = rc_snapshot()
    fn = PLOTS[name]
    ax = fn(cdnow, None, "zh")  # type: ignore[arg-type]
    try:
        fig = ax.get_figure()
        assert fig is not None and fig.number in plt.get_fignums()  # type: ignore[union-attr]
        assert tuple(fig.get_size_inches()) == _style.FIGSIZE
        fig.canvas.draw()
    finally:
        plt.close(ax.get_figure())  # type: ignore[arg-type]
    assert rc_snapshot() == before


def test_zh_draws_with_no_installed_cjk_font(
    cdnow: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # as on a machine without any CJK font: only DejaVu Sans and the bundled subset
    monkeypatch.setattr(_style, "INSTALLED_CJK", ())
    assert _style.font_families() == [_style.LATIN_FAMILY, _style.CJK_FAMILY]
    for name in ("segments", "pyramid", "value_matrix", "tracking"):
        fig = Figure(figsize=(6.4, 4.0), layout="constrained")
        PLOTS[name](cdnow, fig.subplots(), "zh")
        FigureCanvasAgg(fig).draw()
        assert "<text" not in plotting.figure_to_svg(fig)  # glyphs drawn as outlines


def test_bundled_font_covers_every_chinese_text() -> None:
    zh = [lab["zh"] for kind in LABELS.values() for lab in kind.values()]
    zh += [t["zh"] for t in PLOT_TEXTS.values()]
    needed = {ord(ch) for text in zh for ch in text if CJK.search(ch)}
    for path in _style.CJK_FONTS:
        have = set(FT2Font(str(path)).get_charmap())
        missing = "".join(sorted(chr(c) for c in needed - have))
        assert missing == "", f"rebuild the font subset: python tools/make_cjk_font.py ({missing})"


def test_plot_texts_have_both_languages_with_the_same_fields() -> None:
    fmt = string.Formatter()
    for key, text in PLOT_TEXTS.items():
        assert set(text) == set(LANGS), key
        fields = {lang: {f for _, f, _, _ in fmt.parse(text[lang]) if f} for lang in LANGS}
        assert fields["en"] == fields["zh"], key
        assert all(text[lang].strip() for lang in LANGS), key


# --------------------------------------------------------------------------- what is drawn
def test_concentration_curve_limits_and_gini(cdnow: dict[str, Any]) -> None:
    table = cdnow["table"]
    ax = plotting.plot_concentration(table, ax=report_axes())
    curve = ax.get_lines()[0].get_xydata()
    assert tuple(curve[0]) == (0.0, 0.0) and tuple(curve[-1]) == (1.0, 1.0)
    expected = cv.concentration_curve(table)
    np.testing.assert_array_equal(curve[:, 1], expected["value_share"].to_numpy())
    gini = cv.gini(table)
    assert ax.get_legend().get_texts()[0].get_text() == f"Concentration curve (Gini {gini:.2f})"
    # ABC limits: vertical lines at the share of customers in A and in A + B
    abc = cdnow["abc"].value_counts(sort=False)
    shares = [abc["A"] / abc.sum(), (abc["A"] + abc["B"]) / abc.sum()]
    verticals = [
        ln.get_xdata()[0]
        for ln in ax.get_lines()
        if len(ln.get_xdata()) == 2 and ln.get_xdata()[0] == ln.get_xdata()[1]
    ]
    np.testing.assert_allclose(verticals, shares)
    assert [t.get_text() for t in ax.texts if t.get_text().startswith("Class")] == [
        "Class A",
        "Class B",
        "Class C",
    ]


def test_concentration_from_a_curve_gives_the_same_gini() -> None:
    rng = np.random.default_rng(3)
    for _ in range(3):
        v = pd.Series(rng.gamma(0.5, 100.0, size=200))
        from_values = plotting.plot_concentration(v, ax=report_axes(), show_abc=False)
        from_curve = plotting.plot_concentration(
            cv.concentration_curve(v), ax=report_axes(), show_abc=False
        )
        label = f"Concentration curve (Gini {cv.gini(v):.2f})"
        for ax in (from_values, from_curve):
            assert ax.get_legend().get_texts()[0].get_text() == label
            assert len(ax.get_lines()) == 2  # curve and equality line, no limits


def test_rfm_heatmap_counts_and_means(cdnow: dict[str, Any]) -> None:
    scores, spend = cdnow["scores"], cdnow["table"]["total_spend"]
    n = 5  # rfm_scores' default
    counts = pd.crosstab(scores["f_score"], scores["r_score"]).reindex(
        index=range(1, n + 1), columns=range(1, n + 1), fill_value=0
    )
    ax = plotting.plot_rfm_heatmap(scores, ax=report_axes())
    grid = np.asarray(ax.collections[0].get_array()).reshape(n, n)
    np.testing.assert_array_equal(grid, counts.to_numpy())
    means = (
        spend.groupby([scores["f_score"], scores["r_score"]])
        .mean()
        .unstack()
        .reindex(index=range(1, n + 1), columns=range(1, n + 1))
    )
    ax = plotting.plot_rfm_heatmap(scores, spend, ax=report_axes(), lang="zh")
    mesh = ax.collections[0].get_array()
    np.testing.assert_allclose(np.ma.filled(mesh, np.nan).reshape(n, n), means.to_numpy())
    assert ax.get_title(loc="left") == "各 RFM 单元的平均消费总额"
    # one number per non-empty cell
    assert len(ax.texts) == int(counts.to_numpy().astype(bool).sum())


def test_segments_bars_are_the_segment_report(cdnow: dict[str, Any]) -> None:
    seg, table = cdnow["segments"], cdnow["table"]
    report = cv.segment_report(table, seg)
    for ax in (
        plotting.plot_segments(seg, table["total_spend"], ax=report_axes(), lang="zh"),
        plotting.plot_segments(report, ax=report_axes(), lang="zh"),
    ):
        cust, val = ax.containers
        assert len(cust) == len(val) == len(seg.cat.categories)
        np.testing.assert_allclose([b.get_width() for b in cust], report["customer_share"])
        np.testing.assert_allclose([b.get_width() for b in val], report["value_share"])
        names = [t.get_text() for t in ax.get_yticklabels()]
        assert names == [labels_for("rfm_segment", lang="zh")[c] for c in seg.cat.categories]
    only_customers = plotting.plot_segments(seg, ax=report_axes())
    assert len(only_customers.containers) == 1


def test_pyramid_has_a_band_per_tier_with_customers(cdnow: dict[str, Any]) -> None:
    tiers = cdnow["tiers"]
    counts = tiers.value_counts(sort=False)
    used = [c for c in tiers.cat.categories if counts[c] > 0]
    ax = plotting.plot_pyramid(tiers, cdnow["clv"], ax=report_axes(), lang="zh")
    assert len(ax.patches) == len(used) == 4  # "potential" is empty: no prospects given
    assert [p.get_label() for p in ax.patches] == [
        labels_for("pyramid_tier", lang="zh")[c] for c in used
    ]
    shown = " ".join(t.get_text() for t in ax.texts)
    for c in used:
        assert f"{counts[c]:,} 位客户" in shown
    widths = [np.ptp(np.asarray(p.get_xy())[:, 0]) for p in ax.patches]
    assert widths == sorted(widths)  # a pyramid: narrowest band on top


def test_lifecycle_bars_in_stage_order(cdnow: dict[str, Any]) -> None:
    stages = cdnow["stages"]
    ax = plotting.plot_lifecycle(stages, ax=report_axes(), lang="zh")
    counts = stages.value_counts(sort=False).reindex(stages.cat.categories)
    assert [b.get_height() for b in ax.containers[0]] == counts.tolist()
    names = [t.get_text() for t in ax.get_xticklabels()]
    assert names == [labels_for("lifecycle_stage", lang="zh")[c] for c in stages.cat.categories]
    explained = cv.explain_lifecycle(cdnow["tx"], observation_end="1998-06-30")
    ax2 = plotting.plot_lifecycle(explained, ax=report_axes())
    assert [b.get_height() for b in ax2.containers[0]] == counts.tolist()


def test_value_matrix_tiles(cdnow: dict[str, Any]) -> None:
    classes = cdnow["value_classes"]
    ax = plotting.plot_value_matrix(classes, cdnow["historical"], ax=report_axes())
    assert len(ax.patches) == 4
    assert [p.get_label() for p in ax.patches] == [
        labels_for("value_class", lang="en")[c] for c in classes.cat.categories
    ]
    counts = classes.value_counts(sort=False)
    shown = " ".join(t.get_text() for t in ax.texts)
    for c in classes.cat.categories:
        assert f"{counts[c]:,} customers" in shown
    with pytest.raises(ValueError, match="value_matrix output"):
        plotting.plot_value_matrix(cdnow["abc"], ax=report_axes())


def test_matrices_are_the_model_predictions(cdnow: dict[str, Any]) -> None:
    bg, table = cdnow["bg"], cdnow["table"]
    tenure = float(table["tenure"].max())
    ax = plotting.plot_probability_alive_matrix(bg, table, n_span=11, ax=report_axes())
    z = ax.collections[0].get_array()
    assert z.shape == (int(min(table["n_repeat"].max(), 50)) + 1, 11)
    assert z.mask[0, 1:].all() and not z.mask[0, 0]  # no repeat purchase -> span 0 only
    spans = np.linspace(0.0, tenure, 11)
    one = pd.DataFrame({"n_repeat": [3, 10], "purchase_span": spans[[4, 9]], "tenure": tenure})
    np.testing.assert_allclose([z[3, 4], z[10, 9]], bg.prob_alive(one).to_numpy())
    ax = plotting.plot_expected_purchases_matrix(
        bg, horizon=26, tenure=20.0, max_n_repeat=5, n_span=6, time_unit="W", ax=report_axes()
    )
    z = ax.collections[0].get_array()
    one = pd.DataFrame({"n_repeat": [5], "purchase_span": [16.0], "tenure": [20.0]})
    np.testing.assert_allclose(z[5, 4], bg.expected_purchases(one, horizon=26).iloc[0])
    assert ax.get_title(loc="left") == "Expected purchases in the next 26 weeks"
    assert ax.get_title(loc="right") == "customers observed for 20 weeks"
    with pytest.raises(ValueError, match="tenure and max_n_repeat"):
        plotting.plot_probability_alive_matrix(bg)


def test_bgbb_matrix_counts_opportunities() -> None:
    d = load_donations()
    model = cv.BetaGeoBetaBinomModel().fit(d, weights=d["count"])
    ax = plotting.plot_probability_alive_matrix(model, d, ax=report_axes(), lang="zh")
    z = ax.collections[0].get_array()
    assert z.shape == (7, 7)  # n_repeat 0..6 x opportunities 0..6
    x, s = np.meshgrid(np.arange(7), np.arange(7), indexing="ij")
    assert (z.mask == ((x > s) | ((x == 0) & (s > 0)))).all()
    np.testing.assert_allclose(
        z[2, 5],
        model.prob_alive(pd.DataFrame({"n_repeat": [2], "purchase_span": [5], "tenure": [6]})),
    )
    assert "次机会" in ax.get_xlabel()


def test_calibration_holdout_lines(cdnow: dict[str, Any]) -> None:
    ev = cdnow["evaluation"]
    ax = plotting.plot_calibration_holdout(ev, ax=report_axes())
    actual, predicted = ax.get_lines()
    np.testing.assert_allclose(actual.get_ydata(), ev.by_n_repeat["actual"])
    np.testing.assert_allclose(predicted.get_ydata(), ev.by_n_repeat["predicted"])
    assert predicted.get_label() == "Predicted (BG/NBD)"
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks[-1] == f"7+\n({ev.by_n_repeat['n_customers'].iloc[-1]:,})"
    same = plotting.plot_calibration_holdout(ev.by_n_repeat, ax=report_axes(), lang="zh")
    assert same.get_lines()[1].get_label() == "预测"


def test_tracking_lines_and_calibration_end(cdnow: dict[str, Any]) -> None:
    series = cdnow["evaluation"].tracking
    for kind, suffix in (("cumulative", "_cumulative"), ("per_period", "")):
        ax = plotting.plot_tracking(series, kind=kind, time_unit="W", ax=report_axes())
        actual, predicted, end = ax.get_lines()
        np.testing.assert_allclose(actual.get_xdata(), series["end"])
        np.testing.assert_allclose(actual.get_ydata(), series["actual" + suffix])
        np.testing.assert_allclose(predicted.get_ydata(), series["predicted" + suffix])
        cal_end = series.loc[~series["holdout"], "end"].max()
        assert list(end.get_xdata()) == [cal_end, cal_end]
    assert ax.get_title(loc="left") == "Repeat purchases per week"
    no_tracking = cv.evaluate_holdout(cdnow["bg_cal"], cdnow["cal"])
    with pytest.raises(ValueError, match="transactions="):
        plotting.plot_tracking(no_tracking)


def test_clv_distribution_counts_every_customer(cdnow: dict[str, Any]) -> None:
    clv = cdnow["clv"]
    ax = plotting.plot_clv_distribution(clv, ax=report_axes())
    upper = float(np.quantile(clv, 0.99))
    hidden = int((clv > upper).sum())
    assert sum(p.get_height() for p in ax.patches) == len(clv) - hidden
    assert ax.get_legend().get_title().get_text() == (
        f"{hidden:,} customers above {upper:,.2f} not shown"
    )
    mean_line = ax.get_lines()[0]
    assert mean_line.get_xdata()[0] == pytest.approx(clv.mean())
    ax = plotting.plot_clv_distribution(clv, kind="ecdf", upper_quantile=1.0, ax=report_axes())
    step = ax.get_lines()[0]
    assert step.get_ydata()[-1] == 1.0
    assert ax.get_legend().get_title().get_text() == ""
    with pytest.raises(Exception, match="clv"):
        plotting.plot_clv_distribution(clv.where(clv > 1.0), ax=report_axes())


# --------------------------------------------------------------------------- bad input
def test_bad_options_raise_clear_errors(cdnow: dict[str, Any]) -> None:
    table = cdnow["table"]
    with pytest.raises(ValueError, match="'en', 'zh'"):
        plotting.plot_concentration(table, lang="fr")
    with pytest.raises(TypeError, match="matplotlib Axes"):
        plotting.plot_lifecycle(cdnow["stages"], ax="left")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="kind="):
        plotting.plot_tracking(cdnow["evaluation"], kind="weekly")
    with pytest.raises(ValueError, match="time_unit="):
        plotting.plot_tracking(cdnow["evaluation"], time_unit="weeks")
    with pytest.raises(TypeError, match="categorical"):
        plotting.plot_segments(table["total_spend"])
    with pytest.raises(ValueError, match="rfm_scores"):
        plotting.plot_rfm_heatmap(table)


# --------------------------------------------------------------------------- SVG export
def test_figure_to_svg_is_self_contained(cdnow: dict[str, Any]) -> None:
    before = rc_snapshot()
    svgs = []
    for lang in LANGS:
        fig = Figure(figsize=(6.4, 4.0), layout="constrained")
        plotting.plot_concentration(cdnow["table"], ax=fig.subplots(), lang=lang)
        svg = plotting.figure_to_svg(fig)
        assert svg == plotting.figure_to_svg(fig)  # deterministic
        svgs.append(svg)
        assert svg.startswith("<svg ")
        assert set(re.findall(r"https?://[^\s\"'<>)]*", svg)) == {"http://www.w3.org/2000/svg"}
        assert "xlink" not in svg and "<text" not in svg and "<!DOCTYPE" not in svg
        root = ET.fromstring(svg)
        ids = [el.get("id") for el in root.iter() if el.get("id")]
        assert len(ids) == len(set(ids))
        hrefs = re.findall(r'href="#([^"]+)"', svg) + re.findall(r"url\(#([^)]+)\)", svg)
        assert hrefs and set(hrefs) <= set(ids)  # every reference resolves inside the element
    ids_en, ids_zh = (set(re.findall(r'id="([^"]+)"', s)) for s in svgs)
    assert not ids_en & ids_zh  # two figures can share one page
    assert rc_snapshot() == before


def test_figure_to_svg_inlines_rasterized_parts(cdnow: dict[str, Any]) -> None:
    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    plotting.plot_probability_alive_matrix(cdnow["bg"], cdnow["table"], ax=fig.subplots())
    svg = plotting.figure_to_svg(fig, id_prefix="alive")
    assert 'href="data:image/png;base64,' in svg
    assert re.findall(r'id="([^"]+)"', svg) and all(
        i.startswith("alive-") for i in re.findall(r'id="([^"]+)"', svg)
    )
    with pytest.raises(ValueError, match="id_prefix"):
        plotting.figure_to_svg(fig, id_prefix="1 bad")
    with pytest.raises(TypeError, match="Figure"):
        plotting.figure_to_svg(fig.axes[0])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- imports
def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_plotting_import_does_not_load_pyplot() -> None:
    out = run("import sys, custvalue.plotting; print('matplotlib.pyplot' in sys.modules)")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_plotting_without_matplotlib_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "import custvalue\n"
        "try:\n    import custvalue.plotting\n"
        "except ImportError as e:\n    print(e)\n"
    )
    out = run(code)
    assert out.returncode == 0, out.stderr
    assert 'pip install "custvalue[plot]"' in out.stdout
