"""Customer-lifetime-value models: purchase processes and spend, and the value built on them."""

from __future__ import annotations

from .bgnbd import BetaGeoModel

__all__: list[str] = ["BetaGeoModel"]
