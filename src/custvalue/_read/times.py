"""Time values: datetimes, ISO 8601 strings, formatted strings and integers, never guessed.

Every time column becomes naive ``datetime64`` on the clock of the data (tz-aware values
converted to ``tz`` first). Day/month order, integer units and time zones are never guessed:
what cannot be read as it stands raises, naming the option that answers the question.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

import numpy as np
import pandas as pd

from .._calendar import np_unit
from .._validation import Checks
from ..exceptions import DataValidationError, ValidationFailure
from .options import ReadOptions

__all__ = ["ISO_RE", "end_value", "time_values", "tz_to_naive"]

ISO_RE = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO_TZ_RE = r"[T ]\d{2}.*(?:Z|[+-]\d{2}:?\d{2})$"


def tz_to_naive(values: pd.Series | pd.DatetimeIndex, tz: Any, what: str) -> np.ndarray:
    """Convert tz-aware datetimes to naive wall-clock time in ``tz``."""
    if tz is None:
        raise ValueError(
            f"{what} is tz-aware: pass tz= (e.g. tz='UTC' or the business's time zone) so "
            "periods are cut on that zone's calendar"
        )
    if isinstance(values, pd.Series):
        values = pd.DatetimeIndex(values)
    return np.asarray(values.tz_convert(tz).tz_localize(None).to_numpy())


def _values_like(values: pd.Series, bad: np.ndarray) -> str:
    """Return a few of the offending values, for the message (the examples are customer ids)."""
    shown = pd.unique(np.asarray(values)[np.flatnonzero(bad)[:50]])[:3]
    return ", ".join(repr(str(v)) for v in shown)


def _format_example(values: pd.Series, bad: np.ndarray) -> str:
    """Return an example time_format shaped like the offending values (with a clock time or not)."""
    sample = [str(v) for v in np.asarray(values)[np.flatnonzero(bad)[:20]]]
    sep = "-" if sample and all("-" in v and "/" not in v for v in sample) else "/"
    date = f"%d{sep}%m{sep}%Y"
    if any(":" in v for v in sample):
        seconds = any(v.count(":") >= 2 for v in sample)
        return f"{date} %H:%M:%S" if seconds else f"{date} %H:%M"
    return date


def _parse_strings(
    s: pd.Series, column: Any, opts: ReadOptions, checks: Checks, ids: Any
) -> np.ndarray:
    """Parse string times; unreadable rows are recorded in ``checks`` and come back NaT."""
    present = s.notna().to_numpy().copy()
    n_tz = 0
    if opts.time_format is None:
        st = s.astype("str") if not isinstance(s.dtype, pd.StringDtype) else s
        iso = st.str.fullmatch(ISO_RE).fillna(False).to_numpy(dtype=bool)
        bad = present & ~iso
        if bad.any():
            checks.rows(
                bad,
                column,
                f"time strings that are not ISO 8601 (YYYY-MM-DD[Thh:mm:ss]), like "
                f"{_values_like(s, bad)}; day/month order is never guessed: pass "
                f"time_format (e.g. {_format_example(s, bad)!r})",
                ids=ids,
            )
            s = s.where(~bad)
            present &= ~bad
        has_tz = st.str.contains(_ISO_TZ_RE).fillna(False).to_numpy(dtype=bool) & present
        n_tz = int(has_tz.sum())
        if 0 < n_tz < int(present.sum()):
            checks.rows(
                has_tz,
                column,
                "tz-aware and naive times mixed; make them all one kind",
                ids=ids,
            )
            # recorded: the rows come back NaT, and the tz question waits for that answer
            return np.full(len(s), np.datetime64("NaT", "us"))
        parsed = pd.to_datetime(s, format="ISO8601", utc=bool(n_tz), errors="coerce")
        bad = present & parsed.isna().to_numpy()
        checks.rows(bad, column, f"invalid dates or times, like {_values_like(s, bad)}", ids=ids)
    else:
        try:
            parsed = pd.to_datetime(s, format=opts.time_format, errors="coerce")
        except ValueError as exc:
            raise DataValidationError(
                checks.what,
                [_failure(column, f"times could not be parsed with time_format: {exc}", 1)],
            ) from None
        bad = present & parsed.isna().to_numpy()
        checks.rows(
            bad,
            column,
            f"times that do not match time_format={opts.time_format!r}, like "
            f"{_values_like(s, bad)}",
            ids=ids,
        )
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return tz_to_naive(parsed, opts.tz, f"column {column!r}")
    return _naive_checked(parsed, column, opts)


def _failure(column: Any, rule: str, count: int) -> ValidationFailure:
    return ValidationFailure(column, rule, count)


def _naive_checked(values: pd.Series, column: Any, opts: ReadOptions) -> np.ndarray:
    if opts.tz is not None:
        raise ValueError(
            f"tz={opts.tz!r} was given but column {column!r} holds naive times: nothing to "
            "convert (tz converts tz-aware times only; localize them first with "
            "Series.dt.tz_localize, or drop tz)"
        )
    return np.asarray(values.to_numpy())


def time_values(
    s: pd.Series, column: Any, opts: ReadOptions, checks: Checks, ids: Any
) -> np.ndarray:
    """Return the time column as naive numpy datetime64 (NaT where missing).

    Rows that cannot be read are recorded in ``checks`` (every such rule at once, with the
    ids of the rows); dtype problems raise ``TypeError`` at once.
    """
    dtype = s.dtype
    if isinstance(dtype, pd.ArrowDtype):
        import pyarrow as pa

        pt = dtype.pyarrow_dtype
        if pa.types.is_timestamp(pt) or pa.types.is_date(pt):
            s = pd.to_datetime(s)
            dtype = s.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return tz_to_naive(s, opts.tz, f"column {column!r}")
    if pd.api.types.is_datetime64_dtype(dtype):
        return _naive_checked(s, column, opts)
    if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        pass
    elif pd.api.types.is_integer_dtype(dtype):
        return _integer_times(s, column, opts, checks, ids)
    elif pd.api.types.is_float_dtype(dtype):
        raise TypeError(
            f"time column {column!r} is float; times must be datetimes, ISO 8601 strings or "
            "integers with integer_time_unit (cast floats holding whole numbers to 'Int64')"
        )
    elif pd.api.types.is_string_dtype(dtype):
        kind = pd.api.types.infer_dtype(s, skipna=True)
        if kind == "string":
            return _parse_strings(s, column, opts, checks, ids)
        if kind == "empty":
            return np.full(len(s), np.datetime64("NaT", "us"))
        if kind == "integer":
            return _integer_times(s.astype("Int64"), column, opts, checks, ids)
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


def _object_datetimes(s: pd.Series, column: Any, opts: ReadOptions, what: str) -> np.ndarray:
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
        return tz_to_naive(parsed, opts.tz, f"column {column!r}")
    return _naive_checked(parsed, column, opts)


def _integer_times(
    s: pd.Series, column: Any, opts: ReadOptions, checks: Checks, ids: Any
) -> np.ndarray:
    if opts.time_format is not None:
        if opts.integer_time_unit is not None:
            raise ValueError("give either time_format or integer_time_unit, not both")
        as_str = s.astype("Int64").astype("str").where(s.notna())
        return _parse_strings(as_str, column, opts, checks, ids)
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
    unit = np_unit(opts.integer_time_unit)
    out = vals.astype(f"datetime64[{unit}]")
    out[missing] = np.datetime64("NaT")
    return out


def end_value(value: Any, opts: ReadOptions, what: str = "observation_end") -> np.datetime64:
    """Return a date-like argument (``observation_end``, ``calibration_end``) as naive datetime64.

    Read on the clock of the data: integers need ``integer_time_unit`` (or ``time_format``),
    strings are ISO 8601 or follow ``time_format``, tz-aware values are converted to ``tz``.
    """
    if isinstance(value, bool):
        raise TypeError(f"{what} must be a date or timestamp, got bool")
    if isinstance(value, int | np.integer):
        if opts.integer_time_unit is None and opts.time_format is not None:
            return end_value(str(int(value)), opts, what)
        if opts.integer_time_unit is None:
            raise ValueError(
                f"{what} is an integer: pass integer_time_unit (or time_format) to give its unit"
            )
        unit = np_unit(opts.integer_time_unit)
        out: np.datetime64 = np.array([int(value)], dtype="int64").astype(f"datetime64[{unit}]")[0]
        return out
    if isinstance(value, str):
        if re.fullmatch(ISO_RE, value):
            try:
                ts = pd.Timestamp(value)
            except ValueError:
                raise ValueError(
                    f"{what}={value!r} is not a valid date (ISO 8601 YYYY-MM-DD[Thh:mm:ss])"
                ) from None
        elif opts.time_format is not None:
            try:
                ts = pd.to_datetime(value, format=opts.time_format)
            except ValueError:
                raise ValueError(
                    f"{what}={value!r} does not match time_format={opts.time_format!r} "
                    "(or write it as ISO 8601, YYYY-MM-DD)"
                ) from None
        else:
            raise ValueError(
                f"{what}={value!r} is not ISO 8601 (YYYY-MM-DD[Thh:mm:ss]); day/month order "
                "is never guessed: write it as YYYY-MM-DD, or pass time_format"
            )
    elif isinstance(value, pd.Timestamp | _dt.date | np.datetime64):
        ts = pd.Timestamp(value)
    else:
        raise TypeError(
            f"{what} must be a date, datetime, pandas.Timestamp, numpy.datetime64 or ISO "
            f"string, got {type(value).__name__}"
        )
    if pd.isna(ts):
        raise ValueError(f"{what} is missing (NaT)")
    if ts.tzinfo is not None:
        if opts.tz is None:
            raise ValueError(
                f"{what} is tz-aware but the times are naive: pass a naive {what} (or "
                "tz-aware times and tz= to say which calendar cuts periods)"
            )
        ts = ts.tz_convert(opts.tz).tz_localize(None)
    return np.datetime64(ts.to_datetime64())
