"""The run log BC users read: one row per run, one row per record-level outcome, and a dry run's plan
(one row per planned change)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection

from intacct.sync.mapping import hide_secrets as scrub  # details are stored without secrets
from intacct.sync.plan import COUNTED_ACTIONS, DIRECTIONS
from intacct.sync.spec import SPECS
from intacct.sync.state import utc_now
from intacct.warehouse import Warehouse
from intacct.warehouse.types import JsonText, dumps

# An outcome without details (most of a first sync's) stores what ``scrub`` makes of none, written once.
NO_DETAILS = JsonText(dumps(scrub(None)))
# The outcomes a person should read: what was refused, and what both sides changed.
REVIEW_ACTIONS = ("rejected", "conflict")


@dataclass
class RunSummary:
    run_id: str
    entity_id: str
    company_id: str
    trigger: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    api_calls: int = 0
    message: str | None = None
    # object → {direction: calls}; rows written before calls were split by direction hold one number.
    api_calls_by_object: dict[str, dict[str, int] | int] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: Mapping) -> RunSummary:
        """The summary of a row of intacct_runs."""
        return cls(row["run_id"], row["entity_id"], row["company_id"], row["triggered_by"], row["status"],
                   row["started_at"], row["finished_at"], dict(row["counts"] or {}), int(row["api_calls"] or 0),
                   row["message"], dict(row["api_calls_by_object"] or {}))

    def as_table(self) -> str:
        """The run as a readable table: per object and direction what happened, and the API calls it cost."""
        header = (f"{'object':<10} {'direction':<11}" + "".join(f"{name:>12}" for name in COUNTED_ACTIONS)
                  + f"{'API calls':>11}")
        lines = [f"Run {self.run_id} ({self.trigger}) for entity {self.entity_id} ↔ BC company "
                 f"{self.company_id}: {self.status}, {self.api_calls} Intacct API call(s)", header]
        for object_name, per_direction in self.counts.items():
            for index, direction in enumerate(SPECS[object_name].directions if object_name in SPECS else DIRECTIONS):
                numbers = per_direction.get(direction, {})
                calls = self.api_calls_of(object_name, direction, first_row=index == 0)
                lines.append(f"{object_name:<10} {direction:<11}"
                             + "".join(f"{numbers.get(name, 0):>12}" for name in COUNTED_ACTIONS)
                             + f"{calls:>11}")
        # Steps that sync no object but still call Intacct (the preflight's sign-in and probes): their own
        # row, so the column adds up to the run's total.
        for step, calls in self.api_calls_by_object.items():
            if step not in self.counts:
                total = sum(calls.values()) if isinstance(calls, Mapping) else int(calls or 0)
                lines.append(f"{step:<10} {'-':<11}" + "".join(f"{'':>12}" for _ in COUNTED_ACTIONS)
                             + f"{total:>11}")
        if self.message:
            lines.append(self.message)
        return "\n".join(lines)

    def api_calls_of(self, object_name: str, direction: str, *, first_row: bool = True) -> int | str:
        """Calls of one object and direction: writes count on to_intacct, reads (and sign-in) on to_bc.

        A run stored before the split holds one number per object: it is shown on the object's first row."""
        calls = self.api_calls_by_object.get(object_name)
        if isinstance(calls, Mapping):
            return int(calls.get(direction, 0))
        return calls if calls is not None and first_row else ""


