"""Customer-lifetime-value models: purchase processes and spend, and the value built on them."""

from __future__ import annotations

from .bgnbd import BetaGeoModel
from .evaluate import HoldoutEvaluation, compare_models, evaluate_holdout, tracking_series
from .gammagamma import GammaGammaModel
from .mbgnbd import ModifiedBetaGeoModel
from .value import (
    clv_interval,
    customer_lifetime_value,
    discount_schedule,
    historical_value,
    total_value,
)

__all__: list[str] = [
    # purchase models
    "BetaGeoModel",
    "ModifiedBetaGeoModel",
    # spend model
    "GammaGammaModel",
    # value
    "clv_interval",
    "customer_lifetime_value",
    "discount_schedule",
    "historical_value",
    "total_value",
    # evaluation
    "HoldoutEvaluation",
    "compare_models",
    "evaluate_holdout",
    "tracking_series",
]
