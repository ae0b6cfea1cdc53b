"""Customer-lifetime-value models: purchase processes and spend, and the value built on them."""

from __future__ import annotations

from .bgbb import BetaGeoBetaBinomModel
from .bgnbd import BetaGeoModel
from .compare import LikelihoodRatioTest, compare_models, likelihood_ratio_test
from .evaluate import HoldoutEvaluation, evaluate_holdout, tracking_series
from .gammagamma import GammaGammaModel
from .ggompertz import GGompertzNBDModel
from .interval import clv_interval
from .mbgnbd import ModifiedBetaGeoModel
from .paretonbd import ParetoNBDModel
from .sbg import ShiftedBetaGeoModel
from .subscriptions import subscription_table
from .value import (
    customer_lifetime_value,
    discount_schedule,
    historical_value,
    total_value,
)

__all__: list[str] = [
    # purchase models
    "BetaGeoModel",
    "ModifiedBetaGeoModel",
    # Pareto/NBD and BG/BB (clv/paretonbd.py, clv/bgbb.py)
    "ParetoNBDModel",
    "BetaGeoBetaBinomModel",
    # GGompertz/NBD (clv/ggompertz.py)
    "GGompertzNBDModel",
    # spend model
    "GammaGammaModel",
    # contractual customers (clv/sbg.py)
    "ShiftedBetaGeoModel",
    "subscription_table",
    # value
    "clv_interval",
    "customer_lifetime_value",
    "discount_schedule",
    "historical_value",
    "total_value",
    # evaluation
    "HoldoutEvaluation",
    "LikelihoodRatioTest",
    "compare_models",
    "likelihood_ratio_test",
    "evaluate_holdout",
    "tracking_series",
]
