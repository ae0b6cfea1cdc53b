"""``cv.analyze(..., engine="dask")``: the whole analysis on a Dask DataFrame (private).

The same steps as the pandas engine, on the same public functions (which take Dask tables):
the customer table (one exchange of the rows by customer, persisted), the candidate fits on distinct
sufficient-statistic rows, the choice (holdout errors or BIC), the refit, then every
per-customer result lazy and per partition. What differs, and why:

* the holdout errors (MAE, RMSE, bias, totals) are sums over partitions, not per-customer
  frames held in memory, so :attr:`Analysis.holdout` is empty (the report then shows the
  candidates' metrics without the per-customer holdout figures);
* expected spend, CLV and historical value are computed in one pass per partition by the
  pandas functions (each customer's value is its own row's: exactly the pandas numbers);
* ``customers`` is a lazy Dask DataFrame, partitioned by customer; :meth:`Analysis.save`
  writes it as a folder of Parquet files.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.base import compute

from .._analysis_steps import expected_spend, spend_usable
from .._schema import HOLDOUT_LENGTH, HOLDOUT_PURCHASES, N_REPEAT
from ..clv import GammaGammaModel, customer_lifetime_value, historical_value
from .rowwise import stand_in

__all__ = [
    "as_dask",
    "holdout_evaluation",
    "score",
    "side_by_side",
    "spend_model",
    "write_customers",
]

_SUMS = ("n", "abs", "sq", "err", "actual", "predicted")


def as_dask(transactions: Any, what: str = "analyze") -> Any:
    """Return the transactions as a Dask DataFrame.

    A folder or glob of Parquet files (``str`` or path) is read lazily by
    :func:`dask.dataframe.read_parquet`; a pandas frame is cut into one partition per core.
    """
    if isinstance(transactions, dd.DataFrame):
        return transactions
    if isinstance(transactions, str | os.PathLike):
        return dd.read_parquet(os.fspath(transactions))
    if isinstance(transactions, pd.DataFrame):
        return dd.from_pandas(transactions, npartitions=max(1, os.cpu_count() or 1))
    raise TypeError(
        f"{what}(engine='dask') takes a Dask DataFrame, a pandas DataFrame or a folder (or "
        f"glob) of Parquet files; got {type(transactions).__name__}"
    )


def _errors(part: pd.DataFrame, model: Any) -> pd.DataFrame:
    """Return the sums behind the holdout metrics of one partition."""
    pred = np.zeros(len(part))
    lengths = part[HOLDOUT_LENGTH].to_numpy(dtype=np.float64)
    for length in np.unique(lengths):  # one holdout window: normally a single length
        rows = lengths == length
        pred[rows] = model.expected_purchases(part[rows], horizon=float(length)).to_numpy()
    actual = part[HOLDOUT_PURCHASES].to_numpy(dtype=np.float64)
    err = pred - actual
    return pd.DataFrame(
        {
            "n": [float(err.size)],
            "abs": [float(np.abs(err).sum())],
            "sq": [float((err * err).sum())],
            "err": [float(err.sum())],
            "actual": [float(actual.sum())],
            "predicted": [float(pred.sum())],
        }
    )


def holdout_evaluation(models: Mapping[str, Any], calibration: Any) -> pd.DataFrame:
    """Compare the fitted candidates as :func:`custvalue.compare_models` does, on Dask.

    The holdout errors are sums over the partitions (one pass for every model), so they
    equal the pandas metrics up to the order of summation.
    """
    meta = pd.DataFrame({k: pd.Series(dtype=np.float64) for k in _SUMS})
    sums = {
        name: calibration.map_partitions(_errors, m, meta=meta).sum() for name, m in models.items()
    }
    (totals,) = compute(sums)
    rows = {}
    for name, m in models.items():
        t = totals[name]
        n = t["n"]
        rows[name] = {
            "n_params": float(len(m.params_)),
            "loglik": float(m.loglik_),
            "aic": float(m.aic_),
            "bic": float(m.bic_),
            "mae": t["abs"] / n,
            "rmse": math.sqrt(t["sq"] / n),
            "bias": t["err"] / n,
            "total_actual": t["actual"],
            "total_predicted": t["predicted"],
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "model"
    out["n_params"] = out["n_params"].astype(np.int64)
    out["rank_loglik"] = out["loglik"].rank(ascending=False, method="min").astype(np.int64)
    for key in ("aic", "bic", "mae", "rmse"):
        out[f"rank_{key}"] = out[key].rank(method="min").astype(np.int64)
    return out.sort_values(["aic", "bic"], kind="stable")


def spend_model(table: Any) -> tuple[GammaGammaModel, dict[str, int]]:
    """Fit Gamma-Gamma on the repeat buyers with a positive mean repeat spend (as pandas).

    Returns the model and the counts of the spend summary (one pass).
    """
    usable = spend_usable(table)
    gg = GammaGammaModel().fit(table[usable])
    repeat = table[N_REPEAT] > 0
    (fitted_on, no_repeat, nonpositive) = compute(
        usable.sum(), (~repeat).sum(), (repeat & ~usable).sum()
    )
    return gg, {
        "fitted_on": int(fitted_on),
        "no_repeat": int(no_repeat),
        "nonpositive": int(nonpositive),
    }


def _score_part(
    part: pd.DataFrame,
    purchase: Any,
    gg: GammaGammaModel | None,
    clv_options: Mapping[str, Any],
    horizon: float,
) -> pd.DataFrame:
    """Return the per-customer scores of one partition, by the pandas functions."""
    if len(part) == 0:  # a partition without customers (hash partitioning)
        part = stand_in(part)
        return _score_part(part, purchase, gg, clv_options, horizon).iloc[:0]
    out = pd.DataFrame(index=part.index)
    out["prob_alive"] = purchase.prob_alive(part)
    out["expected_purchases"] = purchase.expected_purchases(part, horizon=horizon)
    if gg is None:
        for col in ("expected_spend", "clv", "historical_value"):
            out[col] = np.nan
        return out
    spend = expected_spend(gg, part)
    out["expected_spend"] = spend
    margin = clv_options["margin"]
    cost = clv_options["cost_to_serve"] or None
    period = clv_options["period_length"]
    out["clv"] = customer_lifetime_value(
        purchase,
        spend,
        part,
        horizon=horizon,
        period_length=period,
        discount_rate=clv_options["discount_rate"],
        margin=margin,
        cost_to_serve=cost,
    )
    out["historical_value"] = historical_value(
        part, margin=margin, cost_to_serve=cost, period_length=period
    )
    return out


def score(
    table: Any,
    purchase: Any,
    gg: GammaGammaModel | None,
    clv_options: Mapping[str, Any],
    horizon: float,
) -> Any:
    """Return P(alive), expected purchases, expected spend, CLV and historical value (lazy)."""
    meta = _score_part(table._meta.iloc[:0], purchase, gg, clv_options, horizon)
    return table.map_partitions(_score_part, purchase, gg, clv_options, horizon, meta=meta)


def _write_part(part: pd.DataFrame, path: str) -> int:
    part.to_parquet(path)
    return len(part)


def write_customers(customers: Any, folder: Any) -> None:
    """Write the customers as one Parquet file per partition, the index kept (by the workers).

    ``dd.to_parquet`` would set the index back in place on every partition, which pandas 3.1
    deprecates (a warning for every save); pandas writes each partition itself here, with
    its index in the file's metadata, so ``pandas.read_parquet(folder)`` and
    ``dask.dataframe.read_parquet(folder)`` give the customers back indexed by id.
    """
    from dask.delayed import delayed

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    parts = customers.to_delayed()
    width = len(str(len(parts)))
    writes = [
        delayed(_write_part)(part, str(out / f"part.{i:0{width}d}.parquet"))
        for i, part in enumerate(parts)
    ]
    compute(*writes)


def _side_by_side(part: pd.DataFrame, *columns: Any, names: tuple[str, ...]) -> pd.DataFrame:
    out = part.copy()
    for name, col in zip(names, columns, strict=True):
        if not col.index.equals(part.index):  # pragma: no cover - a partitioning bug
            raise AssertionError(f"analyze: {name} is not partitioned like the customer table")
        out[name] = col  # the same index: put side by side, dtype kept
    return out


def side_by_side(table: Any, columns: Mapping[str, Any]) -> Any:
    """Return ``table`` with ``columns`` added, partition by partition, without a shuffle.

    Every column must be partitioned like the table (the same customers in the same order
    in partition i: the table's own scores, and the lifecycle stages and churn, which come
    from the same exchange of the transactions by customer). ``DataFrame.assign`` cannot see that for
    columns from another graph (a persisted table, the transactions) and shuffles both
    sides by index; here each partition is checked instead.
    """
    names = tuple(columns)
    series = [columns[n] for n in names]
    if any(s.npartitions != table.npartitions for s in series):
        return table.assign(**columns)  # aligned by index (a shuffle), still exact
    meta = _side_by_side(table._meta, *(s._meta for s in series), names=names)
    return dd.map_partitions(
        _side_by_side, table, *series, names=names, meta=meta, align_dataframes=False
    )
