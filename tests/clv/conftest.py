"""Fixtures for the CLV model tests (data builders live in clv_data.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from .clv_data import cdnow_calibration


@pytest.fixture(scope="session")
def cdnow_cal() -> pd.DataFrame:
    """CDNOW sample calibration table (2,357 customers; weeks)."""
    return cdnow_calibration()


@pytest.fixture(scope="session")
def cdnow_repeat(cdnow_cal: pd.DataFrame) -> pd.DataFrame:
    """The 946 CDNOW sample customers with a repeat purchase in calibration."""
    return cdnow_cal[cdnow_cal["n_repeat"] > 0]
