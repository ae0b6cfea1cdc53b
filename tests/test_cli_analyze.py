"""custvalue analyze / demo: files written from a retail export in every format, and errors
that read as command-line errors (flags, every problem at once, customer ids)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from _retail import FLAGS, independent_spend, retail_export
from custvalue.cli import cli_message, main

RUNNER = CliRunner()


@pytest.fixture(scope="module")
def export() -> pd.DataFrame:
    return retail_export(200, seed=5)


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory: pytest.TempPathFactory, export: pd.DataFrame) -> Path:
    path = tmp_path_factory.mktemp("in") / "online_retail.csv"
    export.to_csv(path, index=False)
    return path


def _analyze(path: Path, out: Path, *extra: str) -> object:
    return RUNNER.invoke(
        main,
        ["analyze", str(path), "--output", str(out), *FLAGS, "--missing", "drop", *extra],
    )


def test_analyze_writes_every_file(csv_file: Path, export: pd.DataFrame, tmp_path: Path) -> None:
    res = _analyze(csv_file, tmp_path, "--refunds", "net", "--holdout-length", "60", "--no-report")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "customers.csv",
        "customers.parquet",
        "models.json",
    ]
    csv = pd.read_csv(tmp_path / "customers.csv", dtype={"customer_id": str}, index_col=0)
    parquet = pd.read_parquet(tmp_path / "customers.parquet")
    assert csv.index.is_unique and len(csv) == len(parquet)
    assert list(csv.index) == list(parquet.index)
    spend = independent_spend(export)
    pd.testing.assert_series_equal(
        csv["total_spend"], spend.loc[csv.index].rename("total_spend"), check_names=False
    )
    models = json.loads((tmp_path / "models.json").read_text())
    assert {"purchase_model", "models", "evaluation", "settings", "rows"} <= set(models)
    assert models["rows"]["rows_in"] == len(export)
    assert models["settings"]["read"]["time_format"] == "%d/%m/%Y %H:%M"
    purchase = models["models"]["purchase"]
    assert set(purchase["standard_errors"]) == set(purchase["params"])
    # the closing summary: rows by reason, the model and why, where the files are
    assert "dropped: missing id" in res.output
    assert "has the lowest mean absolute error" in res.output
    assert str(tmp_path / "customers.csv") in res.output


@pytest.mark.parametrize("kind", ["tsv", "csv.gz", "parquet"])
def test_every_input_format_gives_the_same_customers(
    kind: str, export: pd.DataFrame, csv_file: Path, tmp_path: Path
) -> None:
    path = tmp_path / f"export.{kind}"
    if kind == "tsv":
        export.to_csv(path, sep="\t", index=False)
    elif kind == "csv.gz":
        with gzip.open(path, "wt") as fh:
            export.to_csv(fh, index=False)
    else:
        export.to_parquet(path, index=False)
    res = _analyze(path, tmp_path / "out", "--refunds", "drop", "--no-report")
    assert res.exit_code == 0, res.output
    ref = _analyze(csv_file, tmp_path / "ref", "--refunds", "drop", "--no-report")
    assert ref.exit_code == 0, ref.output
    got = pd.read_parquet(tmp_path / "out" / "customers.parquet")
    want = pd.read_parquet(tmp_path / "ref" / "customers.parquet")
    pd.testing.assert_frame_equal(got, want)


def test_missing_column_says_did_you_mean(csv_file: Path, tmp_path: Path) -> None:
    res = RUNNER.invoke(
        main, ["analyze", str(csv_file), "-o", str(tmp_path), "--customer-col", "CustomerId"]
    )
    assert res.exit_code != 0
    assert (
        "missing column 'CustomerId' (--customer-col CustomerId); did you mean 'CustomerID'?"
        in (res.output)
    )


def test_every_problem_at_once_with_flags_and_ids(csv_file: Path, tmp_path: Path) -> None:
    res = RUNNER.invoke(
        main,
        [
            "analyze",
            str(csv_file),
            "-o",
            str(tmp_path),
            "--customer-col",
            "CustomerID",
            "--time-col",
            "InvoiceDate",
        ],
    )
    assert res.exit_code != 0
    out = res.output
    # the time-format problem does not hide the missing ids behind it
    assert "not ISO 8601" in out and "pass --time-format" in out
    assert "missing customer ids" in out and "--missing drop" in out
    assert "missing='drop'" not in out and "time_format" not in out


@pytest.mark.parametrize(
    ("end", "match"),
    [
        ("31/12/2011", "--observation-end='31/12/2011' is not ISO 8601"),
        ("2011-13-01", "not a valid date"),
    ],
)
def test_bad_observation_end_gets_our_message(
    csv_file: Path, tmp_path: Path, end: str, match: str
) -> None:
    res = RUNNER.invoke(
        main,
        [
            "analyze",
            str(csv_file),
            "-o",
            str(tmp_path),
            *FLAGS,
            "--missing",
            "drop",
            "--refunds",
            "drop",
            "--observation-end",
            end,
        ],
    )
    assert res.exit_code != 0
    assert "Traceback" not in res.output
    assert cli_message(f"observation_end={end!r}") in res.output or match in res.output


def test_unreadable_and_empty_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    res = RUNNER.invoke(main, ["analyze", str(empty), "-o", str(tmp_path / "o")])
    assert res.exit_code != 0 and "empty.csv is empty" in res.output
    binary = tmp_path / "garbage.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    res = RUNNER.invoke(main, ["analyze", str(binary), "-o", str(tmp_path / "o")])
    assert res.exit_code != 0 and "cannot read garbage.csv as CSV" in res.output
    latin = tmp_path / "latin.csv"
    latin.write_bytes("customer_id,timestamp,city\n1,2024-01-01,Orléans\n".encode("latin-1"))
    res = RUNNER.invoke(main, ["analyze", str(latin), "-o", str(tmp_path / "o")])
    assert res.exit_code != 0 and "is not utf-8 text; pass --encoding" in res.output
    bad_parquet = tmp_path / "broken.parquet"
    bad_parquet.write_text("not parquet")
    res = RUNNER.invoke(main, ["analyze", str(bad_parquet), "-o", str(tmp_path / "o")])
    assert res.exit_code != 0 and "cannot read broken.parquet as Parquet" in res.output
    other = tmp_path / "data.xlsx"
    other.write_text("x")
    res = RUNNER.invoke(main, ["analyze", str(other), "-o", str(tmp_path / "o")])
    assert res.exit_code != 0 and "use a .csv" in res.output


def test_several_files_need_the_dask_engine(tmp_path: Path) -> None:
    # a folder or a glob is several files: the pandas engine reads one, and says how
    folder = tmp_path / "exports"
    folder.mkdir()
    for target in (folder, tmp_path / "exports" / "*.parquet"):
        res = RUNNER.invoke(main, ["analyze", str(target), "-o", str(tmp_path / "o")])
        assert res.exit_code != 0 and "pass --engine dask" in res.output, res.output
    res = RUNNER.invoke(main, ["analyze", str(tmp_path / "none.csv"), "-o", str(tmp_path / "o")])
    assert res.exit_code != 0 and "none.csv does not exist" in res.output


def test_cli_message_translates_hints() -> None:
    msg = "pass missing='drop' to drop them; pass tz= (e.g. tz='UTC'); pass time_format (e.g. x)"
    assert cli_message(msg) == (
        "pass --missing drop to drop them; pass --tz (e.g. --tz UTC); pass --time-format (e.g. x)"
    )


def test_demo_writes_the_report(tmp_path: Path) -> None:
    res = RUNNER.invoke(main, ["demo", "--output", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "report.html").stat().st_size > 100_000
    assert "Pareto/NBD" in res.output and "23,570" in res.output


def test_python_dash_m_runs_the_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "custvalue", "--help"], capture_output=True, text=True, check=True
    )
    assert "analyze" in out.stdout and "demo" in out.stdout
