"""_group_codes: codes of the distinct rows, with or without hashing."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from custvalue.clv.value import _group_codes

_VALUES = st.one_of(
    st.integers(-5, 5).map(float),  # small whole numbers: coded without hashing
    st.sampled_from([0.5, 38.857142857142854, 1e17, 2.0**60, -3.25]),  # hashed
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_VALUES, _VALUES, _VALUES), min_size=1, max_size=40))
def test_codes_identify_distinct_rows(rows: list[tuple[float, float, float]]) -> None:
    cols = [np.array(c, dtype=np.float64) for c in zip(*rows, strict=True)]
    codes, first = _group_codes(*cols)
    distinct = sorted(set(rows))
    assert len(first) == len(distinct)
    assert sorted(set(codes.tolist())) == list(range(len(distinct)))
    for i, row in enumerate(rows):
        j = int(first[codes[i]])
        assert rows[j] == row  # the representative has the same values
        assert j == rows.index(row)  # and is the first row with them
