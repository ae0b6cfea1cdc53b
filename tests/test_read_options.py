"""The transaction-reading options: one definition (ReadOptions, with its defaults), a
typed mirror for static checkers (ReadKeywords), and an unknown keyword refused at the call
by every function taking them."""

import dataclasses
import inspect
import typing
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

import custvalue as cv
from custvalue._read.options import READ_OPTION_NAMES
from custvalue.clv.evaluate import tracking_series
from custvalue.table import ReadKeywords, ReadOptions

TX = pd.DataFrame(
    {
        "customer_id": [1, 1, 2, 2],
        "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02", "2024-01-04"]),
        "product": ["a", "a", "b", "b"],
    }
)
CAL = pd.DataFrame(
    {
        "first_purchase": pd.to_datetime(["2024-01-01", "2024-01-02"]),
        "tenure": [3.0, 2.0],
        "n_repeat": [1, 1],
        "purchase_span": [2.0, 2.0],
        "holdout_purchases": [0, 0],
        "holdout_length": [1.0, 1.0],
    },
    index=pd.Index([1, 2], name="customer_id"),
)
BG = cv.BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)

CALLS: dict[str, Callable[..., Any]] = {
    "customer_table": lambda **kw: cv.customer_table(TX, **kw),
    "split_calibration_holdout": lambda **kw: cv.split_calibration_holdout(
        TX, calibration_end="2024-01-02", **kw
    ),
    "lifecycle_stages": lambda **kw: cv.lifecycle_stages(TX, **kw),
    "churn_status": lambda **kw: cv.churn_status(TX, **kw),
    "evaluate_holdout": lambda **kw: cv.evaluate_holdout(BG, CAL, **kw),
    "tracking_series": lambda **kw: tracking_series(BG, CAL, TX, **kw),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_misspelt_option_raises_type_error_naming_it(name: str) -> None:
    with pytest.raises(TypeError) as info:
        CALLS[name](time_unti="W")
    msg = str(info.value)
    assert msg.startswith(f"{name}() got unexpected keyword argument(s) 'time_unti'")
    # the valid ones are listed: every reading option, and the function's own keywords
    for option in READ_OPTION_NAMES:
        assert option in msg
    assert "return_report" in msg or "step" in msg


@pytest.mark.parametrize("name", sorted(CALLS))
def test_valid_options_pass(name: str) -> None:
    # the same call with the keyword spelt right runs (the typo alone made it fail)
    CALLS[name](time_unit="D")


def test_every_bad_key_is_named() -> None:
    with pytest.raises(TypeError, match=r"'tz_name', 'retrun_report'"):
        cv.customer_table(TX, tz_name="UTC", retrun_report=True)


def test_keywords_mirror_the_options_exactly() -> None:
    # ReadKeywords exists only for static type checkers: same names, same order, same types
    fields = dataclasses.fields(ReadOptions)
    assert tuple(f.name for f in fields) == READ_OPTION_NAMES
    assert tuple(ReadKeywords.__annotations__) == READ_OPTION_NAMES
    hints = typing.get_type_hints(ReadOptions)
    mirror = typing.get_type_hints(ReadKeywords)
    assert hints == mirror
    assert ReadKeywords.__required_keys__ == frozenset()
    assert all(f.metadata.get("help") for f in fields)


def test_customer_table_documents_every_option_with_its_default() -> None:
    doc = cv.customer_table.__doc__
    assert doc is not None
    lines = doc.splitlines()
    for f in dataclasses.fields(ReadOptions):
        line = next(ln for ln in lines if ln.startswith(f"    {f.name} : "))
        if f.default is None:
            assert line.endswith(", optional"), line
        else:
            assert line.endswith(f'default "{f.default}"'), line


def test_invalid_option_values_name_the_option() -> None:
    with pytest.raises(ValueError, match="refunds='nett' is not valid"):
        ReadOptions(refunds="nett")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="quantity_col and price_col go together"):
        ReadOptions(quantity_col="qty")
    with pytest.raises(ValueError, match="not both"):
        ReadOptions(amount_col="amount", quantity_col="qty", price_col="price")
    with pytest.raises(ValueError, match="invoice_col and cancel_prefix go together"):
        ReadOptions(cancel_prefix="C")
    with pytest.raises(ValueError, match="refunds='net' needs amount_col"):
        ReadOptions(refunds="net")
    with pytest.raises(ValueError, match="must name different columns"):
        ReadOptions(customer_col="x", time_col="x")


def test_signature_shows_the_options() -> None:
    sig = inspect.signature(cv.customer_table)
    var_kw = [p for p in sig.parameters.values() if p.kind is p.VAR_KEYWORD]
    assert [p.name for p in var_kw] == ["options"]
    assert "ReadKeywords" in str(var_kw[0].annotation)
