"""Bills with their lines, both ways.

BC → Intacct: an unlinked ``ready_to_pay`` bill is validated and created (its vendor first); an edit to a
linked unpaid bill is sent with all its lines; an edit to a paid or partially paid bill is rejected.
Intacct → BC: new bills are inserted, linked bills get STATE, amount due and payment status back, and a
bill deleted in Intacct becomes ``void``. A change on both sides is settled by the conflict policy.

A bill's synced content (header fields and lines) is compared through hashes kept with its link: one of
what BC last had, one of what Intacct last had; equal after every successful sync.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import bindparam, delete, select, update

from intacct.client import WriteRequest, filters
from intacct.client.seen import SeenNumbers
from intacct.sync.base import IntacctWrite, ObjectSync, error_reason
from intacct.sync.mapping import (
    BILL_FIELDS,
    BILL_LINE_FIELDS,
    bill_from_intacct,
    bill_lines_from_intacct,
    bill_to_intacct,
    intacct_fields,
    normalize_value,
)
from intacct.sync.plan import PlannedChange
from intacct.sync.policy import winner
from intacct.sync.state import Link, bc_changed_since, changed_since, chunks, snapshot_hash, utc_now
from intacct.sync.validation import validate_bill_for_intacct
from intacct.sync.vendors import VendorSync

HEADER = [(f.bc, f.kind) for f in BILL_FIELDS if f.synced]
LINE = [(f.bc, f.kind) for f in BILL_LINE_FIELDS if f.synced]
LOCKED_STATUSES = ("paid", "partially_paid")
IMPORTED_PREFIX = "ia-"
LOOKUP_CHUNK = 500
BC_CHUNK = 1000  # BC bills (with their lines) held in memory at a time
_BC_HEADER_COLUMNS = ["bill_number", "reference", "description", "bill_date", "due_date", "payment_terms",
                      "currency", "total_amount", "amount_due", "status", "intacct_state"]
_BC_LINE_COLUMNS = ["account_no", "amount", "memo", "department_id", "location_id"]


def _normalized(kind, value):
    try:
        return normalize_value(kind, value)
    except ValueError:
        return str(value)


def content_hash(header: dict, lines: list[dict], vendor_intacct_id: str | None, location: str | None) -> str:
    """Hash of a bill's synced content, computed the same way for the BC and the Intacct side."""
    ordered = sorted(lines, key=lambda line: _normalized("int", line.get("line_no")) or 0)
    content = {
        "vendor": vendor_intacct_id,
        "header": {name: _normalized(kind, header.get(name)) for name, kind in HEADER},
        "lines": [{name: _normalized(kind, line.get(name)) or (location if name == "location_id" else None)
                   for name, kind in LINE} for line in ordered],
    }
    return snapshot_hash(content)


def bc_bill_id_for(record_no: int) -> str:
    return f"{IMPORTED_PREFIX}{record_no}"


