"""The ``custvalue`` command: a thin shell over :func:`custvalue.analyze`.

* ``custvalue analyze INPUT --output DIR`` -- the whole analysis of a transaction export
  (CSV, TSV, gzip'd CSV or Parquet): ``customers.csv``, ``customers.parquet``,
  ``models.json`` and ``report.html`` in DIR;
* ``custvalue demo [--output DIR]`` -- the same on the bundled CDNOW log;
* ``custvalue summary`` -- the customer table of an export (or the bundled CDNOW log) in a
  few lines.

The reading flags (``--customer-col``, ``--time-format``, ``--refunds`` ...) are built from
:class:`custvalue.table.ReadOptions`, so they are the library's options under their flag
names; error messages name the flags.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Literal

import click
import numpy as np
import pandas as pd

from . import __version__
from ._calendar import PERIOD_WORDS, UNIT_WORDS
from ._cli_flags import analysis_flags, flag, read_option_flags
from ._read import READ_OPTION_NAMES, TableReport
from .exceptions import CustvalueError

_ANALYSIS_OPTIONS = (
    "observation_end",
    "calibration_end",
    "holdout_length",
    "model",
    "margin",
    "cost_to_serve",
    "discount_rate",
    "horizon",
    "period_length",
    "product_col",
    "rfm_scheme",
    "lang",
    "engine",
)
_FLAG_NAMES = (*READ_OPTION_NAMES, *_ANALYSIS_OPTIONS)
_HINT_RE = re.compile(
    r"\b(" + "|".join(_FLAG_NAMES) + r")=(?:'([^']*)'|\"([^\"]*)\"|([\w.%/+-]+)|(?=[\s),;]|$))"
)


_BARE_RE = re.compile(r"\b(pass|give|with|needs)\s+(" + "|".join(_FLAG_NAMES) + r")\b(?!=)")


def cli_message(message: str) -> str:
    """Return a library message in command-line terms: ``missing='drop'`` becomes ``--missing drop``."""

    def repl(m: re.Match[str]) -> str:
        value = next((g for g in m.groups()[1:] if g is not None), None)
        if value in (None, "None"):
            return flag(m.group(1))
        return f"{flag(m.group(1))} {value}"

    message = _HINT_RE.sub(repl, message)
    return _BARE_RE.sub(lambda m: f"{m.group(1)} {flag(m.group(2))}", message)


class _Fail(click.ClickException):
    """An error shown as ``Error: ...`` with the library's hints in flag form."""

    def __init__(self, message: str) -> None:
        super().__init__(cli_message(message))


@click.group()
@click.version_option(__version__, prog_name="custvalue")
def main() -> None:
    """custvalue: customer-value analytics from a transaction log."""


# ---------------------------------------------------------------------------------- input


def read_export(path: Path, opts: dict[str, Any], encoding: str = "utf-8") -> pd.DataFrame:
    """Read a transaction export: CSV, TSV (optionally gzip'd) or Parquet.

    Ids, times and invoice numbers are read as text, exactly as written in the file: the
    library parses times without guessing and keeps ids as they are.
    """
    name = path.name.lower()
    if path.is_dir():
        raise _Fail(f"{path} is a folder; give one .csv, .tsv or .parquet file")
    if name.endswith((".parquet", ".pq")):
        try:
            return pd.read_parquet(path)
        except Exception as err:
            raise _Fail(f"cannot read {path.name} as Parquet: {err}") from None
    stem = name.removesuffix(".gz")
    if not stem.endswith((".csv", ".tsv", ".txt")):
        raise _Fail(
            f"cannot read {path.name!r}: use a .csv, .tsv, .csv.gz, .tsv.gz or .parquet file"
        )
    sep = "\t" if stem.endswith(".tsv") else ","
    text_cols = [
        opts.get(k)
        for k in ("customer_col", "time_col", "invoice_col", "product_col")
        if opts.get(k) is not None
    ]
    try:
        return pd.read_csv(
            path,
            sep=sep,
            dtype={c: "str" for c in text_cols},
            encoding=encoding,
            compression="infer",
        )
    except pd.errors.EmptyDataError:
        raise _Fail(f"{path.name} is empty: no header and no rows") from None
    except UnicodeDecodeError:
        raise _Fail(
            f"{path.name} is not {encoding} text; pass --encoding with the file's encoding "
            "(e.g. --encoding latin-1)"
        ) from None
    except (pd.errors.ParserError, OSError, EOFError) as err:
        raise _Fail(
            f"cannot read {path.name} as {'TSV' if sep == chr(9) else 'CSV'}: {err}"
        ) from None


