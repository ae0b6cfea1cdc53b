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
from .periods import Layout, distinct_periods, layout, repeat_candidates
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
    # sorted distinct keys of the purchase rows and their layout (for purchase_periods's
    # ``distinct``), when the duplicate count already sorted them; else None
    distinct: tuple[np.ndarray, Layout] | None = None
    # bounds of the periods of every kept row (purchases and refunds), when known
    per_bounds: tuple[int, int] | None = None


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

        frame: pd.DataFrame = pa.table(obj).to_pandas(types_mapper=pd.ArrowDtype)
        return frame
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


def _float_values(series: pd.Series, column: Any) -> np.ndarray:
    """Return a numeric column as float64 (NaN where missing); float64 is not copied.

    Non-numeric dtypes raise TypeError (:func:`custvalue._validation.numeric_array`).
    """
    if series.dtype == np.float64 and isinstance(series.dtype, np.dtype):
        return np.asarray(series)
    return numeric_array(series, column, Checks(""))  # its checks are the caller's to make


def _amounts(df: pd.DataFrame, opts: ReadOptions) -> tuple[np.ndarray | None, Any]:
    """Row amounts (float64; NaN where missing) and the column to blame for them."""
    if opts.amount_col is not None:
        return _float_values(df[opts.amount_col], opts.amount_col), opts.amount_col
    if opts.quantity_col is None:
        return None, None
    q = _float_values(df[opts.quantity_col], opts.quantity_col)
    p = _float_values(df[opts.price_col], opts.price_col)
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


def _any(mask: np.ndarray | None) -> bool:
    """Tell whether ``mask`` is given and has a True (most masks of clean data are empty)."""
    return mask is not None and bool(mask.any())


def _latest(t: np.ndarray) -> Any:
    """Latest time of ``t`` (NaT ignored; at least one time is valid)."""
    # NaT is the smallest int64, so the integer maximum skips it (and is 5x faster)
    latest = np.empty(1, dtype=t.dtype)
    latest.view(np.int64)[0] = t.view(np.int64).max()
    return latest[0]


