"""Exceptions and warnings raised by custvalue.

Every error custvalue raises derives from :class:`CustvalueError`, so a caller can catch
them all at once; each also derives from the built-in exception a Python user would expect
(``ValueError`` for bad data, ``RuntimeError`` for a failed fit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ConvergenceError",
    "ConvergenceWarning",
    "CustvalueError",
    "CustvalueWarning",
    "DataValidationError",
    "InsufficientDataError",
    "NotFittedError",
    "ValidationFailure",
]


class CustvalueError(Exception):
    """Base class of every error raised by custvalue."""


@dataclass(frozen=True)
class ValidationFailure:
    """One broken rule found while validating input.

    Attributes
    ----------
    column : str or None
        The column (or argument) the rule applies to.
    rule : str
        What is wrong, in words (e.g. ``"missing values"``).
    count : int
        How many rows (or customers) break the rule.
    examples : tuple
        The first offending customer ids (or row labels), at most five.
    """

    column: str | None
    rule: str
    count: int
    examples: tuple[Any, ...] = ()

    def __str__(self) -> str:
        """One line: the column, the rule, the count and a few example customer ids."""
        where = f"column {self.column!r}: " if self.column is not None else ""
        ex = ""
        if self.examples:
            shown = ", ".join(repr(e) for e in self.examples)
            ex = f"; first: {shown}"
        return f"{where}{self.rule} ({self.count} row{'s' if self.count != 1 else ''}{ex})"


class DataValidationError(CustvalueError, ValueError):
    """Input data break one or more rules.

    All failures found at a public boundary are collected and reported together.

    Parameters
    ----------
    what : str
        The function (or CLI step) whose input broke the rules, e.g. ``"customer_table"``.
    failures : sequence of ValidationFailure
        Every rule broken, with its count and example ids.

    Attributes
    ----------
    failures : tuple of ValidationFailure
        Every rule broken, with its count and example ids.
    """

    def __init__(self, what: str, failures: Sequence[ValidationFailure]) -> None:
        self.what = what
        self.failures = tuple(failures)
        lines = [f"{what}: {len(self.failures)} problem(s) found"]
        lines += [f"  - {f}" for f in self.failures]
        super().__init__("\n".join(lines))


class NotFittedError(CustvalueError, AttributeError):
    """A model was used for prediction before ``fit`` (or ``from_params``)."""


class ConvergenceError(CustvalueError, RuntimeError):
    """An optimiser failed to reach a maximum of the likelihood.

    The message names the model, the optimiser, the optimiser's own message and the
    likely cause.
    """


class InsufficientDataError(CustvalueError, ValueError):
    """The data cannot identify the model (too few customers, no repeat buyers, ...)."""


class CustvalueWarning(UserWarning):
    """Base class of the warnings issued by custvalue."""


class ConvergenceWarning(CustvalueWarning):
    """A fit converged but something about it deserves attention (e.g. singular Hessian)."""
