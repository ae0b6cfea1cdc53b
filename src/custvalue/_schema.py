"""The glossary: every column custvalue produces or reads, with its dtype and definition.

Docs and error messages read these definitions, so a column is defined once, here.
No column is called ``recency`` or ``frequency``: those words mean opposite things in the
RFM and BTYD literatures. :data:`LIFETIMES_RENAME` maps the lifetimes / pymc-marketing
names onto ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "ARGUMENTS",
    "CUSTOMER_ID",
    "FIRST_PURCHASE",
    "HOLDOUT_COLUMNS",
    "HOLDOUT_LENGTH",
    "HOLDOUT_PURCHASES",
    "HOLDOUT_SPEND",
    "LAST_PURCHASE",
    "LIFETIMES_RENAME",
    "MEAN_REPEAT_SPEND",
    "MEAN_SPEND",
    "N_PURCHASES",
    "N_REPEAT",
    "PURCHASE_SPAN",
    "TABLE_COLUMNS",
    "TENURE",
    "TIME_SINCE_LAST",
    "TOTAL_SPEND",
    "Argument",
    "Column",
    "describe",
]


@dataclass(frozen=True)
class Column:
    """A column of a custvalue table."""

    name: str
    dtype: str
    definition: str
    literature: str = ""


CUSTOMER_ID = "customer_id"
FIRST_PURCHASE = "first_purchase"
LAST_PURCHASE = "last_purchase"
N_PURCHASES = "n_purchases"
N_REPEAT = "n_repeat"
PURCHASE_SPAN = "purchase_span"
TENURE = "tenure"
TIME_SINCE_LAST = "time_since_last"
TOTAL_SPEND = "total_spend"
MEAN_SPEND = "mean_spend"
MEAN_REPEAT_SPEND = "mean_repeat_spend"

HOLDOUT_PURCHASES = "holdout_purchases"
HOLDOUT_SPEND = "holdout_spend"
HOLDOUT_LENGTH = "holdout_length"

_COLUMNS = (
    Column(CUSTOMER_ID, "as given", "Customer identifier (the index); values and dtype preserved."),
    Column(
        FIRST_PURCHASE,
        "datetime64",
        "Start of the first period in which the customer purchased.",
    ),
    Column(
        LAST_PURCHASE,
        "datetime64",
        "Start of the last period in which the customer purchased (up to observation end).",
    ),
    Column(
        N_PURCHASES,
        "int64",
        "Number of distinct periods with a purchase, the first included.",
        "RFM F",
    ),
    Column(N_REPEAT, "int64", "n_purchases - 1: repeat purchase periods.", "BTYD x"),
    Column(
        PURCHASE_SPAN,
        "float64",
        "Time from first to last purchase period, in time units.",
        "BTYD t_x (lifetimes recency)",
    ),
    Column(
        TENURE,
        "float64",
        "Time from first purchase period to the observation end, in time units.",
        "BTYD T",
    ),
    Column(TIME_SINCE_LAST, "float64", "tenure - purchase_span.", "RFM R"),
    Column(TOTAL_SPEND, "float64", "Sum of amounts over all purchases.", "RFM M"),
    Column(MEAN_SPEND, "float64", "total_spend / n_purchases."),
    Column(
        MEAN_REPEAT_SPEND,
        "float64",
        "Mean spend per repeat purchase period (first period excluded); NaN when n_repeat == 0.",
        "Gamma-Gamma m_x (lifetimes monetary_value)",
    ),
)

_HOLDOUT = (
    Column(
        HOLDOUT_PURCHASES,
        "int64",
        "Distinct purchase periods in the holdout window.",
        "BTYD x*",
    ),
    Column(HOLDOUT_SPEND, "float64", "Sum of amounts in the holdout window."),
    Column(HOLDOUT_LENGTH, "float64", "Length of the holdout window, in time units.", "BTYD t*"),
)

TABLE_COLUMNS: tuple[str, ...] = tuple(c.name for c in _COLUMNS[1:])
"""Columns of the customer table, in order (the customer id is the index)."""

HOLDOUT_COLUMNS: tuple[str, ...] = tuple(c.name for c in _HOLDOUT)

GLOSSARY = MappingProxyType({c.name: c for c in (*_COLUMNS, *_HOLDOUT)})

LIFETIMES_RENAME = MappingProxyType(
    {
        "frequency": N_REPEAT,
        "recency": PURCHASE_SPAN,
        "T": TENURE,
        "monetary_value": MEAN_REPEAT_SPEND,
    }
)
"""lifetimes / pymc-marketing column name -> custvalue column name."""


def describe(column: str) -> str:
    """Return the one-line definition of a custvalue column.

    Parameters
    ----------
    column : str
        A column name of the customer table or holdout facts.

    Returns
    -------
    str
        ``"name: definition"``.

    Examples
    --------
    >>> from custvalue._schema import describe
    >>> describe("purchase_span")
    'purchase_span: Time from first to last purchase period, in time units.'
    """
    try:
        col = GLOSSARY[column]
    except KeyError:
        raise KeyError(f"unknown column {column!r}; known: {sorted(GLOSSARY)}") from None
    return f"{col.name}: {col.definition}"


# --------------------------------------------------------------------------- arguments


@dataclass(frozen=True)
class Argument:
    """A parameter name used across the public API, with its one meaning.

    ``summary`` is how every docstring's description of the parameter begins (the rest of
    the line may say what that function reads or requires); ``unit`` is the unit its values
    are in. A docstring may instead delegate (``As in :func:`...```) to the function that
    defines it. ``also`` lists the wider annotations some functions accept, with ``why``.
    """

    name: str
    annotation: str
    unit: str
    summary: str
    also: tuple[str, ...] = ()
    why: str = ""


_ARGUMENTS = (
    Argument(
        "transactions",
        "pd.DataFrame",
        "",
        "One row per purchase",
        also=("Any",),
        why="analyze() also takes any Arrow-exportable frame (polars, pyarrow)",
    ),
    Argument("table", "pd.DataFrame", "", "Customer table"),
    Argument("calibration", "pd.DataFrame", "", "Calibration-period customer table"),
    Argument("holdout", "pd.DataFrame", "", "Holdout facts"),
    Argument("observation_end", "Any", "a time of the log", "End of observation"),
    Argument(
        "horizon",
        "float",
        "the table's time unit",
        "How far ahead",
        also=("ArrayLike",),
        why="predictions for new customers and the alive-curve take several horizons at once",
    ),
    Argument(
        "margin",
        "float | pd.Series",
        "rate, 0 < margin <= 1",
        "Profit per unit of revenue",
        also=("float",),
        why="analyze() and the CLI take one margin for everyone",
    ),
    Argument(
        "cost",
        "float | pd.Series",
        "money per customer, over the window of the values",
        "Money per customer",
    ),
    Argument(
        "cost_to_serve",
        "float | pd.Series",
        "money per customer per period_length",
        "Cost of serving a customer per",
        also=("float",),
        why="analyze() and the CLI take one cost for everyone",
    ),
    Argument("discount_rate", "float", "rate per period_length", "Discount rate per"),
    Argument(
        "period_length",
        "float",
        "the table's time unit",
        "Length of one discounting period",
    ),
    Argument("lang", "str", "", "Display language"),
    Argument("random_state", "int | np.random.Generator", "", "Seed or generator"),
    Argument("weights", "ArrayLike", "", "Frequency weights"),
    Argument("values", "pd.Series | pd.DataFrame", "money per customer", "Value per customer"),
    Argument("p_alive", "pd.Series", "probability", "P(alive) per customer"),
    Argument("ax", "Axes", "", "Where to draw"),
    Argument("title", "str", "", "Title"),
    Argument("return_report", "bool", "", "Also return the :class:`TableReport`"),
    Argument("max_iter", "int", "", "Iteration limit of the optimiser"),
    Argument("tol", "float", "", "Convergence tolerance"),
    Argument("n_bins", "int", "", "Number of scores per dimension"),
)

ARGUMENTS: MappingProxyType[str, Argument] = MappingProxyType({a.name: a for a in _ARGUMENTS})
"""Argument name -> :class:`Argument`: the parameters shared across modules, defined once.

``tests/test_signatures.py`` walks every public signature and checks that each parameter of
these names has this annotation (``| None`` aside) and that its description begins with this
summary.
"""
