"""RFM: recency, frequency and monetary scores, and rule-based segments.

Scores come from the customer table: R from ``time_since_last`` (reversed: the more recent
the last purchase, the higher the score), F from ``n_purchases``, M from ``total_spend``.
The common scheme and your own schemes are rules as data (:data:`COMMON_RULES`, or the
rules you pass), checked to map every score cell ``(r, f, m)`` to exactly one segment; the
Chinese 8-class scheme compares each score with the mean score of the customers given.
:data:`SCHEMES` lists the segments of the built-in schemes.

Scores come back as plain columns (nothing in ``DataFrame.attrs``): the cut points of a
population are :func:`rfm_thresholds`, and :func:`rfm_segments` takes ``n_bins`` as an
argument.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ._deprecation import keyword_only_after
from ._dispatch import dask_path
from ._rfm_rules import DIMS, fixed_scores, quantile_scores, score_arrays
from ._validation import (
    Checks,
    categorical,
    check_choice,
    check_frame,
    check_scalar,
    numeric_array,
)

__all__ = [
    "CN8_SEGMENTS",
    "COMMON_RULES",
    "COMMON_SEGMENTS",
    "SCHEMES",
    "check_rules",
    "rfm_scores",
    "rfm_segments",
    "rfm_thresholds",
]

_SCORE_COLS = ("r_score", "f_score", "m_score")


@dask_path("rfm_thresholds")
def rfm_thresholds(table: pd.DataFrame, *, n_bins: int = 5) -> dict[str, tuple[float, ...]]:
    """Cut points of the rank-based RFM scores of ``table``, reusable on other customers.

    ``rfm_scores(other, method="fixed", thresholds=rfm_thresholds(ref, n_bins=k),
    n_bins=k)`` scores ``other`` against the population ``ref``; on ``ref`` itself it gives
    exactly ``rfm_scores(ref, n_bins=k)``.

    Parameters
    ----------
    table : pandas.DataFrame
        Customer table (index = customer id), as :func:`custvalue.customer_table` builds it.
        Needs ``time_since_last``, ``n_purchases`` and ``total_spend`` (the reference
        population).
    n_bins : int, default 5
        Number of scores per dimension (>= 2): scores run 1..``n_bins``.

    Returns
    -------
    dict
        ``{"r": (...), "f": (...), "m": (...)}``, each ``n_bins - 1`` non-decreasing cut
        points. For F and M, lower edges ``t_1 <= ... <= t_{n_bins-1}`` with
        ``score = 1 + #{j: value >= t_j}``; for R, upper edges in time units with
        ``score = n_bins - #{j: time_since_last > t_j}``. ``inf`` / ``-inf`` mark scores
        that no customer of ``table`` reached.

    See Also
    --------
    rfm_scores : The scores, rank-based or against these cut points.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.rfm import rfm_thresholds
    >>> t = pd.DataFrame(
    ...     {"time_since_last": [1.0, 5.0, 5.0, 30.0],
    ...      "n_purchases": [6, 2, 1, 1],
    ...      "total_spend": [300.0, 80.0, 20.0, 10.0]},
    ...     index=["a", "b", "c", "d"])
    >>> rfm_thresholds(t, n_bins=4)
    {'r': (1.0, 1.0, 5.0), 'f': (2.0, 2.0, 6.0), 'm': (20.0, 80.0, 300.0)}
    """
    n, arrays = score_arrays(table, n_bins, "rfm_thresholds")
    return quantile_scores(arrays, n)[1]


def _fixed_cuts(thresholds: Mapping[str, Sequence[float]], n_bins: int) -> dict[str, np.ndarray]:
    """Validate user cut points (``n_bins - 1`` non-decreasing numbers per dimension)."""
    if not isinstance(thresholds, Mapping):
        raise TypeError(
            "thresholds must be a mapping {'r': [...], 'f': [...], 'm': [...]} "
            f"(e.g. from rfm_thresholds), got {type(thresholds).__name__}"
        )
    fixed: dict[str, np.ndarray] = {}
    for d, _ in DIMS:
        if d not in thresholds:
            raise ValueError(f"thresholds needs key {d!r} (keys: 'r', 'f', 'm')")
        t = np.asarray(thresholds[d], dtype="float64")
        if t.ndim != 1 or t.size != n_bins - 1:
            hint = f"; pass n_bins={t.size + 1} to use them" if t.ndim == 1 and t.size else ""
            raise ValueError(
                f"thresholds[{d!r}] needs n_bins - 1 = {n_bins - 1} cut points, got {t.size}{hint}"
            )
        if np.isnan(t).any() or np.any(t[1:] < t[:-1]):
            raise ValueError(f"thresholds[{d!r}] must be non-decreasing numbers, got {t}")
        fixed[d] = t
    return fixed


@keyword_only_after(1, "n_bins", "method", "thresholds", since="0.2")
@dask_path("rfm_scores")
def rfm_scores(
    table: pd.DataFrame,
    *,
    n_bins: int = 5,
    method: str = "quantile",
    thresholds: Mapping[str, Sequence[float]] | None = None,
    cell: bool = False,
) -> pd.DataFrame:
    """RFM scores 1..``n_bins`` from the customer table.

    ``method="quantile"`` (default) scores by percent rank: a customer's score is
    ``1 + min(floor(n_bins * below / (n - 1)), n_bins - 1)``, ``below`` being the number of
    customers with a strictly worse value (larger ``time_since_last`` for R, smaller
    ``n_purchases`` or ``total_spend`` for F and M). With distinct values this is the usual
    n_bins-tile split: the worst customer gets 1 and the best ``n_bins``. Equal values
    always get equal scores, the score of the lowest rank of their tie block: with heavy
    ties some scores stay empty rather than splitting the block arbitrarily (e.g. when most
    customers bought once, they all get F = 1 and the next purchase count jumps to a
    higher score); when everyone has the same value everyone gets 1. ``method="fixed"``
    scores against your own cut points, or those of a reference population from
    :func:`rfm_thresholds`.

    Values must be finite; ``time_since_last`` and ``n_purchases`` non-negative.
    ``total_spend`` may be zero or negative (e.g. net of refunds): it is ranked like any
    other value.

    Parameters
    ----------
    table : pandas.DataFrame
        Customer table (index = customer id), as :func:`custvalue.customer_table` builds it.
        Needs ``time_since_last``, ``n_purchases`` and ``total_spend``.
    n_bins : int, default 5
        Number of scores per dimension (>= 2): scores run 1..``n_bins``.
    method : {"quantile", "fixed"}
        Rank-based scores, or fixed cut points.
    thresholds : mapping, optional
        For ``method="fixed"``: ``{"r": [...], "f": [...], "m": [...]}``, each with
        ``n_bins - 1`` non-decreasing cut points, in the format of :func:`rfm_thresholds`.
    cell : bool, default False
        Add an ``rfm_cell`` string column such as ``"545"`` (``n_bins <= 9``).

    Returns
    -------
    pandas.DataFrame
        ``r_score``, ``f_score``, ``m_score`` (int64) on the customer index (and
        ``rfm_cell`` with ``cell=True``). Nothing is stored in ``attrs``.

    See Also
    --------
    rfm_thresholds : The cut points of the rank-based scores.
    rfm_segments : Named segments from the scores.

    Notes
    -----
    Up to 0.1 the result carried ``attrs["rfm"]`` with ``n_bins``, ``method`` and
    ``thresholds``. The first two are the arguments given; the cut points come from
    ``rfm_thresholds(table, n_bins=n_bins)`` (for ``method="fixed"``, they are the
    ``thresholds`` given). Pass the same ``n_bins`` to :func:`rfm_segments`.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import rfm_scores
    >>> t = pd.DataFrame(
    ...     {"time_since_last": [1.0, 5.0, 5.0, 30.0],
    ...      "n_purchases": [6, 2, 1, 1],
    ...      "total_spend": [300.0, 80.0, 20.0, 10.0]},
    ...     index=["a", "b", "c", "d"])
    >>> rfm_scores(t, n_bins=4, cell=True)
       r_score  f_score  m_score rfm_cell
    a        4        4        4      444
    b        2        3        3      233
    c        2        1        2      212
    d        1        1        1      111
    """
    check_choice("method", method, ("quantile", "fixed"))
    n_bins = int(check_scalar("n_bins", n_bins, minimum=2, integer=True))
    if cell and n_bins > 9:
        raise ValueError("cell=True needs n_bins <= 9 (one digit per score)")
    if method == "fixed":
        if thresholds is None:
            raise ValueError(
                "method='fixed' needs thresholds={'r': [...], 'f': [...], 'm': [...]} "
                "(e.g. rfm_thresholds(reference_table))"
            )
        fixed = _fixed_cuts(thresholds, n_bins)
    elif thresholds is not None:
        raise ValueError("thresholds are used only with method='fixed'")
    n_bins, arrays = score_arrays(table, n_bins, "rfm_scores")

    if method == "fixed":
        scores = {d: fixed_scores(arrays[d], fixed[d], d == "r", n_bins) for d, _ in DIMS}
    else:
        scores = quantile_scores(arrays, n_bins)[0]
    out = pd.DataFrame(
        {col: scores[d] for col, (d, _) in zip(_SCORE_COLS, DIMS, strict=True)},
        index=table.index,
    )
    if cell:
        code = scores["r"] * 100 + scores["f"] * 10 + scores["m"]
        out["rfm_cell"] = pd.array(code.astype(str), dtype="str")
    return out


# --------------------------------------------------------------------------- schemes
COMMON_SEGMENTS: tuple[str, ...] = (
    "champions",
    "loyal",
    "potential_loyalist",
    "new",
    "promising",
    "need_attention",
    "about_to_sleep",
    "at_risk",
    "cant_lose_them",
    "hibernating",
    "lost",
)

# The common named scheme on R (1-5) and FM = round-half-up((F + M) / 2) (1-5). Source:
# the widely circulated R x FM segment table, reproduced by many CRM tools' guides (e.g.
# the churned.io documentation, "RFM-Model", for champions, loyal, potential loyalist, new,
# need attention, at risk, hibernating and lost); its 11-segment form reads:
#   champions R4-5 FM4-5, loyal R2-5 FM3-5, potential loyalist R3-5 FM1-3, new R4-5 FM<=1,
#   promising R3-4 FM<=1, need attention R2-3 FM2-3, about to sleep R2-3 FM<=2,
#   at risk R<=2 FM2-5, can't lose them R<=1 FM4-5, hibernating R1-2 FM1-2, lost R<=2 FM<=2.
# Those ranges overlap; here each of the 25 (R, FM) cells is given to one segment whose
# published range contains it, keeping every segment non-empty:
#   R\FM  1               2                   3               4               5
#   5     new             potential_loyalist  loyal           champions       champions
#   4     promising       potential_loyalist  loyal           champions       champions
#   3     about_to_sleep  need_attention      need_attention  loyal           loyal
#   2     hibernating     hibernating         at_risk         at_risk         at_risk
#   1     lost            lost                at_risk         cant_lose_them  cant_lose_them
COMMON_RULES: tuple[tuple[str, tuple[int, int], tuple[int, int]], ...] = (
    ("champions", (4, 5), (4, 5)),
    ("loyal", (4, 5), (3, 3)),
    ("loyal", (3, 3), (4, 5)),
    ("potential_loyalist", (4, 5), (2, 2)),
    ("new", (5, 5), (1, 1)),
    ("promising", (4, 4), (1, 1)),
    ("need_attention", (3, 3), (2, 3)),
    ("about_to_sleep", (3, 3), (1, 1)),
    ("at_risk", (2, 2), (3, 5)),
    ("at_risk", (1, 1), (3, 3)),
    ("cant_lose_them", (1, 1), (4, 5)),
    ("hibernating", (2, 2), (1, 2)),
    ("lost", (1, 1), (1, 2)),
)
"""Rules of the common scheme: ``(segment, (r_min, r_max), (fm_min, fm_max))``, 5 scores."""

CN8_SEGMENTS: tuple[str, ...] = (
    "important_value",
    "important_development",
    "important_retention",
    "important_winback",
    "general_value",
    "general_development",
    "general_retention",
    "general_winback",
)
"""The Chinese 8-class scheme. M high = important (重要), M low = general (一般); then
R high & F high = value (价值), R high & F low = development (发展), R low & F high =
retention (保持), R low & F low = win-back (挽留). R high means a recent last purchase."""

# (r_high, f_high, m_high) -> segment
_CN8_MAP: dict[tuple[bool, bool, bool], str] = {
    (True, True, True): "important_value",
    (True, False, True): "important_development",
    (False, True, True): "important_retention",
    (False, False, True): "important_winback",
    (True, True, False): "general_value",
    (True, False, False): "general_development",
    (False, True, False): "general_retention",
    (False, False, False): "general_winback",
}

SCHEMES = MappingProxyType({"common": COMMON_SEGMENTS, "cn8": CN8_SEGMENTS})
"""Built-in schemes and their segment codes, in category order."""

_RULE_COLS = ("r", "f", "m", "fm")


def _rules_frame(rules: Any) -> pd.DataFrame:
    """Normalise user rules to a frame: segment, and <dim>_min/<dim>_max for r, f, m, fm."""
    if isinstance(rules, pd.DataFrame):
        frame = rules.copy()
        if "segment" not in frame.columns:
            raise ValueError("rules DataFrame needs a 'segment' column")
    else:
        rows = []
        for rule in rules:
            if not isinstance(rule, tuple | list) or len(rule) != 4:
                raise ValueError(
                    "each rule must be (segment, (r_min, r_max), (f_min, f_max), "
                    f"(m_min, m_max)); got {rule!r}"
                )
            name, *ranges = rule
            row: dict[str, Any] = {"segment": name}
            for d, rng in zip(("r", "f", "m"), ranges, strict=True):
                lo, hi = rng
                row[f"{d}_min"], row[f"{d}_max"] = lo, hi
            rows.append(row)
        frame = pd.DataFrame(rows)
    known = {"segment"} | {f"{d}_{e}" for d in _RULE_COLS for e in ("min", "max")}
    unknown = sorted(set(frame.columns) - known)
    if unknown:
        raise ValueError(f"unknown rule columns {unknown}; allowed: {sorted(known)}")
    if len(frame) == 0:
        raise ValueError("rules are empty")
    return frame


def _cells(n_bins: int) -> dict[str, np.ndarray]:
    g = np.arange(1, n_bins + 1)
    r, f, m = (a.ravel() for a in np.meshgrid(g, g, g, indexing="ij"))
    return {"r": r, "f": f, "m": m, "fm": (f + m + 1) // 2}


def _lookup(frame: pd.DataFrame, n_bins: int) -> tuple[np.ndarray, list[str]]:
    """Map every (r, f, m) cell to a segment code; raise on overlaps and gaps."""
    cells = _cells(n_bins)
    names = list(dict.fromkeys(str(s) for s in frame["segment"]))
    member = np.ones((len(frame), n_bins**3), dtype=bool)
    for d in _RULE_COLS:
        for edge, op in (("min", np.greater_equal), ("max", np.less_equal)):
            col = f"{d}_{edge}"
            if col in frame.columns:
                bound = pd.to_numeric(frame[col]).to_numpy(dtype="float64", na_value=np.nan)
                bound = np.where(np.isnan(bound), -np.inf if edge == "min" else np.inf, bound)
                member &= op(cells[d][None, :], bound[:, None])
    seg = np.array([names.index(str(s)) for s in frame["segment"]])
    # several rules of one segment may cover a cell: count distinct segments per cell
    per_seg = np.zeros((len(names), n_bins**3), dtype=bool)
    np.logical_or.at(per_seg, seg, member)
    count = per_seg.sum(axis=0)
    problems = []
    for label, mask in (("no segment", count == 0), ("several segments", count > 1)):
        if mask.any():
            idx = np.flatnonzero(mask)
            shown = ", ".join(
                f"({cells['r'][i]},{cells['f'][i]},{cells['m'][i]})"
                + (
                    ""
                    if label == "no segment"
                    else ":" + "/".join(names[k] for k in np.flatnonzero(per_seg[:, i]))
                )
                for i in idx[:10]
            )
            problems.append(f"{mask.sum()} cell(s) (r,f,m) with {label}: {shown}")
    if problems:
        raise ValueError(
            "segment rules must map every score cell to exactly one segment; " + "; ".join(problems)
        )
    lut = np.argmax(per_seg, axis=0).reshape(n_bins, n_bins, n_bins)
    return lut, names


@keyword_only_after(1, "n_bins", since="0.2")
def check_rules(rules: Sequence[Any] | pd.DataFrame, *, n_bins: int = 5) -> list[str]:
    """Check that segment rules cover every score cell exactly once.

    Parameters
    ----------
    rules : sequence of tuples or pandas.DataFrame
        ``(segment, (r_min, r_max), (f_min, f_max), (m_min, m_max))`` per rule (ranges
        inclusive), or a DataFrame with a ``segment`` column and any of ``r_min``,
        ``r_max``, ``f_min``, ``f_max``, ``m_min``, ``m_max``, ``fm_min``, ``fm_max``
        (missing or NaN bounds are open; ``fm = round-half-up((f + m) / 2)``). A segment
        may have several rules (their union).
    n_bins : int, default 5
        Number of scores per dimension (>= 2): scores run 1..``n_bins``.

    Returns
    -------
    list of str
        Segment names in category order (order of first appearance).

    Raises
    ------
    ValueError
        Listing the cells covered by no segment or by several.

    Examples
    --------
    >>> from custvalue.rfm import check_rules
    >>> rules = [("best", (2, 2), (1, 2), (1, 2)), ("rest", (1, 1), (1, 2), (1, 2))]
    >>> check_rules(rules, n_bins=2)
    ['best', 'rest']
    """
    n_bins = int(check_scalar("n_bins", n_bins, minimum=2, integer=True))
    _, names = _lookup(_rules_frame(rules), n_bins)
    return names


def _common_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"segment": s, "r_min": r[0], "r_max": r[1], "fm_min": fm[0], "fm_max": fm[1]}
            for s, r, fm in COMMON_RULES
        ]
    )


@keyword_only_after(1, "scheme", since="0.2")
@dask_path("rfm_segments")
def rfm_segments(
    scores: pd.DataFrame,
    *,
    scheme: str | Sequence[Any] | pd.DataFrame = "common",
    n_bins: int = 5,
) -> pd.Series:
    """Named RFM segment of every customer from its scores.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`rfm_scores` (``r_score``, ``f_score``, ``m_score``, 1..n_bins).
    scheme : {"common", "cn8"} or rules
        ``"common"``: the 11 named segments of the widely used R x FM table
        (:data:`COMMON_RULES`; needs 5 scores). ``"cn8"``: the Chinese 8-class scheme;
        each of R, F, M is *high* when the customer's score is strictly above the mean score
        of the customers given, else *low* (scores, not raw values, are compared, so R is
        already reversed: high R = recent); see :data:`CN8_SEGMENTS` for the mapping.
        Or your own rules as data (see :func:`check_rules`); rules that overlap or leave
        a cell uncovered raise ValueError listing the cells.
    n_bins : int, default 5
        Number of scores per dimension (>= 2): scores run 1..``n_bins``.
        Pass the ``n_bins`` given to :func:`rfm_scores`: only the range is checked
        (a score above ``n_bins`` raises), so scores computed with fewer bins
        cannot be told apart.

    Returns
    -------
    pandas.Series
        Ordered categorical ``rfm_segment`` on the customer index, every segment of the
        scheme in its categories.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import rfm_segments
    >>> s = pd.DataFrame({"r_score": [5, 5, 1, 2], "f_score": [5, 1, 5, 1],
    ...                   "m_score": [4, 1, 5, 2]}, index=list("abcd"))
    >>> rfm_segments(s).tolist()
    ['champions', 'new', 'cant_lose_them', 'hibernating']
    >>> rfm_segments(s, scheme="cn8").tolist()
    ['important_value', 'general_development', 'important_retention', 'general_winback']
    """
    check_frame(scores, "rfm_segments: scores", "the DataFrame returned by rfm_scores")
    n_bins = int(check_scalar("n_bins", n_bins, minimum=2, integer=True))
    checks = Checks("rfm_segments: scores", ids=scores.index)
    missing = [c for c in _SCORE_COLS if c not in scores.columns]
    if missing:
        checks.add(None, f"missing column(s) {missing}; compute them with rfm_scores", 1)
        checks.raise_if_failed()
    if len(scores) == 0:
        checks.add(None, "no customers", 0)
        checks.raise_if_failed()
    arr = {c: numeric_array(scores[c], c, checks) for c in _SCORE_COLS}
    for c, a in arr.items():
        with np.errstate(invalid="ignore"):
            checks.rows(
                (a < 1) | (a > n_bins) | (a != np.floor(a)), c, f"scores outside 1..{n_bins}"
            )
    checks.raise_if_failed()
    r, f, m = (arr[c].astype("int64") for c in _SCORE_COLS)

    if isinstance(scheme, str):
        check_choice("scheme", scheme, tuple(SCHEMES))
        if scheme == "common":
            if n_bins != 5:
                raise ValueError("the common scheme is defined on scores 1..5 (n_bins=5)")
            lut, names = _lookup(_common_frame(), 5)
            codes = lut[r - 1, f - 1, m - 1]
        else:
            names = list(CN8_SEGMENTS)
            # high = strictly above the mean score of the customers given
            hr, hf, hm = ((a > a.mean()).astype("int64") for a in (r, f, m))
            table = np.zeros((2, 2, 2), dtype="int64")
            for (i, j, k), seg in _CN8_MAP.items():
                table[int(i), int(j), int(k)] = names.index(seg)
            codes = table[hr, hf, hm]
    else:
        lut, names = _lookup(_rules_frame(scheme), n_bins)
        codes = lut[r - 1, f - 1, m - 1]
    return categorical(codes, names, scores.index, "rfm_segment")
