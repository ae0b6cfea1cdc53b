"""BG/NBD model (Fader, Hardie & Lee 2005, Marketing Science 24(2))."""

from __future__ import annotations

import types
from typing import ClassVar

from ._covariates import CovariateGroup
from ._math import bgnbd as _bgnbd_math
from ._purchase import PURCHASE_GROUPS, _CovariatePurchaseModel

__all__ = ["BetaGeoModel"]


class BetaGeoModel(_CovariatePurchaseModel):
    """Beta-geometric / NBD model of repeat purchasing ("BG/NBD").

    While alive, a customer buys at a Poisson rate ``lambda ~ Gamma(r, alpha)``; after each
    repeat purchase she drops out with probability ``p ~ Beta(a, b)``. Fader, Hardie & Lee
    (2005), "Counting your customers the easy way", Marketing Science 24(2); likelihood eq. (6),
    E[X(t)] eq. (9), conditional expectation eq. (10); P(alive) from their 2008 note.

    ``alpha`` is in the table's time unit; ``r``, ``a``, ``b`` are unit-free (the ones the
    penalizer shrinks towards 1 on the log scale).

    Parameters
    ----------
    penalizer : float, default 0.0
        Weight of ``sum (log theta)^2`` over the unit-free parameters (r, a, b) added to the mean
        negative log-likelihood (see :mod:`custvalue.clv._base`); 0 is maximum likelihood.
    max_iter : int, default 1000
        Iteration limit of the optimiser (BFGS, then Newton steps); reaching it raises
        ConvergenceError.
    tol : float, default 1e-7
        Convergence tolerance: the largest gradient norm (mean log-likelihood, log-parameter
        scale) at which the optimiser may stop; values above 1e-3 act as 1e-3. A loose tol can
        save iterations but never weakens the checks of the result: the fit returns a maximum
        or raises ConvergenceError.
    initial_params : mapping or sequence of float, optional
        Start values ``{"r": .., "alpha": .., "a": .., "b": ..}``, or a sequence of them in that
        order (lifetimes' form); default: start values scaled to the data.
    purchase_covariates : list of str, optional
        Table columns acting on the purchase rate: ``alpha_i = alpha exp(-gamma_purchase .
        z_i)`` (coefficients ``purchase[<column>]``; positive: more purchases). Every table
        given to ``fit`` and the predictions must then have these (numeric) columns.
    dropout_covariates : list of str, optional
        Columns acting on dropout: ``a_i = a exp(gamma_a . w_i)``, ``b_i = b exp(gamma_b .
        w_i)`` (coefficients ``dropout_a[<column>]``, ``dropout_b[<column>]``), the
        convention of CLVTools and pymc-marketing.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha``, ``a``, ``b``.
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
    >>> from custvalue import BetaGeoModel
    >>> truth = BetaGeoModel.from_params(r=0.25, alpha=4.0, a=0.8, b=2.5)
    >>> table = truth.sample(2000, tenure=39.0, random_state=1)
    >>> model = BetaGeoModel().fit(table)
    >>> model.fit_info_["success"]
    True
    >>> model.prob_alive(table).between(0, 1).all()
    np.True_
    """

    _model_name: ClassVar[str] = "BG/NBD"
    _param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    _shape_params: ClassVar[tuple[str, ...]] = ("r", "a", "b")
    _lower: ClassVar[tuple[float, ...]] = (0.0, 0.0, 0.0, 0.0)
    _math: ClassVar[types.ModuleType] = _bgnbd_math
    _covariate_groups: ClassVar[tuple[CovariateGroup, ...]] = (
        *PURCHASE_GROUPS,
        CovariateGroup("dropout_covariates", (("dropout_a", "a", 1.0), ("dropout_b", "b", 1.0))),
    )
