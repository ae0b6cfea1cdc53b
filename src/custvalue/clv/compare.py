"""Compare fitted models: information criteria, holdout errors, likelihood-ratio tests.

:func:`compare_models` ranks models fitted on the same customers by log-likelihood, AIC, BIC
and (with holdout facts) their holdout errors; :func:`likelihood_ratio_test` tests a model
against a more general one that nests it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2

from .._schema import HOLDOUT_PURCHASES
from ..exceptions import NotFittedError
from .evaluate import evaluate_holdout

__all__ = ["LikelihoodRatioTest", "compare_models", "likelihood_ratio_test"]


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
        Calibration-period customer table the models were fitted on; holdout columns as in
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


# --------------------------------------------------------------------------- nested models

_NESTED: dict[tuple[str, str], tuple[int, tuple[str, ...], str]] = {
    # (restricted, general): (df, restricted parameters on the general model's boundary, how)
    ("ParetoNBDModel", "GGompertzNBDModel"): (
        1,
        ("b",),
        "GGompertz/NBD with b = 0 is Pareto/NBD (Bemmaor & Glady 2012)",
    ),
}


@dataclass(frozen=True)
class LikelihoodRatioTest:
    """The likelihood-ratio test of a model against a more general one that nests it.

    Attributes
    ----------
    restricted, general : str
        The two models (class names, or the names given).
    statistic : float
        ``2 (loglik_general - loglik_restricted)`` (>= 0).
    df : int
        Degrees of freedom: the parameters the restriction fixes.
    p_value : float
        Asymptotic p-value: chi-square with ``df`` degrees of freedom, or, when the
        restriction puts one parameter on the boundary of the general model's range, the
        50:50 mixture of chi-square with ``df - 1`` and ``df`` degrees of freedom (Self &
        Liang 1987, "Asymptotic properties of maximum likelihood estimators and likelihood
        ratio tests under nonstandard conditions", JASA 82(398)).
    boundary : tuple of str
        The general model's parameters that the restriction puts on their boundary.
    note : str
        How the models nest and which reference distribution was used.
    """

    restricted: str
    general: str
    statistic: float
    df: int
    p_value: float
    boundary: tuple[str, ...] = ()
    note: str = ""


def _loglik(model: Any, what: str) -> float:
    ll = _fitted(model, "loglik_", what)
    if ll is None:
        raise ValueError(
            f"{what}: {type(model).__name__} has no log-likelihood (built with from_params?); "
            "pass fitted models"
        )
    return float(ll)


def likelihood_ratio_test(
    restricted: Any,
    general: Any,
    *,
    df: int | None = None,
    boundary: Sequence[str] = (),
    names: Sequence[str] | None = None,
) -> LikelihoodRatioTest:
    """Test a model against a more general one that nests it (likelihood-ratio test).

    ``2 (loglik_general - loglik_restricted)`` is asymptotically chi-square with as many
    degrees of freedom as the restriction fixes parameters, when the restricted values are
    inside the general model's parameter range. When a restricted value is on the boundary
    of that range (GGompertz/NBD's ``b = 0`` is Pareto/NBD; a Pareto/NBD whose dropout rate
    is 0 is the no-dropout NBD), the statistic is a 50:50 mixture of chi-square with
    ``df - 1`` and ``df`` degrees of freedom instead, so the plain chi-square p-value would
    be twice too large: this one uses the mixture for one boundary parameter (Self & Liang
    1987). With more than one boundary parameter the mixture weights depend on the
    information matrix; the chi-square p-value with ``df`` degrees of freedom is returned,
    an upper bound (conservative), and the note says so.

    Nesting is recognised for the same model class with fewer covariates (the coefficients
    are fixed at 0, inside their range) and for Pareto/NBD within GGompertz/NBD; for other
    pairs give ``df`` (and ``boundary``) yourself: the function cannot check your claim
    that the models nest.

    Parameters
    ----------
    restricted, general : fitted models
        Fitted on the same customers (``n_customers_`` must agree).
    df : int, optional
        Degrees of freedom, for pairs not recognised.
    boundary : sequence of str, optional
        For pairs not recognised: the general model's parameters the restriction puts on
        their boundary.
    names : (str, str), optional
        Labels of the two models; default the class names.

    Returns
    -------
    LikelihoodRatioTest
        Statistic, degrees of freedom, p-value, boundary parameters and a note.

    Raises
    ------
    ValueError
        Models fitted on different data, a pair not recognised without ``df``, or a general
        model whose log-likelihood is below the restricted one's (it did not reach its
        maximum).

    Examples
    --------
    Customers with constant dropout hazards (Pareto/NBD): GGompertz/NBD's maximum is at
    its boundary ``b = 0``, which is Pareto/NBD, and the test does not reject it.

    >>> import custvalue as cv
    >>> truth = cv.ParetoNBDModel.from_params(r=0.55, alpha=10.6, s=0.6, beta=11.7)
    >>> sim = truth.sample(2000, tenure=39.0, random_state=10)
    >>> pareto = cv.ParetoNBDModel().fit(sim)
    >>> gompertz = cv.GGompertzNBDModel().fit(sim)
    >>> test = cv.likelihood_ratio_test(pareto, gompertz)
    >>> test.df, test.boundary, round(test.statistic, 6), test.p_value
    (1, ('b',), 0.0, 1.0)
    """
    what = "likelihood_ratio_test"
    labels = (
        [type(restricted).__name__, type(general).__name__]
        if names is None
        else [str(n) for n in names]
    )
    if len(labels) != 2:
        raise ValueError(f"{what}: names must be two labels, got {len(labels)}")
    ll_r, ll_g = _loglik(restricted, what), _loglik(general, what)
    n_r = _fitted(restricted, "n_customers_", what)
    n_g = _fitted(general, "n_customers_", what)
    if n_r != n_g:
        raise ValueError(
            f"{what}: the models were fitted on different numbers of customers ({n_r} and "
            f"{n_g}); likelihoods are only comparable on the same data"
        )
    key = (type(restricted).__name__, type(general).__name__)
    p_r, p_g = list(_fitted(restricted, "params_", what)), list(_fitted(general, "params_", what))
    if df is not None:
        k = int(df)
        if k != df or k < 1:
            raise ValueError(f"{what}: df must be a whole number >= 1, got {df!r}")
        on_boundary = tuple(str(b) for b in boundary)
        note = "degrees of freedom as given (nesting not checked)"
    elif key in _NESTED:
        k, on_boundary, note = _NESTED[key]
    elif type(restricted) is type(general) and set(p_r) < set(p_g):
        k, on_boundary = len(p_g) - len(p_r), ()
        note = (
            f"{type(general).__name__} with the coefficients {sorted(set(p_g) - set(p_r))} "
            "fixed at 0"
        )
    else:
        raise ValueError(
            f"{what}: {key[0]} is not known to be nested in {key[1]}; pass df= (and "
            "boundary=) if it is"
        )
    stat = 2.0 * (ll_g - ll_r)
    scale = max(1.0, abs(ll_g), abs(ll_r))
    if stat < -1e-8 * scale:
        raise ValueError(
            f"{what}: the general model's log-likelihood ({ll_g:.6g}) is below the "
            f"restricted model's ({ll_r:.6g}): it did not reach its maximum; refit it (e.g. "
            "starting from the restricted estimates with initial_params=)"
        )
    stat = max(stat, 0.0)
    if len(on_boundary) == 1:
        lower = (1.0 if stat <= 0 else 0.0) if k == 1 else float(chi2.sf(stat, k - 1))
        p = 0.5 * lower + 0.5 * float(chi2.sf(stat, k))
        note += (
            f"; {on_boundary[0]} on its boundary: p-value from the 50:50 mixture of "
            f"chi-square({k - 1}) and chi-square({k}) (Self & Liang 1987)"
        )
    else:
        p = float(chi2.sf(stat, k))
        if on_boundary:
            note += (
                f"; {len(on_boundary)} parameters on their boundary: chi-square({k}) p-value, "
                "an upper bound (the mixture weights depend on the information matrix)"
            )
        else:
            note += f"; chi-square({k}) p-value"
    return LikelihoodRatioTest(labels[0], labels[1], stat, k, p, tuple(on_boundary), note)
