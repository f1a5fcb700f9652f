"""Chart of accounts, Intacct → BC only: upsert by account number; gone from Intacct → inactive.

BC never edits accounts; an edit found in bc_accounts is overwritten with Intacct's values and logged.
Everything else (pages, deletes, outcomes) is the common machinery of ``ObjectSync`` run from ``ACCOUNTS``.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select, update

from intacct.sync.base import ObjectSync
from intacct.sync.plan import PlannedChange
from intacct.sync.spec import ACCOUNTS
from intacct.sync.state import Link, chunks, utc_now


class AccountSync(ObjectSync):
    spec = ACCOUNTS

    def snapshot(self, values: dict) -> dict:
        return {name: values.get(name) for name in self.spec.synced}

    def apply_intacct_page(self, records: list[dict], cursor) -> None:
        with self.ctx.warehouse.engine.connect() as connection:
            current = self.bc_rows(connection, [r["account_no"] for r in records])
        changes = []
        for record in records:
            existing = current.get(record["account_no"])
            if existing is None:
                action, reason, details = "create", "new account in Intacct", {}
            else:
                differing = self.differing(existing, record)
                if not differing and existing.get("intacct_record_no") == record.get("intacct_record_no"):
                    continue
                made_inactive = differing.keys() == {"status"} and record.get("status") == "inactive"
                action, reason = ("deactivate", "made inactive in Intacct") if made_inactive else (
                    "update", "changed in Intacct")
                details = {"fields": differing}
            changes.append(self.plan.add(PlannedChange(
                self.object_name, "to_bc", action, record["account_no"], record["account_no"], reason=reason,
                values=record, details=details)))
        if self.dry_run:
            return
        columns = self.spec.bc_columns(self.table)
        now = utc_now()
        with self.bc_commit([c.bc_key for c in changes], cursor=cursor) as connection:
            self.ctx.warehouse.upsert(connection, self.spec.bc_table, [
                {"company_id": self.ctx.company, "account_no": c.bc_key,
                 **{k: c.values.get(k) for k in columns if k in c.values}, "synced_at": now} for c in changes])
            self.ctx.state.save_links(connection, self.object_name, [
                Link(r["account_no"], r["account_no"], r.get("intacct_record_no"), self.snapshot(r),
                     r.get("intacct_modified_at")) for r in records])
            self.record(connection, changes)

    def differing(self, bc: dict, intacct: dict) -> dict:
        return {name: {"bc": bc.get(name), "intacct": intacct.get(name)}
                for name in self.spec.synced if bc.get(name) != intacct.get(name)}

    def sync_bc_side(self, since) -> None:
        """Accounts whose BC row differs from what Intacct last said: put Intacct's values back, log it."""
        ctx, table = self.ctx, self.table
        with ctx.warehouse.engine.connect() as connection:
            links = ctx.state.links(connection, self.object_name)
            rows = connection.execute(select(table).where(table.c.company_id == ctx.company)).mappings().all()
        edited = []
        for row in rows:
            link = links.get(row["account_no"])
            if link is None or not link.snapshot or self.snapshot(row) == link.snapshot:
                continue
            edited.append(self.plan.add(PlannedChange(
                self.object_name, "to_bc", "update", row["account_no"], row["account_no"],
                reason="BC edit overwritten: the chart of accounts comes from Intacct",
                values=link.snapshot, details={"fields": self.differing(row, link.snapshot)})))
        if self.dry_run:
            return
        for chunk in chunks(edited, ctx.warehouse.chunk_size):
            with ctx.warehouse.engine.begin() as connection:
                connection.execute(update(table).where(
                    table.c.company_id == ctx.company, table.c.account_no == bindparam("key")).values(
                    {**{name: bindparam(name) for name in self.spec.synced}, "synced_at": utc_now()}),
                    [{"key": c.bc_key, **self.snapshot(c.values)} for c in chunk])
                self.record(connection, chunk)

    def move_bc_watermark(self, started) -> None:
        """BC's side of accounts is compared in full every run (edits are only ever undone)."""
