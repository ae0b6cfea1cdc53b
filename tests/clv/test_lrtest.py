"""likelihood_ratio_test: statistic, degrees of freedom, the boundary mixture, refusals."""

from __future__ import annotations

import pytest
from scipy.stats import chi2

from custvalue import (
    BetaGeoModel,
    GGompertzNBDModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    likelihood_ratio_test,
)


class _Fitted:
    """A stand-in fitted model: what the test reads (loglik_, n_customers_, params_)."""

    def __init__(self, loglik, params, n=1000):
        self.loglik_ = loglik
        self.params_ = dict.fromkeys(params, 1.0)
        self.n_customers_ = n


def test_interior_restriction_uses_chi_square():
    small = _Fitted(-1000.0, ["a", "b"])
    big = _Fitted(-996.0, ["a", "b", "c", "d"])
    out = likelihood_ratio_test(small, big, df=2)
    assert out.statistic == pytest.approx(8.0)
    assert out.df == 2 and out.boundary == ()
    assert out.p_value == pytest.approx(chi2.sf(8.0, 2))  # 0.0183


def test_one_boundary_parameter_halves_the_chi_square_tail():
    # Self & Liang (1987), case 5: one parameter on the boundary, the statistic is
    # 0.5 chi2(df - 1) + 0.5 chi2(df)
    small = _Fitted(-1000.0, ["a"])
    big = _Fitted(-998.5, ["a", "b"])
    one = likelihood_ratio_test(small, big, df=1, boundary=["b"])
    assert one.p_value == pytest.approx(0.5 * chi2.sf(3.0, 1))
    two = likelihood_ratio_test(small, big, df=2, boundary=["b"])
    assert two.p_value == pytest.approx(0.5 * chi2.sf(3.0, 1) + 0.5 * chi2.sf(3.0, 2))
    # equal likelihoods: nothing to reject
    same = likelihood_ratio_test(small, _Fitted(-1000.0, ["a", "b"]), df=1, boundary=["b"])
    assert same.statistic == 0.0 and same.p_value == 1.0
    # more than one boundary parameter: the chi-square p-value, an upper bound, and said so
    many = likelihood_ratio_test(small, big, df=2, boundary=["b", "c"])
    assert many.p_value == pytest.approx(chi2.sf(3.0, 2)) and "upper bound" in many.note


def test_recognised_pairs_and_refusals():
    truth = ParetoNBDModel.from_params(r=0.55, alpha=10.6, s=0.6, beta=11.7)
    sim = truth.sample(2000, tenure=39.0, random_state=10)
    pareto = ParetoNBDModel().fit(sim)
    gompertz = GGompertzNBDModel().fit(sim)
    out = likelihood_ratio_test(pareto, gompertz)
    assert (out.df, out.boundary) == (1, ("b",)) and "Self & Liang" in out.note
    assert out.restricted == "ParetoNBDModel" and out.general == "GGompertzNBDModel"
    with pytest.raises(ValueError, match="not known to be nested"):
        likelihood_ratio_test(BetaGeoModel().fit(sim), ModifiedBetaGeoModel().fit(sim))
    with pytest.raises(ValueError, match="different numbers of customers"):
        likelihood_ratio_test(pareto, GGompertzNBDModel().fit(sim.iloc[:1500]))
    with pytest.raises(ValueError, match="did not reach its maximum"):
        likelihood_ratio_test(_Fitted(-10.0, ["a"]), _Fitted(-12.0, ["a", "b"]), df=1)
    with pytest.raises(ValueError, match="no log-likelihood"):
        likelihood_ratio_test(ParetoNBDModel.from_params(**truth.params_), gompertz)
    with pytest.raises(ValueError, match="df"):
        likelihood_ratio_test(_Fitted(-10.0, ["a"]), _Fitted(-9.0, ["a", "b"]), df=0)