class BillSync(ObjectSync):
    object_name = "bills"

    def run(self) -> None:
        ctx = self.ctx
        watermark = ctx.state.watermark(self.object_name)
        started = utc_now()
        self.location = ctx.config.entity_id if ctx.config.requires_location else None
        self.handled: set[str] = set()
        self.push_bc: set[str] = set()   # linked bills whose BC edit won a conflict
        self._quiet_links: list[Link] = []  # snapshot-only link updates, written with the page
        self.seen_record_nos = SeenNumbers()  # every RECORDNO read: compact, a run may read millions
        if not self.dry_run:
            self.finish_interrupted_writes()
        since = changed_since(watermark, ctx.config.lookback, ctx.options.full_refresh)
        # WHENMODIFIED has whole seconds, so an edit in the second of our last read keeps the timestamp we
        # stored: bills modified inside the look-back window have their lines re-read and their content
        # compared, whatever their timestamp says (None: no window known, every bill is compared).
        self.content_window = (None if watermark.modified_at is None
                               else watermark.modified_at - ctx.config.lookback)
        # A read from the start (first run, empty watermark, full refresh) is a complete key list: a linked
        # bill absent from it was deleted, found now rather than at the next daily reconciliation.
        full_read = SeenNumbers() if since is None else None
        complete = True
        for page in ctx.client.iter_pages("APBILL", intacct_fields("APBILL"), modified_since=since):
            # An unreadable bill is still there: a read with one is no proof of what was deleted.
            unreadable = self.reject_unreadable(page)
            self.seen_record_nos.update(int(k) for k in unreadable if k.isdigit())  # rejected once a run
            complete = not unreadable and complete
            if full_read is not None:
                full_read.update(_record_no(record) for record in page.records)
            self.sync_intacct_page(page.records, page.cursor)
        if not complete:
            full_read = None
        self.retry_rejected_imports()
        audit_failed = since is not None and not self.void_deleted_from_audit_trail(since)
        if full_read is not None:
            self.reconcile_deletes(present=full_read)
        elif audit_failed or self.reconcile_due(watermark):
            self.reconcile_deletes()
        bc_since = bc_changed_since(watermark, ctx.config.lookback, ctx.options.full_refresh)
        self.sync_bc_bills(bc_since)
        self.move_bc_watermark(started)

    # Reading BC -----------------------------------------------------------------------------------

    @property
    def bills(self):
        return self.ctx.warehouse.tables["bc_bills"]

    @property
    def lines(self):
        return self.ctx.warehouse.tables["bc_bill_lines"]

    def bc_bills(self, connection, *, bill_ids=None, record_nos=None) -> dict[str, dict]:
        column, values = ("bill_id", bill_ids) if bill_ids is not None else ("intacct_record_no", record_nos)
        return self.company_rows(connection, "bc_bills", "bill_id", column, values)

    def bc_lines(self, connection, bill_ids) -> dict[str, list[dict]]:
        statement = select(self.lines).where(self.lines.c.company_id == self.ctx.company)
        grouped = defaultdict(list)
        for row in self.ctx.warehouse.select_in_chunks(connection, statement, self.lines.c.bill_id, list(bill_ids)):
            grouped[row["bill_id"]].append(dict(row))
        for rows in grouped.values():
            rows.sort(key=lambda r: r["line_no"])
        return grouped

    def vendor_ids(self, connection, *, bc_ids=None, intacct_ids=None) -> dict[str, str | None]:
        """BC vendor_id → intacct_vendor_id (or the reverse when ``intacct_ids`` is given)."""
        table = self.ctx.warehouse.tables["bc_vendors"]
        statement = select(table.c.vendor_id, table.c.intacct_vendor_id).where(table.c.company_id == self.ctx.company)
        if bc_ids is not None:
            rows = self.ctx.warehouse.select_in_chunks(connection, statement, table.c.vendor_id, list(bc_ids))
            return {r["vendor_id"]: r["intacct_vendor_id"] for r in rows}
        rows = self.ctx.warehouse.select_in_chunks(connection, statement, table.c.intacct_vendor_id, list(intacct_ids))
        return {r["intacct_vendor_id"]: r["vendor_id"] for r in rows}

    # Intacct → BC ---------------------------------------------------------------------------------

    def sync_intacct_page(self, records: list[dict], cursor) -> None:
        ctx = self.ctx
        bills = {b["intacct_record_no"]: b for b in self.convert_each(records, _bill_from_intacct, "RECORDNO")}
        self.seen_record_nos.update(bills)
        with ctx.warehouse.engine.connect() as connection:
            linked = {r["intacct_record_no"]: r for r in self.bc_bills(connection, record_nos=list(bills)).values()}
            links = ctx.state.links(connection, self.object_name, intacct_keys=list(bills))
            links_by_record = {int(link.intacct_key): link for link in links.values()}
            bc_lines = self.bc_lines(connection, [r["bill_id"] for r in linked.values()])
            vendors = self.vendor_ids(connection, intacct_ids={b["intacct_vendor_id"] for b in bills.values()})
            self.import_ids = self._free_import_ids(connection, [no for no in bills if no not in linked])
        # Lines only for bills whose content may have changed since we last saw them.
        need_lines = [no for no, b in bills.items() if self._may_have_changed(b, links_by_record.get(no))]
        intacct_lines = (ctx.client.read_bill_lines(need_lines, intacct_fields("APBILLITEM")) if need_lines
                         else {})

        changes: list[PlannedChange] = []
        for record_no, bill in bills.items():
            row, link = linked.get(record_no), links_by_record.get(record_no)
            try:
                lines = (bill_lines_from_intacct(intacct_lines[record_no]) if record_no in intacct_lines
                         else None if row is not None and record_no not in need_lines else [])
            except ValueError as error:
                changes.append(self.plan.add(PlannedChange(
                    self.object_name, "to_bc", "reject", None if row is None else row["bill_id"], str(record_no),
                    reason=f"{error}: correct the bill's lines in Intacct")))
                continue
            if row is None:
                changes.append(self._plan_import(bill, lines, vendors))
                continue
            self.handled.add(row["bill_id"])
            changes.extend(self._plan_linked(row, bc_lines.get(row["bill_id"], []), bill, lines, link))
        changes = [c for c in changes if c is not None]
        if self.dry_run:
            self._quiet_links = []
            return
        self._apply_to_bc(changes, cursor)

    def _may_have_changed(self, bill, link) -> bool:
        """Whether the bill's lines are read to compare its content (the timestamp alone cannot tell)."""
        modified = bill["intacct_modified_at"]
        window = getattr(self, "content_window", None)
        return (link is None or link.intacct_modified_at != modified or window is None or modified is None
                or modified >= window)

    def _plan_import(self, bill, lines, vendors) -> PlannedChange:
        record_no = bill["intacct_record_no"]
        vendor = vendors.get(bill["intacct_vendor_id"])
        if vendor is None and self.dry_run:  # a dry run imports no vendor: the real run does, before bills
            return self.plan.add(PlannedChange(
                self.object_name, "to_bc", "create", bc_bill_id_for(record_no), str(record_no),
                reason=f"new bill in Intacct (its vendor {bill['intacct_vendor_id']} is imported first)"))
        if vendor is None:
            return self.plan.add(PlannedChange(
                self.object_name, "to_bc", "reject", None, str(record_no),
                reason=f"vendor {bill['intacct_vendor_id']} of this Intacct bill is not in BC yet; retried on the "
                       "next run after the vendor sync"))
        values = {**bill, "vendor_id": vendor, "lines": lines or []}
        bill_id = self.import_ids.get(record_no, bc_bill_id_for(record_no))
        reason = "new bill in Intacct" if bill_id == bc_bill_id_for(record_no) else (
            f"new bill in Intacct (imported as {bill_id}: BC's own bill {bc_bill_id_for(record_no)} keeps its id)")
        return self.plan.add(PlannedChange(self.object_name, "to_bc", "create", bill_id,
                                           str(record_no), reason=reason, values=values))

    def _free_import_ids(self, connection, record_nos: list[int]) -> dict[int, str]:
        """RECORDNO → a BC bill id no BC row holds yet. ``ia-<RECORDNO>`` unless a BC bill of BC's own has
        that id (an import never takes over a row it did not create): then ``ia-<RECORDNO>-2``, ``-3``…"""
        wanted = {bc_bill_id_for(no): no for no in record_nos}
        taken = set(self.bc_bills(connection, bill_ids=list(wanted))) if wanted else set()
        free = {no: bill_id for bill_id, no in wanted.items() if bill_id not in taken}
        for bill_id in sorted(taken):
            prefix = f"{bill_id}-"
            held = set(connection.execute(select(self.bills.c.bill_id).where(
                self.bills.c.company_id == self.ctx.company, self.bills.c.bill_id.like(f"{prefix}%"))).scalars())
            suffix = 2
            while f"{prefix}{suffix}" in held:
                suffix += 1
            free[wanted[bill_id]] = f"{prefix}{suffix}"
        return free

    def _plan_linked(self, row, bc_lines, bill, lines, link) -> list[PlannedChange]:
        key, record_no = row["bill_id"], str(bill["intacct_record_no"])
        snapshot = link.snapshot if link else {}
        vendor = bill["intacct_vendor_id"]
        bc_hash = content_hash(row, bc_lines, vendor, self.location)
        intacct_hash = content_hash(bill, lines, vendor, self.location) if lines is not None else snapshot.get(
            "intacct_hash")
        bc_changed = bc_hash != snapshot.get("bc_hash")
        intacct_changed = intacct_hash != snapshot.get("intacct_hash")
        state = {"status": bill["status"], "amount_due": bill["amount_due"], "intacct_state": bill["intacct_state"]}
        out = []
        take_intacct = intacct_changed and bc_hash != intacct_hash
        if take_intacct and bc_changed:
            winner = self._winner(row, bill)
            out.append(self.plan.add(PlannedChange(
                self.object_name, "to_bc" if winner == "intacct" else "to_intacct", "conflict", key, record_no,
                reason=f"bill changed in BC and in Intacct; {self.ctx.config.conflict_policy} → {winner} wins",
                details={"bc_hash": bc_hash, "intacct_hash": intacct_hash, "winner": winner})))
            if winner == "bc":
                take_intacct = False
                self.push_bc.add(key)
        new_snapshot = {"bc_hash": intacct_hash if take_intacct else bc_hash,
                        "intacct_hash": intacct_hash}
        if take_intacct:
            values = {**bill, "lines": lines, "snapshot": new_snapshot}
            out.append(self.plan.add(PlannedChange(
                self.object_name, "to_bc", "update", key, record_no, reason="bill changed in Intacct",
                values=values)))
        elif any(_differs(row.get(k), v) for k, v in state.items()) or snapshot != new_snapshot:
            if not bc_changed or intacct_hash == bc_hash:
                new_snapshot = {"bc_hash": bc_hash, "intacct_hash": intacct_hash}
            else:
                new_snapshot = {**snapshot, "intacct_hash": intacct_hash} if snapshot else {
                    "bc_hash": None, "intacct_hash": intacct_hash}
            moved = {k: {"bc": row.get(k), "intacct": v} for k, v in state.items() if _differs(row.get(k), v)}
            if moved:
                reason = "paid in Intacct" if state["status"] == "paid" and row.get("status") != "paid" else (
                    "Intacct state, amount due or payment changed")
                out.append(self.plan.add(PlannedChange(
                    self.object_name, "to_bc", "update", key, record_no, reason=reason,
                    values={**state, "snapshot": new_snapshot, "intacct_modified_at": bill["intacct_modified_at"]},
                    details={"fields": moved})))
            else:  # bookkeeping only (snapshot), no outcome to report
                self._quiet_links.append(Link(key, record_no, bill["intacct_record_no"], new_snapshot,
                                              bill["intacct_modified_at"]))
        return out

    def _winner(self, row, bill) -> str:
        return winner(self.ctx.config.conflict_policy, row.get("updated_at"), bill.get("intacct_modified_at"))

    def _apply_to_bc(self, changes: list[PlannedChange], cursor) -> None:
        """One transaction per page: bills, their lines, links, outcomes and the page's watermark."""
        ctx = self.ctx
        now = utc_now()
        quiet, self._quiet_links = self._quiet_links, []
        links = list(quiet)
        inserts, rewrites, states, lines = [], [], [], {}
        for change in changes:
            values = change.values
            if change.action == "create":
                inserts.append({"company_id": ctx.company, "bill_id": change.bc_key,
                                "intacct_record_no": values["intacct_record_no"], "vendor_id": values["vendor_id"],
                                **{name: values.get(name) for name in _BC_HEADER_COLUMNS}, "updated_at": now})
                lines[change.bc_key] = values["lines"]
                digest = content_hash(values, values["lines"], values["intacct_vendor_id"], self.location)
                links.append(Link(change.bc_key, change.intacct_key, values["intacct_record_no"],
                                  {"bc_hash": digest, "intacct_hash": digest}, values["intacct_modified_at"]))
            elif change.action == "update":
                if "lines" in values:
                    rewrites.append({"key": change.bc_key, **{name: values.get(name) for name in _BC_HEADER_COLUMNS}})
                    lines[change.bc_key] = values["lines"]
                else:
                    states.append({"key": change.bc_key, **{name: values[name] for name in (
                        "status", "amount_due", "intacct_state")}})
                links.append(Link(change.bc_key, change.intacct_key, int(change.intacct_key), values["snapshot"],
                                  values.get("intacct_modified_at")))
        with self.bc_commit([c.bc_key for c in changes], cursor=cursor) as connection:
            ctx.warehouse.upsert(connection, "bc_bills", inserts)
            for batch, columns in ((rewrites, _BC_HEADER_COLUMNS), (states, ("status", "amount_due", "intacct_state"))):
                if batch:
                    connection.execute(update(self.bills).where(
                        self.bills.c.company_id == ctx.company, self.bills.c.bill_id == bindparam("key")).values(
                        {**{name: bindparam(name) for name in columns}, "updated_at": now}), batch)
            self._replace_lines(connection, lines)
            ctx.state.save_links(connection, self.object_name, links)
            self.record(connection, changes)

    def _replace_lines(self, connection, lines_by_bill: dict[str, list[dict]]) -> None:
        """Lines travel with their bill: a rewritten bill gets exactly Intacct's lines."""
        for chunk in chunks(list(lines_by_bill), self.ctx.warehouse.chunk_size):
            connection.execute(delete(self.lines).where(self.lines.c.company_id == self.ctx.company,
                                                        self.lines.c.bill_id.in_(chunk)))
        rows = [{"company_id": self.ctx.company, "bill_id": bill_id, "line_no": line["line_no"],
                 **{name: line.get(name) for name in _BC_LINE_COLUMNS}}
                for bill_id, lines in lines_by_bill.items() for line in lines]
        for chunk in chunks(rows, self.ctx.warehouse.chunk_size):
            connection.execute(self.lines.insert(), chunk)

    def retry_rejected_imports(self) -> None:
        """Intacct bills rejected before (vendor not yet in BC): read them again by RECORDNO."""
        keys = [int(k) for k in self.ctx.state.rejected_keys(self.object_name, "to_bc") if k.isdigit()]
        keys = [k for k in keys if k not in self.seen_record_nos]
        for chunk in chunks(keys, LOOKUP_CHUNK):
            # A paged read, not ``find``: a bill still unreadable is rejected again on its own.
            for page in self.ctx.client.iter_pages("APBILL", intacct_fields("APBILL"),
                                                   where=filters.in_("RECORDNO", chunk)):
                self.reject_unreadable(page)
                if page.records:
                    self.sync_intacct_page(page.records, None)

    # Deletes --------------------------------------------------------------------------------------

    def void_deleted_from_audit_trail(self, since) -> bool:
        trail = self.ctx.client.deleted_from_audit_trail("APBILL", since)
        self._void(trail.record_nos, "deleted in Intacct (audit trail)")
        # A page that failed is made good now by the key reconciliation (the caller runs it when this is
        # False); a role that may not read the trail at all leaves deletes to the daily reconciliation, so
        # that such a company does not pay for a full key read on every run.
        return trail.available or trail.denied

    def reconcile_deletes(self, present: SeenNumbers | None = None) -> None:
        """Void linked bills whose RECORDNO Intacct no longer has (``present``: a complete key list already
        read, else Intacct's keys are listed)."""
        ctx = self.ctx
        if present is None:
            present = SeenNumbers()
            present.update(ctx.client.list_record_numbers("APBILL"))
        with ctx.warehouse.engine.connect() as connection:
            linked = connection.execute(select(self.bills.c.intacct_record_no).where(
                self.bills.c.company_id == ctx.company, self.bills.c.intacct_record_no.is_not(None),
                self.bills.c.status != "void")).scalars().all()
        self._void({no for no in linked if no not in present}, "no longer exists in Intacct", reconciled=True)

    def _void(self, record_nos: set[int], reason: str, reconciled: bool = False) -> None:
        ctx = self.ctx
        with ctx.warehouse.engine.connect() as connection:
            rows = self.bc_bills(connection, record_nos=list(record_nos)) if record_nos else {}
        voids = [self.plan.add(PlannedChange(self.object_name, "to_bc", "deactivate", bill_id,
                                             str(row["intacct_record_no"]), reason=f"bill {reason}: now void"))
                 for bill_id, row in rows.items() if row["status"] != "void"]
        if self.dry_run:
            return
        with ctx.warehouse.engine.begin() as connection:
            for chunk in chunks(voids, ctx.warehouse.chunk_size):
                connection.execute(update(self.bills).where(
                    self.bills.c.company_id == ctx.company, self.bills.c.bill_id.in_([c.bc_key for c in chunk])
                ).values(status="void", updated_at=utc_now()))
                self.record(connection, chunk)
            if reconciled:
                ctx.state.move_watermark(connection, self.object_name, last_reconciled_at=utc_now())

    # BC → Intacct ---------------------------------------------------------------------------------

    def finish_interrupted_writes(self) -> None:
        """Creates whose outcome was lost: look the bill up by RECORDID + VENDORID and link it if found."""
        pending = self.ctx.state.pending_writes(self.object_name)
        if not pending:
            return
        creates = [p for p in pending if p["operation"] == "create"]
        found = self._lookup_created([p["intacct_key"] for p in creates])
        with self.ctx.warehouse.engine.begin() as connection:
            rows = self.bc_bills(connection, bill_ids=[p["bc_key"] for p in creates])
            lines = self.bc_lines(connection, list(rows))
            for intent in creates:
                row = rows.get(intent["bc_key"])
                if row is None or row.get("intacct_record_no") is not None:
                    continue
                record = self._claim(connection, found.get(intent["intacct_key"], []), row["bill_id"])
                if record is None:
                    continue
                change = self.plan.add(PlannedChange(
                    self.object_name, "to_intacct", "create", row["bill_id"], str(record["RECORDNO"]),
                    reason="created in Intacct by an interrupted run; link completed now"))
                vendor, bill_number = intent["intacct_key"].split("|", 1)
                self._link_created(connection, row, lines.get(row["bill_id"], []), record["RECORDNO"], vendor,
                                   bill_number)
                self.record(connection, [change])
            self.ctx.state.resolve_intents(connection, self.object_name, [p["write_key"] for p in pending])

    def _lookup_created(self, business_keys: list[str]) -> dict[str, list[dict]]:
        """'VENDORID|RECORDID' → the Intacct APBILLs with those values, newest (highest RECORDNO) first."""
        found: dict[str, list[dict]] = defaultdict(list)
        by_vendor = defaultdict(list)
        for business_key in business_keys:
            vendor, bill_number = business_key.split("|", 1)
            by_vendor[vendor].append(bill_number)
        for vendor, numbers in by_vendor.items():
            for chunk in chunks(numbers, LOOKUP_CHUNK):
                for record in self.ctx.client.find("APBILL", filters.and_(
                        filters.eq("VENDORID", vendor), filters.in_("RECORDID", chunk)), ["RECORDNO", "RECORDID",
                                                                                           "VENDORID"]):
                    found[f"{record['VENDORID']}|{record['RECORDID']}"].append(record)
        for records in found.values():
            records.sort(key=lambda r: -_record_no(r))
        return found

    def _claim(self, connection, candidates: list[dict], bill_id: str) -> dict | None:
        """The Intacct bill a lost create made for ``bill_id``: of the bills with its vendor and number, the
        newest one no other BC bill is linked to (an Intacct bill is never linked to two BC bills). BC refuses
        to create two bills with one vendor and number, so our write is the newest such bill."""
        numbers = [_record_no(r) for r in candidates if _record_no(r) >= 0]
        if not numbers:
            return None
        held = {row["intacct_record_no"] for row in self.bc_bills(connection, record_nos=numbers).values()
                if row["bill_id"] != bill_id}
        return next((r for r in candidates if _record_no(r) >= 0 and _record_no(r) not in held), None)

    def _link_created(self, connection, row, lines, record_no, vendor, bill_number) -> None:
        values = {"intacct_record_no": record_no, "bill_number": bill_number}
        connection.execute(update(self.bills).where(
            self.bills.c.company_id == self.ctx.company, self.bills.c.bill_id == row["bill_id"]).values(**values))
        digest = content_hash({**row, **values}, lines, vendor, self.location)
        self.ctx.state.save_links(connection, self.object_name, [Link(
            row["bill_id"], str(record_no), record_no, {"bc_hash": digest, "intacct_hash": digest}, None)])

    def sync_bc_bills(self, since) -> None:
        """BC's side, a chunk of bills at a time: edits of linked bills, then new ready-to-pay bills."""
        ctx = self.ctx
        retry = set(ctx.state.rejected_keys(self.object_name, "to_intacct"))
        bills = self.bills
        with ctx.warehouse.engine.connect() as connection:
            ready = connection.execute(select(bills.c.bill_id).where(
                bills.c.company_id == ctx.company, bills.c.intacct_record_no.is_(None),
                bills.c.status == "ready_to_pay")).scalars().all()
            extra = {k for k, r in self.bc_bills(connection, bill_ids=retry | self.push_bc).items()
                     if r["intacct_record_no"] is not None}
        changed = select(bills.c.bill_id).where(bills.c.company_id == ctx.company,
                                                bills.c.intacct_record_no.is_not(None))
        if since is not None:
            changed = changed.where(bills.c.updated_at >= since)
        # A page of bill ids at a time (a first run or full refresh compares every linked bill: their ids are
        # never held all at once); the retried and conflict-won bills not among them follow.
        for chunk in self._id_pages(changed, bills.c.bill_id):
            extra.difference_update(chunk)
            self._sync_bc_edits(chunk)
        for chunk in chunks(sorted(extra), BC_CHUNK):
            self._sync_bc_edits(chunk)
        for chunk in chunks(sorted(ready), BC_CHUNK):
            self._sync_bc_creates(chunk)

    def _id_pages(self, statement, column):
        """The ids ``statement`` selects, ``BC_CHUNK`` at a time in id order (keyset pages)."""
        last = None
        while True:
            page = statement if last is None else statement.where(column > last)
            with self.ctx.warehouse.engine.connect() as connection:
                ids = connection.execute(page.order_by(column).limit(BC_CHUNK)).scalars().all()
            if not ids:
                return
            yield ids
            last = ids[-1]

    def _load(self, bill_ids: list[str]):
        with self.ctx.warehouse.engine.connect() as connection:
            rows = self.bc_bills(connection, bill_ids=bill_ids)
            lines = self.bc_lines(connection, bill_ids)
            links = self.ctx.state.links(connection, self.object_name, bc_keys=bill_ids)
            vendor_links = self.vendor_ids(connection, bc_ids={r["vendor_id"] for r in rows.values()})
        return rows, lines, links, vendor_links

    def _sync_bc_edits(self, bill_ids: list[str]) -> None:
        rows, lines, links, vendor_links = self._load(bill_ids)
        updates, locked = [], []
        for bill_id, row in rows.items():
            link = links.get(bill_id)
            bc_hash = content_hash(row, lines.get(bill_id, []), vendor_links.get(row["vendor_id"]), self.location)
            if link and bc_hash == link.snapshot.get("bc_hash") and bill_id not in self.push_bc:
                continue
            state = (row.get("intacct_state") or "").casefold()
            if row["status"] in LOCKED_STATUSES or state in ("paid", "partially paid"):
                shown = row["status"] if row["status"] in LOCKED_STATUSES else state
                locked.append(self.plan.add(PlannedChange(
                    self.object_name, "to_intacct", "reject", bill_id, str(row["intacct_record_no"]),
                    reason=f"the bill is {shown.replace('_', ' ')} in Intacct: paid bills are locked, so this BC "
                           "edit is not sent. Undo the edit in BC or adjust the bill in Intacct.")))
                continue
            updates.append((row, link, bc_hash))
        self.record_now(locked)
        self._send_updates(updates, lines, vendor_links)

    def _sync_bc_creates(self, bill_ids: list[str]) -> None:
        rows, lines, _, vendor_links = self._load(bill_ids)
        self._send_creates(rows, lines, vendor_links)

    def _validate(self, rows: dict[str, dict], lines, vendor_links) -> tuple[list, list[PlannedChange]]:
        table = self.ctx.warehouse.tables["bc_accounts"]
        with self.ctx.warehouse.engine.connect() as connection:
            accounts = dict(connection.execute(select(table.c.account_no, table.c.status).where(
                table.c.company_id == self.ctx.company)).all())
            vendor_rows = self.company_rows(connection, "bc_vendors", "vendor_id", "vendor_id",
                                            {r["vendor_id"] for r in rows.values()})
        valid, rejected = [], []
        for bill_id, row in rows.items():
            reasons = validate_bill_for_intacct(row, lines.get(bill_id, []), accounts=accounts,
                                                vendor_exists=row["vendor_id"] in vendor_rows,
                                                vendor=vendor_rows.get(row["vendor_id"]))
            if reasons:
                rejected.append(self.plan.add(PlannedChange(
                    self.object_name, "to_intacct", "reject", bill_id,
                    None if row.get("intacct_record_no") is None else str(row["intacct_record_no"]),
                    reason=" ".join(reasons))))
            else:
                valid.append(row)
        self.record_now(rejected)
        return valid, rejected

    def _ensure_vendors_in_intacct(self, rows: list[dict], vendor_links) -> dict:
        """Create (or link) the vendors of these bills in Intacct first, when they are not there yet."""
        if self.dry_run or all(vendor_links.get(r["vendor_id"]) for r in rows):
            return vendor_links
        VendorSync(self.ctx).prepare_and_sync_new({r["vendor_id"] for r in rows if not vendor_links.get(r["vendor_id"])})
        with self.ctx.warehouse.engine.connect() as connection:
            return self.vendor_ids(connection, bc_ids={r["vendor_id"] for r in rows})

    def _refuse_duplicate_numbers(self, rows: list[dict]) -> list[dict]:
        """The bills whose vendor and bill number no other live BC bill shares; the others are rejected as
        needs review. Vendor + number (RECORDID) is what finds a bill again after a lost create answer, so
        it must name one bill only."""
        if not rows:
            return rows
        bills = self.bills
        numbers = {row.get("bill_number") or row["bill_id"] for row in rows}
        vendors = {row["vendor_id"] for row in rows}
        statement = select(bills.c.bill_id, bills.c.vendor_id, bills.c.bill_number).where(
            bills.c.company_id == self.ctx.company, bills.c.status != "void")
        holders: dict[tuple, set[str]] = defaultdict(set)
        with self.ctx.warehouse.engine.connect() as connection:
            found = [*self.ctx.warehouse.select_in_chunks(connection, statement, bills.c.bill_number, list(numbers)),
                     *self.ctx.warehouse.select_in_chunks(connection, statement, bills.c.bill_id, list(numbers))]
        for held in found:
            if held["vendor_id"] in vendors:
                holders[(held["vendor_id"], held["bill_number"] or held["bill_id"])].add(held["bill_id"])
        kept, refused = [], []
        for row in rows:
            number = row.get("bill_number") or row["bill_id"]
            others = sorted(holders[(row["vendor_id"], number)] - {row["bill_id"]})
            if not others:
                kept.append(row)
                continue
            refused.append(self.plan.add(PlannedChange(
                self.object_name, "to_intacct", "reject", row["bill_id"], None,
                reason=f"needs review: bill number {number!r} of vendor {row['vendor_id']} is also used by BC "
                       f"bill(s) {', '.join(others)}; give each bill its own number (or void the duplicate)",
                details={"candidates": others})))
        self.record_now(refused)
        return kept

    def _send_creates(self, candidates: dict[str, dict], lines, vendor_links) -> None:
        valid, _ = self._validate(candidates, lines, vendor_links)
        valid = self._refuse_duplicate_numbers(valid)
        vendor_links = self._ensure_vendors_in_intacct(valid, vendor_links)
        writes = []
        for row in valid:
            bill_id, vendor = row["bill_id"], vendor_links.get(row["vendor_id"])
            if not vendor:
                change = self.plan.add(PlannedChange(
                    self.object_name, "to_intacct", "reject" if not self.dry_run else "create", bill_id, None,
                    reason=(f"vendor {row['vendor_id']} is not in Intacct yet (see its vendor outcome)"
                            if not self.dry_run else "new ready-to-pay bill; its vendor is created in Intacct first")))
                self.record_now([change])
                continue
            bill_number = row.get("bill_number") or bill_id  # a RECORDID makes a lost create findable again
            fields = self._intacct_fields({**row, "bill_number": bill_number}, lines.get(bill_id, []), vendor)
            if fields is None:
                continue
            change = self.plan.add(PlannedChange(self.object_name, "to_intacct", "create", bill_id, None,
                                                 reason="BC bill ready to pay", values=fields))
            business_key = f"{vendor}|{bill_number}"
            writes.append(IntacctWrite(change, WriteRequest(f"bill:{bill_id}", fields), {
                "write_key": f"bill:{bill_id}", "operation": "create", "bc_key": bill_id,
                "intacct_key": business_key}))
        if self.dry_run or not writes:
            return
        by_id = {row["bill_id"]: row for row in valid}

        def created(connection, write, outcome):
            change = write.change
            vendor, bill_number = write.intent["intacct_key"].split("|", 1)
            record_no = outcome.record_no if outcome is not None and outcome.ok else None
            if outcome is not None and outcome.ok and record_no is None:
                found = self._claim(connection, self._lookup_created([write.intent["intacct_key"]]).get(
                    write.intent["intacct_key"], []), change.bc_key)
                record_no = found["RECORDNO"] if found else None
            if record_no is not None:
                change.intacct_key = str(record_no)
                self._link_created(connection, by_id[change.bc_key], lines.get(change.bc_key, []), record_no,
                                   vendor, bill_number)
            else:
                change.action = "reject"
                change.reason, change.errorno = error_reason(outcome.error if outcome else None)

        def looked_up(connection, write, candidates):
            change = write.change
            record = self._claim(connection, candidates or [], change.bc_key)
            if record is not None:
                vendor, bill_number = write.intent["intacct_key"].split("|", 1)
                change.intacct_key = str(record["RECORDNO"])
                change.reason += " (confirmed by a lookup after a lost answer)"
                self._link_created(connection, by_id[change.bc_key], lines.get(change.bc_key, []),
                                   record["RECORDNO"], vendor, bill_number)
            else:
                change.action = "skip"
                change.reason = "Intacct did not answer and has no such bill: retried on the next run"

        def on_unknown(batch):
            found = self._lookup_created([w.intent["intacct_key"] for w in batch])
            self.settle_writes([(w, found.get(w.intent["intacct_key"], [])) for w in batch], looked_up,
                               crash_points=False)

        self.write_to_intacct("create", "APBILL", writes, lambda results: self.settle_writes(results, created),
                              on_unknown)

    def _holds(self, record_no: int, expected_hash: str, vendor: str | None) -> bool:
        """Whether the Intacct bill, read back now, has exactly the content BC sent (an "already applied"
        answer is verified, never assumed)."""
        found = self.ctx.client.find("APBILL", filters.eq("RECORDNO", record_no), intacct_fields("APBILL"))
        if len(found) != 1:
            return False
        lines = self.ctx.client.read_bill_lines([record_no], intacct_fields("APBILLITEM")).get(record_no, [])
        try:
            bill = bill_from_intacct(found[0])
            return content_hash(bill, bill_lines_from_intacct(lines), vendor, self.location) == expected_hash
        except ValueError:
            return False

    def _intacct_fields(self, row: dict, lines: list[dict], vendor: str | None) -> dict | None:
        """The APBILL write fields, or None after rejecting the bill with the reason it cannot be sent."""
        try:
            if not vendor:
                raise ValueError(f"vendor {row['vendor_id']} is not in Intacct yet (see its vendor outcome)")
            return bill_to_intacct(row, lines, vendor_intacct_id=vendor, location_id=self.location)
        except ValueError as error:
            record_no = row.get("intacct_record_no")
            self.record_now([self.plan.add(PlannedChange(
                self.object_name, "to_intacct", "reject", row["bill_id"],
                None if record_no is None else str(record_no), reason=str(error)))])
            return None

    def _send_updates(self, updates, lines, vendor_links) -> None:
        if not updates:
            return
        valid, _ = self._validate({row["bill_id"]: row for row, _, _ in updates}, lines, vendor_links)
        valid_ids = {row["bill_id"] for row in valid}
        writes, meta = [], {}
        for row, link, bc_hash in updates:
            if row["bill_id"] not in valid_ids:
                continue
            fields = self._intacct_fields(row, lines.get(row["bill_id"], []), vendor_links.get(row["vendor_id"]))
            if fields is None:
                continue
            fields = {"RECORDNO": row["intacct_record_no"], **fields}
            base = (link.snapshot.get("bc_hash") or "none")[:12] if link else "none"
            change = self.plan.add(PlannedChange(
                self.object_name, "to_intacct", "update", row["bill_id"], str(row["intacct_record_no"]),
                reason="bill edited in BC: sent with all its lines", values=fields))
            # One control id per intended write: the same content sent again by a later run (b → a → b) is a
            # new write, not a replay Intacct answers with "already executed".
            write_key = f"bill:{row['bill_id']}:update:{base}:{self.ctx.run_id}"
            writes.append(IntacctWrite(change, WriteRequest(write_key, fields, scope=self.ctx.run_id), {
                "write_key": write_key, "operation": "update", "bc_key": row["bill_id"],
                "intacct_key": str(row["intacct_record_no"])}))
            meta[row["bill_id"]] = (row["intacct_record_no"], bc_hash)
        if self.dry_run or not writes:
            return
        by_id = {row["bill_id"]: row for row, _, _ in updates}

        def updated(connection, write, outcome):
            change = write.change
            record_no, bc_hash = meta[change.bc_key]
            if outcome is not None and outcome.ok and outcome.already_applied and not self._holds(
                    record_no, bc_hash, vendor_links.get(by_id[change.bc_key]["vendor_id"])):
                change.action = "reject"
                change.reason, change.errorno = (
                    "Intacct answered that this update was already applied, but the bill read back differs from "
                    "BC's: it is sent again on the next run", None)
            elif outcome is not None and outcome.ok:
                self.ctx.state.save_links(connection, self.object_name, [Link(
                    change.bc_key, str(record_no), record_no, {"bc_hash": bc_hash, "intacct_hash": bc_hash}, None)])
            else:
                change.action = "reject"
                change.reason, change.errorno = (error_reason(outcome.error) if outcome is not None else (
                    "Intacct did not confirm the update (the answer was lost); it is sent again on the next run",
                    None))

        self.write_to_intacct("update", "APBILL", writes, lambda results: self.settle_writes(results, updated),
                              lambda batch: self.settle_writes([(w, None) for w in batch], updated))


def _bill_from_intacct(record: dict) -> dict:
    """``bill_from_intacct`` whose refusal names the bill (by RECORDNO, or its number when that is missing)."""
    try:
        return bill_from_intacct(record)
    except ValueError as error:
        number = record.get("RECORDNO")
        label = f"RECORDNO {number}" if number not in (None, "") else (
            f"without a RECORDNO (bill number {record.get('RECORDID')!r}, vendor {record.get('VENDORID')!r})")
        raise ValueError(f"Intacct bill {label}: {error}") from None


def _record_no(record: dict) -> int:
    """An Intacct record's RECORDNO as a number (-1 when it has none readable)."""
    try:
        return int(record.get("RECORDNO"))
    except (TypeError, ValueError):
        return -1


def _differs(left, right) -> bool:
    """Values differ, an empty text counting as missing (a zero amount is a value)."""
    return (None if left == "" else left) != (None if right == "" else right)
