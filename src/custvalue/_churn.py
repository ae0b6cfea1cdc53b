"""The decision of full and partial churn (private; :mod:`custvalue.churn` is the shell).

:func:`churn_args` validates the arguments, :func:`read_churn_history` reads the purchase
history with its product lines, :func:`churn_frame` applies the rules of
:func:`custvalue.churn_status` to a history (the whole one, or one Dask partition's with the
population rhythm of all customers given in ticks).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._population import Rhythm, purchase_rhythm
from ._read import ReadOptions, read_options
from ._rhythm import Center, History, gap_center, history_lines, read_history
from ._validation import Checks, categorical, check_aligned, check_choice, check_scalar

__all__ = ["STATUSES", "ChurnArgs", "churn_args", "churn_frame", "read_churn_history"]

STATUSES: tuple[str, ...] = ("active", "partial_churn", "churned")
"""The churn status codes in order (public as :data:`custvalue.churn.CHURN_STATUSES`)."""


@dataclass(frozen=True)
class ChurnArgs:
    """The validated arguments of churn_status (durations still in time units)."""

    opts: ReadOptions
    product_col: Any
    observation_end: Any
    rhythm: Center
    min_gaps: int
    population_gap: float | None
    churn_factor: float
    window: float | None
    min_line: int
    alive_threshold: float

    @property
    def needs_population(self) -> bool:
        """Tell whether the rules use the population rhythm (else no global statistic)."""
        return self.window is None and self.population_gap is None


def churn_args(
    *,
    product_col: Any,
    observation_end: Any,
    rhythm: Center,
    min_gaps: int,
    population_gap: float | None,
    churn_factor: float,
    window: float | None,
    min_line_purchases: int,
    alive_threshold: float,
    options: Mapping[str, Any],
    func: Any,
) -> ChurnArgs:
    """Validate the arguments of churn_status (everything but the data)."""
    opts = read_options(options, func)
    check_choice("rhythm", rhythm, ("median", "mean"))
    min_gaps = int(check_scalar("min_gaps", min_gaps, minimum=1, integer=True))
    min_line = int(check_scalar("min_line_purchases", min_line_purchases, minimum=1, integer=True))
    churn_factor = check_scalar("churn_factor", churn_factor, minimum=0, strict=True)
    alive_threshold = check_scalar("alive_threshold", alive_threshold, minimum=0, maximum=1)
    if window is not None:
        window = check_scalar("window", window, minimum=0, strict=True)
    if population_gap is not None:
        population_gap = check_scalar("population_gap", population_gap, minimum=0, strict=True)
    return ChurnArgs(
        opts=opts,
        product_col=product_col,
        observation_end=observation_end,
        rhythm=rhythm,
        min_gaps=min_gaps,
        population_gap=population_gap,
        churn_factor=churn_factor,
        window=window,
        min_line=min_line,
        alive_threshold=alive_threshold,
    )


def read_churn_history(
    transactions: object, a: ChurnArgs, *, observation_end: Any = None, report: bool = False
) -> History:
    """Read the purchase history with its product lines (``observation_end`` overrides a's)."""
    return read_history(
        transactions,
        "churn_status",
        product_col=a.product_col,
        need_spend=False,
        observation_end=a.observation_end if observation_end is None else observation_end,
        opts=a.opts,
        report=report,
    )


def churn_frame(
    p: History,
    a: ChurnArgs,
    *,
    p_alive: pd.Series | None = None,
    population_ticks: float | None = None,
) -> pd.DataFrame:
    """Apply the rules of churn_status to the history ``p`` (read with product lines).

    ``population_ticks``: the population rhythm of the whole history, in ticks, when ``p``
    is a part of it (see :func:`custvalue._stages.decide`).
    """
    what = "churn_status"
    rhythm, min_gaps, churn_factor, min_line = a.rhythm, a.min_gaps, a.churn_factor, a.min_line
    population_gap, window, alive_threshold = a.population_gap, a.window, a.alive_threshold
    if population_ticks is not None:
        population_gap = population_ticks
    elif population_gap is not None:
        population_gap /= p.tick
    if window is not None:
        window /= p.tick
    n_cust = len(p.ids)
    since = np.subtract(p.end_tick, p.last_period, dtype=np.float64)
    rh: Rhythm | None = None
    if p_alive is not None:
        checks = Checks(f"{what}: p_alive", ids=p.ids)
        alive = check_aligned(p_alive, p.ids, "p_alive", checks, minimum=0, maximum=1)
        checks.raise_if_failed()
        assert alive is not None
        churned = alive < alive_threshold
    elif window is not None:
        churned = since >= window
    else:
        rh = purchase_rhythm(p, rhythm, min_gaps, population_gap, prior=False)
        churned = since > churn_factor * rh.rhythm

    # (customer, line) pairs, each pair's periods one run, oldest first: only for the
    # customers who can have dropped a line (not churned, enough purchase periods)
    lines = history_lines(p, ~churned & (p.n >= min_line))
    pair_cust, pair_n = lines.cust, lines.n
    pair_since = lines.age(lines.start + pair_n - 1)
    if window is not None:
        before = (lines.age() >= window).view(np.uint8)
        used = np.add.reduceat(before, lines.start, dtype=np.int64) >= min_line
        dropped = used & (pair_since >= window)
        dropped &= ~churned[pair_cust]
    else:
        if rh is None:
            rh = purchase_rhythm(p, rhythm, min_gaps, population_gap, prior=False)
        # only the lines a customer still counts as used, of customers not churned, can be
        # dropped: their own line rhythm is measured, nobody else's
        cand = pair_n >= min_line
        cand &= ~churned[pair_cust]
        ci = np.flatnonzero(cand)
        dropped = np.zeros(pair_n.size, dtype=bool)
        if ci.size:
            line_r = gap_center(lines.period, lines.start, pair_n, rhythm, select=cand)
            no_gap = pair_n[ci] == 1  # the customer's rhythm for a line bought once
            line_r[no_gap] = rh.rhythm[pair_cust[ci[no_gap]]]
            dropped[ci] = pair_since[ci] > churn_factor * line_r
    d_cust = pair_cust[dropped]
    n_dropped = np.bincount(d_cust, minlength=n_cust)

    codes = np.zeros(n_cust, dtype=np.int8)
    codes[n_dropped > 0] = 1
    codes[churned] = 2
    status = categorical(codes, STATUSES, p.ids, "churn_status")
    return pd.DataFrame(
        {
            "churn_status": status,
            "dropped_lines": _dropped_lines(d_cust, lines.line[dropped], lines.labels, n_cust),
            "n_dropped_lines": n_dropped.astype(np.int64),
        },
        index=p.ids,
        copy=False,  # the columns are new arrays, owned by the frame from here on
    )


def _dropped_lines(
    d_cust: np.ndarray, d_line: np.ndarray, labels: pd.Index, n_cust: int
) -> np.ndarray:
    """One tuple of dropped lines per customer (sorted; empty when none), as objects.

    ``d_cust`` and ``d_line`` list the dropped (customer, line) pairs sorted by customer,
    then line. With few lines each customer's set is a bit mask and each distinct mask is
    turned into a tuple once (up to 16 lines); otherwise the sorted lines are cut at the
    customer bounds.
    """
    listed = np.empty(n_cust, dtype=object)
    listed.fill(())  # one shared empty tuple (immutable), 20x faster than a list of them
    if not d_cust.size:
        return listed
    names = np.asarray(labels, dtype=object)
    bounds = np.flatnonzero(d_cust[1:] != d_cust[:-1]) + 1
    owners = d_cust[np.concatenate([[0], bounds])]
    n_lines = len(labels)
    if n_lines <= 16:
        bits = np.zeros(n_cust, dtype=np.int64)
        np.bitwise_or.at(bits, d_cust, np.left_shift(1, d_line))
        masks = bits[owners]
        table = np.empty(1 << n_lines, dtype=object)
        seen = np.flatnonzero(np.bincount(masks, minlength=1 << n_lines))
        table[seen] = [tuple(names[[b for b in range(n_lines) if m >> b & 1]]) for m in seen]
        listed[owners] = table[masks]
    else:
        listed[owners] = list(map(tuple, np.split(names[d_line], bounds)))
    return listed
