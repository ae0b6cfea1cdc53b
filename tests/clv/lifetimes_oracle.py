"""lifetimes as a test-only oracle: imported and run with its own warnings silenced.

lifetimes 0.11.3 predates pandas 3 and NumPy 2 and warns on import and use; those warnings are
not ours (our code runs with warnings as errors).
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest


def lifetimes_module() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pytest.importorskip("lifetimes")


def quiet(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` with every warning silenced (for lifetimes calls only)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)
