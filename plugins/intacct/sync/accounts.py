"""Chart of accounts, Intacct → BC only: upsert by account number; gone from Intacct → inactive.

BC never edits accounts; an edit found in bc_accounts is overwritten with Intacct's values and logged.
"""

from __future__ import annotations

from sqlalchemy import select, update

from intacct.sync.base import ObjectSync
from intacct.sync.mapping import ACCOUNT_FIELDS, account_from_intacct, intacct_fields, require_values
from intacct.sync.plan import PlannedChange
from intacct.sync.state import Link, changed_since, chunks, utc_now

SYNCED = [f.bc for f in ACCOUNT_FIELDS if f.synced and f.bc != "account_no"]


# Without these an account cannot be stored (key, NOT NULL title) or reconciled (RECORDNO).
_REQUIRED = ("account_no", "title", "intacct_record_no")


def account_record(record) -> dict:
    """An Intacct GLACCOUNT as BC values; ValueError naming the field when it is malformed or missing."""
    return require_values(account_from_intacct(record), "GLACCOUNT", _REQUIRED)


def _snapshot(row) -> dict:
    return {name: row.get(name) for name in SYNCED}


class AccountSync(ObjectSync):
    object_name = "accounts"
    intacct_key_field = "ACCOUNTNO"

    def run(self) -> None:
        ctx = self.ctx
        watermark = ctx.state.watermark(self.object_name)
        since = changed_since(watermark, ctx.config.lookback, ctx.options.full_refresh)
        for page in ctx.client.iter_pages("GLACCOUNT", intacct_fields("GLACCOUNT"), modified_since=since):
            self.reject_unreadable(page)
            records = self.convert_each(page.records, account_record, "ACCOUNTNO")
            changes = self.plan_page(records)
            if not self.dry_run:
                self.apply_page(changes, records, page.cursor)
        self.restore_bc_edits()
        if self.reconcile_due(watermark):
            self.reconcile_deletes()

    def plan_page(self, records: list[dict]) -> list[PlannedChange]:
        with self.ctx.warehouse.engine.connect() as connection:
            current = self.company_rows(connection, "bc_accounts", "account_no", "account_no",
                                        [r["account_no"] for r in records])
        changes = []
        for record in records:
            account_no = record["account_no"]
            existing = current.get(account_no)
            key = dict(bc_key=account_no, intacct_key=account_no)
            if existing is None:
                change = PlannedChange(self.object_name, "to_bc", "create", reason="new account in Intacct",
                                       values=record, **key)
            elif _snapshot(existing) != _snapshot(record) or existing.get("intacct_record_no") != record.get(
                    "intacct_record_no"):
                differing = {name: {"bc": existing.get(name), "intacct": record.get(name)}
                             for name in SYNCED if existing.get(name) != record.get(name)}
                reason = "changed in Intacct"
                if differing.keys() == {"status"} and record.get("status") == "inactive":
                    action, reason = "deactivate", "made inactive in Intacct"
                else:
                    action = "update"
                change = PlannedChange(self.object_name, "to_bc", action, reason=reason, values=record,
                                       details={"fields": differing}, **key)
            else:
                continue
            changes.append(self.plan.add(change))
        return changes

    def apply_page(self, changes: list[PlannedChange], records: list[dict], cursor) -> None:
        ctx = self.ctx
        now = utc_now()
        with self.bc_commit([c.bc_key for c in changes], cursor=cursor) as connection:
            rows = [{"company_id": ctx.company, **{k: c.values.get(k) for k in (
                "account_no", "title", "account_type", "normal_balance", "status", "intacct_record_no",
                "intacct_modified_at")}, "synced_at": now} for c in changes]
            ctx.warehouse.upsert(connection, "bc_accounts", rows)
            ctx.state.save_links(connection, self.object_name, [
                Link(r["account_no"], r["account_no"], r.get("intacct_record_no"), _snapshot(r),
                     r.get("intacct_modified_at")) for r in records])
            self.record(connection, changes)

    def restore_bc_edits(self) -> None:
        """Accounts whose BC row differs from what Intacct last said: put Intacct's values back, log it."""
        ctx = self.ctx
        table = ctx.warehouse.tables["bc_accounts"]
        with ctx.warehouse.engine.connect() as connection:
            links = ctx.state.links(connection, self.object_name)
            rows = {r["account_no"]: dict(r) for r in connection.execute(
                select(table).where(table.c.company_id == ctx.company)).mappings()}
        edited = []
        for account_no, row in rows.items():
            link = links.get(account_no)
            if link is None or not link.snapshot or _snapshot(row) == link.snapshot:
                continue
            differing = {name: {"bc": row.get(name), "intacct": link.snapshot.get(name)}
                         for name in SYNCED if row.get(name) != link.snapshot.get(name)}
            edited.append(self.plan.add(PlannedChange(
                self.object_name, "to_bc", "update", account_no, account_no,
                reason="BC edit overwritten: the chart of accounts comes from Intacct",
                values=link.snapshot, details={"fields": differing})))
        if self.dry_run or not edited:
            return
        for chunk in chunks(edited, ctx.warehouse.chunk_size):
            with ctx.warehouse.engine.begin() as connection:
                for change in chunk:
                    connection.execute(update(table).where(
                        table.c.company_id == ctx.company, table.c.account_no == change.bc_key).values(
                        **change.values, synced_at=utc_now()))
                self.record(connection, chunk)

    def reconcile_deletes(self) -> None:
        """Keys-only read of Intacct's accounts; BC accounts no longer there become inactive."""
        ctx = self.ctx
        table = ctx.warehouse.tables["bc_accounts"]
        present = set(ctx.client.list_record_numbers("GLACCOUNT"))
        with ctx.warehouse.engine.connect() as connection:
            active = connection.execute(select(table.c.account_no, table.c.intacct_record_no).where(
                table.c.company_id == ctx.company, table.c.status == "active",
                table.c.intacct_record_no.is_not(None))).all()
        gone = [self.plan.add(PlannedChange(
            self.object_name, "to_bc", "deactivate", account_no, account_no,
            reason="account no longer exists in Intacct", details={"intacct_record_no": record_no}))
            for account_no, record_no in active if record_no not in present]
        if self.dry_run:
            return
        with ctx.warehouse.engine.begin() as connection:
            for chunk in chunks(gone, ctx.warehouse.chunk_size):
                connection.execute(update(table).where(
                    table.c.company_id == ctx.company, table.c.account_no.in_([c.bc_key for c in chunk])).values(
                    status="inactive", synced_at=utc_now()))
                links = ctx.state.links(connection, self.object_name, bc_keys=[c.bc_key for c in chunk])
                ctx.state.save_links(connection, self.object_name, [
                    Link(k, v.intacct_key, v.intacct_record_no, {**v.snapshot, "status": "inactive"},
                         v.intacct_modified_at) for k, v in links.items()])
                self.record(connection, chunk)
            ctx.state.move_watermark(connection, self.object_name, last_reconciled_at=utc_now())
