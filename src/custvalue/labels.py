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

import pandas as pd

from ._validation import check_choice

__all__ = ["LABELS", "LANGS", "display", "labels_for"]

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


def labels_for(kind: str, lang: str = "en") -> dict[str, str]:
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
    >>> labels_for("value_class", "zh")["below_zero"]
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


def display(series: pd.Series, lang: str = "en", *, kind: str | None = None) -> pd.Series:
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
    >>> display(s, "zh").tolist()
    ['VIP客户', '小客户']
    >>> list(display(s, "zh").cat.categories)
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
