"""From a transaction log to the customer table, and the calibration/holdout split.

One row per customer, index = customer id (values and dtype as given), columns as in
:data:`custvalue._schema.TABLE_COLUMNS`. Two time choices are kept apart:

* ``period`` merges purchases: every purchase of a customer inside one period (a calendar
  day by default) is one purchase, and the amounts inside it are summed;
* ``time_unit`` is the unit durations are expressed in (``"W"``: days / 7).

The published CDNOW fits merge per day and measure in weeks: ``period="D"``,
``time_unit="W"``.

Every row of the input is either used or counted, by reason, in a :class:`TableReport`.
Policies for problem rows are explicit arguments; the defaults raise on anything that
cannot be used as it stands, except zero amounts (kept as purchases worth nothing, counted).
"""

from __future__ import annotations

import datetime as _dt
import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Literal, TypedDict, Unpack, cast, overload

import numpy as np
import pandas as pd

from ._schema import (
    CUSTOMER_ID,
    FIRST_PURCHASE,
    HOLDOUT_COLUMNS,
    HOLDOUT_LENGTH,
    HOLDOUT_PURCHASES,
    HOLDOUT_SPEND,
    LAST_PURCHASE,
    LIFETIMES_RENAME,
    MEAN_REPEAT_SPEND,
    MEAN_SPEND,
    N_PURCHASES,
    N_REPEAT,
    PURCHASE_SPAN,
    TABLE_COLUMNS,
    TENURE,
    TIME_SINCE_LAST,
    TOTAL_SPEND,
)
from ._validation import Checks, check_choice, check_frame, numeric_array
from .exceptions import DataValidationError, ValidationFailure

__all__ = [
    "ReadOptions",
    "TableReport",
    "customer_table",
    "from_lifetimes",
    "split_calibration_holdout",
    "to_lifetimes",
]

TimeUnit = Literal["s", "min", "h", "D", "W"]
Period = Literal["s", "min", "h", "D", "W", "M", "Q", "Y"]

# duration unit -> (seconds in the base unit, divisor applied after it). "W" is days / 7,
# computed in that order so whole days divide exactly as in the published CDNOW tables.
_TIME_UNITS: dict[str, tuple[int, int]] = {
    "s": (1, 1),
    "min": (60, 1),
    "h": (3600, 1),
    "D": (86400, 1),
    "W": (86400, 7),
}
_PERIODS = ("s", "min", "h", "D", "W", "M", "Q", "Y")
_NP_UNIT = {"s": "s", "min": "m", "h": "h", "D": "D", "M": "M", "Y": "Y"}
_INTEGER_UNITS = ("D", "h", "min", "s", "ms", "us", "ns")
_OUT_RES = "datetime64[us]"

_ISO_RE = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO_TZ_RE = r"[T ]\d{2}.*(?:Z|[+-]\d{2}:?\d{2})$"


