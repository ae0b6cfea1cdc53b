"""The HTML report: self-contained (no request leaves the page), its figures present, both
languages, and every string from the data escaped."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import custvalue as cv
from custvalue._report import render_report
from custvalue._report.texts import TEXTS
from custvalue.datasets import load_cdnow


@pytest.fixture(scope="module")
def analysis() -> cv.Analysis:
    tx = load_cdnow(subset="sample")
    # a hostile customer id: it must come out escaped, never as markup
    tx["customer_id"] = tx["customer_id"].astype(str)
    big = tx.groupby("customer_id")["amount"].sum().idxmax()
    tx.loc[tx["customer_id"] == big, "customer_id"] = "<script>alert(1)</script>"
    a = cv.analyze(
        tx,
        amount_col="amount",
        time_unit="W",
        holdout_length=39.0,
        observation_end="1998-06-30",
        product_col=None,
    )
    return a


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_is_self_contained_with_its_figures(analysis: cv.Analysis, lang: str) -> None:
    html = render_report(analysis, lang=lang)
    assert "data:image/png;base64," in html  # the rasterised P(alive) matrix, inline
    # every reference outside inline data (base64 has "//" of its own)
    outside = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+", "", html)
    urls = set(re.findall(r"(?:https?:)?//[\w.-]+[^\s\"'<>)]*", outside))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r"\b(?:src|href)=\"(?!#|data:)", html)
    # concentration, RFM, segments, pyramid, value matrix, CLV, lifecycle, holdout,
    # cumulative and per-week tracking, P(alive)
    assert html.count("<svg") == 11
    assert TEXTS["title"][1 if lang == "zh" else 0] in html
    assert 'lang="zh-CN"' in html if lang == "zh" else 'lang="en"' in html


def test_data_strings_are_escaped(analysis: cv.Analysis) -> None:
    html = render_report(analysis, lang="en")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


def test_both_languages_have_the_same_fields() -> None:
    field = re.compile(r"{(\w+)}")
    for key, (en, zh) in TEXTS.items():
        assert sorted(field.findall(en)) == sorted(field.findall(zh)), key
        assert re.search(r"[\u4e00-\u9fff]", zh) or key in {"m_col_bic", "c_col_clv"}, key


def test_no_amounts_no_value_sections() -> None:
    tx = load_cdnow(subset="sample").drop(columns="amount")
    a = cv.analyze(tx, time_unit="W", model="bgnbd")
    html = render_report(a, lang="en")
    assert TEXTS["no_amounts"][0] in html
    assert 'id="value"' not in html and 'id="model"' in html


def test_to_html_writes_the_file(analysis: cv.Analysis, tmp_path: pd.DataFrame) -> None:
    path = tmp_path / "r.html"  # type: ignore[operator]
    analysis.to_html(path, lang="zh")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
