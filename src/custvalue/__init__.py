"""custvalue: customer-value analytics.

From a transaction history to one customer table, and from there to who brings the value
(ABC / Pareto), how customers behave (RFM), what each will be worth (CLV models), which
tier of the customer pyramid each sits in and where each relationship is going.
"""

from __future__ import annotations

# CLV value and evaluation (clv/value.py, clv/evaluate.py)
from .clv.evaluate import HoldoutEvaluation, compare_models, evaluate_holdout, tracking_series
from .clv.value import (
    clv_interval,
    customer_lifetime_value,
    discount_schedule,
    historical_value,
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
    # CLV value and evaluation (clv/value.py, clv/evaluate.py)
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
