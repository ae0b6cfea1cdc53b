"""Deprecation shims: renamed arguments and arguments made keyword-only."""

from __future__ import annotations

import inspect
import warnings

import pytest

from custvalue._deprecation import REMOVED_IN, keyword_only_after, renamed


def _f(values: list[float], *, top: float = 0.2, cost: float = 0.0) -> tuple[float, float]:
    """Doc of _f."""
    return top, cost


shimmed = renamed(cost_to_serve="cost", since="0.2")(keyword_only_after(1, "top", since="0.2")(_f))


def test_new_calls_raise_no_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert shimmed([1.0], top=0.5, cost=2.0) == (0.5, 2.0)
        assert shimmed([1.0]) == (0.2, 0.0)


def test_renamed_keyword_warns_and_is_passed_on() -> None:
    with pytest.warns(FutureWarning) as record:
        assert shimmed([1.0], cost_to_serve=3.0) == (0.2, 3.0)
    assert len(record) == 1
    msg = str(record[0].message)
    assert "'cost_to_serve' was renamed 'cost' in 0.2" in msg
    assert "write cost=... instead" in msg
    assert f"removed in {REMOVED_IN}" in msg and REMOVED_IN == "0.4"
    # the warning points at this file (the caller), not at the shim, through both shims
    assert record[0].filename == __file__


def test_renamed_old_and_new_together_raise() -> None:
    with pytest.raises(TypeError, match="pass only cost="):
        shimmed([1.0], cost=1.0, cost_to_serve=2.0)


def test_positional_call_warns_and_is_passed_by_keyword() -> None:
    with pytest.warns(FutureWarning) as record:
        assert shimmed([1.0], 0.7) == (0.7, 0.0)
    msg = str(record[0].message)
    assert "pass top by keyword" in msg and "removed in 0.4" in msg
    assert "write _f(values, top=...) instead" in msg
    assert record[0].filename == __file__


def test_positional_errors_are_those_python_would_raise() -> None:
    with pytest.raises(TypeError, match="at most 2 positional arguments"):
        shimmed([1.0], 0.5, 1.0)
    with (
        pytest.raises(TypeError, match="multiple values for argument 'top'"),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        shimmed([1.0], 0.5, top=0.6)


def test_both_shims_in_one_call() -> None:
    with pytest.warns(FutureWarning) as record:
        assert shimmed([1.0], 0.3, cost_to_serve=4.0) == (0.3, 4.0)
    assert len(record) == 2


def test_signature_docstring_and_name_are_kept() -> None:
    assert inspect.signature(shimmed) == inspect.signature(_f)
    assert shimmed.__doc__ == "Doc of _f."
    assert shimmed.__name__ == "_f" and shimmed.__module__ == __name__
    assert inspect.unwrap(shimmed) is _f


def test_shims_check_the_function_they_decorate() -> None:
    with pytest.raises(TypeError, match="no parameter 'price'"):
        renamed(cost="price", since="0.2")(_f)
    with pytest.raises(TypeError, match="still has a parameter 'top'"):
        renamed(top="cost", since="0.2")(_f)
    with pytest.raises(TypeError, match="at least one"):
        renamed(since="0.2")
    with pytest.raises(TypeError, match="not keyword-only"):
        keyword_only_after(1, "values", since="0.2")(_f)
    with pytest.raises(TypeError, match="fewer than 2 positional"):
        keyword_only_after(2, "top", since="0.2")(_f)
    with pytest.raises(TypeError, match="at least one name"):
        keyword_only_after(1, since="0.2")


def test_segmentation_signatures_take_options_by_keyword_only() -> None:
    import custvalue.abc
    import custvalue.pyramid
    import custvalue.report
    import custvalue.rfm

    # function -> number of data arguments (positional); everything after is keyword-only
    data_args = {
        custvalue.abc.concentration_curve: 1,
        custvalue.abc.gini: 1,
        custvalue.abc.pareto_share: 1,
        custvalue.abc.abc_limits: 1,
        custvalue.abc.abc_classes: 1,
        custvalue.rfm.rfm_scores: 1,
        custvalue.rfm.rfm_thresholds: 1,
        custvalue.rfm.rfm_segments: 1,
        custvalue.rfm.check_rules: 1,
        custvalue.pyramid.pyramid_tiers: 1,
        custvalue.pyramid.value_matrix: 2,
        custvalue.report.segment_report: 2,
    }
    for func, n in data_args.items():
        params = list(inspect.signature(func).parameters.values())
        kinds = [p.kind for p in params]
        assert kinds[:n] == [inspect.Parameter.POSITIONAL_OR_KEYWORD] * n, func.__name__
        assert all(k is inspect.Parameter.KEYWORD_ONLY for k in kinds[n:]), func.__name__
        assert "cost_to_serve" not in {p.name for p in params}, func.__name__