class RunLog:
    def __init__(self, warehouse: Warehouse):
        self.warehouse = warehouse
        self.runs = warehouse.tables["intacct_runs"]
        self.outcomes = warehouse.tables["intacct_record_outcomes"]
        self.planned = warehouse.tables["intacct_planned_changes"]

    def start(self, run_id: str, entity_id: str, company_id: str, trigger: str, options: Mapping) -> None:
        with self.warehouse.engine.begin() as connection:
            existing = connection.execute(select(self.runs.c.status).where(self.runs.c.run_id == run_id)).first()
            if existing is None:
                connection.execute(self.runs.insert().values(
                    run_id=run_id, entity_id=entity_id, company_id=company_id, triggered_by=trigger,
                    options=dict(options), started_at=utc_now(), status="running", counts={}, api_calls=0,
                    api_calls_by_object={}, failures={}))
            else:  # the same run key started again (a retried Airflow task): continue that run
                connection.execute(update(self.runs).where(self.runs.c.run_id == run_id).values(
                    status="running", finished_at=None))

    def get(self, run_id: str) -> dict:
        with self.warehouse.engine.connect() as connection:
            row = connection.execute(select(self.runs).where(self.runs.c.run_id == run_id)).mappings().first()
        if row is None:
            raise _unknown_run(run_id)
        return dict(row)

    def record(self, connection: Connection, run_id: str, object_name: str, outcomes: Sequence[Mapping]) -> None:
        """Outcome rows: direction, action, bc_key, intacct_key, reason, errorno, details."""
        outcomes = self._not_yet_rejected(connection, run_id, object_name, outcomes)
        if not outcomes:
            return
        now = utc_now()
        rows = [{"run_id": run_id, "object": object_name, "direction": o["direction"], "action": o["action"],
                 "bc_key": o.get("bc_key"), "intacct_key": None if o.get("intacct_key") is None else str(
                     o["intacct_key"]), "reason": o.get("reason"), "errorno": o.get("errorno"),
                 "details": scrub(o["details"]) if o.get("details") else NO_DETAILS, "recorded_at": now}
                for o in outcomes]
        self.warehouse.insert(connection, "intacct_record_outcomes", rows)

    def _not_yet_rejected(self, connection: Connection, run_id: str, object_name: str,
                          outcomes: Sequence[Mapping]) -> Sequence[Mapping]:
        """``outcomes`` without the rejections this run has logged already, word for word. Two steps of one
        run may decide about the same record (the bills step sends a bill's new vendor through the vendor
        step's decision again): a person should read each refusal once."""
        keys = {o.get("bc_key") for o in outcomes if o["action"] == "rejected" and o.get("bc_key") is not None}
        if not keys:
            return outcomes
        columns = self.outcomes.c
        statement = select(columns.direction, columns.bc_key, columns.intacct_key, columns.reason).where(
            columns.run_id == run_id, columns.object == object_name, columns.action == "rejected")
        logged = {tuple(row.values()) for row in self.warehouse.select_in_chunks(
            connection, statement, columns.bc_key, sorted(keys))}
        if not logged:
            return outcomes

        def signature(o: Mapping) -> tuple:
            key = o.get("intacct_key")
            return o["direction"], o.get("bc_key"), None if key is None else str(key), o.get("reason")
        return [o for o in outcomes if o["action"] != "rejected" or signature(o) not in logged]

    def outcomes_of(self, run_id: str, object_name: str | None = None) -> list[dict]:
        statement = select(self.outcomes).where(self.outcomes.c.run_id == run_id)
        if object_name:
            statement = statement.where(self.outcomes.c.object == object_name)
        with self.warehouse.engine.connect() as connection:
            return [dict(r) for r in connection.execute(statement.order_by(self.outcomes.c.outcome_id)).mappings()]

    def outcomes_to_review(self, run_id: str, limit: int = 50) -> tuple[list[dict], int]:
        """The run's first ``limit`` rejected and conflicted outcomes, in the order they happened, and how many
        there are in all (bounded: a run may reject thousands of rows)."""
        where = (self.outcomes.c.run_id == run_id) & self.outcomes.c.action.in_(REVIEW_ACTIONS)
        with self.warehouse.engine.connect() as connection:
            total = connection.execute(select(func.count()).select_from(self.outcomes).where(where)).scalar_one()
            rows = connection.execute(select(self.outcomes).where(where).order_by(self.outcomes.c.outcome_id)
                                      .limit(limit)).mappings()
            return [dict(r) for r in rows], int(total)

    # A dry run's plan -----------------------------------------------------------------------------

    def plan_writer(self, run_id: str, object_name: str) -> Callable[[list[dict]], None]:
        """Where a dry run streams its plan (``Plan.stream_to``): each chunk of planned changes is committed
        as it comes. The object's plan of an earlier attempt of the same run (a retried task) is replaced."""
        where = (self.planned.c.run_id == run_id) & (self.planned.c.object == object_name)
        with self.warehouse.engine.begin() as connection:
            connection.execute(delete(self.planned).where(where))

        def write(changes: list[dict]) -> None:
            now = utc_now()
            rows = [{"run_id": run_id, "object": object_name, "direction": c["direction"], "action": c["action"],
                     "bc_key": c.get("bc_key"), "intacct_key": None if c.get("intacct_key") is None else str(
                         c["intacct_key"]), "reason": c.get("reason"), "errorno": c.get("errorno"),
                     "details": scrub(c.get("details")), "planned_at": now} for c in changes]
            with self.warehouse.engine.begin() as connection:
                self.warehouse.insert(connection, "intacct_planned_changes", rows)

        return write

    def planned_changes(self, run_id: str, object_name: str | None = None, *,
                        chunk_size: int = 1000) -> Iterator[list[dict]]:
        """A dry run's plan as it was written, chunk by chunk (``chunk_size`` rows at a time, in the order
        planned): a plan of any size is read without holding it whole."""
        after = 0
        while True:
            statement = select(self.planned).where(self.planned.c.run_id == run_id,
                                                   self.planned.c.change_id > after)
            if object_name:
                statement = statement.where(self.planned.c.object == object_name)
            with self.warehouse.engine.connect() as connection:
                chunk = [dict(r) for r in connection.execute(
                    statement.order_by(self.planned.c.change_id).limit(chunk_size)).mappings()]
            if not chunk:
                return
            yield chunk
            after = chunk[-1]["change_id"]

    def merge_object(self, run_id: str, object_name: str, counts: Mapping, api_calls: int,
                     failure: str | None = None, by_direction: Mapping[str, int] | None = None) -> None:
        """Set one object's counts, API calls (split by direction when ``by_direction`` is given) and failure
        (None = it succeeded) in the run row.

        The objects of one run may be synced by different processes (one Airflow task each, retried
        independently), so each writes only its own part.
        """
        with self.warehouse.engine.begin() as connection:
            row = connection.execute(select(self.runs.c.counts, self.runs.c.api_calls_by_object,
                                            self.runs.c.failures).where(
                self.runs.c.run_id == run_id).with_for_update()).mappings().first()
            if row is None:
                raise _unknown_run(run_id)
            all_counts = {**(row["counts"] or {}), object_name: dict(counts)}
            calls = {**(row["api_calls_by_object"] or {}),
                     object_name: {d: int(n) for d, n in by_direction.items()} if by_direction else int(api_calls)}
            failures = {name: text for name, text in (row["failures"] or {}).items() if name != object_name}
            if failure:
                failures[object_name] = failure
            connection.execute(update(self.runs).where(self.runs.c.run_id == run_id).values(
                counts=all_counts, api_calls_by_object=calls, api_calls=sum(map(_total, calls.values())),
                failures=failures))

    def update(self, run_id: str, **values) -> None:
        with self.warehouse.engine.begin() as connection:
            connection.execute(update(self.runs).where(self.runs.c.run_id == run_id).values(**values))


def _total(calls: Mapping[str, int] | int) -> int:
    return sum(calls.values()) if isinstance(calls, Mapping) else int(calls)


def _unknown_run(run_id: str) -> KeyError:
    return KeyError(f"unknown run id {run_id!r}: start it with SyncEngine.start_run() first")
