"""Customer-lifetime-value models: purchase processes and spend, and the value built on them."""

from __future__ import annotations

from .bgnbd import BetaGeoModel
from .gammagamma import GammaGammaModel
from .mbgnbd import ModifiedBetaGeoModel

__all__: list[str] = ["BetaGeoModel", "GammaGammaModel", "ModifiedBetaGeoModel"]
