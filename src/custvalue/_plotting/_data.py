"""Input checks and small tables shared by the plots (private)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import Checks, numeric_array
from ..labels import LABELS, PLOT_TEXTS, display
from ..report import segment_report
from ._style import text

REPORT_COLUMNS = ("n_customers", "customer_share", "value_share")


def categorical(series: Any, what: str, name: str = "labels") -> pd.Series:
    if not isinstance(series, pd.Series) or not isinstance(series.dtype, pd.CategoricalDtype):
        raise TypeError(f"{what}: {name} must be a categorical pandas Series (a custvalue output)")
    checks = Checks(what, ids=series.index)
    checks.rows(series.isna().to_numpy(), str(series.name), "missing labels")
    checks.raise_if_failed()
    return series


def display_names(codes: list[Any], kind: Any, lang: str) -> list[str]:
    """Display labels of category codes when they are codes of a known kind, else as given."""
    if isinstance(kind, str) and kind in LABELS and all(str(c) in LABELS[kind] for c in codes):
        return [LABELS[kind][str(c)][lang] for c in codes]
    if not (isinstance(kind, str) and kind in LABELS):
        probe = pd.Series(pd.Categorical([], categories=codes))
        try:
            return [str(c) for c in display(probe, lang=lang).cat.categories]
        except ValueError:  # not codes of one known kind: shown as given
            pass
    return [str(c) for c in codes]


def value_series(value: Any, what: str, name: str = "value") -> pd.Series:
    """Return a numeric Series with finite values (one error listing the bad customers)."""
    if not isinstance(value, pd.Series):
        raise TypeError(f"{what}: {name} must be a pandas Series indexed by customer id")
    checks = Checks(what, ids=value.index)
    label = str(value.name) if value.name is not None else name
    numeric_array(value, label, checks)
    checks.raise_if_failed()
    return value


def segment_frame(data: Any, value: Any, what: str, lang: str) -> tuple[pd.DataFrame, list[str]]:
    """Return per segment ``n_customers``, ``customer_share`` and ``value_share``.

    ``value_share`` is NaN without a value. Read from a categorical Series (+ an optional
    value Series) or from :func:`custvalue.segment_report` output; with the segments'
    display names.
    """
    if isinstance(data, pd.DataFrame):
        missing = [c for c in REPORT_COLUMNS if c not in data.columns]
        if missing:
            raise ValueError(
                f"{what}: expected segment_report output (columns {list(REPORT_COLUMNS)}); "
                f"missing {missing}"
            )
        if value is not None:
            raise ValueError(f"{what}: value is used only with segment labels, not with a report")
        frame = data[list(REPORT_COLUMNS)].copy()
        names = display_names(list(data.index), data.index.name, lang)
        return frame, names
    labels = categorical(data, what)
    if value is None:
        n = labels.value_counts(sort=False).reindex(labels.cat.categories, fill_value=0)
        frame = pd.DataFrame(
            {
                "n_customers": n.to_numpy(dtype="int64"),
                "customer_share": n.to_numpy(dtype="float64") / max(len(labels), 1),
                "value_share": np.nan,
            },
            index=labels.cat.categories,
        )
    else:
        v = value_series(value, what)
        frame = segment_report(pd.DataFrame(index=labels.index), labels, value=v)[
            list(REPORT_COLUMNS)
        ]
    names = display_names(list(labels.cat.categories), labels.name, lang)
    return frame, names


def value_name(value: pd.Series | None, label: str | None, lang: str) -> str:
    """How a value is named in titles: ``label``, a known column's label, or its name."""
    if label is not None:
        return label
    name = None if value is None else value.name
    key = f"column.{name}"
    if isinstance(name, str) and key in PLOT_TEXTS:
        return text(key, lang)
    if name is None:
        return text("column.value", lang)
    return str(name)
