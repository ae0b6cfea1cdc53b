"""Validation failures found per partition, merged as one pandas call reports them."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence

from .._validation import _N_EXAMPLES as N_EXAMPLES
from ..exceptions import DataValidationError, ValidationFailure

__all__ = ["merge_failures", "raise_merged"]

_QUOTED = re.compile(r"'[^']*'")


def _key(f: ValidationFailure) -> tuple[str | None, str]:
    # a rule quoting a partition's own values ("like '03/01/1997'") is still one rule
    return f.column, _QUOTED.sub("''", f.rule)


def merge_failures(per_partition: Iterable[Sequence[ValidationFailure]]) -> list[ValidationFailure]:
    """Merge the failures of the partitions (in partition order) into one list.

    One failure per rule: counts summed, the first distinct example ids in partition order
    (those of the whole frame's rows), the rules in the order the reader checks them (each
    partition's list is in that order; a rule first seen later is put after the rules that
    precede it there).
    """
    order: list[tuple[str | None, str]] = []
    found: dict[tuple[str | None, str], list[ValidationFailure]] = {}
    for failures in per_partition:
        at = -1
        for f in failures:
            k = _key(f)
            if k in found:
                found[k].append(f)
                at = max(at, order.index(k))
            else:
                at += 1
                order.insert(at, k)
                found[k] = [f]
    merged = []
    for k in order:
        fs = found[k]
        examples = list(dict.fromkeys(e for f in fs for e in f.examples))[:N_EXAMPLES]
        count = sum(f.count for f in fs)
        merged.append(dataclasses.replace(fs[0], count=count, examples=tuple(examples)))
    return merged


def raise_merged(what: str, per_partition: Iterable[Sequence[ValidationFailure]]) -> None:
    """Raise one DataValidationError for the failures of every partition (if any)."""
    merged = merge_failures(per_partition)
    if merged:
        raise DataValidationError(what, merged)
