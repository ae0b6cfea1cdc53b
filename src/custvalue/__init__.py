"""custvalue: customer-value analytics.

From a transaction history to one customer table, and from there to who brings the value
(ABC / Pareto), how customers behave (RFM), what each will be worth (CLV models), which
tier of the customer pyramid each sits in and where each relationship is going.
"""

from __future__ import annotations

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

__version__ = "0.1.0"

__all__ = [
    "ConvergenceError",
    "ConvergenceWarning",
    "CustvalueError",
    "CustvalueWarning",
    "DataValidationError",
    "InsufficientDataError",
    "NotFittedError",
    "__version__",
    # custvalue.lifecycle
    "churn_status",
    "followup_load",
    "followup_plan",
    "lifecycle_stages",
]
