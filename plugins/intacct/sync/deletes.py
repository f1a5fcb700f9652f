"""Records gone from Intacct, found once for every object: the audit trail, a complete read, or a key list.

Which source a run uses, cheapest first: Intacct's audit trail (objects that keep one, on incremental runs);
the key set of a read that started from the beginning (first run, empty watermark, full refresh) — it *is*
Intacct's complete key list, so no second read is made; else, once per ``reconcile_every``, a keys-only read.
A BC row whose record is gone takes the spec's gone state (vendors and accounts inactive, bills void).
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select, update

from intacct.client.errors import MalformedValue
from intacct.client.seen import SeenNumbers
from intacct.sync.plan import PlannedChange
from intacct.sync.state import Watermark, chunks, utc_now


class DeleteDetection:
    """Mixin of ``ObjectSync``: uses its ``spec``, ``ctx``, ``plan``, ``table`` and ``record``."""

    def find_deletes(self, since, watermark: Watermark, present: set[int] | None) -> None:
        audit_failed = False
        if self.spec.deletes_from_audit_trail and since is not None:
            trail = self.ctx.client.deleted_from_audit_trail(self.spec.intacct_object, since)
            self.deactivate(self.live_counterparts(set(trail.record_nos)), self.gone_reason("audit"))
            # A page that failed is made good now by the key list; a role that may not read the trail leaves
            # deletes to the daily reconciliation, so such a company does not pay for a key read every run.
            audit_failed = not (trail.available or trail.denied)
        if present is not None:
            self.reconcile_deletes(present)
        elif audit_failed or self.reconcile_due(watermark):
            self.reconcile_deletes()

    def gone_reason(self, source: str) -> str:
        """Why a row takes the gone state, for the run log ("bill deleted in Intacct (audit trail): now void")."""
        gone = self.spec.gone
        how = "deleted in Intacct (audit trail)" if source == "audit" else gone.reason
        return f"{self.spec.noun} {how}" + (f": now {gone.value}" if gone.value != "inactive" else "")

    def reconcile_due(self, watermark: Watermark) -> bool:
        """Whether this run reads Intacct's full key list to find deletes (always on a full refresh)."""
        last = watermark.last_reconciled_at
        return self.ctx.options.full_refresh or last is None or utc_now() - last >= self.ctx.config.reconcile_every

    def reconcile_deletes(self, present: set[int] | None = None) -> None:
        """Live BC counterparts whose RECORDNO is not in ``present`` (a complete key list already read; else
        Intacct's keys are listed now) take the gone state."""
        given = present is not None
        if present is None:
            try:
                present = SeenNumbers()
                present.update(self.ctx.client.list_record_numbers(self.spec.intacct_object))
            except MalformedValue as error:
                # A key that cannot be read may be any linked record's: nothing is taken for deleted this run
                # (the reconciliation stays due), and the record is rejected by name for a person to look at.
                self.record_now([self.plan.add(PlannedChange(
                    self.object_name, "to_bc", "reject", None, self.unreadable_key(error),
                    reason=f"{error}; deletes of {self.spec.noun}s are not reconciled until Intacct answers every "
                           "key readably"))])
                return
        # Given ``present``, the key list is this run's own complete read: a row the run wrote from it (and BC
        # left alone since) is of a record in it, so only the others are looked at (on a first sync, none).
        self.deactivate(self.live_counterparts(absent_from=present, unwritten=given), self.gone_reason("reconcile"),
                        reconciled=True)

    def live_counterparts(self, record_nos: set[int] | None = None, *,
                          absent_from=None, unwritten: bool = False) -> dict[int, tuple[str, str]]:
        """RECORDNO → (BC key, Intacct key) of linked BC rows not in the gone state: those of ``record_nos``, or
        (``absent_from``) those whose RECORDNO it lacks; ``unwritten``: only rows this run has not written from
        Intacct (``not_written_here``). Streamed: only the matches are held, never every row."""
        spec, table, warehouse = self.spec, self.table, self.ctx.warehouse
        if record_nos is not None and not record_nos:
            return {}

        def wanted(record_no) -> bool:
            return record_no is not None and (absent_from is None or record_no not in absent_from)

        alive = table.c[spec.gone.column] != spec.gone.value
        found: dict[int, tuple[str, str]] = {}
        with warehouse.engine.connect() as connection:
            if spec.record_no_column is not None:
                column = table.c[spec.record_no_column]
                statement = select(table.c[spec.bc_key].label("bc_key"), table.c[spec.bc_link].label("intacct_key"),
                                   column.label("record_no")).where(
                    table.c.company_id == self.ctx.company, column.is_not(None), alive)
                if unwritten and (written := self.not_written_here(table.c[spec.touched])) is not None:
                    statement = statement.where(written)
                rows = (connection.execute(statement.execution_options(yield_per=1000)).mappings()
                        if record_nos is None else
                        warehouse.select_in_chunks(connection, statement, column, list(record_nos)))
                for row in rows:
                    if wanted(int(row["record_no"])):
                        found[int(row["record_no"])] = (row["bc_key"], str(row["intacct_key"]))
                return found
            # The record number is kept with the link (BC's table has no column for it).
            for link in self.ctx.state.iter_links(connection, self.object_name):
                number = link.intacct_record_no
                if wanted(number) and (record_nos is None or number in record_nos):
                    found[number] = (link.bc_key, link.intacct_key)
            alive_keys = {k for k, r in self.bc_rows(connection, [key for key, _ in found.values()]).items()
                          if r[spec.gone.column] != spec.gone.value and r[spec.bc_link] is not None}
        return {number: pair for number, pair in found.items() if pair[0] in alive_keys}

    def deactivate(self, gone: dict[int, tuple[str, str]], reason: str, *, reconciled: bool = False) -> None:
        """Give these BC rows the spec's gone state (and their link's snapshot) and record why."""
        spec, table, ctx = self.spec, self.table, self.ctx
        changes = [self.plan.add(PlannedChange(
            self.object_name, "to_bc", "deactivate", bc_key, intacct_key, reason=reason,
            values={spec.gone.column: spec.gone.value}, details={"intacct_record_no": record_no}))
            for record_no, (bc_key, intacct_key) in sorted(gone.items())]
        if self.dry_run or not (changes or reconciled):
            return
        with ctx.warehouse.engine.begin() as connection:
            for chunk in chunks(changes, ctx.warehouse.chunk_size):
                keys = [c.bc_key for c in chunk]
                connection.execute(update(table).where(table.c.company_id == ctx.company,
                                                       table.c[spec.bc_key].in_(keys)).values(
                    {spec.gone.column: spec.gone.value, spec.touched: utc_now()}))
                # A snapshot that holds the state keeps agreeing with BC (else the next run sends it back).
                links = ctx.state.links(connection, self.object_name, bc_keys=keys)
                ctx.state.save_links(connection, self.object_name, [
                    replace(link, snapshot={**link.snapshot, spec.gone.column: spec.gone.value})
                    for link in links.values() if spec.gone.column in link.snapshot])
                self.record(connection, chunk)
            if reconciled:
                ctx.state.move_watermark(connection, self.object_name, last_reconciled_at=utc_now())
