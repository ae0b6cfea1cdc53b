"""Small customer tables built by hand for the segmentation tests.

Until ``custvalue.customer_table`` lands, tables are built here from a few purchases with
the column names of :mod:`custvalue._schema` (durations in days, observation end day 100).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custvalue._schema import (
    FIRST_PURCHASE,
    LAST_PURCHASE,
    MEAN_REPEAT_SPEND,
    MEAN_SPEND,
    N_PURCHASES,
    N_REPEAT,
    PURCHASE_SPAN,
    TABLE_COLUMNS,
    TENURE,
    TIME_SINCE_LAST,
    TOTAL_SPEND,
)

END_DAY = 100

# customer -> list of (day, amount); one purchase per day
PURCHASES: dict[str, list[tuple[int, float]]] = {
    "c01": [(1, 500.0), (20, 400.0), (45, 600.0), (70, 300.0), (95, 700.0)],
    "c02": [(5, 200.0), (30, 150.0), (60, 250.0), (90, 100.0)],
    "c03": [(10, 80.0), (50, 120.0), (98, 60.0)],
    "c04": [(2, 300.0), (15, 250.0), (25, 200.0)],
    "c05": [(40, 50.0), (80, 40.0)],
    "c06": [(60, 35.0)],
    "c07": [(3, 20.0)],
    "c08": [(92, 45.0)],
    "c09": [(12, 15.0), (14, 10.0)],
    "c10": [(99, 900.0)],
    "c11": [(33, 25.0), (66, 25.0)],
    "c12": [(7, 5.0)],
}


def hand_table(purchases: dict[str, list[tuple[int, float]]] | None = None) -> pd.DataFrame:
    """Customer table from ``purchases`` (default :data:`PURCHASES`)."""
    purchases = PURCHASES if purchases is None else purchases
    rows = []
    start = pd.Timestamp("2024-01-01")
    for cid, buys in purchases.items():
        days = np.array([d for d, _ in buys], dtype=float)
        amounts = np.array([a for _, a in buys], dtype=float)
        n = len(buys)
        first, last = days.min(), days.max()
        tenure = END_DAY - first
        span = last - first
        rows.append(
            {
                "customer_id": cid,
                FIRST_PURCHASE: start + pd.Timedelta(days=first),
                LAST_PURCHASE: start + pd.Timedelta(days=last),
                N_PURCHASES: n,
                N_REPEAT: n - 1,
                PURCHASE_SPAN: span,
                TENURE: tenure,
                TIME_SINCE_LAST: tenure - span,
                TOTAL_SPEND: amounts.sum(),
                MEAN_SPEND: amounts.mean(),
                MEAN_REPEAT_SPEND: amounts[np.argsort(days)][1:].mean() if n > 1 else np.nan,
            }
        )
    table = pd.DataFrame(rows).set_index("customer_id")
    return table[list(TABLE_COLUMNS)]
