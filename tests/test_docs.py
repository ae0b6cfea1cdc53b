"""The documentation site's sources: the API reference lists every public name, every
validation rule has a fix in the error catalogue, and the offline check finds what a page
would load from the network. The site itself is built by ``make docs`` (part of
``make test``), with warnings as errors."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest

import custvalue

DOCS = Path(__file__).resolve().parents[1] / "docs"
API = (DOCS / "api.rst").read_text(encoding="utf-8")
NOTEBOOKS = DOCS.parent / "notebooks"

pytest.importorskip("sphinx")  # the docs extra (installed by make test)
sys.path.insert(0, str(DOCS / "_ext"))
custvalue_docs = importlib.import_module("custvalue_docs")


def _sections(text: str) -> dict[str, set[str]]:
    """Names listed in each ``.. currentmodule::`` block of the API reference."""
    out: dict[str, set[str]] = {}
    module = None
    in_summary = False
    for line in text.splitlines():
        if m := re.match(r"\.\. currentmodule:: (\S+)", line):
            module = m.group(1)
            continue
        if line.startswith(".. autosummary::"):
            in_summary = True
            continue
        if in_summary and line and not line.startswith(" "):
            in_summary = False
        if in_summary and module and (m := re.match(r"   ([A-Za-z_]\w*)$", line)):
            out.setdefault(module, set()).add(m.group(1))
    return out


SECTIONS = _sections(API)


def test_every_top_level_name_is_in_the_api_reference():
    public = set(custvalue.__all__) - {"__version__"}
    assert public - SECTIONS["custvalue"] == set()
    # and nothing listed there that is not public (a stale entry)
    assert SECTIONS["custvalue"] - public == set()
    assert "custvalue.__version__" in API


@pytest.mark.parametrize(
    "module",
    [
        "custvalue.clv",
        "custvalue.table",
        "custvalue.plotting",
        "custvalue.labels",
        "custvalue.datasets",
    ],
)
def test_every_submodule_name_is_in_the_api_reference(module):
    mod = importlib.import_module(module)
    listed = SECTIONS.get(module, set())
    top = set(custvalue.__all__)
    # a name re-exported by custvalue is documented once, under custvalue
    missing = {n for n in mod.__all__ if n not in listed and n not in top}
    assert missing == set()
    assert listed - set(mod.__all__) == set()
    assert f".. automodule:: {module}" in API


def test_every_validation_rule_has_a_fix():
    rules = custvalue_docs.validation_rules()
    assert len(rules) > 100  # the scan finds the rules (133 when this test was written)
    texts = {r.text for r in rules}
    # rules from four different places of the source, each as its message says it
    for rule in (
        "purchase\\_span \\> tenure",
        "every weight is 0",
        "duplicate customer ids",
        "n\\_repeat == 0 (Gamma-Gamma is fitted on repeat buyers only: pass "
        "table\\[table.n\\_repeat \\> 0\\])",
    ):
        assert rule in texts
    assert [r.text for r in rules if custvalue_docs.fix_for(r.text) is None] == []


def test_a_rule_without_a_fix_is_reported():
    assert custvalue_docs.fix_for("negative counts") is not None
    assert custvalue_docs.fix_for("pass missing='drop' to drop them") == "As the message says."
    assert custvalue_docs.fix_for("the moon is in the wrong phase") is None


def test_offline_check_finds_loads_and_allows_links():
    html = (
        '<a href="https://doi.org/10.1287/mksc.1040.0098">paper</a>'
        '<script src="_static/mathjax/tex-chtml.js"></script>'
        '<script src="https://cdn.example.org/mathjax.js"></script>'
        '<link rel="stylesheet" href="//fonts.example.org/css">'
        '<img src="http://example.org/logo.png">'
        '<div style="background: url(https://example.org/bg.png)"></div>'
    )
    found = custvalue_docs.external_resources(html)
    assert len(found) == 4
    assert not any("doi.org" in f or "_static" in f for f in found)
    css = (
        "/* see https://example.org */ @font-face { src: url('https://fonts.example.org/a.woff2') }"
    )
    assert custvalue_docs.external_css(css) == ["https://fonts.example.org/a.woff2"]
    assert custvalue_docs.external_css("a { src: url(fonts/a.woff2) }") == []


def test_notebooks_are_stored_without_outputs():
    nbformat = pytest.importorskip("nbformat")
    books = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert books, "notebooks/ holds the executed examples of the site"
    for path in books:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path.name


def test_internal_notes_are_never_cited():
    assert custvalue_docs.internal_references("as DOMAIN.md says; seed 004; ../shared/x") == [
        "DOMAIN.md",
        "seed 004",
        "../shared",
    ]
    assert custvalue_docs.internal_references("a seeded generator, 4 seeds, shared ids") == []
    # the public domain guide is docs/domain.md
    assert custvalue_docs.internal_references("see [the domain guide](docs/domain.md)") == []
