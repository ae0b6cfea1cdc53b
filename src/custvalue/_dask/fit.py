"""Model fits on a Dask table: the distinct sufficient-statistic rows and their counts.

One pass over the table: every partition is validated by the model's own checks (the
failures of all partitions merged into one DataValidationError) and reduced to its distinct
rows of the columns the model reads (data and covariates) with their counts; the counts are
added up in a tree. The fit then runs in pandas on those rows with ``weights=counts``, which
is what the pandas fit does after compressing identical customers itself (a few hundred
thousand distinct rows at most for day-level durations, whatever the number of customers).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import dask.dataframe as dd
import pandas as pd
from dask.base import compute
from dask.delayed import delayed

from .._validation import _ALL_TENURE_ZERO
from ..exceptions import DataValidationError, ValidationFailure
from .checks import merge_failures

__all__ = ["dask_fit"]

_COUNT = "__custvalue_count__"
_SPLIT_EVERY = 8

Failures = list[tuple[str, list[ValidationFailure]]]


def _columns(model: Any) -> list[str]:
    """Return the columns the model reads: data, then covariates."""
    cols = list(model._columns)
    if model._covariate_groups and model._has_covariates():
        cols += [c for c in model._layout().columns if c not in cols]
    return cols


def _part(
    df: pd.DataFrame, model: Any, what: str, cols: list[str]
) -> tuple[Failures, pd.DataFrame]:
    """Validate one partition (fit rules that are row-wise) and count its distinct rows."""
    failed: Failures = []
    if len(df):
        try:
            model._validate(df, what, fitting=True)
        except DataValidationError as err:
            # "tenure <= 0 for every customer" is a rule on the whole table (checked by the
            # pandas fit on the distinct rows)
            fs = [f for f in err.failures if f.rule != _ALL_TENURE_ZERO]
            if fs:
                failed.append((err.what, fs))
    counts = df.groupby(cols, dropna=False, sort=False).size().rename(_COUNT).reset_index()
    return failed, counts


def _combine(
    parts: list[tuple[Failures, pd.DataFrame]], cols: list[str]
) -> tuple[Failures, pd.DataFrame]:
    """Add up the counts of several partitions (and keep their failures, in order)."""
    failed = [f for p in parts for f in p[0]]
    frame = pd.concat([p[1] for p in parts], ignore_index=True)
    summed = frame.groupby(cols, dropna=False, sort=False)[_COUNT].sum().reset_index()
    return failed, summed


def dask_fit(model: Any, table: Any, weights: Any) -> Any:
    """Fit ``model`` on a Dask customer table (see the module docstring)."""
    what = f"{type(model).__name__}.fit"
    if not isinstance(table, dd.DataFrame):
        raise TypeError(f"{what}: a Dask table must be a Dask DataFrame, got {type(table)}")
    if weights is not None:
        raise TypeError(
            f"{what}: weights are not supported with a Dask table (each row is one "
            "customer); fit on the pandas table, or add the rows as customers"
        )
    model._check_hyperparameters()
    try:  # missing columns are the same in every partition: found on the meta
        model._validate(table._meta, what, fitting=True)
    except DataValidationError as err:
        if not (len(err.failures) == 1 and err.failures[0].count == 0):
            raise
    cols = _columns(model)
    parts = [delayed(_part)(p, model, what, cols) for p in table[cols].to_delayed()]
    while len(parts) > 1:
        parts = [
            delayed(_combine)(parts[i : i + _SPLIT_EVERY], cols)
            for i in range(0, len(parts), _SPLIT_EVERY)
        ]
    failed, counts = compute(parts[0])[0]
    if failed:
        # pandas raises the first check that fails: the base rules before a model's own
        first = min((w for w, _ in failed), key=len)
        raise DataValidationError(first, merge_failures(fs for w, fs in failed if w == first))
    distinct = counts[cols]
    distinct.attrs = dict(table._meta.attrs)
    n = counts[_COUNT].to_numpy(dtype="float64")
    try:
        return model.fit(distinct, weights=n)
    except DataValidationError as err:
        # the whole-table rule counts customers, not distinct rows
        total = int(n.sum())
        fs = [replace(f, count=total) if f.rule == _ALL_TENURE_ZERO else f for f in err.failures]
        raise DataValidationError(err.what, fs) from None
