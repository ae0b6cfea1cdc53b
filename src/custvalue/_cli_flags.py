"""The flags of the ``custvalue`` command, built from the options they set (private).

The reading flags come from :class:`custvalue._read.ReadOptions` (one flag per field, with
its help and choices); the analysis flags mirror :func:`custvalue.analyze`'s settings.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from typing import Any, Literal

import click

from ._calendar import INTEGER_UNITS
from ._read import ReadOptions

__all__ = ["analysis_flags", "flag", "read_option_flags"]


def flag(name: str) -> str:
    """Return the command-line flag of an option name (``time_format`` -> ``--time-format``)."""
    return "--" + name.replace("_", "-")


def _choices(name: str, hint: Any) -> tuple[str, ...] | None:
    if name == "integer_time_unit":
        return INTEGER_UNITS
    if typing.get_origin(hint) is Literal:
        return tuple(str(a) for a in typing.get_args(hint))
    return None


def read_option_flags(
    *, defaults: dict[str, Any] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Click options for every field of :class:`ReadOptions`, with its help and choices."""
    hints = typing.get_type_hints(ReadOptions)
    overrides = defaults or {}

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for f in reversed(dataclasses.fields(ReadOptions)):
            default = overrides.get(f.name, f.default)
            choices = _choices(f.name, hints[f.name])
            func = click.option(
                flag(f.name),
                f.name,
                default=default,
                type=click.Choice(choices) if choices else str,
                show_default=default is not None,
                help=str(f.metadata["help"]),
            )(func)
        return func

    return decorate


def analysis_flags(func: Callable[..., Any]) -> Callable[..., Any]:
    """Return the analysis settings of :func:`custvalue.analyze` as click options."""
    options = [
        click.option(
            "--observation-end",
            default=None,
            help="End of observation (ISO date); default: the latest time.",
        ),
        click.option(
            "--holdout-length",
            "--holdout",
            "holdout_length",
            type=float,
            default=None,
            help="Length of a holdout period at the end, in --time-unit: the candidate models are compared on it.",
        ),
        click.option(
            "--model",
            type=click.Choice(["auto", "bgnbd", "pnbd", "mbgnbd"]),
            default="auto",
            show_default=True,
            help="Purchase model; auto: the best on the holdout (or by BIC without one).",
        ),
        click.option(
            "--margin",
            type=float,
            default=1.0,
            show_default=True,
            help="Profit per unit of revenue (0 < margin <= 1).",
        ),
        click.option(
            "--cost-to-serve",
            type=float,
            default=0.0,
            show_default=True,
            help="Cost of serving one customer per --period-length.",
        ),
        click.option(
            "--discount-rate",
            type=float,
            default=0.0,
            show_default=True,
            help="Discount rate per --period-length (0.008 a month is about 10% a year).",
        ),
        click.option(
            "--horizon",
            type=float,
            default=None,
            help="CLV horizon in --time-unit [default: 52 weeks].",
        ),
        click.option(
            "--period-length",
            type=float,
            default=None,
            help="Discounting and cost period in --time-unit [default: one month].",
        ),
        click.option(
            "--product-col", default=None, help="Product line column: adds full and partial churn."
        ),
        click.option(
            "--rfm-scheme",
            type=click.Choice(["common", "cn8"]),
            default="common",
            show_default=True,
            help="RFM segment scheme.",
        ),
        click.option(
            "--lang",
            type=click.Choice(["en", "zh"]),
            default="en",
            show_default=True,
            help="Language of the report.",
        ),
        click.option(
            "--no-report", is_flag=True, help="Write the data files only (no report.html)."
        ),
        click.option(
            "--engine",
            type=click.Choice(["pandas", "dask"]),
            default="pandas",
            show_default=True,
            help="dask: INPUT may be a folder or glob of Parquet files; every step runs on a "
            "Dask cluster (extra dask); customers are written as a folder of Parquet files.",
        ),
        click.option(
            "--scheduler",
            default=None,
            metavar="ADDRESS",
            help="With --engine dask: the address of a running Dask scheduler "
            "[default: a local cluster, one worker per core].",
        ),
    ]
    for opt in reversed(options):
        func = opt(func)
    return func
