"""custvalue: customer-value analytics.

From a transaction history to one customer table, and from there to who brings the value
(ABC / Pareto), how customers behave (RFM), what each will be worth (CLV models), which
tier of the customer pyramid each sits in and where each relationship is going.
"""

from __future__ import annotations

from .abc import abc_classes, concentration_curve, gini, pareto_share
from .clv import BetaGeoModel
from .exceptions import (
    ConvergenceError,
    ConvergenceWarning,
    CustvalueError,
    CustvalueWarning,
    DataValidationError,
    InsufficientDataError,
    NotFittedError,
)

# lifecycle stages, full / partial churn, follow-up cadence (custvalue.lifecycle)
from .lifecycle import churn_status, followup_load, followup_plan, lifecycle_stages
from .pyramid import pyramid_tiers, value_matrix
from .report import segment_report
from .rfm import rfm_scores, rfm_segments

# table.py: the customer table and the calibration/holdout split
from .table import (
    TableReport,
    customer_table,
    from_lifetimes,
    split_calibration_holdout,
    to_lifetimes,
)

__version__ = "0.1.0"

__all__ = [
    "BetaGeoModel",
    "ConvergenceError",
    "ConvergenceWarning",
    "CustvalueError",
    "CustvalueWarning",
    "DataValidationError",
    "InsufficientDataError",
    "NotFittedError",
    # table.py
    "TableReport",
    "customer_table",
    "from_lifetimes",
    "split_calibration_holdout",
    "to_lifetimes",
    "__version__",
    # segmentation (sega)
    "abc_classes",
    "concentration_curve",
    "gini",
    "pareto_share",
    "pyramid_tiers",
    "rfm_scores",
    "rfm_segments",
    "segment_report",
    "value_matrix",
    # custvalue.lifecycle
    "churn_status",
    "followup_load",
    "followup_plan",
    "lifecycle_stages",
]
