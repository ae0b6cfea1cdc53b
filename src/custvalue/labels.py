"""Display labels, English and Chinese, for every categorical output of custvalue.

Category codes are stable English identifiers (``"cant_lose_them"``, ``"vip"``, ...);
reports and plots show display labels instead. :data:`LABELS` is the mapping as data:
``LABELS[kind][code] = {"en": ..., "zh": ...}``, ``kind`` being the name of the Series a
segmentation function returns. Chinese labels are the terms of Chinese CRM practice where
one exists (客户金字塔: VIP客户 / 主要客户 / 普通客户 / 小客户 / 潜在客户; 贵宾型 / 改进型 /
维持型 / 放弃型客户; 潜在获取期 / 成长期 / 成熟期 / 衰退期 / 终止期; 客户流失 / 客户业务流失;
意向阶段 0-4 and E类客户).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pandas as pd

from ._deprecation import keyword_only_after
from ._validation import check_choice

__all__ = ["LABELS", "LANGS", "PLOT_TEXTS", "display", "labels_for", "plot_text"]

LANGS: tuple[str, ...] = ("en", "zh")
"""Supported display languages."""


def _kind(pairs: dict[str, tuple[str, str]]) -> Mapping[str, Mapping[str, str]]:
    return MappingProxyType(
        {code: MappingProxyType({"en": en, "zh": zh}) for code, (en, zh) in pairs.items()}
    )


LABELS: Mapping[str, Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "abc_class": _kind(
            {"A": ("Class A", "A类客户"), "B": ("Class B", "B类客户"), "C": ("Class C", "C类客户")}
        ),
        "rfm_segment": _kind(
            {
                # common named scheme
                "champions": ("Champions", "冠军客户"),
                "loyal": ("Loyal", "忠诚客户"),
                "potential_loyalist": ("Potential loyalist", "潜在忠诚客户"),
                "new": ("New", "新客户"),
                "promising": ("Promising", "有潜力客户"),
                "need_attention": ("Need attention", "需要关注客户"),
                "about_to_sleep": ("About to sleep", "即将沉睡客户"),
                "at_risk": ("At risk", "有流失风险客户"),
                "cant_lose_them": ("Can't lose them", "不能失去的客户"),
                "hibernating": ("Hibernating", "沉睡客户"),
                "lost": ("Lost", "已流失客户"),
                # Chinese 8-class scheme
                "important_value": ("Important value", "重要价值客户"),
                "important_development": ("Important development", "重要发展客户"),
                "important_retention": ("Important retention", "重要保持客户"),
                "important_winback": ("Important win-back", "重要挽留客户"),
                "general_value": ("General value", "一般价值客户"),
                "general_development": ("General development", "一般发展客户"),
                "general_retention": ("General retention", "一般保持客户"),
                "general_winback": ("General win-back", "一般挽留客户"),
            }
        ),
        "pyramid_tier": _kind(
            {
                "vip": ("VIP", "VIP客户"),
                "major": ("Major", "主要客户"),
                "ordinary": ("Ordinary", "普通客户"),
                "small": ("Small", "小客户"),
                "potential": ("Potential", "潜在客户"),
                "platinum": ("Platinum", "铂金客户"),
                "gold": ("Gold", "黄金客户"),
                "iron": ("Iron", "铁客户"),
                "lead": ("Lead", "铅客户"),
            }
        ),
        "value_class": _kind(
            {
                "most_valuable": ("Most valuable (MVC)", "贵宾型客户"),
                "most_growable": ("Most growable (MGC)", "改进型客户"),
                "maintain": ("Maintain", "维持型客户"),
                "below_zero": ("Below zero (BZ)", "放弃型客户"),
            }
        ),
        "lifecycle_stage": _kind(
            {
                "prospect": ("Prospect", "潜在获取期"),
                "new": ("New", "新客户"),
                "growing": ("Growing", "成长期"),
                "mature": ("Mature", "成熟期"),
                "declining": ("Declining", "衰退期"),
                "churned": ("Churned", "终止期"),
                "reactivated": ("Reactivated", "重新激活"),
            }
        ),
        "churn_status": _kind(
            {
                "active": ("Active", "活跃客户"),
                "partial_churn": ("Partial churn", "客户业务流失"),
                "churned": ("Churned", "客户流失"),
            }
        ),
        "intent_stage": _kind(
            {
                "0": ("Stage 0: does not refuse", "阶段0: 客户不拒绝"),
                "1": ("Stage 1: listens and interacts", "阶段1: 愿意听介绍, 有互动"),
                "2": ("Stage 2: evaluates the product", "阶段2: 主动了解并评估产品"),
                "3": ("Stage 3: considers closing", "阶段3: 考虑成交"),
                "4": ("Stage 4: decided to close", "阶段4: 确定可以成交"),
                "E": ("Class E: signed customer", "E类客户 (已签约)"),
            }
        ),
    }
)
"""``LABELS[kind][code][lang]``: the display label of every category code."""


@keyword_only_after(1, "lang", since="0.3")
def labels_for(kind: str, *, lang: str = "en") -> dict[str, str]:
    """Code -> display label for one kind of categorical output.

    Parameters
    ----------
    kind : str
        One of the keys of :data:`LABELS` (the output Series' name, e.g. ``"pyramid_tier"``).
    lang : {"en", "zh"}
        Display language.

    Returns
    -------
    dict

    Examples
    --------
    >>> from custvalue.labels import labels_for
    >>> labels_for("value_class", lang="zh")["below_zero"]
    '放弃型客户'
    """
    check_choice("lang", lang, LANGS)
    check_choice("kind", kind, tuple(LABELS))
    return {code: lab[lang] for code, lab in LABELS[kind].items()}


def _find_kind(series: pd.Series) -> str:
    name = series.name
    if isinstance(name, str) and name in LABELS:
        return name
    cats = {str(c) for c in series.cat.categories}
    matches = [k for k, codes in LABELS.items() if cats <= set(codes)]
    if len(matches) != 1:
        found = "no kind" if not matches else f"several kinds {matches}"
        raise ValueError(
            f"cannot tell which labels apply to Series {name!r} ({found} has categories "
            f"{sorted(cats)}); pass kind= one of {list(LABELS)}"
        )
    return matches[0]


@keyword_only_after(1, "lang", since="0.3")
def display(series: pd.Series, *, lang: str = "en", kind: str | None = None) -> pd.Series:
    """Replace category codes by display labels, keeping order and categories.

    Parameters
    ----------
    series : pandas.Series
        Categorical output of a custvalue segmentation function.
    lang : {"en", "zh"}
        Display language.
    kind : str, optional
        Which labels to use (a key of :data:`LABELS`); by default the Series' name, or the
        only kind whose codes contain all the categories.

    Returns
    -------
    pandas.Series
        The same categorical (ordered as before, same index and name) with display labels
        as categories.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.labels import display
    >>> s = pd.Series(pd.Categorical(["vip", "small"], categories=["vip", "major",
    ...     "ordinary", "small", "potential"], ordered=True), name="pyramid_tier")
    >>> display(s, lang="zh").tolist()
    ['VIP客户', '小客户']
    >>> list(display(s, lang="zh").cat.categories)
    ['VIP客户', '主要客户', '普通客户', '小客户', '潜在客户']
    """
    check_choice("lang", lang, LANGS)
    if not isinstance(series, pd.Series) or not isinstance(series.dtype, pd.CategoricalDtype):
        raise TypeError("display needs a categorical pandas Series")
    k = _find_kind(series) if kind is None else check_choice("kind", kind, tuple(LABELS))
    table = LABELS[k]
    unknown = [c for c in series.cat.categories if str(c) not in table]
    if unknown:
        raise ValueError(f"no {k!r} labels for categories {unknown}")
    mapping = {c: table[str(c)][lang] for c in series.cat.categories}
    return series.cat.rename_categories(mapping)


# --- plot texts (custvalue.plotting): axis labels, titles, legend entries --------------------
PLOT_TEXTS: Mapping[str, Mapping[str, str]] = _kind(
    {
        # shared
        "customers": ("Customers", "客户数"),
        "share_of_customers": ("Share of customers", "客户占比"),
        "share_of_value": ("Share of value", "价值占比"),
        "actual": ("Actual", "实际"),
        "predicted": ("Predicted", "预测"),
        "predicted_by": ("Predicted ({model})", "预测（{model}）"),
        # time units of the customer table (time_unit=...), and BG/BB's opportunities
        "unit.s": ("seconds", "秒"),
        "unit.s.one": ("second", "秒"),
        "unit.min.one": ("minute", "分钟"),
        "unit.h.one": ("hour", "小时"),
        "unit.D.one": ("day", "天"),
        "unit.W.one": ("week", "周"),
        "unit.opportunities.one": ("opportunity", "次机会"),
        "unit.none.one": ("time unit", "时间单位"),
        "unit.min": ("minutes", "分钟"),
        "unit.h": ("hours", "小时"),
        "unit.D": ("days", "天"),
        "unit.W": ("weeks", "周"),
        "unit.opportunities": ("opportunities", "次机会"),
        "unit.none": ("time units", "时间单位"),
        # value columns named in titles and colour bars
        "column.total_spend": ("total spend", "消费总额"),
        "column.mean_spend": ("mean spend", "平均消费额"),
        "column.clv": ("CLV", "客户终身价值"),
        "column.historical_value": ("historical value", "历史价值"),
        "column.value": ("value", "价值"),
        # plot_concentration
        "concentration.title": ("Value concentration", "客户价值集中度"),
        "concentration.x": (
            "Share of customers, highest value first",
            "客户累计占比（按价值从高到低）",
        ),
        "concentration.y": ("Cumulative share of value", "价值累计占比"),
        "concentration.curve": (
            "Concentration curve (Gini {gini:.2f})",
            "集中度曲线（基尼系数 {gini:.2f}）",
        ),
        "concentration.equality": ("Equal value for everyone", "完全平均线"),
        "concentration.limit": (
            "{customers} of customers bring {value} of the value",
            "{customers} 的客户贡献 {value} 的价值",
        ),
        # plot_rfm_heatmap
        "rfm.title.count": ("Customers per RFM cell", "各 RFM 单元的客户数"),
        "rfm.title.mean": ("Mean {value} per RFM cell", "各 RFM 单元的平均{value}"),
        "rfm.x": ("Recency score R (higher: bought more recently)", "最近购买得分 R（越高越近）"),
        "rfm.y": ("Frequency score F (higher: bought more often)", "购买频率得分 F（越高越频繁）"),
        "rfm.mean": ("Mean {value}", "平均{value}"),
        # plot_segments
        "segments.title": ("Segments: customers and value", "细分群体：客户与价值"),
        # plot_probability_alive_matrix / plot_expected_purchases_matrix
        "alive.title": (
            "Probability alive after {tenure} {unit} of observation",
            "观察 {tenure} {unit}后的存活概率",
        ),
        "alive.colorbar": ("P(alive)", "存活概率"),
        "expected.title": (
            "Expected purchases in the next {horizon} {unit}",
            "未来 {horizon} {unit}的预期购买次数",
        ),
        "expected.subtitle": (
            "customers observed for {tenure} {unit}",
            "观察期 {tenure} {unit}",
        ),
        "expected.colorbar": ("Expected purchases", "预期购买次数"),
        "matrix.x": (
            "Time from first to last purchase ({unit})",
            "首次到最近一次购买的时间（{unit}）",
        ),
        "matrix.y": ("Repeat purchases", "重复购买次数"),
        # plot_calibration_holdout
        "calhold.title": (
            "Holdout purchases by calibration purchases",
            "按校准期购买次数分组的验证期购买",
        ),
        "calhold.x": (
            "Repeat purchases in the calibration period (customers in brackets)",
            "校准期重复购买次数（括号内为客户数）",
        ),
        "calhold.y": ("Mean purchases in the holdout period", "验证期平均购买次数"),
        # plot_tracking
        "tracking.title.cumulative": ("Cumulative repeat purchases", "累计重复购买次数"),
        "tracking.title.per_period": (
            "Repeat purchases per {step} {unit}",
            "每 {step} {unit}的重复购买次数",
        ),
        "tracking.title.per_unit": ("Repeat purchases per {unit}", "每{unit}重复购买次数"),
        "tracking.x": (
            "Time since the first purchase of the cohort ({unit})",
            "自首位客户首次购买起的时间（{unit}）",
        ),
        "tracking.y": ("Repeat purchases", "重复购买次数"),
        "tracking.calibration_end": ("End of calibration", "校准期结束"),
        # plot_pyramid
        "pyramid.title": ("Customer pyramid", "客户金字塔"),
        "pyramid.band": ("{n:,} customers ({customers})", "{n:,} 位客户（{customers}）"),
        "pyramid.band_value": (
            "{n:,} customers ({customers}), {value} of the value",
            "{n:,} 位客户（{customers}），价值占 {value}",
        ),
        # plot_lifecycle
        "lifecycle.title": ("Customers by lifecycle stage", "各生命周期阶段的客户数"),
        # plot_value_matrix
        "value_matrix.title": ("Value matrix", "客户价值矩阵"),
        "value_matrix.x": ("Current value", "当前价值"),
        "value_matrix.y": ("Future value", "未来价值"),
        "value_matrix.high": ("High", "高"),
        "value_matrix.other": ("Not high", "非高"),
        "value_matrix.cell": (
            "{n:,} customers ({customers})",
            "{n:,} 位客户（{customers}）",
        ),
        "value_matrix.cell_value": (
            "{n:,} customers ({customers})\n{value} of the value",
            "{n:,} 位客户（{customers}）\n价值占 {value}",
        ),
        # plot_clv_distribution
        "clv.title": ("Distribution of customer lifetime value", "客户终身价值分布"),
        "clv.y.hist": ("Customers", "客户数"),
        "clv.y.ecdf": ("Share of customers at or below", "不高于该值的客户占比"),
        "clv.mean": ("Mean {v:,.2f}", "均值 {v:,.2f}"),
        "clv.median": ("Median {v:,.2f}", "中位数 {v:,.2f}"),
        "clv.clipped": (
            "{n:,} customers above {x:,.2f} not shown",
            "另有 {n:,} 位客户高于 {x:,.2f}，未显示",
        ),
    }
)
"""``PLOT_TEXTS[key][lang]``: axis labels, titles and legend entries of :mod:`custvalue.plotting`.

Some texts have ``{fields}`` (filled by :func:`plot_text`); both languages of a key have the
same fields.
"""


@keyword_only_after(1, "lang", since="0.3")
def plot_text(key: str, *, lang: str = "en", **fields: Any) -> str:
    """One text of the plots in one language, with its ``{fields}`` filled in.

    Parameters
    ----------
    key : str
        A key of :data:`PLOT_TEXTS`.
    lang : {"en", "zh"}
        Display language.
    **fields
        Values of the text's fields.

    Returns
    -------
    str

    Examples
    --------
    >>> from custvalue.labels import plot_text
    >>> plot_text("concentration.curve", lang="zh", gini=0.6312)
    '集中度曲线（基尼系数 0.63）'
    """
    check_choice("lang", lang, LANGS)
    check_choice("key", key, tuple(PLOT_TEXTS))
    return PLOT_TEXTS[key][lang].format(**fields)


# --- end plot texts --------------------------------------------------------------------------
