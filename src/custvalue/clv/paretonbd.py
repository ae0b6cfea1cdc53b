"""Pareto/NBD model (Schmittlein, Morrison & Colombo 1987, Management Science 33(1))."""

from __future__ import annotations

import types
from typing import ClassVar

from ._covariates import CovariateGroup
from ._math import paretonbd as _paretonbd_math
from ._purchase import PURCHASE_GROUPS, _CovariatePurchaseModel

__all__ = ["ParetoNBDModel"]


class ParetoNBDModel(_CovariatePurchaseModel):
    """Pareto/NBD model of repeat purchasing.

    While alive, a customer buys at a Poisson rate ``lambda ~ Gamma(r, alpha)``; her lifetime
    is exponential with rate ``mu ~ Gamma(s, beta)``. Schmittlein, Morrison & Colombo (1987),
    "Counting your customers: who are they and what will they do next?", Management Science
    33(1); expressions from Fader & Hardie (2005), "A note on deriving the Pareto/NBD model
    and related expressions". The Gaussian hypergeometric terms are evaluated as integrals by
    fixed Gauss-Legendre quadrature in log space (see :mod:`custvalue.clv._math.paretonbd`),
    so they do not depend on ``scipy.special.hyp2f1`` and stay finite for any history.

    ``alpha`` and ``beta`` are in the table's time unit; ``r`` and ``s`` are unit-free (the
    ones the penalizer shrinks towards 1 on the log scale).

    Parameters
    ----------
    penalizer : float, default 0.0
        Weight of ``sum (log theta)^2`` over the unit-free parameters (r, s) added to the mean
        negative log-likelihood (see :mod:`custvalue.clv._base`); 0 is maximum likelihood.
    max_iter : int, default 1000
        Iteration limit of the optimiser (Newton iterations with the exact Hessian, or BFGS
        if those fail); reaching it raises ConvergenceError.
    tol : float, default 1e-7
        Convergence tolerance: the largest gradient norm (mean log-likelihood, log-parameter
        scale) at which the optimiser may stop; values above 1e-3 act as 1e-3. A loose tol can
        save iterations but never weakens the checks of the result: the fit returns a maximum
        or raises ConvergenceError.
    initial_params : mapping or sequence of float, optional
        Start values ``{"r": .., "alpha": .., "s": .., "beta": ..}``, or a sequence of them in that
        order (lifetimes' form); default: start values scaled to the data.
    purchase_covariates : list of str, optional
        Table columns acting on the purchase rate: ``alpha_i = alpha exp(-gamma_purchase .
        z_i)`` (coefficients ``purchase[<column>]``; positive: more purchases). Every table
        given to ``fit`` and the predictions must then have these (numeric) columns.
    dropout_covariates : list of str, optional
        Columns acting on the lifetime: ``beta_i = beta exp(-gamma_dropout . w_i)``
        (coefficients ``dropout[<column>]``; positive: earlier dropout), the convention of
        CLVTools and pymc-marketing.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha``, ``s``, ``beta``.
    cov_ : pandas.DataFrame
        Covariance of the estimates (delta method from the Hessian).
    loglik_ : float
        Log-likelihood at the estimate (weighted sum over customers, no penalty).
    n_customers_ : int or float
        Customers fitted (sum of weights).
    fit_info_ : dict
        Optimiser, status, message, iterations, gradient norm, log-likelihood.

    Examples
    --------
    >>> from custvalue import ParetoNBDModel
    >>> truth = ParetoNBDModel.from_params(r=0.55, alpha=10.6, s=0.6, beta=11.7)
    >>> table = truth.sample(2000, tenure=39.0, random_state=1)
    >>> model = ParetoNBDModel().fit(table)
    >>> model.fit_info_["success"]
    True
    >>> bool(model.prob_alive(table).between(0, 1).all())
    True
    """

    _model_name: ClassVar[str] = "Pareto/NBD"
    _param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "s", "beta")
    _shape_params: ClassVar[tuple[str, ...]] = ("r", "s")
    _lower: ClassVar[tuple[float, ...]] = (0.0, 0.0, 0.0, 0.0)
    _math: ClassVar[types.ModuleType] = _paretonbd_math
    _distinct_predictions: ClassVar[bool] = True
    _covariate_groups: ClassVar[tuple[CovariateGroup, ...]] = (
        *PURCHASE_GROUPS,
        CovariateGroup("dropout_covariates", (("dropout", "beta", -1.0),)),
    )
