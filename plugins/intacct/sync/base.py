"""What every object's sync shares: the run context, outcome recording and journalled Intacct writes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select

from intacct.sync import faults
from intacct.sync.config import EntityConfig, RunOptions
from intacct.sync.plan import Plan, PlannedChange, count_actions
from intacct.sync.run_log import RunLog
from intacct.sync.state import SyncState, Watermark, utc_now
from intacct.warehouse import Warehouse

# Errors whose outcome is unknown: the write may have been committed before the answer was lost.
UNKNOWN_OUTCOME_ERRORS = ("TransportError", "WriteFailed")


@dataclass
class RunContext:
    run_id: str
    client: object
    warehouse: Warehouse
    config: EntityConfig
    options: RunOptions
    state: SyncState
    run_log: RunLog
    fault_hook: faults.FaultHook

    @property
    def company(self) -> str:
        return self.config.bc_company_id


@dataclass
class IntacctWrite:
    """One planned Intacct write with its journal intent."""

    change: PlannedChange
    request: object                    # intacct.client.WriteRequest
    intent: dict                       # write_key, operation, bc_key, intacct_key


def error_reason(error) -> tuple[str, str | None]:
    """(reason for BC users, errorno) from a client error."""
    if error is None:
        return "Intacct reported a failure without details", None
    detail = next(iter(getattr(error, "errors", []) or []), None)
    text = str(detail) if detail is not None else str(error)
    remediation = getattr(error, "remediation", None)
    if remediation and remediation not in text:
        text = f"{text} — {remediation}"
    return f"Intacct refused the change: {text}", getattr(error, "errorno", None)


def is_unknown_outcome(error: BaseException) -> bool:
    return any(cls.__name__ in UNKNOWN_OUTCOME_ERRORS for cls in type(error).__mro__)


class ObjectSync:
    """Base of the per-object syncs. Subclasses implement ``run()`` and return the plan they executed."""

    object_name = ""
    intacct_key_field = "RECORDNO"   # the Intacct field this object's links and rejections are keyed by

    def __init__(self, context: RunContext):
        self.ctx = context
        self.plan = Plan(self.object_name)
        self.applied: Counter[tuple[str, str]] = Counter()  # (direction, action) of what was really done

    @property
    def dry_run(self) -> bool:
        return self.ctx.options.dry_run

    def fault(self, point: str, **context) -> None:
        self.ctx.fault_hook(point, {"object": self.object_name, **context})

    # Run bookkeeping ------------------------------------------------------------------------------

    def reconcile_due(self, watermark: Watermark) -> bool:
        """Whether this run reads Intacct's full key list to find deletes (always on a full refresh)."""
        last = watermark.last_reconciled_at
        return self.ctx.options.full_refresh or last is None or utc_now() - last >= self.ctx.config.reconcile_every

    def move_bc_watermark(self, started) -> None:
        """BC's changes up to this run's start are handled: the next run reads BC from there."""
        if self.dry_run:
            return
        with self.ctx.warehouse.engine.begin() as connection:
            self.ctx.state.move_watermark(connection, self.object_name, bc_changed_since=started)

    @contextmanager
    def bc_commit(self, keys: list | None, *, cursor=None, write_keys: Iterable[str] | None = None) -> Iterator:
        """One BC-side transaction, with the crash-test points around its commit (none when ``keys`` is None).

        ``cursor`` moves the Intacct watermark past the page just applied and ``write_keys`` resolves the
        journal intents of the writes settled: both commit with the BC changes or not at all.
        """
        with self.ctx.warehouse.engine.begin() as connection:
            yield connection
            if keys is not None:
                self.fault(faults.BEFORE_BC_COMMIT, keys=keys)
            if write_keys is not None:
                self.ctx.state.resolve_intents(connection, self.object_name, write_keys)
            if cursor is not None:
                self.ctx.state.move_watermark(connection, self.object_name, modified_at=cursor[0],
                                              record_no=cursor[1])
        if keys is not None:
            self.fault(faults.AFTER_BC_COMMIT, keys=keys)

    # Reading BC -----------------------------------------------------------------------------------

    def company_rows(self, connection, table_name: str, key: str, column: str, values: Iterable) -> dict[str, dict]:
        """This BC company's rows of ``table_name`` whose ``column`` is one of ``values``, by ``key``."""
        table = self.ctx.warehouse.tables[table_name]
        statement = select(table).where(table.c.company_id == self.ctx.company)
        return {row[key]: dict(row) for row in
                self.ctx.warehouse.select_in_chunks(connection, statement, table.c[column], list(values))}

    # Outcomes -------------------------------------------------------------------------------------

    def outcome_rows(self, changes: Sequence[PlannedChange], action_override: str | None = None) -> list[dict]:
        return [{"direction": c.direction, "action": action_override or _past(c.action), "bc_key": c.bc_key,
                 "intacct_key": c.intacct_key, "reason": c.reason, "errorno": c.errorno, "details": c.details}
                for c in changes]

    def record(self, connection, changes: Sequence[PlannedChange]) -> None:
        """Record outcomes (inside the caller's transaction) and keep the retry queue in step."""
        rows = self.outcome_rows(changes)
        self.ctx.run_log.record(connection, self.ctx.run_id, self.object_name, rows)
        succeeded: dict[str, list[str]] = {}
        for change in changes:
            key = change.bc_key if change.direction == "to_intacct" else (change.intacct_key or change.bc_key)
            if key is None:
                continue
            if change.action == "reject":
                self.ctx.state.reject(connection, self.object_name, change.direction, str(key), change.reason,
                                      change.errorno)
            elif change.action != "skip":
                succeeded.setdefault(change.direction, []).append(str(key))
        for direction, keys in succeeded.items():
            self.ctx.state.clear_rejections(connection, self.object_name, direction, keys)
        self.applied.update((c.direction, c.action) for c in changes)

    def record_now(self, changes: Sequence[PlannedChange]) -> None:
        if not changes or self.dry_run:
            return
        with self.ctx.warehouse.engine.begin() as connection:
            self.record(connection, changes)

    def reject_unreadable(self, page) -> list[str]:
        """Rows of an Intacct page the client could not read (``Page.rejected``), each rejected by name so
        the rest of the page syncs; returns their Intacct keys (a page with any is not a complete key list)."""
        errors = list(getattr(page, "rejected", ()) or ())
        changes = [self.plan.add(PlannedChange(
            self.object_name, "to_bc", "reject", None, self.unreadable_key(error), reason=str(error)))
            for error in errors]
        self.record_now(changes)
        return [c.intacct_key for c in changes if c.intacct_key is not None]

    def unreadable_key(self, error) -> str | None:
        """The key this object files Intacct records under (bills: RECORDNO), from a client read error."""
        identifiers = getattr(error, "identifiers", None) or {}
        return identifiers.get(self.intacct_key_field) or _key_of(error)

    def convert_each(self, records, convert: Callable[[dict], dict], key_field: str) -> list[dict]:
        """Intacct records as BC values; a malformed record is rejected on its own, the page goes on."""
        converted, rejected = [], []
        for record in records:
            try:
                converted.append(convert(record))
            except (ValueError, TypeError, ArithmeticError) as error:  # ArithmeticError: Decimal's InvalidOperation
                key = record.get(key_field) if isinstance(record, dict) else None
                record_no = record.get("RECORDNO") if isinstance(record, dict) else None
                named = (f"{key_field} {key}" if key not in (None, "") else
                         f"RECORDNO {record_no}" if record_no not in (None, "") else "a record without keys")
                rejected.append(self.plan.add(PlannedChange(
                    self.object_name, "to_bc", "reject", None, None if key in (None, "") else str(key),
                    reason=f"Intacct {named}: {error}: correct the record in Intacct")))
        self.record_now(rejected)
        return converted

    def counts(self) -> dict[str, dict[str, int]]:
        if self.dry_run:
            return self.plan.counts()
        return count_actions(self.applied)

    # Journalled Intacct writes --------------------------------------------------------------------

    def settle_writes(self, results: Sequence[tuple[IntacctWrite, object]],
                      settle: Callable[[object, IntacctWrite, object], None], *, crash_points: bool = True) -> None:
        """The BC side of written (or looked-up) records in one transaction: ``settle(connection, write,
        outcome)`` applies each one or turns its change into a rejection; then its outcome is recorded and
        its journal intent resolved."""
        keys = [write.change.bc_key for write, _ in results] if crash_points else None
        with self.bc_commit(keys, write_keys=[write.intent["write_key"] for write, _ in results]) as connection:
            for write, outcome in results:
                settle(connection, write, outcome)
                self.record(connection, [write.change])

    def write_to_intacct(self, operation: str, intacct_object: str, writes: Sequence[IntacctWrite],
                         on_batch: Callable[[list[tuple[IntacctWrite, object]]], None],
                         on_unknown: Callable[[list[IntacctWrite]], None]) -> None:
        """Send writes in batches: journal intents, write, then let ``on_batch`` commit the BC side.

        ``on_batch`` gets (write, WriteOutcome) pairs; ``on_unknown`` gets the writes of a batch whose
        answer was lost (the caller looks the records up by business key).
        """
        send = getattr(self.ctx.client, operation)
        for start in range(0, len(writes), self.ctx.config.write_batch_size):
            batch = list(writes[start:start + self.ctx.config.write_batch_size])
            self.ctx.state.journal_intents(self.object_name, [w.intent for w in batch], self.ctx.run_id)
            self.fault(faults.BEFORE_INTACCT_WRITE, keys=[w.intent["write_key"] for w in batch])
            try:
                outcomes = send(intacct_object, [w.request for w in batch])
            except Exception as error:
                # The request failed as a whole: what completed before is known, the rest is not (a
                # commit whose answer was lost looks exactly like a failure), so it is looked up.
                completed = list(getattr(error, "outcomes", None) or [])
                if not completed and not is_unknown_outcome(error):
                    raise
                done = {outcome.key: outcome for outcome in completed}
                if done:
                    on_batch([(w, done[w.request.key]) for w in batch if w.request.key in done])
                on_unknown([w for w in batch if w.request.key not in done])
                continue
            self.fault(faults.AFTER_INTACCT_WRITE, keys=[w.intent["write_key"] for w in batch])
            by_key = {outcome.key: outcome for outcome in outcomes}
            on_batch([(w, by_key.get(w.request.key)) for w in batch])


def _key_of(error) -> str | None:
    """The record key of a client ``RecordValueError``: its key reads "<OBJECT> <FIELD> <value>"."""
    parts = str(getattr(error, "key", None) or "").split(" ", 2)
    return parts[2] if len(parts) == 3 and parts[1] != "without" else None


def _past(action: str) -> str:
    return {"create": "created", "update": "updated", "link": "linked", "deactivate": "deactivated",
            "reject": "rejected", "skip": "skipped", "conflict": "conflict"}.get(action, action)

