"""Fixtures for the CLV model tests."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def cdnow_cal(cdnow_sample_calibration: pd.DataFrame) -> pd.DataFrame:
    """CDNOW 1/10 sample (2,357 customers), weeks, calibration to 1997-09-30.

    The conventions of Fader, Hardie & Lee (2005): a purchase on day k of 1997 is at time
    k/7, same-day purchases count once, T runs to the end of 1997-09-30 (tests/conftest.py).
    """
    return cdnow_sample_calibration


@pytest.fixture(scope="session")
def cdnow_repeat(cdnow_cal: pd.DataFrame) -> pd.DataFrame:
    """The 946 CDNOW sample customers with a repeat purchase in calibration."""
    return cdnow_cal[cdnow_cal["n_repeat"] > 0]
