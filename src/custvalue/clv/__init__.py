"""Customer-lifetime-value models: purchase processes and spend, and the value built on them."""

from __future__ import annotations

from .bgnbd import BetaGeoModel

# value and evaluation (clv/value.py, clv/evaluate.py)
from .evaluate import HoldoutEvaluation, compare_models, evaluate_holdout, tracking_series
from .value import (
    clv_interval,
    customer_lifetime_value,
    discount_schedule,
    historical_value,
    total_value,
)

__all__: list[str] = [
    "BetaGeoModel",
    # value and evaluation
    "HoldoutEvaluation",
    "clv_interval",
    "compare_models",
    "customer_lifetime_value",
    "discount_schedule",
    "evaluate_holdout",
    "historical_value",
    "total_value",
    "tracking_series",
]
