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

        return cast(_F, wrapper)

    return decorate


def _call_with(fn: Callable[..., Any], arg: str, rest: dict[str, Any], table: Any) -> Any:
    """Call ``fn`` with ``table`` as its argument ``arg`` and the other arguments ``rest``."""
    return fn(**{arg: table}, **rest)


def dask_path(name: str) -> Callable[[_F], _F]:
    """Send a call whose first argument is a Dask object to ``custvalue._dask.segments.<name>``.

    That function gets the pandas function and the call's arguments; it computes the global
    statistic the pandas function needs once and applies it per partition.
    """

    def decorate(fn: _F) -> _F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if args and is_dask(args[0]):
                from ._dask import segments

                return getattr(segments, name)(fn, *args, **kwargs)
            return fn(*args, **kwargs)

        return cast(_F, wrapper)

    return decorate
