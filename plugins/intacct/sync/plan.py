"""The plan of one object's sync: every intended change, per side, with its reason.

A dry run returns the plan; a real run applies it and records one outcome per planned change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DIRECTIONS = ("to_bc", "to_intacct")
COUNTED_ACTIONS = ("created", "updated", "linked", "deactivated", "conflicts", "rejected", "skipped")
# The Intacct functions that change Intacct: their calls belong to the to_intacct direction. Every other
# call (reads, sign-in) brings Intacct's data to BC and belongs to to_bc.
WRITE_FUNCTIONS = frozenset({"create", "update", "delete"})
# Planned action → the counter it falls under in reports.
_COUNTER = {"create": "created", "created": "created", "update": "updated", "updated": "updated",
            "link": "linked", "linked": "linked", "deactivate": "deactivated", "deactivated": "deactivated",
            "conflict": "conflicts", "reject": "rejected", "rejected": "rejected", "skip": "skipped",
            "skipped": "skipped"}


@dataclass
class PlannedChange:
    """One intended change. ``values`` are the field values to write (never logged: may hold a tax id)."""

    object: str
    direction: str
    action: str            # create | update | link | deactivate | conflict | reject | skip
    bc_key: str | None
    intacct_key: str | None
    reason: str
    values: dict[str, Any] = field(default_factory=dict, repr=False)
    details: dict[str, Any] = field(default_factory=dict)
    errorno: str | None = None

    def describe(self) -> str:
        keys = " / ".join(k for k in (self.bc_key and f"BC {self.bc_key}",
                                      self.intacct_key and f"Intacct {self.intacct_key}") if k)
        return f"{self.direction:<10} {self.action:<10} {keys}: {self.reason}"


@dataclass
class Plan:
    object: str
    changes: list[PlannedChange] = field(default_factory=list)

    def add(self, change: PlannedChange) -> PlannedChange:
        self.changes.append(change)
        return change

    def for_direction(self, direction: str) -> list[PlannedChange]:
        return [c for c in self.changes if c.direction == direction]

    def of(self, action: str, direction: str | None = None) -> list[PlannedChange]:
        return [c for c in self.changes if c.action == action and (direction is None or c.direction == direction)]

    def counts(self) -> dict[str, dict[str, int]]:
        return count_actions((c.direction, c.action) for c in self.changes)

    def as_text(self) -> str:
        lines = [f"Plan for {self.object}: {len(self.changes)} change(s)"]
        lines += ["  " + c.describe() for c in self.changes]
        return "\n".join(lines)


def count_actions(pairs) -> dict[str, dict[str, int]]:
    counter = Counter((direction, _COUNTER.get(action, action)) for direction, action in pairs)
    return {direction: {name: counter.get((direction, name), 0) for name in COUNTED_ACTIONS}
            for direction in DIRECTIONS}


def calls_by_direction(before: Mapping[str, int], after: Mapping[str, int], total: int) -> dict[str, int]:
    """The API calls made between two ``calls_by_function`` snapshots, per direction.

    ``total`` is the calls counted overall; any calls not broken down by function count as reads."""
    written = sum(after.get(name, 0) - before.get(name, 0) for name in WRITE_FUNCTIONS)
    return {"to_bc": max(total - written, 0), "to_intacct": written}


@dataclass
class ObjectReport:
    """What one object's sync did (or, on a dry run, would do)."""

    object: str
    counts: dict[str, dict[str, int]]
    api_calls: int
    plan: Plan | None = None
    dry_run: bool = False
    api_calls_by_direction: dict[str, int] = field(default_factory=dict)

    @property
    def rejected(self) -> int:
        return sum(direction.get("rejected", 0) for direction in self.counts.values())
