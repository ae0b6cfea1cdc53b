"""Compare fitted models: information criteria, holdout errors, likelihood-ratio tests.

:func:`compare_models` ranks models fitted on the same customers by log-likelihood, AIC, BIC
and (with holdout facts) their holdout errors; :func:`likelihood_ratio_test` tests a model
against a more general one that nests it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._schema import HOLDOUT_PURCHASES
from ..exceptions import NotFittedError
from .evaluate import evaluate_holdout

__all__ = ["compare_models"]


def _check_purchase_model(model: Any, what: str) -> None:
    if not hasattr(model, "expected_purchases"):
        raise TypeError(
            f"{what}: expected a fitted purchase model with expected_purchases(table, *, horizon) "
            f"(BetaGeoModel, ParetoNBDModel, ...), got {type(model).__name__}"
        )


def compare_models(
    models: Sequence[Any],
    calibration: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    *,
    names: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Rank fitted purchase models by fit (log-likelihood, AIC, BIC) and holdout error.

    Parameters
    ----------
    models : sequence of fitted purchase models
        All fitted on the same calibration customers (their ``n_customers_`` must agree;
        likelihoods of models fitted on different data are not comparable).
    calibration : pandas.DataFrame
        The calibration table the models were fitted on; holdout columns as in
        :func:`evaluate_holdout`.
    holdout : pandas.DataFrame, optional
        Holdout facts, as in :func:`evaluate_holdout`. When neither this nor the
        calibration table carries them, only the in-sample criteria are reported.
    names : sequence of str, optional
        Row labels; default the model class names (which must then be distinct).

    Returns
    -------
    pandas.DataFrame
        One row per model (index ``model``), sorted by AIC: ``n_params``, ``loglik``,
        ``aic``, ``bic``, and with holdout facts ``mae``, ``rmse``, ``bias``,
        ``total_actual``, ``total_predicted``; then ``rank_loglik``, ``rank_aic``,
        ``rank_bic`` (and ``rank_mae``, ``rank_rmse``), 1 = best.

    Examples
    --------
    >>> import custvalue as cv
    >>> truth = cv.BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> sim = truth.sample(400, tenure=39.0, random_state=1)
    >>> mle = cv.BetaGeoModel().fit(sim)
    >>> shrunk = cv.BetaGeoModel(penalizer=0.1).fit(sim)
    >>> out = cv.compare_models([mle, shrunk], sim, names=["mle", "penalised"])
    >>> out[["loglik", "aic", "rank_aic"]].round(1)
               loglik     aic  rank_aic
    model
    mle       -1857.7  3723.5         1
    penalised -1891.6  3791.2         2
    """
    what = "compare_models"
    models = list(models)
    if not models:
        raise ValueError(f"{what}: give at least one fitted model")
    for m in models:
        _check_purchase_model(m, what)
    labels = [type(m).__name__ for m in models] if names is None else [str(n) for n in names]
    if len(labels) != len(models):
        raise ValueError(f"{what}: {len(labels)} names for {len(models)} models")
    if len(set(labels)) != len(labels):
        raise ValueError(f"{what}: model names must be distinct, got {labels}; pass names=")
    sizes = {lab: _fitted(m, "n_customers_", what) for lab, m in zip(labels, models, strict=True)}
    if len(set(sizes.values())) > 1:
        raise ValueError(
            f"{what}: the models were fitted on different numbers of customers {sizes}; "
            "likelihoods are only comparable on the same data"
        )
    rows: dict[str, dict[str, float]] = {}
    has_holdout = holdout is not None or HOLDOUT_PURCHASES in calibration.columns
    for lab, m in zip(labels, models, strict=True):
        row = {
            "n_params": float(len(_fitted(m, "params_", what))),
            "loglik": float(_fitted(m, "loglik_", what)),
            "aic": float(_fitted(m, "aic_", what)),
            "bic": float(_fitted(m, "bic_", what)),
        }
        if has_holdout:
            met = evaluate_holdout(m, calibration, holdout).metrics
            for key in ("mae", "rmse", "bias", "total_actual", "total_predicted"):
                row[key] = float(met[key])
        rows[lab] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "model"
    out["n_params"] = out["n_params"].astype(np.int64)
    out["rank_loglik"] = out["loglik"].rank(ascending=False, method="min").astype(np.int64)
    for key in ("aic", "bic") + (("mae", "rmse") if has_holdout else ()):
        out[f"rank_{key}"] = out[key].rank(method="min").astype(np.int64)
    return out.sort_values(["aic", "bic"], kind="stable")


def _fitted(model: Any, attr: str, what: str) -> Any:
    try:
        return getattr(model, attr)
    except NotFittedError:
        raise
    except AttributeError as err:
        raise TypeError(
            f"{what}: {type(model).__name__} has no {attr}; pass fitted models"
        ) from err
