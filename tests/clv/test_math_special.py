"""bg_expected_count (BG/NBD eq. 9 and the numerator of eq. 10) against mpmath.hyp2f1."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custvalue.clv._math._special import bg_expected_count


def _reference(r: float, alpha: float, a: float, b: float, t: float) -> float:
    """Fader, Hardie & Lee (2005) eq. (9) in 80-digit arithmetic.

    At a = 1 or a + b = 1 exactly, the removable singularity is approached from 1e-30 away
    (the error of that is ~1e-30; 80 digits absorb the cancellation for t >= 1e-6).
    """
    with mp.workdps(80):
        r_, al, a_, b_, t_ = (mp.mpf(v) for v in (r, alpha, a, b, t))
        if a_ == 1:
            a_ += mp.mpf(10) ** -30
        if a_ + b_ == 1:
            b_ += mp.mpf(10) ** -30
        z = t_ / (al + t_)
        c = a_ + b_ - 1
        val = c / (a_ - 1) * (1 - (al / (al + t_)) ** r_ * mp.hyp2f1(r_, b_, c, z))
        return float(val)


EXTREME = [
    # (r, alpha, a, b, t)
    (0.243, 4.414, 0.793, 2.426, 52.0),  # CDNOW new customer, E[X(52)] = 1.444
    (0.243, 4.414, 0.793, 2.426, 1e4),  # z = t / (alpha + t) near 1
    (0.243, 4.414, 1.0, 2.426, 52.0),  # a = 1: removable singularity
    (0.243, 4.414, 1.003, 2.426, 52.0),  # next to it
    (0.243, 4.414, 1.0, 1.0, 52.0),  # a = b = 1
    (1e5 + 0.243, 3650.0 + 4.414, 0.793, 1e5 + 2.426, 365.0),  # n_repeat = 1e5
    (1e5 + 0.2, 40.0, 1.0, 1e5, 1e3),  # n_repeat = 1e5 and a = 1
    (0.5, 0.01, 0.3, 0.8, 1000.0),  # a + b - 1 = 0.1 (pole of eq. 9's 2F1 nearby)
    (0.3, 2.0, 0.2, 0.3, 10.0),  # a + b - 1 < 0
    (0.3, 2.0, 0.5, 0.5, 10.0),  # a + b - 1 = 0 exactly
    (0.3, 2.0, 0.9996, 0.0004, 10.0),  # a + b - 1 = 0 and a ~ 1
    (1e-3, 1e-3, 1e-3, 1e-3, 1e3),  # everything tiny
    (2.0, 1.0, 5.0, 3.0, 1e6),  # a > 1, very long horizon
    (50.0, 2.0, 1.0, 0.3, 1e4),
]


@pytest.mark.parametrize("args", EXTREME)
def test_against_mpmath_at_extreme_points(args):
    got = float(bg_expected_count(*args))
    assert np.isfinite(got)
    assert got == pytest.approx(_reference(*args), rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    r=st.floats(0.01, 50.0),
    alpha=st.floats(0.01, 100.0),
    a=st.floats(0.02, 20.0),
    b=st.floats(0.02, 50.0),
    t=st.one_of(st.just(0.0), st.floats(1e-6, 1e3)),
)
def test_random_points_against_mpmath(r, alpha, a, b, t):
    got = float(bg_expected_count(r, alpha, a, b, t))
    assert got == pytest.approx(_reference(r, alpha, a, b, t), rel=1e-8, abs=1e-300)


def test_broadcasts_and_vanishes_at_zero():
    out = bg_expected_count(np.array([0.5, 1.0]), 2.0, 0.7, np.array([[1.0], [3.0]]), 0.0)
    assert out.shape == (2, 2)
    assert np.all(out == 0.0)
