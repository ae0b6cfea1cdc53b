"""Display labels: complete for every categorical output, order kept, both languages."""

from __future__ import annotations

import pandas as pd
import pytest

from _segdata import hand_table
from custvalue import abc_classes, pyramid_tiers, rfm_scores, rfm_segments, value_matrix
from custvalue.abc import ABC_CLASSES
from custvalue.churn import CHURN_STATUSES
from custvalue.followup import INTENT_STAGES
from custvalue.labels import LABELS, LANGS, display, labels_for
from custvalue.lifecycle import LIFECYCLE_STAGES
from custvalue.pyramid import PYRAMID_SCHEMES, VALUE_CLASSES
from custvalue.rfm import CN8_SEGMENTS, COMMON_SEGMENTS

# codes of the lifecycle module's outputs (lifecycle stages, churn, follow-up intent stages)
LIFECYCLE = LIFECYCLE_STAGES
CHURN = CHURN_STATUSES
INTENT = INTENT_STAGES

EVERY_OUTPUT = {
    "abc_class": ABC_CLASSES,
    "rfm_segment": COMMON_SEGMENTS + CN8_SEGMENTS,
    "pyramid_tier": PYRAMID_SCHEMES["vip"] + PYRAMID_SCHEMES["metals"],
    "value_class": VALUE_CLASSES,
    "lifecycle_stage": LIFECYCLE,
    "churn_status": CHURN,
    "intent_stage": INTENT,
}


@pytest.mark.parametrize("kind", list(EVERY_OUTPUT))
def test_every_code_has_both_labels(kind: str) -> None:
    assert set(LABELS[kind]) == set(EVERY_OUTPUT[kind])
    for lang in LANGS:
        labels = labels_for(kind, lang=lang)
        assert all(isinstance(v, str) and v for v in labels.values())
        # distinct display labels, so a report never merges two segments
        assert len(set(labels.values())) == len(labels)


def test_chinese_labels_use_the_terms_of_chinese_crm_practice() -> None:
    # the customer pyramid (客户金字塔), the value classes, the lifecycle stages and the two
    # kinds of churn, as named in the module docstring of custvalue.labels
    assert [labels_for("pyramid_tier", lang="zh")[c] for c in PYRAMID_SCHEMES["vip"]] == [
        "VIP客户",
        "主要客户",
        "普通客户",
        "小客户",
        "潜在客户",
    ]
    zh = labels_for("value_class", lang="zh")
    assert [zh[c] for c in VALUE_CLASSES] == [
        "贵宾型客户",
        "改进型客户",
        "维持型客户",
        "放弃型客户",
    ]
    life = labels_for("lifecycle_stage", lang="zh")
    assert [life[c] for c in ("prospect", "growing", "mature", "declining", "churned")] == [
        "潜在获取期",
        "成长期",
        "成熟期",
        "衰退期",
        "终止期",
    ]
    churn = labels_for("churn_status", lang="zh")
    assert churn["churned"] == "客户流失" and churn["partial_churn"] == "客户业务流失"
    assert labels_for("rfm_segment", lang="zh")["important_winback"] == "重要挽留客户"


def test_display_keeps_order_index_and_name() -> None:
    table = hand_table()
    seg = rfm_segments(rfm_scores(table), scheme="cn8")
    shown = display(seg, lang="zh")
    assert shown.index.equals(seg.index) and shown.name == "rfm_segment"
    assert shown.cat.ordered
    assert list(shown.cat.categories) == [
        labels_for("rfm_segment", lang="zh")[c] for c in CN8_SEGMENTS
    ]
    assert (shown.cat.codes == seg.cat.codes).all()


def test_display_every_segmentation_output() -> None:
    table = hand_table()
    outputs = [
        abc_classes(table),
        rfm_segments(rfm_scores(table)),
        pyramid_tiers(table),
        pyramid_tiers(table, scheme="metals"),
        value_matrix(table["total_spend"], table["total_spend"]),
    ]
    for out in outputs:
        for lang in LANGS:
            shown = display(out, lang=lang)
            assert len(shown.cat.categories) == len(out.cat.categories)


def test_unknown_lang_lists_choices() -> None:
    s = abc_classes(hand_table())
    with pytest.raises(ValueError, match="'en', 'zh'"):
        display(s, lang="fr")
    with pytest.raises(ValueError, match="'en', 'zh'"):
        labels_for("abc_class", lang="de")


def test_kind_inferred_from_categories_or_given() -> None:
    s = pd.Series(pd.Categorical(["gold"], categories=["platinum", "gold", "iron", "lead"]))
    assert display(s, lang="zh").tolist() == ["黄金客户"]
    # "churned" is a lifecycle stage and a churn status: an unnamed Series needs kind=
    amb = pd.Series(pd.Categorical(["churned"], categories=["churned"]))
    with pytest.raises(ValueError, match="kind="):
        display(amb)
    assert display(amb, lang="zh", kind="lifecycle_stage").tolist() == ["终止期"]
    assert display(amb, lang="zh", kind="churn_status").tolist() == ["客户流失"]
    with pytest.raises(TypeError, match="categorical"):
        display(pd.Series(["A"]))


def test_display_and_report_on_lifecycle_outputs() -> None:
    from custvalue import churn_status, customer_table, lifecycle_stages, segment_report
    from custvalue.datasets import make_transactions

    tx = make_transactions(300, product_lines=3, random_state=7)
    end = "1998-06-30"
    stages = lifecycle_stages(tx, amount_col="amount", observation_end=end)
    churn = churn_status(tx, observation_end=end)["churn_status"]
    table = customer_table(tx, amount_col="amount", observation_end=end)
    for out in (stages, churn):
        for lang in LANGS:
            shown = display(out, lang=lang)
            assert (shown.cat.codes == out.cat.codes).all()
        rep = segment_report(table, out.reindex(table.index), lang="zh")
        assert rep["n_customers"].sum() == len(table)


def test_lang_by_position_still_works_with_a_future_warning() -> None:
    # lang became keyword-only in 0.3 (after the data argument, only keywords)
    s = pd.Series(pd.Categorical(["A"], categories=["A", "B", "C"]), name="abc_class")
    with pytest.warns(FutureWarning, match="pass lang by keyword"):
        old = display(s, "zh")
    assert old.tolist() == display(s, lang="zh").tolist()
    with pytest.warns(FutureWarning, match="pass lang by keyword"):
        assert labels_for("abc_class", "zh") == labels_for("abc_class", lang="zh")