def _read_options(values: dict[str, Any]) -> dict[str, Any]:
    return {k: values[k] for k in READ_OPTION_NAMES}


# ---------------------------------------------------------------------------------- output


def _fmt_int(n: float) -> str:
    return f"{round(n):,}"


def _fmt_money(x: float) -> str:
    return f"{x:,.2f}"


def _line(label: str, value: str) -> None:
    # a label longer than the column still keeps two spaces before its value
    click.echo(f"  {label:<44s}{value}" if len(label) < 43 else f"  {label}  {value}")


def _rows_lines(report: TableReport) -> None:
    _line("transactions read", _fmt_int(report.rows_in))
    _line("used", _fmt_int(report.rows_used))
    for reason, count in report.dropped.items():
        _line(f"dropped: {reason.replace('_', ' ')}", _fmt_int(count))
    if not report.dropped:
        _line("dropped", "0")
    for name, label in (
        ("refunds_netted", "refund rows netted against purchases"),
        ("periods_netted_out", "purchase periods cancelled by refunds"),
        ("cancellations", "cancellation rows (invoice prefix)"),
        ("zero_amount_kept", "zero-amount rows kept as purchases"),
        ("duplicate_kept", "exact duplicate rows kept (--duplicates drop)"),
        ("customers_after_end", "customers with rows only after the end"),
    ):
        count = getattr(report, name)
        if count:
            _line(label, _fmt_int(count))


def _summary_lines(
    table: pd.DataFrame, report: TableReport, source: str, period: str, time_unit: str
) -> None:
    unit = UNIT_WORDS[time_unit]
    n = len(table)
    click.echo(f"custvalue summary: {source}")
    click.echo("")
    click.echo("Rows")
    _rows_lines(report)
    click.echo("")
    click.echo("Customers")
    _line("customers", _fmt_int(n))
    end = report.observation_end
    _line(
        "first purchase",
        f"{table['first_purchase'].min():%Y-%m-%d} .. {table['first_purchase'].max():%Y-%m-%d}",
    )
    _line("observation end", f"{end:%Y-%m-%d %H:%M}" if end is not None else "-")
    _line("purchases merged per", PERIOD_WORDS[period])
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
            k = max(1, round(0.2 * n))
            _line("share of spend from the top 20% customers", f"{top[:k].sum() / total:.1%}")


def _cdnow(subset: Literal["full", "sample"] = "full") -> pd.DataFrame:
    from .datasets import load_cdnow

    return load_cdnow(subset=subset)


