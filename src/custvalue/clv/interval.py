"""Bootstrap intervals for customer lifetime value (refitting the models on resamples)."""

from __future__ import annotations

import copy
import logging
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .._schema import N_REPEAT
from .._validation import Checks, check_frame, check_scalar
from ._present_value import PurchaseModel, SpendModel
from .value import CLV, customer_lifetime_value

__all__ = ["clv_interval"]

logger = logging.getLogger(__name__)


def clv_interval(
    transaction_model: PurchaseModel,
    spend_model: SpendModel | pd.Series | float,
    table: pd.DataFrame,
    *,
    horizon: float,
    period_length: float,
    discount_rate: float,
    margin: float | pd.Series = 1.0,
    cost_to_serve: float | pd.Series | None = None,
    fit_table: pd.DataFrame | None = None,
    weights: ArrayLike | None = None,
    n_boot: int = 200,
    alpha: float = 0.05,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """CLV with percentile bootstrap intervals from refitting the models.

    Each replicate resamples customers with replacement (as multinomial counts over the
    rows, passed to ``fit`` as ``weights``, so identical rows are never expanded), refits
    copies of the models on the replicate, and recomputes every customer's CLV. The interval
    reflects the uncertainty of the estimated population parameters, not the randomness of
    one customer's future.

    Parameters
    ----------
    transaction_model, spend_model, table, horizon, period_length, discount_rate, margin, \
cost_to_serve
        As in :func:`customer_lifetime_value`. The models must be fitted on ``table`` (the
        copies are refitted with the same hyperparameters). A spend model with
        ``fit(table, weights=...)`` is refitted on the replicate's repeat buyers; spend
        given as a number or Series is held fixed.
    fit_table : pandas.DataFrame, optional
        The table the models were fitted on, which the replicates resample; default
        ``table`` (CLV is computed for the customers of ``table`` either way).
    weights : array-like or pandas.Series, optional
        Frequency weights of the rows of ``fit_table``, as given to ``fit`` (e.g. the
        ``count`` of each pattern in ``custvalue.datasets.load_donations()``); a replicate draws
        ``sum(weights)`` customers. Default: one customer per row.
    n_boot : int, default 200
        Number of bootstrap replicates (>= 2). Memory grows as ``n_boot x customers``.
    alpha : float, default 0.05
        Two-sided level: the interval is the ``alpha / 2`` and ``1 - alpha / 2`` quantiles.
    random_state : int or numpy.random.Generator, optional
        Seed or generator; the same seed gives the same result whatever the global RNG.

    Returns
    -------
    pandas.DataFrame
        Columns ``clv`` (point estimate from the given models), ``lower``, ``upper``,
        indexed like ``table``; ``attrs`` records ``n_boot``, ``alpha`` and ``random_state``.

    Raises
    ------
    ConvergenceError, InsufficientDataError
        When a replicate cannot be fitted; the message names the replicate.

    Examples
    --------
    >>> import custvalue as cv
    >>> truth = cv.BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> sim = truth.sample(300, tenure=39.0, random_state=1)
    >>> bg = cv.BetaGeoModel().fit(sim)
    >>> cv.clv_interval(bg, 35.0, sim.iloc[:2], fit_table=sim, horizon=52,
    ...                 period_length=52 / 12, discount_rate=0.01, n_boot=5,
    ...                 random_state=0).round(2)
                   clv  lower  upper
    customer_id
    0            22.15  19.60  26.12
    1             5.69   4.31   9.25
    """
    what = "clv_interval"
    check_frame(table, f"{what}: table", "a customer table (pandas DataFrame)")
    nb = int(check_scalar("n_boot", n_boot, minimum=2, integer=True))
    a = check_scalar("alpha", alpha, minimum=0.0, strict=True, maximum=1.0)
    if a >= 1.0:
        raise ValueError(f"alpha must be < 1, got {alpha!r}")
    if not hasattr(transaction_model, "fit"):
        raise TypeError(
            f"{what}: transaction_model must be a fitted model with fit(table, weights=...)"
        )
    refit_spend = hasattr(spend_model, "fit")
    data = table if fit_table is None else check_frame(fit_table, f"{what}: fit_table")
    w = _bootstrap_weights(weights, data, what)
    kwargs: dict[str, Any] = {
        "horizon": horizon,
        "period_length": period_length,
        "discount_rate": discount_rate,
        "margin": margin,
        "cost_to_serve": cost_to_serve,
    }
    point = customer_lifetime_value(transaction_model, spend_model, table, **kwargs)
    rng = np.random.default_rng(random_state)
    n = len(table)
    n_draw = max(round(float(w.sum())), 1)
    prob = w / w.sum()
    spend_rows = _spend_rows(data)
    draws = np.empty((nb, n))
    for b in range(nb):
        counts = rng.multinomial(n_draw, prob).astype("float64")
        tm: Any = copy.deepcopy(transaction_model)
        sm: Any = copy.deepcopy(spend_model) if refit_spend else spend_model
        keep = counts > 0
        try:
            tm.fit(data.loc[keep], weights=counts[keep])
            if refit_spend:
                sk = keep & spend_rows
                sm.fit(data.loc[sk], weights=counts[sk])
        except Exception as err:
            err.add_note(f"{what}: while refitting bootstrap replicate {b + 1} of {nb}")
            raise
        draws[b] = customer_lifetime_value(tm, sm, table, **kwargs).to_numpy()
    lower, upper = np.quantile(draws, [a / 2, 1 - a / 2], axis=0)
    out = pd.DataFrame({CLV: point, "lower": lower, "upper": upper}, index=table.index)
    out.attrs.update({"n_boot": nb, "alpha": a, "random_state": random_state})
    logger.debug("clv_interval: %d replicates on %d customers", nb, n)
    return out


def _bootstrap_weights(weights: Any, table: pd.DataFrame, what: str) -> np.ndarray:
    """Frequency weights of the table rows (ones by default), validated."""
    if weights is None:
        return np.ones(len(table))
    if isinstance(weights, pd.Series):
        if not weights.index.equals(table.index):
            raise ValueError(f"{what}: a weights Series must share the table's index")
        w = weights.to_numpy(dtype="float64", na_value=np.nan)
    else:
        w = np.asarray(weights, dtype="float64")
    if w.shape != (len(table),):
        raise ValueError(f"{what}: weights must be one number per row ({len(table)})")
    checks = Checks(f"{what}: weights", ids=table.index)
    checks.rows(~np.isfinite(w), "weights", "missing or infinite values")
    with np.errstate(invalid="ignore"):
        checks.rows(w < 0, "weights", "negative weights")
    checks.raise_if_failed()
    if not np.any(w > 0):
        raise ValueError(f"{what}: every weight is 0")
    return w


def _spend_rows(table: pd.DataFrame) -> np.ndarray:
    """Select the customers a spend model is fitted on: repeat buyers (Gamma-Gamma's rule)."""
    if N_REPEAT not in table.columns:
        return np.ones(len(table), dtype=bool)
    x = table[N_REPEAT].to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        return np.asarray(x > 0)
