"""Deprecation warnings for renamed or retired arguments (private).

A deprecated argument keeps working for two minor releases after the one that deprecates
it, and warns at every call with a :class:`FutureWarning` (shown to end users by default)
that names the replacement.
"""

from __future__ import annotations

import warnings

__all__ = ["DEPRECATED_IN", "REMOVED_IN", "warn_deprecated"]

DEPRECATED_IN = "0.2.0"
"""The release that deprecates the arguments warned about here."""

REMOVED_IN = "0.4.0"
"""The release that removes them (two minor releases later)."""


def warn_deprecated(old: str, instead: str, *, stacklevel: int = 3) -> None:
    """Warn that ``old`` is deprecated and say what to do ``instead``.

    Parameters
    ----------
    old : str
        The deprecated usage, e.g. ``"lifecycle_stages(..., explain=True)"``.
    instead : str
        What to write instead, e.g. ``"call explain_lifecycle(...) with the same arguments"``.
    stacklevel : int, default 3
        Passed to :func:`warnings.warn`; 3 points at the caller of the public function
        that calls this helper.
    """
    warnings.warn(
        f"{old} is deprecated since custvalue {DEPRECATED_IN} and will be removed in "
        f"{REMOVED_IN}; {instead}",
        FutureWarning,
        stacklevel=stacklevel,
    )