# ---------------------------------------------------------------------------------- summary


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
    help="A transaction export (.csv, .tsv, .csv.gz or .parquet), one row per purchase.",
)
@click.option("--encoding", default="utf-8", show_default=True, help="Text encoding of CSV/TSV.")
@click.option("--observation-end", default=None, help="ISO date; default: the latest time.")
@read_option_flags(defaults={"time_unit": None})
def summary(
    dataset: str | None,
    input_path: Path | None,
    encoding: str,
    observation_end: str | None,
    **values: Any,
) -> None:
    """Build the customer table and print a short summary of it."""
    from .table import customer_table

    if (dataset is None) == (input_path is None):
        raise click.UsageError("give exactly one of --dataset or --input")
    options = _read_options(values)
    if dataset is not None:
        subset: Literal["full", "sample"] = "sample" if dataset == "cdnow-sample" else "full"
        tx = _cdnow(subset)
        source = "CDNOW transaction log (Fader & Hardie), bundled" + (
            ", 1/10 sample" if subset == "sample" else ""
        )
        options.update(customer_col="customer_id", time_col="timestamp")
        options["amount_col"] = options["amount_col"] or "amount"
        options["time_unit"] = options["time_unit"] or "W"
    else:
        assert input_path is not None
        tx = read_export(input_path, options, encoding)
        source = str(input_path.name)
        options["time_unit"] = options["time_unit"] or "D"
    try:
        table, report = customer_table(
            tx, observation_end=observation_end, return_report=True, **options
        )
    except (CustvalueError, ValueError, TypeError) as err:
        raise _Fail(str(err)) from None
    _summary_lines(table, report, source, options["period"], options["time_unit"])


# ---------------------------------------------------------------------------------- analyze


def _progress(label: str, seconds: float) -> None:
    click.echo(f"  {label:<44s}{seconds:7.2f} s", err=True)


def _run_analysis(
    tx: Any,
    source: str,
    output: Path,
    read: dict[str, Any],
    settings: dict[str, Any],
    *,
    report: bool,
    t_read: float | None,
) -> None:
    from .analysis import analyze

    click.echo(f"custvalue analyze: {source}", err=True)
    if t_read is not None:
        _progress(f"read {len(tx):,} rows", t_read)
    try:
        analysis = analyze(tx, on_step=_progress, **settings, **read)
    except (CustvalueError, ValueError, TypeError) as err:
        raise _Fail(str(err)) from None
    analysis.settings["source"] = source
    t0 = time.perf_counter()
    on_dask = settings.get("engine") == "dask"
    paths = analysis.save(output, report=report and on_dask)
    _progress(
        "write customers and models" + (" (and the report)" if report and on_dask else ""),
        time.perf_counter() - t0,
    )
    if report and not on_dask:
        t0 = time.perf_counter()
        try:
            paths["report"] = output / "report.html"
            analysis.to_html(paths["report"])
        except ImportError as err:
            click.echo(f"  report.html not written: {err}", err=True)
            paths.pop("report")
        else:
            _progress("write the report", time.perf_counter() - t0)
    _closing(analysis, paths)


def _totals(c: Any) -> dict[str, float]:
    """Return the closing summary's numbers (one pass over a Dask frame)."""
    totals = {
        "n": c.shape[0],
        "repeat": (c["n_repeat"] > 0).sum(),
        "alive": c["prob_alive"].sum(),
        "valued": c["clv"].count(),  # non-missing values (pandas and Dask alike)
        "clv": c["clv"].sum(),
        "hist": c["historical_value"].sum(),
    }
    if not isinstance(c, pd.DataFrame):
        from dask.base import compute

        (totals,) = compute(totals)  # type: ignore[no-untyped-call]
    return {k: float(v) for k, v in totals.items()}


def _closing(analysis: Any, paths: dict[str, Path]) -> None:
    rep = analysis.table_report
    t = _totals(analysis.customers)
    unit = UNIT_WORDS[analysis.settings["read"]["time_unit"]]
    click.echo("")
    click.echo("Rows")
    _rows_lines(rep)
    click.echo("")
    click.echo("Customers")
    _line("customers", _fmt_int(t["n"]))
    _line("repeat buyers", f"{_fmt_int(t['repeat'])} ({t['repeat'] / t['n']:.1%})")
    _line("expected active (sum of P(alive))", _fmt_int(t["alive"]))
    click.echo("")
    click.echo("Model")
    _line("purchase model", str(analysis.purchase_model.to_dict()["name"]))
    for part in _wrap(analysis.reason, 72):
        click.echo(f"    {part}")
    horizon = analysis.settings["horizon"]
    if t["valued"] > 0:
        _line(f"total CLV, next {horizon:g} {unit}", _fmt_money(t["clv"]))
        _line("total profit to date", _fmt_money(t["hist"]))
    else:
        _line("CLV", "not computed: no amounts (--amount-col or --quantity-col/--price-col)")
    click.echo("")
    click.echo("Files")
    for key in ("report", "csv", "parquet", "models"):
        if key in paths:
            _line(
                {
                    "report": "report",
                    "csv": "customers (CSV)",
                    "parquet": "customers (Parquet)",
                    "models": "models and settings",
                }[key],
                str(paths[key]),
            )


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width)


