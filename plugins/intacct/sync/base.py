"""The one object-sync machinery: a run's steps, Intacct's pages, BC rows, outcomes and import ids.

``ObjectSync`` runs any object from its spec (``sync.spec``); deletes (``sync.deletes``) and journalled writes
(``sync.writes``) are its mixins. An object's module (accounts, vendors, bills) is its spec plus the hooks
where its rules differ.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select

from intacct.client.prefetch import ReadAhead
from intacct.client.read_process import ProcessRead
from intacct.client.seen import SeenNumbers
from intacct.sync import faults
from intacct.sync.config import EntityConfig, RunOptions
from intacct.sync.deletes import DeleteDetection
from intacct.sync.mapping import intacct_fields
from intacct.sync.page_writer import PageWriter
from intacct.sync.plan import Plan, PlannedChange, count_actions
from intacct.sync.prepared import PreparedPage, convert_records, prepare_page, prepared_pages
from intacct.sync.run_log import RunLog
from intacct.sync.spec import SyncSpec
from intacct.sync.state import SyncState, Watermark, bc_changed_since, changed_since, utc_now
from intacct.sync.writes import Create, IntacctWrite, JournalledWrites, Push, error_reason, is_unknown_outcome
from intacct.warehouse import Warehouse

# Imports in one run past which the tables' statistics are refreshed: a first sync, or a large batch of new
# Intacct records (the ANALYZE costs milliseconds on small tables, about a second at 100k bills).
ANALYZE_AFTER_IMPORTS = 1_000

__all__ = ["Create", "IntacctWrite", "ObjectSync", "Push", "RunContext", "error_reason", "is_unknown_outcome"]


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


class ObjectSync(DeleteDetection, JournalledWrites):
    """The sync of one object, driven by its ``spec``.

    A run: finish the writes an interrupted run left; the object's pre-read step (vendors match and create new
    BC vendors); Intacct's changes, a page at a time; deletes; BC's side; BC's watermark. Memory holds a page.
    """

    spec: SyncSpec

    def __init__(self, context: RunContext):
        self.ctx = context
        self._early = None  # a read started before the run reached this object (read_early)
        self.plan = Plan(self.object_name)
        self.applied: Counter[tuple[str, str]] = Counter()  # (direction, action) of what was really done
        self._applied_lock = threading.Lock()
        self.handled: set[str] = set()            # BC keys settled this run: not compared again
        self.page_writer = PageWriter(self.object_name)  # pages committed while the next is converted
        self.written_at: set = set()  # the stamps (``spec.touched``) of the BC rows this run wrote with Intacct's values

    @property
    def object_name(self) -> str:
        return self.spec.name

    def not_written_here(self, touched):
        """A condition on BC rows: not one this run wrote from Intacct and BC left alone since (a page's own
        stamp; BC sets another on any edit). Such a row holds what Intacct has, so BC's side does not compare it
        again: a first sync does not read its whole import back. None when this run wrote nothing."""
        return touched.not_in(sorted(self.written_at)) if self.written_at else None

    @property
    def intacct_key_field(self) -> str:
        return self.spec.intacct_key

    @property
    def table(self):
        return self.ctx.warehouse.tables[self.spec.bc_table]

    @property
    def dry_run(self) -> bool:
        return self.ctx.options.dry_run

    def fault(self, point: str, **context) -> None:
        self.ctx.fault_hook(point, {"object": self.object_name, **context})

    # The run --------------------------------------------------------------------------------------

    def run(self) -> None:
        ctx = self.ctx
        watermark = ctx.state.watermark(self.object_name)
        started = utc_now()
        if not self.dry_run:
            self.finish_interrupted_writes()
        self.before_intacct(watermark)
        since = changed_since(watermark, ctx.config.lookback, ctx.options.full_refresh)
        present = self.read_intacct(since, watermark)
        self.after_intacct()
        self.find_deletes(since, watermark, present)
        self.sync_bc_side(bc_changed_since(watermark, ctx.config.lookback, ctx.options.full_refresh))
        self.move_bc_watermark(started)
        self.refresh_statistics()

    def refresh_statistics(self) -> None:
        """After a bulk import (a first sync), the warehouse's statistics of the tables it filled are refreshed,
        so that the next run's lookups are planned for the rows that are there now."""
        if self.dry_run or self.applied[("to_bc", "create")] < ANALYZE_AFTER_IMPORTS:
            return
        self.ctx.warehouse.refresh_statistics(
            [self.spec.bc_table, *(child.bc_table for child in self.spec.children), "intacct_links"])

    def before_intacct(self, watermark: Watermark) -> None:
        """Hook: work before Intacct's changes are read."""

    def start_reading(self, watermark: Watermark) -> None:
        """Hook: set up what the page step needs (called once, before the first page)."""

    def apply_intacct_page(self, records: list[dict], cursor, children: dict | None = None) -> None:
        """Hook: plan and apply one page of Intacct records (as BC values), moving the watermark to ``cursor``;
        ``children``: child name → parent key → child rows, when they were read along with the page."""
        raise NotImplementedError

    def after_intacct(self) -> None:
        """Hook: work once Intacct's changes are read."""

    def sync_bc_side(self, since) -> None:
        """Hook: BC's changes since ``since`` (None: every row)."""

    def read_early(self) -> bool:
        """Start this object's read now, while the objects before it in the run are synced, where that cannot
        change what it reads: the full read of an object with children (a first sync or a full refresh: the
        long read of a run), whose own steps before the read write nothing to Intacct (no pre-read step)
        and with no interrupted writes to finish; never with the client's ``read_ahead_pages=0`` (no read
        ahead of any kind). Returns whether it started; ``close_early`` stops it."""
        if not self.spec.children or type(self).before_intacct is not ObjectSync.before_intacct:
            return False
        if getattr(getattr(self.ctx.client, "settings", None), "read_ahead_pages", 1) == 0:
            return False
        watermark = self.ctx.state.watermark(self.object_name)
        if changed_since(watermark, self.ctx.config.lookback, self.ctx.options.full_refresh) is not None:
            return False
        if self.ctx.state.pending_writes(self.object_name):
            return False
        process = self.open_process_read()
        if process is not None:
            # The reading process starts reading now with half the company's request slots (the syncs before
            # this object keep the others), and takes them all when this object's turn comes.
            self._early = process.read_early()
            return True
        # One page read ahead of the reads themselves: the halves decide and start when their first
        # answers are in, which is now, not when this object's turn comes.
        self._early = ReadAhead(lambda: self.open_read(None), depth=1, name="intacct-early-read").start()
        return True

    def close_early(self) -> None:
        early, self._early = self._early, None
        if early is not None:
            early.close()

    def open_read(self, since) -> Iterator[PreparedPage]:
        """The pages of Intacct's records modified since ``since`` (None: all of them; an object with children
        then reads them beside its records, see ``read_intacct``), prepared (``sync.prepared``). A full read
        with children runs in a reading process where the client can (``open_process_read``)."""
        spec, client = self.spec, self.ctx.client
        if since is None and spec.children:
            return self.open_process_read() or prepared_pages(
                client.iter_with_children(*self._full_read(), parts=None), spec, self.content_location)
        return prepared_pages(client.iter_pages(spec.intacct_object, intacct_fields(spec.intacct_object),
                                                modified_since=since), spec, self.content_location)

    def open_process_read(self) -> ProcessRead | None:
        """The full read with children in a reading process of its own, its pages prepared there, on another
        CPU than this sync's (``IntacctClient.process_read``); None where the client cannot."""
        process_read = getattr(self.ctx.client, "process_read", None)
        # A page after one this sync waited for comes without content hashes: the sync computes them, so the
        # hashing is shared between the two processes as their speeds allow (the reading process is the slower
        # one on SQLite, the faster one on PostgreSQL, whose storing takes more of this process).
        pages = None if process_read is None else process_read(
            "iter_with_children", self._full_read(), {"parts": None}, (prepare_page, (self.spec, self.content_location)),
            lighter={"hash_content": False})
        return pages if isinstance(pages, ProcessRead) else None  # (a stand-in client may answer anything)

    def _full_read(self) -> tuple:
        """``iter_with_children``'s arguments for this object's full read (its records, then its children)."""
        spec, child = self.spec, self.spec.children[0]
        return (spec.intacct_object, child.intacct_object, child.parent_field, intacct_fields(spec.intacct_object),
                intacct_fields(child.intacct_object))

    @property
    def content_location(self) -> str | None:
        """What a child without a location stands for in a record's content (``SyncSpec.digest``)."""
        return None

    def read_intacct(self, since, watermark: Watermark) -> SeenNumbers | None:
        """Intacct's records modified since ``since``, a page at a time.

        Returns the RECORDNOs read when the read started from the beginning and every row was readable: that is
        Intacct's complete key list, so finding deletes needs no second read. Such a read of an object with
        children takes the records in key order with their children read beside them as one keyset stream
        (a large read in two halves of the key range at once, so both of the company's request slots stay busy)."""
        spec = self.spec
        self.start_reading(watermark)
        keys: SeenNumbers | None = SeenNumbers() if since is None else None  # compact: a read may hold millions
        child = spec.children[0] if since is None and spec.children else None
        pages, self._early = self._early, None
        if pages is not None and since is not None:  # the run changed its mind (cannot happen in one run)
            pages.close()
            pages = None
        if pages is None:
            pages = self.open_read(since)
        complete, newest = True, None
        try:
            for page in pages:
                # An unreadable record is still there: a read with one is no proof of what was deleted.
                complete = not self.reject_unreadable(page) and complete
                if keys is not None:
                    keys.update(page.record_nos)
                records = self.accept_converted(page.records, page.refused)
                if child is None:
                    self.apply_intacct_page(records, page.cursor)
                    continue
                self.apply_intacct_page(records, None, {child.name: page.children}, digests=page.digests)
                for record in records:
                    seen = (record.get("intacct_modified_at"), record.get("intacct_record_no"))
                    if seen[0] is not None and (newest is None or seen > newest):
                        newest = seen
            self.page_writer.drain()  # every page committed (or its failure raised) before the read is done
        finally:
            close = getattr(pages, "close", None)
            if close is not None:
                close()
            self.page_writer.close()
        if newest is not None and not self.dry_run:
            # A read in key order moves the watermark once, at its end, to the newest change it saw (the
            # look-back re-reads what changed while it ran).
            with self.ctx.warehouse.engine.begin() as connection:
                self.ctx.state.move_watermark(connection, self.object_name, modified_at=newest[0],
                                              record_no=newest[1])
        return keys if complete else None

    # Run bookkeeping ------------------------------------------------------------------------------

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
        self.page_writer.drain()  # after the pages committing (a no-op on their own thread)
        with self.ctx.warehouse.engine.begin() as connection:
            yield connection
            self.page_writer.wait_turn()  # a page stored aside commits after the page before it, or not at all
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

    def still_refused(self, rows: dict[str, dict], versions: dict[str, str]) -> dict[str, dict]:
        """``rows`` without those Intacct refused as they are now (same ``versions``): sending them again would
        be refused again, so they wait, still listed as rejected, until BC changes them (or what they need)."""
        if not hasattr(self, "_refused"):
            self._refused = self.ctx.state.refused(self.object_name, "to_intacct")
        return {key: row for key, row in rows.items()
                if key not in self._refused or self._refused[key] != versions.get(key)}

    def bc_rows(self, connection, keys: Iterable) -> dict[str, dict]:
        """This company's rows of the object's BC table with these BC keys."""
        return self.company_rows(connection, self.spec.bc_table, self.spec.bc_key, self.spec.bc_key, keys)

    def linked_rows(self, connection, intacct_keys: Iterable) -> dict[str, dict]:
        """This company's rows linked to these Intacct keys, by BC key."""
        return self.company_rows(connection, self.spec.bc_table, self.spec.bc_key, self.spec.bc_link, intacct_keys)

    def free_import_ids(self, connection, intacct_keys: Sequence) -> dict:
        """Intacct key → a BC key no BC row holds: ``ia-<key>``, else ``ia-<key>-2``, ``-3``…

        An import never takes over a BC row it did not create (e.g. BC's own vendor that happens to be called
        ``ia-V1``), nor the key another import of the same page gets."""
        wanted = {self.spec.import_id(key): key for key in intacct_keys}
        taken = set(self.bc_rows(connection, list(wanted))) if wanted else set()
        chosen = {key: bc_key for bc_key, key in wanted.items() if bc_key not in taken}
        used = set(chosen.values())
        column = self.table.c[self.spec.bc_key]
        for bc_key in sorted(taken):
            prefix = f"{bc_key}-"
            held = set(connection.execute(select(column).where(
                self.table.c.company_id == self.ctx.company, column.like(f"{prefix}%"))).scalars()) | used
            suffix = 2
            while f"{prefix}{suffix}" in held or f"{prefix}{suffix}" in wanted:
                suffix += 1
            chosen[wanted[bc_key]] = f"{prefix}{suffix}"
            used.add(chosen[wanted[bc_key]])
        return chosen

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
                                      change.errorno, change.version)
            elif change.action != "skip":
                succeeded.setdefault(change.direction, []).append(str(key))
        for direction, keys in succeeded.items():
            self.ctx.state.clear_rejections(connection, self.object_name, direction, keys)
        with self._applied_lock:  # two pages may be stored at once (PageWriter)
            self.applied.update([(c.direction, c.action) for c in changes])

    def record_now(self, changes: Sequence[PlannedChange]) -> None:
        if not changes or self.dry_run:
            return
        self.page_writer.drain()  # outcomes in the order things happened
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
        return self.accept_converted(*convert_records(records, convert, key_field))

    def accept_converted(self, converted: list[dict], refused: Sequence[tuple[str | None, str]]) -> list[dict]:
        """``converted``, once each record that could not be (``refused``: key, reason) is rejected by name."""
        self.record_now([self.plan.add(PlannedChange(self.object_name, "to_bc", "reject", None, key, reason=reason))
                         for key, reason in refused])
        return converted

    def counts(self) -> dict[str, dict[str, int]]:
        if self.dry_run:
            return self.plan.counts()
        return count_actions(self.applied)


def _key_of(error) -> str | None:
    """The record key of a client ``RecordValueError``: its key reads "<OBJECT> <FIELD> <value>"."""
    parts = str(getattr(error, "key", None) or "").split(" ", 2)
    return parts[2] if len(parts) == 3 and parts[1] != "without" else None


def _past(action: str) -> str:
    return {"create": "created", "update": "updated", "link": "linked", "deactivate": "deactivated",
            "reject": "rejected", "skip": "skipped", "conflict": "conflict"}.get(action, action)

