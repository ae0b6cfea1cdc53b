"""MBG/NBD model (Batislam, Denizel & Filiztekin 2007, IJRM 24(3))."""

from __future__ import annotations

import types
from typing import ClassVar

from ._covariates import CovariateGroup
from ._math import mbgnbd as _mbgnbd_math
from ._purchase import PURCHASE_GROUPS, _CovariatePurchaseModel

__all__ = ["ModifiedBetaGeoModel"]


class ModifiedBetaGeoModel(_CovariatePurchaseModel):
    """Modified beta-geometric / NBD model ("MBG/NBD").

    As BG/NBD (purchase rate ``lambda ~ Gamma(r, alpha)``, dropout probability
    ``p ~ Beta(a, b)``), but a customer can also drop out right after her first purchase, so
    customers without repeat purchases need not be alive. Batislam, Denizel & Filiztekin
    (2007), "Empirical validation and comparison of models for customer base analysis",
    International Journal of Research in Marketing 24(3).

    ``alpha`` is in the table's time unit; ``r``, ``a``, ``b`` are unit-free.

    Parameters
    ----------
    penalizer : float, default 0.0
        Weight of ``sum (log theta)^2`` over r, a, b added to the mean negative
        log-likelihood (see :mod:`custvalue.clv._base`); 0 is maximum likelihood.
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
    params_, cov_, loglik_, n_customers_, fit_info_
        As for :class:`~custvalue.BetaGeoModel`.

    Examples
    --------
    >>> from custvalue import ModifiedBetaGeoModel
    >>> truth = ModifiedBetaGeoModel.from_params(r=0.25, alpha=4.0, a=0.8, b=2.5)
    >>> table = truth.sample(2000, tenure=39.0, random_state=1)
    >>> model = ModifiedBetaGeoModel().fit(table)
    >>> model.fit_info_["success"]
    True
    >>> bool(model.prob_alive(table).max() < 1)
    True
    """

    _model_name: ClassVar[str] = "MBG/NBD"
    _param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    _shape_params: ClassVar[tuple[str, ...]] = ("r", "a", "b")
    _lower: ClassVar[tuple[float, ...]] = (0.0, 0.0, 0.0, 0.0)
    _math: ClassVar[types.ModuleType] = _mbgnbd_math
    _covariate_groups: ClassVar[tuple[CovariateGroup, ...]] = (
        *PURCHASE_GROUPS,
        CovariateGroup("dropout_covariates", (("dropout_a", "a", 1.0), ("dropout_b", "b", 1.0))),
    )
