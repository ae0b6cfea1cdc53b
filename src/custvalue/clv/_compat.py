"""Deprecation shims of the CLV API: old call forms keep working, with a FutureWarning.

:func:`keyword_shim` keeps positional calls of parameters that became keyword-only (and
renamed keywords, ``t`` -> ``horizon``) working; :func:`call_with_horizon` calls a purchase
model written for either the old protocol (``expected_purchases(table, t)``) or the new one
(``expected_purchases(table, *, horizon)``).
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

__all__ = ["call_with_horizon", "keyword_shim"]

_F = TypeVar("_F", bound=Callable[..., Any])

_REMOVAL = "is deprecated and will stop working in a future release"


def keyword_shim(*positional: str, renamed: Mapping[str, str] | None = None) -> Callable[[_F], _F]:
    """Accept the old call forms of a function whose parameters became keyword-only.

    Parameters
    ----------
    *positional : str
        Old names of the parameters that used to be passable by position after the ones the
        function still takes positionally, in their old order.
    renamed : mapping of str to str, optional
        Old keyword name -> new keyword name (e.g. ``{"t": "horizon"}``).

    Returns
    -------
    callable
        A decorator; the decorated function has the new signature (``inspect.signature``
        shows it) and turns an old call into the new one with a FutureWarning naming the new
        spelling.
    """
    renames = dict(renamed or {})

    def decorate(fn: _F) -> _F:
        sig = inspect.signature(fn)
        kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        n_pos = sum(1 for p in sig.parameters.values() if p.kind in kinds)
        is_method = next(iter(sig.parameters), "") == "self"

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            old: list[str] = []
            if len(args) > n_pos:
                extra = args[n_pos:]
                if len(extra) > len(positional):
                    raise TypeError(
                        f"{fn.__name__}() takes {n_pos - is_method} positional argument(s) "
                        f"but {len(args) - is_method} were given"
                    )
                for name, value in zip(positional, extra, strict=False):
                    new = renames.get(name, name)
                    if new in kwargs:
                        raise TypeError(f"{fn.__name__}() got multiple values for {new!r}")
                    kwargs[new] = value
                    old.append(f"{name} by position")
                args = args[:n_pos]
            for name, new in renames.items():
                if name in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{fn.__name__}() got both {name!r} and {new!r}")
                    kwargs[new] = kwargs.pop(name)
                    old.append(f"{name}=")
            if old:
                owner = f"{type(args[0]).__name__}." if is_method and args else ""
                spelled = ", ".join(f"{renames.get(n, n)}=..." for n in positional)
                warnings.warn(
                    f"{owner}{fn.__name__}: passing {' and '.join(old)} {_REMOVAL}; write "
                    f"{fn.__name__}(..., {spelled})",
                    FutureWarning,
                    stacklevel=2,
                )
            return fn(*args, **kwargs)

        return cast(_F, wrapper)

    return decorate


def call_with_horizon(method: Callable[..., Any], *args: Any, horizon: Any) -> Any:
    """Call a purchase model's ``method(*args, horizon=...)``, or its old ``(*args, t)`` form.

    Models written for the old protocol (``expected_purchases(table, t)``,
    ``expected_purchases_new(t)``) still work, with a FutureWarning asking for the new one.

    Parameters
    ----------
    method : callable
        The bound method, e.g. ``model.expected_purchases``.
    *args
        Its leading positional arguments (the table).
    horizon : float or array-like
        The horizon.

    Returns
    -------
    object
        What the method returns.
    """
    try:
        params = inspect.signature(method).parameters
    except (TypeError, ValueError):  # builtins without a signature: the new protocol
        return method(*args, horizon=horizon)
    takes_horizon = "horizon" in params or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()
    )
    if takes_horizon:
        return method(*args, horizon=horizon)
    name = getattr(method, "__qualname__", getattr(method, "__name__", "method"))
    warnings.warn(
        f"{name} takes the horizon by position (the old protocol), which {_REMOVAL}; "
        f"define it as {getattr(method, '__name__', 'method')}(..., *, horizon)",
        FutureWarning,
        stacklevel=3,
    )
    return method(*args, horizon)
