"""The decision of the lifecycle stages and the numbers behind it (private).

:func:`decide_stages` reads the transactions through the one reader, finds each customer's
rhythm (:mod:`._rhythm`) and decides the stages; :func:`explained` lays out every number
that decided them. :mod:`custvalue.lifecycle` is the public shell (arguments, docs).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._population import Rhythm, purchase_rhythm
from ._read import ReadOptions, read_options
from ._rhythm import Center, History, read_history, window_pair, window_sums
from ._validation import Checks, categorical, check_aligned, check_choice, check_scalar

__all__ = [
    "STAGES",
    "StageArgs",
    "Stages",
    "decide",
    "decide_stages",
    "explained",
    "prospect_ids_of",
    "read_stage_history",
    "stage_args",
]

STAGES: tuple[str, ...] = (
    "prospect",
    "new",
    "growing",
    "mature",
    "declining",
    "churned",
    "reactivated",
)
"""The stage codes in order (public as :data:`custvalue.lifecycle.STAGES`)."""


@dataclass(frozen=True)
class Stages:
    """The stages and every number that decided them (buyers first, then prospects)."""

    stages: pd.Series
    history: History
    rhythm: Rhythm
    window: np.ndarray
    since: np.ndarray
    tenure: np.ndarray
    recent: np.ndarray
    earlier: np.ndarray
    model: dict[str, np.ndarray]
    n_prospects: int


def prospect_ids_of(prospects: Iterable[Any] | None, ids: pd.Index, what: str) -> pd.Index:
    """Prospect ids without purchases, in the order given."""
    if prospects is None:
        return ids[:0]
    given = pd.Index(list(prospects) if not isinstance(prospects, pd.Index) else prospects)
    checks = Checks(f"{what}: prospects", ids=given)
    checks.rows(np.asarray(given.isna()), "prospects", "missing ids")
    checks.rows(np.asarray(given.duplicated()), "prospects", "duplicate ids")
    checks.raise_if_failed()
    return given[~given.isin(ids)]


@dataclass(frozen=True)
class StageArgs:
    """The validated arguments of lifecycle_stages (durations still in time units)."""

    what: str
    opts: ReadOptions
    observation_end: Any
    method: str
    rhythm: Center
    min_gaps: int
    population_gap: float | None
    churn_factor: float
    window: float | None
    window_factor: float
    trend_on: str
    trend_ratio: float
    alive_threshold: float
    horizon: float | None


def stage_args(
    what: str,
    *,
    observation_end: Any,
    method: str,
    rhythm: Center,
    min_gaps: int,
    population_gap: float | None,
    churn_factor: float,
    window: float | None,
    window_factor: float,
    trend_on: str,
    trend_ratio: float,
    p_alive: Any,
    alive_threshold: float,
    expected_purchases: Any,
    horizon: float | None,
    options: Mapping[str, Any],
    func: Any,
) -> StageArgs:
    """Validate the arguments of lifecycle_stages (everything but the data)."""
    opts = read_options(options, func)
    check_choice("method", method, ("rhythm", "model"))
    check_choice("rhythm", rhythm, ("median", "mean"))
    check_choice("trend_on", trend_on, ("purchases", "spend"))
    min_gaps = int(check_scalar("min_gaps", min_gaps, minimum=1, integer=True))
    churn_factor = check_scalar("churn_factor", churn_factor, minimum=0, strict=True)
    window_factor = check_scalar("window_factor", window_factor, minimum=0, strict=True)
    trend_ratio = check_scalar("trend_ratio", trend_ratio, minimum=1)
    alive_threshold = check_scalar("alive_threshold", alive_threshold, minimum=0, maximum=1)
    if window is not None:
        window = check_scalar("window", window, minimum=0, strict=True)
    if population_gap is not None:
        population_gap = check_scalar("population_gap", population_gap, minimum=0, strict=True)
    if trend_on == "spend" and not opts.has_amount:
        raise ValueError("trend_on='spend' needs amount_col (or quantity_col and price_col)")
    if method == "model" and p_alive is None:
        raise ValueError("method='model' needs p_alive (a Series of P(alive) per customer)")
    if method == "rhythm" and (p_alive is not None or expected_purchases is not None):
        raise ValueError("p_alive / expected_purchases are used only with method='model'")
    if expected_purchases is not None:
        if horizon is None:
            raise ValueError("expected_purchases needs horizon (its length, in time_unit)")
        horizon = check_scalar("horizon", horizon, minimum=0, strict=True)
    else:
        horizon = None  # used only with expected_purchases
    return StageArgs(
        what=what,
        opts=opts,
        observation_end=observation_end,
        method=method,
        rhythm=rhythm,
        min_gaps=min_gaps,
        population_gap=population_gap,
        churn_factor=churn_factor,
        window=window,
        window_factor=window_factor,
        trend_on=trend_on,
        trend_ratio=trend_ratio,
        alive_threshold=alive_threshold,
        horizon=horizon,
    )


def read_stage_history(
    transactions: object, a: StageArgs, *, observation_end: Any = None, report: bool = False
) -> History:
    """Read the purchase history the stages need (``observation_end`` overrides a's)."""
    return read_history(
        transactions,
        a.what,
        product_col=None,
        need_spend=a.trend_on == "spend",
        observation_end=a.observation_end if observation_end is None else observation_end,
        opts=a.opts,
        report=report,
    )


def decide_stages(
    transactions: object,
    what: str,
    *,
    prospects: Iterable[Any] | None,
    p_alive: pd.Series | None,
    expected_purchases: pd.Series | None,
    report: bool = False,
    **kwargs: Any,
) -> Stages:
    """Validate the arguments, read the history and apply the rules of lifecycle_stages."""
    a = stage_args(what, p_alive=p_alive, expected_purchases=expected_purchases, **kwargs)
    p = read_stage_history(transactions, a, report=report)
    return decide(p, a, prospects=prospects, p_alive=p_alive, expected_purchases=expected_purchases)


def decide(
    p: History,
    a: StageArgs,
    *,
    prospects: Iterable[Any] | None = None,
    p_alive: pd.Series | None = None,
    expected_purchases: pd.Series | None = None,
    population_ticks: float | None = None,
) -> Stages:
    """Apply the rules of lifecycle_stages to the history ``p``.

    ``population_ticks`` is the population rhythm in ticks, found on the whole history
    when ``p`` is a part of it (:mod:`custvalue._population`); it replaces both the one
    ``p`` would give and ``population_gap`` (a whole-history rhythm is passed in ticks,
    never through time units).
    """
    what = a.what
    n_cust = len(p.ids)
    model: dict[str, np.ndarray] = {}
    if a.method == "model":  # the model's Series cover exactly the buyers (checked first)
        checks = Checks(f"{what}: model inputs", ids=p.ids)
        alive = check_aligned(p_alive, p.ids, "p_alive", checks, minimum=0, maximum=1)
        expected = None
        if expected_purchases is not None:
            expected = check_aligned(
                expected_purchases, p.ids, "expected_purchases", checks, minimum=0
            )
        checks.raise_if_failed()
        assert alive is not None
        model["p_alive"] = alive
        if expected is not None:
            model["expected"] = expected
    prospect_ids = prospect_ids_of(prospects, p.ids, what)
    # internal durations are in ticks (see custvalue._rhythm); arguments come in time units
    population_gap, window, horizon = a.population_gap, a.window, a.horizon
    if population_ticks is not None:
        population_gap = population_ticks
    elif population_gap is not None:
        population_gap /= p.tick
    if window is not None:
        window /= p.tick
    if horizon is not None:
        horizon /= p.tick
    churn_factor, window_factor, trend_ratio = a.churn_factor, a.window_factor, a.trend_ratio
    rh = purchase_rhythm(p, a.rhythm, a.min_gaps, population_gap)
    since = np.subtract(p.end_tick, p.last_period, dtype=np.float64)
    tenure = np.subtract(p.end_tick, p.first_period, dtype=np.float64)
    w = np.full(n_cust, window) if window is not None else window_factor * rh.rhythm
    weights = p.spend if a.trend_on == "spend" else None
    recent, earlier = window_pair(p, w, weights)

    if a.method == "model":
        churned = model["p_alive"] < a.alive_threshold
    else:
        churned = since > churn_factor * rh.rhythm
    trend_now, trend_before = recent, earlier
    if "expected" in model:
        assert horizon is not None
        hz = np.full(n_cust, horizon)
        observed = window_sums(p, hz, None, None)
        trend_now, trend_before = model["expected"], observed
        model["observed"] = observed

    with np.errstate(invalid="ignore"):
        reactivated = (p.n >= 2) & (rh.last_gap > churn_factor * rh.prior)
    w_pop = window if window is not None else window_factor * rh.population
    new = tenure < 2 * np.minimum(w, w_pop)
    # a trend needs both comparison windows inside the customer's history
    judged = tenure >= (horizon if "expected" in model else 2 * w)
    # counts differ by whole purchases; an expected count must differ by at least one too,
    # so that 0.1 expected purchases after none observed is not "growth"
    step = 1.0 if "expected" in model else 0.0
    growing = (
        judged
        & (trend_now > trend_before)
        & (trend_now - trend_before >= step)
        & (trend_now >= trend_ratio * trend_before)
    )
    declining = (
        judged
        & (trend_now < trend_before)
        & (trend_before - trend_now >= step)
        & (trend_before >= trend_ratio * trend_now)
    )

    idx = {s: i for i, s in enumerate(STAGES)}
    code = np.full(n_cust, idx["mature"], dtype=np.int8)
    # assign in reverse priority so that the earlier rules win
    for rule, stage in (
        (declining, "declining"),
        (growing, "growing"),
        (new, "new"),
        (reactivated, "reactivated"),
        (churned, "churned"),
    ):
        np.putmask(code, rule, idx[stage])

    n_pro = len(prospect_ids)
    index = p.ids.append(prospect_ids) if n_pro else p.ids
    index.name = p.ids.name
    all_codes = np.concatenate([code, np.full(n_pro, idx["prospect"], dtype=np.int8)])
    return Stages(
        stages=categorical(all_codes, STAGES, index, "lifecycle_stage"),
        history=p,
        rhythm=rh,
        window=w,
        since=since,
        tenure=tenure,
        recent=recent,
        earlier=earlier,
        model=model,
        n_prospects=n_pro,
    )


def explained(s: Stages) -> pd.DataFrame:
    """Build explain_lifecycle's frame from a decision."""
    p, rh, n_pro = s.history, s.rhythm, s.n_prospects

    def pad(a: np.ndarray, scale: float = 1.0) -> np.ndarray:
        return np.concatenate([a.astype(np.float64) * scale, np.full(n_pro, np.nan)])

    source = np.where(rh.own, "own", "population").astype(object)
    cols: dict[str, Any] = {
        "lifecycle_stage": s.stages,
        "rhythm": pad(rh.rhythm, p.tick),
        "rhythm_source": np.concatenate([source, np.full(n_pro, None, dtype=object)]),
        "window": pad(s.window, p.tick),
        "time_since_last": pad(s.since, p.tick),
        "tenure": pad(s.tenure, p.tick),
        "last_gap": pad(rh.last_gap, p.tick),
        "prior_rhythm": pad(np.where(p.n >= 2, rh.prior, np.nan), p.tick),
        "recent": pad(s.recent),
        "earlier": pad(s.earlier),
    }
    cols.update({k: pad(v) for k, v in s.model.items()})
    return pd.DataFrame(cols, index=s.stages.index, copy=False)  # new arrays: not copied
