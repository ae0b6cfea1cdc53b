"""Bundled reference data and a seeded synthetic transaction generator.

See ``PROVENANCE.md`` in this folder for where each file comes from.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

from .._schema import N_REPEAT, PURCHASE_SPAN, TENURE
from ._cdnow import load_cdnow
from ._synthetic import make_transactions

__all__ = ["load_cdnow", "load_donations", "make_transactions"]


def _data_path(name: str) -> resources.abc.Traversable:
    return resources.files(__package__).joinpath("data", name)


def load_donations() -> pd.DataFrame:
    """Load the donations data of Fader, Hardie & Shang (2010), aggregated by pattern.

    11,104 first-time supporters of a non-profit (the 1995 cohort), observed over six
    yearly donation opportunities (1996-2001). Each row is one repeat-donation pattern:
    ``n_repeat`` (x, donations in the six opportunities), ``purchase_span`` (t_x, the
    opportunity of the last donation, 0 when none), ``tenure`` (n = 6 opportunities) and
    ``count`` (how many donors show the pattern; pass it as ``weights`` when fitting).

    Returns
    -------
    pandas.DataFrame
        22 rows, columns ``n_repeat``, ``purchase_span``, ``tenure``, ``count`` (int64).

    Examples
    --------
    >>> from custvalue.datasets import load_donations
    >>> d = load_donations()
    >>> int(d["count"].sum())
    11104
    """
    with _data_path("donations.csv").open("r") as fh:
        raw = pd.read_csv(fh, dtype="int64")
    out = raw.rename(
        columns={
            "frequency": N_REPEAT,
            "recency": PURCHASE_SPAN,
            "periods": TENURE,
            "weights": "count",
        }
    )
    return out[[N_REPEAT, PURCHASE_SPAN, TENURE, "count"]]
