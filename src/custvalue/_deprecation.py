"""Deprecation shims for public signatures: renamed arguments, arguments made keyword-only.

Each shim keeps the old call working for two minor releases and says, in a
:class:`FutureWarning` raised at the caller's line, what to write instead. The decorated
function keeps its name, docstring (and so its doctests) and its *new* signature
(:func:`inspect.signature` follows ``__wrapped__``), so type checkers and the documentation
show only the new way to call it.

* :func:`renamed` accepts an old keyword and passes it on under its new name.
* :func:`keyword_only_after` accepts arguments passed by position where the function now
  takes them by keyword only.

Examples
--------
>>> import warnings
>>> from custvalue._deprecation import keyword_only_after, renamed
>>> @renamed(size="n", since="0.2")
... @keyword_only_after(1, "n", since="0.2")
... def head(items, *, n=2):
...     '''The first ``n`` items.'''
...     return items[:n]
>>> head([1, 2, 3], n=1)
[1]
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     head([1, 2, 3], size=1), head([1, 2, 3], 1)
([1], [1])
>>> print(caught[0].message)
head: the argument 'size' was renamed 'n' in 0.2; write n=... instead (the old name will be removed in 0.4)
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import warnings
from collections.abc import Callable
from types import FrameType
from typing import Any, ParamSpec, TypeVar, cast

__all__ = ["REMOVED_IN", "keyword_only_after", "renamed", "warn_deprecated", "warn_usage"]

REMOVED_IN = "0.4"
"""The release that removes every shim of this module."""

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep

P = ParamSpec("P")
R = TypeVar("R")


def warn_deprecated(message: str) -> None:
    """Raise a :class:`FutureWarning` at the first caller outside custvalue.

    The stack level is found by walking up the frames past every frame of the package, so
    the warning points at the user's line however many shims and internal calls are
    stacked on the function.

    Parameters
    ----------
    message : str
        What is deprecated and what to write instead.

    Examples
    --------
    >>> import warnings
    >>> from custvalue._deprecation import warn_deprecated
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_deprecated("f: write g() instead")
    >>> caught[0].category.__name__, str(caught[0].message)
    ('FutureWarning', 'f: write g() instead')
    """
    level = 1
    frame: FrameType | None = sys._getframe(0)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    warnings.warn(message, FutureWarning, stacklevel=level)


def warn_usage(old: str, instead: str) -> None:
    """Warn that a usage is deprecated, saying what to write instead.

    Parameters
    ----------
    old : str
        The deprecated usage, e.g. ``"lifecycle_stages(..., explain=True)"``.
    instead : str
        What to write instead, e.g. ``"call explain_lifecycle(...)"``.

    Examples
    --------
    >>> import warnings
    >>> from custvalue._deprecation import warn_usage
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_usage("f(x=1)", "write f(y=1)")
    >>> print(caught[0].message)
    f(x=1) is deprecated and will be removed in 0.4; write f(y=1)
    """
    warn_deprecated(f"{old} is deprecated and will be removed in {REMOVED_IN}; {instead}")


def _parameters(func: Callable[..., Any]) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(func).parameters)


def renamed(*, since: str, **old_to_new: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Accept old keyword names of arguments, with a :class:`FutureWarning`.

    Parameters
    ----------
    since : str
        The release that renamed the arguments.
    **old_to_new : str
        ``old="new"`` for every renamed argument. ``new`` must be a parameter of the
        decorated function and ``old`` must not.

    Returns
    -------
    callable
        A decorator. The decorated function passes ``old=value`` on as ``new=value``,
        warning that ``old`` will be removed in :data:`REMOVED_IN`; giving both raises
        TypeError.

    Examples
    --------
    >>> import warnings
    >>> from custvalue._deprecation import renamed
    >>> @renamed(cost_to_serve="cost", since="0.2")
    ... def net(revenue, *, cost=0.0):
    ...     '''Revenue minus cost.'''
    ...     return revenue - cost
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     net(10.0, cost_to_serve=3.0)
    7.0
    >>> net(10.0, cost=3.0, cost_to_serve=3.0)
    Traceback (most recent call last):
    ...
    TypeError: net: got 'cost_to_serve' (the old name of 'cost') and 'cost'; pass only cost=...
    """
    if not old_to_new:
        raise TypeError("renamed() needs at least one old='new' pair")

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        params = _parameters(func)
        name = func.__qualname__
        for old, new in old_to_new.items():
            if new not in params:
                raise TypeError(f"renamed: {name} has no parameter {new!r} (to rename {old!r})")
            if old in params:
                raise TypeError(f"renamed: {name} still has a parameter {old!r}")

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            for old, new in old_to_new.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    raise TypeError(
                        f"{name}: got {old!r} (the old name of {new!r}) and {new!r}; "
                        f"pass only {new}=..."
                    )
                warn_deprecated(
                    f"{name}: the argument {old!r} was renamed {new!r} in {since}; write "
                    f"{new}=... instead (the old name will be removed in {REMOVED_IN})"
                )
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper

    return decorate


