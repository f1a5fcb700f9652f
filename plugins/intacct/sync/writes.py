"""Journalled Intacct writes, once for every object: creates, updates, and the recovery of lost answers.

Every write is journalled (an intent) before it is sent and resolved in the transaction that settles its BC
side, so a crash between the two leaves an intent the next run finishes. A create whose answer was lost is
looked up by the object's business key and linked only when found; an "already applied" answer (a replayed
control id) is verified by reading the record back, never assumed. Control ids are unique per intended
write: an update's id holds the base it was planned on, the content it sends and (as its scope) the run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from intacct.client import WriteRequest
from intacct.sync import faults
from intacct.sync.plan import PlannedChange
from intacct.sync.state import Link, snapshot_hash

# Errors whose outcome is unknown: the write may have been committed before the answer was lost.
UNKNOWN_OUTCOME_ERRORS = ("TransportError", "WriteFailed")


@dataclass
class IntacctWrite:
    """One planned Intacct write with its journal intent."""

    change: PlannedChange
    request: object                    # intacct.client.WriteRequest
    intent: dict                       # write_key, operation, bc_key, intacct_key


@dataclass
class Create:
    """A BC record to create in Intacct: its change, the fields sent and the business key that finds it."""

    change: PlannedChange
    fields: dict
    business_key: str
    request_key: str | None = None     # the write's own key when it is a second attempt (another control id)


@dataclass
class Push:
    """A BC change to send to a linked Intacct record, and the link to keep once Intacct holds it."""

    change: PlannedChange
    fields: dict                       # the Intacct fields sent (RECORDNO first where the object needs it)
    base: str                          # what the change was planned on (a snapshot hash)
    intended: str                      # what Intacct should hold afterwards (a hash)
    link: Link


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


class JournalledWrites:
    """Mixin of ``ObjectSync``. The object supplies what differs: ``lookup_created`` (Intacct records a create
    may have made, by business key), ``claim`` (which of them is ours), ``link_created`` (the BC side of a
    created record), ``created_record`` and ``intacct_key_of``, and ``holds_in_intacct`` (read-back check)."""

    # Hooks ----------------------------------------------------------------------------------------

    def lookup_created(self, intents: Sequence[dict]) -> dict[str, list[dict]]:
        """write_key → the Intacct records that the create of that intent may have made."""
        raise NotImplementedError

    def claim(self, connection, candidates: list[dict], row: dict) -> dict | None:
        """The candidate that is the record created for ``row`` (default: the first one)."""
        return candidates[0] if candidates else None

    def link_created(self, connection, row: dict, record: dict, intent: dict) -> None:
        raise NotImplementedError

    def created_record(self, write: IntacctWrite, outcome) -> dict:
        """The record to link when the create's answer carries its RECORDNO."""
        raise NotImplementedError

    def intacct_key_of(self, record: dict) -> str:
        raise NotImplementedError

    def retry_refused_create(self, write: IntacctWrite, outcome) -> Create | None:
        """Hook: another attempt for a create Intacct refused (vendors: an id taken where this entity cannot
        see it), or None to reject it. The refused attempt is then logged as skipped, the retry as itself."""
        return None

    def holds_in_intacct(self, pushes: Sequence[Push]) -> set[str]:
        """BC keys of the pushes whose Intacct record, read back now, holds what was sent."""
        raise NotImplementedError

    def compare_found(self) -> None:
        """Hook: compare with BC, in this run, the created records just linked from a lookup (after an
        interrupted run or a lost answer), whose content Intacct may have changed since the create; called
        once their links are committed. Objects whose keys a run compares once (vendors) must compare them
        here: the run's own read of Intacct leaves them out."""

    # Recovery -------------------------------------------------------------------------------------

    def finish_interrupted_writes(self) -> None:
        """Intents left by an interrupted run: link what Intacct did create; forget the rest (re-planned)."""
        pending = self.ctx.state.pending_writes(self.object_name)
        if not pending:
            return
        creates = [p for p in pending if p["operation"] == "create"]
        found = self.lookup_created(creates) if creates else {}
        with self.ctx.warehouse.engine.begin() as connection:
            rows = self.bc_rows(connection, [p["bc_key"] for p in creates])
            for intent in creates:
                row = rows.get(intent["bc_key"])
                if row is None or row.get(self.spec.bc_link) is not None:
                    continue
                record = self.claim(connection, found.get(intent["write_key"], []), row)
                if record is None:
                    continue
                change = self.plan.add(PlannedChange(
                    self.object_name, "to_intacct", "create", intent["bc_key"], self.intacct_key_of(record),
                    reason="created in Intacct by an interrupted run; link completed now"))
                self.link_created(connection, row, record, intent)
                self.record(connection, [change])
                self.handled.add(intent["bc_key"])
            self.ctx.state.resolve_intents(connection, self.object_name, [p["write_key"] for p in pending])
        self.compare_found()

    # Creates --------------------------------------------------------------------------------------

    def create_in_intacct(self, creates: Sequence[Create], rows: dict[str, dict]) -> None:
        """Create these BC records in Intacct and link each one that Intacct (verifiably) holds."""
        noun = self.spec.noun
        keys = [c.request_key or f"{noun}:{c.change.bc_key}" for c in creates]
        writes = [IntacctWrite(c.change, WriteRequest(key, c.fields), {
            "write_key": key, "operation": "create", "bc_key": c.change.bc_key,
            "intacct_key": c.business_key, "record_version": c.change.version})
            for c, key in zip(creates, keys, strict=True)]
        if self.dry_run or not writes:
            return
        retries: list[Create] = []

        def link(connection, write, record, note: str) -> None:
            write.change.intacct_key = self.intacct_key_of(record)
            write.change.reason += note
            self.link_created(connection, rows[write.change.bc_key], record, write.intent)

        def on_batch(results) -> None:
            # An answer without the record's number, or a replay, is checked by reading the record back.
            unsure = [w.intent for w, o in results if o is not None and o.ok and (o.already_applied or
                                                                               o.record_no is None)]
            found = self.lookup_created(unsure) if unsure else {}

            def created(connection, write, outcome) -> None:
                change = write.change
                retry = self.retry_refused_create(write, outcome) if outcome is not None and not outcome.ok else None
                if retry is not None:
                    change.action, change.errorno = "skip", getattr(outcome.error, "errorno", None)
                    change.reason = f"{error_reason(outcome.error)[0]}; {retry.change.reason}"
                    retries.append(retry)
                elif outcome is None or not outcome.ok:
                    change.action = "reject"
                    change.reason, change.errorno = error_reason(outcome.error if outcome else None)
                elif outcome.already_applied or outcome.record_no is None:
                    record = self.claim(connection, found.get(write.intent["write_key"], []),
                                        rows[change.bc_key])
                    if (record is None and outcome.already_applied and self.spec.create_again_when_gone
                            and self.ctx.run_id not in write.request.key):
                        # The control id was used by an earlier create whose record is gone (deleted in
                        # Intacct before it was linked): replaying that id would be "already applied" in every
                        # run. It is created again now, under an id of its own (see SyncSpec).
                        again = self.plan.add(PlannedChange(
                            self.object_name, "to_intacct", "create", change.bc_key, write.intent["intacct_key"],
                            values=dict(write.request.fields), version=change.version,
                            reason=f"{change.reason}; created again: an earlier create of it is gone from Intacct"))
                        retries.append(Create(again, dict(write.request.fields), write.intent["intacct_key"],
                                              request_key=f"{write.request.key}:{self.ctx.run_id}"))
                        change.action = "skip"
                        change.reason = (f"Intacct called this create already applied but has no such {noun} (an "
                                         "earlier create of it was deleted there): created again under a new id")
                    elif record is None:
                        change.action = "skip"
                        said = "already applied" if outcome.already_applied else "done"
                        change.reason = f"Intacct called this create {said} but has no such {noun}: retried on the next run"
                    else:
                        link(connection, write, record, " (Intacct had already applied this create; confirmed by "
                             "reading it back)" if outcome.already_applied else "")
                else:
                    link(connection, write, self.created_record(write, outcome), "")

            self.settle_writes(results, created)

        def on_unknown(batch) -> None:
            found = self.lookup_created([w.intent for w in batch])

            def looked_up(connection, write, candidates) -> None:
                record = self.claim(connection, candidates, rows[write.change.bc_key])
                if record is not None:
                    link(connection, write, record, " (confirmed by a lookup after a lost answer)")
                else:
                    write.change.action = "skip"
                    write.change.reason = f"Intacct did not answer and has no such {noun}: retried on the next run"

            self.settle_writes([(w, found.get(w.intent["write_key"], [])) for w in batch], looked_up,
                               crash_points=False)

        self.write_to_intacct("create", self.spec.intacct_object, writes, on_batch, on_unknown)
        self.compare_found()
        if retries:
            self.create_in_intacct(retries, rows)

    # Updates --------------------------------------------------------------------------------------

    def update_in_intacct(self, pushes: Sequence[Push]) -> None:
        """Send BC's changes of linked records; keep each link only once Intacct (verifiably) holds it."""
        if self.dry_run or not pushes:
            return
        noun, by_key = self.spec.noun, {p.change.bc_key: p for p in pushes}
        writes = []
        for push in pushes:
            # One id per intended write, so b → a → b sends b again instead of replaying the first write's id.
            digest = snapshot_hash({"base": push.base, "intended": push.intended})[:16]
            write_key = f"{noun}:{push.change.bc_key}:update:{digest}"
            writes.append(IntacctWrite(push.change, WriteRequest(write_key, push.fields, scope=self.ctx.run_id), {
                "write_key": write_key, "operation": "update", "bc_key": push.change.bc_key,
                "intacct_key": push.change.intacct_key, "record_version": push.change.version}))
        holding: set[str] = set()

        def updated(connection, write, outcome) -> None:
            change, push = write.change, by_key[write.change.bc_key]
            if outcome is None:
                change.action = "reject"
                change.reason = ("Intacct did not confirm the update (the answer was lost); it is sent again on the "
                                 "next run")
            elif not outcome.ok:
                change.action = "reject"
                change.reason, change.errorno = error_reason(outcome.error)
            elif outcome.already_applied and change.bc_key not in holding:
                change.action = "reject"
                change.reason = (f"Intacct called this update already applied, but the {noun} read back does not "
                                 "hold BC's values: it is sent again on the next run")
            else:
                if outcome.already_applied:
                    change.reason += " (Intacct had already applied it; confirmed by reading it back)"
                self.ctx.state.save_links(connection, self.object_name, [push.link])

        def on_batch(results) -> None:
            replayed = [by_key[w.change.bc_key] for w, o in results if o is not None and o.ok and o.already_applied]
            holding.update(self.holds_in_intacct(replayed) if replayed else ())
            self.settle_writes(results, updated)

        self.write_to_intacct("update", self.spec.intacct_object, writes, on_batch,
                              lambda batch: self.settle_writes([(w, None) for w in batch], updated))

    # The journal ----------------------------------------------------------------------------------

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
        size = self.ctx.config.write_batch_size
        for start in range(0, len(writes), size):
            batch = list(writes[start:start + size])
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
