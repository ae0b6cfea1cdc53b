"""The one kernel from purchase rows to purchase periods: dedupe per period, net refunds.

Every function that reads transactions reduces them here, so the rules below hold alike in
the customer table, the calibration/holdout split, lifecycle stages, churn and tracking:

* the purchases of one customer inside one merge period are one purchase *period*;
* under ``refunds="net"`` a refund is subtracted from the customer's latest purchase period
  at or before it (a refund with no such period is *unmatched*); a period whose net amount
  is then <= 0 is not a purchase occasion (it was cancelled), and its net amount, <= 0,
  stays in the customer's total spend, so money is neither invented nor lost.

Keys are ``code * span + (period - pmin)`` (int64); one in-place sort dedupes them, or,
when customers x periods is small next to the rows (few customers with many rows each), a
table of one flag per possible key (linear). When the reader also counts exact duplicate
rows (``duplicates="keep"``, for a report), :func:`distinct_periods` folds a hash of each
row's time and amount into the spare low bits of the same key (``(key << b) | hash``), so
that ONE sort yields both the distinct periods and the rows that may repeat an earlier one;
those candidates are then compared in full by the caller, so the count stays exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "CustomerFacts",
    "Layout",
    "Periods",
    "customer_facts",
    "distinct_periods",
    "layout",
    "period_spend",
    "purchase_periods",
    "repeat_candidates",
    "run_starts",
]

_KEY_LIMIT = 2**62
# odd 64-bit constants of the hash (splitmix64 / murmur3 finalisers)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_MIX2 = np.uint64(0xC2B2AE3D27D4EB4F)
# fewer spare key bits than this and the time/amount hash gets its own sort: the collisions
# of a shorter hash would make too many candidates to compare in full
_MIN_HASH_BITS = 20
# bits of the table that screens rows against the few duplicated key values (a table
# small enough to stay in cache; the rows it lets through are checked exactly)
_SCREEN_BITS = 16


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


@dataclass(frozen=True)
class Layout:
    """How ``(customer code, period)`` pairs are packed into int64 keys.

    ``key = code * span + (period - pmin)``, so ``code = key // span`` and
    ``period = key % span + pmin``; keys sort by customer, then period.
    """

    span: int
    pmin: int
    n_codes: int

    @property
    def bits(self) -> int:
        """Bits a key needs (every key is below ``n_codes * span``)."""
        return max(1, (self.n_codes * self.span - 1).bit_length())


def layout(
    per: np.ndarray, r_per: np.ndarray, n_codes: int, *, bounds: tuple[int, int] | None = None
) -> Layout:
    """Lay out the keys of purchase rows with periods ``per`` and refunds with ``r_per``.

    ``bounds`` are the smallest and largest period of every row when the caller knows them
    (the reader does, from the earliest time and the end): no pass over the periods then.
    Raises OverflowError when ``n_codes`` customers times the periods spanned do not fit an
    int64 key.
    """
    if bounds is not None:
        pmin, pmax = bounds
    else:
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
    return Layout(span, pmin, n_codes)


def _row_keys(codes: np.ndarray, per: np.ndarray, lay: Layout) -> np.ndarray:
    """Key of every row (a new int64 array)."""
    key: np.ndarray = np.multiply(codes, lay.span, dtype=np.int64)
    key += per
    key -= lay.pmin
    return key


def _distinct_sorted(key: np.ndarray, lay: Layout) -> np.ndarray:
    """Return the sorted distinct values of the row keys ``key`` (which may be reordered).

    When the key space is small next to the rows (few customers with many rows each), a
    table of one flag per possible key replaces the sort: set the flags of the rows, read
    back the flagged keys in order (linear, a few passes, no comparison sort).
    """
    size = lay.n_codes * lay.span
    if size <= max(8 * key.size, 1 << 16):
        seen = np.zeros(size, dtype=bool)
        seen[key] = True
        return np.flatnonzero(seen).astype(np.int64, copy=False)
    key.sort()
    distinct: np.ndarray = key[run_starts(key)]
    return distinct


def _time_amount_hash(t: np.ndarray, amt: np.ndarray | None) -> np.ndarray:
    """Hash each row's time and amount (uint64, a new array); the top bits mix all bits.

    ``(time ^ (amount * c2)) * c1``: each multiplication carries every bit upwards.
    """
    tbits = t.view(np.int64).view(np.uint64)
    if amt is None:
        return np.multiply(tbits, _MIX)
    h = np.multiply(amt.view(np.uint64), _MIX2)
    h ^= tbits
    h *= _MIX
    return h


def _screen(values: np.ndarray, dup: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
    """Positions of ``values`` (uint64) that are in the small sorted set ``dup``.

    A table indexed by the low bits of the values screens out most rows in one gather;
    only the rows it lets through are looked up exactly.
    """
    mask = np.uint64((1 << _SCREEN_BITS) - 1)
    table = np.zeros(1 << _SCREEN_BITS, dtype=bool)
    table[(dup & mask).astype(np.intp)] = True
    low = np.bitwise_and(values, mask, out=scratch)
    passed = np.flatnonzero(np.take(table, low.view(np.int64), mode="clip"))
    del low
    hit = values[passed]
    pos = np.searchsorted(dup, hit)
    pos[pos == dup.size] = 0
    found: np.ndarray = passed[dup[pos] == hit]
    return found


def _repeated_values(sorted_values: np.ndarray) -> np.ndarray:
    """Return the distinct values that occur more than once in a sorted array."""
    same = sorted_values[1:] == sorted_values[:-1]
    if not same.any():
        return sorted_values[:0]
    rep = sorted_values[1:][same]
    distinct: np.ndarray = rep[run_starts(rep)]
    return distinct


def repeat_candidates(codes: np.ndarray, t: np.ndarray, amt: np.ndarray | None) -> np.ndarray:
    """Positions of the rows whose customer, time and amount may repeat another row's.

    A superset of the rows that are identical in these to another row (every member of a
    group of identical rows is in it), found with one sort of a 64-bit hash; compare the
    candidates in full for an exact count.
    """
    if codes.size < 2:
        return np.empty(0, dtype=np.intp)
    h = _time_amount_hash(t, amt)
    tmp = np.multiply(codes.view(np.uint64), _MIX)
    h ^= tmp
    np.right_shift(h, np.uint64(29), out=tmp)  # bring the high bits down to the low ones
    h ^= tmp
    del tmp
    h *= _MIX2
    s = np.sort(h)
    dup = _repeated_values(s)
    if not dup.size:
        return np.empty(0, dtype=np.intp)
    return _screen(h, dup, scratch=s)


def distinct_periods(
    codes: np.ndarray,
    per: np.ndarray,
    lay: Layout,
    *,
    t: np.ndarray | None = None,
    amt: np.ndarray | None = None,
    repeats: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Sorted distinct keys of the rows, and (``repeats=True``) the repeat candidates.

    Parameters
    ----------
    codes, per : ndarray of int64
        Customer code and period number of each row (not modified).
    lay : Layout
        The key layout (:func:`layout`).
    t : ndarray of datetime64, optional
        Time of each row; needed with ``repeats``.
    amt : ndarray of float64, optional
        Amount of each row (hashed with the time when given).
    repeats : bool, default False
        Also return the positions of the rows that may be identical in customer, time and
        amount to another row, as :func:`repeat_candidates` does. When the key leaves at
        least ``_MIN_HASH_BITS`` spare bits, a hash of time and amount fills them and the
        one sort of the keys finds the candidates as well.

    Returns
    -------
    keys : ndarray of int64
        The distinct keys, sorted.
    candidates : ndarray of intp or None
        Positions of the repeat candidates (None without ``repeats``).
    """
    key = _row_keys(codes, per, lay)
    spare = 64 - lay.bits
    if not repeats or spare < _MIN_HASH_BITS:
        distinct = _distinct_sorted(key, lay)
        del key
        if not repeats:
            return distinct, None
        assert t is not None
        return distinct, repeat_candidates(codes, t, amt)
    assert t is not None
    shift = np.uint64(spare)
    h = _time_amount_hash(t, amt)
    h >>= np.uint64(64 - spare)  # row order: the top bits of the hash, kept for the lookup
    full = key.view(np.uint64)
    full <<= shift
    full |= h
    full.sort()  # (key << spare) | hash, sorted: one sort for both jobs
    dup = _repeated_values(full)
    full >>= shift
    distinct = full[run_starts(full)].view(np.int64)
    if not dup.size:
        return distinct, np.empty(0, dtype=np.intp)
    # rows whose hash bits are those of a repeated key, then their whole key checked
    hash_mask = np.uint64((1 << spare) - 1)
    dup_hash = np.sort(dup & hash_mask)
    passed = _screen(h, dup_hash[run_starts(dup_hash)], scratch=full)
    del full, key
    row_full = _row_keys(codes[passed], per[passed], lay).view(np.uint64) << shift
    row_full |= h[passed]
    pos = np.searchsorted(dup, row_full)
    pos[pos == dup.size] = 0
    return distinct, passed[dup[pos] == row_full]


