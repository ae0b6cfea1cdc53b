"""Shared test fixtures."""

# --- table.py / datasets (customer table helper): CDNOW fixtures -------------------------
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def cdnow_transactions() -> pd.DataFrame:
    """The full CDNOW log: 69,659 rows, 23,570 customers (do not modify in place)."""
    from custvalue.datasets import load_cdnow

    return load_cdnow()


@pytest.fixture(scope="session")
def cdnow_sample_calibration() -> pd.DataFrame:
    """The 2,357-customer CDNOW sample as the literature fits it: weekly time unit, daily
    merge period, calibration to 1997-09-30 (39 weeks), holdout to 1998-06-30 (39 weeks),
    spend from ``amount``. Columns: the customer table plus holdout_* columns."""
    from custvalue import split_calibration_holdout
    from custvalue.datasets import load_cdnow

    return split_calibration_holdout(
        load_cdnow(subset="sample"),
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
        amount_col="amount",
        time_unit="W",
    )


# --- end table.py block -----------------------------------------------------------------
