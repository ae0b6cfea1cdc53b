"""The one distinct-rows / row-key kernel (custvalue._rows).

Every result is checked against a plain-Python reference (a dict of row tuples), on both of
the kernel's paths: exact keys (columns with few distinct values) and sorted row hashes
(columns with many), with hash collisions forced.
"""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import custvalue._rows as rows_module
from custvalue._rows import distinct_rows, row_key, run_starts, value_codes

SRC = Path(__file__).resolve().parents[1] / "src" / "custvalue"

_VALUES = st.one_of(
    st.integers(-5, 5).map(float),  # small whole numbers: their own codes
    st.sampled_from([0.5, 38.857142857142854, 1e17, 2.0**60, -3.25, -0.0]),  # coded or hashed
)


def _reference(cols: list[np.ndarray], weights: np.ndarray | None) -> dict[tuple, float]:
    out: dict[tuple, float] = {}
    for i, row in enumerate(zip(*(c.tolist() for c in cols), strict=True)):
        key = tuple(v + 0.0 for v in row)  # -0.0 and 0.0 are one value
        out[key] = out.get(key, 0.0) + (1.0 if weights is None else float(weights[i]))
    return out


@contextlib.contextmanager
def _path(name: str) -> Iterator[None]:
    """Force the kernel's path: exact keys, row hashes, or 4-bit hashes (collisions)."""
    with pytest.MonkeyPatch.context() as mp:
        if name != "keys":
            mp.setattr(rows_module, "_HASH_MAX", -1)  # every float column "many"
        if name == "collisions":
            mix = rows_module._mix

            def weak(h: np.ndarray) -> np.ndarray:
                return mix(h).__iand__(np.uint64(0xF000000000000000))

            mp.setattr(rows_module, "_mix", weak)
        yield


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(st.tuples(_VALUES, _VALUES, _VALUES), min_size=1, max_size=60),
    weighted=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_distinct_rows_match_the_reference(data, weighted: bool, seed: int) -> None:
    for path in ("keys", "hashes", "collisions"):
        with _path(path):
            _check_against_reference(data, weighted, seed)


def _check_against_reference(data, weighted: bool, seed: int) -> None:
    cols = [np.array(c, dtype=np.float64) for c in zip(*data, strict=True)]
    rng = np.random.default_rng(seed)
    w = rng.integers(1, 5, len(data)).astype(float) if weighted else None
    d = distinct_rows(*cols, weights=w)
    got = dict(
        zip(
            zip(*(c.tolist() for c in d.columns), strict=True),
            d.counts.tolist(),
            strict=True,
        )
    )
    assert {tuple(v + 0.0 for v in k): c for k, c in got.items()} == _reference(cols, w)
    assert len(got) == d.counts.shape[0]  # each distinct row once
    for j, c in enumerate(cols):  # the inverse maps every row to its distinct row
        np.testing.assert_array_equal(d.columns[j][d.inverse] + 0.0, c + 0.0)
    # the order depends only on the set of rows: shuffled input, or duplicates collapsed
    # into weights, give the same distinct rows in the same order
    perm = rng.permutation(len(data))
    shuffled = distinct_rows(*(c[perm] for c in cols), weights=None if w is None else w[perm])
    collapsed = distinct_rows(*d.columns, weights=d.counts)
    for other in (shuffled, collapsed):
        for a, b in zip(d.columns, other.columns, strict=True):
            np.testing.assert_array_equal(a + 0.0, b + 0.0)
        np.testing.assert_array_equal(d.counts, other.counts)


def test_key_path_is_lexicographic_and_drops_inverse_on_request() -> None:
    x = np.array([1.0, 0.0, 1.0, 1.0])
    t = np.array([2.0, 0.0, 2.0, 3.0])
    d = distinct_rows(x, t, weights=np.array([1.0, 2.0, 0.5, 1.0]), inverse=False)
    assert [c.tolist() for c in d.columns] == [[0.0, 1.0, 1.0], [0.0, 2.0, 3.0]]
    assert d.counts.tolist() == [2.0, 1.5, 1.0]
    assert d.inverse is None


def test_continuous_columns_every_row_distinct() -> None:
    rng = np.random.default_rng(3)
    n = 300_000  # enough distinct values for the hash path
    x = rng.integers(0, 30, n).astype(float)
    t = rng.uniform(0.0, 39.0, n)
    d = distinct_rows(x, t)
    assert d.counts.shape[0] == n and np.all(d.counts == 1.0)
    np.testing.assert_array_equal(d.columns[1][d.inverse], t)
    again = distinct_rows(x[::-1], t[::-1])
    np.testing.assert_array_equal(again.columns[1], d.columns[1])


def test_integer_customer_period_pairs() -> None:
    # the reader's use: (customer code, period number) pairs with large ranges
    rng = np.random.default_rng(5)
    codes = rng.integers(0, 3_000_000, 50_000)
    period = rng.integers(10_000, 10_400, 50_000)
    d = distinct_rows(codes, period)
    ref = sorted(set(zip(codes.tolist(), period.tolist(), strict=True)))
    assert list(zip(*(c.tolist() for c in d.columns), strict=True)) == ref
    assert d.counts.sum() == 50_000


