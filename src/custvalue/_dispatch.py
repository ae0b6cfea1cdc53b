"""Tell a Dask collection from a pandas object without importing Dask (private).

The public functions accept Dask DataFrames (extra ``dask``) and hand them to
:mod:`custvalue._dask`; this test needs no import, so ``import custvalue`` never imports
Dask and a pandas call never pays for it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, cast

__all__ = ["is_dask", "rowwise"]

_F = TypeVar("_F", bound=Callable[..., Any])

LAZY_NOTE = (
    "Accepts a Dask DataFrame (extra ``dask``): the result is then lazy (a Dask Series or "
    "DataFrame, one task per partition) and equals the pandas result exactly."
)


def with_note(doc: str | None, note: str) -> str | None:
    """Insert ``note`` as a paragraph after the summary paragraph of the docstring ``doc``."""
    if not doc:
        return doc
    lines = doc.splitlines()
    indent = next((ln[: len(ln) - len(ln.lstrip())] for ln in lines[1:] if ln.strip()), "")
    end = next((i for i, ln in enumerate(lines) if not ln.strip()), len(lines))
    width = 88 - len(indent)
    words, para, line = note.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            para.append(indent + line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    para.append(indent + line)
    return "\n".join([*lines[:end], "", *para, *lines[end:]])


def is_dask(obj: object) -> bool:
    """Tell whether ``obj`` is a Dask collection (DataFrame, Series, ...)."""
    return type(obj).__module__.partition(".")[0] == "dask"


def rowwise(method: _F) -> _F:
    """Let a per-customer method ``method(self, table, ...)`` take a Dask table.

    A Dask table gives a lazy Dask object: the method runs on every partition
    (``map_partitions``), so each row gets exactly the pandas value.
    """

    @functools.wraps(method)
    def wrapper(self: Any, table: Any, *args: Any, **kwargs: Any) -> Any:
        if is_dask(table):
            from ._dask.rowwise import map_rows

            return map_rows(functools.partial(method, self), table, args, kwargs)
        return method(self, table, *args, **kwargs)

    wrapper.__doc__ = with_note(method.__doc__, LAZY_NOTE)
    return cast(_F, wrapper)


def rowwise_in(arg: str) -> Callable[[_F], _F]:
    """Let a per-customer function take a Dask table as its argument ``arg`` (see rowwise)."""

    def decorate(fn: _F) -> _F:
        sig = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = sig.bind(*args, **kwargs)
            table = bound.arguments.get(arg)
            if is_dask(table):
                from ._dask.rowwise import map_rows

                rest = {k: v for k, v in bound.arguments.items() if k != arg}
                return map_rows(functools.partial(_call_with, fn, arg, rest), table, (), {})
            return fn(*args, **kwargs)

        wrapper.__doc__ = with_note(fn.__doc__, LAZY_NOTE)
        return cast(_F, wrapper)

    return decorate


def _call_with(fn: Callable[..., Any], arg: str, rest: dict[str, Any], table: Any) -> Any:
    """Call ``fn`` with ``table`` as its argument ``arg`` and the other arguments ``rest``."""
    return fn(**{arg: table}, **rest)


_BY_VALUE = (
    "Accepts a Dask Series or table (extra ``dask``): the value column (one number per "
    "customer) is computed once for the limits, then the classes are given per partition "
    "(a lazy Dask Series, equal to the pandas result exactly); ``margin`` and ``cost`` are "
    "then numbers. Persist a table from a lazy pipeline first (it is read twice)."
)
_SUMMARY = (
    "Accepts a Dask Series or table (extra ``dask``): the value column (one number per "
    "customer) is computed and the result is the pandas one."
)
_HISTORY = (
    "Accepts a Dask DataFrame (extra ``dask``): the result is then lazy (a Dask Series or "
    "DataFrame partitioned by customer like the Dask customer table) and equals the pandas "
    "result exactly; the population rhythm (a median over all customers) is computed in "
    "the same run, exactly. ``p_alive`` and ``expected_purchases`` may be pandas or Dask "
    "Series; ``prospects`` is not supported then."
)
NOTES = {
    "abc_classes": _BY_VALUE,
    "pyramid_tiers": _BY_VALUE,
    "value_matrix": (
        "Accepts a Dask table (extra ``dask``), with ``future_value`` a Dask Series "
        "partitioned like it (e.g. a prediction on the same table): both columns are "
        "computed once for the thresholds of the top shares, then the classes are given "
        "per partition (a lazy Dask Series, equal to the pandas result exactly)."
    ),
    "rfm_scores": (
        "Accepts a Dask table (extra ``dask``): the quantile thresholds of the whole table "
        "(:func:`rfm_thresholds`, exact order statistics found in three small passes over "
        "the partitions, no column gathered) are applied per partition; the lazy result "
        "equals the pandas scores exactly."
    ),
    "abc_limits": _SUMMARY,
    "concentration_curve": _SUMMARY,
    "gini": _SUMMARY,
    "pareto_share": _SUMMARY,
    "lifecycle_stages": _HISTORY,
    "explain_lifecycle": _HISTORY,
    "churn_status": (
        "Accepts a Dask DataFrame (extra ``dask``): the result is then a lazy Dask "
        "DataFrame partitioned by customer like the Dask customer table, equal to the "
        "pandas result exactly; the population rhythm (a median over all customers) is "
        "computed in the same run, exactly. ``p_alive`` may be a pandas or Dask Series."
    ),
    "rfm_thresholds": (
        "Accepts a Dask table (extra ``dask``): the cut points are exact order statistics "
        "of its three columns, found in three small passes over the partitions (no column "
        "gathered); the result is the pandas one."
    ),
}


def dask_path(name: str, module: str = "segments") -> Callable[[_F], _F]:
    """Send a call whose first argument is a Dask object to ``custvalue._dask.<module>.<name>``.

    That function gets the pandas function and the call's arguments; it computes the global
    statistic the pandas function needs once and applies it per partition. The docstring
    gains the note saying so (:data:`NOTES`).
    """

    def decorate(fn: _F) -> _F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if args and is_dask(args[0]):
                import importlib

                path = importlib.import_module(f"custvalue._dask.{module}")
                return getattr(path, name)(fn, *args, **kwargs)
            return fn(*args, **kwargs)

        wrapper.__doc__ = with_note(fn.__doc__, NOTES.get(name, LAZY_NOTE))
        return cast(_F, wrapper)

    return decorate