@dataclass(frozen=True)
class TableReport:
    """What happened to every input row of :func:`customer_table`.

    ``rows_used + rows_dropped == rows_in`` always holds; each dropped row is counted
    under exactly one reason (the first that applies, in the order of
    :attr:`DROP_REASONS`).

    Attributes
    ----------
    rows_in : int
        Rows in the input frame.
    rows_used : int
        Rows that entered the table (purchases, and refunds netted under ``refunds="net"``).
    missing_id, missing_time, missing_amount : int
        Rows dropped for a missing customer id, time or amount (``missing="drop"``).
    duplicate : int
        Exact duplicate rows dropped (``duplicates="drop"``).
    after_end : int
        Rows after the observation end dropped (``after_end="drop"``).
    refund : int
        Rows with a negative amount dropped (``refunds="drop"``).
    unmatched_refund : int
        Refund rows with no earlier purchase of the same customer to net against
        (``refunds="net"``).
    zero_amount : int
        Rows with a zero amount dropped (``zero_amounts="drop"``).
    holdout_only : int
        :func:`split_calibration_holdout` only: rows of customers whose first purchase
        falls after the calibration end (the BTYD convention leaves them out).
    refunds_netted : int
        Refund rows used: their amounts were subtracted from a purchase (``"net"``).
    zero_amount_kept : int
        Zero-amount rows used as purchases (``zero_amounts="keep"``).
    customers : int
        Rows of the resulting table.
    observation_end : pandas.Timestamp
        The observation end used (naive; wall-clock time in ``tz`` when one was given).
    calibration_end : pandas.Timestamp or None
        :func:`split_calibration_holdout` only: the calibration end used.
    """

    rows_in: int
    rows_used: int
    missing_id: int = 0
    missing_time: int = 0
    missing_amount: int = 0
    duplicate: int = 0
    after_end: int = 0
    refund: int = 0
    unmatched_refund: int = 0
    zero_amount: int = 0
    holdout_only: int = 0
    refunds_netted: int = 0
    zero_amount_kept: int = 0
    customers: int = 0
    observation_end: pd.Timestamp | None = None
    calibration_end: pd.Timestamp | None = None

    DROP_REASONS: ClassVar[tuple[str, ...]] = (
        "missing_id",
        "missing_time",
        "missing_amount",
        "duplicate",
        "after_end",
        "refund",
        "unmatched_refund",
        "zero_amount",
        "holdout_only",
    )

    def __post_init__(self) -> None:
        if self.rows_used + self.rows_dropped != self.rows_in:  # pragma: no cover - a bug
            raise AssertionError(f"row accounting does not add up: {self!r}")

    @property
    def dropped(self) -> dict[str, int]:
        """Dropped rows by reason (reasons with a zero count left out)."""
        return {r: getattr(self, r) for r in self.DROP_REASONS if getattr(self, r)}

    @property
    def rows_dropped(self) -> int:
        """Total rows dropped, all reasons."""
        return sum(getattr(self, r) for r in self.DROP_REASONS)

    def as_dict(self) -> dict[str, Any]:
        """All fields as a plain dict."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


# ----------------------------------------------------------------------------- options


@dataclass(frozen=True)
class _Options:
    customer_col: Any
    time_col: Any
    amount_col: Any
    time_unit: str
    period: str
    tz: Any
    time_format: str | None
    integer_time_unit: str | None
    refunds: str
    zero_amounts: str
    after_end: str
    duplicates: str
    missing: str


class ReadOptions(TypedDict, total=False):
    """How a transaction log is read: the keyword options of :func:`customer_table`
    (meaning and defaults documented there) that every function reading a transaction
    log takes as ``**options``. All optional."""

    customer_col: Any
    time_col: Any
    amount_col: Any
    time_unit: TimeUnit
    period: Period
    tz: Any
    time_format: str | None
    integer_time_unit: str | None
    refunds: Literal["raise", "drop", "net"]
    zero_amounts: Literal["keep", "drop", "raise"]
    after_end: Literal["raise", "drop"]
    duplicates: Literal["keep", "drop"]
    missing: Literal["raise", "drop"]


_READ_OPTIONS: tuple[str, ...] = tuple(ReadOptions.__annotations__)


def _check_option_names(options: Mapping[str, Any], func: Callable[..., Any]) -> None:
    """Refuse keyword arguments that are neither ``func``'s own nor reading options, as
    Python refuses an unknown keyword, but naming the valid ones."""
    unknown = [k for k in options if k not in _READ_OPTIONS]
    if unknown:
        own = [
            n
            for n, p in inspect.signature(func).parameters.items()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        ]
        raise TypeError(
            f"{func.__name__}() got unexpected keyword argument(s) "
            f"{', '.join(map(repr, unknown))}; valid keywords: {', '.join(own)} and the "
            f"transaction reading options {', '.join(_READ_OPTIONS)}"
        )


def _options(
    *,
    customer_col: Any = "customer_id",
    time_col: Any = "timestamp",
    amount_col: Any = None,
    time_unit: str = "D",
    period: str = "D",
    tz: Any = None,
    time_format: str | None = None,
    integer_time_unit: str | None = None,
    refunds: str = "raise",
    zero_amounts: str = "keep",
    after_end: str = "raise",
    duplicates: str = "keep",
    missing: str = "raise",
) -> _Options:
    """The reading options with their defaults (the one place they are set), validated."""
    check_choice("time_unit", time_unit, _TIME_UNITS)
    check_choice("period", period, _PERIODS)
    if integer_time_unit is not None:
        check_choice("integer_time_unit", integer_time_unit, _INTEGER_UNITS)
    if time_format is not None and not isinstance(time_format, str):
        raise TypeError(f"time_format must be a str, got {type(time_format).__name__}")
    check_choice("refunds", refunds, ("raise", "drop", "net"))
    check_choice("zero_amounts", zero_amounts, ("keep", "drop", "raise"))
    check_choice("after_end", after_end, ("raise", "drop"))
    check_choice("duplicates", duplicates, ("keep", "drop"))
    check_choice("missing", missing, ("raise", "drop"))
    if amount_col is None and refunds == "net":
        raise ValueError("refunds='net' needs amount_col")
    cols = [customer_col, time_col] + ([amount_col] if amount_col is not None else [])
    if len(set(cols)) != len(cols):
        raise ValueError(f"customer_col, time_col and amount_col must differ, got {cols}")
    return _Options(
        customer_col,
        time_col,
        amount_col,
        time_unit,
        period,
        tz,
        time_format,
        integer_time_unit,
        refunds,
        zero_amounts,
        after_end,
        duplicates,
        missing,
    )


# ----------------------------------------------------------------------------- ids


def _check_ids(ids: pd.Series, column: Any) -> None:
    dtype = ids.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        ids = pd.Series(dtype.categories)
        dtype = ids.dtype
    if pd.api.types.is_bool_dtype(dtype):
        raise TypeError(f"customer column {column!r} is boolean; ids must be integers or strings")
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype):
        return
    if pd.api.types.is_string_dtype(dtype):
        kind = pd.api.types.infer_dtype(ids, skipna=True)
        if kind in ("string", "empty", "integer", "bytes"):
            return
        raise TypeError(
            f"customer column {column!r} mixes value types ({kind}); use one type for all ids "
            "(e.g. convert them all to str)"
        )
    raise TypeError(
        f"customer column {column!r} has dtype {ids.dtype}; accepted: integer (NumPy, nullable "
        "or Arrow), string (object, str, string, Arrow) or categorical ids"
    )


# ----------------------------------------------------------------------------- times


def _tz_to_naive(values: pd.Series | pd.DatetimeIndex, tz: Any, what: str) -> np.ndarray:
    """Convert tz-aware datetimes to naive wall-clock time in ``tz``."""
    if tz is None:
        raise ValueError(
            f"{what} is tz-aware: pass tz= (e.g. tz='UTC' or the business's time zone) so "
            "periods are cut on that zone's calendar"
        )
    if isinstance(values, pd.Series):
        values = pd.DatetimeIndex(values)
    return np.asarray(values.tz_convert(tz).tz_localize(None).to_numpy())


def _parse_strings(s: pd.Series, column: Any, opts: _Options, checks: Checks) -> np.ndarray:
    present = s.notna().to_numpy()
    if opts.time_format is None:
        st = s.astype("str") if not isinstance(s.dtype, pd.StringDtype) else s
        iso = st.str.fullmatch(_ISO_RE).fillna(False).to_numpy(dtype=bool)
        bad = present & ~iso
        if bad.any():
            checks.rows(
                bad,
                column,
                "time strings that are not ISO 8601 (YYYY-MM-DD[Thh:mm:ss]); day/month order "
                "is never guessed: pass time_format (e.g. '%d/%m/%Y')",
                ids=np.asarray(s),
            )
            checks.raise_if_failed()
        has_tz = st.str.contains(_ISO_TZ_RE).fillna(False).to_numpy(dtype=bool) & present
        n_tz = int(has_tz.sum())
        if 0 < n_tz < int(present.sum()):
            checks.rows(
                has_tz,
                column,
                "tz-aware and naive times mixed; make them all one kind",
                ids=np.asarray(s),
            )
            checks.raise_if_failed()
        parsed = pd.to_datetime(s, format="ISO8601", utc=bool(n_tz), errors="coerce")
        bad = present & parsed.isna().to_numpy()
        if checks.rows(bad, column, "invalid dates or times", ids=np.asarray(s)):
            checks.raise_if_failed()
    else:
        try:
            parsed = pd.to_datetime(s, format=opts.time_format, errors="coerce")
        except ValueError as exc:
            raise DataValidationError(
                checks.what,
                [_failure(column, f"times could not be parsed with time_format: {exc}", 1)],
            ) from None
        bad = present & parsed.isna().to_numpy()
        if checks.rows(
            bad,
            column,
            f"times that do not match time_format={opts.time_format!r}",
            ids=np.asarray(s),
        ):
            checks.raise_if_failed()
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return _tz_to_naive(parsed, opts.tz, f"column {column!r}")
    return _naive_checked(parsed, column, opts)


def _failure(column: Any, rule: str, count: int) -> ValidationFailure:
    return ValidationFailure(column, rule, count)


def _naive_checked(values: pd.Series, column: Any, opts: _Options) -> np.ndarray:
    if opts.tz is not None:
        raise ValueError(
            f"tz={opts.tz!r} was given but column {column!r} holds naive times: nothing to "
            "convert (tz converts tz-aware times only; localize them first with "
            "Series.dt.tz_localize, or drop tz)"
        )
    return np.asarray(values.to_numpy())


def _time_values(s: pd.Series, column: Any, opts: _Options, checks: Checks) -> np.ndarray:
    """Return the time column as naive numpy datetime64 (NaT where missing)."""
    dtype = s.dtype
    if isinstance(dtype, pd.ArrowDtype):
        import pyarrow as pa

        pt = dtype.pyarrow_dtype
        if pa.types.is_timestamp(pt) or pa.types.is_date(pt):
            s = pd.to_datetime(s)
            dtype = s.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return _tz_to_naive(s, opts.tz, f"column {column!r}")
    if pd.api.types.is_datetime64_dtype(dtype):
        return _naive_checked(s, column, opts)
    if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        pass
    elif pd.api.types.is_integer_dtype(dtype):
        return _integer_times(s, column, opts, checks)
    elif pd.api.types.is_float_dtype(dtype):
        raise TypeError(
            f"time column {column!r} is float; times must be datetimes, ISO 8601 strings or "
            "integers with integer_time_unit (cast floats holding whole numbers to 'Int64')"
        )
    elif pd.api.types.is_string_dtype(dtype):
        kind = pd.api.types.infer_dtype(s, skipna=True)
        if kind == "string":
            return _parse_strings(s, column, opts, checks)
        if kind == "empty":
            return np.full(len(s), np.datetime64("NaT", "us"))
        if kind == "integer":
            return _integer_times(s.astype("Int64"), column, opts, checks)
        if kind in ("datetime", "datetime64", "date"):
            return _object_datetimes(s, column, opts, checks.what)
        raise TypeError(
            f"time column {column!r} mixes value types ({kind}); use one kind of time value"
        )
    raise TypeError(
        f"time column {column!r} has dtype {s.dtype}; accepted: datetime64 (naive or tz-aware, "
        "NumPy or Arrow), ISO 8601 strings (or any strings with time_format), integers with "
        "integer_time_unit"
    )


def _object_datetimes(s: pd.Series, column: Any, opts: _Options, what: str) -> np.ndarray:
    try:
        parsed = pd.to_datetime(s)
    except (ValueError, TypeError):
        aware = np.array([getattr(v, "tzinfo", None) is not None for v in s.dropna()], dtype=bool)
        if aware.any() and not aware.all():
            raise DataValidationError(
                what,
                [
                    _failure(
                        column,
                        "tz-aware and naive times mixed; make them all one kind",
                        int(aware.sum()),
                    )
                ],
            ) from None
        parsed = pd.to_datetime(s, utc=True)
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return _tz_to_naive(parsed, opts.tz, f"column {column!r}")
    return _naive_checked(parsed, column, opts)


def _integer_times(s: pd.Series, column: Any, opts: _Options, checks: Checks) -> np.ndarray:
    if opts.time_format is not None:
        if opts.integer_time_unit is not None:
            raise ValueError("give either time_format or integer_time_unit, not both")
        as_str = s.astype("Int64").astype("str").where(s.notna())
        return _parse_strings(as_str, column, opts, checks)
    if opts.integer_time_unit is None:
        raise ValueError(
            f"time column {column!r} holds integers; their unit is never guessed: pass "
            "integer_time_unit ('D' days, 's', 'ms', 'us' or 'ns' since 1970-01-01) or "
            "time_format (e.g. '%Y%m%d' for 19970101)"
        )
    if opts.tz is not None:
        raise ValueError("tz applies to tz-aware times only; integer times are naive")
    missing = s.isna().to_numpy()
    vals = s.to_numpy(dtype="int64", na_value=0)
    unit = _NP_UNIT.get(opts.integer_time_unit, opts.integer_time_unit)
    out = vals.astype(f"datetime64[{unit}]")
    out[missing] = np.datetime64("NaT")
    return out


def _end_value(value: Any, opts: _Options, what: str = "observation_end") -> np.datetime64:
    if isinstance(value, bool):
        raise TypeError(f"{what} must be a date or timestamp, got bool")
    if isinstance(value, int | np.integer):
        if opts.integer_time_unit is None and opts.time_format is not None:
            return _end_value(str(int(value)), opts, what)
        if opts.integer_time_unit is None:
            raise ValueError(
                f"{what} is an integer: pass integer_time_unit (or time_format) to give its unit"
            )
        unit = _NP_UNIT.get(opts.integer_time_unit, opts.integer_time_unit)
        return np.array([int(value)], dtype="int64").astype(f"datetime64[{unit}]")[0]
    if isinstance(value, str):
        if re.fullmatch(_ISO_RE, value):
            ts = pd.Timestamp(value)
        elif opts.time_format is not None:
            ts = pd.to_datetime(value, format=opts.time_format)
        else:
            raise ValueError(
                f"{what}={value!r} is not ISO 8601 (YYYY-MM-DD...); pass a pandas.Timestamp "
                "or time_format"
            )
    elif isinstance(value, pd.Timestamp | _dt.date | np.datetime64):
        ts = pd.Timestamp(value)
    else:
        raise TypeError(
            f"{what} must be a date, datetime, pandas.Timestamp, numpy.datetime64 or ISO "
            f"string, got {type(value).__name__}"
        )
    if ts is pd.NaT:
        raise ValueError(f"{what} is missing (NaT)")
    if ts.tzinfo is not None:
        if opts.tz is None:
            raise ValueError(
                f"{what} is tz-aware but the times are naive: pass a naive {what} (or "
                "tz-aware times and tz= to say which calendar cuts periods)"
            )
        ts = ts.tz_convert(opts.tz).tz_localize(None)
    return np.datetime64(ts.to_datetime64())


# ----------------------------------------------------------------------------- periods


def _period_numbers(t: np.ndarray, period: str) -> np.ndarray:
    """Integer period numbers (int64) of naive datetime64 values; periods start on
    calendar boundaries (weeks on Mondays)."""
    if period == "W":
        days = t.astype("datetime64[D]").view("int64")
        return (days + 3) // 7  # 1970-01-01 is a Thursday; weeks start on Monday
    if period == "Q":
        return t.astype("datetime64[M]").view("int64") // 3
    return t.astype(f"datetime64[{_NP_UNIT[period]}]").view("int64")


def _period_start(nums: np.ndarray, period: str) -> np.ndarray:
    """Start (datetime64[us]) of each period number."""
    nums = np.asarray(nums, dtype="int64")
    if period == "W":
        return (nums * 7 - 3).astype("datetime64[D]").astype(_OUT_RES)
    if period == "Q":
        return (nums * 3).astype("datetime64[M]").astype(_OUT_RES)
    return nums.astype(f"datetime64[{_NP_UNIT[period]}]").astype(_OUT_RES)


_PERIOD_SECONDS = {"s": 1, "min": 60, "h": 3600, "D": 86400, "W": 7 * 86400}


def _period_ticks(nums: np.ndarray, period: str, time_unit: str) -> tuple[np.ndarray, float]:
    """Period starts as integer ticks (int64), and the length of one tick in ``time_unit``.

    Fixed periods tick once per period (the period number itself); calendar periods
    ("M", "Q", "Y") tick once per day (the day number of the period start). Differences
    of ticks times the tick length are the durations of :func:`_durations`, kept as
    integers so comparisons between them are exact.
    """
    base, div = _TIME_UNITS[time_unit]
    unit_seconds = base * div
    nums = np.asarray(nums, dtype="int64")
    if period in _PERIOD_SECONDS:
        return nums, _PERIOD_SECONDS[period] / unit_seconds
    days = _period_start(nums, period).astype("datetime64[D]").view("int64")
    return days, 86400 / unit_seconds


def _durations(later: np.ndarray, earlier: np.ndarray, time_unit: str) -> np.ndarray:
    base, div = _TIME_UNITS[time_unit]
    secs = (later - earlier).astype("timedelta64[s]").view("int64").astype("float64")
    out = secs / base
    if div != 1:
        out = out / div
    return out


# ----------------------------------------------------------------------------- preparation


@dataclass
class _Ids:
    """Customer ids as int64 codes (-1 where missing).

    Dense integer ids (range at most twice the row count) are coded as ``id - base``
    without hashing; other ids go through ``pandas.factorize``.
    """

    codes: np.ndarray
    n_codes: int
    uniques: pd.Index | None  # factorize path: id of each code
    base: int = 0  # dense path: id = code + base
    dtype: Any = None  # dense path: the id dtype

    def ordered(self, present: np.ndarray) -> tuple[np.ndarray, pd.Index]:
        """Codes of the given customers in id order, and their ids as an Index."""
        if self.uniques is None:
            vals = present.astype("int64") + self.base
            if isinstance(self.dtype, np.dtype):
                return present, pd.Index(vals.astype(self.dtype))
            return present, pd.Index(pd.array(vals, dtype=self.dtype))
        order = present[np.argsort(self.uniques[present], kind="stable")]
        return order, self.uniques[order]


def _code_ids(ids: pd.Series) -> _Ids:
    dtype = ids.dtype
    n = len(ids)
    if pd.api.types.is_integer_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        unsigned = pd.api.types.is_unsigned_integer_dtype(dtype)
        top = ids.max() if unsigned else 0
        if not unsigned or (not pd.isna(top) and top < 2**63):
            na = ids.isna().to_numpy() if not isinstance(dtype, np.dtype) else None
            vals = ids.to_numpy(dtype="int64", na_value=0)
            if na is not None and na.all():
                return _Ids(np.full(n, -1, dtype="int64"), 0, None, 0, dtype)
            valid = vals if na is None or not na.any() else vals[~na]
            lo, hi = int(valid.min()), int(valid.max())
            if hi - lo < max(2 * n, 1024):
                codes = vals - lo
                if na is not None:
                    codes[na] = -1
                return _Ids(codes, hi - lo + 1, None, lo, dtype)
    codes, uniques = pd.factorize(ids)
    return _Ids(codes.astype("int64", copy=False), len(uniques), uniques)


@dataclass
class _Prepared:
    codes: Any  # customer codes of purchase rows (int64 array; None once handed over)
    per: Any  # period numbers of purchase rows (int64 array; None once handed over)
    amt: np.ndarray | None  # amounts of purchase rows
    r_codes: np.ndarray  # refund rows (refunds="net") ...
    r_per: np.ndarray
    r_amt: np.ndarray
    ids: _Ids
    end_per: int
    end_ts: pd.Timestamp
    counts: dict[str, int]
    rows_in: int
    # extra columns (``extra_cols`` of _prepare): codes of the purchase rows, and labels
    extra: tuple[tuple[np.ndarray, pd.Index], ...] = ()


def _prepare(
    df: pd.DataFrame,
    opts: _Options,
    observation_end: Any,
    what: str,
    extra_cols: Mapping[Any, str] | None = None,
) -> _Prepared:
    """Validate the rows, apply the row policies and code what is kept.

    ``extra_cols`` maps further columns to a description ("product lines"); they are
    carried through the same row filter as integer codes (``pandas.factorize``, sorted)
    with their labels. Missing values there always raise (no policy drops them).
    """
    n = len(df)
    checks = Checks(what)
    extra_cols = dict(extra_cols or {})
    base_cols = [opts.customer_col, opts.time_col] + (
        [opts.amount_col] if opts.amount_col is not None else []
    )
    clash = [c for c in extra_cols if c in base_cols]
    if clash:
        raise ValueError(f"column(s) {clash} given twice (customer, time or amount column)")
    need = base_cols + list(extra_cols)
    absent = [c for c in need if c not in df.columns]
    if absent:
        checks.add(None, f"missing column(s) {absent}; columns present: {list(df.columns)}")
        checks.raise_if_failed()
    if n == 0:
        checks.add(None, "no transactions (the frame is empty)", 0)
        checks.raise_if_failed()
    for c in need:
        if isinstance(df[c], pd.DataFrame):
            raise ValueError(f"column label {c!r} is duplicated in transactions")

    id_labels = df[opts.customer_col]  # examples are read only when a rule fails
    _check_ids(id_labels, opts.customer_col)
    ids = _code_ids(id_labels)
    codes = ids.codes
    id_na = codes < 0

    t = _time_values(df[opts.time_col], opts.time_col, opts, checks)
    t_na = np.isnat(t)

    amt: np.ndarray | None = None
    amt_na = np.zeros(n, dtype=bool)
    if opts.amount_col is not None:
        amt = numeric_array(df[opts.amount_col], opts.amount_col, Checks(what))
        amt_na = np.isnan(amt)
        checks.rows(np.isinf(amt), opts.amount_col, "infinite amounts", ids=id_labels)

    if opts.missing == "raise":
        hint = " (pass missing='drop' to drop and count them)"
        checks.rows(id_na, opts.customer_col, "missing customer ids" + hint, ids=df.index)
        checks.rows(t_na, opts.time_col, "missing times" + hint, ids=id_labels)
        if opts.amount_col is not None:
            checks.rows(amt_na, opts.amount_col, "missing amounts" + hint, ids=id_labels)

    for col, desc in extra_cols.items():
        checks.rows(
            df[col].isna().to_numpy(dtype=bool),
            col,
            f"missing {desc} (never dropped: fill or filter them first)",
            ids=id_labels,
        )

    if observation_end is None:
        any_na = bool(t_na.any())
        if any_na and t_na.all():
            checks.add(opts.time_col, "no valid times", n)
            checks.raise_if_failed()
        end = t[~t_na].max() if any_na else t.max()
    else:
        end = _end_value(observation_end, opts)
    end_per = int(_period_numbers(np.array([end]), opts.period)[0])
    per = _period_numbers(t, opts.period)
    del t

    after = per > end_per
    after &= ~t_na
    if opts.after_end == "raise":
        checks.rows(
            after,
            opts.time_col,
            f"rows after observation_end={pd.Timestamp(end)} (pass after_end='drop' to drop "
            "and count them)",
            ids=id_labels,
        )
    refund = zero = None
    if amt is not None:
        with np.errstate(invalid="ignore"):
            refund = amt < 0
            zero = amt == 0
        if opts.refunds == "raise":
            checks.rows(
                refund,
                opts.amount_col,
                "negative amounts (refunds); pass refunds='drop' or 'net'",
                ids=id_labels,
            )
        if opts.zero_amounts == "raise":
            checks.rows(
                zero,
                opts.amount_col,
                "zero amounts; pass zero_amounts='keep' or 'drop'",
                ids=id_labels,
            )
    checks.raise_if_failed()

    counts: dict[str, int] = {}
    keep = np.ones(n, dtype=bool)

    def drop(name: str, mask: np.ndarray) -> None:
        m = mask & keep
        counts[name] = int(m.sum())
        keep[m] = False

    drop("missing_id", id_na)
    drop("missing_time", t_na)
    drop("missing_amount", amt_na)
    if opts.duplicates == "drop":
        drop("duplicate", df.duplicated(keep="first").to_numpy())
    drop("after_end", after)
    r_codes = r_per = np.empty(0, dtype="int64")
    r_amt = np.empty(0, dtype="float64")
    if refund is not None and zero is not None and amt is not None:
        if opts.refunds == "drop":
            drop("refund", refund)
        elif opts.refunds == "net":
            rmask = refund & keep
            r_codes, r_per, r_amt = codes[rmask], per[rmask], amt[rmask]
            keep &= ~rmask
        if opts.zero_amounts == "drop":
            drop("zero_amount", zero)
        else:
            counts["zero_amount_kept"] = int((zero & keep).sum())

    ids.codes = np.empty(0, dtype="int64")  # the rows below own the codes from here on
    kept_all = bool(keep.all())
    if kept_all:
        p_codes, p_per, p_amt = codes, per, amt
    else:
        p_codes, p_per = codes[keep], per[keep]
        p_amt = amt[keep] if amt is not None else None
    extra = []
    for col in extra_cols:
        column = cast(pd.Series, df[col])  # a Series: duplicated labels raised above
        x_codes, x_labels = pd.factorize(column, sort=True)
        x_codes = x_codes.astype("int64", copy=False)
        extra.append((x_codes if kept_all else x_codes[keep], pd.Index(x_labels, name=col)))
    return _Prepared(
        p_codes,
        p_per,
        p_amt,
        r_codes,
        r_per,
        r_amt,
        ids,
        end_per,
        pd.Timestamp(end),
        counts,
        n,
        tuple(extra),
    )


def _read_transactions(
    transactions: pd.DataFrame,
    *,
    what: str,
    observation_end: Any,
    extra_cols: Mapping[Any, str] | None = None,
    **options: Unpack[ReadOptions],
) -> tuple[_Prepared, _Options]:
    """Transactions -> validated customer codes, period numbers and amounts after the
    row policies: the one reader behind every function that takes a transaction log.

    Arguments as for :func:`customer_table`; ``extra_cols`` as for :func:`_prepare`.
    """
    df = check_frame(transactions, "transactions", "a pandas DataFrame (one row per purchase)")
    opts = _options(**options)
    return _prepare(df, opts, observation_end, what, extra_cols), opts


# ----------------------------------------------------------------------------- core


@dataclass
class _Facts:
    n_purchases: np.ndarray
    first: np.ndarray
    last: np.ndarray
    total: np.ndarray | None
    repeat: np.ndarray | None
    refunds_netted: int
    unmatched: int


def _starts(sorted_values: np.ndarray) -> np.ndarray:
    """Boolean mask of the first element of each run of equal values."""
    new = np.empty(sorted_values.size, dtype=bool)
    if sorted_values.size:
        new[0] = True
        np.not_equal(sorted_values[1:], sorted_values[:-1], out=new[1:])
    return new


@dataclass
class _Rows:
    """Rows entering the core; the core releases each array as soon as it is done."""

    codes: np.ndarray | None
    per: np.ndarray | None
    amt: np.ndarray | None
    r_codes: np.ndarray
    r_per: np.ndarray
    r_amt: np.ndarray


def _facts(rows: _Rows, n_codes: int) -> _Facts:
    """Per-customer facts by code (customers without purchases: n_purchases 0).

    One in-place sort of the combined integer key ``code * span + period`` dedupes
    (customer, period) pairs and yields first and last periods; spend is one bincount.
    Arrays are taken from ``rows`` and released early to keep the peak memory low.
    """
    codes, per, amt = rows.codes, rows.per, rows.amt
    rows.codes = rows.per = rows.amt = None
    r_codes, r_per, r_amt = rows.r_codes, rows.r_per, rows.r_amt
    assert codes is not None and per is not None
    if per.size == 0:
        zeros = np.zeros(n_codes, dtype="int64")
        spend = None if amt is None else np.zeros(n_codes)
        return _Facts(zeros, zeros, zeros, spend, spend, 0, int(r_codes.size))
    pmin = int(per.min())
    pmax = int(per.max())
    if r_per.size:
        pmin = min(pmin, int(r_per.min()))
        pmax = max(pmax, int(r_per.max()))
    span = pmax - pmin + 1
    if n_codes * span >= 2**62:
        raise OverflowError(
            "too many customers times periods for integer keys; use a coarser period"
        )
    rel = per
    del per
    rel -= pmin
    key = codes * span
    key += rel
    key.sort()
    # where each customer's run of keys starts in the sorted keys
    bounds = np.arange(n_codes + 1, dtype="int64")
    bounds *= span
    bounds = np.searchsorted(key, bounds)
    cust = np.flatnonzero(bounds[1:] > bounds[:-1])
    cstart = bounds[cust]
    cend = bounds[cust + 1]
    del bounds
    cend -= 1
    base = cust * span
    n_purch = np.zeros(n_codes, dtype="int64")
    # distinct keys per customer from a running count of key changes (int32 when it fits)
    running = np.cumsum(_starts(key), dtype="int32" if key.size < 2**31 else "int64")
    n_purch[cust] = running[cend] - running[cstart] + 1
    del running
    first = np.zeros(n_codes, dtype="int64")
    first[cust] = key[cstart] - base
    del cstart
    last = np.zeros(n_codes, dtype="int64")
    last[cust] = key[cend] - base
    del cend, cust, base
    if not r_codes.size:
        del key

    total = repeat = None
    netted = unmatched = 0
    if amt is not None:
        is_rep = rel != first[codes]
        del rel
        idx = codes * 2
        del codes
        idx += is_rep
        del is_rep
        sums = np.bincount(idx, weights=amt, minlength=2 * n_codes)
        del idx
        repeat = sums[1::2].copy()
        total = sums[0::2] + repeat
        del sums
        if r_codes.size:
            rkey = r_codes * span + (r_per - pmin)
            pos = np.searchsorted(key, rkey, side="right") - 1
            ok = pos >= 0
            ok[ok] = key[pos[ok]] // span == r_codes[ok]
            netted = int(ok.sum())
            unmatched = int(r_codes.size - netted)
            mcodes = r_codes[ok]
            mrel = key[pos[ok]] - mcodes * span
            mamt = r_amt[ok]
            total += np.bincount(mcodes, weights=mamt, minlength=n_codes)
            rep_amt = np.where(mrel == first[mcodes], 0.0, mamt)
            repeat += np.bincount(mcodes, weights=rep_amt, minlength=n_codes)
    else:
        unmatched = int(r_codes.size)
    first += pmin
    last += pmin
    return _Facts(n_purch, first, last, total, repeat, netted, unmatched)


def _assemble(
    facts: _Facts,
    ids: _Ids,
    end_per: int,
    opts: _Options,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Build the table (sorted by id); also return the codes of its rows.

    Columns are written into three preallocated 2-D blocks (datetimes, integers, floats)
    so building the frame copies nothing.
    """
    order, index = ids.ordered(np.flatnonzero(facts.n_purchases > 0))
    index.name = CUSTOMER_ID
    m = order.size
    # facts arrays are released as soon as they are copied out (peak memory)
    stamps = np.empty((2, m), dtype=_OUT_RES)
    stamps[0] = _period_start(facts.first[order], opts.period)
    facts.first = np.empty(0, dtype="int64")
    stamps[1] = _period_start(facts.last[order], opts.period)
    facts.last = np.empty(0, dtype="int64")
    ints = np.empty((2, m), dtype="int64")
    n_p, n_rep = ints[0], ints[1]
    np.take(facts.n_purchases, order, out=n_p)
    np.subtract(n_p, 1, out=n_rep)
    floats = np.full((6, m), np.nan)
    span, tenure, since, total, mean, mean_rep = floats
    end_dt = _period_start(np.array([end_per]), opts.period)
    tenure[:] = _durations(end_dt, stamps[0], opts.time_unit)
    span[:] = _durations(stamps[1], stamps[0], opts.time_unit)
    np.subtract(tenure, span, out=since)
    if facts.total is not None and facts.repeat is not None:
        np.take(facts.total, order, out=total)
        facts.total = None
        np.divide(total, n_p, out=mean)
        np.take(facts.repeat, order, out=mean_rep)
        facts.repeat = None
        np.divide(mean_rep, n_rep, out=mean_rep, where=n_rep > 0)
        mean_rep[n_rep == 0] = np.nan
    table = pd.concat(
        [
            pd.DataFrame(
                stamps.T, index=index, columns=[FIRST_PURCHASE, LAST_PURCHASE], copy=False
            ),
            pd.DataFrame(ints.T, index=index, columns=[N_PURCHASES, N_REPEAT], copy=False),
            pd.DataFrame(
                floats.T,
                index=index,
                columns=[
                    PURCHASE_SPAN,
                    TENURE,
                    TIME_SINCE_LAST,
                    TOTAL_SPEND,
                    MEAN_SPEND,
                    MEAN_REPEAT_SPEND,
                ],
                copy=False,
            ),
        ],
        axis=1,
    )
    return table, order


