"""GGompertz/NBD model (Bemmaor & Glady 2012, Management Science 58(5))."""

from __future__ import annotations

import contextlib
import types
from typing import ClassVar

import numpy as np

from ..exceptions import ConvergenceError
from . import _optimize
from ._acceptance import covariance
from ._base import Estimate
from ._covariates import CovariateGroup, covariate_problem, layout
from ._math import ggompertz as _gg_math
from ._math import paretonbd as _pnbd_math
from ._purchase import PURCHASE_GROUPS, _CovariatePurchaseModel

__all__ = ["GGompertzNBDModel"]

Array = np.ndarray

_PARETO = ("r", "alpha", "s", "beta")
_B = 2  # position of b among (r, alpha, b, s, beta)


class GGompertzNBDModel(_CovariatePurchaseModel):
    """Gamma-Gompertz / NBD model of repeat purchasing ("GGompertz/NBD").

    While alive, a customer buys at a Poisson rate ``lambda ~ Gamma(r, alpha)``; her
    lifetime is Gompertz: the hazard of dropping out at age ``tau`` is ``mu0 exp(b tau)``,
    with the initial hazard ``mu0 ~ Gamma(s, beta)`` across customers. ``b > 0`` lets the
    risk of dropping out grow with age (the "sudden death" of an ageing relationship);
    ``b = 0`` is Pareto/NBD (constant hazards) with the same ``r, alpha, s, beta``, which
    the model includes. Bemmaor & Glady (2012), "Modeling purchasing behavior with sudden
    'death': a flexible customer lifetime model", Management Science 58(5); the likelihood's
    integral is evaluated by deterministic quadrature (:mod:`custvalue.clv._math.ggompertz`).

    **Parametrisation.** ``beta`` here is the paper's (and CLVTools') ``beta`` divided by
    ``b``: a time scale, the Pareto/NBD ``beta`` at ``b = 0``; multiply by ``b`` to compare
    with their estimates. The population survival is ``(beta / (beta + (exp(b t) - 1) /
    b))^s``. ``alpha`` and ``beta`` are in the table's time unit, ``b`` in its inverse;
    ``r`` and ``s`` are unit-free (penalised).

    **The boundary b = 0.** When the data do not call for a rising hazard, the maximum is
    at ``b = 0`` (the paper's CDNOW fit, table 2, is b = 0.0002 with Pareto/NBD's
    log-likelihood). ``fit`` then returns ``b = 0`` exactly: it fits the Pareto/NBD model,
    checks that the log-likelihood falls into ``b > 0`` (its one-sided derivative in ``b``
    is <= 0) and that no interior maximum is better, and reports ``fit_info_["boundary"] =
    ["b"]``; ``b`` then has no standard error (a boundary estimate has no Wald interval),
    the others have Pareto/NBD's. Compare the two models with
    :func:`~custvalue.clv.compare.likelihood_ratio_test`, which accounts for the boundary.

    Parameters
    ----------
    penalizer : float, default 0.0
        Weight of ``sum (log theta)^2`` over r and s added to the mean negative
        log-likelihood (see :mod:`custvalue.clv._base`); 0 is maximum likelihood.
    max_iter : int, default 1000
        Iteration limit of the optimiser; reaching it raises ConvergenceError.
    tol : float, default 1e-7
        Convergence tolerance (as for every model).
    initial_params : mapping or sequence of float, optional
        Start values ``{"r": .., "alpha": .., "b": .., "s": .., "beta": ..}`` (``b > 0``)
        for the fit with ``b > 0``.
    purchase_covariates : list of str, optional
        Columns acting on the purchase rate, ``alpha_i = alpha exp(-gamma_purchase . z_i)``.
    dropout_covariates : list of str, optional
        Columns acting on the lifetime, ``beta_i = beta exp(-gamma_dropout . w_i)``
        (CLVTools' convention; a positive coefficient means earlier dropout).

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha``, ``b``, ``s``, ``beta`` (then covariate coefficients).
    cov_, loglik_, n_customers_, fit_info_
        As for :class:`~custvalue.BetaGeoModel`; ``fit_info_["boundary"]`` lists the
        parameters estimated on their boundary.

    Examples
    --------
    >>> from custvalue import GGompertzNBDModel
    >>> truth = GGompertzNBDModel.from_params(r=0.6, alpha=8.0, b=0.08, s=1.0, beta=12.0)
    >>> table = truth.sample(3000, tenure=52.0, random_state=1)
    >>> model = GGompertzNBDModel().fit(table)
    >>> model.fit_info_["success"], model.fit_info_["boundary"]
    (True, [])
    >>> bool(model.params_["b"] > 0)
    True
    """

    _model_name: ClassVar[str] = "GGompertz/NBD"
    _param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "b", "s", "beta")
    _shape_params: ClassVar[tuple[str, ...]] = ("r", "s")
    _lower: ClassVar[tuple[float, ...]] = (0.0, 0.0, 0.0, 0.0, 0.0)
    _inclusive: ClassVar[tuple[str, ...]] = ("b",)
    _math: ClassVar[types.ModuleType] = _gg_math
    _distinct_predictions: ClassVar[bool] = True
    _covariate_groups: ClassVar[tuple[CovariateGroup, ...]] = (
        *PURCHASE_GROUPS,
        CovariateGroup("dropout_covariates", (("dropout", "beta", -1.0),)),
    )

    def _initial_params(self, cols: tuple[Array, ...], counts: Array) -> Array:
        # r = s = 1, alpha = beta = mean tenure, b = 1 / mean tenure: unit changes rescale
        # the start exactly (b in the inverse unit)
        mean_t = float(np.einsum("i,i->", counts, cols[2]) / counts.sum())
        return np.array([1.0, mean_t, 1.0 / mean_t, 1.0, mean_t])

    def _loglik_grad(self) -> object:
        return _gg_math.loglik_grad

    # ------------------------------------------------------------------ the fit
    def _estimate(self, cols: tuple[Array, ...], counts: Array, start: Array | None) -> Estimate:
        """Return the maximum over ``b >= 0``: the Pareto/NBD boundary, or a better interior point.

        Both are fitted (either may fail: Pareto/NBD runs off when the hazard clearly rises;
        the fit with ``log b`` free runs to ``b -> 0`` when it does not). The boundary is the
        maximum when the one-sided derivative of the log-likelihood in ``b`` there is <= 0
        and no interior point is better.
        """
        boundary: Estimate | None = None
        # no boundary maximum (ConvergenceError): Pareto/NBD has none here, the hazard must rise
        with contextlib.suppress(ConvergenceError):
            boundary = self._estimate_boundary(cols, counts)
        score = None if boundary is None else self._score_b(boundary.theta, cols, counts)
        interior: Estimate | None = None
        searched = counts.shape[0]
        skip, begin = (
            (False, start)
            if boundary is None
            else self._interior_start(cols, counts, start, boundary)
        )
        try:
            if skip:  # a subset found no better interior point: the boundary stands
                searched = -1
                raise ConvergenceError("no interior maximum on a subset of the rows")
            interior = self._estimate_interior(
                cols, counts, begin, None if boundary is None else boundary.theta
            )
        except ConvergenceError:
            if boundary is None or (score is not None and score > 0):
                # no boundary maximum to fall back on (or the likelihood rises into b > 0)
                raise
        if interior is not None and (
            boundary is None
            or (score is not None and score > 0)
            or interior.loglik > boundary.loglik + 1e-9 * max(1.0, abs(boundary.loglik))
        ):
            info = dict(interior.fit_info)
            info["boundary"] = []
            info["score_b"] = score
            return Estimate(interior.theta, interior.cov, interior.loglik, info)
        assert boundary is not None
        info = dict(boundary.fit_info)
        info["boundary"] = ["b"]
        info["score_b"] = score
        info["message"] = (
            f"{info.get('message', 'converged')}; b on its boundary 0 (the likelihood falls "
            f"into b > 0: d loglik / d b = {score:.4g}): the maximum is the Pareto/NBD model"
        )
        if searched < 0:
            info["message"] += (
                f" (no better interior maximum on a subset of {_optimize.WARM_ROWS:,} rows)"
            )
        return Estimate(boundary.theta, boundary.cov, boundary.loglik, info)

    def _interior_start(
        self, cols: tuple[Array, ...], counts: Array, start: Array | None, boundary: Estimate
    ) -> tuple[bool, Array | None]:
        """Whether the full fit with b > 0 can be skipped, and where it starts otherwise.

        On many distinct rows, when the likelihood falls into b > 0 at the boundary, the
        search for a better interior maximum (which usually runs b down to 0, slowly) is
        made on a deterministic subset of about ``WARM_ROWS`` rows (as the solver's warm
        start): if it finds no point better than the boundary there, the boundary stands;
        if it does, the full fit starts from that point.
        """
        n = counts.shape[0]
        if start is not None or n <= _optimize.WARM_MIN_ROWS:
            return False, start
        if self._score_b(boundary.theta, cols, counts) > 0:
            return False, start  # the likelihood rises into b > 0: fit it on all rows
        picked = _optimize.subset(counts, max(2, n // _optimize.WARM_ROWS))
        if picked is None:
            return False, start
        idx, sub_counts = picked
        sub_cols = tuple(c[idx] for c in cols)
        try:
            sub = self._estimate_interior(sub_cols, sub_counts, None, boundary.theta)
        except ConvergenceError:
            return True, None
        at_boundary = float(
            np.einsum("i,i->", sub_counts, self._loglik_values_at(boundary.theta, sub_cols))
        )
        if sub.loglik <= at_boundary + 1e-9 * max(1.0, abs(at_boundary)):
            return True, None
        return False, np.asarray(sub.theta, dtype=np.float64)

    def _loglik_values_at(self, theta: Array, cols: tuple[Array, ...]) -> Array:
        data, Z = self._split(cols)
        params = [float(v) for v in theta[:5]] if Z is None else self._layout().row_params(theta, Z)
        return np.asarray(_gg_math.loglik(*params, *data), dtype=np.float64)

    def _pareto_problem(self) -> _optimize.Problem:
        name = f"{self._model_name} at b = 0 ({type(self).__name__})"
        if not self._has_covariates():
            return _optimize.problem_from_math(
                _pnbd_math,
                name=name,
                param_names=_PARETO,
                lower=(0.0, 0.0, 0.0, 0.0),
                shape_params=self._shape_params,
                penalizer=float(self.penalizer),
                hessian=True,
            )
        lay = layout(_PARETO, self._covariate_groups, self._covariates_by_keyword())
        return covariate_problem(
            _pnbd_math.loglik_grad,
            lay,
            name=name,
            lower=(0.0, 0.0, 0.0, 0.0),
            shape_params=self._shape_params,
            penalizer=float(self.penalizer),
            n_data=self._n_data(),
        )

    def _estimate_boundary(self, cols: tuple[Array, ...], counts: Array) -> Estimate:
        """Pareto/NBD (b = 0) fitted by its own solver, embedded with b = 0."""
        problem = self._pareto_problem()
        k = len(problem.param_names)
        base = np.delete(self._initial_params(cols, counts), _B)
        u_ref = np.concatenate([np.log(base), np.zeros(k - 4)])
        res = _optimize.minimise(
            problem,
            cols,
            counts,
            u0=u_ref,
            u_ref=u_ref,
            tol=float(self.tol),
            max_iter=int(self.max_iter),
        )
        cov = covariance(
            res.hess, res.u, float(counts.sum()), self._model_name, problem.jacobian(res.u)
        )
        theta = np.insert(problem.natural(res.u), _B, 0.0)
        full = np.full((k + 1, k + 1), np.nan)
        keep = np.delete(np.arange(k + 1), _B)
        full[np.ix_(keep, keep)] = cov
        return Estimate(theta, full, res.loglik, res.fit_info(counts.shape[0]))

    def _score_b(self, theta: Array, cols: tuple[Array, ...], counts: Array) -> float:
        """Mean one-sided derivative of the log-likelihood in b at the boundary estimate."""
        data, Z = self._split(cols)
        params = [float(v) for v in theta[:5]] if Z is None else self._layout().row_params(theta, Z)
        _, g = _gg_math.loglik_grad(*params, *data)
        return float(np.einsum("i,i->", counts, g[:, _B]) / counts.sum())

    def _estimate_interior(
        self,
        cols: tuple[Array, ...],
        counts: Array,
        start: Array | None,
        at_boundary: Array | None,
    ) -> Estimate:
        """Return the fit with b > 0 (log b free), from the given start or near the boundary fit."""
        first = self._initial_params(cols, counts)
        u_ref = np.concatenate([self._to_internal(first), np.zeros(len(self._names()) - 5)])
        if start is None:
            # from the Pareto/NBD estimate (or the data-scaled start), with the hazard
            # doubling over the mean tenure
            theta0 = (
                np.concatenate([first, np.zeros(len(self._names()) - 5)])
                if at_boundary is None
                else at_boundary.copy()
            )
            theta0[_B] = float(np.log(2.0) * first[_B])
            u0 = self._to_internal(theta0)
        else:
            u0 = self._to_internal(start)
        problem = self._covariate_problem() if self._has_covariates() else self._problem()
        return self._solve(problem, cols, counts, u0, u_ref)
