"""The present-value kernels of the CLV and the model protocols they rely on (private).

:func:`custvalue.customer_lifetime_value` (in :mod:`.value`) is the public shell; here are
the protocols a purchase and a spend model satisfy, the per-customer evaluation on distinct
rows, and the discounted expected purchases per period.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .._rows import distinct_rows_if_worth
from .._schema import N_REPEAT, PURCHASE_SPAN, TENURE
from .._validation import (
    Checks,
    check_scalar,
    customer_arrays_for_scoring,
    numeric_array,
)
from ._compat import call_with_horizon

__all__ = [
    "FactorisedPurchaseModel",
    "PurchaseModel",
    "SpendModel",
    "expected_spend",
    "model_name",
    "per_customer",
    "purchase_present_value",
]

_BTYD = (N_REPEAT, PURCHASE_SPAN, TENURE)
# Compress to distinct (n_repeat, purchase_span, tenure) rows only when that saves work.
_COMPRESS_RATIO = 0.7


class PurchaseModel(Protocol):
    """What :func:`customer_lifetime_value` needs from a fitted purchase model.

    Any object with this method works (custvalue's models, or your own).
    """

    def expected_purchases(self, table: pd.DataFrame, *, horizon: float) -> pd.Series:
        """Predict each customer's purchases in the next ``horizon`` time units.

        (A model written for the old form ``expected_purchases(table, t)`` still works, with
        a FutureWarning.)
        """
        ...


@runtime_checkable
class FactorisedPurchaseModel(PurchaseModel, Protocol):
    """A purchase model whose conditional expectation factorises as P(alive) times a curve.

    In the buy-'til-you-die models ``purchase_span`` enters only through P(alive at T), so
    ``E[Y(t) | x, t_x, T] = P(alive at T | x, t_x, T) * g(x, T, t)``. A model that provides
    both methods below (custvalue's BG/NBD, MBG/NBD, Pareto/NBD and BG/BB do) lets
    :func:`customer_lifetime_value` evaluate ``g`` once per distinct ``(n_repeat, tenure)``
    for every period end at once, instead of calling ``expected_purchases`` once per period.
    """

    def prob_alive(self, table: pd.DataFrame) -> pd.Series:
        """P(alive at the end of observation) of each customer of ``table`` (validates it)."""
        ...

    def expected_purchases_alive(
        self, n_repeat: ArrayLike, tenure: ArrayLike, *, horizon: ArrayLike
    ) -> NDArray[np.float64] | None:
        """``g(x, T, t)`` for customers alive at ``T``: shape (customers, horizons).

        Returns None when the model does not factorise after all (then
        ``expected_purchases`` is used).
        """
        ...


class SpendModel(Protocol):
    """What :func:`customer_lifetime_value` needs from a fitted spend model."""

    def expected_spend(self, table: pd.DataFrame) -> pd.Series: ...


# --------------------------------------------------------------------------- schedule


def per_customer(
    value: Any, name: str, index: pd.Index, what: str, *, positive: bool = False
) -> np.ndarray | float:
    """Validate a scalar or a per-customer Series aligned exactly on ``index``."""
    if isinstance(value, pd.Series):
        checks = Checks(f"{what}: {name}", ids=index)
        if not value.index.is_unique:
            checks.add(
                name, "index has duplicate customer ids", int(value.index.duplicated().sum())
            )
            checks.raise_if_failed()
        missing = ~index.isin(value.index)
        checks.rows(missing, name, "no value for these customers")
        extra = ~value.index.isin(index)
        checks.rows(extra, name, "customers not in the table", ids=value.index)
        checks.raise_if_failed()
        aligned = value.reindex(index)
        arr = numeric_array(aligned, name, checks)
        if positive:
            with np.errstate(invalid="ignore"):
                checks.rows(arr <= 0, name, "values must be > 0")
        checks.raise_if_failed()
        return arr
    if isinstance(value, pd.DataFrame | np.ndarray | list | tuple):
        raise TypeError(
            f"{name} must be a number or a pandas Series indexed by customer id, "
            f"got {type(value).__name__}"
        )
    return check_scalar(name, value, minimum=0.0 if positive else None, strict=positive)


def _distinct_rows(
    arrays: dict[str, np.ndarray],
) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
    """Distinct rows of ``arrays`` (the BTYD columns, and covariates) and the inverse map.

    None when compressing would not save enough work.
    """
    names = list(arrays)
    rows = distinct_rows_if_worth(*(arrays[c] for c in names), fraction=_COMPRESS_RATIO)
    if rows is None or rows.inverse is None:
        return None
    if rows.counts.shape[0] > _COMPRESS_RATIO * len(arrays[N_REPEAT]):
        return None
    return dict(zip(names, rows.columns, strict=True)), rows.inverse


def _model_covariates(model: Any, table: pd.DataFrame, what: str) -> dict[str, np.ndarray]:
    """Return the covariate columns a custvalue model with covariates reads, as float arrays."""
    columns = getattr(model, "_covariate_columns", None)
    names = list(columns()) if callable(columns) else []
    if not names:
        return {}
    missing = [c for c in names if c not in table.columns]
    if missing:  # the model's own validation reports them (with the rule and its fix)
        return {}
    return {c: table[c].to_numpy(dtype="float64", na_value=np.nan) for c in names}


# Cells of the (distinct (n_repeat, tenure) x period end) curve evaluated per model call.
_CURVE_BLOCK = 1 << 20


def model_name(model: object) -> str:
    return type(model).__name__


def _expected_cumulative(
    model: PurchaseModel, table: pd.DataFrame, ends: np.ndarray, what: str
) -> np.ndarray:
    """Predict the purchases in (T, T + t] for every customer (rows) and t in ``ends``."""
    if not hasattr(model, "expected_purchases"):
        raise TypeError(
            f"{what}: transaction_model must be a fitted purchase model with "
            f"expected_purchases(table, *, horizon) (e.g. BetaGeoModel), got "
            f"{model_name(model)}"
        )
    out = np.empty((len(table), len(ends)))
    for j, t in enumerate(ends):
        pred = call_with_horizon(model.expected_purchases, table, horizon=float(t))
        out[:, j] = np.asarray(pred, dtype="float64")
    return out


def purchase_present_value(
    model: PurchaseModel,
    table: pd.DataFrame,
    schedule: pd.DataFrame,
    what: str,
    *,
    fast: bool = True,
) -> np.ndarray:
    """Sum over periods of discounted expected purchases, per customer of ``table``."""
    arrays = customer_arrays_for_scoring(table, what)
    ends = schedule["end"].to_numpy()
    factors = schedule["discount_factor"].to_numpy()
    if fast:
        pv_fast = _present_value_factorised(model, table, arrays, ends, factors)
        if pv_fast is not None:
            return pv_fast
    covariates = _model_covariates(model, table, what)
    clean = all(bool(np.all(np.isfinite(v))) for v in covariates.values())
    # (bad covariates: the model's own validation reports them, by customer id)
    compressed = _distinct_rows({**{c: arrays[c] for c in _BTYD}, **covariates}) if clean else None
    if compressed is None:
        small, codes = (table[list(_BTYD) + list(covariates)] if clean else table), None
    else:
        rows, codes = compressed
        small = pd.DataFrame(rows, index=pd.RangeIndex(len(rows[N_REPEAT])))
    cumulative = _expected_cumulative(model, small, ends, what)
    pv = _discounted(cumulative, factors)
    if codes is not None:
        pv = pv[codes]
    return np.asarray(pv)


def _present_value_factorised(
    model: PurchaseModel,
    table: pd.DataFrame,
    arrays: dict[str, np.ndarray],
    ends: np.ndarray,
    factors: np.ndarray,
) -> np.ndarray | None:
    """PV of purchases as P(alive) times a curve computed per distinct (n_repeat, tenure).

    For models of the :class:`FactorisedPurchaseModel` protocol. Returns None for any other
    model, which then takes the generic path.
    """
    if not isinstance(model, FactorisedPurchaseModel):
        return None
    alive = np.asarray(model.prob_alive(table), dtype="float64")  # validates the table
    x, T = arrays[N_REPEAT], arrays[TENURE]
    inverse = None
    pairs = distinct_rows_if_worth(x, T)
    if pairs is None:  # continuous tenures: every pair its own
        ux, uT = x, T
    else:
        (ux, uT), inverse = pairs.columns, pairs.inverse
    m = ux.shape[0]
    pv = np.zeros(m)
    # blocks of rows, every period end at once (memory O(block x periods)): a row's sum is
    # made alike whatever the rows around it (a Dask partition gives the same bits)
    block = max(1, _CURVE_BLOCK // max(1, len(ends)))
    for lo in range(0, m, block):
        rows = slice(lo, lo + block)
        cumulative = model.expected_purchases_alive(ux[rows], uT[rows], horizon=ends)
        if cumulative is None:
            return None
        pv[rows] = _discounted(cumulative, factors)
    return np.asarray(alive * (pv if inverse is None else pv[inverse]))


def _discounted(cumulative: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """Sum of the discounted increments of each row (not BLAS: its sums vary by row)."""
    return np.asarray((np.diff(cumulative, axis=1, prepend=0.0) * factors).sum(axis=1))


def expected_spend(spend_model: Any, table: pd.DataFrame, what: str) -> np.ndarray | float:
    """Return the spend per purchase: from a fitted spend model, a Series or a number."""
    if hasattr(spend_model, "expected_spend"):
        spend = np.asarray(spend_model.expected_spend(table), dtype="float64")
        if spend.shape != (len(table),) or not np.all(np.isfinite(spend)):
            raise ValueError(
                f"{what}: {model_name(spend_model)}.expected_spend returned "
                f"{int(np.sum(~np.isfinite(spend)))} non-finite value(s) or a wrong shape"
            )
        return spend
    if isinstance(spend_model, pd.Series | int | float | np.integer | np.floating) and not (
        isinstance(spend_model, bool)
    ):
        return per_customer(spend_model, "spend_model", table.index, what, positive=True)
    raise TypeError(
        f"{what}: spend_model must be a fitted spend model with expected_spend(table) "
        "(e.g. GammaGammaModel), a positive number or a Series of spend per purchase "
        f"indexed by customer id; got {model_name(spend_model)}"
    )


# --------------------------------------------------------------------------- public
