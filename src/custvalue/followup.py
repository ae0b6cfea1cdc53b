"""The sales follow-up planner: when each account is due, and the load per salesperson.

A common sales follow-up cadence for accounts at intent stages 0-4 and signed customers
(E), the one-week first-contact rule for newly assigned accounts, and the suggested list
sizes per salesperson (the domain guide, ``docs/domain.md``, explains them). The input is
an accounts table (owner, intent stage, contact dates), not transactions.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ._calendar import unit_seconds
from ._deprecation import warn_usage
from ._validation import (
    Checks,
    categorical,
    check_choice,
    check_columns,
    check_frame,
    check_scalar,
)
from .exceptions import DataValidationError

__all__ = [
    "DEFAULT_CADENCE",
    "DEFAULT_LIST_SIZES",
    "INTENT_STAGES",
    "LOAD_BANDS",
    "NEW_ACCOUNT_DAYS",
    "followup_load",
    "followup_plan",
]

INTENT_STAGES: tuple[str, ...] = ("0", "1", "2", "3", "4", "E")
"""Sales intent stages (0 = does not refuse ... 4 = decided; E = signed customer)."""

DEFAULT_CADENCE: Mapping[str, float] = MappingProxyType(
    {"0": 15.0, "1": 7.0, "2": 7.0, "3": 3.0, "4": 3.0, "E": 15.0}
)
"""Maximum days between contacts per intent stage.

The common cadence (see the domain guide): stage 0 at least once in 15 days
(15天最少联系一次), stages 1 and 2 about once a week (7天左右联系一次), stages 3 and 4 within
3 days (3天以内联系一次), and signed customers E at least twice a month (1个月联系至少2次),
i.e. every 15 days. Summaries sometimes write the bands "0-1", "1-2" and "3-4", which puts
stage 1 in two bands; custvalue groups stage 1 with stage 2 (7 days, the stricter reading).
"""

LOAD_BANDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"0": ("0",), "1-2": ("1", "2"), "3-4": ("3", "4"), "E": ("E",)}
)
"""Intent-stage bands of the suggested list sizes (客户类别及分配)."""

DEFAULT_LIST_SIZES: Mapping[str, int | None] = MappingProxyType(
    {"0": 20, "1-2": 40, "3-4": 10, "E": None}
)
"""Suggested accounts per salesperson and band (~20 at stage 0, ~40 at stages 1-2, 10 at
stages 3-4, like an A-grade list); signed customers (E) have no suggested size, so None (not
checked)."""

NEW_ACCOUNT_DAYS = 7.0
"""A newly assigned account must be contacted within a week of its assignment
(业务员负责的新客户, 应在一周内与客户进行沟通)."""

_DAY_NS = unit_seconds("D") * 1_000_000_000
_BAND_NAMES: tuple[str, ...] = tuple(LOAD_BANDS)
# band code of each intent stage code (every stage is in exactly one band)
_BAND_OF_STAGE = np.array(
    [
        next(b for b, members in enumerate(LOAD_BANDS.values()) if s in members)
        for s in INTENT_STAGES
    ]
)


def _time_nanos(
    ts: pd.Series, column: str, observation_end: Any, checks: Checks, *, missing_ok: bool = False
) -> tuple[np.ndarray, np.ndarray, int | None]:
    """Wall-clock nanoseconds of a datetime column (in its own time zone) and of the end.

    Returns the nanoseconds, the missing mask and the end (None when not given).
    """
    if not pd.api.types.is_datetime64_any_dtype(ts.dtype):
        raise TypeError(
            f"column {column!r} must hold datetimes (datetime64, naive or tz-aware, NumPy or "
            f"Arrow), got dtype {ts.dtype}; convert with pandas.to_datetime(..., format=...)"
        )
    missing = ts.isna().to_numpy(dtype=bool)
    if not missing_ok:
        checks.rows(missing, column, "missing timestamps")
    tz = getattr(ts.dt, "tz", None)
    if tz is not None:
        ts = ts.dt.tz_localize(None)
    ns = ts.to_numpy(dtype="datetime64[ns]").view("int64")
    end_ns: int | None = None
    if observation_end is not None:
        end = pd.Timestamp(observation_end)
        if (end.tzinfo is None) != (tz is None):
            raise TypeError(
                f"observation_end ({end}) and column {column!r} ({ts.dtype if tz is None else tz}) "
                "must both be time-zone naive or both tz-aware"
            )
        if tz is not None:
            end = end.tz_convert(tz).tz_localize(None)
        end_ns = int(end.as_unit("ns").value)
    return ns, missing, end_ns


def _intent_codes(values: pd.Series, ids: pd.Index, column: str, what: str) -> np.ndarray:
    """Codes into INTENT_STAGES; integers 0-4 and the strings "0"-"4", "E" are accepted.

    Anything else (floats such as 3.0, "e", missing values) raises, listing the valid
    stages and the offending account ids.
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        text = pd.Index(["invalid"] * len(values))
    else:
        text = pd.Index(values.astype(object).astype(str))
        text = text.where(~np.asarray(values.isna()), "invalid")
    codes = pd.Index(INTENT_STAGES).get_indexer(text).astype(np.int64)
    checks = Checks(what, ids=ids)
    valid = ", ".join(INTENT_STAGES)
    checks.rows(codes < 0, column, f"invalid intent stages (valid: {valid})")
    checks.raise_if_failed()
    return codes


