"""Writing an :class:`~custvalue.analysis.Analysis` to disk, in one folder.

The scored customers, the models and the report:

* ``customers.parquet`` and ``customers.csv``: one row per customer, index ``customer_id``
  (from the Dask engine: ``customers/``, a folder of Parquet files, one per partition);
* ``models.json``: every model's parameters, standard errors, log-likelihood and fit
  information, the holdout metrics of every candidate, the choice and why, the options used
  and the row report;
* ``report.html``: the self-contained briefing.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from ._dispatch import is_dask

if TYPE_CHECKING:
    from .analysis import Analysis

__all__ = ["models_document", "save_analysis"]


def _json_safe(v: Any) -> Any:
    """Plain JSON values: NaN and infinities become None, NumPy scalars Python numbers."""
    if isinstance(v, dict):
        return {str(k): _json_safe(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_json_safe(x) for x in v]
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, bool | int | float | str) or v is None:
        return v
    return str(v)


def _model_entry(model: Any) -> dict[str, Any]:
    out: dict[str, Any] = model.to_dict()
    table = model.param_table()
    out["standard_errors"] = {str(k): v for k, v in table["std_error"].items()}
    out["intervals_95"] = {str(k): [row["lower"], row["upper"]] for k, row in table.iterrows()}
    out["aic"] = model.aic_
    out["bic"] = model.bic_
    out.pop("cov", None)
    return out


def models_document(analysis: Analysis) -> dict[str, Any]:
    """Everything ``models.json`` holds, as a JSON-friendly dict."""
    from . import __version__

    evaluation = None
    if analysis.evaluation is not None:
        evaluation = {
            str(name): {str(k): v for k, v in row.items()}
            for name, row in analysis.evaluation.iterrows()
        }
    doc: dict[str, Any] = {
        "custvalue_version": __version__,
        "purchase_model": {
            "choice": analysis.choice,
            "reason": analysis.reason,
            **analysis.choice_detail,
        },
        "models": {"purchase": _model_entry(analysis.models["purchase"])},
        "candidates": {name: _model_entry(m) for name, m in analysis.models["candidates"].items()},
        "candidate_failures": analysis.failures,
        "evaluation": evaluation,
        "spend": None if analysis.spend is None else vars(analysis.spend),
        "settings": analysis.settings,
        "rows": analysis.table_report.as_dict(),
        "timings_seconds": analysis.timings,
    }
    if analysis.models.get("spend") is not None:
        doc["models"]["spend"] = _model_entry(analysis.models["spend"])
    return dict(_json_safe(doc))


def save_analysis(analysis: Analysis, folder: Any, *, report: bool = True) -> dict[str, Any]:
    """Write the analysis files into ``folder``; return kind -> path."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    customers = analysis.customers
    paths: dict[str, Any] = {}
    if is_dask(customers):
        # partitioned by customer: one Parquet file per partition, written by the workers
        from ._dask.analysis import write_customers

        paths["parquet"] = out / "customers"
        write_customers(customers, paths["parquet"])
    else:
        paths["parquet"] = out / "customers.parquet"
        customers.to_parquet(paths["parquet"])
        paths["csv"] = out / "customers.csv"
        write_csv(_csv_frame(customers), paths["csv"])
    paths["models"] = out / "models.json"
    paths["models"].write_text(
        json.dumps(models_document(analysis), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    if report:
        paths["report"] = out / "report.html"
        if is_dask(customers):
            # the report's figures and lists read every customer: collected once, here
            local = dataclasses.replace(analysis, customers=cast(Any, customers).compute())
            local.to_html(paths["report"])
        else:
            analysis.to_html(paths["report"])
    return paths


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` (index first) as UTF-8 CSV; pyarrow's writer, 10x pandas' speed."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pa.Table.from_pandas(frame.reset_index(), preserve_index=False)
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))


def _csv_frame(customers: pd.DataFrame) -> pd.DataFrame:
    """Return the customers with dates as ISO dates (no clock time where none is meaningful)."""
    frame = customers.copy()
    for col in frame.columns:
        if pd.api.types.is_datetime64_dtype(frame[col].dtype):
            stamps = frame[col]
            if (stamps == stamps.dt.normalize()).all():
                frame[col] = stamps.dt.strftime("%Y-%m-%d")
    return frame