def keyword_only_after(
    n: int, *was_positional: str, since: str
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Accept arguments passed by position that are now keyword-only, with a FutureWarning.

    Parameters
    ----------
    n : int
        How many leading parameters stay positional (the data arguments).
    *was_positional : str
        The keyword-only parameters that could be passed by position before, in their old
        positional order (their new names if they were also renamed).
    since : str
        The release that made them keyword-only.

    Returns
    -------
    callable
        A decorator. A call with more than ``n`` positional arguments passes the extra
        ones on by keyword, in the order of ``was_positional``, warning that positional
        use will be removed in :data:`REMOVED_IN`. More positional arguments than that,
        or one also given by keyword, raise TypeError as Python would.

    Examples
    --------
    >>> import warnings
    >>> from custvalue._deprecation import keyword_only_after
    >>> @keyword_only_after(1, "top", since="0.2")
    ... def share(values, *, top=0.2):
    ...     '''The top share.'''
    ...     return top
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     share([1.0], 0.5)
    0.5
    >>> print(caught[0].message)
    share: pass top by keyword (positional use is deprecated since 0.2 and will be removed in 0.4); write share(values, top=...) instead
    """
    if n < 0 or not was_positional:
        raise TypeError("keyword_only_after(n, *names) needs n >= 0 and at least one name")

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        params = list(_parameters(func).values())
        name = func.__qualname__
        leading = params[:n]
        if len(leading) < n or any(
            p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in leading
        ):
            raise TypeError(f"keyword_only_after: {name} has fewer than {n} positional parameters")
        keyword_only = {p.name for p in params if p.kind is p.KEYWORD_ONLY}
        for arg in was_positional:
            if arg not in keyword_only:
                raise TypeError(f"keyword_only_after: {arg!r} is not keyword-only in {name}")
        data = ", ".join(p.name for p in leading)
        call = cast(Callable[..., R], func)

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if len(args) <= n:
                return func(*args, **kwargs)
            extra = args[n:]
            if len(extra) > len(was_positional):
                raise TypeError(
                    f"{name}() takes at most {n + len(was_positional)} positional arguments "
                    f"({n} from {since} on) but {len(args)} were given"
                )
            moved = was_positional[: len(extra)]
            for arg in moved:
                if arg in kwargs:
                    raise TypeError(f"{name}() got multiple values for argument {arg!r}")
            listed = ", ".join(moved)
            keywords = ", ".join(f"{arg}=..." for arg in moved)
            warn_deprecated(
                f"{name}: pass {listed} by keyword (positional use is deprecated since "
                f"{since} and will be removed in {REMOVED_IN}); write "
                f"{name}({data}, {keywords}) instead"
            )
            new_kwargs: dict[str, Any] = dict(kwargs)
            new_kwargs.update(zip(moved, extra, strict=True))
            return call(*args[:n], **new_kwargs)

        return wrapper

    return decorate