def test_empty_and_mismatched_input() -> None:
    d = distinct_rows(np.zeros(0), np.zeros(0))
    assert d.counts.shape == (0,) and d.inverse is not None and d.inverse.shape == (0,)
    with pytest.raises(ValueError, match="equal length"):
        distinct_rows(np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="at least one column"):
        distinct_rows()


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(-3, 3),
            st.sampled_from([0, 2**40, 2**41, -(2**41)]),
            st.sampled_from([0, 2**40, 7]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_row_key_is_exact_and_lexicographic(data) -> None:
    cols = [np.array(c, dtype=np.int64) for c in zip(*data, strict=True)]
    k = row_key(*cols)  # the sizes multiply past 2**62: the overflow fallback relabels
    assert k.size <= 2**62 and k.key.min() >= 0 and k.key.max() < k.size
    for i, a in enumerate(data):
        for j, b in enumerate(data):
            assert (k.key[i] == k.key[j]) == (a == b)
            assert (k.key[i] < k.key[j]) == (a < b)


def test_value_codes_and_run_starts() -> None:
    codes, uniques = value_codes(np.array([3.0, 1.0, 3.0, 7.0]))
    assert codes.tolist() == [1, 0, 1, 2] and uniques.tolist() == [1.0, 3.0, 7.0]
    codes, uniques = value_codes(np.array([0.25, -1.5, 0.25]))  # not whole: sorted uniques
    assert codes.tolist() == [1, 0, 1] and uniques.tolist() == [-1.5, 0.25]
    assert run_starts(np.array([1, 1, 2, 2]), np.array([0, 1, 1, 1])).tolist() == [0, 1, 2]
    assert run_starts(np.zeros(0)).tolist() == []


def _module_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in tree.body:  # module level only
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_math_and_the_kernel_import_no_pandas() -> None:
    # clv/_math is pandas-free (every import, at any level); _rows imports pandas only
    # inside the one function that needs its hash table, never at module level
    for path in sorted((SRC / "clv" / "_math").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "pandas" for a in node.names), path
            elif isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "pandas", path
    assert not any(n.split(".")[0] == "pandas" for n in _module_imports(SRC / "_rows.py"))
    # what _math takes from the kernel is its pandas-free part
    allowed = {"BlockGroups", "block_groups", "row_key", "run_starts", "value_codes"}
    for path in sorted((SRC / "clv" / "_math").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("_rows"):
                assert {a.name for a in node.names} <= allowed, path


def test_prediction_variants_any_order_and_if_worth() -> None:
    rng = np.random.default_rng(7)
    x = rng.integers(0, 20, 50_000).astype(float)
    t = np.round(rng.uniform(0, 39, 50_000) * 7) / 7  # daily spans in weeks: few values
    d = distinct_rows(x, t, canonical=False)
    np.testing.assert_array_equal(d.columns[0][d.inverse], x)
    np.testing.assert_array_equal(d.columns[1][d.inverse], t)
    assert sorted(zip(*(c.tolist() for c in d.columns), strict=True)) == sorted(
        set(zip(x.tolist(), t.tolist(), strict=True))
    )
    worth = rows_module.distinct_rows_if_worth(x, t)
    assert worth is not None and worth.counts.sum() == 50_000
    # continuous values: every row distinct, deduplicating would not pay
    assert rows_module.distinct_rows_if_worth(x, rng.uniform(0, 39, 50_000)) is None
    # small inputs are always deduplicated (cheap)
    small = rows_module.distinct_rows_if_worth(rng.uniform(size=100))
    assert small is not None and small.counts.shape == (100,)


def test_stable_order_matches_a_stable_argsort() -> None:
    rng = np.random.default_rng(8)
    key = rng.integers(0, 50, 10_000)
    np.testing.assert_array_equal(rows_module.stable_order(key), np.argsort(key, kind="stable"))
    wide = rng.integers(-(2**62), 2**62, 1000)  # too wide to pack: the plain stable argsort
    np.testing.assert_array_equal(rows_module.stable_order(wide), np.argsort(wide, kind="stable"))


@pytest.mark.parametrize("weighted", [False, True])
def test_fit_path_without_inverse_matches_the_full_result(weighted: bool) -> None:
    # a key range far above the rows: the fit's path sorts the keys (no permutation)
    rng = np.random.default_rng(9)
    n = 5000
    x = rng.integers(0, 50, n).astype(float)
    t = np.round(rng.uniform(0, 39, n) * 7) / 7
    tenure = np.round(rng.uniform(27, 39, n) * 7) / 7
    w = rng.integers(1, 4, n).astype(float) if weighted else None
    full = distinct_rows(x, t, tenure, weights=w)
    fit = distinct_rows(x, t, tenure, weights=w, inverse=False)
    assert fit.inverse is None
    for a, b in zip(full.columns, fit.columns, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(fit.counts, full.counts, rtol=1e-15)