def _cadence(cadence: Mapping[Any, float] | None) -> dict[str, float]:
    """Merge ``cadence`` (stage -> days) over :data:`DEFAULT_CADENCE`."""
    policy = dict(DEFAULT_CADENCE)
    if cadence is None:
        return policy
    for key, value in cadence.items():
        name = str(key) if isinstance(key, int | np.integer) and not isinstance(key, bool) else key
        check_choice("cadence stage", name, INTENT_STAGES)
        policy[name] = check_scalar(f"cadence[{key!r}]", value, minimum=0, strict=True)
    return policy


def _list_sizes(list_sizes: Mapping[str, int | None] | None) -> dict[str, int | None]:
    """Merge ``list_sizes`` (band -> size) over :data:`DEFAULT_LIST_SIZES`."""
    sizes = dict(DEFAULT_LIST_SIZES)
    if list_sizes is None:
        return sizes
    for band, size in list_sizes.items():
        check_choice("list_sizes band", band, _BAND_NAMES)
        sizes[band] = (
            None
            if size is None
            else int(check_scalar(f"list_sizes[{band!r}]", size, minimum=0, integer=True))
        )
    return sizes


def _limits(sizes: Mapping[str, int | None], none: float) -> np.ndarray:
    """Return the list size of every band, in band order (``none`` where not checked)."""
    return np.array([none if (v := sizes[b]) is None else float(v) for b in _BAND_NAMES])