def _report(
    prep: _Prepared,
    facts: _Facts | tuple[int, int],
    customers: int,
    extra: dict[str, int],
    calibration_end: pd.Timestamp | None = None,
) -> TableReport:
    """The row report; ``facts`` may also be (refunds netted, unmatched refunds)."""
    netted, unmatched = (
        facts if isinstance(facts, tuple) else (facts.refunds_netted, facts.unmatched)
    )
    counts = dict(prep.counts)
    counts["unmatched_refund"] = counts.get("unmatched_refund", 0) + unmatched
    counts["refunds_netted"] = netted
    for k, v in extra.items():
        counts[k] = counts.get(k, 0) + v
    dropped = sum(counts.get(r, 0) for r in TableReport.DROP_REASONS)
    return TableReport(
        rows_in=prep.rows_in,
        rows_used=prep.rows_in - dropped,
        customers=customers,
        observation_end=prep.end_ts,
        calibration_end=calibration_end,
        **counts,
    )


# ----------------------------------------------------------------------------- public


@overload
def customer_table(
    transactions: pd.DataFrame,
    *,
    observation_end: Any = ...,
    return_report: Literal[False] = ...,
    **options: Unpack[ReadOptions],
) -> pd.DataFrame: ...


@overload
def customer_table(
    transactions: pd.DataFrame,
    *,
    observation_end: Any = ...,
    return_report: Literal[True],
    **options: Unpack[ReadOptions],
) -> tuple[pd.DataFrame, TableReport]: ...


