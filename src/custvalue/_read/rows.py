"""Rows: validation of a transaction log and the row policies, every row used or counted.

:func:`read_rows` checks every row rule at once (one :class:`DataValidationError` listing
them all), applies the policies (``missing``, ``duplicates``, ``after_end``, ``refunds``,
``zero_amounts``), and returns the purchase rows as integer customer codes, period numbers
and amounts, with the refund rows kept apart for netting. Every input row is used or counted
under exactly one reason.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from .._calendar import period_numbers
from .._validation import Checks, numeric_array
from ..exceptions import DataValidationError, ValidationFailure
from .ids import Ids, check_ids, code_ids
from .options import ReadOptions
from .times import end_value, time_values

__all__ = ["Rows", "as_frame", "read_rows"]


@dataclass
class Rows:
    """The rows of a transaction log after validation and the row policies.

    Arrays are released (set to None) by the consumer that takes them over, to keep the
    peak memory low.
    """

    codes: Any  # int64 customer code of each purchase row
    per: Any  # int64 period number of each purchase row
    amt: np.ndarray | None  # float64 amount of each purchase row (None without amounts)
    r_codes: np.ndarray  # refund rows kept for netting (refunds="net") ...
    r_per: np.ndarray
    r_amt: np.ndarray
    ids: Ids
    end_per: int  # period number holding the observation end
    end_ts: pd.Timestamp
    counts: dict[str, int]  # rows dropped or flagged, by reason (TableReport fields)
    rows_in: int
    customers_in: int  # distinct customer ids among the rows with an id
    opts: ReadOptions
    # extra columns (``extra_cols`` of read_rows): codes of the purchase rows, and labels
    extra: tuple[tuple[np.ndarray, pd.Index], ...] = ()


def as_frame(obj: object, name: str = "transactions") -> pd.DataFrame:
    """``obj`` as a pandas DataFrame.

    A pandas DataFrame is used as it is. Any other frame that exports itself through the
    Arrow PyCapsule interface (``__arrow_c_stream__``: polars, pyarrow tables, DuckDB
    relations ...) is converted once, keeping Arrow dtypes. Anything else raises TypeError.
    """
    if isinstance(obj, pd.DataFrame):
        return obj
    if hasattr(obj, "__arrow_c_stream__"):
        import pyarrow as pa

        return pa.table(obj).to_pandas(types_mapper=pd.ArrowDtype)
    kind = f"{type(obj).__module__}.{type(obj).__qualname__}"
    raise TypeError(
        f"{name} must be a pandas DataFrame (one row per purchase) or a frame that exports "
        f"Arrow data (__arrow_c_stream__, e.g. polars or pyarrow), got {kind}"
    )


def _missing_columns(df: pd.DataFrame, opts: ReadOptions, extra: Mapping[Any, str]) -> str | None:
    """Describe the columns that are not in ``df``, with close matches (None if none)."""
    option_of = {getattr(opts, n): n for n in reversed(_COLUMN_OPTIONS) if getattr(opts, n)}
    present = [str(c) for c in df.columns]
    parts = []
    for col in [*opts.columns, *extra]:
        if col in df.columns:
            continue
        near = difflib.get_close_matches(str(col), present, n=1, cutoff=0.6)
        if not near:
            near = [c for c in present if c.lower() == str(col).lower()][:1]
        hint = f"; did you mean {near[0]!r}?" if near else ""
        opt = option_of.get(col)
        given = f" ({opt}={col!r})" if opt else ""
        parts.append(f"missing column {col!r}{given}{hint}")
    if not parts:
        return None
    return "; ".join(parts) + f"; columns present: {present}"


_COLUMN_OPTIONS = (
    "customer_col",
    "time_col",
    "amount_col",
    "quantity_col",
    "price_col",
    "invoice_col",
)


def _amounts(df: pd.DataFrame, opts: ReadOptions, checks: Checks) -> tuple[np.ndarray | None, Any]:
    """Row amounts (float64; NaN where missing) and the column to blame for them."""
    if opts.amount_col is not None:
        return numeric_array(df[opts.amount_col], opts.amount_col, Checks(checks.what)), (
            opts.amount_col
        )
    if opts.quantity_col is None:
        return None, None
    q = numeric_array(df[opts.quantity_col], opts.quantity_col, Checks(checks.what))
    p = numeric_array(df[opts.price_col], opts.price_col, Checks(checks.what))
    with np.errstate(invalid="ignore", over="ignore"):
        return q * p, f"{opts.quantity_col} x {opts.price_col}"


def _cancellations(df: pd.DataFrame, opts: ReadOptions) -> tuple[np.ndarray, np.ndarray]:
    """Flag cancellation rows (invoice starts with ``cancel_prefix``) and missing invoices."""
    inv = df[opts.invoice_col]
    missing = inv.isna().to_numpy(dtype=bool)
    as_str = inv.astype("string[pyarrow]") if not isinstance(inv.dtype, pd.StringDtype) else inv
    cancel = as_str.str.startswith(cast(str, opts.cancel_prefix)).to_numpy(
        dtype=bool, na_value=False
    )
    return cancel, missing


def read_rows(
    df: pd.DataFrame,
    opts: ReadOptions,
    observation_end: Any,
    what: str,
    extra_cols: Mapping[Any, str] | None = None,
) -> Rows:
    """Validate the rows, apply the row policies and code what is kept.

    ``extra_cols`` maps further columns to a description ("product lines"); they are carried
    through the same row filter as integer codes (``pandas.factorize``, sorted) with their
    labels. Missing values there always raise (no policy drops them).
    """
    n = len(df)
    checks = Checks(what)
    extra_cols = dict(extra_cols or {})
    clash = [c for c in extra_cols if c in opts.columns]
    if clash:
        raise ValueError(f"column(s) {clash} given twice (also a customer, time or amount column)")
    absent = _missing_columns(df, opts, extra_cols)
    if absent:
        checks.add(None, absent)
        checks.raise_if_failed()
    if n == 0:
        checks.add(None, "no transactions (the frame is empty)", 0)
        checks.raise_if_failed()
    for c in [*opts.columns, *extra_cols]:
        if isinstance(df[c], pd.DataFrame):
            raise ValueError(f"column label {c!r} is duplicated in transactions")

    id_labels = df[opts.customer_col]  # examples are read only when a rule fails
    check_ids(id_labels, opts.customer_col)
    ids = code_ids(id_labels)
    codes = ids.codes
    id_na = codes < 0

    t = time_values(df[opts.time_col], opts.time_col, opts, checks, id_labels)
    t_na = np.isnat(t)
    t_unread = t_na & df[opts.time_col].notna().to_numpy(dtype=bool)  # recorded in checks

    amt, amount_name = _amounts(df, opts, checks)
    amt_na = np.zeros(n, dtype=bool)
    if amt is not None:
        amt_na = np.isnan(amt)
        checks.rows(np.isinf(amt), amount_name, "infinite amounts", ids=id_labels)

    cancel = inv_na = None
    if opts.invoice_col is not None:
        cancel, inv_na = _cancellations(df, opts)

    if opts.missing == "raise":
        hint = " (pass missing='drop' to drop and count them)"
        # a missing id has no id to show: the examples are the rows' times
        checks.rows(
            id_na,
            opts.customer_col,
            "missing customer ids (the examples are these rows' times)" + hint,
            ids=df[opts.time_col],
        )
        checks.rows(t_na & ~t_unread, opts.time_col, "missing times" + hint, ids=id_labels)
        if amt is not None:
            checks.rows(amt_na, amount_name, "missing amounts" + hint, ids=id_labels)
        if inv_na is not None:
            checks.rows(inv_na, opts.invoice_col, "missing invoice numbers" + hint, ids=id_labels)

    for col, desc in extra_cols.items():
        checks.rows(
            df[col].isna().to_numpy(dtype=bool),
            col,
            f"missing {desc} (never dropped: fill or filter them first)",
            ids=id_labels,
        )

    if observation_end is None:
        valid = ~t_na
        if not valid.any():
            checks.add(opts.time_col, "no valid times", n)
            checks.raise_if_failed()
        end = t[valid].max() if not valid.all() else t.max()
    else:
        end = end_value(observation_end, opts)
    end_per = int(period_numbers(np.array([end]), opts.period)[0])
    per = period_numbers(t, opts.period)

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
        if cancel is not None:
            with np.errstate(invalid="ignore"):
                checks.rows(
                    cancel & (amt > 0),
                    amount_name,
                    f"cancellations (invoice starting with {opts.cancel_prefix!r}) with a "
                    "positive amount; a cancellation's sign is never guessed",
                    ids=id_labels,
                )
            refund = refund | cancel
            zero = zero & ~cancel
    elif cancel is not None:
        refund = cancel
    if refund is not None and opts.refunds == "raise":
        what_rows = (
            "negative amounts (refunds)"
            if cancel is None
            else f"negative amounts or cancellations (invoice starting with {opts.cancel_prefix!r})"
        )
        choices = "'drop' or 'net'" if amt is not None else "'drop'"
        checks.rows(
            refund & ~t_na & ~id_na,
            amount_name if cancel is None else opts.invoice_col,
            f"{what_rows}; pass refunds={choices}",
            ids=id_labels,
        )
    if zero is not None and opts.zero_amounts == "raise":
        checks.rows(
            zero, amount_name, "zero amounts; pass zero_amounts='keep' or 'drop'", ids=id_labels
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
    if inv_na is not None:
        drop("missing_invoice", inv_na)
    customers_in = int(np.count_nonzero(np.bincount(codes[~id_na], minlength=ids.n_codes)))
    if opts.duplicates == "drop":
        del t
        drop("duplicate", df.duplicated(keep="first").to_numpy())
    else:
        counts["duplicate_kept"] = _count_duplicates(df, codes, t, amt, keep)
        del t
    customers_before_end = None
    if after.any():
        customers_before_end = np.bincount(codes[keep & ~after], minlength=ids.n_codes) > 0
        with_rows = np.bincount(codes[keep], minlength=ids.n_codes) > 0
        counts["customers_after_end"] = int(np.count_nonzero(with_rows & ~customers_before_end))
    drop("after_end", after)
    r_codes = r_per = np.empty(0, dtype="int64")
    r_amt = np.empty(0, dtype="float64")
    if cancel is not None:
        counts["cancellations"] = int((cancel & keep).sum())
    if refund is not None:
        if opts.refunds == "drop":
            drop("refund", refund)
        elif opts.refunds == "net":
            assert amt is not None
            rmask = refund & keep
            r_codes, r_per, r_amt = codes[rmask], per[rmask], amt[rmask]
            keep &= ~rmask
    if zero is not None:
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
    return Rows(
        codes=p_codes,
        per=p_per,
        amt=p_amt,
        r_codes=r_codes,
        r_per=r_per,
        r_amt=r_amt,
        ids=ids,
        end_per=end_per,
        end_ts=pd.Timestamp(end),
        counts=counts,
        rows_in=n,
        customers_in=customers_in,
        opts=opts,
        extra=tuple(extra),
    )


_MIX = np.uint64(0x9E3779B97F4A7C15)


def _count_duplicates(
    df: pd.DataFrame,
    codes: np.ndarray,
    t: np.ndarray,
    amt: np.ndarray | None,
    keep: np.ndarray,
) -> int:
    """Rows (among ``keep``) identical in every column of ``df`` to an earlier kept row.

    Rows can only be identical when their customer, time and amount are; a 64-bit hash of
    those is sorted, and only rows whose hash occurs twice are compared in full (pandas), so
    the count is exact and clean data pay one sort.
    """
    with np.errstate(over="ignore"):
        h = codes.astype(np.uint64) * _MIX
        h ^= t.view(np.int64).astype(np.uint64)
        h *= _MIX
        if amt is not None:
            h ^= amt.view(np.uint64)
            h *= _MIX
    if not keep.all():
        h = h[keep]
        rows = np.flatnonzero(keep)
    else:
        rows = None
    s = np.sort(h)
    same = s[1:] == s[:-1]
    if not same.any():
        return 0
    twice = np.unique(s[1:][same])
    cand = np.flatnonzero(np.isin(h, twice, assume_unique=False))
    if rows is not None:
        cand = rows[cand]
    return int(df.iloc[cand].duplicated(keep="first").sum())


def no_purchases(what: str, counts: Mapping[str, int]) -> DataValidationError:
    """Build the error for a log with no purchase row left after the policies."""
    shown = {k: v for k, v in counts.items() if v}
    return DataValidationError(
        what, [ValidationFailure(None, f"no purchase rows left after the policies ({shown})", 0)]
    )
