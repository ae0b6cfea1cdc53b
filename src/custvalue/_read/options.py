"""How a transaction log is read: the options, defined once.

:class:`ReadOptions` is the one definition of the reading options: names, types, defaults,
one line of help each (``metadata["help"]``, which the CLI turns into its flags) and their
validation. Public functions take the options as keywords (``customer_table(tx,
customer_col="id")``); :func:`read_options` builds the object and refuses an unknown keyword
the way Python does, naming the valid ones. :class:`ReadKeywords` mirrors the fields for static
type checkers (``**options: Unpack[ReadKeywords]``); a test keeps the two in step.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypedDict

from .._calendar import INTEGER_UNITS, PERIODS, TIME_UNITS, Period, TimeUnit
from .._validation import check_choice

__all__ = ["READ_OPTION_NAMES", "ReadKeywords", "ReadOptions", "read_options"]


def _opt(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class ReadOptions:
    """How a transaction log is read (every function that reads one takes these keywords).

    The meaning of each option is documented in :func:`custvalue.customer_table`.
    Construction validates the values; an invalid one raises ``ValueError`` or ``TypeError``
    naming the option and the valid choices.

    Examples
    --------
    >>> from custvalue.table import ReadOptions
    >>> ReadOptions(customer_col="id", amount_col="amount").refunds
    'raise'
    """

    customer_col: Any = _opt("customer_id", "Customer id column.")
    time_col: Any = _opt("timestamp", "Purchase time column.")
    amount_col: Any = _opt(None, "Amount column (omit: no spend figures).")
    quantity_col: Any = _opt(None, "Quantity column; with price_col, amount = quantity x price.")
    price_col: Any = _opt(None, "Unit price column; with quantity_col, amount = quantity x price.")
    invoice_col: Any = _opt(None, "Invoice number column, to find cancellations (cancel_prefix).")
    cancel_prefix: str | None = _opt(
        None, "Invoice numbers starting with this prefix are cancellations (e.g. 'C')."
    )
    time_unit: TimeUnit = _opt("D", "Unit of durations: s, min, h, D (days) or W (weeks).")
    period: Period = _opt(
        "D", "Merge period: purchases of a customer within one period count once."
    )
    tz: Any = _opt(None, "Time zone whose calendar cuts periods (for tz-aware times).")
    time_format: str | None = _opt(None, "strftime format of string times, e.g. '%d/%m/%Y'.")
    integer_time_unit: str | None = _opt(
        None, "Unit of integer times counted from 1970-01-01: D, h, min, s, ms, us or ns."
    )
    refunds: Literal["raise", "drop", "net"] = _opt(
        "raise", "Negative amounts and cancellations: raise, drop (counted) or net."
    )
    zero_amounts: Literal["keep", "drop", "raise"] = _opt(
        "keep", "Zero amounts: keep as purchases worth nothing (counted), drop or raise."
    )
    after_end: Literal["raise", "drop"] = _opt(
        "raise", "Rows after the observation end: raise, or drop (counted)."
    )
    duplicates: Literal["keep", "drop"] = _opt(
        "keep", "Rows identical in every column: keep (counted) or drop (counted)."
    )
    missing: Literal["raise", "drop"] = _opt(
        "raise", "Rows with a missing id, time or amount: raise, or drop (counted)."
    )

    def __post_init__(self) -> None:
        check_choice("time_unit", self.time_unit, TIME_UNITS)
        check_choice("period", self.period, PERIODS)
        if self.integer_time_unit is not None:
            check_choice("integer_time_unit", self.integer_time_unit, INTEGER_UNITS)
        for name in ("time_format", "cancel_prefix"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name} must be a str, got {type(value).__name__}")
        if self.cancel_prefix == "":
            raise ValueError("cancel_prefix must not be empty (every invoice would match)")
        check_choice("refunds", self.refunds, ("raise", "drop", "net"))
        check_choice("zero_amounts", self.zero_amounts, ("keep", "drop", "raise"))
        check_choice("after_end", self.after_end, ("raise", "drop"))
        check_choice("duplicates", self.duplicates, ("keep", "drop"))
        check_choice("missing", self.missing, ("raise", "drop"))
        if (self.quantity_col is None) != (self.price_col is None):
            raise ValueError("quantity_col and price_col go together (amount = quantity x price)")
        if self.amount_col is not None and self.quantity_col is not None:
            raise ValueError(
                "give amount_col, or quantity_col with price_col, not both: the amount is "
                "either a column or quantity x price"
            )
        if (self.invoice_col is None) != (self.cancel_prefix is None):
            raise ValueError(
                "invoice_col and cancel_prefix go together: invoices whose number starts "
                "with cancel_prefix are cancellations"
            )
        if not self.has_amount and self.refunds == "net":
            raise ValueError("refunds='net' needs amount_col (or quantity_col and price_col)")
        cols = self.columns
        if len(set(cols)) != len(cols):
            names = ", ".join(n for n in _COLUMN_OPTIONS if getattr(self, n) is not None)
            raise ValueError(f"{names} must name different columns, got {cols}")

    @property
    def has_amount(self) -> bool:
        """True when rows have an amount (a column, or quantity x price)."""
        return self.amount_col is not None or self.quantity_col is not None

    @property
    def columns(self) -> list[Any]:
        """The columns read, in the order customer, time, amount, quantity, price, invoice."""
        return [getattr(self, n) for n in _COLUMN_OPTIONS if getattr(self, n) is not None]


_COLUMN_OPTIONS = (
    "customer_col",
    "time_col",
    "amount_col",
    "quantity_col",
    "price_col",
    "invoice_col",
)


class ReadKeywords(TypedDict, total=False):
    """The fields of :class:`ReadOptions` as keyword arguments (for static type checkers)."""

    customer_col: Any
    time_col: Any
    amount_col: Any
    quantity_col: Any
    price_col: Any
    invoice_col: Any
    cancel_prefix: str | None
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


READ_OPTION_NAMES: tuple[str, ...] = tuple(f.name for f in fields(ReadOptions))
"""The reading options' names, in definition order."""


def read_options(options: Mapping[str, Any], func: Callable[..., Any]) -> ReadOptions:
    """Build :class:`ReadOptions` from ``func``'s ``**options``.

    An unknown keyword raises ``TypeError`` naming it, ``func``'s own keywords and the
    reading options, as Python refuses an unknown keyword.
    """
    unknown = [k for k in options if k not in READ_OPTION_NAMES]
    if unknown:
        own = [
            n
            for n, p in inspect.signature(func).parameters.items()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        ]
        raise TypeError(
            f"{func.__name__}() got unexpected keyword argument(s) "
            f"{', '.join(map(repr, unknown))}; valid keywords: {', '.join(own)} and the "
            f"transaction reading options {', '.join(READ_OPTION_NAMES)}"
        )
    return ReadOptions(**options)
