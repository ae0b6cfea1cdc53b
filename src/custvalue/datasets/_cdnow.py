"""The CDNOW transaction log (Fader & Hardie), bundled compressed."""

from __future__ import annotations

from importlib import resources
from typing import Literal

import numpy as np
import pandas as pd

from .._validation import check_choice

__all__ = ["load_cdnow"]


def _data_file(name: str) -> resources.abc.Traversable:
    return resources.files(__package__).joinpath("data", name)


def load_cdnow(*, subset: Literal["full", "sample"] = "full") -> pd.DataFrame:
    """Load the CDNOW transaction log (Fader & Hardie), one row per purchase.

    The 23,570 customers who made their first purchase at CDNOW in the first 12 weeks of
    1997, with every purchase up to 30 June 1998 (69,659 rows). ``subset="sample"`` gives
    the 1/10 sample used in the BTYD literature (2,357 customers, 6,919 rows); its customers
    keep their master ids. Several purchases of a customer on one day are separate rows:
    :func:`custvalue.customer_table` merges them per day by default. 80 rows have a zero
    amount. See ``PROVENANCE.md`` in this package.

    Parameters
    ----------
    subset : {"full", "sample"}, default "full"
        All customers, or the 2,357-customer sample.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id`` (int64), ``timestamp`` (datetime64, day resolution values),
        ``quantity`` (int64, CDs bought) and ``amount`` (float64, US dollars), in the order
        of the original file (by customer, then date).

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow
    >>> tx = load_cdnow()
    >>> len(tx), tx["customer_id"].nunique()
    (69659, 23570)
    >>> load_cdnow(subset="sample")["customer_id"].nunique()
    2357
    """
    check_choice("subset", subset, ("full", "sample"))
    with _data_file("cdnow_master.csv.gz").open("rb") as fh:
        raw = pd.read_csv(
            fh,
            compression="gzip",
            dtype={
                "customer_id": "int64",
                "date": "int64",
                "quantity": "int64",
                "amount": "float64",
            },
        )
    if subset == "sample":
        with _data_file("cdnow_sample_ids.csv").open("r") as fh:
            ids = pd.read_csv(fh, dtype="int64")["customer_id"].to_numpy()
        raw = raw[np.isin(raw["customer_id"].to_numpy(), ids)].reset_index(drop=True)
    timestamp = pd.to_datetime(raw["date"].astype("str"), format="%Y%m%d").astype("datetime64[us]")
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "timestamp": timestamp,
            "quantity": raw["quantity"],
            "amount": raw["amount"],
        }
    )
