"""Small customer tables built by hand for the segmentation tests.

Tables are built with :func:`custvalue.customer_table` from a few purchases (durations in
days, observation end day 100).
"""

from __future__ import annotations

import pandas as pd

from custvalue import customer_table

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


def hand_transactions(purchases: dict[str, list[tuple[int, float]]] | None = None) -> pd.DataFrame:
    """One row per purchase: customer_id, timestamp (day ``d`` of 2024 is 1 Jan + d), amount."""
    purchases = PURCHASES if purchases is None else purchases
    start = pd.Timestamp("2024-01-01")
    rows = [
        (cid, start + pd.Timedelta(days=day), amount)
        for cid, buys in purchases.items()
        for day, amount in buys
    ]
    return pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])


def hand_table(purchases: dict[str, list[tuple[int, float]]] | None = None) -> pd.DataFrame:
    """Customer table of :func:`hand_transactions` (days, observation end = day 100)."""
    end = pd.Timestamp("2024-01-01") + pd.Timedelta(days=END_DAY)
    return customer_table(
        hand_transactions(purchases), amount_col="amount", observation_end=end, time_unit="D"
    )
