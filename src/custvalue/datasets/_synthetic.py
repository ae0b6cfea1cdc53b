"""Seeded synthetic transaction logs, simulated by the CLV models' own sampling code."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._rowkey import stable_order
from .._schema import N_REPEAT, PURCHASE_SPAN
from .._validation import check_scalar
from ..clv import BetaGeoBetaBinomModel, BetaGeoModel, GammaGammaModel
from ..clv._math._sampling import gamma_gamma_amounts, repeat_times

__all__ = ["make_transactions"]

_FAULTS = ("duplicates", "refunds", "missing_amount", "missing_id", "missing_time")
_UNIT_SECONDS = {"D": 86400, "W": 7 * 86400}
# the published CDNOW fits (weekly): BG/NBD (Fader, Hardie & Lee 2005) and Gamma-Gamma
# (Fader & Hardie 2013)
_CDNOW_PURCHASES = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
_CDNOW_SPEND = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def make_transactions(
    n_customers: int,
    *,
    transaction_model: Any = None,
    spend_model: Any = None,
    start: Any = "1997-01-01",
    end: Any = "1998-06-30",
    acquisition_end: Any = None,
    time_unit: str = "W",
    product_lines: int | Sequence[str] | None = None,
    faults: Mapping[str, float] | None = None,
    random_state: int | np.random.Generator | None = None,
    **legacy: float,
) -> pd.DataFrame:
    """Generate a transaction log from a purchase model and a spend model.

    Each customer makes a first purchase at a uniform time between ``start`` and
    ``acquisition_end``. Her repeat purchases come from ``transaction_model``'s own
    simulation (its ``sample``: the number of repeat purchases and the time of the last one
    over the rest of the window), the earlier ones placed as the model's Poisson process
    places them (uniform before the last); every purchase is worth what ``spend_model``'s
    Gamma-Gamma process draws (``z ~ Gamma(p, nu)``, ``nu ~ Gamma(q, gamma)`` per customer),
    rounded to cents (at least 0.01). Times carry seconds, so several purchases can fall on
    one day. The defaults are the published CDNOW fits (weekly rates), which give about 2.8
    rows per customer over the default 78 weeks.

    The draw is vectorised over customers and purchases and depends only on
    ``random_state``, never on the global NumPy random state.

    Parameters
    ----------
    n_customers : int
        Number of customers (ids 1..n_customers).
    transaction_model : fitted purchase model, optional
        A continuous-time purchase model with parameters (``BetaGeoModel``,
        ``ModifiedBetaGeoModel``, ``ParetoNBDModel``; fitted or from ``from_params``), its
        rates per ``time_unit``. Default: BG/NBD with the published CDNOW parameters
        (r = 0.243, alpha = 4.414, a = 0.793, b = 2.426; Fader, Hardie & Lee 2005).
    spend_model : GammaGammaModel, optional
        The spend process. Default: the published CDNOW Gamma-Gamma parameters
        (p = 6.25, q = 3.74, gamma = 15.44; Fader & Hardie 2013).
    start, end : date-like
        First and last day (inclusive) of the log.
    acquisition_end : date-like, optional
        Latest first purchase; default: one sixth of the way from ``start`` to ``end``.
    time_unit : {"D", "W"}, default "W"
        Unit the purchase model's rates are expressed in.
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
    **legacy : float
        The former raw parameters ``r``, ``alpha``, ``a``, ``b`` (BG/NBD) and ``p``, ``q``,
        ``gamma`` (Gamma-Gamma): still accepted with a FutureWarning; pass
        ``transaction_model=BetaGeoModel.from_params(...)`` and
        ``spend_model=GammaGammaModel.from_params(...)`` instead.

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

    From other models, e.g. Pareto/NBD purchases in days:

    >>> from custvalue import ParetoNBDModel
    >>> daily = ParetoNBDModel.from_params(r=0.55, alpha=74.0, s=0.6, beta=82.0)
    >>> tx = make_transactions(500, transaction_model=daily, time_unit="D", random_state=2)
    >>> int(tx["customer_id"].nunique())
    500
    """
    n = int(check_scalar("n_customers", n_customers, minimum=1, integer=True))
    purchases, spend = _models(transaction_model, spend_model, legacy)
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
    # the purchase model's own simulation over each customer's remaining window ...
    sim = purchases.sample(n, tenure=horizon - birth, random_state=rng)
    x = sim[N_REPEAT].to_numpy(dtype=np.int64)
    who, when = repeat_times(x, sim[PURCHASE_SPAN].to_numpy(dtype=np.float64), rng)
    # ... laid out customer by customer: the first purchase, then the repeat purchases
    per_customer = x + 1
    first = np.cumsum(per_customer) - per_customer
    c = np.repeat(np.arange(n), per_customer)
    repeat = np.ones(c.shape[0], dtype=bool)
    repeat[first] = False
    t = np.empty(c.shape[0])
    t[first] = birth
    t[repeat] = birth[who] + when
    np.minimum(t, np.nextafter(horizon, 0.0), out=t)  # rounding never leaves the window
    # the spend model's process, in the same layout: one value per purchase
    p, q, gamma = (spend.params_[k] for k in ("p", "q", "gamma"))
    z, _ = gamma_gamma_amounts(p, q, gamma, per_customer, rng)
    amount = np.maximum(np.round(z, 2), 0.01)
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
    if not any(faults.values()):  # the usual case: sort the columns, one frame, no copies
        order = stable_order(secs)
        return pd.DataFrame({k: _take(v, order) for k, v in cols.items()}, copy=False)
    df = _spoil(pd.DataFrame(cols), faults, t_end, rng)
    stamps = df["timestamp"].to_numpy()
    key = stamps.view(np.int64) // 1_000_000  # whole seconds (the stamps carry no less)
    missing = np.isnat(stamps)
    if missing.any():  # NaT last, as a plain sort puts it
        key = np.where(missing, key[~missing].max(initial=0) + 1, key)
    return df.iloc[stable_order(key)].reset_index(drop=True)


def _spoil(
    df: pd.DataFrame, faults: Mapping[str, float], t_end: pd.Timestamp, rng: np.random.Generator
) -> pd.DataFrame:
    """Inject the faults of real exports (see ``faults`` of :func:`make_transactions`)."""
    m = len(df)
    extra = []
    if faults.get("duplicates"):
        extra.append(df.iloc[rng.choice(m, round(faults["duplicates"] * m), replace=False)])
    if faults.get("refunds"):
        ref = df.iloc[rng.choice(m, round(faults["refunds"] * m), replace=False)].copy()
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
        pos = rng.choice(m, round(faults["missing_amount"] * m), replace=False)
        df.loc[pos, "amount"] = np.nan
    if faults.get("missing_time"):
        pos = rng.choice(m, round(faults["missing_time"] * m), replace=False)
        df.loc[pos, "timestamp"] = pd.NaT
    if faults.get("missing_id"):
        pos = rng.choice(m, round(faults["missing_id"] * m), replace=False)
        spoil = np.zeros(m, dtype=bool)
        spoil[pos] = True
        df["customer_id"] = df["customer_id"].astype("Int64").mask(spoil)
    return df


def _take(values: Any, order: np.ndarray) -> Any:
    """Values in ``order`` (NumPy arrays by ``np.take``; a Categorical by its codes)."""
    if isinstance(values, pd.Categorical):
        return pd.Categorical.from_codes(np.take(values.codes, order), dtype=values.dtype)
    return np.take(values, order)


def _models(
    transaction_model: Any, spend_model: Any, legacy: Mapping[str, float]
) -> tuple[Any, Any]:
    """Pick the purchase and spend models to simulate (from the arguments or old keywords)."""
    unknown = sorted(set(legacy) - set(_CDNOW_PURCHASES) - set(_CDNOW_SPEND))
    if unknown:
        raise TypeError(f"make_transactions() got unexpected keyword argument(s) {unknown}")
    old_purchase = {k: v for k, v in legacy.items() if k in _CDNOW_PURCHASES}
    old_spend = {k: v for k, v in legacy.items() if k in _CDNOW_SPEND}
    if old_purchase or old_spend:
        if (old_purchase and transaction_model is not None) or (
            old_spend and spend_model is not None
        ):
            raise TypeError(
                "make_transactions: give the models or the raw parameters, not both: "
                f"{sorted(legacy)}"
            )
        warnings.warn(
            f"make_transactions: the raw parameters {sorted(legacy)} are deprecated and will "
            "stop working in a future release; pass "
            "transaction_model=BetaGeoModel.from_params(r=..., alpha=..., a=..., b=...) and "
            "spend_model=GammaGammaModel.from_params(p=..., q=..., gamma=...)",
            FutureWarning,
            stacklevel=3,
        )
    if transaction_model is None:
        transaction_model = BetaGeoModel.from_params(**{**_CDNOW_PURCHASES, **old_purchase})
    if spend_model is None:
        spend_model = GammaGammaModel.from_params(**{**_CDNOW_SPEND, **old_spend})
    if isinstance(transaction_model, BetaGeoBetaBinomModel) or not hasattr(
        transaction_model, "sample"
    ):
        raise TypeError(
            "make_transactions: transaction_model must be a continuous-time purchase model "
            "with parameters (BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel), got "
            f"{type(transaction_model).__name__}"
        )
    if not isinstance(spend_model, GammaGammaModel):
        raise TypeError(
            "make_transactions: spend_model must be a GammaGammaModel with parameters, got "
            f"{type(spend_model).__name__}"
        )
    spend_model._require_fitted("make_transactions")
    return transaction_model, spend_model