def followup_plan(
    accounts: pd.DataFrame,
    *,
    owner_col: str = "owner",
    stage_col: str = "stage",
    last_contact_col: str = "last_contact",
    assigned_col: str | None = None,
    account_col: str | None = None,
    observation_end: Any = None,
    cadence: Mapping[Any, float] | None = None,
    list_sizes: Mapping[str, int | None] | None = None,
    as_of: Any = None,
) -> pd.DataFrame:
    """When each account is due for its next contact, under the follow-up cadence.

    **Policy** (:data:`DEFAULT_CADENCE`, days between contacts; override any stage with
    ``cadence``): stage 0 (客户不拒绝, does not refuse) every 15 days at least; stages 1
    (listens, 有互动) and 2 (evaluates the product) about every 7 days; stages 3 (considers
    closing) and 4 (decided) within 3 days; signed customers E at least twice a month,
    i.e. every 15 days. Stage 1 is grouped with stage 2 (7 days, ~40 accounts), although a
    summary band "0-1" would also allow it 15 days (see :data:`DEFAULT_CADENCE`).

    * ``cadence_due = last_contact + cadence[stage]``.
    * With ``assigned_col``: an account not contacted since its assignment (no last
      contact, or one before the assignment date) is due ``NEW_ACCOUNT_DAYS`` (7) days after
      assignment (a new account must be contacted within a week).
    * ``next_contact`` is the earlier of the applicable due dates; ``overdue`` when
      ``observation_end`` is past it (contacting on the due date is on time);
      ``days_overdue`` is the whole days past it (0 when not overdue).
    * Load: ``band_load`` counts the owner's accounts in the account's band of
      :data:`LOAD_BANDS`; ``owner_over_size`` flags it above the suggested list size
      (:data:`DEFAULT_LIST_SIZES`, overridable with ``list_sizes``). :func:`followup_load`
      gives the per-owner table.

    Parameters
    ----------
    accounts : pandas.DataFrame
        One row per account; index = account id unless ``account_col`` names a column.
    owner_col : str, default "owner"
        Salesperson column.
    stage_col : str, default "stage"
        Intent stage column: 0-4 as int or str, or "E".
    last_contact_col : str, default "last_contact"
        Date of the last contact (datetime64; missing allowed only for accounts with an
        assignment date).
    assigned_col : str, optional
        Date the account was assigned to its owner.
    account_col : str, optional
        Account id column (default: the index).
    observation_end : timestamp-like, optional
        End of observation: the date of the plan; default today (in the time zone of
        ``last_contact`` when it is
        tz-aware). Contacts after it raise.
    cadence : mapping, optional
        Stage -> days, merged over :data:`DEFAULT_CADENCE`.
    list_sizes : mapping, optional
        Band -> suggested list size (None: not checked), merged over
        :data:`DEFAULT_LIST_SIZES`.
    as_of : timestamp-like, optional
        Deprecated since 0.2.0 (removed in 0.4.0): the former name of
        ``observation_end``; warns and is used as it.

    Returns
    -------
    pandas.DataFrame
        Indexed by account id: ``owner``, ``stage`` (ordered categorical "0".."4", "E"),
        ``last_contact``, ``cadence_days``, ``next_contact``, ``due_reason`` ("cadence" or
        "new_account"), ``overdue``, ``days_overdue``, ``band``, ``band_load``,
        ``owner_over_size``.

    Raises
    ------
    DataValidationError
        Missing columns, invalid stages (listing the valid ones and the offending ids),
        missing owners or dates, contact or assignment dates after ``observation_end``.
    TypeError
        Date columns that do not hold datetimes, or ``observation_end`` and
        ``as_of`` given together.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import followup_plan
    >>> acc = pd.DataFrame({"owner": ["li", "li", "wang"], "stage": [0, 3, "E"],
    ...                     "last_contact": pd.to_datetime(["2024-03-01", "2024-03-08",
    ...                                                     "2024-02-20"])},
    ...                    index=pd.Index(["A1", "A2", "A3"], name="account"))
    >>> plan = followup_plan(acc, observation_end="2024-03-12")
    >>> plan[["cadence_days", "overdue", "days_overdue"]]
             cadence_days  overdue  days_overdue
    account
    A1               15.0    False             0
    A2                3.0     True             1
    A3               15.0     True             6
    """
    what = "followup_plan"
    if as_of is not None:
        if observation_end is not None:
            raise TypeError(
                "followup_plan() got both observation_end and as_of (its deprecated name); "
                "pass observation_end only"
            )
        warn_usage("followup_plan(..., as_of=...)", "pass observation_end=... instead")
        observation_end = as_of
    check_frame(accounts, f"{what}: accounts")
    policy = _cadence(cadence)
    sizes = _list_sizes(list_sizes)
    checks = Checks(f"{what}: accounts")
    needed = [owner_col, stage_col, last_contact_col] + [
        c for c in (assigned_col, account_col) if c is not None
    ]
    if not check_columns(accounts, needed, checks):
        checks.raise_if_failed()
    ids = pd.Index(accounts[account_col]) if account_col is not None else accounts.index
    checks.ids = ids
    checks.rows(np.asarray(ids.duplicated()), account_col or "index", "duplicate account ids")
    checks.rows(accounts[owner_col].isna().to_numpy(dtype=bool), owner_col, "missing owners")

    if observation_end is None:  # today, on the clock of the contact dates
        col_tz = getattr(accounts[last_contact_col].dt, "tz", None)
        observation_end = pd.Timestamp.now(tz=col_tz).normalize()
    end_ts = pd.Timestamp(observation_end)
    last_ns, no_contact, end_ns = _time_nanos(
        accounts[last_contact_col], last_contact_col, end_ts, checks, missing_ok=True
    )
    assert end_ns is not None
    checks.rows(
        ~no_contact & (last_ns > end_ns), last_contact_col, "contacts after observation_end"
    )
    assigned_ns = None
    no_assigned = np.ones(len(accounts), dtype=bool)
    if assigned_col is not None:
        assigned_ns, no_assigned, _ = _time_nanos(
            accounts[assigned_col], assigned_col, end_ts, checks, missing_ok=True
        )
        checks.rows(
            ~no_assigned & (assigned_ns > end_ns),
            assigned_col,
            "assignments after observation_end",
        )
    checks.rows(
        no_contact & no_assigned,
        last_contact_col,
        "missing last contact"
        + (" and no assignment date" if assigned_col is not None else " (pass assigned_col)"),
    )
    try:
        stage = _intent_codes(accounts[stage_col], ids, stage_col, f"{what}: accounts")
    except DataValidationError as err:
        checks.failures.extend(err.failures)
        stage = np.zeros(len(accounts), dtype=np.int64)
    checks.raise_if_failed()

    days = np.array([policy[s] for s in INTENT_STAGES])[stage]
    big = np.iinfo(np.int64).max
    cadence_due = np.where(no_contact, big, last_ns + np.round(days * _DAY_NS).astype(np.int64))
    due = cadence_due
    reason = np.zeros(len(accounts), dtype=np.int8)
    if assigned_col is not None and assigned_ns is not None:
        fresh = ~no_assigned & (no_contact | (last_ns < assigned_ns))
        new_due = assigned_ns + int(NEW_ACCOUNT_DAYS * _DAY_NS)
        take = fresh & (new_due < cadence_due)
        due = np.where(take, new_due, cadence_due)
        reason[take] = 1
    late_ns = end_ns - due
    overdue = late_ns > 0
    days_over = np.where(overdue, late_ns // _DAY_NS, 0)

    band = _BAND_OF_STAGE[stage]
    owner_codes, _ = pd.factorize(accounts[owner_col])
    key = owner_codes.astype(np.int64) * len(_BAND_NAMES) + band
    _, inv, counts = np.unique(key, return_inverse=True, return_counts=True)
    load = counts[inv]
    limit = _limits(sizes, np.inf)[band]

    tz = getattr(accounts[last_contact_col].dt, "tz", None)

    def stamps(ns: np.ndarray, missing: np.ndarray) -> pd.DatetimeIndex:
        out = pd.DatetimeIndex(np.where(missing, np.iinfo(np.int64).min, ns).view("M8[ns]"))
        return out.tz_localize(tz) if tz is not None else out

    return pd.DataFrame(
        {
            "owner": accounts[owner_col].to_numpy(),
            "stage": categorical(stage, INTENT_STAGES, ids, "stage").array,
            "last_contact": stamps(last_ns, no_contact),
            "cadence_days": days.astype(np.float64),
            "next_contact": stamps(due, np.zeros(len(due), dtype=bool)),
            "due_reason": pd.Categorical.from_codes(
                reason.astype(np.int64),
                categories=pd.Index(["cadence", "new_account"]),
                ordered=False,
            ),
            "overdue": overdue,
            "days_overdue": days_over.astype(np.int64),
            "band": categorical(band, _BAND_NAMES, ids, "band").array,
            "band_load": load.astype(np.int64),
            "owner_over_size": load > limit,
        },
        index=ids,
    )


def followup_load(
    accounts: pd.DataFrame,
    *,
    owner_col: str = "owner",
    stage_col: str = "stage",
    list_sizes: Mapping[str, int | None] | None = None,
) -> pd.DataFrame:
    """Accounts per salesperson and intent band against the suggested list sizes.

    The suggested sizes are about 20 accounts at stage 0, about 40 at stages 1-2 and 10 at
    stages 3-4 per salesperson (:data:`DEFAULT_LIST_SIZES`; bands in :data:`LOAD_BANDS`;
    signed customers E have no suggested size). ``over`` flags a band above its size.

    Parameters
    ----------
    accounts : pandas.DataFrame
        One row per account with owner and intent stage columns (a
        :func:`followup_plan` result works too).
    owner_col : str, default "owner"
        Salesperson column.
    stage_col : str, default "stage"
        Intent stage column: 0-4 as int or str, or "E".
    list_sizes : mapping, optional
        Band -> suggested size (None: not checked), merged over the defaults.

    Returns
    -------
    pandas.DataFrame
        Indexed by (owner, band), every band for every owner (sorted owners): ``n_accounts``,
        ``suggested_size`` (float, NaN when not checked), ``over`` and ``excess`` (accounts
        above the size, 0 when within).

    Raises
    ------
    DataValidationError
        Missing columns, missing owners, or invalid stages.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import followup_load
    >>> acc = pd.DataFrame({"owner": ["li"] * 12 + ["wang"], "stage": [3] * 12 + ["E"]})
    >>> load = followup_load(acc)
    >>> load[load["over"]]
               n_accounts  suggested_size  over  excess
    owner band
    li    3-4          12            10.0  True       2
    """
    what = "followup_load"
    check_frame(accounts, f"{what}: accounts")
    sizes = _list_sizes(list_sizes)
    checks = Checks(f"{what}: accounts", ids=accounts.index)
    if not check_columns(accounts, [owner_col, stage_col], checks):
        checks.raise_if_failed()
    checks.rows(accounts[owner_col].isna().to_numpy(dtype=bool), owner_col, "missing owners")
    checks.raise_if_failed()
    stage = _intent_codes(accounts[stage_col], accounts.index, stage_col, f"{what}: accounts")
    band = _BAND_OF_STAGE[stage]
    owner_codes, owners = pd.factorize(accounts[owner_col], sort=True)
    nb = len(_BAND_NAMES)
    counts = np.bincount(owner_codes * nb + band, minlength=len(owners) * nb)
    lim = np.tile(_limits(sizes, np.nan), len(owners))
    with np.errstate(invalid="ignore"):
        over = counts > lim
    excess = np.where(over, counts - np.nan_to_num(lim, nan=0.0), 0).astype(np.int64)
    index = pd.MultiIndex.from_product(
        [pd.Index(owners, name=owner_col), pd.CategoricalIndex(_BAND_NAMES, ordered=True)],
        names=[owner_col, "band"],
    )
    return pd.DataFrame(
        {
            "n_accounts": counts.astype(np.int64),
            "suggested_size": lim,
            "over": over,
            "excess": excess,
        },
        index=index,
    )
