"""Seeded synthetic transaction logs from a BG/NBD purchase process and Gamma-Gamma spend."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_scalar

__all__ = ["make_transactions"]

_FAULTS = ("duplicates", "refunds", "missing_amount", "missing_id", "missing_time")
_UNIT_SECONDS = {"D": 86400, "W": 7 * 86400}


def make_transactions(
    n_customers: int,
    *,
    start: Any = "1997-01-01",
    end: Any = "1998-06-30",
    acquisition_end: Any = None,
    r: float = 0.243,
    alpha: float = 4.414,
    a: float = 0.793,
    b: float = 2.426,
    p: float = 6.25,
    q: float = 3.74,
    gamma: float = 15.44,
    time_unit: str = "W",
    product_lines: int | Sequence[str] | None = None,
    faults: Mapping[str, float] | None = None,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Generate a transaction log from a BG/NBD purchase process with Gamma-Gamma spend.

    Each customer makes a first purchase at a uniform time between ``start`` and
    ``acquisition_end``; repeat purchases follow a Poisson process with rate
    ``lambda ~ Gamma(r, alpha)`` (per ``time_unit``) and after each repeat purchase the
    customer drops out with probability ``p_i ~ Beta(a, b)`` (Fader, Hardie & Lee 2005).
    Every purchase is worth ``z ~ Gamma(p, nu)`` with ``nu ~ Gamma(q, gamma)`` per customer
    (Gamma-Gamma), rounded to cents (at least 0.01). Times carry seconds, so several
    purchases can fall on one day. The defaults are the published CDNOW estimates (weekly
    rates), which give about 2.8 rows per customer over the default 78 weeks.

    The draw is vectorised over customers (one step per purchase number) and depends only
    on ``random_state``, never on the global NumPy random state.

    Parameters
    ----------
    n_customers : int
        Number of customers (ids 1..n_customers).
    start, end : date-like
        First and last day (inclusive) of the log.
    acquisition_end : date-like, optional
        Latest first purchase; default: one sixth of the way from ``start`` to ``end``.
    r, alpha, a, b : float
        BG/NBD parameters (rates per ``time_unit``).
    p, q, gamma : float
        Gamma-Gamma spend parameters.
    time_unit : {"D", "W"}, default "W"
        Unit the purchase rates are expressed in.
    product_lines : int or sequence of str, optional
        Add a categorical ``product`` column: ``k`` lines named ``line_1``..``line_k``, or
        the names given. Each customer has own preferences (Dirichlet(1, ..., 1)).
    faults : mapping, optional
        Fractions of rows (0..1) to spoil, as in real exports: ``duplicates`` (exact
        copies appended), ``refunds`` (a full refund row, negative amount, up to 14 days
        after a purchase), ``missing_amount`` (NaN), ``missing_id`` (the id becomes
        missing; the column is then nullable ``Int64``), ``missing_time`` (NaT).
    random_state : int or numpy.random.Generator, optional
        Seed or generator.

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (int64), ``timestamp`` (datetime64[us]), ``amount`` (float64)
        [, ``product`` (category)], sorted by time.

    Examples
    --------
    >>> from custvalue.datasets import make_transactions
    >>> tx = make_transactions(1000, random_state=1)
    >>> list(tx.columns)
    ['customer_id', 'timestamp', 'amount']
    >>> tx.equals(make_transactions(1000, random_state=1))
    True
    """
    n = int(check_scalar("n_customers", n_customers, minimum=1, integer=True))
    for name, v in (("r", r), ("alpha", alpha), ("a", a), ("b", b), ("p", p), ("q", q)):
        check_scalar(name, v, minimum=0, strict=True)
    check_scalar("gamma", gamma, minimum=0, strict=True)
    if time_unit not in _UNIT_SECONDS:
        raise ValueError(f"time_unit={time_unit!r} is not valid; choose one of: 'D', 'W'")
    faults = dict(faults or {})
    unknown = set(faults) - set(_FAULTS)
    if unknown:
        raise ValueError(f"unknown fault(s) {sorted(unknown)}; known: {list(_FAULTS)}")
    for fault, share in faults.items():
        check_scalar(f"faults[{fault!r}]", share, minimum=0, maximum=1)
    rng = np.random.default_rng(random_state)

    t0 = pd.Timestamp(start).normalize()
    t_end = pd.Timestamp(end).normalize() + pd.Timedelta(days=1)
    if t_end <= t0:
        raise ValueError("end must not be before start")
    t_acq = t0 + (t_end - t0) / 6 if acquisition_end is None else pd.Timestamp(acquisition_end)
    unit_s = _UNIT_SECONDS[time_unit]
    horizon = (t_end - t0).total_seconds() / unit_s
    acq = min((t_acq - t0).total_seconds() / unit_s, horizon)

    birth = rng.uniform(0.0, acq, n)
    lam = rng.gamma(r, 1.0 / alpha, n)
    scale = 1.0 / np.maximum(lam, 1e-300)
    drop_p = rng.beta(a, b, n)
    nu = rng.gamma(q, 1.0 / gamma, n)

    cust = [np.arange(n)]
    times = [birth]
    alive = np.arange(n)
    cur = birth
    while alive.size:
        cur = cur + rng.standard_exponential(alive.size) * scale[alive]
        ok = cur < horizon
        alive, cur = alive[ok], cur[ok]
        cust.append(alive)
        times.append(cur)
        stay = rng.random(alive.size) >= drop_p[alive]
        alive, cur = alive[stay], cur[stay]
    c = np.concatenate(cust)
    t = np.concatenate(times)
    amount = np.maximum(np.round(rng.gamma(p, 1.0 / nu[c]), 2), 0.01)
    secs = np.floor(t * unit_s).astype("int64")
    stamp = (t0.to_datetime64().astype("datetime64[s]") + secs.astype("timedelta64[s]")).astype(
        "datetime64[us]"
    )
    cols: dict[str, Any] = {"customer_id": c + 1, "timestamp": stamp, "amount": amount}
    if product_lines is not None:
        names = (
            [f"line_{i + 1}" for i in range(int(product_lines))]
            if isinstance(product_lines, int | np.integer)
            else [str(x) for x in product_lines]
        )
        k = len(names)
        pref = rng.gamma(1.0, 1.0, (n, k))
        cum = np.cumsum(pref / pref.sum(axis=1, keepdims=True), axis=1)
        u = rng.random(c.size)
        pick = np.minimum((u[:, None] > cum[c]).sum(axis=1), k - 1)
        cols["product"] = pd.Categorical.from_codes(
            pick.astype("int64"), categories=pd.Index(names)
        )
    df = pd.DataFrame(cols)

    m = len(df)
    extra = []
    if faults.get("duplicates"):
        extra.append(df.iloc[rng.choice(m, int(round(faults["duplicates"] * m)), replace=False)])
    if faults.get("refunds"):
        ref = df.iloc[rng.choice(m, int(round(faults["refunds"] * m)), replace=False)].copy()
        lag = (rng.uniform(0, 14 * 86400, len(ref))).astype("int64").astype("timedelta64[s]")
        last = (t_end - pd.Timedelta(seconds=1)).to_datetime64()
        ref["timestamp"] = np.minimum(ref["timestamp"].to_numpy() + lag, last).astype(
            "datetime64[us]"
        )
        ref["amount"] = -ref["amount"]
        extra.append(ref)
    if extra:
        df = pd.concat([df, *extra], ignore_index=True)
    m = len(df)
    if faults.get("missing_amount"):
        pos = rng.choice(m, int(round(faults["missing_amount"] * m)), replace=False)
        df.loc[pos, "amount"] = np.nan
    if faults.get("missing_time"):
        pos = rng.choice(m, int(round(faults["missing_time"] * m)), replace=False)
        df.loc[pos, "timestamp"] = pd.NaT
    if faults.get("missing_id"):
        pos = rng.choice(m, int(round(faults["missing_id"] * m)), replace=False)
        spoil = np.zeros(m, dtype=bool)
        spoil[pos] = True
        df["customer_id"] = df["customer_id"].astype("Int64").mask(spoil)
    order = np.argsort(df["timestamp"].to_numpy(), kind="stable")
    return df.iloc[order].reset_index(drop=True)
