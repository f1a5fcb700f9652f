"""The plan of one object's sync: every intended change, per side, with its reason.

A dry run returns the plan; a real run applies it and records one outcome per planned change.

The plan is streamed, so that its memory is bounded by a page, not by the company: it counts every change,
keeps only the few a report shows (some examples of each action, the rejections and conflicts up to a cap)
and never keeps a change's values. A dry run hands its changes to the run log in chunks as they are planned
(``RunLog.plan_writer``); the whole plan is read back from there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from intacct.sync.mapping import hide_secrets

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
# What a plan keeps for its report: this many changes of each direction and action, and of the planned
# rejections and conflicts (what a person must read) this many. Everything else is only counted.
EXAMPLES_PER_ACTION = 100
REVIEW_ACTIONS = frozenset({"reject", "conflict"})
REVIEW_CAP = 1000
# Planned changes handed to the run log at a time on a dry run.
PLAN_CHUNK = 1000


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
    version: str | None = None  # what the BC record was when sent (kept with a refusal: see SyncState.refused)

    def describe(self) -> str:
        keys = " / ".join(k for k in (self.bc_key and f"BC {self.bc_key}",
                                      self.intacct_key and f"Intacct {self.intacct_key}") if k)
        return f"{self.direction:<10} {self.action:<10} {keys}: {self.reason}"


class Plan:
    """The changes of one object's sync, counted; the rows a report needs, kept (see the module's doc).

    ``sink`` (a dry run's) receives every change, without values and with secrets hidden, as rows of the run
    log, ``chunk_size`` at a time; call ``flush()`` at the end for the last, partial chunk.
    """

    def __init__(self, object: str, *, examples: int | None = None, review_cap: int | None = None,
                 sink: Callable[[list[dict]], None] | None = None, chunk_size: int | None = None):
        self.object = object
        self.examples = EXAMPLES_PER_ACTION if examples is None else examples
        self.review_cap = REVIEW_CAP if review_cap is None else review_cap
        self.chunk_size = PLAN_CHUNK if chunk_size is None else chunk_size
        self._sink = sink
        self._pending: list[dict] = []
        self._counter: Counter[tuple[str, str]] = Counter()
        self._kept: list[PlannedChange] = []
        self._kept_of: Counter[tuple[str, str]] = Counter()

    def __repr__(self) -> str:
        return f"Plan({self.object!r}, {self.total} change(s), {len(self._kept)} kept)"

    def __len__(self) -> int:
        return self.total

    @property
    def total(self) -> int:
        return sum(self._counter.values())

    def add(self, change: PlannedChange) -> PlannedChange:
        """Count ``change``, keep it (without values) if the report needs it, stream it to the sink; returns
        ``change`` itself, which the caller goes on to apply."""
        key = (change.direction, change.action)
        self._counter[key] += 1
        limit = self.review_cap if change.action in REVIEW_ACTIONS else self.examples
        if self._kept_of[key] < limit:
            self._kept_of[key] += 1
            self._kept.append(replace(change, values={}, details=hide_secrets(change.details)))
        if self._sink is not None:
            self._pending.append(plan_row(change))
            if len(self._pending) >= self.chunk_size:
                self.flush()
        return change

    def stream_to(self, sink: Callable[[list[dict]], None]) -> None:
        """Send every change from now on to ``sink`` (a dry run's run log), in chunks."""
        self.flush()
        self._sink = sink

    def flush(self) -> None:
        if self._sink is not None and self._pending:
            pending, self._pending = self._pending, []
            self._sink(pending)

    @property
    def changes(self) -> list[PlannedChange]:
        """The kept changes in the order planned: all of them when ``complete``, else the report's share."""
        return list(self._kept)

    @property
    def complete(self) -> bool:
        """Whether every planned change is kept (a small plan)."""
        return len(self._kept) == self.total

    def omitted(self) -> dict[tuple[str, str], int]:
        """(direction, action) → how many changes were counted but not kept."""
        return {key: n - self._kept_of[key] for key, n in self._counter.items() if n > self._kept_of[key]}

    def for_direction(self, direction: str) -> list[PlannedChange]:
        return [c for c in self._kept if c.direction == direction]

    def of(self, action: str, direction: str | None = None) -> list[PlannedChange]:
        return [c for c in self._kept if c.action == action and (direction is None or c.direction == direction)]

    def counts(self) -> dict[str, dict[str, int]]:
        return _grouped(self._counter)

    def as_text(self) -> str:
        lines = [f"Plan for {self.object}: {self.total} change(s)"]
        lines += ["  " + c.describe() for c in self._kept]
        for (direction, action), n in sorted(self.omitted().items()):
            lines.append(f"  … and {n} more {direction} {action} change(s) (the run log holds them all: "
                         "intacct_planned_changes)")
        return "\n".join(lines)


def plan_row(change: PlannedChange) -> dict:
    """A planned change as the run log stores it, without its values (the run log hides secrets in its
    details as it stores them, as it does for outcomes)."""
    return {"direction": change.direction, "action": change.action, "bc_key": change.bc_key,
            "intacct_key": change.intacct_key, "reason": change.reason, "errorno": change.errorno,
            "details": change.details}


def count_actions(pairs: Iterable[tuple[str, str]] | Mapping[tuple[str, str], int]) -> dict[str, dict[str, int]]:
    """(direction, action) pairs, planned or applied (or a mapping of them to how many), counted per
    direction under the report's counters."""
    return _grouped(pairs if isinstance(pairs, Mapping) else Counter(pairs))


def _grouped(pairs: Mapping[tuple[str, str], int]) -> dict[str, dict[str, int]]:
    counter: Counter[tuple[str, str]] = Counter()
    for (direction, action), n in pairs.items():
        counter[(direction, _COUNTER.get(action, action))] += n
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
