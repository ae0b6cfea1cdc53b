"""The steps of :func:`custvalue.analyze` shared by the pandas and the Dask engines (private)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from ._choice import MODEL_NAMES
from ._schema import MEAN_REPEAT_SPEND, N_REPEAT
from .abc import abc_classes
from .exceptions import ConvergenceError, InsufficientDataError
from .pyramid import pyramid_tiers, value_matrix
from .rfm import rfm_scores, rfm_segments

__all__ = [
    "StepCallback",
    "choose",
    "expected_spend",
    "fit_model",
    "plain",
    "refit",
    "segments",
    "spend_usable",
    "steps",
]

StepCallback = Callable[[str, float], None]


def steps(on_step: StepCallback | None, timings: dict[str, float]) -> Callable[[str], Any]:
    """Make a context-manager factory timing one step and reporting it."""

    class _Step:
        def __init__(self, name: str) -> None:
            self.name = name

        def __enter__(self) -> None:
            self.t0 = time.perf_counter()

        def __exit__(self, *exc: object) -> None:
            dt = time.perf_counter() - self.t0
            timings[self.name] = timings.get(self.name, 0.0) + dt
            if on_step is not None and exc[0] is None:
                on_step(self.name, dt)

    return _Step


def fit_model(model_cls: type, table: pd.DataFrame) -> Any:
    return model_cls().fit(table)


def plain(v: Any) -> Any:
    if v is None or isinstance(v, bool | int | float | str):
        return v
    return str(v)


def choose(
    evaluation: pd.DataFrame | None, model: str, has_holdout: bool, failures: Mapping[str, str]
) -> tuple[str, dict[str, Any]]:
    """Return the model to use, and the facts of the choice (rendered in words by ``reason``)."""
    assert evaluation is not None
    if model != "auto":
        return model, {"criterion": "asked", "values": {}, "failed": list(failures)}
    crit = "mae" if has_holdout else "bic"
    best = str(evaluation[crit].idxmin())
    values = {str(k): float(v) for k, v in evaluation[crit].items()}
    return best, {"criterion": crit, "values": values, "failed": list(failures), "best": best}


def refit(
    table: pd.DataFrame,
    choice: str,
    detail: dict[str, Any],
    failures: dict[str, str],
    models: Mapping[str, type],
) -> tuple[Any, str]:
    """Refit the chosen model on the whole history.

    If it cannot be fitted there, refit the next best candidate (recorded in
    ``detail["refit_failed"]`` and ``failures``).
    """
    values = detail["values"]
    order = [choice, *sorted((k for k in values if k != choice), key=values.__getitem__)]
    for name in order:
        try:
            model = fit_model(models[name], table)
        except (InsufficientDataError, ConvergenceError) as err:
            failures[name] = f"on the whole history: {err}"
            detail.setdefault("refit_failed", []).append(name)
            continue
        return model, name
    reasons = "; ".join(f"{MODEL_NAMES[k]}: {failures[k]}" for k in order)
    raise InsufficientDataError(f"analyze: no purchase model could be fitted ({reasons})")


def segments(
    table: pd.DataFrame,
    hist: pd.Series,
    clv: pd.Series,
    has_amount: bool,
    rfm_scheme: str,
    *,
    has_clv: bool,
) -> dict[str, pd.Series]:
    """Return the segment columns (on Dask tables too: each function dispatches)."""
    out: dict[str, pd.Series] = {}
    if has_amount:
        out["abc_class"] = abc_classes(hist, negative="class_c")
    if has_amount:
        scores = rfm_scores(table, cell=True)
        out["rfm_score"] = scores["rfm_cell"]
        out["rfm_segment"] = rfm_segments(scores, scheme=rfm_scheme)
    if has_clv:
        out["pyramid_tier"] = pyramid_tiers(clv, negative="lowest")
        out["value_class"] = value_matrix(hist, clv)
    return out


def spend_usable(table: Any) -> Any:
    """Mark the repeat buyers with a positive mean repeat spend (pandas or Dask).

    Gamma-Gamma is fitted on them. Every other customer gets the model's population mean:
    without a repeat purchase the customer's own history says nothing about spend per repeat
    purchase, and a repeat spend that nets to zero or less (fully refunded) is outside the
    model.
    """
    return (table[N_REPEAT] > 0) & (table[MEAN_REPEAT_SPEND] > 0)


def expected_spend(gg: Any, table: pd.DataFrame) -> pd.Series:
    """Return every customer's expected spend per purchase (see :func:`spend_usable`)."""
    usable = spend_usable(table).to_numpy()
    spend = pd.Series(gg.mean_spend(), index=table.index, name="expected_spend", dtype="float64")
    if usable.any():
        spend[usable] = gg.expected_spend(table[usable])
    return spend
