"""Data for the CLV model tests: the CDNOW calibration summary and small synthetic tables."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

CAL_END_DAY = 273  # 1997-09-30 is day 273 of 1997 (1 January = day 1)


def _cdnow_sample_path() -> Path:
    # find the file without importing lifetimes (its import is noisy under pandas 3)
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or spec.origin is None:
        pytest.skip("lifetimes (the source of CDNOW_sample.txt) is not installed")
    return Path(spec.origin).parent / "datasets" / "CDNOW_sample.txt"


def cdnow_calibration() -> pd.DataFrame:
    """CDNOW 1/10 sample (2,357 customers), weekly, calibration to 1997-09-30.

    Conventions of Fader, Hardie & Lee (2005) as restated in DOMAIN.md: a purchase on day k
    of 1997 is at time k/7, purchases on one day count once (amounts summed), T runs from
    the first purchase to the end of day 273. ``mean_repeat_spend`` is the mean daily spend
    over repeat purchase days (first day excluded).
    """
    raw = pd.read_csv(
        _cdnow_sample_path(),
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "dollars"],
        dtype={"date": str},
    )
    dates = pd.to_datetime(raw["date"], format="%Y%m%d")
    raw["day"] = (dates - pd.Timestamp(dt.date(1997, 1, 1))).dt.days + 1
    cal = raw[raw["day"] <= CAL_END_DAY]
    daily = cal.groupby(["customer_id", "day"], as_index=False)["dollars"].sum()
    g = daily.groupby("customer_id")
    first = g["day"].min()
    last = g["day"].max()
    n_days = g["day"].size()
    total = g["dollars"].sum()
    first_spend = daily.loc[g["day"].idxmin(), ["customer_id", "dollars"]].set_index("customer_id")[
        "dollars"
    ]
    x = (n_days - 1).astype("int64")
    repeat_spend = (total - first_spend).where(x > 0)
    table = pd.DataFrame(
        {
            "n_repeat": x,
            "purchase_span": (last - first) / 7.0,
            "tenure": (CAL_END_DAY - first) / 7.0,
            "mean_repeat_spend": repeat_spend / x.where(x > 0),
        }
    )
    table.index.name = "customer_id"
    return table


def small_bgnbd_table(seed: int = 0, n: int = 300) -> pd.DataFrame:
    """A small simulated BG/NBD table with a string index (for contract tests)."""
    from custvalue import BetaGeoModel

    truth = BetaGeoModel.from_params(r=0.5, alpha=5.0, a=0.8, b=2.5)
    rng = np.random.default_rng(seed)
    table = truth.sample(n, tenure=rng.uniform(20.0, 40.0, n), random_state=rng)
    table.index = pd.Index([f"c{i:04d}" for i in range(n)], name="customer_id")
    return table
