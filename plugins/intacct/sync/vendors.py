"""Vendors, both ways, by a three-way diff per field against the last-synced snapshot.

The common machinery (``ObjectSync`` from ``VENDORS``) runs the steps; the hooks here are what is particular
to vendors: matching new BC vendors to Intacct's (first and later contact alike, on full records), the
per-field diff, and what a created or updated vendor's link holds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from functools import cached_property

import pandas as pd
from sqlalchemy import select, update

from intacct.client import filters
from intacct.client.errors import DuplicateRecord, MalformedValue
from intacct.sync.base import Create, ObjectSync, Push
from intacct.sync.diff import UNKNOWN_BASE, three_way_diff
from intacct.sync.mapping import (
    SECRET_COLUMNS,
    VENDOR_SYNCED_FIELDS,
    intacct_fields,
    normalize_bc_vendor,
    vendor_to_intacct,
)
from intacct.sync.plan import PlannedChange
from intacct.sync.spec import VENDORS
from intacct.sync.state import Link, changed_since, chunks, snapshot_hash, stamp, utc_now
from intacct.sync.validation import validate_vendor_for_intacct
from intacct.sync.vendor_ids import VendorIndex, company_vendor_id, derive_vendor_id

FIELDS = list(VENDOR_SYNCED_FIELDS)
LOOKUP_CHUNK = 500  # values per ``in`` filter (the gateway allows 1000)


def bc_vendor_id_for(intacct_vendor_id: str) -> str:
    """The BC vendor_id the sync assigns to a vendor imported from Intacct."""
    return VENDORS.import_id(intacct_vendor_id)


def vendor_record(record) -> dict:
    """An Intacct VENDOR as BC values; ValueError naming the field when it is malformed or missing."""
    return VENDORS.from_intacct(record)


def comparable(values: dict) -> dict:
    """Normalized synced values with every secret (the tax id) replaced by a hash: snapshots never hold one."""
    out = {name: values.get(name) for name in FIELDS}
    for name in SECRET_COLUMNS.intersection(out):
        if out[name] is not None:
            out[name] = "sha256:" + hashlib.sha256(str(out[name]).encode()).hexdigest()[:24]
    return out


def bc_comparable(row: dict) -> dict | None:
    """``comparable`` values of a BC row, or None when BC wrote something unreadable (e.g. a bad status)."""
    try:
        return comparable(normalize_bc_vendor(row))
    except ValueError:
        return None


class VendorSync(ObjectSync):
    spec = VENDORS

    def __init__(self, context):
        super().__init__(context)
        self.to_push: dict[str, Push] = {}   # bc key → the BC change to send to Intacct
        self.found: dict[str, dict] = {}     # bc key → the Intacct record a lookup found for its create, linked

    def before_intacct(self, watermark) -> None:
        self.sync_new_bc_vendors()

    def sync_bc_side(self, since) -> None:
        self.sync_bc_changes(since)
        self.update_in_intacct(list(self.to_push.values()))

    # Reading --------------------------------------------------------------------------------------

    def find_in_intacct(self, field: str, values: Iterable[str]) -> list[dict]:
        """Intacct vendors whose ``field`` is one of ``values``. A lookup that meets a record Intacct answers
        unreadably (no RECORDNO, a garbled one) is asked again value by value: the values whose answer stays
        unreadable are kept in ``unreadable`` with the reason, so that no caller takes them for "not in
        Intacct" (and creates a duplicate); the other values' records come back as usual."""
        values = sorted({v for v in values if v})
        found = []
        for chunk in chunks(values, LOOKUP_CHUNK):
            try:
                found += self.ctx.client.find("VENDOR", filters.in_(field, chunk), intacct_fields("VENDOR"))
            except MalformedValue:
                for value in chunk:
                    try:
                        found += self.ctx.client.find("VENDOR", filters.eq(field, value), intacct_fields("VENDOR"))
                    except MalformedValue as error:
                        self.unreadable[(field, value)] = str(error)
        # A malformed record is rejected (naming it and the field) and left out; the others go on.
        return self.convert_each(found, vendor_record, "VENDORID")

    @cached_property
    def unreadable(self) -> dict[tuple[str, str], str]:
        """(Intacct field, value) → why the lookup of that value could not be read."""
        return {}

    def unreadable_match(self, row: dict, vendor_ids: Iterable[str]) -> str | None:
        """Why ``row`` cannot be matched safely now: a lookup of one of its keys met an unreadable record."""
        for key in (*(("VENDORID", v) for v in vendor_ids), ("TAXID", row.get("tax_id")), ("NAME", row.get("name"))):
            if key in self.unreadable:
                return (f"Intacct answered an unreadable vendor record for {key[0]} {key[1]!r}, which may be this "
                        f"vendor ({self.unreadable[key]}); it is matched once the record is readable")
        return None

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

    # Journalled writes: what is particular to vendors ----------------------------------------------

    def lookup_created(self, intents: Sequence[dict]) -> dict[str, list[dict]]:
        found = {r["intacct_vendor_id"]: r for r in self.find_in_intacct("VENDORID", [i["intacct_key"] for i in intents])}
        return {i["write_key"]: [found[i["intacct_key"]]] for i in intents if i["intacct_key"] in found}

    def link_created(self, connection, row: dict, record: dict, intent: dict) -> None:
        bc = comparable(normalize_bc_vendor(row))
        sent = intent.get("record_version")
        if "name" in record:  # a record read from Intacct, not the create's own answer: compared in this run
            self.found[row["vendor_id"]] = record
        if "name" not in record or (sent is not None and sent == stamp(row.get("updated_at"))):
            # The create's own answer, or a BC record unchanged since the create: BC's values are what was
            # sent, the synced base; what Intacct holds otherwise now is Intacct's edit made since.
            self._link(connection, row, record, snapshot=bc)
            return
        # BC changed the record since an interrupted create, and Intacct may have too: only the fields both
        # sides still agree on are known to be synced; for the others the base is unknown, so both sides count
        # as changed and the policy settles them (logged) instead of one side silently overwriting the other
        # (even where BC cleared a value, which a missing base would take for "unchanged in BC").
        self._link(connection, row, record, snapshot={k: v if bc.get(k) == v else UNKNOWN_BASE
                                                      for k, v in comparable(record).items()})

    def compare_found(self) -> None:
        """The vendors linked from a lookup are compared with the record found, now: the run's own read of
        Intacct skips vendors it has settled (``handled``), and the next run's read may not reach back to an
        Intacct edit made between the create and the link (the look-back ends at the newest edit read)."""
        found, self.found = self.found, {}
        if found:
            self.diff_and_apply(found)

    def created_record(self, write, outcome) -> dict:
        return {"intacct_vendor_id": write.change.intacct_key, "intacct_record_no": outcome.record_no,
                "intacct_modified_at": None}

    def intacct_key_of(self, record: dict) -> str:
        return record["intacct_vendor_id"]

    def retry_refused_create(self, write, outcome) -> Create | None:
        """A VENDORID Intacct says is taken although no vendor this entity can see holds it (a vendor private
        to another entity): the vendor is created once more under the id qualified by the BC company."""
        bc_key = write.change.bc_key
        qualified = company_vendor_id(bc_key, self.ctx.company)
        if not isinstance(outcome.error, DuplicateRecord) or write.change.intacct_key == qualified:
            return None
        fields = {**write.request.fields, "VENDORID": qualified}
        change = self.plan.add(PlannedChange(
            self.object_name, "to_intacct", "create", bc_key, qualified, values=fields, version=write.change.version,
            reason=f"new BC vendor; VENDORID {write.change.intacct_key} is held by a vendor this entity cannot "
                   f"see, so it is created as {qualified}"))
        return Create(change, fields, qualified, request_key=f"vendor:{bc_key}:{qualified}")

    def holds_in_intacct(self, pushes: Sequence[Push]) -> set[str]:
        found = {r["intacct_vendor_id"]: comparable(r) for r in self.find_in_intacct(
            "VENDORID", [p.change.intacct_key for p in pushes])}
        return {p.change.bc_key for p in pushes if p.change.intacct_key in found and all(
            found[p.change.intacct_key].get(f) == p.link.snapshot.get(f) for f in p.change.details["fields"])}

    # New BC vendors -------------------------------------------------------------------------------

    def prepare_and_sync_new(self, vendor_ids: set[str]) -> None:
        """Only the new-vendor step, for these BC vendors (the bills sync sends a bill's vendor first)."""
        self.sync_new_bc_vendors(only=vendor_ids)

    def sync_new_bc_vendors(self, only: set[str] | None = None) -> None:
        """Link or create this company's BC vendors that have no Intacct vendor yet; with ``only``, act on those
        alone. Every decision is taken over all of them, whatever ``only`` says: whether two new vendors are
        twins, or claim one Intacct vendor, depends on the others, and a bill's vendor sent on its own must be
        refused exactly as the vendor sync refuses it."""
        ctx = self.ctx
        with ctx.warehouse.engine.connect() as connection:
            unlinked = [dict(r) for r in connection.execute(select(self.table).where(
                self.table.c.company_id == ctx.company, self.table.c.intacct_vendor_id.is_(None))).mappings()]
        acting = {row["vendor_id"] for row in unlinked if only is None or row["vendor_id"] in only}
        if not acting:
            return

        def add(change: PlannedChange) -> PlannedChange:
            # A decision about a vendor outside ``only`` is not this call's to plan or record.
            return self.plan.add(change) if change.bc_key in acting else change

        def mine(changes: list) -> list:
            return [c for c in changes if (c if isinstance(c, PlannedChange) else c.change).bc_key in acting]
        valid, rejected = [], []
        for row in unlinked:
            reasons = validate_vendor_for_intacct(row)
            if reasons:
                rejected.append(add(PlannedChange(
                    self.object_name, "to_intacct", "reject", row["vendor_id"], None, reason=" ".join(reasons))))
            else:
                valid.append(row)
        self.record_now(mine(rejected))
        self.handled.update(acting)
        if not valid:
            return
        versions = {row["vendor_id"]: stamp(row.get("updated_at")) for row in valid}
        kept = self.still_refused({row["vendor_id"]: row for row in valid}, versions)
        valid = [row for row in valid if row["vendor_id"] in kept]
        if not valid:
            return
        plain = {row["vendor_id"]: derive_vendor_id(row["vendor_id"]) for row in valid}
        qualified = {key: company_vendor_id(key, ctx.company) for key in plain}
        candidates = self.candidate_records(valid, list(plain.values()) + list(qualified.values()))
        if self.unreadable:  # never create (or link) a vendor whose twin in Intacct cannot be read
            blocked = {row["vendor_id"]: reason for row in valid if (reason := self.unreadable_match(
                row, [plain[row["vendor_id"]], qualified[row["vendor_id"]]]))}
            self.record_now(mine([add(PlannedChange(self.object_name, "to_intacct", "reject", key, None,
                                                    reason=reason)) for key, reason in blocked.items()]))
            valid = [row for row in valid if row["vendor_id"] not in blocked]
        with ctx.warehouse.engine.connect() as connection:
            mirror = {r["intacct_vendor_id"]: dict(r) for r in connection.execute(select(self.table).where(
                self.table.c.company_id == ctx.company, self.table.c.intacct_vendor_id.is_not(None))).mappings()}
        owner = {vendor_id: row["vendor_id"] for vendor_id, row in mirror.items()}
        index = VendorIndex(list(candidates.values()) + [r for k, r in mirror.items() if k not in candidates])
        # A mirror-only match is read from Intacct in full before anything is compared with it.
        ids = {key: [plain[key], qualified[key]] for key in plain}
        matches = {row["vendor_id"]: index.match(row, ids[row["vendor_id"]]) for row in valid}
        missing = {m.exact.vendor_id for m in matches.values() if m.exact is not None} - set(candidates)
        candidates.update({r["intacct_vendor_id"]: r for r in self.find_in_intacct("VENDORID", missing)})
        by_key = {row["vendor_id"]: row for row in valid}
        links, creates, review = self._decide(valid, matches, candidates, owner, plain, qualified, versions)
        creates, twins = self.refuse_twins(creates, by_key, add)
        if creates:
            # The others are judged against Intacct as it will be after this run's creates, as the next run
            # judges them: a vendor claimed by another, that also matches a vendor created now, is ambiguous
            # today, not one run later (the next run then logs the same decision).
            created = [{**by_key[c.change.bc_key], "intacct_vendor_id": c.change.intacct_key,
                        "intacct_record_no": None} for c in creates]
            # (candidates now hold the full records of the mirror-only matches, read above)
            after = VendorIndex(list(candidates.values())
                                + [r for k, r in mirror.items() if k not in candidates] + created)
            decided = {c.change.bc_key for c in creates} | {t.bc_key for t in twins}
            rest = [row for row in valid if row["vendor_id"] not in decided]
            # Adding vendors only adds candidates: no match of the others becomes "none" (kept as it was).
            rematched = {key: match if not (match := after.match(by_key[key], ids[key])).none else matches[key]
                         for key in (row["vendor_id"] for row in rest)}
            owner_after = {**owner, **{c.change.intacct_key: c.change.bc_key for c in creates}}
            links, _, review = self._decide(rest, rematched, candidates, owner_after, plain, qualified, versions)
        links = [(row, record, add(change)) for row, record, change in links]
        review = [add(change) for change in review]
        creates, twins, review = mine(creates), mine(twins), mine(review)
        links = [link for link in links if link[2].bc_key in acting]
        for create in creates:
            self.plan.add(create.change)
        self.record_now(review + twins)
        if self.dry_run:
            return
        if links:
            with ctx.warehouse.engine.begin() as connection:
                for row, record, change in links:
                    self._link(connection, row, record, snapshot={})
                    self.record(connection, [change])
            # First contact: fields that differ are settled by the diff (and the conflict policy).
            self.diff_and_apply({row["vendor_id"]: record for row, record, _ in links})
        self.create_in_intacct(creates, {row["vendor_id"]: row for row in valid if row["vendor_id"] in acting})

    def _decide(self, rows: list[dict], matches: dict, candidates: dict[str, dict], owner: dict[str, str],
                plain: dict[str, str], qualified: dict[str, str], versions: dict) -> tuple[list, list, list]:
        """Each new BC vendor's fate from its match: a link, a create or a review (none planned yet)."""
        claims: dict[str, list[str]] = {}  # Intacct vendor → the BC vendors of this run matching it
        for key, match in matches.items():
            if match.exact is not None:
                claims.setdefault(match.exact.vendor_id, []).append(key)
        links, creates, review = [], [], []
        for row in rows:
            bc_key = row["vendor_id"]
            match = matches[bc_key]
            if match.exact is not None:
                intacct_id = match.exact.vendor_id
                others = [k for k in claims[intacct_id] if k != bc_key]
                if intacct_id in owner and owner[intacct_id] != bc_key:
                    others.insert(0, owner[intacct_id])
                if others:
                    # Decided before any link is written: one Intacct vendor never gets two BC counterparts.
                    review.append(PlannedChange(
                        self.object_name, "to_intacct", "reject", bc_key, intacct_id,
                        reason=(f"Needs review: matches the Intacct vendor {match.exact.describe()}, which "
                                f"{'is already linked to' if intacct_id in owner else 'also matches'} BC vendor(s) "
                                f"{', '.join(others)}. Merge the BC vendors, make them distinct, or set "
                                "intacct_vendor_id on the right one."),
                        details={"candidates": [match.exact.describe()], "claimed_by": others}))
                elif intacct_id in candidates:
                    links.append((row, candidates[intacct_id], PlannedChange(
                        self.object_name, "to_intacct", "link", bc_key, intacct_id, reason=match.describe(),
                        details={"matched_on": list(match.exact.matched_on)})))
                else:  # matched a BC copy whose Intacct record is gone: look again next run
                    review.append(PlannedChange(
                        self.object_name, "to_intacct", "reject", bc_key, intacct_id,
                        reason=f"Needs review: {match.describe()}"))
            elif match.ambiguous:
                review.append(PlannedChange(
                    self.object_name, "to_intacct", "reject", bc_key, None, reason=match.describe(),
                    details={"candidates": [c.describe() for c in match.candidates]}))
            else:
                # The plain id unless another vendor (e.g. another BC company's) already holds it.
                taken = plain[bc_key] in candidates or plain[bc_key] in owner
                intacct_id = qualified[bc_key] if taken else plain[bc_key]
                fields = vendor_to_intacct({**row, "intacct_vendor_id": intacct_id})
                creates.append(Create(PlannedChange(
                    self.object_name, "to_intacct", "create", bc_key, intacct_id,
                    reason="new BC vendor; no matching vendor in Intacct", values=fields,
                    version=versions[bc_key]), fields, intacct_id))
        return links, creates, review

    def refuse_twins(self, creates: list[Create], rows: dict[str, dict],
                     add=None) -> tuple[list[Create], list[PlannedChange]]:
        """New BC vendors that would be created although they match each other (same tax id, or same name
        without differing tax ids) by the very rules that match a BC vendor to Intacct's: creating both would
        give Intacct two vendors for what may be one company. They need review, the others are created."""
        index = VendorIndex([{**rows[c.change.bc_key], "intacct_vendor_id": c.change.intacct_key} for c in creates])
        by_id = {c.change.intacct_key: c.change.bc_key for c in creates}
        kept, twins = [], []
        for create in creates:
            match = index.match({**rows[create.change.bc_key], "intacct_vendor_id": None}, vendor_ids=[])
            others = sorted(by_id[c.vendor_id] for c in match.candidates
                            if c.vendor_id != create.change.intacct_key and c.vendor_id in by_id)
            if not others:
                kept.append(create)
                continue
            twins.append((add or self.plan.add)(PlannedChange(
                self.object_name, "to_intacct", "reject", create.change.bc_key, None,
                reason=(f"Needs review: new BC vendor(s) {', '.join(others)} match this one "
                        f"({', '.join(sorted({r for c in match.candidates for r in c.matched_on}))}) and none is in "
                        "Intacct yet; creating them all would duplicate the vendor. Merge them, make them distinct, "
                        "or set intacct_vendor_id on one."),
                details={"candidates": others})))
        return kept, twins

    def _link(self, connection, row: dict, record: dict, *, snapshot: dict) -> None:
        connection.execute(update(self.table).where(
            self.table.c.company_id == self.ctx.company, self.table.c.vendor_id == row["vendor_id"]).values(
            intacct_vendor_id=record["intacct_vendor_id"]))
        self.ctx.state.save_links(connection, self.object_name, [Link(
            row["vendor_id"], record["intacct_vendor_id"], record.get("intacct_record_no"), snapshot,
            record.get("intacct_modified_at"))])

    # Intacct → BC ---------------------------------------------------------------------------------

    def apply_intacct_page(self, records: list[dict], cursor) -> None:
        ctx = self.ctx
        by_intacct = {r["intacct_vendor_id"]: r for r in records if r.get("intacct_vendor_id")}
        with ctx.warehouse.engine.connect() as connection:
            linked = {row["intacct_vendor_id"]: row for row in self.linked_rows(connection, list(by_intacct)).values()}
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

    def _import_rows(self, connection, imports: list[PlannedChange]) -> None:
        now = utc_now()
        self.written_at.add(now)
        columns = [c for c in self.spec.bc_columns(self.table) if c != "intacct_vendor_id"]
        rows = [{"company_id": self.ctx.company, "vendor_id": c.bc_key, "intacct_vendor_id": c.intacct_key,
                 **{name: c.values.get(name) for name in columns}, "updated_at": now} for c in imports]
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
            rows = self.bc_rows(connection, keys) if keys else {}
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
                problems = validate_vendor_for_intacct(row, intacct_fields_changed) if intacct_fields_changed else []
                if problems:  # Intacct's side still comes to BC; BC's side waits until the row is fixed
                    unreadable.append(self.plan.add(PlannedChange(
                        self.object_name, "to_intacct", "reject", key, intacct_key, reason=" ".join(problems))))
                elif intacct_fields_changed:
                    values = {f: row.get(f) for f in intacct_fields_changed}
                    change = self.plan.add(PlannedChange(
                        self.object_name, "to_intacct", _action(values), key, intacct_key,
                        reason=f"changed in BC: {', '.join(intacct_fields_changed)}",
                        values=values, details={"fields": intacct_fields_changed}))
                    intended = {**agreed, **{f: bc_after[f] for f in intacct_fields_changed}}
                    fields = vendor_to_intacct(row, fields=intacct_fields_changed)
                    self.to_push[key] = Push(
                        change, {"RECORDNO": record_no, **fields} if record_no is not None else fields,
                        base=snapshot_hash(base_values[key]),
                        intended=snapshot_hash({f: intended.get(f) for f in intacct_fields_changed}),
                        link=Link(key, intacct_key, record_no, intended, record.get("intacct_modified_at")))
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
        if (written := self.not_written_here(self.table.c.updated_at)) is not None:
            statement = statement.where(written)
        with ctx.warehouse.engine.connect() as connection:
            keys = (set(connection.execute(statement).scalars()) | retry) - self.handled
        differing: dict[str, dict] = {}
        for chunk in chunks(sorted(keys), self.ctx.warehouse.chunk_size):  # memory holds one chunk of rows
            with ctx.warehouse.engine.connect() as connection:
                rows = {k: r for k, r in self.bc_rows(connection, chunk).items() if r["intacct_vendor_id"]}
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
            reason=self.unreadable_match(r, [r["intacct_vendor_id"]]) or
            f"intacct_vendor_id {r['intacct_vendor_id']!r} does not exist in Intacct: correct it in BC "
            "or clear it to create the vendor")) for k, r in differing.items()
            if r["intacct_vendor_id"] not in records]
        self.record_now(missing)
        self.diff_and_apply({k: records[r["intacct_vendor_id"]] for k, r in differing.items()
                             if r["intacct_vendor_id"] in records})


def _action(values: dict) -> str:
    return "deactivate" if values.get("status") == "inactive" else "update"


def _frame(values: dict[str, dict]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(values, orient="index", columns=FIELDS, dtype=object)
