"""The one kernel from purchase rows to purchase periods: dedupe per period, net refunds.

Every function that reads transactions reduces them here, so the rules below hold alike in
the customer table, the calibration/holdout split, lifecycle stages, churn and tracking:

* the purchases of one customer inside one merge period are one purchase *period*;
* under ``refunds="net"`` a refund is subtracted from the customer's latest purchase period
  at or before it (a refund with no such period is *unmatched*); a period whose net amount
  is then <= 0 is not a purchase occasion (it was cancelled), and its net amount, <= 0,
  stays in the customer's total spend, so money is neither invented nor lost.

Keys are ``code * span + (period - pmin)`` (int64); one in-place sort dedupes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "CustomerFacts",
    "Periods",
    "customer_facts",
    "period_spend",
    "purchase_periods",
    "run_starts",
]

_KEY_LIMIT = 2**62


def run_starts(sorted_values: np.ndarray) -> np.ndarray:
    """Boolean mask of the first element of each run of equal values."""
    new = np.empty(sorted_values.size, dtype=bool)
    if sorted_values.size:
        new[0] = True
        np.not_equal(sorted_values[1:], sorted_values[:-1], out=new[1:])
    return new


@dataclass
class Periods:
    """Distinct purchase periods of a set of purchase rows, sorted by customer then period.

    Attributes
    ----------
    key : ndarray of int64
        Sorted unique keys ``code * span + (period - pmin)``.
    span, pmin : int
        Key layout: ``code = key // span``, ``period = key % span + pmin``.
    n_codes : int
        Number of customer codes (codes run from 0 to ``n_codes - 1``).
    refund_pos : ndarray of intp
        For each matched refund row, the index of its period in ``key``.
    refund_ok : ndarray of bool
        Per refund row, True when it was matched to a purchase period.
    removed : ndarray of int64
        Keys of periods netted out (net amount <= 0 after refunds), no longer in ``key``.
    removed_net : ndarray of float64
        Their net amounts.
    """

    key: np.ndarray
    span: int
    pmin: int
    n_codes: int
    refund_pos: np.ndarray
    refund_ok: np.ndarray
    removed: np.ndarray
    removed_net: np.ndarray

    @property
    def code(self) -> np.ndarray:
        """Customer code of each period."""
        return self.key // self.span

    @property
    def period(self) -> np.ndarray:
        """Period number of each period."""
        return self.key % self.span + self.pmin

    def bounds(self) -> np.ndarray:
        """``bounds[c]:bounds[c + 1]`` are the periods of customer code ``c``."""
        edges = np.arange(self.n_codes + 1, dtype=np.int64)
        edges *= self.span
        return np.searchsorted(self.key, edges)

    @property
    def netted(self) -> int:
        """Refund rows netted against a purchase period."""
        return int(np.count_nonzero(self.refund_ok))

    @property
    def unmatched(self) -> int:
        """Refund rows with no purchase period at or before them."""
        return int(self.refund_ok.size - self.netted)


def _layout(per: np.ndarray, r_per: np.ndarray, n_codes: int) -> tuple[int, int]:
    pmin = int(per.min()) if per.size else 0
    pmax = int(per.max()) if per.size else 0
    if r_per.size:
        pmin = min(pmin, int(r_per.min()))
        pmax = max(pmax, int(r_per.max()))
    span = pmax - pmin + 1
    if n_codes * span >= _KEY_LIMIT:
        raise OverflowError(
            f"{n_codes:,} customers times {span:,} periods do not fit integer keys; use a "
            "coarser period (period='D' or longer)"
        )
    return span, pmin


def purchase_periods(
    codes: np.ndarray,
    rel: np.ndarray,
    amt: np.ndarray | None,
    r_codes: np.ndarray,
    r_per: np.ndarray,
    r_amt: np.ndarray,
    n_codes: int,
) -> Periods:
    """Distinct (customer, period) purchase periods of purchase rows, refunds netted.

    Parameters
    ----------
    codes : ndarray of int64
        Customer code of each purchase row (``0 <= code < n_codes``).
    rel : ndarray of int64
        Period number of each purchase row; **overwritten** with ``period - pmin`` (the
        caller's array becomes the relative period, which :func:`customer_facts` reads).
    amt : ndarray of float64 or None
        Amount of each purchase row.
    r_codes, r_per, r_amt : ndarray
        Refund rows to net (``refunds="net"``); empty otherwise.
    n_codes : int
        Number of customer codes.

    Returns
    -------
    Periods
    """
    span, pmin = _layout(rel, r_per, n_codes)
    rel -= pmin
    key = codes * span
    key += rel
    key.sort()
    key = key[run_starts(key)]
    empty_i = np.empty(0, dtype=np.intp)
    periods = Periods(
        key,
        span,
        pmin,
        n_codes,
        empty_i,
        np.zeros(r_codes.size, dtype=bool),
        np.empty(0, dtype=np.int64),
        np.empty(0, dtype=np.float64),
    )
    if not r_codes.size:
        return periods
    # a refund reduces the customer's latest purchase period at or before it
    rkey = r_codes * span + (r_per - pmin)
    pos = np.searchsorted(key, rkey, side="right") - 1
    ok = pos >= 0
    ok[ok] = key[pos[ok]] // span == r_codes[ok]
    periods.refund_ok = ok
    pos = pos[ok]
    periods.refund_pos = pos
    if amt is None or not pos.size:
        return periods
    # periods whose net amount is <= 0 are cancelled: not purchase occasions
    touched = np.unique(pos)
    tkey = key[touched]
    refunded = np.bincount(np.searchsorted(touched, pos), weights=r_amt[ok], minlength=touched.size)
    row_key = codes * span + rel
    j = np.searchsorted(tkey, row_key)
    j[j == tkey.size] = 0
    hit = tkey[j] == row_key
    gross = np.bincount(j[hit], weights=amt[hit], minlength=touched.size)
    net = gross + refunded
    out = net <= 0
    if out.any():
        periods.removed = tkey[out]
        periods.removed_net = net[out]
        keep = np.ones(key.size, dtype=bool)
        keep[touched[out]] = False
        periods.key = key[keep]
        # matched refunds still point into the old keys: re-point them (removed -> -1)
        new_pos = np.cumsum(keep) - 1
        new_pos[~keep] = -1
        periods.refund_pos = new_pos[pos]
    return periods


@dataclass
class CustomerFacts:
    """Per customer code: purchase periods, first and last period, spend."""

    n_purchases: np.ndarray  # int64; 0 for codes without a purchase period
    first: np.ndarray  # int64 period number of the first purchase period
    last: np.ndarray  # int64 period number of the last purchase period
    total: np.ndarray | None  # float64 net spend (refunds and cancelled periods included)
    repeat: np.ndarray | None  # float64 net spend of the repeat purchase periods


def customer_facts(
    periods: Periods,
    codes: np.ndarray,
    rel: np.ndarray,
    amt: np.ndarray | None,
    r_codes: np.ndarray,
    r_amt: np.ndarray,
) -> CustomerFacts:
    """Reduce purchase periods (and the rows they came from) to per-customer facts.

    ``rel`` is the relative period of each purchase row as left by
    :func:`purchase_periods`; ``r_codes`` and ``r_amt`` are the refund rows given to it.
    """
    n_codes, span = periods.n_codes, periods.span
    key = periods.key
    bounds = periods.bounds()
    n_purch = np.diff(bounds)
    cust = np.flatnonzero(n_purch)
    base = cust * span
    first_rel = np.zeros(n_codes, dtype=np.int64)
    first_rel[cust] = key[bounds[cust]] - base
    last_rel = np.zeros(n_codes, dtype=np.int64)
    last_rel[cust] = key[bounds[cust + 1] - 1] - base
    del bounds, base, cust
    total = repeat = None
    if amt is not None:
        idx = codes * 2
        idx += rel != first_rel[codes]
        sums = np.bincount(idx, weights=amt, minlength=2 * n_codes)
        del idx
        first_spend = sums[0::2]
        total = first_spend + sums[1::2]
        del sums
        ok = periods.refund_ok
        if ok.any():
            m_codes, m_amt = r_codes[ok], r_amt[ok]
            total += np.bincount(m_codes, weights=m_amt, minlength=n_codes)
            pos = periods.refund_pos
            live = pos >= 0
            at_first = np.zeros(pos.size, dtype=bool)
            at_first[live] = key[pos[live]] - m_codes[live] * span == first_rel[m_codes[live]]
            first_spend = first_spend + np.bincount(
                m_codes[at_first], weights=m_amt[at_first], minlength=n_codes
            )
        repeat = total - first_spend
        if periods.removed.size:
            repeat -= np.bincount(
                periods.removed // span, weights=periods.removed_net, minlength=n_codes
            )
    return CustomerFacts(
        n_purchases=n_purch.astype(np.int64, copy=False),
        first=first_rel + periods.pmin,
        last=last_rel + periods.pmin,
        total=total,
        repeat=repeat,
    )


def period_spend(
    periods: Periods,
    codes: np.ndarray,
    rel: np.ndarray,
    amt: np.ndarray,
    r_amt: np.ndarray,
) -> np.ndarray:
    """Net spend of each purchase period in ``periods.key`` (refunds netted).

    ``codes``, ``rel`` and ``amt`` are the purchase rows as given to (and left by)
    :func:`purchase_periods`; ``r_amt`` the amounts of the refund rows given to it.
    """
    row_key = codes * periods.span + rel
    pos = np.searchsorted(periods.key, row_key)
    pos[pos == periods.key.size] = 0
    hit = periods.key[pos] == row_key  # rows of cancelled periods have no period
    spend = np.bincount(pos[hit], weights=amt[hit], minlength=periods.key.size)
    live = periods.refund_pos >= 0
    if live.any():
        spend += np.bincount(
            periods.refund_pos[live],
            weights=r_amt[periods.refund_ok][live],
            minlength=periods.key.size,
        )
    return spend