def _settings(values: dict[str, Any]) -> dict[str, Any]:
    return {k: values[k] for k in _ANALYSIS_OPTIONS if k in values and k != "calibration_end"}


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for customers.csv, customers.parquet, models.json and report.html.",
)
@click.option("--encoding", default="utf-8", show_default=True, help="Text encoding of CSV/TSV.")
@analysis_flags
@read_option_flags()
def analyze(
    input_path: Path,
    output: Path,
    encoding: str,
    no_report: bool,
    scheduler: str | None,
    **values: Any,
) -> None:
    """Analyse a transaction export: scored customers, models and an HTML report.

    INPUT is a CSV, TSV (optionally .gz) or Parquet file with one row per purchase; with
    --engine dask, a Parquet file, a folder of them or a glob ("exports/*.parquet").
    """
    read = _read_options(values)
    if values["engine"] == "dask":
        _analyze_on_dask(str(input_path), output, read, values, scheduler, not no_report)
        return
    if scheduler is not None:
        raise _Fail("--scheduler needs --engine dask")
    if not input_path.exists() or input_path.is_dir():
        several = input_path.is_dir() or any(ch in str(input_path) for ch in "*?[")
        if several:  # a folder or a glob: several files, read by the Dask engine
            raise _Fail(
                f"{input_path} is a folder or a pattern of several files; pass --engine dask "
                "to read them all, or give one file"
            )
        raise _Fail(f"{input_path} does not exist")
    read_with_product = {**read, "product_col": values.get("product_col")}
    t0 = time.perf_counter()
    tx = read_export(input_path, read_with_product, encoding)
    t_read = time.perf_counter() - t0
    _run_analysis(
        tx, input_path.name, output, read, _settings(values), report=not no_report, t_read=t_read
    )


def _analyze_on_dask(
    path: str,
    output: Path,
    read: dict[str, Any],
    values: dict[str, Any],
    scheduler: str | None,
    report: bool,
) -> None:
    try:
        from ._dask.cluster import parquet_input
        from ._dask.cluster import scheduler as cluster
    except ImportError as err:
        raise _Fail(
            f"--engine dask needs the dask extra: pip install 'custvalue[dask]' ({err})"
        ) from None
    try:
        parquet_input(path)
    except ValueError as err:
        raise _Fail(str(err)) from None
    with cluster(scheduler):
        _run_analysis(path, path, output, read, _settings(values), report=report, t_read=None)


@main.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("custvalue-demo"),
    show_default=True,
    help="Folder for the demo's files.",
)
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
def demo(output: Path, lang: str) -> None:
    """Run the whole analysis on the bundled CDNOW log (23,570 customers, 1997-1998).

    The literature's set-up: weekly durations, purchases merged per day, models compared on
    the last 39 weeks (1 October 1997 to 30 June 1998).
    """
    t0 = time.perf_counter()
    tx = _cdnow("full")
    t_read = time.perf_counter() - t0
    read = {
        "customer_col": "customer_id",
        "time_col": "timestamp",
        "amount_col": "amount",
        "time_unit": "W",
    }
    settings = {"observation_end": "1998-06-30", "holdout_length": 39.0, "lang": lang}
    _run_analysis(
        tx,
        "CDNOW transaction log (bundled)",
        output,
        read,
        settings,
        report=True,
        t_read=t_read,
    )


if __name__ == "__main__":  # pragma: no cover
    main()