def purchase_periods(
    codes: np.ndarray,
    rel: np.ndarray,
    amt: np.ndarray | None,
    r_codes: np.ndarray,
    r_per: np.ndarray,
    r_amt: np.ndarray,
    n_codes: int,
    *,
    distinct: tuple[np.ndarray, Layout] | None = None,
    bounds: tuple[int, int] | None = None,
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
    distinct : (ndarray, Layout), optional
        The sorted distinct keys of exactly these rows and their layout, when the reader
        has them already (:func:`distinct_periods` with ``layout(rel, r_per, n_codes)``):
        the rows are then not sorted again.
    bounds : (int, int), optional
        The smallest and largest period of every row, when known (:func:`layout`).

    Returns
    -------
    Periods
    """
    if distinct is None:
        lay = layout(rel, r_per, n_codes, bounds=bounds)
        rel -= lay.pmin
        key = np.multiply(codes, lay.span, dtype=np.int64)
        key += rel
        key = _distinct_sorted(key, lay)
    else:
        key, lay = distinct
        if lay.n_codes != n_codes:
            raise ValueError("distinct keys of another set of customer codes")
        rel -= lay.pmin
    span, pmin = lay.span, lay.pmin
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
    touched = np.sort(pos)
    touched = touched[run_starts(touched)]  # np.unique, without its cost on large inputs
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
    :func:`purchase_periods` (with amounts it is **overwritten**: its buffer is reused);
    ``r_codes`` and ``r_amt`` are the refund rows given to it.
    """
    n_codes, span = periods.n_codes, periods.span
    key = periods.key
    # keys are sorted by customer: each customer's periods are one run (no searches)
    key_code = key // span
    n_purch = np.bincount(key_code, minlength=n_codes)
    starts = np.flatnonzero(run_starts(key_code))
    cust = key_code[starts]
    del key_code
    first_rel = np.zeros(n_codes, dtype=np.int64)
    first_rel[cust] = key[starts]
    last_rel = np.zeros(n_codes, dtype=np.int64)
    starts[:-1] = starts[1:] - 1
    if starts.size:
        starts[-1] = key.size - 1
    last_rel[cust] = key[starts]
    base = cust * span
    first_rel[cust] -= base
    last_rel[cust] -= base
    del starts, base, cust
    total = repeat = None
    if amt is not None:
        # one bincount over 2 * code + (row not in the first period): first-period and
        # repeat spend of every customer, each summed in row order
        small = np.int16 if span <= np.iinfo(np.int16).max else np.int64
        first_of = np.take(first_rel.astype(small), codes, mode="clip")  # codes in range
        repeat_row = np.not_equal(rel, first_of)
        del first_of
        idx = np.multiply(codes, 2, out=rel)  # rel is not needed any more: its buffer is
        idx += repeat_row
        del repeat_row, rel
        # (float64 also without rows: numpy's bincount of nothing gives int64)
        sums = np.bincount(idx, weights=amt, minlength=2 * n_codes).astype(np.float64, copy=False)
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
