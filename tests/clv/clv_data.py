"""Small synthetic tables for the CLV model tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def small_bgnbd_table(seed: int = 0, n: int = 300) -> pd.DataFrame:
    """A small simulated BG/NBD table with a string index (for contract tests)."""
    from custvalue import BetaGeoModel

    truth = BetaGeoModel.from_params(r=0.5, alpha=5.0, a=0.8, b=2.5)
    rng = np.random.default_rng(seed)
    table = truth.sample(n, tenure=rng.uniform(20.0, 40.0, n), random_state=rng)
    table.index = pd.Index([f"c{i:04d}" for i in range(n)], name="customer_id")
    return table
