"""The HTML briefing of an analysis: one self-contained file, English or Chinese.

Built from a Jinja2 template (``templates/report.html.j2``, autoescaped: every string from
the data is escaped) with the stylesheet inlined and every figure an inline SVG made by
:mod:`custvalue.plotting` (text drawn as glyph outlines, so no data string reaches the page
as markup and no font is needed). No request leaves the page: no script, no link, no CDN.
Needs the ``report`` extra (Jinja2 and matplotlib).
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._calendar import PERIOD_WORDS, UNIT_WORDS
from ..labels import display
from .texts import text

if TYPE_CHECKING:
    from ..analysis import Analysis

__all__ = ["render_report", "write_report"]

_HINT = 'the HTML report needs Jinja2 and matplotlib: pip install "custvalue[report]"'
_UNIT_WORDS_ZH = {"s": "秒", "min": "分钟", "h": "小时", "D": "天", "W": "周"}
_PERIOD_WORDS_ZH = {
    "s": "秒",
    "min": "分钟",
    "h": "小时",
    "D": "天",
    "W": "周（周一至周日）",
    "M": "月",
    "Q": "季度",
    "Y": "年",
}
_DROP_FIELDS = (
    "missing_id",
    "missing_time",
    "missing_amount",
    "missing_invoice",
    "duplicate",
    "after_end",
    "refund",
    "unmatched_refund",
    "zero_amount",
)
_FLAG_FIELDS = (
    "refunds_netted",
    "periods_netted_out",
    "cancellations",
    "zero_amount_kept",
    "duplicate_kept",
    "customers_after_end",
)
_N_LISTED = 10


def _fmt_int(v: float) -> str:
    return f"{round(v):,}"


def _fmt_money(v: float) -> str:
    return "-" if not math.isfinite(v) else f"{v:,.2f}"


def _fmt_share(v: float) -> str:
    if not math.isfinite(v):
        return "-"
    if 0 < v < 0.001:
        return "<0.1%"
    return f"{v:.1%}"


def _fmt_num(v: float, digits: int = 3) -> str:
    return "-" if not math.isfinite(v) else f"{v:.{digits}g}"


def _duration(value: float, unit: str, lang: str) -> str:
    words = _UNIT_WORDS_ZH[unit] if lang == "zh" else UNIT_WORDS[unit]
    shown = f"{value:.3g}" if abs(value - round(value)) > 1e-9 else f"{round(value)}"
    return f"{shown} {words}"


class _Figures:
    """Report figures: each drawn on its own Figure (no pyplot state), returned as SVG."""

    def __init__(self, lang: str) -> None:
        from matplotlib.figure import Figure

        from .. import plotting

        self.plotting = plotting
        self.figure_cls = Figure
        self.lang = lang
        self.count = 0

    def draw(self, name: str, *args: Any, **kwargs: Any) -> str:
        fig = self.figure_cls(figsize=(6.4, 4.0), layout="constrained")
        getattr(self.plotting, name)(*args, ax=fig.subplots(), lang=self.lang, **kwargs)
        self.count += 1
        return str(self.plotting.figure_to_svg(fig, id_prefix=f"f{self.count}"))


def _segment_rows(report: pd.DataFrame) -> list[list[str]]:
    return [
        [
            str(idx),
            _fmt_int(row["n_customers"]),
            _fmt_share(row["customer_share"]),
            _fmt_money(row["total_value"]),
            _fmt_share(row["value_share"]),
            _fmt_money(row["mean_value"]),
        ]
        for idx, row in report.iterrows()
    ]


def _segment_header(lang: str) -> list[str]:
    if lang == "zh":
        return ["细分", "客户数", "客户占比", "价值合计", "价值占比", "平均价值"]
    return ["Segment", "Customers", "Share of customers", "Value", "Share of value", "Mean value"]


def _quality(analysis: Analysis, lang: str) -> list[tuple[str, str]]:
    rep = analysis.table_report
    rows = [
        (text("q_rows_in", lang), _fmt_int(rep.rows_in)),
        (text("q_rows_used", lang), _fmt_int(rep.rows_used)),
    ]
    for f in _DROP_FIELDS:
        n = getattr(rep, f)
        if n:
            rows.append((text("q_dropped", lang, reason=text(f"q_reason_{f}", lang)), _fmt_int(n)))
    for f in _FLAG_FIELDS:
        n = getattr(rep, f)
        if n:
            rows.append((text("q_flag", lang, reason=text(f"q_reason_{f}", lang)), _fmt_int(n)))
    rows.append((text("q_customers_in", lang), _fmt_int(rep.customers_in)))
    rows.append((text("q_customers", lang), _fmt_int(rep.customers)))
    end = rep.observation_end
    rows.append((text("q_end", lang), f"{end:%Y-%m-%d}" if end is not None else "-"))
    return rows


def _customer_rows(frame: pd.DataFrame, lang: str) -> list[list[str]]:
    tiers = display(frame["pyramid_tier"], lang=lang) if "pyramid_tier" in frame else None
    stages = display(frame["lifecycle_stage"], lang=lang) if "lifecycle_stage" in frame else None
    rows = []
    for i, (cid, row) in enumerate(frame.iterrows()):
        rows.append(
            [
                str(cid),
                _fmt_money(row["historical_value"]),
                _fmt_money(row["clv"]),
                f"{row['prob_alive']:.2f}",
                _fmt_int(row["n_purchases"]),
                f"{row['last_purchase']:%Y-%m-%d}",
                "" if tiers is None else str(tiers.iloc[i]),
                "" if stages is None else str(stages.iloc[i]),
            ]
        )
    return rows


def _customer_header(lang: str) -> list[str]:
    keys = ("id", "hist", "clv", "alive", "purchases", "last", "tier", "stage")
    return [text(f"c_col_{k}", lang) for k in keys]


def _context(analysis: Analysis, lang: str) -> dict[str, Any]:
    from .. import __version__
    from ..abc import pareto_share
    from ..analysis import choice_reason
    from ..report import segment_report
    from ..rfm import rfm_scores

    s = analysis.settings
    unit = s["read"]["time_unit"]
    customers = analysis.customers
    has_value = bool(customers["clv"].notna().any())
    horizon = _duration(s["horizon"], unit, lang)
    period_length = _duration(s["period_length"], unit, lang)
    figs = _Figures(lang)
    names = {"bgnbd": "BG/NBD", "pnbd": "Pareto/NBD", "mbgnbd": "MBG/NBD"}
    ctx: dict[str, Any] = {"lang": lang, "t": lambda key, **kw: text(key, lang, **kw)}
    first = customers["first_purchase"].min()
    ctx["subtitle"] = text(
        "subtitle",
        lang,
        source=s.get("source", "transactions"),
        n_customers=_fmt_int(len(customers)),
        first=f"{first:%Y-%m-%d}",
        end=f"{analysis.table_report.observation_end:%Y-%m-%d}",
    )
    ctx["generated"] = text("generated", lang, version=__version__)
    ctx["has_value"] = has_value

    # headline
    n = len(customers)
    head = [
        (text("h_customers", lang), _fmt_int(n)),
        (text("h_repeat", lang), _fmt_share(float((customers["n_repeat"] > 0).mean()))),
        (
            text("h_alive", lang),
            f"{_fmt_int(customers['prob_alive'].sum())} ({_fmt_share(customers['prob_alive'].mean())})",
        ),
        (
            text("h_purchases", lang, horizon=horizon),
            _fmt_int(customers["expected_purchases"].sum()),
        ),
    ]
    hist = customers["historical_value"]
    if has_value:
        positive = bool((hist >= 0).all()) and float(hist.sum()) > 0
        head[1:1] = [(text("h_revenue", lang), _fmt_money(customers["total_spend"].sum()))]
        if s["margin"] != 1 or s["cost_to_serve"]:
            head[2:2] = [(text("h_hist_value", lang), _fmt_money(hist.sum()))]
        head.insert(3, (text("h_clv", lang, horizon=horizon), _fmt_money(customers["clv"].sum())))
        if positive:
            from ..abc import gini

            head.append((text("h_top20", lang), _fmt_share(pareto_share(hist, top=0.2))))
            head.append((text("h_gini", lang), f"{gini(hist):.2f}"))
    head.append((text("h_model", lang), names[analysis.choice]))
    ctx["headline"] = head

    # data quality
    ctx["quality"] = _quality(analysis, lang)
    sp = analysis.spend
    ctx["spend_note"] = (
        None
        if sp is None
        else text(
            "q_spend",
            lang,
            fitted=_fmt_int(sp.fitted_on),
            no_repeat=_fmt_int(sp.no_repeat),
            nonpositive=_fmt_int(sp.nonpositive),
            mean=_fmt_money(sp.population_mean),
        )
    )

    table_cols = [c for c in customers.columns if c in _TABLE_COLUMNS]
    table = customers[table_cols]
    if has_value:
        # value
        conc_values = hist if bool((hist >= 0).all()) else customers["total_spend"]
        ctx["fig_concentration"] = figs.draw(
            "plot_concentration", conc_values, abc=customers["abc_class"]
        )
        ctx["abc_header"] = _segment_header(lang)
        ctx["abc_rows"] = _segment_rows(
            segment_report(table, customers["abc_class"], value=hist, lang=lang)
        )
        # behaviour
        scores = rfm_scores(table)
        ctx["fig_rfm"] = figs.draw("plot_rfm_heatmap", scores)
        ctx["fig_segments"] = figs.draw("plot_segments", customers["rfm_segment"], hist)
        ctx["rfm_rows"] = _segment_rows(
            segment_report(table, customers["rfm_segment"], value=hist, lang=lang)
        )
        # pyramid
        clv = customers["clv"]
        ctx["fig_pyramid"] = figs.draw("plot_pyramid", customers["pyramid_tier"], clv)
        ctx["fig_value_matrix"] = figs.draw("plot_value_matrix", customers["value_class"], clv)
        ctx["fig_clv"] = figs.draw("plot_clv_distribution", clv)
    # lifecycle
    ctx["fig_lifecycle"] = figs.draw("plot_lifecycle", customers["lifecycle_stage"])
    if "churn_status" in customers:
        ctx["fig_churn"] = figs.draw(
            "plot_segments",
            customers["churn_status"],
            hist if has_value else None,
            title=text("l_churn", lang),
        )
    # model check
    model_rows = []
    ev = analysis.evaluation
    if ev is not None:
        for name, row in ev.iterrows():
            label = names[str(name)] + (
                f" ({text('m_chosen', lang)})" if name == analysis.choice else ""
            )
            model_rows.append(
                [
                    label,
                    f"{row['loglik']:,.1f}",
                    f"{row['bic']:,.1f}",
                    _fmt_num(row.get("mae", float("nan")), 4),
                    _fmt_num(row.get("rmse", float("nan")), 4),
                    _fmt_int(row["total_predicted"]) if "total_predicted" in row else "-",
                    _fmt_int(row["total_actual"]) if "total_actual" in row else "-",
                ]
            )
    ctx["model_header"] = [
        text(f"m_col_{k}", lang)
        for k in ("model", "loglik", "bic", "mae", "rmse", "pred", "actual")
    ]
    ctx["model_rows"] = model_rows
    if s["holdout_length"] is not None:
        end = analysis.table_report.observation_end
        assert end is not None
        cal_end = end - pd.Timedelta(seconds=s["holdout_length"] * _unit_seconds(unit))
        ctx["model_intro"] = text(
            "m_intro",
            lang,
            cal_end=f"{cal_end:%Y-%m-%d}",
            holdout=_duration(s["holdout_length"], unit, lang),
            reason=choice_reason(analysis.choice, analysis.choice_detail, lang=lang),
        )
        chosen = analysis.holdout.get(analysis.choice)  # none from the Dask engine
        if chosen is not None:
            ctx["fig_calhold"] = figs.draw("plot_calibration_holdout", chosen)
        if chosen is not None and chosen.tracking is not None:
            ctx["fig_tracking"] = figs.draw(
                "plot_tracking", chosen.tracking, kind="cumulative", time_unit=unit
            )
            ctx["fig_tracking_step"] = figs.draw(
                "plot_tracking", chosen.tracking, kind="per_period", time_unit=unit
            )
    else:
        ctx["model_intro"] = text(
            "m_no_holdout",
            lang,
            reason=choice_reason(analysis.choice, analysis.choice_detail, lang=lang),
        )
    purchase = analysis.purchase_model
    ctx["fig_alive"] = figs.draw("plot_probability_alive_matrix", purchase, table, time_unit=unit)
    params = purchase.param_table()
    ctx["param_header"] = [text(f"m_col_{k}", lang) for k in ("param", "estimate", "se", "ci")]
    ctx["param_rows"] = [
        [
            str(k),
            _fmt_num(row["estimate"], 4),
            _fmt_num(row["std_error"], 3),
            f"{_fmt_num(row['lower'], 4)} - {_fmt_num(row['upper'], 4)}",
        ]
        for k, row in params.iterrows()
    ]
    # customers to look at
    ctx["customer_header"] = _customer_header(lang)
    if has_value:
        top = customers.sort_values("clv", ascending=False, kind="stable").head(_N_LISTED)
        ctx["top_rows"] = _customer_rows(top, lang)
        cut = float(np.quantile(hist.to_numpy(), 0.8))
        valuable = customers[hist >= cut]
        risk = valuable.sort_values("prob_alive", kind="stable").head(_N_LISTED)
        ctx["risk_rows"] = _customer_rows(risk, lang)
    # methods
    period_word = _PERIOD_WORDS_ZH if lang == "zh" else PERIOD_WORDS
    unit_word = _UNIT_WORDS_ZH if lang == "zh" else UNIT_WORDS
    ctx["notes"] = [
        text("n_table", lang, period=period_word[s["read"]["period"]], unit=unit_word[unit]),
        text(
            "n_value",
            lang,
            margin=f"{s['margin']:g}",
            cost=_fmt_money(s["cost_to_serve"]),
            period_length=period_length,
        ),
        text(
            "n_clv",
            lang,
            horizon=horizon,
            rate=f"{s['discount_rate']:.2%}",
            period_length=period_length,
        ),
        text("n_alive", lang),
        text("n_abc", lang),
        text("n_files", lang),
    ]
    return ctx


_TABLE_COLUMNS = frozenset(
    {
        "first_purchase",
        "last_purchase",
        "n_purchases",
        "n_repeat",
        "purchase_span",
        "tenure",
        "time_since_last",
        "total_spend",
        "mean_spend",
        "mean_repeat_spend",
    }
)


def _unit_seconds(unit: str) -> int:
    from .._calendar import unit_seconds

    return unit_seconds(unit)


def render_report(analysis: Analysis, *, lang: str = "en") -> str:
    """Return the report of ``analysis`` as one HTML string."""
    try:
        import jinja2
        from markupsafe import Markup
    except ImportError as err:  # pragma: no cover - the extra is installed in the tests
        raise ImportError(_HINT) from err
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("custvalue._report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    ctx = _context(analysis, lang)
    for key in list(ctx):
        if key.startswith("fig_"):
            # matplotlib's own SVG, text as outlines: no string of the data is markup here
            ctx[key] = Markup(ctx[key])
    css = resources.files("custvalue._report").joinpath("templates/report.css").read_text("utf-8")
    ctx["css"] = Markup(css)
    return env.get_template("report.html.j2").render(**ctx)


def write_report(analysis: Analysis, path: Any, *, lang: str = "en") -> None:
    """Write the report of ``analysis`` to ``path`` (UTF-8)."""
    Path(path).write_text(render_report(analysis, lang=lang), encoding="utf-8")
