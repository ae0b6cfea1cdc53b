"""The ``custvalue`` command.

``custvalue summary --dataset cdnow`` builds the customer table of the bundled CDNOW log
and prints what went in, what was dropped and why, and a few facts about the customers.
``custvalue summary --input FILE`` does the same for a CSV or Parquet export.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import click
import numpy as np
import pandas as pd

from . import __version__
from .exceptions import CustvalueError
from .table import TableReport, customer_table

_UNIT_WORDS = {"s": "seconds", "min": "minutes", "h": "hours", "D": "days", "W": "weeks"}
_PERIOD_WORDS = {
    "s": "second",
    "min": "minute",
    "h": "hour",
    "D": "day",
    "W": "week (Mon-Sun)",
    "M": "month",
    "Q": "quarter",
    "Y": "year",
}


@click.group()
@click.version_option(__version__, prog_name="custvalue")
def main() -> None:
    """custvalue: customer-value analytics from a transaction log."""


def _read(path: Path, time_col: str) -> pd.DataFrame:
    suffix = "".join(path.suffixes).lower()
    if suffix.endswith(".parquet") or suffix.endswith(".pq"):
        return pd.read_parquet(path)
    if ".csv" in suffix or ".txt" in suffix or ".tsv" in suffix:
        sep = "\t" if ".tsv" in suffix else ","
        # times stay text: customer_table parses them without guessing
        return pd.read_csv(path, sep=sep, dtype={time_col: "str"})
    raise click.BadParameter(
        f"cannot read {path.name!r}: use a .csv, .tsv or .parquet file", param_hint="--input"
    )


def _fmt_int(n: int) -> str:
    return f"{n:,}"


def _fmt_money(x: float) -> str:
    return f"{x:,.2f}"


def _line(label: str, value: str) -> None:
    click.echo(f"  {label:<44s}{value}")


def _summary_lines(
    table: pd.DataFrame, report: TableReport, source: str, period: str, time_unit: str
) -> None:
    unit = _UNIT_WORDS[time_unit]
    n = len(table)
    click.echo(f"custvalue summary: {source}")
    click.echo("")
    click.echo("Rows")
    _line("transactions read", _fmt_int(report.rows_in))
    _line("used", _fmt_int(report.rows_used))
    dropped = report.dropped
    if dropped:
        for reason, count in dropped.items():
            _line(f"dropped: {reason.replace('_', ' ')}", _fmt_int(count))
    else:
        _line("dropped", "0")
    if report.zero_amount_kept:
        _line("zero-amount rows kept as purchases", _fmt_int(report.zero_amount_kept))
    if report.refunds_netted:
        _line("refund rows netted against purchases", _fmt_int(report.refunds_netted))
    click.echo("")
    click.echo("Customers")
    _line("customers", _fmt_int(n))
    end = report.observation_end
    _line(
        "first purchase",
        f"{table['first_purchase'].min():%Y-%m-%d} .. {table['first_purchase'].max():%Y-%m-%d}",
    )
    _line("observation end", f"{end:%Y-%m-%d %H:%M}" if end is not None else "-")
    _line("purchases merged per", _PERIOD_WORDS[period])
    n_rep = table["n_repeat"].to_numpy()
    repeaters = int((n_rep > 0).sum())
    _line("repeat buyers", f"{_fmt_int(repeaters)} ({repeaters / n:.1%})")
    _line("one-time buyers", f"{_fmt_int(n - repeaters)} ({(n - repeaters) / n:.1%})")
    n_p = table["n_purchases"].to_numpy()
    _line("purchases per customer: mean / max", f"{n_p.mean():.2f} / {int(n_p.max()):,}")
    _line(f"median tenure ({unit})", f"{float(np.median(table['tenure'])):.2f}")
    _line(
        f"median time since last purchase ({unit})",
        f"{float(np.median(table['time_since_last'])):.2f}",
    )
    spend = table["total_spend"].to_numpy()
    if not np.isnan(spend).all():
        click.echo("")
        click.echo("Spend")
        total = float(spend.sum())
        _line("total spend", _fmt_money(total))
        _line(
            "spend per customer: mean / median",
            f"{_fmt_money(spend.mean())} / {_fmt_money(float(np.median(spend)))}",
        )
        rep = table["mean_repeat_spend"].dropna()
        if len(rep):
            _line("mean spend per repeat purchase", _fmt_money(float(rep.mean())))
        if total > 0:
            top = np.sort(spend)[::-1]
            k = max(1, int(round(0.2 * n)))
            _line("share of spend from the top 20% customers", f"{top[:k].sum() / total:.1%}")


@main.command()
@click.option(
    "--dataset",
    type=click.Choice(["cdnow", "cdnow-sample"]),
    default=None,
    help="A bundled dataset (CDNOW: 23,570 customers; cdnow-sample: 2,357).",
)
@click.option(
    "--input",
    "input_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A transaction export (.csv, .tsv or .parquet), one row per purchase.",
)
@click.option("--customer-col", default="customer_id", show_default=True)
@click.option("--time-col", default="timestamp", show_default=True)
@click.option("--amount-col", default=None, help="Amount column (omit: no spend figures).")
@click.option("--time-format", default=None, help="strftime format of the times, e.g. %d/%m/%Y.")
@click.option(
    "--integer-time-unit",
    type=click.Choice(["D", "h", "min", "s", "ms", "us", "ns"]),
    default=None,
    help="Unit of integer times counted from 1970-01-01.",
)
@click.option("--tz", default=None, help="Time zone whose calendar cuts periods (tz-aware times).")
@click.option(
    "--period",
    type=click.Choice(["s", "min", "h", "D", "W", "M", "Q", "Y"]),
    default="D",
    show_default=True,
    help="Purchases of a customer within one period count once.",
)
@click.option(
    "--time-unit",
    type=click.Choice(["s", "min", "h", "D", "W"]),
    default=None,
    help="Unit of durations [default: W for CDNOW, D otherwise].",
)
@click.option("--observation-end", default=None, help="ISO date; default: the latest time.")
@click.option(
    "--refunds", type=click.Choice(["raise", "drop", "net"]), default="raise", show_default=True
)
@click.option(
    "--zero-amounts",
    type=click.Choice(["keep", "drop", "raise"]),
    default="keep",
    show_default=True,
)
@click.option(
    "--duplicates", type=click.Choice(["keep", "drop"]), default="keep", show_default=True
)
@click.option("--missing", type=click.Choice(["raise", "drop"]), default="raise", show_default=True)
@click.option(
    "--after-end", type=click.Choice(["raise", "drop"]), default="raise", show_default=True
)
def summary(
    dataset: str | None,
    input_path: Path | None,
    customer_col: str,
    time_col: str,
    amount_col: str | None,
    time_format: str | None,
    integer_time_unit: str | None,
    tz: str | None,
    period: str,
    time_unit: str | None,
    observation_end: str | None,
    refunds: str,
    zero_amounts: str,
    duplicates: str,
    missing: str,
    after_end: str,
) -> None:
    """Build the customer table and print a short summary of it."""
    if (dataset is None) == (input_path is None):
        raise click.UsageError("give exactly one of --dataset or --input")
    if dataset is not None:
        from .datasets import load_cdnow

        subset: Literal["full", "sample"] = "sample" if dataset == "cdnow-sample" else "full"
        tx = load_cdnow(subset=subset)
        source = "CDNOW transaction log (Fader & Hardie), bundled" + (
            ", 1/10 sample" if subset == "sample" else ""
        )
        customer_col, time_col = "customer_id", "timestamp"
        amount_col = amount_col or "amount"
        time_unit = time_unit or "W"
    else:
        assert input_path is not None
        tx = _read(input_path, time_col)
        source = str(input_path.name)
        time_unit = time_unit or "D"
    options: dict[str, Any] = dict(
        customer_col=customer_col,
        time_col=time_col,
        amount_col=amount_col,
        time_format=time_format,
        integer_time_unit=integer_time_unit,
        tz=tz,
        period=period,
        time_unit=time_unit,
        observation_end=observation_end,
        refunds=refunds,
        zero_amounts=zero_amounts,
        duplicates=duplicates,
        missing=missing,
        after_end=after_end,
    )
    try:
        table, report = customer_table(tx, return_report=True, **options)
    except (CustvalueError, ValueError, TypeError) as err:
        raise click.ClickException(str(err)) from None
    _summary_lines(table, report, source, period, time_unit)


if __name__ == "__main__":  # pragma: no cover
    main()
