"""The ``custvalue`` command."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from custvalue.cli import main


def test_summary_cdnow() -> None:
    res = CliRunner().invoke(main, ["summary", "--dataset", "cdnow"])
    assert res.exit_code == 0, res.output
    out = res.output
    assert "69,659" in out  # rows read and used
    assert "23,570" in out  # customers
    assert "zero-amount rows kept as purchases" in out and " 80" in out
    assert "repeat buyers" in out
    assert "2,500,315.63" in out  # total spend of the CDNOW log
    assert "weeks" in out
    # a label longer than the label column is still apart from its number
    assert "exact duplicate rows kept (--duplicates drop)  255" in out


def test_summary_cdnow_sample_calibration_window() -> None:
    res = CliRunner().invoke(
        main,
        [
            "summary",
            "--dataset",
            "cdnow-sample",
            "--observation-end",
            "1997-09-30",
            "--after-end",
            "drop",
        ],
    )
    assert res.exit_code == 0, res.output
    # DOMAIN.md: 946 of the 2,357 sample customers repeat within the 39 calibration weeks
    assert "946 (40.1%)" in res.output
    assert "dropped: after end" in res.output


def test_summary_csv_input(tmp_path: Path) -> None:
    f = tmp_path / "tx.csv"
    pd.DataFrame(
        {
            "cust": ["a", "a", "b", "b"],
            "when": ["03/01/2024", "05/02/2024", "04/01/2024", "04/01/2024"],
            "value": [10.0, 20.0, 5.0, -5.0],
        }
    ).to_csv(f, index=False)
    base = ["summary", "--input", str(f), "--customer-col", "cust", "--time-col", "when"]
    # day/month order is never guessed
    res = CliRunner().invoke(main, [*base, "--amount-col", "value"])
    assert res.exit_code != 0
    assert "--time-format" in res.output and "time_format" not in res.output
    res = CliRunner().invoke(
        main, [*base, "--amount-col", "value", "--time-format", "%d/%m/%Y", "--refunds", "drop"]
    )
    assert res.exit_code == 0, res.output
    assert "dropped: refund" in res.output
    assert "customers" in res.output and "total spend" in res.output


def test_summary_parquet_input_without_amounts(tmp_path: Path) -> None:
    f = tmp_path / "tx.parquet"
    pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-09", "2024-01-05"]),
        }
    ).to_parquet(f)
    res = CliRunner().invoke(main, ["summary", "--input", str(f)])
    assert res.exit_code == 0, res.output
    assert "total spend" not in res.output
    assert "1 (50.0%)" in res.output  # one repeat buyer of two


def test_summary_needs_exactly_one_source() -> None:
    res = CliRunner().invoke(main, ["summary"])
    assert res.exit_code != 0
    assert "exactly one" in res.output
