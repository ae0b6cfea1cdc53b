"""custvalue: customer-value analytics.

From a transaction history to one customer table, and from there to who brings the value
(ABC / Pareto), how customers behave (RFM), what each will be worth (CLV models), which
tier of the customer pyramid each sits in and where each relationship is going.
"""

from __future__ import annotations

from .abc import abc_classes, abc_limits, concentration_curve, gini, pareto_share
from .analysis import Analysis, analyze
from .churn import churn_status
from .clv import (
    BetaGeoBetaBinomModel,  # clv/bgbb.py
    BetaGeoModel,
    GammaGammaModel,
    GGompertzNBDModel,  # clv/ggompertz.py
    ModifiedBetaGeoModel,
    ParetoNBDModel,  # clv/paretonbd.py
    ShiftedBetaGeoModel,  # clv/sbg.py
    clv_interval,
    compare_models,
    customer_lifetime_value,
    evaluate_holdout,
    historical_value,
    likelihood_ratio_test,
    subscription_table,
    total_value,
)
from .exceptions import (
    ConvergenceError,
    ConvergenceWarning,
    CustvalueError,
    CustvalueWarning,
    DataValidationError,
    InsufficientDataError,
    NotFittedError,
)
from .followup import followup_load, followup_plan
from .interop import from_lifetimes, to_lifetimes
from .lifecycle import explain_lifecycle, lifecycle_stages
from .pyramid import pyramid_tiers, value_matrix
from .report import segment_report
from .rfm import rfm_scores, rfm_segments, rfm_thresholds
from .table import TableReport, customer_table, split_calibration_holdout

__version__ = "0.1.0"

__all__ = [
    "__version__",
    # the whole analysis in one call (analysis.py)
    "Analysis",
    "analyze",
    # the customer table (table.py)
    "TableReport",
    "customer_table",
    "from_lifetimes",
    "split_calibration_holdout",
    "to_lifetimes",
    # CLV models (clv/)
    "BetaGeoModel",
    "GammaGammaModel",
    "ModifiedBetaGeoModel",
    "clv_interval",
    "compare_models",
    "customer_lifetime_value",
    "evaluate_holdout",
    "historical_value",
    "likelihood_ratio_test",
    "total_value",
    # Pareto/NBD and BG/BB models (clv/paretonbd.py, clv/bgbb.py)
    "BetaGeoBetaBinomModel",
    "ParetoNBDModel",
    # GGompertz/NBD (clv/ggompertz.py)
    "GGompertzNBDModel",
    # contractual customers (clv/sbg.py)
    "ShiftedBetaGeoModel",
    "subscription_table",
    # who brings the value, how customers behave (abc.py, rfm.py, pyramid.py, report.py)
    "abc_classes",
    "abc_limits",
    "concentration_curve",
    "gini",
    "pareto_share",
    "pyramid_tiers",
    "rfm_scores",
    "rfm_segments",
    "rfm_thresholds",
    "segment_report",
    "value_matrix",
    # where each relationship is going (lifecycle.py, churn.py, followup.py)
    "churn_status",
    "explain_lifecycle",
    "followup_load",
    "followup_plan",
    "lifecycle_stages",
    # errors and warnings (exceptions.py)
    "ConvergenceError",
    "ConvergenceWarning",
    "CustvalueError",
    "CustvalueWarning",
    "DataValidationError",
    "InsufficientDataError",
    "NotFittedError",
]
