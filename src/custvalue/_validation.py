"""Boundary checks shared by every public function.

Checks convert as they go (a validated column comes back as a float64 NumPy array) and
collect every failure; :meth:`Checks.raise_if_failed` raises one
:class:`~custvalue.exceptions.DataValidationError` listing rule, count and example ids.
Nothing here repairs data.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._schema import N_REPEAT, PURCHASE_SPAN, TENURE
from .exceptions import DataValidationError, ValidationFailure

__all__ = [
    "Checks",
    "categorical",
    "check_aligned",
    "check_choice",
    "check_columns",
    "check_frame",
    "check_scalar",
    "check_weights",
    "customer_arrays",
    "numeric_array",
]

_N_EXAMPLES = 5


class Checks:
    """Collect validation failures and raise them together.

    Parameters
    ----------
    what : str
        What is being validated, e.g. ``"BetaGeoModel.fit: table"``; starts the message.
    ids : pandas.Index, optional
        Labels used for example ids (usually the customer index).
    """

    def __init__(self, what: str, ids: pd.Index | None = None) -> None:
        self.what = what
        self.ids = ids
        self.failures: list[ValidationFailure] = []

    def add(
        self, column: str | None, rule: str, count: int = 1, examples: Sequence[Any] = ()
    ) -> None:
        """Record one failure that is not tied to a row mask."""
        self.failures.append(ValidationFailure(column, rule, int(count), tuple(examples)))

    def rows(
        self,
        bad: np.ndarray,
        column: str | None,
        rule: str,
        ids: pd.Index | np.ndarray | None = None,
    ) -> bool:
        """Record a failure for the rows where ``bad`` is True.

        Returns True when at least one row was bad.
        """
        bad = np.asarray(bad, dtype=bool)
        n = int(bad.sum())
        if n == 0:
            return False
        labels = self.ids if ids is None else ids
        examples: tuple[Any, ...] = ()
        if labels is not None:
            # the first distinct labels: one customer's many bad rows show once
            pos = np.flatnonzero(bad)[: 50 * _N_EXAMPLES]
            shown = pd.unique(pd.Series(np.asarray(labels)[pos], dtype=object))
            examples = tuple(_plain(v) for v in shown[:_N_EXAMPLES])
        self.failures.append(ValidationFailure(column, rule, n, examples))
        return True

    @property
    def failed(self) -> bool:
        """True when at least one failure was recorded."""
        return bool(self.failures)

    def raise_if_failed(self) -> None:
        """Raise :class:`DataValidationError` when anything was recorded."""
        if self.failures:
            raise DataValidationError(self.what, self.failures)


def _plain(v: Any) -> Any:
    """Turn NumPy scalars into plain Python values for readable messages."""
    return v.item() if isinstance(v, np.generic) else v


def check_frame(obj: object, name: str, accepted: str = "a pandas DataFrame") -> pd.DataFrame:
    """Raise TypeError unless ``obj`` is a pandas DataFrame."""
    if not isinstance(obj, pd.DataFrame):
        raise TypeError(f"{name} must be {accepted}, got {type(obj).__name__}")
    return obj


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """Raise ValueError listing the valid choices unless ``value`` is one of them."""
    options = tuple(choices)
    if value not in options:
        listed = ", ".join(repr(c) for c in options)
        raise ValueError(f"{name}={value!r} is not valid; choose one of: {listed}")
    return value


def check_scalar(
    name: str,
    value: Any,
    *,
    minimum: float | None = None,
    strict: bool = False,
    maximum: float | None = None,
    integer: bool = False,
) -> float:
    """Validate a scalar argument and return it as a float.

    Raises ValueError for NaN, infinity, values out of range and (with ``integer``)
    non-integers; TypeError for non-numbers (``bool`` included).
    """
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if integer and v != int(v):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if minimum is not None and (v < minimum or (strict and v == minimum)):
        op = ">" if strict else ">="
        raise ValueError(f"{name} must be {op} {minimum}, got {value!r}")
    if maximum is not None and v > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value!r}")
    return v


def numeric_array(series: pd.Series, column: str, checks: Checks) -> np.ndarray:
    """Return ``series`` as float64, recording missing and non-finite values.

    NumPy, nullable (``Int64``, ``Float64``) and Arrow numeric dtypes are accepted and give
    identical results; anything else raises TypeError naming what is accepted.
    """
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        raise TypeError(
            f"column {column!r} must be numeric (NumPy, nullable or Arrow int/float), "
            f"got dtype {dtype}"
        )
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    missing = np.isnan(values)
    checks.rows(missing, column, "missing values")
    checks.rows(np.isinf(values), column, "infinite values")
    return values


def customer_arrays(
    table: pd.DataFrame,
    what: str,
    columns: Sequence[str] = (N_REPEAT, PURCHASE_SPAN, TENURE),
) -> dict[str, np.ndarray]:
    """Validate the BTYD columns of a customer table and return them as float arrays.

    Rules (all collected, then raised together): the table is non-empty and has the
    columns; values are finite; ``n_repeat`` is a non-negative whole number (never
    truncated); ``purchase_span`` >= 0 and <= ``tenure``; ``tenure`` >= 0 and > 0 for at
    least one customer; ``n_repeat == 0`` implies ``purchase_span == 0``.

    Parameters
    ----------
    table : pandas.DataFrame
        Customer table, index = customer id.
    what : str
        Caller, for the message (e.g. ``"BetaGeoModel.fit"``).
    columns : sequence of str
        Columns needed.
    """
    check_frame(table, f"{what}: table", "a customer table (pandas DataFrame)")
    checks = Checks(f"{what}: customer table", ids=table.index)
    missing_cols = [c for c in columns if c not in table.columns]
    if missing_cols:
        checks.add(
            None,
            f"missing column(s) {missing_cols}; build the table with custvalue.customer_table "
            "or rename lifetimes columns with custvalue.from_lifetimes",
            len(missing_cols),
        )
        checks.raise_if_failed()
    if len(table) == 0:
        checks.add(None, "the table is empty", 0)
        checks.raise_if_failed()
    out = {c: numeric_array(table[c], c, checks) for c in columns}
    with np.errstate(invalid="ignore"):
        if N_REPEAT in out:
            x = out[N_REPEAT]
            checks.rows(x < 0, N_REPEAT, "negative counts")
            checks.rows(np.isfinite(x) & (x != np.floor(x)), N_REPEAT, "non-integer counts")
        if PURCHASE_SPAN in out:
            checks.rows(out[PURCHASE_SPAN] < 0, PURCHASE_SPAN, "negative durations")
        if TENURE in out:
            t = out[TENURE]
            checks.rows(t < 0, TENURE, "negative durations")
            if np.all(np.isfinite(t)) and not np.any(t > 0):
                checks.add(TENURE, "tenure <= 0 for every customer", len(t))
        if PURCHASE_SPAN in out and TENURE in out:
            checks.rows(out[PURCHASE_SPAN] > out[TENURE], PURCHASE_SPAN, "purchase_span > tenure")
        if N_REPEAT in out and PURCHASE_SPAN in out:
            checks.rows(
                (out[N_REPEAT] == 0) & (out[PURCHASE_SPAN] != 0),
                PURCHASE_SPAN,
                "purchase_span != 0 where n_repeat == 0",
            )
    checks.raise_if_failed()
    return out


def check_columns(
    table: pd.DataFrame, needed: Sequence[Any], checks: Checks, hint: str = ""
) -> bool:
    """Record the columns of ``needed`` that ``table`` lacks (with close matches).

    Returns True when every column is present. ``hint`` says how to get them (e.g. "build
    the table with custvalue.customer_table").
    """
    absent = [c for c in needed if c not in table.columns]
    if not absent:
        return True
    present = [str(c) for c in table.columns]
    near = []
    for c in absent:
        match = difflib.get_close_matches(str(c), present, n=1, cutoff=0.7)
        if match:
            near.append(f"{c!r} -> {match[0]!r}?")
    rule = f"missing column(s) {absent}"
    if near:
        rule += f" (did you mean {', '.join(near)})"
    if hint:
        rule += f"; {hint}"
    checks.add(None, rule, len(absent))
    return False


def check_aligned(
    series: Any,
    index: pd.Index,
    name: str,
    checks: Checks,
    *,
    minimum: float | None = None,
    strict: bool = False,
    maximum: float | None = None,
) -> np.ndarray | None:
    """Values of a per-customer Series on ``index`` (float64), every misalignment recorded.

    One policy everywhere: ``series`` must be a pandas Series with exactly the customers of
    ``index``, each once (order free). Customers missing from it, customers it has that
    ``index`` lacks, duplicate ids, missing or non-finite values and values outside
    ``[minimum, maximum]`` (``minimum`` excluded with ``strict``) are recorded in ``checks``.
    Returns None when the values cannot be aligned. Nothing is filled.
    """
    if not isinstance(series, pd.Series):
        raise TypeError(
            f"{name} must be a pandas Series indexed by customer id, got {type(series).__name__}"
        )
    if not series.index.equals(index):  # the fast path: same customers, same order
        if series.index.has_duplicates:
            checks.rows(
                np.asarray(series.index.duplicated()),
                name,
                "duplicate customer ids in the index",
                ids=series.index,
            )
            return None
        bad = checks.rows(
            ~index.isin(series.index), name, "customers with no value (never filled)", ids=index
        )
        bad |= checks.rows(
            ~series.index.isin(index), name, "customers not in the table", ids=series.index
        )
        if bad:
            return None
        series = series.reindex(index)
    sub = Checks(checks.what, ids=index)
    values = numeric_array(series, name, sub)
    checks.failures.extend(sub.failures)
    with np.errstate(invalid="ignore"):
        if minimum is not None:
            low = values <= minimum if strict else values < minimum
            op = ">" if strict else ">="
            checks.rows(low, name, f"values must be {op} {minimum}", ids=index)
        if maximum is not None:
            checks.rows(values > maximum, name, f"values must be <= {maximum}", ids=index)
    return values


def check_weights(weights: Any, index: pd.Index, what: str) -> np.ndarray:
    """Row weights (float64, >= 0, not all 0), one per row of a table on ``index``.

    ``weights`` is None (every weight 1), an array in table order, or a Series on the
    table's index (same order).
    """
    n = len(index)
    if weights is None:
        return np.ones(n, dtype=np.float64)
    checks = Checks(f"{what}: weights", ids=index)
    if isinstance(weights, pd.Series):
        if not weights.index.equals(index):
            raise ValueError(
                f"{what}: weights is a Series whose index differs from the table's index; "
                "pass weights aligned on the table (e.g. weights.reindex(table.index)) "
                "or a plain array in table order"
            )
        if not pd.api.types.is_numeric_dtype(weights.dtype) or pd.api.types.is_bool_dtype(
            weights.dtype
        ):
            raise TypeError(f"{what}: weights must be numeric, got dtype {weights.dtype}")
        w = weights.to_numpy(dtype="float64", na_value=np.nan)
    else:
        w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1 or w.shape[0] != n:
        raise ValueError(
            f"{what}: weights must be one number per customer ({n}), got shape {w.shape}"
        )
    checks.rows(np.isnan(w), "weights", "missing values")
    checks.rows(np.isinf(w), "weights", "infinite values")
    with np.errstate(invalid="ignore"):
        checks.rows(w < 0, "weights", "negative weights")
    if not checks.failed and not np.any(w > 0):
        checks.add("weights", "every weight is 0", n)
    checks.raise_if_failed()
    return w


def categorical(
    codes: np.ndarray, categories: Sequence[str], index: pd.Index, name: str
) -> pd.Series:
    """Ordered categorical Series from integer codes, every category present."""
    cat = pd.Categorical.from_codes(
        np.asarray(codes, dtype="int64"), categories=pd.Index(list(categories)), ordered=True
    )
    return pd.Series(cat, index=index, name=name)


def customer_arrays_for_scoring(
    table: pd.DataFrame,
    what: str,
    columns: Sequence[str] = (N_REPEAT, PURCHASE_SPAN, TENURE),
) -> dict[str, np.ndarray]:
    """Validate the BTYD columns of a table to be scored (predicted), not fitted.

    The rules of :func:`customer_arrays` except the fit-time rule "tenure > 0 for at least
    one customer": a batch made only of brand-new customers (``tenure == 0``) is a normal
    thing to score.

    Parameters
    ----------
    table : pandas.DataFrame
        Customer table, index = customer id.
    what : str
        Caller, for the message (e.g. ``"BetaGeoModel.prob_alive"``).
    columns : sequence of str
        Columns needed.

    Returns
    -------
    dict of str to numpy.ndarray
        Each column as float64.
    """
    try:
        return customer_arrays(table, what, columns)
    except DataValidationError as err:
        others = [f for f in err.failures if f.rule != _ALL_TENURE_ZERO]
        if others:
            raise DataValidationError(err.what, others) from None
    # only the fit-time rule failed, so every other rule holds: the columns are finite numbers
    return {c: table[c].to_numpy(dtype="float64", na_value=np.nan) for c in columns}


_ALL_TENURE_ZERO = "tenure <= 0 for every customer"  # the rule's text in customer_arrays
