"""The whole analysis on Dask equals the pandas one (issue 12).

``cv.analyze(..., engine="dask")`` and ``custvalue analyze --engine dask`` run the same steps
on Dask: the customers (every column, to the last bit), the choice of model, the row report
and the spend summary equal the pandas analysis of the same log; the holdout errors equal it
up to the order of summation. The input may be a Dask DataFrame, a folder or a glob of
Parquet files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import custvalue as cv
from custvalue.cli import main
from custvalue.datasets import make_transactions

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

from _dask_parts import synchronous  # noqa: E402, F401 (after the skip; the autouse fixture)

KW: dict[str, Any] = {"amount_col": "amount", "time_unit": "W"}


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    tx = make_transactions(3000, faults={"duplicates": 0.01}, random_state=3)
    return tx.sort_values("timestamp", kind="stable").reset_index(drop=True)


def write_parts(log: pd.DataFrame, folder: Path, n: int) -> None:
    """Write ``log`` as ``n`` Parquet files of consecutive rows."""
    cuts = np.linspace(0, len(log), n + 1).astype(int)
    for i in range(n):
        log.iloc[cuts[i] : cuts[i + 1]].to_parquet(folder / f"part-{i}.parquet")


def assert_same_analysis(got: cv.Analysis, expected: cv.Analysis) -> None:
    pd.testing.assert_frame_equal(
        got.customers.compute().sort_index(), expected.customers.sort_index(), check_exact=True
    )
    assert got.choice == expected.choice
    assert got.table_report == expected.table_report
    assert got.spend == expected.spend
    assert got.models["purchase"].params_ == expected.models["purchase"].params_
    assert got.evaluation is not None and expected.evaluation is not None
    # the same rows and columns; the holdout errors are sums taken in another order
    cols = list(expected.evaluation.columns)
    pd.testing.assert_frame_equal(got.evaluation[cols], expected.evaluation, rtol=1e-12)


@pytest.mark.parametrize("holdout_length", [None, 26.0])
@pytest.mark.parametrize("n", [1, 5])
def test_analyze_on_dask_equals_pandas(
    log: pd.DataFrame, holdout_length: float | None, n: int
) -> None:
    expected = cv.analyze(log, holdout_length=holdout_length, **KW)
    got = cv.analyze(
        dd.from_pandas(log, npartitions=n, sort=False),
        engine="dask",
        holdout_length=holdout_length,
        **KW,
    )
    assert_same_analysis(got, expected)
    assert got.holdout == {}  # no per-customer holdout frames on Dask


def test_product_lines_and_churn(log: pd.DataFrame) -> None:
    rng = np.random.default_rng(5)
    lines = log.assign(product=rng.choice(["books", "music", "film"], size=len(log)))
    expected = cv.analyze(lines, product_col="product", **KW)
    got = cv.analyze(
        dd.from_pandas(lines, npartitions=4, sort=False), engine="dask", product_col="product", **KW
    )
    assert_same_analysis(got, expected)
    assert "churn_status" in got.customers.columns


def test_parquet_folder_in_and_out(log: pd.DataFrame, tmp_path: Path) -> None:
    folder = tmp_path / "tx"
    folder.mkdir()
    write_parts(log, folder, 3)  # rows cut in time: customers span files
    expected = cv.analyze(log, holdout_length=26.0, **KW)
    for source in (folder, str(folder / "*.parquet")):
        got = cv.analyze(source, engine="dask", holdout_length=26.0, **KW)
        assert_same_analysis(got, expected)
    paths = got.save(tmp_path / "out")
    assert paths["parquet"] == tmp_path / "out" / "customers"
    assert "csv" not in paths
    back = pd.read_parquet(paths["parquet"]).sort_index()
    pd.testing.assert_frame_equal(back, expected.customers.sort_index(), check_exact=True)
    doc = json.loads(paths["models"].read_text(encoding="utf-8"))
    assert doc["purchase_model"]["choice"] == expected.choice
    assert "<html" in paths["report"].read_text(encoding="utf-8")


def test_engine_errors(log: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="engine"):
        cv.analyze(log, engine="spark", **KW)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="folder"):
        cv.analyze([1, 2, 3], engine="dask", **KW)


def test_whole_analysis_on_two_million_rows(tmp_path: Path) -> None:
    # the "whole analysis on a few million rows through Dask inside make test"
    tx = make_transactions(750_000, random_state=8)
    assert len(tx) > 2_000_000
    ddf = dd.from_pandas(tx, npartitions=8, sort=False)
    with dask.config.set(scheduler="threads", num_workers=2):
        a = cv.analyze(ddf, engine="dask", holdout_length=26.0, **KW)
        paths = a.save(tmp_path / "out", report=False)
    customers = pd.read_parquet(paths["parquet"])
    assert len(customers) == tx["customer_id"].nunique()
    assert customers.index.is_unique
    assert customers["clv"].notna().all() and customers["prob_alive"].between(0, 1).all()
    assert float(customers["total_spend"].sum()) == pytest.approx(float(tx["amount"].sum()))


def test_cli_engine_dask(log: pd.DataFrame, tmp_path: Path) -> None:
    folder = tmp_path / "tx"
    folder.mkdir()
    write_parts(log, folder, 2)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "analyze",
            str(folder),
            "--output",
            str(out),
            "--engine",
            "dask",
            "--amount-col",
            "amount",
            "--time-unit",
            "W",
            "--no-report",
        ],
    )
    assert result.exit_code == 0, result.output
    expected = cv.analyze(log, **KW)
    back = pd.read_parquet(out / "customers").sort_index()
    pd.testing.assert_frame_equal(back, expected.customers.sort_index(), check_exact=True)
    assert "customers (Parquet)" in result.output


def test_cli_engine_dask_input_errors(tmp_path: Path) -> None:
    csv = tmp_path / "tx.csv"
    csv.write_text("customer_id,timestamp\n1,2020-01-01\n", encoding="utf-8")
    runner = CliRunner()
    bad = runner.invoke(main, ["analyze", str(csv), "-o", str(tmp_path / "o"), "--engine", "dask"])
    assert bad.exit_code != 0 and "is not a .parquet file" in bad.output
    none = runner.invoke(
        main,
        ["analyze", str(tmp_path / "x*.parquet"), "-o", str(tmp_path / "o"), "--engine", "dask"],
    )
    assert none.exit_code != 0 and "no file matches" in none.output
    sched = runner.invoke(
        main, ["analyze", str(csv), "-o", str(tmp_path / "o"), "--scheduler", "x"]
    )
    assert sched.exit_code != 0 and "--scheduler needs --engine dask" in sched.output


def test_customers_are_assembled_without_a_second_shuffle(log: pd.DataFrame) -> None:
    # the scores, segments and stages are put beside the persisted table partition by
    # partition: DataFrame.assign would shuffle every column by index once more
    lines = log.assign(product=np.where(log.index % 3 == 0, "a", "b"))
    a = cv.analyze(
        dd.from_pandas(lines, npartitions=4, sort=False), engine="dask", product_col="product", **KW
    )
    steps = [type(e).__name__ for e in a.customers.optimize().expr.walk()]
    assert not [s for s in steps if "Shuffle" in s]