def read_rows(
    df: pd.DataFrame,
    opts: ReadOptions,
    observation_end: Any,
    what: str,
    extra_cols: Mapping[Any, str] | None = None,
    count_duplicates: bool = True,
    code_customers: bool = True,
) -> Rows:
    """Validate the rows, apply the row policies and code what is kept.

    ``extra_cols`` maps further columns to a description ("product lines"); they are carried
    through the same row filter as integer codes (``pandas.factorize``, sorted) with their
    labels. Missing values there always raise (no policy drops them).

    With ``duplicates="keep"`` the exact duplicate rows are counted (``duplicate_kept``)
    and the purchase rows are reduced to their sorted distinct (customer, period) keys
    (``Rows.distinct``) by the same sort. ``count_duplicates=False`` skips that count, for
    a caller that returns no report (only the report shows it; the keys are then left to
    :func:`~custvalue._read.periods.purchase_periods`).

    ``code_customers=False`` gives every row with an id the code 0 instead of coding the
    ids, for a caller that needs only the checks, the end and the row counts (the Dask
    path's validation pass): the rules and row counts are the same, the customer counts
    and the codes are then meaningless.
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

    # Masks of clean data are all False: each is tested once with .any() and the work it
    # would cause (combining, counting, dropping) is skipped when it is empty.
    id_labels = df[opts.customer_col]  # examples are read only when a rule fails
    check_ids(id_labels, opts.customer_col)
    ids = code_ids(id_labels) if code_customers else _one_code(id_labels)
    codes = ids.codes
    # (a reduction tells whether a mask would have a True, without making the mask)
    id_na = codes < 0 if ids.maybe_missing and codes.size and codes.min() < 0 else None

    t = time_values(df[opts.time_col], opts.time_col, opts, checks, id_labels)
    t_na = None  # NaT is the smallest int64
    t_missing = None  # missing times (unreadable ones are recorded in checks already)
    t_min = t.view(np.int64).min() if t.size else 0
    if t_min == np.iinfo(np.int64).min:
        t_na = np.isnat(t)
        t_missing = t_na & ~df[opts.time_col].notna().to_numpy(dtype=bool)

    amt, amount_name = _amounts(df, opts)
    amt_na = None
    amt_min = amt_max = np.nan
    if amt is not None:
        amt_min, amt_max = float(amt.min()), float(amt.max())  # NaN if any is NaN
    if amt is not None and not (np.isfinite(amt_min) and np.isfinite(amt_max)):
        amt_na = np.isnan(amt)
        if not amt_na.any():
            amt_na = None
        checks.rows(np.isinf(amt), amount_name, "infinite amounts", ids=id_labels)

    cancel = inv_na = None
    if opts.invoice_col is not None:
        cancel, inv_na = _cancellations(df, opts)
        if not inv_na.any():
            inv_na = None

    if opts.missing == "raise":
        hint = " (pass missing='drop' to drop and count them)"
        if id_na is not None:
            # a missing id has no id to show: the examples are the rows' times
            checks.rows(
                id_na,
                opts.customer_col,
                "missing customer ids (the examples are these rows' times)" + hint,
                ids=df[opts.time_col],
            )
        if t_missing is not None:
            checks.rows(t_missing, opts.time_col, "missing times" + hint, ids=id_labels)
        if amt_na is not None:
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
        if t_na is not None and t_na.all():
            if t_missing is not None and t_missing.all():  # unreadable ones are reported
                checks.add(opts.time_col, "no valid times", n)
            checks.raise_if_failed()
        end = _latest(t)
    else:
        end = end_value(observation_end, opts)
    end_per = int(period_numbers(np.array([end]), opts.period)[0])
    # without an observation_end, every row has a period from that of the earliest time
    # to end_per (that of the latest): bounds of the key layout without a pass over them
    per_bounds = None
    if observation_end is None and t_na is None and t.size:
        first = int(period_numbers(np.array([t_min], dtype=t.dtype), opts.period)[0])
        per_bounds = (first, max(first, end_per))
    per = period_numbers(t, opts.period)

    after: np.ndarray | None = None  # by default the end is the latest time: none after it
    if observation_end is not None:
        after = per > end_per
        if t_na is not None:
            after &= ~t_na
        if not after.any():
            after = None
    if after is not None and opts.after_end == "raise":
        checks.rows(
            after,
            opts.time_col,
            f"rows after observation_end={pd.Timestamp(end)} (pass after_end='drop' to drop "
            "and count them)",
            ids=id_labels,
        )
    refund = zero = None
    if amt is not None:
        if not amt_min > 0:  # (a NaN minimum compares False too)
            refund = amt < 0  # NaN compares False
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
            refund = cancel.copy() if refund is None else refund | cancel
            if zero is not None:
                zero &= ~cancel
    elif cancel is not None:
        refund = cancel
    if not _any(refund):
        refund = None
    if not _any(zero):
        zero = None
    if refund is not None and opts.refunds == "raise":
        what_rows = (
            "negative amounts (refunds)"
            if cancel is None
            else f"negative amounts or cancellations (invoice starting with {opts.cancel_prefix!r})"
        )
        choices = "refunds='drop' or refunds='net'" if amt is not None else "refunds='drop'"
        shown = refund.copy()
        if t_na is not None:
            shown &= ~t_na
        if id_na is not None:
            shown &= ~id_na
        checks.rows(
            shown,
            amount_name if cancel is None else opts.invoice_col,
            f"{what_rows}; pass {choices}",
            ids=id_labels,
        )
    if zero is not None and opts.zero_amounts == "raise":
        checks.rows(
            zero,
            amount_name,
            "zero amounts; pass zero_amounts='keep' or zero_amounts='drop'",
            ids=id_labels,
        )
    checks.raise_if_failed()

    counts: dict[str, int] = {}
    keep = np.ones(n, dtype=bool)

    def drop(name: str, mask: np.ndarray | None) -> None:
        if mask is None:
            counts[name] = 0
            return
        m = mask & keep
        counts[name] = int(np.count_nonzero(m))
        keep[m] = False

    drop("missing_id", id_na)
    drop("missing_time", t_na)
    drop("missing_amount", amt_na)
    if opts.invoice_col is not None:
        drop("missing_invoice", inv_na)
    customers_in = _customers_in(ids, codes, id_na)
    counted: np.ndarray | None = None  # rows checked for exact duplicates
    if opts.duplicates == "drop":
        drop("duplicate", df.duplicated(keep="first").to_numpy())
    elif count_duplicates:
        counted = keep.copy()
    if after is not None:
        customers_before_end = np.bincount(codes[keep & ~after], minlength=ids.n_codes) > 0
        with_rows = np.bincount(codes[keep], minlength=ids.n_codes) > 0
        counts["customers_after_end"] = int(np.count_nonzero(with_rows & ~customers_before_end))
    drop("after_end", after)
    r_codes = r_per = np.empty(0, dtype="int64")
    r_amt = np.empty(0, dtype="float64")
    if cancel is not None:
        counts["cancellations"] = int(np.count_nonzero(cancel & keep))
    if amt is not None or cancel is not None:
        if opts.refunds == "drop":
            drop("refund", refund)
        elif opts.refunds == "net" and refund is not None:
            assert amt is not None
            rmask = refund & keep
            r_codes, r_per, r_amt = codes[rmask], per[rmask], amt[rmask]
            keep &= ~rmask
    if amt is not None:
        if opts.zero_amounts == "drop":
            drop("zero_amount", zero)
        else:
            counts["zero_amount_kept"] = 0 if zero is None else int(np.count_nonzero(zero & keep))

    ids.codes = np.empty(0, dtype="int64")  # the rows below own the codes from here on
    kept_all = bool(keep.all())
    if kept_all:
        p_codes, p_per, p_amt = codes, per, amt
    else:
        p_codes, p_per = codes[keep], per[keep]
        p_amt = amt[keep] if amt is not None else None
    distinct = None
    if counted is not None:
        distinct, counts["duplicate_kept"] = _distinct_and_duplicates(
            df,
            t,
            codes,
            amt,
            counted,
            keep,
            kept_all,
            p_codes,
            p_per,
            p_amt,
            r_per,
            ids.n_codes,
            per_bounds,
        )
    del t
    extra = []
    for col in extra_cols:
        column = cast(pd.Series, df[col])  # a Series: duplicated labels raised above
        x_codes, x_labels = _factorize_sorted(column)
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
        distinct=distinct,
        per_bounds=per_bounds,
    )


def _one_code(ids: pd.Series) -> Ids:
    """Code 0 for every row with an id, -1 where it is missing (no coding of the ids)."""
    codes = np.zeros(len(ids), dtype=np.int64)
    if ids.hasnans:
        codes[ids.isna().to_numpy(dtype=bool)] = -1
    return Ids(codes, 1, None, 0, np.dtype(np.int64))


def _factorize_sorted(column: pd.Series) -> tuple[np.ndarray, Any]:
    """``pandas.factorize(column, sort=True)``, codes as int64 (no missing values).

    A categorical column is coded from its own codes (the categories present, in category
    order, exactly as factorize sorts them) without hashing its values.
    """
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cat = column.cat.codes.to_numpy()
        present = np.bincount(cat, minlength=len(dtype.categories)) > 0
        new_code = np.cumsum(present) - 1
        labels = pd.Categorical.from_codes(np.flatnonzero(present), dtype=dtype)
        return np.take(new_code, cat, mode="clip"), labels
    x_codes, x_labels = pd.factorize(column, sort=True)
    return x_codes.astype("int64", copy=False), x_labels


def _customers_in(ids: Ids, codes: np.ndarray, id_na: np.ndarray | None) -> int:
    """Distinct customer ids among the rows that have one."""
    if ids.uniques is not None:
        return ids.n_codes  # pandas.factorize codes only the values present
    seen = np.zeros(ids.n_codes, dtype=bool)
    seen[codes if id_na is None else codes[~id_na]] = True
    return int(np.count_nonzero(seen))


def _distinct_and_duplicates(
    df: pd.DataFrame,
    t: np.ndarray,
    codes: np.ndarray,
    amt: np.ndarray | None,
    counted: np.ndarray,
    keep: np.ndarray,
    kept_all: bool,
    p_codes: np.ndarray,
    p_per: np.ndarray,
    p_amt: np.ndarray | None,
    r_per: np.ndarray,
    n_codes: int,
    per_bounds: tuple[int, int] | None,
) -> tuple[tuple[np.ndarray, Layout] | None, int]:
    """Distinct purchase keys, and the rows of ``counted`` identical to an earlier one.

    The count is exact: rows can only be identical in every column of ``df`` when their
    customer, time and amount are, so the candidates found by hashing those are compared
    in full (pandas) and nothing else is. The purchase rows get their candidates from the
    sort that dedupes their periods (:func:`distinct_periods`); the other counted rows
    (after the end, refunds, dropped zero amounts: never identical to a purchase row, whose
    time, amount or invoice differs) get theirs from a hash of their own.
    """
    distinct = None
    rows: list[np.ndarray] = []
    if p_codes.size:
        p_t = t if kept_all else t[keep]
        try:
            lay = layout(p_per, r_per, n_codes, bounds=per_bounds)
        except OverflowError:  # raised again, where it matters, by the caller's kernel
            cand = repeat_candidates(p_codes, p_t, p_amt)
        else:
            keys, found = distinct_periods(p_codes, p_per, lay, t=p_t, amt=p_amt, repeats=True)
            assert found is not None
            distinct, cand = (keys, lay), found
        del p_t
        if cand.size:
            rows.append(cand if kept_all else np.flatnonzero(keep)[cand])
    if not kept_all:
        aside = counted & ~keep
        if aside.any():
            pos = np.flatnonzero(aside)
            rows.append(
                pos[repeat_candidates(codes[pos], t[pos], None if amt is None else amt[pos])]
            )
    if not rows:
        return distinct, 0
    cand = np.sort(np.concatenate(rows))
    return distinct, int(df.iloc[cand].duplicated(keep="first").sum())


def no_purchases(what: str, counts: Mapping[str, int]) -> DataValidationError:
    """Build the error for a log with no purchase row left after the policies."""
    shown = {k: v for k, v in counts.items() if v}
    return DataValidationError(
        what, [ValidationFailure(None, f"no purchase rows left after the policies ({shown})", 0)]
    )