def customer_table(
    transactions: pd.DataFrame,
    *,
    observation_end: Any = None,
    return_report: bool = False,
    **options: Unpack[ReadOptions],
) -> pd.DataFrame | tuple[pd.DataFrame, TableReport]:
    """Build the customer table (one row per customer) from a transaction log.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase. NumPy, nullable and Arrow dtypes give identical tables.
    observation_end : date-like, optional
        End of observation, inclusive of its whole period. Default: the latest time in
        ``time_col``. Naive values are read on the same clock as the (converted) data.
    return_report : bool, default False
        Also return the :class:`TableReport`.
    **options
        The transaction reading options below (:class:`ReadOptions`), taken alike by
        every function that reads a transaction log; an unknown name raises TypeError.
    customer_col : str, default "customer_id"
        Customer id column: integers, strings or categoricals (one type; mixed types
        raise). Values and dtype are kept in the output index.
    time_col : str, default "timestamp"
        Purchase time: datetime64 (naive or tz-aware), ISO 8601 strings
        (``YYYY-MM-DD[Thh:mm[:ss]]``), other strings with ``time_format``, or integers
        with ``integer_time_unit`` (or ``time_format``, e.g. ``"%Y%m%d"`` for 19970101).
        Nothing is guessed: other inputs raise.
    amount_col : str, optional
        Amount of each row. Without it the spend columns are present and all NaN
        (spend is undefined). Amounts within one period are summed.
    time_unit : {"s", "min", "h", "D", "W"}, default "D"
        Unit of the durations ``purchase_span``, ``tenure``, ``time_since_last``
        (floats; ``"W"`` is days / 7).
    period : {"s", "min", "h", "D", "W", "M", "Q", "Y"}, default "D"
        Merge period: all purchases of a customer in one calendar period (weeks start on
        Monday) are one purchase. Durations are measured between period starts.
    tz : str or tzinfo, optional
        Time zone whose calendar cuts periods. Required when the times are tz-aware (they
        are converted to it); given with naive times it raises (nothing to convert).
        ``first_purchase`` / ``last_purchase`` are naive wall-clock times in ``tz``.
    time_format : str, optional
        ``strftime`` format for string (or integer) times.
    integer_time_unit : {"D", "h", "min", "s", "ms", "us", "ns"}, optional
        Unit of integer times, counted from 1970-01-01.
    refunds : {"raise", "drop", "net"}, default "raise"
        Rows with a negative amount. ``"drop"``: removed and counted. ``"net"``: a refund
        is not a purchase; its amount is subtracted from the spend of the same
        customer's latest purchase period at or before it (refunds with no such purchase
        are dropped and counted as ``unmatched_refund``).
    zero_amounts : {"keep", "drop", "raise"}, default "keep"
        Rows with a zero amount: kept as purchases worth nothing (counted in the report as
        ``zero_amount_kept``; CDNOW has 80 such rows), dropped and counted, or refused.
    after_end : {"raise", "drop"}, default "raise"
        Rows in a period after ``observation_end``.
    duplicates : {"keep", "drop"}, default "keep"
        Rows identical in every column of ``transactions``: kept, or all but the first
        dropped and counted.
    missing : {"raise", "drop"}, default "raise"
        Rows with a missing id, time or amount (NaN amounts never become 0).

    Returns
    -------
    table : pandas.DataFrame
        Index ``customer_id`` (sorted), columns ``first_purchase``, ``last_purchase``,
        ``n_purchases``, ``n_repeat``, ``purchase_span``, ``tenure``,
        ``time_since_last``, ``total_spend``, ``mean_spend``, ``mean_repeat_spend``.
        ``mean_repeat_spend`` is NaN when ``n_repeat == 0`` (lifetimes writes 0 there).
    report : TableReport
        Only with ``return_report=True``.

    Raises
    ------
    TypeError
        ``transactions`` is not a DataFrame, a column has an unsupported dtype, or a
        keyword is unknown (the valid ones are listed).
    DataValidationError
        Rows break a rule whose policy is ``"raise"`` (all failures listed at once).
    ValueError
        An invalid option, or a time question that needs an explicit answer (tz, unit,
        format).

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import customer_table
    >>> tx = pd.DataFrame({
    ...     "customer_id": [1, 1, 1, 2],
    ...     "timestamp": pd.to_datetime(["1997-01-01", "1997-01-01", "1997-01-15",
    ...                                  "1997-01-08"]),
    ...     "amount": [10.0, 5.0, 20.0, 7.0],
    ... })
    >>> t = customer_table(tx, amount_col="amount", observation_end="1997-01-29",
    ...                    time_unit="W")
    >>> t[["n_repeat", "purchase_span", "tenure", "total_spend", "mean_repeat_spend"]]
                 n_repeat  purchase_span  tenure  total_spend  mean_repeat_spend
    customer_id
    1                   1            2.0     4.0         35.0               20.0
    2                   0            0.0     3.0          7.0                NaN
    """
    _check_option_names(options, customer_table)
    prep, opts = _read_transactions(
        transactions,
        what="customer_table: transactions",
        observation_end=observation_end,
        **options,
    )
    rows = _Rows(prep.codes, prep.per, prep.amt, prep.r_codes, prep.r_per, prep.r_amt)
    prep.codes = prep.per = prep.amt = None  # owned by the core from here on
    facts = _facts(rows, prep.ids.n_codes)
    if not np.any(facts.n_purchases > 0):
        raise DataValidationError(
            "customer_table: transactions",
            [_failure(None, f"no purchase rows left after the policies ({prep.counts})", 0)],
        )
    table, _ = _assemble(facts, prep.ids, prep.end_per, opts)
    if not return_report:
        return table
    return table, _report(prep, facts, len(table), {})


