"""custvalue: customer-value analytics.

From a transaction history to one customer table, and from there to who brings the value
(ABC / Pareto), how customers behave (RFM), what each will be worth (CLV models), which
tier of the customer pyramid each sits in and where each relationship is going.
"""

from __future__ import annotations

# clv models (clv/bgnbd.py, clv/mbgnbd.py, clv/gammagamma.py)
from .clv import BetaGeoModel, GammaGammaModel, ModifiedBetaGeoModel
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
    "BetaGeoModel",
    "GammaGammaModel",
    "ModifiedBetaGeoModel",
    "ConvergenceError",
    "ConvergenceWarning",
    "CustvalueError",
    "CustvalueWarning",
    "DataValidationError",
    "InsufficientDataError",
    "NotFittedError",
    "__version__",
]
