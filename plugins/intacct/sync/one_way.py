"""Objects that flow Intacct → BC only (the chart of accounts; any reference list like it).

Upsert by the Intacct key; a record gone from Intacct takes the spec's gone state; a BC edit is undone with
Intacct's values and logged, since BC does not own these records. Such an object is its spec and nothing else.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select, update

from intacct.sync.base import ObjectSync
from intacct.sync.plan import PlannedChange
from intacct.sync.state import Link, chunks, utc_now


class OneWaySync(ObjectSync):
    def snapshot(self, values: dict) -> dict:
        return {name: values.get(name) for name in self.spec.synced}

    def differing(self, bc: dict, intacct: dict) -> dict:
        return {name: {"bc": bc.get(name), "intacct": intacct.get(name)}
                for name in self.spec.synced if bc.get(name) != intacct.get(name)}

    def apply_intacct_page(self, records: list[dict], cursor, children: dict | None = None) -> None:
        spec, key = self.spec, self.spec.record_key
        with self.ctx.warehouse.engine.connect() as connection:
            current = self.bc_rows(connection, [r[key] for r in records])
        changes = []
        for record in records:
            existing = current.get(record[key])
            if existing is None:
                action, reason, details = "create", f"new {spec.noun} in Intacct", {}
            else:
                differing = self.differing(existing, record)
                if not differing and existing.get("intacct_record_no") == record.get("intacct_record_no"):
                    continue
                gone = spec.gone
                made_inactive = differing.keys() == {gone.column} and record.get(gone.column) == gone.value
                action, reason = ("deactivate", "made inactive in Intacct") if made_inactive else (
                    "update", "changed in Intacct")
                details = {"fields": differing}
            changes.append(self.plan.add(PlannedChange(self.object_name, "to_bc", action, record[key], record[key],
                                                       reason=reason, values=record, details=details)))
        if self.dry_run:
            return
        columns = [c for c in spec.bc_columns(self.table) if c != spec.bc_key]
        now = utc_now()
        with self.bc_commit([c.bc_key for c in changes], cursor=cursor) as connection:
            self.ctx.warehouse.upsert(connection, spec.bc_table, [
                {"company_id": self.ctx.company, spec.bc_key: c.bc_key,
                 **{k: c.values.get(k) for k in columns if k in c.values}, spec.touched: now} for c in changes])
            self.ctx.state.save_links(connection, self.object_name, [
                Link(r[key], r[key], r.get("intacct_record_no"), self.snapshot(r), r.get("intacct_modified_at"))
                for r in records])
            self.record(connection, changes)

    def sync_bc_side(self, since) -> None:
        """Rows whose BC copy differs from what Intacct last said: put Intacct's values back, log it."""
        ctx, table, spec = self.ctx, self.table, self.spec
        with ctx.warehouse.engine.connect() as connection:
            links = ctx.state.links(connection, self.object_name)
            rows = connection.execute(select(table).where(table.c.company_id == ctx.company)).mappings().all()
        edited = []
        for row in rows:
            link = links.get(row[spec.bc_key])
            if link is None or not link.snapshot or self.snapshot(row) == link.snapshot:
                continue
            edited.append(self.plan.add(PlannedChange(
                self.object_name, "to_bc", "update", row[spec.bc_key], row[spec.bc_key],
                reason=f"BC edit overwritten: {spec.noun}s come from Intacct (BC does not edit them)",
                values=link.snapshot, details={"fields": self.differing(row, link.snapshot)})))
        if self.dry_run:
            return
        for chunk in chunks(edited, ctx.warehouse.chunk_size):
            with ctx.warehouse.engine.begin() as connection:
                connection.execute(update(table).where(
                    table.c.company_id == ctx.company, table.c[spec.bc_key] == bindparam("key")).values(
                    {**{name: bindparam(name) for name in spec.synced}, spec.touched: utc_now()}),
                    [{"key": c.bc_key, **self.snapshot(c.values)} for c in chunk])
                self.record(connection, chunk)

    def move_bc_watermark(self, started) -> None:
        """BC's side is compared in full every run (edits are only ever undone)."""
