"""Three-way merge of a technician's edit with a colleague's change to the same ticket.

`base` is the ticket as the technician started editing it, `mine` what the fields hold now,
`theirs` the ticket as stored now. A field only one side changed takes that side's value;
a field both changed to different values is a conflict the technician decides (never
silently overwritten either way). Pure: plain mappings of field name to value.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Merge:
    """`merged`: every field's value with conflicts left as the technician's own;
    `conflicts`: the fields both sides changed differently, in the order given."""

    merged: dict[str, Any]
    conflicts: tuple[str, ...]


def three_way(base: Mapping[str, Any], mine: Mapping[str, Any],
              theirs: Mapping[str, Any]) -> Merge:
    merged: dict[str, Any] = {}
    conflicts: list[str] = []
    for name, original in base.items():
        ours, stored = mine[name], theirs[name]
        if ours == original:
            merged[name] = stored  # untouched here: the colleague's value (or the same)
        else:
            merged[name] = ours
            if stored != original and stored != ours:
                conflicts.append(name)
    return Merge(merged=merged, conflicts=tuple(conflicts))


def choose(merge: Merge, theirs: Mapping[str, Any], take_theirs: Collection[str]
           ) -> dict[str, Any]:
    """The merged values with the colleague's value for each conflict in `take_theirs`
    (the others keep the technician's own)."""
    unknown = set(take_theirs) - set(merge.conflicts)
    if unknown:
        raise ValueError(f"not conflicting fields: {sorted(unknown)}")
    return {name: theirs[name] if name in take_theirs else value
            for name, value in merge.merged.items()}
