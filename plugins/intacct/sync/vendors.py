"""Vendors, both ways, by a three-way diff per field against the last-synced snapshot.

Order of one run: finish writes whose outcome was lost; new BC vendors (match before create); Intacct's
changes page by page; BC's changes to linked vendors; push BC-side winners to Intacct; reconcile deletes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import select, update

from intacct.client import WriteRequest, filters
from intacct.client.seen import SeenNumbers
from intacct.sync.base import IntacctWrite, ObjectSync, error_reason
from intacct.sync.diff import three_way_diff
from intacct.sync.mapping import (
    VENDOR_SYNCED_FIELDS,
    intacct_fields,
    normalize_bc_vendor,
    require_values,
    vendor_from_intacct,
    vendor_to_intacct,
)
from intacct.sync.plan import PlannedChange
from intacct.sync.state import Link, bc_changed_since, changed_since, chunks, snapshot_hash, utc_now
from intacct.sync.validation import validate_vendor_for_intacct
from intacct.sync.vendor_ids import VendorIndex, company_vendor_id, derive_vendor_id

FIELDS = list(VENDOR_SYNCED_FIELDS)
IMPORTED_PREFIX = "ia-"
LOOKUP_CHUNK = 500  # values per ``in`` filter (the gateway allows 1000)
_BC_COLUMNS = ["name", "email", "phone", "address_line1", "address_line2", "city", "state", "postal_code",
               "country", "tax_id", "payment_terms", "currency", "status"]


def bc_vendor_id_for(intacct_vendor_id: str) -> str:
    """The BC vendor_id the sync assigns to a vendor imported from Intacct."""
    return f"{IMPORTED_PREFIX}{intacct_vendor_id}"


# Without these a vendor cannot be linked (VENDORID), reconciled (RECORDNO) or shown (NAME) in BC.
_REQUIRED = ("intacct_vendor_id", "intacct_record_no", "name")


def vendor_record(record) -> dict:
    """An Intacct VENDOR as BC values; ValueError naming the field when it is malformed or missing."""
    return require_values(vendor_from_intacct(record), "VENDOR", _REQUIRED)


def comparable(values: dict) -> dict:
    """Normalized synced values with the tax id replaced by a hash: snapshots never hold a tax id."""
    out = {name: values.get(name) for name in FIELDS}
    if out.get("tax_id") is not None:
        out["tax_id"] = "sha256:" + hashlib.sha256(str(out["tax_id"]).encode()).hexdigest()[:24]
    return out


def bc_comparable(row: dict) -> dict | None:
    """``comparable`` values of a BC row, or None when BC wrote something unreadable (e.g. a bad status)."""
    try:
        return comparable(normalize_bc_vendor(row))
    except ValueError:
        return None


class VendorSync(ObjectSync):
    object_name = "vendors"
    intacct_key_field = "VENDORID"

    def run(self) -> None:
        ctx = self.ctx
        watermark = ctx.state.watermark(self.object_name)
        started = utc_now()
        self.handled: set[str] = set()
        self.to_push: dict[str, dict] = {}   # bc key → what to write to Intacct
        if not self.dry_run:
            self.finish_interrupted_writes()
        self.sync_new_bc_vendors()
        since = changed_since(watermark, ctx.config.lookback, ctx.options.full_refresh)
        for page in ctx.client.iter_pages("VENDOR", intacct_fields("VENDOR"), modified_since=since):
            self.reject_unreadable(page)
            self.sync_intacct_page(self.convert_each(page.records, vendor_record, "VENDORID"), page.cursor)
        bc_since = bc_changed_since(watermark, ctx.config.lookback, ctx.options.full_refresh)
        self.sync_bc_changes(bc_since)
        self.push_to_intacct()
        if self.reconcile_due(watermark):
            self.reconcile_deletes()
        self.move_bc_watermark(started)

    # Reading --------------------------------------------------------------------------------------

    @property
    def table(self):
        return self.ctx.warehouse.tables["bc_vendors"]

    def bc_rows(self, connection, *, vendor_ids=None, intacct_ids=None) -> dict[str, dict]:
        column, values = ("vendor_id", vendor_ids) if vendor_ids is not None else ("intacct_vendor_id", intacct_ids)
        return self.company_rows(connection, "bc_vendors", "vendor_id", column, values)

    def find_in_intacct(self, field: str, values: Iterable[str]) -> list[dict]:
        values = sorted({v for v in values if v})
        found = []
        for chunk in chunks(values, LOOKUP_CHUNK):
            found += self.ctx.client.find("VENDOR", filters.in_(field, chunk), intacct_fields("VENDOR"))
        # A malformed record is rejected (naming it and the field) and left out; the others go on.
        return self.convert_each(found, vendor_record, "VENDORID")

    def candidate_records(self, rows: list[dict], vendor_ids: list[str]) -> dict[str, dict]:
        """Full Intacct records that may be these BC vendors: by VENDORID, tax id and name.

        Normalized names are matched against the BC copies of Intacct's vendors plus Intacct's vendors
        changed since the last read (which the copies do not hold yet): on the first vendor sync that is all of
        them. Every record is read with all its fields, so first and later contact match the same way and a
        link compares full records.
        """
        ctx = self.ctx
        since = changed_since(ctx.state.watermark(self.object_name), ctx.config.lookback, ctx.options.full_refresh)
        found: dict[str, dict] = {}
        if since is not None:  # otherwise the listing below holds every vendor already
            found = {r["intacct_vendor_id"]: r for r in self.find_in_intacct("VENDORID", vendor_ids)}
            for field, column in (("TAXID", "tax_id"), ("NAME", "name")):
                for record in self.find_in_intacct(field, (row.get(column) for row in rows)):
                    found.setdefault(record["intacct_vendor_id"], record)
        for raw in ctx.client.iter_records("VENDOR", intacct_fields("VENDOR"), modified_since=since):
            try:  # a malformed record is rejected by the page read that follows
                record = vendor_record(raw)
            except (ValueError, TypeError, ArithmeticError):
                continue
            if record.get("intacct_vendor_id"):
                found.setdefault(record["intacct_vendor_id"], record)
        return found

    # Crash recovery -------------------------------------------------------------------------------

    def finish_interrupted_writes(self) -> None:
        """Intents left by an interrupted run: link what Intacct did create; forget the rest (re-planned)."""
        pending = self.ctx.state.pending_writes(self.object_name)
        if not pending:
            return
        creates = [p for p in pending if p["operation"] == "create"]
        found = {r["intacct_vendor_id"]: r for r in self.find_in_intacct("VENDORID", [p["intacct_key"] for p in creates])}
        with self.ctx.warehouse.engine.begin() as connection:
            rows = self.bc_rows(connection, vendor_ids=[p["bc_key"] for p in creates])
            for intent in creates:
                record, row = found.get(intent["intacct_key"]), rows.get(intent["bc_key"])
                if record is None or row is None or row.get("intacct_vendor_id"):
                    continue
                change = self.plan.add(PlannedChange(
                    self.object_name, "to_intacct", "create", intent["bc_key"], intent["intacct_key"],
                    reason="created in Intacct by an interrupted run; link completed now"))
                self._link(connection, row, record, snapshot=comparable(record))
                self.record(connection, [change])
                self.handled.add(intent["bc_key"])
            self.ctx.state.resolve_intents(connection, self.object_name, [p["write_key"] for p in pending])

    # New BC vendors -------------------------------------------------------------------------------

    def prepare_and_sync_new(self, vendor_ids: set[str]) -> None:
        """Only the new-vendor step, for these BC vendors (the bills sync sends a bill's vendor first)."""
        self.handled, self.to_push = set(), {}
        self.sync_new_bc_vendors(only=vendor_ids)

    def sync_new_bc_vendors(self, only: set[str] | None = None) -> None:
        ctx = self.ctx
        with ctx.warehouse.engine.connect() as connection:
            unlinked = [dict(r) for r in connection.execute(select(self.table).where(
                self.table.c.company_id == ctx.company, self.table.c.intacct_vendor_id.is_(None))).mappings()
                if only is None or r["vendor_id"] in only]
        if not unlinked:
            return
        valid, rejected = [], []
        for row in unlinked:
            reasons = validate_vendor_for_intacct(row)
            if reasons:
                rejected.append(self.plan.add(PlannedChange(
                    self.object_name, "to_intacct", "reject", row["vendor_id"], None, reason=" ".join(reasons))))
            else:
                valid.append(row)
        self.record_now(rejected)
        self.handled.update(row["vendor_id"] for row in unlinked)
        if not valid:
            return
        plain = {row["vendor_id"]: derive_vendor_id(row["vendor_id"]) for row in valid}
        qualified = {key: company_vendor_id(key, ctx.company) for key in plain}
        candidates = self.candidate_records(valid, list(plain.values()) + list(qualified.values()))
        with ctx.warehouse.engine.connect() as connection:
            mirror = {r["intacct_vendor_id"]: dict(r) for r in connection.execute(select(self.table).where(
                self.table.c.company_id == ctx.company, self.table.c.intacct_vendor_id.is_not(None))).mappings()}
        owner = {vendor_id: row["vendor_id"] for vendor_id, row in mirror.items()}
        index = VendorIndex(list(candidates.values()) + [r for k, r in mirror.items() if k not in candidates])
        # A mirror-only match is read from Intacct in full before anything is compared with it.
        matches = {row["vendor_id"]: index.match(row, [plain[row["vendor_id"]], qualified[row["vendor_id"]]])
                   for row in valid}
        missing = {m.exact.vendor_id for m in matches.values() if m.exact is not None} - set(candidates)
        candidates.update({r["intacct_vendor_id"]: r for r in self.find_in_intacct("VENDORID", missing)})
        claims: dict[str, list[str]] = {}  # Intacct vendor → the BC vendors of this run matching it
        for key, match in matches.items():
            if match.exact is not None:
                claims.setdefault(match.exact.vendor_id, []).append(key)

        links, creates, review = [], [], []
        for row in valid:
            bc_key = row["vendor_id"]
            match = matches[bc_key]
            if match.exact is not None:
                intacct_id = match.exact.vendor_id
                others = [k for k in claims[intacct_id] if k != bc_key]
                if intacct_id in owner and owner[intacct_id] != bc_key:
                    others.insert(0, owner[intacct_id])
                if others:
                    # Decided before any link is written: one Intacct vendor never gets two BC counterparts.
                    review.append(self.plan.add(PlannedChange(
                        self.object_name, "to_intacct", "reject", bc_key, intacct_id,
                        reason=(f"Needs review: matches the Intacct vendor {match.exact.describe()}, which "
                                f"{'is already linked to' if intacct_id in owner else 'also matches'} BC vendor(s) "
                                f"{', '.join(others)}. Merge the BC vendors, make them distinct, or set "
                                "intacct_vendor_id on the right one."),
                        details={"candidates": [match.exact.describe()], "claimed_by": others})))
                elif intacct_id in candidates:
                    links.append((row, candidates[intacct_id], self.plan.add(PlannedChange(
                        self.object_name, "to_intacct", "link", bc_key, intacct_id, reason=match.describe(),
                        details={"matched_on": list(match.exact.matched_on)}))))
                else:  # matched a BC copy whose Intacct record is gone: look again next run
                    review.append(self.plan.add(PlannedChange(
                        self.object_name, "to_intacct", "reject", bc_key, intacct_id,
                        reason=f"Needs review: {match.describe()}")))
            elif match.ambiguous:
                review.append(self.plan.add(PlannedChange(
                    self.object_name, "to_intacct", "reject", bc_key, None, reason=match.describe(),
                    details={"candidates": [c.describe() for c in match.candidates]})))
            else:
                # The plain id unless another vendor (e.g. another BC company's) already holds it.
                taken = plain[bc_key] in candidates or plain[bc_key] in owner
                intacct_id = qualified[bc_key] if taken else plain[bc_key]
                fields = vendor_to_intacct({**row, "intacct_vendor_id": intacct_id})
                creates.append(self.plan.add(PlannedChange(
                    self.object_name, "to_intacct", "create", bc_key, intacct_id,
                    reason="new BC vendor; no matching vendor in Intacct", values=fields)))
        self.record_now(review)
        if self.dry_run:
            return
        if links:
            with ctx.warehouse.engine.begin() as connection:
                for row, record, change in links:
                    self._link(connection, row, record, snapshot={})
                    self.record(connection, [change])
            # First contact: fields that differ are settled by the diff (and the conflict policy).
            self.diff_and_apply({row["vendor_id"]: record for row, record, _ in links})
        self.create_in_intacct(creates, {row["vendor_id"]: row for row in valid})

    def _link(self, connection, row: dict, record: dict, *, snapshot: dict) -> None:
        connection.execute(update(self.table).where(
            self.table.c.company_id == self.ctx.company, self.table.c.vendor_id == row["vendor_id"]).values(
            intacct_vendor_id=record["intacct_vendor_id"]))
        self.ctx.state.save_links(connection, self.object_name, [Link(
            row["vendor_id"], record["intacct_vendor_id"], record.get("intacct_record_no"), snapshot,
            record.get("intacct_modified_at"))])

    def create_in_intacct(self, creates: list[PlannedChange], rows: dict[str, dict]) -> None:
        writes = [IntacctWrite(change, WriteRequest(f"vendor:{change.bc_key}", change.values),
                               {"write_key": f"vendor:{change.bc_key}", "operation": "create",
                                "bc_key": change.bc_key, "intacct_key": change.intacct_key}) for change in creates]
        read_back: dict[str, dict] = {}

        def created(connection, write, outcome):
            change, row = write.change, rows[write.change.bc_key]
            if outcome is not None and outcome.ok and outcome.already_applied:
                # A replayed request: what Intacct holds is read back (its RECORDNO above all), never assumed.
                record = read_back.get(change.intacct_key)
                if record is None:
                    change.action = "skip"
                    change.reason = ("Intacct called this create already applied but has no such vendor: "
                                     "retried on the next run")
                    return
                change.reason += " (Intacct had already applied this create; confirmed by reading it back)"
                self._link(connection, row, record, snapshot=comparable(normalize_bc_vendor(row)))
            elif outcome is not None and outcome.ok:
                record = read_back.get(change.intacct_key) if outcome.record_no is None else None
                record = record or {"intacct_vendor_id": change.intacct_key, "intacct_record_no": outcome.record_no,
                                    "intacct_modified_at": None}
                self._link(connection, row, record, snapshot=comparable(normalize_bc_vendor(row)))
            else:
                change.action = "reject"
                change.reason, change.errorno = error_reason(outcome.error if outcome else None)

        def on_batch(results):
            replayed = [w.change.intacct_key for w, outcome in results
                        if outcome is not None and outcome.ok and (outcome.already_applied or outcome.record_no is None)]
            read_back.update({r["intacct_vendor_id"]: r for r in self.find_in_intacct("VENDORID", replayed)})
            self.settle_writes(results, created)

        def looked_up(connection, write, record):
            change = write.change
            if record is not None:
                change.reason += " (confirmed by a lookup after a lost answer)"
                self._link(connection, rows[change.bc_key], record,
                           snapshot=comparable(normalize_bc_vendor(rows[change.bc_key])))
            else:
                change.action = "skip"
                change.reason = "Intacct did not answer and has no such vendor: retried on the next run"

        def on_unknown(batch):
            found = {r["intacct_vendor_id"]: r for r in self.find_in_intacct(
                "VENDORID", [w.change.intacct_key for w in batch])}
            self.settle_writes([(w, found.get(w.change.intacct_key)) for w in batch], looked_up, crash_points=False)

        self.write_to_intacct("create", "VENDOR", writes, on_batch, on_unknown)

    # Intacct → BC ---------------------------------------------------------------------------------

    def sync_intacct_page(self, records: list[dict], cursor) -> None:
        ctx = self.ctx
        by_intacct = {r["intacct_vendor_id"]: r for r in records if r.get("intacct_vendor_id")}
        with ctx.warehouse.engine.connect() as connection:
            linked = {row["intacct_vendor_id"]: row for row in
                      self.bc_rows(connection, intacct_ids=list(by_intacct)).values()}
        new_records = [r for key, r in by_intacct.items() if key not in linked]
        with ctx.warehouse.engine.connect() as connection:
            import_ids = self.free_import_ids(connection, [r["intacct_vendor_id"] for r in new_records])
        imports = []
        for record in new_records:
            bc_key = import_ids[record["intacct_vendor_id"]]
            reason = "new vendor in Intacct"
            if bc_key != bc_vendor_id_for(record["intacct_vendor_id"]):
                reason += (f"; imported as {bc_key} because BC's own vendor "
                           f"{bc_vendor_id_for(record['intacct_vendor_id'])} is another vendor")
            imports.append(self.plan.add(PlannedChange(
                self.object_name, "to_bc", "create", bc_key, record["intacct_vendor_id"],
                reason=reason, values=record)))
        keyed = {row["vendor_id"]: by_intacct[intacct_id] for intacct_id, row in linked.items()
                 if row["vendor_id"] not in self.handled}
        self.diff_and_apply(keyed, imports=imports, cursor=cursor)

    def free_import_ids(self, connection, intacct_ids: list[str]) -> dict[str, str]:
        """A BC vendor_id for each new Intacct vendor that no BC row holds: ``ia-V1``, else ``ia-V1-2``, …

        An import never takes over a BC row it did not create (e.g. BC's own vendor that happens to be
        called ``ia-V1``).
        """
        chosen: dict[str, str] = {}
        taken: set[str] = set()
        pending = {intacct_id: [bc_vendor_id_for(intacct_id)] for intacct_id in intacct_ids}
        attempt = 1
        while pending:
            wanted = [ids[-1] for ids in pending.values()]
            held = set(self.company_rows(connection, "bc_vendors", "vendor_id", "vendor_id", wanted)) | taken
            for intacct_id, ids in list(pending.items()):
                if ids[-1] not in held:
                    chosen[intacct_id] = ids[-1]
                    taken.add(ids[-1])
                    del pending[intacct_id]
                else:
                    ids.append(f"{bc_vendor_id_for(intacct_id)}-{attempt + 1}")
            attempt += 1
        return chosen

    def _import_rows(self, connection, imports: list[PlannedChange]) -> None:
        now = utc_now()
        rows = [{"company_id": self.ctx.company, "vendor_id": c.bc_key, "intacct_vendor_id": c.intacct_key,
                 **{name: c.values.get(name) for name in _BC_COLUMNS}, "updated_at": now} for c in imports]
        for row in rows:
            row["status"] = row["status"] or "active"
            row["name"] = row["name"] or row["intacct_vendor_id"]
        self.ctx.warehouse.upsert(connection, "bc_vendors", rows)
        self.ctx.state.save_links(connection, self.object_name, [Link(
            c.bc_key, c.intacct_key, c.values.get("intacct_record_no"), comparable(c.values),
            c.values.get("intacct_modified_at")) for c in imports])

    # The diff -------------------------------------------------------------------------------------

    def diff_and_apply(self, intacct_by_bc_key: dict[str, dict], *, imports=(), cursor=None) -> None:
        """Diff BC rows against Intacct records (keyed by BC vendor_id), apply BC's side, queue Intacct's."""
        ctx = self.ctx
        keys = list(intacct_by_bc_key)
        self.handled.update(keys)
        with ctx.warehouse.engine.connect() as connection:
            rows = self.bc_rows(connection, vendor_ids=keys) if keys else {}
            links = ctx.state.links(connection, self.object_name, bc_keys=keys) if keys else {}
        keys = [k for k in keys if k in rows]
        to_bc: list[PlannedChange] = []
        snapshots: dict[str, Link] = {}
        bc_values, unreadable = {}, []
        for key in keys:
            values = bc_comparable(rows[key])
            if values is None:  # e.g. a status BC made up: nothing can be compared until it is fixed
                unreadable.append(self.plan.add(PlannedChange(
                    self.object_name, "to_intacct", "reject", key, rows[key].get("intacct_vendor_id"),
                    reason=" ".join(validate_vendor_for_intacct(rows[key])) or "the BC row has unreadable values")))
            else:
                bc_values[key] = values
        keys = [k for k in keys if k in bc_values]
        if keys:
            intacct_values = {k: comparable(intacct_by_bc_key[k]) for k in keys}
            base_values = {k: links[k].snapshot if k in links else {} for k in keys}
            result = three_way_diff(
                _frame(base_values).reindex(keys), _frame(bc_values), _frame(intacct_values), fields=FIELDS,
                policy=ctx.config.conflict_policy,
                bc_modified=pd.Series({k: rows[k]["updated_at"] for k in keys}, dtype=object),
                intacct_modified=pd.Series({k: intacct_by_bc_key[k].get("intacct_modified_at") for k in keys},
                                           dtype=object))
            conflicts: dict[str, dict] = {}
            for conflict in result.conflicts.itertuples(index=False):
                conflicts.setdefault(conflict.key, {})[conflict.field] = {
                    "base": conflict.base_value, "bc": conflict.bc_value, "intacct": conflict.intacct_value,
                    "winner": conflict.winner}
            for_bc, for_intacct = result.updates_for("bc"), result.updates_for("intacct")
            for key in keys:
                record, row = intacct_by_bc_key[key], rows[key]
                intacct_key = row["intacct_vendor_id"] or record["intacct_vendor_id"]
                if key in conflicts:
                    self.plan.add(c := PlannedChange(
                        self.object_name, "to_bc" if any(v["winner"] == "intacct" for v in conflicts[key].values())
                        else "to_intacct", "conflict", key, intacct_key,
                        reason=f"changed on both sides; {ctx.config.conflict_policy} decided "
                               + ", ".join(f"{f} → {v['winner']}" for f, v in conflicts[key].items()),
                        details={"fields": conflicts[key]}))
                    to_bc.append(c)
                bc_fields = sorted(for_bc.get(key, {}))
                if bc_fields:
                    values = {f: record.get(f) for f in bc_fields}
                    to_bc.append(self.plan.add(PlannedChange(
                        self.object_name, "to_bc", _action(values), key, intacct_key,
                        reason=f"changed in Intacct: {', '.join(bc_fields)}", values=values,
                        details={"fields": bc_fields})))
                bc_after = {**bc_values[key], **{f: intacct_values[key][f] for f in bc_fields}}
                agreed = {f: bc_after[f] if bc_after[f] == intacct_values[key][f] else base_values[key].get(f)
                          for f in FIELDS}
                record_no = record.get("intacct_record_no") or (links[key].intacct_record_no if key in links else None)
                snapshots[key] = Link(key, intacct_key, record_no, agreed, record.get("intacct_modified_at"))
                intacct_fields_changed = sorted(for_intacct.get(key, {}))
                problems = validate_vendor_for_intacct(row) if intacct_fields_changed else []
                if problems:  # Intacct's side still comes to BC; BC's side waits until the row is fixed
                    unreadable.append(self.plan.add(PlannedChange(
                        self.object_name, "to_intacct", "reject", key, intacct_key, reason=" ".join(problems))))
                elif intacct_fields_changed:
                    values = {f: row.get(f) for f in intacct_fields_changed}
                    self.to_push[key] = {
                        "change": self.plan.add(PlannedChange(
                            self.object_name, "to_intacct", _action(values), key, intacct_key,
                            reason=f"changed in BC: {', '.join(intacct_fields_changed)}",
                            values=values, details={"fields": intacct_fields_changed})),
                        "row": row, "record_no": record_no, "fields": intacct_fields_changed,
                        "base_hash": snapshot_hash(base_values[key]),
                        "agreed": {**agreed, **{f: bc_after[f] for f in intacct_fields_changed}},
                        "intacct_modified_at": record.get("intacct_modified_at")}
                elif snapshots[key].snapshot == base_values[key] and not bc_fields:
                    snapshots.pop(key)  # nothing changed: no write at all
        if self.dry_run or not (to_bc or snapshots or imports or keys or unreadable or cursor is not None):
            return
        with self.bc_commit([c.bc_key for c in to_bc], cursor=cursor) as connection:
            now = utc_now()
            for change in to_bc:
                if change.action != "conflict":
                    connection.execute(update(self.table).where(
                        self.table.c.company_id == ctx.company, self.table.c.vendor_id == change.bc_key).values(
                        **change.values, updated_at=now))
            if imports:
                self._import_rows(connection, list(imports))
            ctx.state.save_links(connection, self.object_name, list(snapshots.values()))
            self.record(connection, to_bc + list(imports) + unreadable)
            # Rows that compared cleanly are no longer rejected (e.g. after a BC user chose the match).
            rejected = {c.bc_key for c in unreadable}
            ctx.state.clear_rejections(connection, self.object_name, "to_intacct",
                                       [k for k in keys if k not in self.to_push and k not in rejected])

    # BC → Intacct ---------------------------------------------------------------------------------

    def sync_bc_changes(self, since) -> None:
        """Linked BC vendors changed since the last run (or rejected before): diff against Intacct."""
        ctx = self.ctx
        retry = set(ctx.state.rejected_keys(self.object_name, "to_intacct"))
        statement = select(self.table.c.vendor_id).where(self.table.c.company_id == ctx.company,
                                                         self.table.c.intacct_vendor_id.is_not(None))
        if since is not None:
            statement = statement.where(self.table.c.updated_at >= since)
        with ctx.warehouse.engine.connect() as connection:
            keys = (set(connection.execute(statement).scalars()) | retry) - self.handled
        differing: dict[str, dict] = {}
        for chunk in chunks(sorted(keys), self.ctx.warehouse.chunk_size):  # memory holds one chunk of rows
            with ctx.warehouse.engine.connect() as connection:
                rows = {k: r for k, r in self.bc_rows(connection, vendor_ids=chunk).items() if r["intacct_vendor_id"]}
                links = ctx.state.links(connection, self.object_name, bc_keys=list(rows))
            # Only rows that really differ from their snapshot cost an Intacct read.
            differing.update({k: r for k, r in rows.items()
                              if k not in links or links[k].intacct_key != r["intacct_vendor_id"]
                              or bc_comparable(r) != links[k].snapshot})
        for chunk in chunks(sorted(differing), LOOKUP_CHUNK):
            self._diff_bc_changes({k: differing[k] for k in chunk})

    def _diff_bc_changes(self, differing: dict[str, dict]) -> None:
        records = {r["intacct_vendor_id"]: r for r in self.find_in_intacct(
            "VENDORID", [r["intacct_vendor_id"] for r in differing.values()])}
        missing = [self.plan.add(PlannedChange(
            self.object_name, "to_intacct", "reject", k, r["intacct_vendor_id"],
            reason=f"intacct_vendor_id {r['intacct_vendor_id']!r} does not exist in Intacct: correct it in BC "
                   "or clear it to create the vendor")) for k, r in differing.items()
            if r["intacct_vendor_id"] not in records]
        self.record_now(missing)
        self.diff_and_apply({k: records[r["intacct_vendor_id"]] for k, r in differing.items()
                             if r["intacct_vendor_id"] in records})

    def push_to_intacct(self) -> None:
        if self.dry_run or not self.to_push:
            return
        writes = []
        for key, push in self.to_push.items():
            fields = vendor_to_intacct(push["row"], fields=push["fields"])
            if push["record_no"] is not None:
                fields = {"RECORDNO": push["record_no"], **fields}
            # One id per intended write: the base it was planned on, the values it sends, and the run (as the
            # request's scope), so b → a → b sends b again instead of replaying the first write's id.
            intended = snapshot_hash({"base": push["base_hash"], "fields": {
                f: push["agreed"].get(f) for f in push["fields"]}})
            write_key = f"vendor:{key}:update:{intended[:16]}"
            writes.append(IntacctWrite(push["change"], WriteRequest(write_key, fields, scope=self.ctx.run_id), {
                "write_key": write_key, "operation": "update", "bc_key": key,
                "intacct_key": push["row"]["intacct_vendor_id"]}))
        read_back: dict[str, dict] = {}

        def updated(connection, write, outcome):
            change, push = write.change, self.to_push[write.change.bc_key]
            if outcome is not None and outcome.ok and outcome.already_applied:
                record = read_back.get(change.intacct_key)
                held = comparable(record) if record is not None else {}
                if record is None or any(held.get(f) != push["agreed"].get(f) for f in push["fields"]):
                    change.action = "reject"
                    change.reason = ("Intacct called this update already applied, but the vendor does not hold "
                                     f"the values ({', '.join(push['fields'])}): it is sent again on the next run")
                    return
                change.reason += " (Intacct had already applied it; confirmed by reading it back)"
            if outcome is not None and outcome.ok:
                self.ctx.state.save_links(connection, self.object_name, [Link(
                    change.bc_key, change.intacct_key, push["record_no"], push["agreed"],
                    push["intacct_modified_at"])])
            elif outcome is None:
                change.action = "reject"
                change.reason = ("Intacct did not confirm the update (the answer was lost); "
                                 "it is checked again on the next run")
            else:
                change.action = "reject"
                change.reason, change.errorno = error_reason(outcome.error)

        def on_batch(results):
            replayed = [w.change.intacct_key for w, outcome in results
                        if outcome is not None and outcome.ok and outcome.already_applied]
            read_back.update({r["intacct_vendor_id"]: r for r in self.find_in_intacct("VENDORID", replayed)})
            self.settle_writes(results, updated)

        self.write_to_intacct("update", "VENDOR", writes, on_batch,
                              lambda batch: self.settle_writes([(w, None) for w in batch], updated))

    # Deletes --------------------------------------------------------------------------------------

    def reconcile_deletes(self) -> None:
        """Keys-only read of Intacct's vendors; linked BC vendors whose record is gone become inactive."""
        ctx = self.ctx
        present = SeenNumbers()
        present.update(ctx.client.list_record_numbers("VENDOR"))
        with ctx.warehouse.engine.connect() as connection:
            # Only the links whose record is gone are kept: not every link (and BC row) of the company.
            links = {link.bc_key: link for link in ctx.state.iter_links(connection, self.object_name)
                     if link.intacct_record_no is not None and link.intacct_record_no not in present}
            active = {k for k, r in self.bc_rows(connection, vendor_ids=list(links)).items() if r["status"] == "active"}
        gone = [self.plan.add(PlannedChange(
            self.object_name, "to_bc", "deactivate", key, link.intacct_key,
            reason="vendor no longer exists in Intacct", values={"status": "inactive"}))
            for key, link in links.items() if key in active]
        if self.dry_run:
            return
        with ctx.warehouse.engine.begin() as connection:
            for chunk in chunks(gone, ctx.warehouse.chunk_size):
                connection.execute(update(self.table).where(
                    self.table.c.company_id == ctx.company, self.table.c.vendor_id.in_([c.bc_key for c in chunk])
                ).values(status="inactive", updated_at=utc_now()))
                ctx.state.save_links(connection, self.object_name, [Link(
                    c.bc_key, c.intacct_key, links[c.bc_key].intacct_record_no,
                    {**links[c.bc_key].snapshot, "status": "inactive"}, links[c.bc_key].intacct_modified_at)
                    for c in chunk])
                self.record(connection, chunk)
            ctx.state.move_watermark(connection, self.object_name, last_reconciled_at=utc_now())


def _action(values: dict) -> str:
    return "deactivate" if values.get("status") == "inactive" else "update"


def _frame(values: dict[str, dict]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(values, orient="index", columns=FIELDS, dtype=object)