@overload
def split_calibration_holdout(
    transactions: pd.DataFrame,
    *,
    calibration_end: Any,
    observation_end: Any = ...,
    return_report: Literal[False] = ...,
    **options: Unpack[ReadOptions],
) -> pd.DataFrame: ...


@overload
def split_calibration_holdout(
    transactions: pd.DataFrame,
    *,
    calibration_end: Any,
    observation_end: Any = ...,
    return_report: Literal[True],
    **options: Unpack[ReadOptions],
) -> tuple[pd.DataFrame, TableReport]: ...


def split_calibration_holdout(
    transactions: pd.DataFrame,
    *,
    calibration_end: Any,
    observation_end: Any = None,
    return_report: bool = False,
    **options: Unpack[ReadOptions],
) -> pd.DataFrame | tuple[pd.DataFrame, TableReport]:
    """Split a transaction log into a calibration table and per-customer holdout facts.

    BTYD convention: the table has the customers whose first purchase falls in the
    calibration window (periods up to and including the one holding ``calibration_end``);
    its columns are those of :func:`customer_table` computed with
    ``observation_end=calibration_end``, plus ``holdout_purchases`` (distinct purchase
    periods after the calibration end, merged as in the table), ``holdout_spend`` (their
    summed amounts; NaN without ``amount_col``) and ``holdout_length`` (calibration end to
    observation end, in ``time_unit``, the same for every customer). Rows of customers
    first seen in the holdout are counted in the report as ``holdout_only``. Under
    ``refunds="net"`` a refund is netted within its own window (holdout refunds reduce
    ``holdout_spend``).

    Parameters
    ----------
    transactions : pandas.DataFrame
        As for :func:`customer_table`.
    calibration_end : date-like
        Last moment of calibration (inclusive of its period).
    observation_end : date-like, optional
        End of the holdout (inclusive of its period); default the latest time in the log.
    return_report : bool, default False
        Also return the :class:`TableReport`.
    **options
        Transaction reading options, exactly as in :func:`customer_table`.

    Returns
    -------
    table : pandas.DataFrame
        Customer-table columns followed by ``holdout_purchases`` (int64),
        ``holdout_spend`` and ``holdout_length`` (float64).
    report : TableReport
        Only with ``return_report=True``.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import split_calibration_holdout
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b"],
    ...     "timestamp": pd.to_datetime(["2020-01-01", "2020-01-05", "2020-01-20",
    ...                                  "2020-01-15"]),
    ... })
    >>> t = split_calibration_holdout(tx, calibration_end="2020-01-10",
    ...                               observation_end="2020-01-31")
    >>> t[["n_repeat", "tenure", "holdout_purchases", "holdout_length"]]
                 n_repeat  tenure  holdout_purchases  holdout_length
    customer_id
    a                   1     9.0                  1            21.0
    """
    _check_option_names(options, split_calibration_holdout)
    what = "split_calibration_holdout: transactions"
    prep, opts = _read_transactions(
        transactions,
        what=what,
        observation_end=observation_end,
        **options,
    )
    cal_end = _end_value(calibration_end, opts, "calibration_end")
    cal_per = int(_period_numbers(np.array([cal_end]), opts.period)[0])
    if cal_per >= prep.end_per:
        raise ValueError(
            f"calibration_end={pd.Timestamp(cal_end)} must fall in a period before "
            f"observation_end={prep.end_ts}"
        )
    n_codes = prep.ids.n_codes
    in_cal = prep.per <= cal_per
    r_cal = prep.r_per <= cal_per
    rows = _Rows(
        prep.codes[in_cal],
        prep.per[in_cal],
        None if prep.amt is None else prep.amt[in_cal],
        prep.r_codes[r_cal],
        prep.r_per[r_cal],
        prep.r_amt[r_cal],
    )
    facts = _facts(rows, n_codes)
    if not np.any(facts.n_purchases > 0):
        raise DataValidationError(
            what, [_failure(None, "no purchase rows in the calibration window", 0)]
        )
    table, order = _assemble(facts, prep.ids, cal_per, opts)

    known = facts.n_purchases > 0
    h = ~in_cal
    h_codes, h_per = prep.codes[h], prep.per[h]
    h_known = known[h_codes]
    rh = ~r_cal
    rh_codes = prep.r_codes[rh]
    rh_known = known[rh_codes]
    holdout_only = int((~h_known).sum() + (~rh_known).sum())
    h_codes, h_per = h_codes[h_known], h_per[h_known]
    if h_codes.size:
        span = int(h_per.max() - cal_per)
        hkey = np.sort(h_codes * span + (h_per - cal_per - 1))
        h_n = np.bincount(hkey[_starts(hkey)] // span, minlength=n_codes)
    else:
        h_n = np.zeros(n_codes, dtype="int64")
    table[HOLDOUT_PURCHASES] = h_n[order].astype("int64")
    if prep.amt is not None:
        h_amt = prep.amt[h][h_known]
        spend = np.bincount(h_codes, weights=h_amt, minlength=n_codes)
        spend = spend + np.bincount(
            rh_codes[rh_known], weights=prep.r_amt[rh][rh_known], minlength=n_codes
        )
        table[HOLDOUT_SPEND] = spend[order]
    else:
        table[HOLDOUT_SPEND] = np.nan
    length = _durations(
        _period_start(np.array([prep.end_per]), opts.period),
        _period_start(np.array([cal_per]), opts.period),
        opts.time_unit,
    )[0]
    table[HOLDOUT_LENGTH] = float(length)
    table = table[[*TABLE_COLUMNS, *HOLDOUT_COLUMNS]]
    if not return_report:
        return table
    netted_h = int(rh_known.sum())
    facts.refunds_netted += netted_h
    return table, _report(
        prep, facts, len(table), {"holdout_only": holdout_only}, pd.Timestamp(cal_end)
    )


# ----------------------------------------------------------------------------- lifetimes

_FROM_LIFETIMES = dict(LIFETIMES_RENAME)
_TO_LIFETIMES = {v: k for k, v in LIFETIMES_RENAME.items()}


def from_lifetimes(df: pd.DataFrame) -> pd.DataFrame:
    """Turn a lifetimes / pymc-marketing summary table into custvalue columns.

    Renames ``frequency`` -> ``n_repeat``, ``recency`` -> ``purchase_span``, ``T`` ->
    ``tenure`` and ``monetary_value`` -> ``mean_repeat_spend``, and derives
    ``n_purchases`` (n_repeat + 1) and ``time_since_last`` (tenure - purchase_span).
    lifetimes writes ``monetary_value = 0`` for customers with no repeat purchase, by
    convention; those exact zeros (where ``frequency == 0``) become NaN, custvalue's
    "undefined". The lifetimes table has no timestamps or total spend, so only these
    columns are returned; the index is kept and named ``customer_id``.

    Parameters
    ----------
    df : pandas.DataFrame
        Columns ``frequency``, ``recency``, ``T`` and optionally ``monetary_value``.

    Returns
    -------
    pandas.DataFrame
        ``n_purchases``, ``n_repeat``, ``purchase_span``, ``tenure``,
        ``time_since_last`` [, ``mean_repeat_spend``].

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import from_lifetimes
    >>> lt = pd.DataFrame({"frequency": [2.0, 0.0], "recency": [30.43, 0.0],
    ...                    "T": [38.86, 38.86], "monetary_value": [12.5, 0.0]})
    >>> from_lifetimes(lt)[["n_repeat", "tenure", "mean_repeat_spend"]]
                 n_repeat  tenure  mean_repeat_spend
    customer_id
    0                   2   38.86               12.5
    1                   0   38.86                NaN
    """
    check_frame(df, "df", "a lifetimes summary table (pandas DataFrame)")
    checks = Checks("from_lifetimes: table", ids=df.index)
    need = ["frequency", "recency", "T"]
    absent = [c for c in need if c not in df.columns]
    if absent:
        checks.add(None, f"missing lifetimes column(s) {absent}")
        checks.raise_if_failed()
    vals = {c: numeric_array(df[c], c, checks) for c in [*need, "monetary_value"] if c in df}
    x = vals["frequency"]
    with np.errstate(invalid="ignore"):
        checks.rows(x < 0, "frequency", "negative counts")
        checks.rows(np.isfinite(x) & (x != np.floor(x)), "frequency", "non-integer counts")
    checks.raise_if_failed()
    out = pd.DataFrame(index=df.index.copy())
    out.index.name = CUSTOMER_ID
    n_rep = x.astype("int64")
    out[N_PURCHASES] = n_rep + 1
    out[N_REPEAT] = n_rep
    out[PURCHASE_SPAN] = vals["recency"]
    out[TENURE] = vals["T"]
    out[TIME_SINCE_LAST] = vals["T"] - vals["recency"]
    if "monetary_value" in vals:
        m = vals["monetary_value"].copy()
        m[(n_rep == 0) & (m == 0)] = np.nan
        out[MEAN_REPEAT_SPEND] = m
    return out


def to_lifetimes(table: pd.DataFrame) -> pd.DataFrame:
    """Turn a custvalue customer table into the lifetimes summary layout.

    Returns ``frequency``, ``recency``, ``T`` and, when the table has spend,
    ``monetary_value``; NaN ``mean_repeat_spend`` where ``n_repeat == 0`` becomes 0, the
    lifetimes convention (its Gamma-Gamma fitter expects it). Other columns are not
    carried over.

    Parameters
    ----------
    table : pandas.DataFrame
        A customer table (at least ``n_repeat``, ``purchase_span``, ``tenure``).

    Returns
    -------
    pandas.DataFrame
        lifetimes columns, float64, same index.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue import to_lifetimes
    >>> t = pd.DataFrame({"n_repeat": [1, 0], "purchase_span": [2.0, 0.0],
    ...                   "tenure": [4.0, 3.0], "mean_repeat_spend": [20.0, float("nan")]})
    >>> to_lifetimes(t)
       frequency  recency    T  monetary_value
    0        1.0      2.0  4.0            20.0
    1        0.0      0.0  3.0             0.0
    """
    check_frame(table, "table", "a customer table (pandas DataFrame)")
    absent = [c for c in (N_REPEAT, PURCHASE_SPAN, TENURE) if c not in table.columns]
    if absent:
        raise DataValidationError(
            "to_lifetimes: table", [_failure(None, f"missing column(s) {absent}", len(absent))]
        )
    cols = [c for c in (N_REPEAT, PURCHASE_SPAN, TENURE, MEAN_REPEAT_SPEND) if c in table]
    out = table[cols].astype("float64").rename(columns=_TO_LIFETIMES)
    if "monetary_value" in out:
        fill = (out["frequency"] == 0) & out["monetary_value"].isna()
        out["monetary_value"] = out["monetary_value"].mask(fill, 0.0)
    return out
