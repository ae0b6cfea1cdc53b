"""One vocabulary: every public signature, walked.

* A parameter named in the argument glossary (``custvalue._schema.ARGUMENTS``) has the
  glossary's annotation (``| None`` aside) and its description begins with the glossary's
  summary, or delegates (``As in :func:`...```) to the function that defines it.
* A parameter name used by several public callables and not in the glossary has one
  annotation everywhere, unless it is listed in ``LOCAL`` with the reason its meaning is
  local to one family of functions.
* After the data arguments, every parameter is keyword-only.
* The public top level is a snapshot: adding or removing a name is a decision, made here.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from numpydoc.docscrape import ClassDoc, NumpyDocString

import custvalue
from custvalue._schema import ARGUMENTS

MODULES = (
    "custvalue",
    "custvalue.clv",
    "custvalue.abc",
    "custvalue.rfm",
    "custvalue.pyramid",
    "custvalue.lifecycle",
    "custvalue.churn",
    "custvalue.followup",
    "custvalue.table",
    "custvalue.interop",
    "custvalue.labels",
    "custvalue.datasets",
    "custvalue.analysis",
    "custvalue.report",
    "custvalue.plotting",
)

# names shared by several callables whose meaning is local to one family (so one
# annotation across families would be wrong), with the reason
LOCAL = {
    "method": "each function's own choice of algorithm (ABC, RFM, lifecycle)",
    "kind": "what to draw (plots) or which labels (labels)",
    "model": "a model object, or in analyze() the name of one",
    "negative": "each segmentation's own policy for negative values",
    "scheme": "pyramid scheme names vs RFM segment schemes or rules",
    "names": "row labels of a comparison vs the labels of two models",
    "n": "one count (purchase_pmf) or an array of them (purchase_pmf_new)",
    "df": "the lifetimes frame vs degrees of freedom of a test",
    "value": "a value Series, or the name of a table column to sum",
    "covariates": "one customer's covariate values (a mapping) or a frame for sampling",
    "periods": "periods since acquisition, one for all or per customer",
    "tenure": "one tenure for a grid, or one per customer when sampling",
    "n_repeat": "grid rows, or one value per customer when sampling",
    "amount": "one payment for everyone, or one per customer",
    "prospects": "ids of prospects: a list for stages, array-like for the pyramid",
    "spend_model": "a fitted spend model or values (CLV), the spend process (simulator)",
    "transaction_model": "a fitted purchase model (CLV), the purchase process (simulator)",
    "time_unit": "a unit of the table (plots) or of the simulated rates",
    "product_col": "the product-line column (None in analyze: no churn)",
    "initial_params": "start values named after each model's parameters",
    "penalizer": "a penalty over each model's own parameters",
}

# leading inputs that are data (positional by design), beyond the first argument
DATA_ARGUMENTS = {
    "table",  # customer_lifetime_value(transaction_model, spend_model, table), plots
    "spend_model",
    "calibration",  # evaluate_holdout(model, calibration, holdout)
    "holdout",
    "transactions",  # tracking_series(model, calibration, transactions)
    "general",  # likelihood_ratio_test(restricted, general)
    "future_value",  # value_matrix(value, future_value)
    "value",  # plot_segments(segments, value)
    "labels",  # segment_report(table, labels)
    "failures",  # DataValidationError(message, failures)
    "tenure",  # expected_purchases_alive(n_repeat, tenure): the customers' columns
    "detail",  # choice_reason(choice, detail)
}


def _callables() -> Iterator[tuple[str, Callable[..., Any], type | None]]:
    seen: set[int] = set()
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            qual = f"{module_name}.{name}"
            if inspect.isclass(obj):
                if getattr(obj, "__dataclass_fields__", None) is not None and not hasattr(
                    obj, "fit"
                ):
                    continue  # result records: their fields are attributes, not arguments
                if issubclass(obj, dict):
                    continue  # TypedDict of the reading options
                yield qual, obj.__init__, obj
                for attr, member in inspect.getmembers(obj):
                    if attr.startswith("_") or not callable(member) or id(member) in seen:
                        continue
                    seen.add(id(member))
                    yield f"{qual}.{attr}", member, None
            elif callable(obj):
                yield qual, obj, None


def _described(func: Callable[..., Any], cls: type | None) -> dict[str, str]:
    doc = ClassDoc(cls) if cls is not None else NumpyDocString(inspect.getdoc(func) or "")
    out = {}
    for p in doc["Parameters"]:
        for n in p.name.split(","):
            out[n.strip().lstrip("*")] = " ".join(p.desc).strip()
    return out


def _annotation(p: inspect.Parameter) -> str:
    ann = p.annotation if isinstance(p.annotation, str) else inspect.formatannotation(p.annotation)
    ann = re.sub(r"\s*\|\s*None\b", "", ann)
    ann = re.sub(r"^Literal\[(True|False)(, (True|False))?\]$", "bool", ann)
    return re.sub(r"^Literal\['.*'\]$", "str", ann)  # a Literal of choices is a str


def _occurrences() -> dict[str, list[tuple[str, int, inspect.Parameter, str]]]:
    found: dict[str, list[tuple[str, int, inspect.Parameter, str]]] = defaultdict(list)
    for qual, func, cls in _callables():
        try:
            sig = inspect.signature(func)
        except (TypeError, ValueError):
            continue
        described = _described(func, cls)
        params = [p for p in sig.parameters.values() if p.name not in ("self", "cls")]
        for i, p in enumerate(params):
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            found[p.name].append((qual, i, p, described.get(p.name, "")))
    return found


OCCURRENCES = _occurrences()
# a description may point at the function that defines the parameter; a deprecated one
# says so first
DELEGATION = re.compile(r"^((As (in|for)|See) :(func|meth|class):|Deprecated since )")


def test_the_walk_sees_the_api() -> None:
    # the walk reaches models' methods, plots and the analysis (a guard against a walk
    # that silently sees nothing)
    quals = {q for occ in OCCURRENCES.values() for q, *_ in occ}
    for expected in (
        "custvalue.customer_table",
        "custvalue.BetaGeoModel.prob_alive",
        "custvalue.analyze",
        "custvalue.plotting.plot_concentration",
    ):
        assert expected in quals
    assert len(quals) > 80


@pytest.mark.parametrize("name", sorted(ARGUMENTS))
def test_glossary_arguments_mean_one_thing(name: str) -> None:
    arg = ARGUMENTS[name]
    occurrences = OCCURRENCES.get(name, [])
    assert occurrences, f"{name} is in the glossary but no public function takes it"
    wrong = []
    for qual, _, p, text in occurrences:
        ann = _annotation(p)
        if ann != arg.annotation and ann not in arg.also:
            wrong.append(f"{qual}: annotation {ann!r}, glossary {arg.annotation!r}")
        if not (text.startswith(arg.summary) or DELEGATION.match(text)):
            wrong.append(f"{qual}: description {text[:70]!r} does not begin {arg.summary!r}")
    assert wrong == []


def test_shared_names_have_one_annotation() -> None:
    wrong = {}
    for name, occurrences in OCCURRENCES.items():
        if name in ARGUMENTS or name in LOCAL or len({q for q, *_ in occurrences}) < 2:
            continue
        annotations = {_annotation(p) for _, _, p, _ in occurrences}
        if len(annotations) > 1:
            wrong[name] = sorted(annotations)
    assert wrong == {}


def test_local_names_are_still_shared() -> None:
    # an exemption that no longer applies is removed, not kept as dead weight
    stale = [n for n in LOCAL if len({q for q, *_ in OCCURRENCES.get(n, [])}) < 2]
    assert stale == []


def test_every_public_parameter_is_documented() -> None:
    missing = [
        f"{qual}({p.name})"
        for occurrences in OCCURRENCES.values()
        for qual, _, p, text in occurrences
        if not text
    ]
    assert missing == []


def test_parameters_after_the_data_are_keyword_only() -> None:
    positional = [
        f"{qual}({p.name})"
        for occurrences in OCCURRENCES.values()
        for qual, i, p, _ in occurrences
        if i >= 1 and p.kind is p.POSITIONAL_OR_KEYWORD and p.name not in DATA_ARGUMENTS
    ]
    assert positional == []


# The public top level, grouped by topic as in custvalue/__init__.py. A change here is an
# API decision: make it here, in docs/api.rst and in the changelog together.
TOP_LEVEL = {
    "analysis": ["Analysis", "analyze"],
    "table": [
        "TableReport",
        "customer_table",
        "from_lifetimes",
        "split_calibration_holdout",
        "to_lifetimes",
    ],
    "models": [
        "BetaGeoBetaBinomModel",
        "BetaGeoModel",
        "GGompertzNBDModel",
        "GammaGammaModel",
        "ModifiedBetaGeoModel",
        "ParetoNBDModel",
        "ShiftedBetaGeoModel",
        "subscription_table",
    ],
    "value and evaluation": [
        "clv_interval",
        "compare_models",
        "customer_lifetime_value",
        "evaluate_holdout",
        "historical_value",
        "likelihood_ratio_test",
        "total_value",
    ],
    "segments": [
        "abc_classes",
        "abc_limits",
        "concentration_curve",
        "gini",
        "pareto_share",
        "pyramid_tiers",
        "rfm_scores",
        "rfm_segments",
        "rfm_thresholds",
        "segment_report",
        "value_matrix",
    ],
    "relationships": [
        "churn_status",
        "explain_lifecycle",
        "followup_load",
        "followup_plan",
        "lifecycle_stages",
    ],
    "errors": [
        "ConvergenceError",
        "ConvergenceWarning",
        "CustvalueError",
        "CustvalueWarning",
        "DataValidationError",
        "InsufficientDataError",
        "NotFittedError",
    ],
}


def test_top_level_snapshot() -> None:
    expected = ["__version__"] + [n for names in TOP_LEVEL.values() for n in names]
    assert sorted(custvalue.__all__) == sorted(expected)
    assert len(custvalue.__all__) == len(set(custvalue.__all__))
