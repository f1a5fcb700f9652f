"""Bills with their lines, both ways.

BC → Intacct: an unlinked ``ready_to_pay`` bill is validated and created (its vendor first); an edit to a
linked unpaid bill is sent with all its lines; an edit to a paid or partially paid bill is rejected.
Intacct → BC: new bills are inserted, linked bills get STATE, amount due and payment status back, and a
bill deleted in Intacct becomes ``void``. A change on both sides is settled by the conflict policy.

A bill's synced content (header fields and lines) is compared through hashes kept with its link: one of
what BC last had, one of what Intacct last had; equal after every successful sync. The common machinery
(``ObjectSync`` from ``BILLS``) runs the steps, deletes (audit trail, complete read, key list) and journalled
writes; the hooks here are the bill's lines, its content hash and the paid-bill lock.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pandas as pd
from sqlalchemy import Text, bindparam, delete, func, literal, select, update

from intacct.client import filters
from intacct.client.seen import SeenNumbers
from intacct.sync.base import Create, ObjectSync, Push
from intacct.sync.content import HEADER, LINE, content_hash, content_text  # noqa: F401 - also the bill's API
from intacct.sync.diff import three_way_diff
from intacct.sync.mapping import (
    bill_from_intacct,
    bill_lines_from_intacct,
    bill_to_intacct,
    intacct_fields,
)
from intacct.sync.plan import PlannedChange
from intacct.sync.prepared import Refused, convert_children
from intacct.sync.prepared import record_no as record_no_of
from intacct.sync.spec import BILL_LINES, BILLS
from intacct.sync.state import Link, chunks, stamp, utc_now
from intacct.sync.validation import validate_bill_for_intacct
from intacct.sync.vendors import VendorSync

LOCKED_STATUSES = ("paid", "partially_paid")
LOOKUP_CHUNK = 500
BC_CHUNK = 1000  # BC bills (with their lines) held in memory at a time
# What an Intacct state change alone brings to BC (the bill's content is unchanged).
STATE_COLUMNS = ("status", "amount_due", "intacct_state")




def bc_bill_id_for(record_no: int) -> str:
    return BILLS.import_id(record_no)


class BillSync(ObjectSync):
    spec = BILLS

    def __init__(self, context):
        super().__init__(context)
        self.location = context.config.entity_id if context.config.requires_location else None
        self.push_bc: set[str] = set()      # linked bills whose BC edit won a conflict
        self._quiet_links: list[Link] = []   # snapshot-only link updates, written with the page
        self.seen_record_nos = SeenNumbers()  # every RECORDNO read: compact, a run may read millions
        self.content_window = None
        self._lines: dict[str, list[dict]] = {}  # BC lines of the bills being written to Intacct
        # A first sync of a company with no bill linked yet: a bill not read before in this run has no BC row
        # or link to look up (only this run links bills, and it reads each RECORDNO once).
        self.nothing_linked = False
        # Intacct VENDORID → BC vendor_id as found this run (at most one entry per vendor): each page looks up
        # only the vendors no earlier page had. A vendor not found is looked up again by the next page.
        self._vendor_of: dict[str, str] = {}

    def start_reading(self, watermark) -> None:
        # WHENMODIFIED has whole seconds, so an edit in the second of our last read keeps the timestamp we
        # stored: bills modified inside the look-back window have their lines re-read and their content
        # compared, whatever their timestamp says (None: no window known, every bill is compared).
        self.content_window = (None if watermark.modified_at is None
                               else watermark.modified_at - self.ctx.config.lookback)
        self.nothing_linked = watermark.modified_at is None and not self._any_linked()

    def _any_linked(self) -> bool:
        """Whether this company has any bill linked to Intacct (a link, or a BC bill with a RECORDNO)."""
        links = self.ctx.warehouse.tables["intacct_links"]
        with self.ctx.warehouse.engine.connect() as connection:
            return (connection.execute(select(links.c.bc_key).where(
                *self.ctx.state._of(links, self.object_name)).limit(1)).first() is not None
                or connection.execute(select(self.bills.c.bill_id).where(
                    self.bills.c.company_id == self.ctx.company,
                    self.bills.c.intacct_record_no.is_not(None)).limit(1)).first() is not None)

    def reject_unreadable(self, page) -> list[str]:
        unreadable = super().reject_unreadable(page)
        self.seen_record_nos.update(int(k) for k in unreadable if k.isdigit())  # rejected once a run
        return unreadable

    def after_intacct(self) -> None:
        self.retry_rejected_imports()

    def sync_bc_side(self, since) -> None:
        self.sync_bc_bills(since)

    # Reading BC -----------------------------------------------------------------------------------

    @property
    def bills(self):
        return self.table

    @property
    def lines(self):
        return self.ctx.warehouse.tables[BILL_LINES.bc_table]

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

    def _vendors_of(self, connection, intacct_ids: set) -> dict[str, str]:
        """Intacct VENDORID → BC vendor_id of these vendors (those BC has)."""
        missing = [v for v in intacct_ids if v not in self._vendor_of]
        if missing:
            self._vendor_of.update((k, v) for k, v in self.vendor_ids(connection, intacct_ids=missing).items()
                                   if v is not None)
        return {v: self._vendor_of[v] for v in intacct_ids if v in self._vendor_of}

    # Intacct → BC ---------------------------------------------------------------------------------

    @property
    def content_location(self) -> str | None:
        return self.location

    def apply_intacct_page(self, records: list[dict], cursor, children: dict | None = None, *,
                           digests: dict[int, str] | None = None) -> None:
        """``children``: the bills' lines read with them, converted (``sync.prepared``); ``digests``: their
        content hashes, computed where the page was prepared."""
        ctx = self.ctx
        digests = digests or {}
        bills = {b["intacct_record_no"]: b for b in records}
        unlinked = self.nothing_linked and not any(no in self.seen_record_nos for no in bills)
        self.seen_record_nos.update(bills)
        if not unlinked:
            self.page_writer.drain()  # the pages before are committed before their bills are looked up
        with ctx.warehouse.engine.connect() as connection:
            if unlinked:
                linked, links_by_record, bc_lines = {}, {}, {}
            else:
                linked = {r["intacct_record_no"]: r
                          for r in self.bc_bills(connection, record_nos=list(bills)).values()}
                links = ctx.state.links(connection, self.object_name, intacct_keys=list(bills))
                links_by_record = {int(link.intacct_key): link for link in links.values()}
                bc_lines = self.bc_lines(connection, [r["bill_id"] for r in linked.values()])
            vendors = self._vendors_of(connection, {b["intacct_vendor_id"] for b in bills.values()})
            self.import_ids = self.free_import_ids(connection, [no for no in bills if no not in linked])
        # Lines only for bills whose content may have changed since we last saw them.
        need_lines = [no for no, b in bills.items() if self._may_have_changed(b, links_by_record.get(no))]
        if children is not None:  # read along with the page, converted already
            intacct_lines = {no: children[BILL_LINES.name].get(no, []) for no in need_lines}
        else:
            read = ctx.client.read_bill_lines(need_lines, intacct_fields("APBILLITEM")) if need_lines else {}
            intacct_lines = {no: convert_children(BILL_LINES, rows) for no, rows in read.items()}

        changes: list[PlannedChange] = []
        compared = []
        for record_no, bill in bills.items():
            row, link = linked.get(record_no), links_by_record.get(record_no)
            lines = (intacct_lines[record_no] if record_no in intacct_lines
                     else None if row is not None and record_no not in need_lines else [])
            if isinstance(lines, Refused):
                changes.append(self.plan.add(PlannedChange(
                    self.object_name, "to_bc", "reject", None if row is None else row["bill_id"], str(record_no),
                    reason=f"{lines.reason}: correct the bill's lines in Intacct")))
                continue
            digest = digests.get(record_no) if lines is not None else None
            if row is None:
                changes.append(self._plan_import(bill, lines, vendors, digest))
                continue
            compared.append(self._compared(row, bc_lines.get(row["bill_id"], []), bill, lines, link, digest))
        decided = self._decide(compared)
        for entry in compared:
            changes.extend(self._plan_linked(entry, *decided.get(entry["key"], (False, None))))
        changes = [c for c in changes if c is not None]
        if self.dry_run:
            self._quiet_links = []
            return
        self._apply_to_bc(changes, cursor, later=unlinked)

    def _may_have_changed(self, bill, link) -> bool:
        """Whether the bill's lines are read to compare its content (the timestamp alone cannot tell).

        WHENMODIFIED has whole seconds, so an edit made in the second of our last read of the bill keeps the
        timestamp its link stored: such a bill (in the look-back window, its stored WHENMODIFIED no older than
        that read by more than the look-back, which also covers the clocks' skew) has its content compared. A
        bill whose stored WHENMODIFIED was already older than that when we read it cannot have been edited
        unseen in that second, so a daily look-back over a busy company reads no lines it does not need."""
        modified = bill["intacct_modified_at"]
        window = self.content_window
        if link is None or link.intacct_modified_at != modified or window is None or modified is None:
            return True
        read_at = link.synced_at
        return modified >= window and (read_at is None or modified >= read_at - self.ctx.config.lookback)

    def _plan_import(self, bill, lines, vendors, digest: str | None = None) -> PlannedChange:
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
        values = {**bill, "vendor_id": vendor, "lines": lines or [],
                  "digest": digest or BILLS.digest(bill, lines or [], self.location)}
        own_id = bc_bill_id_for(record_no)
        bill_id = self.import_ids.get(record_no, own_id)
        reason = "new bill in Intacct" if bill_id == own_id else (
            f"new bill in Intacct (imported as {bill_id}: BC's own bill {own_id} keeps its id)")
        return self.plan.add(PlannedChange(self.object_name, "to_bc", "create", bill_id,
                                           str(record_no), reason=reason, values=values))

    def _compared(self, row, bc_lines, bill, lines, link, digest: str | None = None) -> dict:
        """A linked bill's content on each side as hashes (Intacct's last one when its lines were not read;
        ``digest``: Intacct's, computed where the page was prepared)."""
        snapshot = link.snapshot if link else {}
        vendor = bill["intacct_vendor_id"]
        return {"key": row["bill_id"], "row": row, "bill": bill, "lines": lines, "snapshot": snapshot,
                "bc_hash": content_hash(row, bc_lines, vendor, self.location),
                "intacct_hash": (snapshot.get("intacct_hash") if lines is None
                                 else digest or BILLS.digest(bill, lines, self.location))}

    def _decide(self, compared: list[dict]) -> dict[str, tuple[bool, str | None]]:
        """Key → (take Intacct's content, the conflict's winner or None), by the one three-way diff and policy
        every object uses: a bill's content is one value per side, its base what each side last had."""
        if not compared:
            return {}
        keys = [e["key"] for e in compared]

        def frame(values):
            return pd.DataFrame({"content": values}, index=keys, dtype=object)

        result = three_way_diff(
            frame([e["snapshot"].get("bc_hash") for e in compared]), frame([e["bc_hash"] for e in compared]),
            frame([e["intacct_hash"] for e in compared]), fields=["content"], policy=self.ctx.config.conflict_policy,
            intacct_base=frame([e["snapshot"].get("intacct_hash") for e in compared]),
            bc_modified=pd.Series([e["row"].get("updated_at") for e in compared], index=keys, dtype=object),
            intacct_modified=pd.Series([e["bill"].get("intacct_modified_at") for e in compared], index=keys,
                                       dtype=object))
        winners = dict(zip(result.conflicts["key"], result.conflicts["winner"], strict=True))
        to_bc = set(result.updates_for("bc"))
        return {key: (key in to_bc, winners.get(key)) for key in set(winners) | to_bc}

    def _plan_linked(self, entry: dict, take_intacct: bool, winner: str | None) -> list[PlannedChange]:
        row, bill, lines, snapshot = entry["row"], entry["bill"], entry["lines"], entry["snapshot"]
        key, record_no = row["bill_id"], str(bill["intacct_record_no"])
        bc_hash, intacct_hash = entry["bc_hash"], entry["intacct_hash"]
        bc_changed = bc_hash != snapshot.get("bc_hash")
        state = {name: bill[name] for name in STATE_COLUMNS}
        out = []
        if row.get("status") == "paid" and state["status"] != "paid":
            # BC recorded a payment Intacct does not know (payments do not go from BC to Intacct): BC keeps
            # "paid", whenever the bill is read, so it is never offered for payment again; a person records
            # the payment in Intacct, and once Intacct shows it paid the rejection clears.
            state["status"] = "paid"
            out.append(self.plan.add(PlannedChange(
                self.object_name, "to_bc", "reject", key, record_no,
                reason=f"paid in BC but {str(bill.get('intacct_state') or 'open').lower()} in Intacct (amount due "
                       f"{bill.get('amount_due')}): record the payment in Intacct; BC keeps the bill paid so it is "
                       "not paid twice")))
        take_intacct = take_intacct and bc_hash != intacct_hash
        if winner is not None:
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
            values = {**bill, **state, "lines": lines, "snapshot": new_snapshot, "stamp": True}
            out.append(self.plan.add(PlannedChange(
                self.object_name, "to_bc", "update", key, record_no, reason="bill changed in Intacct",
                values=values)))
        elif any(_differs(row.get(k), v) for k, v in state.items()) or _hashes(snapshot) != new_snapshot:
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
                    values={**state, "snapshot": new_snapshot, "intacct_modified_at": bill["intacct_modified_at"],
                            "stamp": new_snapshot["bc_hash"] == bc_hash},
                    details={"fields": moved})))
            else:  # bookkeeping only (snapshot), no outcome to report
                if new_snapshot["bc_hash"] == bc_hash:
                    new_snapshot = {**new_snapshot, "bc_updated_at": stamp(row.get("updated_at"))}
                self._quiet_links.append(Link(key, record_no, bill["intacct_record_no"], new_snapshot,
                                              bill["intacct_modified_at"]))
        elif snapshot.get("bc_updated_at") != stamp(row.get("updated_at")) and new_snapshot["bc_hash"] == bc_hash:
            # Unchanged content, but BC touched the row: remember when, so BC's pass need not hash it again.
            self._quiet_links.append(Link(key, record_no, bill["intacct_record_no"],
                                          {**new_snapshot, "bc_updated_at": stamp(row.get("updated_at"))},
                                          bill["intacct_modified_at"]))
        return out

    def _apply_to_bc(self, changes: list[PlannedChange], cursor, *, later: bool = False) -> None:
        """One transaction per page: bills, their lines, links, outcomes and the page's watermark.

        ``later``: the page's bills are new to BC (no later page looks them up), so its transaction may commit
        while the next page is converted (``PageWriter``); the rows are built here, on the reading thread."""
        ctx = self.ctx
        # Bills written with Intacct's whole content get ``now``; a state change alone gets a stamp of its own,
        # since such a row may still hold a BC edit to send (see ``sync_bc_bills``).
        now = utc_now()
        state_now = now + timedelta(microseconds=1)
        now_stamp = stamp(now)  # once a page, not once a bill
        header = [c for c in self.spec.bc_columns(self.bills) if c not in ("intacct_record_no", "vendor_id")]
        quiet, self._quiet_links = self._quiet_links, []
        links = list(quiet)
        inserts, rewrites, states, lines = [], [], [], {}
        for change in changes:
            values = change.values
            if change.action == "create":
                inserts.append({"company_id": ctx.company, "bill_id": change.bc_key,
                                "intacct_record_no": values["intacct_record_no"], "vendor_id": values["vendor_id"],
                                **{name: values.get(name) for name in header}, "updated_at": now})
                lines[change.bc_key] = values["lines"]
                digest = values["digest"]  # of the values converted from Intacct just now
                links.append(Link(change.bc_key, change.intacct_key, values["intacct_record_no"],
                                  {"bc_hash": digest, "intacct_hash": digest, "bc_updated_at": now_stamp},
                                  values["intacct_modified_at"]))
            elif change.action == "update":
                if "lines" in values:
                    rewrites.append({"key": change.bc_key, **{name: values.get(name) for name in header}})
                    lines[change.bc_key] = values["lines"]
                else:
                    states.append({"key": change.bc_key, **{name: values[name] for name in STATE_COLUMNS}})
                written = now if "lines" in values else state_now
                snapshot = {**values["snapshot"], **({"bc_updated_at": stamp(written)} if values.get("stamp") else {})}
                links.append(Link(change.bc_key, change.intacct_key, int(change.intacct_key), snapshot,
                                  values.get("intacct_modified_at")))
        if inserts or rewrites:
            self.written_at.add(now)

        def commit() -> None:
            with self.bc_commit([c.bc_key for c in changes], cursor=cursor) as connection:
                ctx.warehouse.upsert(connection, "bc_bills", inserts, new=later)
                for batch, columns, written in ((rewrites, header, now), (states, STATE_COLUMNS, state_now)):
                    if batch:
                        connection.execute(update(self.bills).where(
                            self.bills.c.company_id == ctx.company, self.bills.c.bill_id == bindparam("key")).values(
                            {**{name: bindparam(name) for name in columns}, "updated_at": written}), batch)
                self._replace_lines(connection, lines)
                ctx.state.save_links(connection, self.object_name, links, new=later)
                self.record(connection, changes)

        if later and ctx.warehouse.commits_aside:
            self.page_writer.submit(commit)
        else:
            commit()

    def _replace_lines(self, connection, lines_by_bill: dict[str, list[dict]]) -> None:
        """Lines travel with their bill: a rewritten bill gets exactly Intacct's lines."""
        for chunk in chunks(list(lines_by_bill), self.ctx.warehouse.chunk_size):
            connection.execute(delete(self.lines).where(self.lines.c.company_id == self.ctx.company,
                                                        self.ctx.warehouse.one_of(self.lines.c.bill_id, chunk)))
        columns = ["company_id", "bill_id", "line_no", *(c for c in BILL_LINES.synced if c in self.lines.c)]
        company = self.ctx.company
        # Each line as converted (every field of the catalogue present, see mapping._converter), with its
        # bill; the insert picks the table's columns.
        rows = [{**line, "company_id": company, "bill_id": bill_id}
                for bill_id, lines in lines_by_bill.items() for line in lines]
        self.ctx.warehouse.insert(connection, "bc_bill_lines", rows, columns)

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
                    self.apply_intacct_page(self.convert_each(page.records, self.spec.from_intacct, "RECORDNO"),
                                            None)

    # BC → Intacct ---------------------------------------------------------------------------------

    # Journalled writes: what is particular to bills ------------------------------------------------

    def lookup_created(self, intents) -> dict[str, list[dict]]:
        found = self._lookup_created([i["intacct_key"] for i in intents])
        return {i["write_key"]: found.get(i["intacct_key"], []) for i in intents}

    def claim(self, connection, candidates: list[dict], row: dict) -> dict | None:
        return self._claim(connection, candidates, row["bill_id"])

    def link_created(self, connection, row: dict, record: dict, intent: dict) -> None:
        vendor, bill_number = intent["intacct_key"].split("|", 1)
        lines = self._lines.get(row["bill_id"])
        if lines is None:  # a create an interrupted run made: its lines are read now
            lines = self.bc_lines(connection, [row["bill_id"]]).get(row["bill_id"], [])
        sent = intent.get("record_version")
        if sent is not None and sent != self._versions({row["bill_id"]: row}, {row["bill_id"]: lines})[row["bill_id"]]:
            # BC changed the bill since an interrupted create sent it (and Intacct may have changed it too):
            # what was synced is unknown, so neither side's content is taken for the base; the policy settles
            # the difference, logged as a conflict, instead of Intacct's content silently replacing BC's edit.
            self._link_created(connection, row, lines, record["RECORDNO"], vendor, bill_number, synced=False)
            return
        self._link_created(connection, row, lines, record["RECORDNO"], vendor, bill_number)

    def created_record(self, write, outcome) -> dict:
        return {"RECORDNO": outcome.record_no}

    def intacct_key_of(self, record: dict) -> str:
        return str(record["RECORDNO"])

    def holds_in_intacct(self, pushes) -> set[str]:
        return {p.change.bc_key for p in pushes
                if self._holds(int(p.change.intacct_key), p.intended, p.change.details.get("vendor"))}

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
            records.sort(key=lambda r: -record_no_of(r))
        return found

    def _claim(self, connection, candidates: list[dict], bill_id: str) -> dict | None:
        """The Intacct bill a lost create made for ``bill_id``: of the bills with its vendor and number, the
        newest one no other BC bill is linked to (an Intacct bill is never linked to two BC bills). BC refuses
        to create two bills with one vendor and number, so our write is the newest such bill."""
        numbers = [record_no_of(r) for r in candidates if record_no_of(r) >= 0]
        if not numbers:
            return None
        held = {row["intacct_record_no"] for row in self.bc_bills(connection, record_nos=numbers).values()
                if row["bill_id"] != bill_id}
        return next((r for r in candidates if record_no_of(r) >= 0 and record_no_of(r) not in held), None)

    def _link_created(self, connection, row, lines, record_no, vendor, bill_number, *, synced: bool = True) -> None:
        values = {"intacct_record_no": record_no, "bill_number": bill_number}
        connection.execute(update(self.bills).where(
            self.bills.c.company_id == self.ctx.company, self.bills.c.bill_id == row["bill_id"]).values(**values))
        digest = content_hash({**row, **values}, lines, vendor, self.location) if synced else None
        self.ctx.state.save_links(connection, self.object_name, [Link(
            row["bill_id"], str(record_no), record_no,
            {"bc_hash": digest, "intacct_hash": digest, "bc_updated_at": stamp(row.get("updated_at"))}, None)])

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
        changed = [bills.c.company_id == ctx.company, bills.c.intacct_record_no.is_not(None)]
        if since is not None:
            changed.append(bills.c.updated_at >= since)
        if (written := self.not_written_here(bills.c.updated_at)) is not None:
            changed.append(written)
        # A page of bill ids at a time (a first run or full refresh compares every linked bill: their ids are
        # never held all at once); the retried and conflict-won bills not among them follow.
        for page, touched in self._stamped_pages(changed):
            extra.difference_update(page)
            self._sync_bc_edits(touched, candidates=True)
        for chunk in chunks(sorted(extra), BC_CHUNK):
            self._sync_bc_edits(chunk)
        for chunk in chunks(sorted(ready), BC_CHUNK):
            self._sync_bc_creates(chunk)

    def _recorded_stamp(self, links):
        """SQL for the ``updated_at`` a bill's link recorded (its snapshot's ``bc_updated_at``), as text."""
        if self.ctx.warehouse.dialect == "postgresql":
            # The key is bound as plain text: bound through the column's JSON type it would be sent JSON-quoted
            # and name no key, so every link would look unstamped and every bill be loaded whole.
            return links.c.snapshot.op("->>", return_type=Text)(literal("bc_updated_at", Text))
        return func.json_extract(links.c.snapshot, "$.bc_updated_at")

    def _touched(self, bill_id: str, updated_at, recorded) -> bool:
        """Whether BC may have changed the bill since its link was saved: a row whose ``updated_at`` is the one
        the link recorded holds the content the link's hash says (BC sets ``updated_at`` on every change)."""
        return bill_id in self.push_bc or recorded is None or recorded != stamp(updated_at)

    def _stamped_pages(self, conditions: list):
        """The linked bills ``conditions`` select, ``BC_CHUNK`` at a time in id order (keyset pages): each page's
        ids, and those of them BC touched since their link was saved. One statement a page, each link's stamp
        found by its primary key (no IN list: a settling run pages through every bill a first sync imported)."""
        bills, links = self.bills, self.ctx.warehouse.tables["intacct_links"]
        # The link's stamp as a subquery on its whole primary key, not a join: with statistics that do not yet
        # know the rows a bulk import just wrote, PostgreSQL planned the join as a scan of every link per bill.
        recorded = select(self._recorded_stamp(links)).where(
            links.c.object == self.object_name, links.c.company_id == bills.c.company_id,
            links.c.bc_key == bills.c.bill_id).scalar_subquery()
        statement = select(bills.c.bill_id, bills.c.updated_at, recorded.label("recorded")).where(
            *conditions).order_by(bills.c.bill_id).limit(BC_CHUNK)
        last = None
        while True:
            page = statement if last is None else statement.where(bills.c.bill_id > last)
            with self.ctx.warehouse.engine.connect() as connection:
                found = connection.execute(page).all()
            if not found:
                return
            yield [r[0] for r in found], [r[0] for r in found if self._touched(*r)]
            last = found[-1][0]

    def _load(self, bill_ids: list[str], *, changed_only: bool = False, candidates: bool = False):
        """BC bills with their lines, links and vendors' Intacct ids. ``changed_only``: only the bills BC may
        have changed since their link was saved (``_touched``); ``candidates``: ``bill_ids`` are such bills
        already (``_stamped_pages``), checked again against the rows and links loaded."""
        with self.ctx.warehouse.engine.connect() as connection:
            if changed_only and not candidates:
                bill_ids = self._maybe_changed(connection, bill_ids)
            rows = self.bc_bills(connection, bill_ids=bill_ids)
            links = self.ctx.state.links(connection, self.object_name, bc_keys=bill_ids)
            if changed_only:
                rows = {k: r for k, r in rows.items() if k in self.push_bc or k not in links
                        or links[k].snapshot.get("bc_updated_at") != stamp(r.get("updated_at"))}
            lines = self.bc_lines(connection, list(rows))
            vendor_links = self.vendor_ids(connection, bc_ids={r["vendor_id"] for r in rows.values()})
        return rows, lines, links, vendor_links

    def _maybe_changed(self, connection, bill_ids: list[str]) -> list[str]:
        """Of ``bill_ids``, those BC touched since their link was saved (``_touched``), from each row's
        ``updated_at`` and its link's stamp alone, without loading rows and links whole."""
        bills, links = self.bills, self.ctx.warehouse.tables["intacct_links"]
        # Two lookups by key (each through its table's primary key), not a join: PostgreSQL plans an outer join
        # with a long IN list as a scan of every link.
        warehouse = self.ctx.warehouse
        stamps = {r["bill_id"]: r["updated_at"] for r in warehouse.select_in_chunks(
            connection, select(bills.c.bill_id, bills.c.updated_at).where(bills.c.company_id == self.ctx.company),
            bills.c.bill_id, bill_ids)}
        held = {r["bc_key"]: r["recorded"] for r in warehouse.select_in_chunks(
            connection, select(links.c.bc_key, self._recorded_stamp(links).label("recorded")).where(
                *self.ctx.state._of(links, self.object_name)), links.c.bc_key, list(stamps))}
        return [key for key, updated_at in stamps.items() if self._touched(key, updated_at, held.get(key))]

    def _sync_bc_edits(self, bill_ids: list[str], *, candidates: bool = False) -> None:
        if not bill_ids:
            return
        rows, lines, links, vendor_links = self._load(bill_ids, changed_only=True, candidates=candidates)
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

    def _versions(self, rows: dict[str, dict], lines) -> dict[str, str]:
        """What a bill's write depends on, as BC has it now: the bill with its lines (by content: a fix of a
        line alone counts) and its vendor (a refusal for an inactive vendor is made good in the vendor)."""
        with self.ctx.warehouse.engine.connect() as connection:
            vendors = self.company_rows(connection, "bc_vendors", "vendor_id", "vendor_id",
                                        {r["vendor_id"] for r in rows.values()})
        return {key: "|".join((content_hash(r, lines.get(key, []), r["vendor_id"], self.location),
                               str(stamp(r.get("updated_at"))),
                               str(stamp((vendors.get(r["vendor_id"]) or {}).get("updated_at")))))
                for key, r in rows.items()}

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
            # The vendor is checked as a create only when it is to be created first: a vendor in Intacct
            # already is not written by the bill, so its BC values cannot make Intacct refuse the bill.
            linked = vendor_links.get(row["vendor_id"]) is not None
            reasons = validate_bill_for_intacct(row, lines.get(bill_id, []), accounts=accounts,
                                                vendor_exists=row["vendor_id"] in vendor_rows,
                                                vendor=None if linked else vendor_rows.get(row["vendor_id"]))
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
        versions = self._versions(candidates, lines)
        candidates = self.still_refused(candidates, versions)
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
                                                 reason="BC bill ready to pay", values=fields,
                                                 version=versions.get(bill_id)))
            writes.append(Create(change, fields, f"{vendor}|{bill_number}"))
            self._lines[bill_id] = lines.get(bill_id, [])
        self.create_in_intacct(writes, {row["bill_id"]: row for row in valid})

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

    def _intacct_fields(self, row: dict, lines: list[dict], vendor: str | None, *, update: bool = False) -> dict | None:
        """The APBILL write fields, or None after rejecting the bill with the reason it cannot be sent."""
        try:
            if not vendor:
                raise ValueError(f"vendor {row['vendor_id']} is not in Intacct yet (see its vendor outcome)")
            return bill_to_intacct(row, lines, vendor_intacct_id=vendor, location_id=self.location, update=update)
        except ValueError as error:
            record_no = row.get("intacct_record_no")
            self.record_now([self.plan.add(PlannedChange(
                self.object_name, "to_intacct", "reject", row["bill_id"],
                None if record_no is None else str(record_no), reason=str(error)))])
            return None

    def _send_updates(self, updates, lines, vendor_links) -> None:
        if not updates:
            return
        versions = self._versions({row["bill_id"]: row for row, _, _ in updates}, lines)
        waiting = self.still_refused({row["bill_id"]: row for row, _, _ in updates}, versions)
        updates = [u for u in updates if u[0]["bill_id"] in waiting]
        valid, _ = self._validate({row["bill_id"]: row for row, _, _ in updates}, lines, vendor_links)
        valid_ids = {row["bill_id"] for row in valid}
        pushes = []
        for row, link, bc_hash in updates:
            if row["bill_id"] not in valid_ids:
                continue
            fields = self._intacct_fields(row, lines.get(row["bill_id"], []), vendor_links.get(row["vendor_id"]),
                                          update=True)
            if fields is None:
                continue
            fields = {"RECORDNO": row["intacct_record_no"], **fields}
            change = self.plan.add(PlannedChange(
                self.object_name, "to_intacct", "update", row["bill_id"], str(row["intacct_record_no"]),
                reason="bill edited in BC: sent with all its lines", values=fields,
                details={"vendor": vendor_links.get(row["vendor_id"])}, version=versions.get(row["bill_id"])))
            record_no = row["intacct_record_no"]
            pushes.append(Push(change, fields, base=(link.snapshot.get("bc_hash") if link else None) or "none",
                               intended=bc_hash, link=Link(row["bill_id"], str(record_no), record_no,
                                                           {"bc_hash": bc_hash, "intacct_hash": bc_hash,
                                                            "bc_updated_at": stamp(row.get("updated_at"))}, None)))
        self.update_in_intacct(pushes)



def _differs(left, right) -> bool:
    """Values differ, an empty text counting as missing (a zero amount is a value)."""
    return (None if left == "" else left) != (None if right == "" else right)


def _hashes(snapshot: dict) -> dict:
    """The content hashes of a bill's link snapshot (without the BC stamp kept beside them)."""
    return {name: snapshot.get(name) for name in ("bc_hash", "intacct_hash")}
