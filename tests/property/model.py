"""What people did, as the suite remembers it, and the invariants checked against both sides.

Each invariant is a function returning the violations it found (empty when it holds), so a test can
switch any of them on or off by name (``INVARIANTS``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from world import BILL_FIELDS, COMPANIES, LINE_FIELDS, VENDOR_FIELDS, World, norm, norm_money

CONFLICT_OR_REJECTION = ("conflict", "rejected")
BILL_STATUS_OF_STATE = {"paid": "paid", "partially paid": "partially_paid"}


@dataclass
class Edit:
    side: str            # "bc" or "intacct"
    obj: str             # "vendors" or "bills"
    ident: tuple         # ("bc", company, key) or ("intacct", recordno)
    field: str
    value: object
    at: datetime         # real time (compared with the run log's recorded_at)
    model_at: datetime   # the time the edit carries (BC's updated_at, Intacct's WHENMODIFIED)
    # where the edit's value has arrived, and when: ("intacct",) or ("bc", company) -> real time
    delivered: dict = field(default_factory=dict)

    @property
    def location(self) -> tuple:
        return ("intacct",) if self.side == "intacct" else ("bc", self.ident[1])

    def arrived(self, location: tuple, before: datetime) -> bool:
        """The value was held at ``location`` before ``before`` (its own side from the moment it was made)."""
        at = self.at if location == self.location else self.delivered.get(location)
        return at is not None and at <= before


@dataclass
class Model:
    bc_vendors: set = field(default_factory=set)      # (company, vendor_id) a person created in BC
    bc_bills: set = field(default_factory=set)        # (company, bill_id)
    ia_vendors: set = field(default_factory=set)      # RECORDNO a person created in Intacct
    ia_bills: set = field(default_factory=set)
    deleted: set = field(default_factory=set)         # ("vendors"|"bills", RECORDNO) a person deleted in Intacct
    deleted_records: list = field(default_factory=list)  # (obj, the record as it was): BC may keep its import
    garbled: dict = field(default_factory=dict)       # ("vendors"|"bills", RECORDNO) -> (field, since): Intacct
                                                      # answers a malformed value for that record
    last: dict = field(default_factory=dict)          # (side, obj, ident, field) -> Edit
    final_runs: list = field(default_factory=list)    # run ids of the two clean runs
    # (obj, RECORDNO, company, field) -> [(real time, value)]: what both sides held after each run
    agreed: dict = field(default_factory=dict)
    violations: list = field(default_factory=list)    # found while the history ran (exceptions)
    # (side, obj, ident) -> [(real time, model time)]: every save of the row or record by a person, a save
    # that changed nothing included (it still moves BC's updated_at and Intacct's WHENMODIFIED)
    saves: dict = field(default_factory=dict)
    # (obj, RECORDNO, [BC edits that set the value], real time): a person in Intacct replaced a value BC edits
    # had set, before a run linked the record (``overwritten_in_intacct``)
    overwrites: list = field(default_factory=list)

    def edit(self, edit: Edit) -> None:
        self.last[(edit.side, edit.obj, edit.ident, edit.field)] = edit

    def overwritten_in_intacct(self, obj: str, record_no, field_name: str, value, at: datetime) -> None:
        """A person in Intacct replaces ``value`` in record ``record_no``: the BC edit of that record's own BC
        row that set it had arrived in Intacct by then, even when no run saw both sides hold it (a run killed
        or interrupted right after its Intacct create links nothing). Several BC rows may have set the same
        value (every plain BC city is 'Seattle', pooled names are shared), and which row is the record's is
        known only once a run links them: the BC edits that set the value are kept with the record until a
        pair names its rows (``settle_overwrites``)."""
        if value is None:
            return
        setters = [e for e in self.last.values()
                   if e.side == "bc" and e.obj == obj and e.field == field_name and e.value == value and e.at <= at]
        if setters:
            self.overwrites.append((obj, int(record_no), setters, at))

    def settle_overwrites(self, pairs: list[Pair]) -> None:
        """The overwrites whose record is linked now: the one BC edit among them of a row linked to that
        record had arrived in Intacct when the person replaced its value. Two such edits (of two BC companies
        linked to a shared record) are credited to neither: either could be the one Intacct held."""
        waiting = []
        for obj, record_no, setters, at in self.overwrites:
            rows = {(p.company, p.bc_key) for p in pairs_of_record(pairs, obj, record_no)}
            if not rows:
                waiting.append((obj, record_no, setters, at))
                continue
            mine = [e for e in setters if e.ident[1:] in rows]
            if len(mine) == 1:
                mine[0].delivered.setdefault(("intacct",), at)
        self.overwrites = waiting

    def saved(self, side: str, obj: str, ident: tuple, at: datetime, model_at: datetime) -> None:
        self.saves.setdefault((side, obj, ident), []).append((at, model_at))

    def last_save(self, edit: Edit, before: datetime | None) -> datetime:
        """The time the edit's row or record carries when a run settles it (before ``before``): its newest save
        by a person, which may be a later save of another field or of the same value."""
        times = [model_at for at, model_at in self.saves.get((edit.side, edit.obj, edit.ident), [])
                 if before is None or at < before]
        return max([edit.model_at, *times])


# -- reading pairs ------------------------------------------------------------------------------------


@dataclass
class Pair:
    obj: str
    company: str
    bc_key: str
    bc: dict
    intacct: dict | None       # None: the BC row points at a record that does not exist (any more)
    lines_bc: list = field(default_factory=list)
    lines_ia: list = field(default_factory=list)

    @property
    def record_no(self):
        return None if self.intacct is None else int(self.intacct["RECORDNO"])

    def keys(self) -> set[str]:
        keys = {self.bc_key}
        if self.intacct is not None:
            keys |= {str(self.intacct["RECORDNO"]), self.intacct.get("VENDORID") or ""}
        if self.obj == "vendors" and self.bc.get("intacct_vendor_id"):
            keys.add(self.bc["intacct_vendor_id"])
        if self.obj == "bills" and self.bc.get("intacct_record_no") is not None:
            keys.add(str(self.bc["intacct_record_no"]))
        return keys - {""}

    def value(self, side: str, name: str):
        if name.startswith("line1."):
            column = name.split(".", 1)[1]
            lines = self.lines_bc if side == "bc" else self.lines_ia
            if not lines:
                return None
            raw = lines[0].get(column) if side == "bc" else lines[0].get(LINE_FIELDS[column])
            return norm_money(raw) if column == "amount" else norm(raw)
        if side == "bc":
            raw = self.bc.get(name)
        else:
            mapped = (VENDOR_FIELDS if self.obj == "vendors" else BILL_FIELDS).get(name)
            if self.intacct is None:
                return None
            if name == "status" and self.obj == "bills":
                state = (self.intacct.get("STATE") or "").casefold()
                return BILL_STATUS_OF_STATE.get(state, "unpaid")
            raw = self.intacct.get(mapped)
        if name in ("total_amount", "amount_due"):
            return norm_money(raw)
        value = norm(raw)
        if name == "status" and isinstance(value, str):
            value = value.casefold()
            if self.obj == "bills" and side == "bc" and value not in BILL_STATUS_OF_STATE.values():
                value = "unpaid"
        return value


def read_pairs(world: World) -> list[Pair]:
    vendors = world.intacct("VENDOR")
    pairs = []
    for company, entity in COMPANIES.items():
        # A company's VENDORID names the vendor its entity sees: once a person deleted that vendor, another
        # entity's create may take the freed id for a record private to it, which is not this row's counterpart.
        vendors_by_id = {}
        for record in vendors:
            if record.get("MEGAENTITYID") in ("", None, entity):
                vendors_by_id.setdefault(record["VENDORID"], record)
        for row in world.bc_rows("bc_vendors", company):
            if row.get("intacct_vendor_id"):
                pairs.append(Pair("vendors", company, row["vendor_id"], row,
                                  vendors_by_id.get(row["intacct_vendor_id"])))
        lines: dict = {}
        for line in world.bc_rows("bc_bill_lines", company):
            lines.setdefault(line["bill_id"], []).append(line)
        for row in world.bc_rows("bc_bills", company):
            if row.get("intacct_record_no") is not None:
                record = world.intacct_record("APBILL", row["intacct_record_no"])
                pairs.append(Pair("bills", company, row["bill_id"], row, record,
                                  sorted(lines.get(row["bill_id"], []), key=lambda r: r["line_no"]),
                                  world.bill_lines(row["intacct_record_no"]) if record else []))
    return pairs


def pairs_for(pairs: list[Pair], edit: Edit) -> list[Pair]:
    if edit.ident[0] == "bc":
        return [p for p in pairs if p.obj == edit.obj and (p.company, p.bc_key) == edit.ident[1:]]
    return [p for p in pairs if p.obj == edit.obj and p.record_no == edit.ident[1]]


def record_of(pairs: list[Pair], edit: Edit) -> int | None:
    """The Intacct record an edit belongs to (a BC edit: through its row's link)."""
    if edit.ident[0] == "intacct":
        return edit.ident[1]
    mine = [p.record_no for p in pairs_for(pairs, edit) if p.intacct is not None]
    return mine[0] if mine else None


def pairs_of_record(pairs: list[Pair], obj: str, record_no) -> list[Pair]:
    return [p for p in pairs if p.obj == obj and p.intacct is not None and p.record_no == record_no]


def mark_delivered(world: World, model: Model) -> None:
    """After a run: note where each edit's value now is on both sides of a pair of its Intacct record (in
    Intacct, and in that pair's BC company)."""
    pairs = read_pairs(world)
    model.settle_overwrites(pairs)
    now = datetime.now(tz=pairs[0].bc["updated_at"].tzinfo) if pairs else None
    for pair in pairs:
        if pair.intacct is None:
            continue
        names = [*VENDOR_FIELDS] if pair.obj == "vendors" else [*BILL_FIELDS, "status", "line1.amount", "line1.memo"]
        for name in names:
            value = pair.value("bc", name)
            if value == pair.value("intacct", name):
                model.agreed.setdefault((pair.obj, pair.record_no, pair.company, name), []).append((now, value))
    for edit in model.last.values():
        record_no = record_of(pairs, edit)
        if record_no is None:
            continue
        for pair in pairs_of_record(pairs, edit.obj, record_no):
            if pair.value("bc", edit.field) == edit.value == pair.value("intacct", edit.field):
                edit.delivered.setdefault(("intacct",), now)
                edit.delivered.setdefault(("bc", pair.company), now)


def _logged_after(outcomes: list[dict], pair: Pair, after: datetime) -> bool:
    keys = pair.keys()
    for outcome in outcomes:
        if outcome["object"] != pair.obj or outcome["action"] not in CONFLICT_OR_REJECTION:
            continue
        if outcome["recorded_at"] < after:
            continue
        if (outcome["company_id"] == pair.company and outcome["bc_key"] == pair.bc_key) or (
                outcome["intacct_key"] in keys and outcome["company_id"] == pair.company):
            return True
    return False


def _still_rejected(world: World, model: Model) -> set:
    """(company, object, key) rejected by the last clean run, or still in the retry queue (a write Intacct
    refused waits there, not sent again, until BC changes it): allowed to differ, with its reason."""
    held = set()
    for outcome in world.outcomes(model.final_runs[-2:]):
        if outcome["action"] == "rejected":
            for key in (outcome["bc_key"], outcome["intacct_key"]):
                if key:
                    held.add((outcome["company_id"], outcome["object"], str(key)))
    for row in world.bc_rows("intacct_rejections"):
        held.add((row["company_id"], row["object"], str(row["record_key"])))
    for obj, record_no in model.garbled:  # unreadable by design: checked by garbled_are_rejected
        held |= {(company, obj, str(record_no)) for company in COMPANIES}
    return held


def _rejected(pair: Pair, held: set) -> bool:
    return any((pair.company, pair.obj, key) in held for key in pair.keys())


# -- invariants ---------------------------------------------------------------------------------------


def no_two_counterparts(world: World, model: Model) -> list[str]:
    """Through links: one BC row per Intacct record per company, and every record the sync created is
    linked. By content: no side holds more records of a name, tax id or bill number than people made."""
    problems = []
    vendors = world.intacct("VENDOR")
    bills = world.intacct("APBILL")
    pairs = read_pairs(world)
    held = _still_rejected(world, model)
    linked = Counter((p.obj, p.company, p.record_no) for p in pairs if p.intacct is not None)
    for (obj, company, record_no), count in linked.items():
        if count > 1:
            problems.append(f"{obj}: Intacct record {record_no} has {count} BC counterparts in {company}")
    linked_any = {(p.obj, p.record_no) for p in pairs if p.intacct is not None}
    for obj, records in (("vendors", vendors), ("bills", bills)):
        for record in records:
            made = model.ia_vendors if obj == "vendors" else model.ia_bills
            if int(record["RECORDNO"]) not in made and (obj, int(record["RECORDNO"])) not in linked_any and (
                    obj, int(record["RECORDNO"])) not in model.garbled:
                problems.append(f"{obj}: Intacct record {record['RECORDNO']} created by the sync "
                                f"({record.get('VENDORID')}/{record.get('RECORDID')}) has no BC counterpart")

    def visible(record, entity) -> bool:
        return record.get("MEGAENTITYID") in ("", None, entity)

    def person_bc(table, company, column, value, mine):
        return sum(1 for row in world.bc_rows(table, company)
                   if (company, row[mine]) in (model.bc_vendors if table == "bc_vendors" else model.bc_bills)
                   and norm(row[column]) == value)

    def person_intacct(obj, records, name, value, entity=None):
        """A person's Intacct records holding ``value``; on a BC company's side (``entity``) also those a person
        deleted (the company keeps their imports, inactive or void)."""
        made = model.ia_vendors if obj == "vendors" else model.ia_bills
        count = sum(1 for r in records if int(r["RECORDNO"]) in made and norm(r[name]) == value
                    and (entity is None or visible(r, entity)))
        if entity is not None:
            count += sum(1 for o, r in model.deleted_records if o == obj and int(r["RECORDNO"]) in made
                         and norm(r.get(name)) == value and visible(r, entity))
        return count

    def held_apart(obj, column, name, value, *, bc_side: bool, company=None):
        """Linked pairs still rejected (the two sides may differ until BC fixes its row) whose side being
        counted holds ``value`` while the other does not: that value is one a person gave the record."""
        count = 0
        for p in pairs:
            if p.obj != obj or (company and p.company != company):
                continue
            if p.intacct is None:
                # Linked to a record people deleted in Intacct: the row (and the value BC gave it since) is
                # no copy the sync made of anything.
                count += bc_side and norm(p.bc.get(column)) == value
                continue
            if not _rejected(p, held):
                continue
            bc_value, intacct_value = norm(p.bc.get(column)), norm(p.intacct.get(name))
            mine, other = (bc_value, intacct_value) if bc_side else (intacct_value, bc_value)
            count += mine == value and other != value
        return count

    for column, intacct_name in (("name", "NAME"), ("tax_id", "TAXID")):
        counts = Counter(norm(r[intacct_name]) for r in vendors)
        for value, count in counts.items():
            if value is None:
                continue
            allowed = person_intacct("vendors", vendors, intacct_name, value) + sum(
                person_bc("bc_vendors", c, column, value, "vendor_id") for c in COMPANIES) + held_apart(
                "vendors", column, intacct_name, value, bc_side=False)
            if count > allowed:
                problems.append(f"vendors: Intacct holds {count} vendors with the same {column}, people made {allowed}")
        for company, entity in COMPANIES.items():
            rows = world.bc_rows("bc_vendors", company)
            for value, count in Counter(norm(r[column]) for r in rows).items():
                if value is None:
                    continue
                allowed = person_bc("bc_vendors", company, column, value, "vendor_id") + person_intacct(
                    "vendors", vendors, intacct_name, value, entity) + held_apart(
                    "vendors", column, intacct_name, value, bc_side=True, company=company)
                if count > allowed:
                    problems.append(f"vendors: {company} holds {count} vendors with the same {column}, "
                                    f"people made {allowed}")
    counts = Counter(norm(r["RECORDID"]) for r in bills)
    for value, count in counts.items():
        allowed = person_intacct("bills", bills, "RECORDID", value) + sum(
            person_bc("bc_bills", c, "bill_number", value, "bill_id") for c in COMPANIES) + held_apart(
            "bills", "bill_number", "RECORDID", value, bc_side=False)
        if value is not None and count > allowed:
            problems.append(f"bills: Intacct holds {count} bills numbered {value!r}, people made {allowed}")
    for company, entity in COMPANIES.items():
        for value, count in Counter(norm(r["bill_number"]) for r in world.bc_rows("bc_bills", company)).items():
            allowed = person_bc("bc_bills", company, "bill_number", value, "bill_id") + sum(
                1 for r in bills if int(r["RECORDNO"]) in model.ia_bills and norm(r["RECORDID"]) == value
                and r.get("MEGAENTITYID") == entity) + sum(
                1 for o, r in model.deleted_records if o == "bills" and int(r["RECORDNO"]) in model.ia_bills
                and norm(r.get("RECORDID")) == value and r.get("MEGAENTITYID") == entity) + held_apart(
                "bills", "bill_number", "RECORDID", value, bc_side=True, company=company)
            if value is not None and count > allowed:
                problems.append(f"bills: {company} holds {count} bills numbered {value!r}, people made {allowed}")
    return problems


def everything_reached_the_other_side(world: World, model: Model) -> list[str]:
    """Every record a person made is linked on the other side (or rejected, with a reason)."""
    problems, held = [], _still_rejected(world, model)
    for company, key in sorted(model.bc_vendors):
        rows = [r for r in world.bc_rows("bc_vendors", company) if r["vendor_id"] == key]
        if rows and not rows[0]["intacct_vendor_id"] and (company, "vendors", key) not in held:
            problems.append(f"vendors: BC vendor {company}/{key} never reached Intacct and is not rejected")
    for company, key in sorted(model.bc_bills):
        rows = [r for r in world.bc_rows("bc_bills", company) if r["bill_id"] == key]
        if rows and rows[0]["status"] == "ready_to_pay" and rows[0]["intacct_record_no"] is None and (
                company, "bills", key) not in held:
            problems.append(f"bills: BC bill {company}/{key} (ready to pay) never reached Intacct and is not rejected")
    pairs = read_pairs(world)
    for record_no in sorted(model.ia_vendors):
        record = world.intacct("VENDOR", RECORDNO=str(record_no))
        if not record:
            continue
        for company, entity in COMPANIES.items():
            if record[0].get("MEGAENTITYID") not in ("", None, entity):
                continue
            mine = [p for p in pairs if p.obj == "vendors" and p.company == company and p.record_no == record_no]
            if not mine and (company, "vendors", record[0]["VENDORID"]) not in held and (
                    company, "vendors", str(record_no)) not in held:
                problems.append(f"vendors: Intacct vendor {record[0]['VENDORID']} never reached {company}")
    for record_no in sorted(model.ia_bills):
        record = world.intacct_record("APBILL", record_no)
        if record is None:
            continue
        company = next(c for c, e in COMPANIES.items() if e == record.get("MEGAENTITYID"))
        mine = [p for p in pairs if p.obj == "bills" and p.company == company and p.record_no == record_no]
        if not mine and (company, "bills", str(record_no)) not in held:
            problems.append(f"bills: Intacct bill {record_no} never reached {company}")
    return problems


def deletes_reach_bc(world: World, model: Model) -> list[str]:
    """A BC row whose Intacct record was deleted is inactive (vendor) or void (bill), when deletes are
    reconciled every run (the daily interval promises them within a day, longer than a history)."""
    problems = []
    if world.reconcile_every >= timedelta(hours=1):
        return problems
    # While Intacct answers some record of an object with an unreadable key, that object's key
    # reconciliation waits (finding 5: a key list with a hole could void a live record), so its deletes wait.
    waiting = {obj for (obj, _), (name, _) in model.garbled.items() if name == "RECORDNO"}
    for pair in read_pairs(world):
        if pair.intacct is not None or pair.obj in waiting:
            continue
        status = (pair.bc.get("status") or "").casefold()
        wanted = "inactive" if pair.obj == "vendors" else "void"
        if status != wanted:
            problems.append(f"{pair.obj}: {pair.company}/{pair.bc_key} points at a deleted Intacct record but "
                            f"is {status!r}, not {wanted!r}")
    return problems


def pairs_agree(world: World, model: Model) -> list[str]:
    """Every linked pair agrees on every synced field (a still-rejected record excepted)."""
    problems, held = [], _still_rejected(world, model)
    for pair in read_pairs(world):
        if pair.intacct is None or _rejected(pair, held):
            continue
        names = list(VENDOR_FIELDS) if pair.obj == "vendors" else [
            *BILL_FIELDS, "status", "amount_due", "line1.amount", "line1.memo"]
        for name in names:
            if name == "amount_due":
                bc, ia = norm_money(pair.bc.get("amount_due")), norm_money(pair.intacct.get("TRX_TOTALDUE"))
            elif name == "status" and pair.obj == "bills":
                ia = pair.value("intacct", name)
                bc = pair.value("bc", name)
                if ia == "unpaid" and bc == "unpaid":
                    continue
            else:
                bc, ia = pair.value("bc", name), pair.value("intacct", name)
            if name == "name" and bc != ia and pair.obj == "vendors":
                pass
            if bc != ia:
                problems.append(f"{pair.obj} {pair.company}/{pair.bc_key} ↔ {pair.record_no}: {name} is "
                                f"{_show(bc)} in BC but {_show(ia)} in Intacct")
        if pair.obj == "bills":
            if len(pair.lines_bc) != len(pair.lines_ia):
                problems.append(f"bills {pair.company}/{pair.bc_key}: {len(pair.lines_bc)} lines in BC, "
                                f"{len(pair.lines_ia)} in Intacct")
    return problems


def money_to_the_cent(world: World, model: Model) -> list[str]:
    problems, held = [], _still_rejected(world, model)
    for pair in read_pairs(world):
        if pair.obj != "bills" or pair.intacct is None or _rejected(pair, held):
            continue
        amounts_bc = [norm_money(line["amount"]) for line in pair.lines_bc]
        amounts_ia = [norm_money(line["TRX_AMOUNT"]) for line in pair.lines_ia]
        total_bc = norm_money(pair.bc["total_amount"])
        if amounts_bc != amounts_ia:
            problems.append(f"bills {pair.company}/{pair.bc_key}: line amounts {amounts_bc} in BC, {amounts_ia} in "
                            "Intacct")
        if all(isinstance(a, Decimal) for a in amounts_bc) and total_bc != sum(amounts_bc, Decimal("0.00")):
            problems.append(f"bills {pair.company}/{pair.bc_key}: BC total {total_bc} is not the sum of its lines")
        for amount in [total_bc, *amounts_bc]:
            if isinstance(amount, Decimal) and amount != amount.quantize(Decimal("0.01")):
                problems.append(f"bills {pair.company}/{pair.bc_key}: {amount} is not whole cents")
    return problems


def edits_arrive_or_are_logged(world: World, model: Model) -> list[str]:
    """Each side's last edit of a field is on both sides, or was superseded by a later edit of the same record
    made elsewhere (the other side, or another BC company linked to it) after it had arrived there, or the
    run log holds a conflict or rejection of that record recorded after it."""
    problems = []
    pairs = read_pairs(world)
    outcomes = world.outcomes()
    for edit in model.last.values():
        if edit.ident[0] == "intacct" and (edit.obj, edit.ident[1]) in model.deleted:
            continue
        record_no = record_of(pairs, edit)
        if (edit.obj, record_no) in model.garbled:
            continue
        related = pairs_of_record(pairs, edit.obj, record_no) if record_no is not None else []
        for pair in pairs_for(pairs, edit):
            if pair.intacct is None:  # deleted in Intacct: checked by deletes_reach_bc
                continue
            if pair.value("bc", edit.field) == edit.value == pair.value("intacct", edit.field):
                continue
            if _restores_agreed(model, edit, pair):
                continue
            superseded = any(
                later is not edit and later.obj == edit.obj and later.field == edit.field
                and later.location != edit.location and later.model_at >= edit.model_at
                and record_of(pairs, later) == record_no and edit.arrived(later.location, later.at)
                for later in model.last.values())
            if superseded:
                continue
            if any(_logged_after(outcomes, other, edit.at) for other in related or [pair]):
                continue
            problems.append(f"{edit.obj}: the {edit.side} edit of {edit.field} to {_show(edit.value)} on "
                            f"{pair.company}/{pair.bc_key} ↔ {pair.record_no} is lost: BC has "
                            f"{_show(pair.value('bc', edit.field))}, Intacct {_show(pair.value('intacct', edit.field))}, "
                            "and no conflict or rejection was logged after it")
    return problems


def _restores_agreed(model: Model, edit: Edit, pair: Pair) -> bool:
    """The edit set the field back to what both sides agreed on at the last run before it (a change undone
    before any run saw it): a state-based sync sees no change on that side, so the other side's later edit
    rightly wins without a conflict. An Intacct record is one for every BC company linked to it: an Intacct
    edit restoring what any of them last agreed on is invisible to that company's sync, whose BC edit then
    rightly reaches Intacct, and from there the other companies (a company linked only later included)."""
    companies = {pair.company} if edit.side == "bc" else {
        company for (obj, record_no, company, name) in model.agreed
        if (obj, record_no, name) == (pair.obj, pair.record_no, edit.field)}
    for company in companies:
        history = model.agreed.get((pair.obj, pair.record_no, company, edit.field), [])
        before = [value for at, value in history if at <= edit.at]
        if before and before[-1] == edit.value:
            return True
    return False


def conflicts_follow_the_policy(world: World, model: Model) -> list[str]:
    """Two concurrent edits of one field: the policy's winner is what both sides hold."""
    problems, held = [], _still_rejected(world, model)
    pairs = read_pairs(world)
    for edit in model.last.values():
        if edit.side != "bc":
            continue
        for pair in pairs_for(pairs, edit):
            if pair.intacct is None or _rejected(pair, held):
                continue
            theirs = model.last.get(("intacct", edit.obj, ("intacct", pair.record_no), edit.field))
            if theirs is None or theirs.value == edit.value:
                continue
            concurrent = not edit.arrived(("intacct",), theirs.at) and not theirs.arrived(edit.location, edit.at)
            if _restores_agreed(model, edit, pair) or _restores_agreed(model, theirs, pair):
                # One side set the field back to what both held at the last run (a change undone before any
                # run saw it): that side shows no change, so the other side's edit is the only one, and it
                # rightly wins whatever the policy (finding 12 was this check missing it).
                continue
            if any(other.side == "bc" and other.obj == edit.obj and other.field == edit.field
                   and other.location != edit.location and record_of(pairs, other) == pair.record_no
                   for other in model.last.values()):
                # Another BC company edited the same field of this shared record too: each company's run
                # settles its own conflict with Intacct in turn, so the later run's winner is what all hold
                # (README: a vendor shared by two BC companies).
                continue
            final = pair.value("bc", edit.field)
            if not concurrent or final != pair.value("intacct", edit.field):
                continue
            if world.policy == "intacct_wins":
                wanted = theirs.value
            elif world.policy == "bc_wins":
                wanted = edit.value
            else:
                # newest_wins compares the row's and the record's times (BC's updated_at, Intacct's
                # WHENMODIFIED: neither side keeps a time per field), as they are when a run settles the
                # conflict: a later save of the row (of the same value again, or of another field) counts.
                settled = [t for t in (edit.delivered.get(("intacct",)), theirs.delivered.get(edit.location)) if t]
                settle = min(settled) if settled else None
                bc_at, intacct_at = model.last_save(edit, settle), model.last_save(theirs, settle)
                if abs(bc_at - intacct_at) < timedelta(seconds=2):
                    continue  # the tie rule within one second is the engine's documented choice
                wanted = edit.value if bc_at > intacct_at else theirs.value
            if final != wanted:
                problems.append(f"{edit.obj} {pair.company}/{pair.bc_key}: BC set {edit.field} to {_show(edit.value)}, "
                                f"Intacct to {_show(theirs.value)}; {world.policy} should keep {_show(wanted)} but "
                                f"both hold {_show(final)}")
    return problems


def garbled_are_rejected(world: World, model: Model) -> list[str]:
    """A record Intacct answers malformed is rejected (naming the field and the record) by a run of every BC
    company that sees it, after the value went bad; it never fails a run (checked after every clean run)."""
    problems = []
    outcomes = world.outcomes()
    for (obj, record_no), (field_name, since) in sorted(model.garbled.items()):
        record = world.intacct_record("VENDOR" if obj == "vendors" else "APBILL", record_no)
        if record is None or (obj, record_no) in model.deleted:
            continue
        names = {str(record_no), record.get("VENDORID") or "", record.get("RECORDID") or ""} - {""}
        entity = record.get("MEGAENTITYID") or ""
        for company, company_entity in COMPANIES.items():
            if entity not in ("", company_entity):
                continue
            if obj == "bills" and entity != company_entity:
                continue
            seen = [o for o in outcomes if o["company_id"] == company and o["object"] == obj
                    and o["action"] == "rejected" and o["recorded_at"] >= since
                    and field_name in (o["reason"] or "")
                    and (str(o["intacct_key"]) in names or any(n in (o["reason"] or "") for n in names))]
            if not seen:
                problems.append(f"{obj}: Intacct answers {field_name} of record {record_no} malformed, but no run "
                                f"of {company} rejected it naming the field")
    return problems


def _show(value) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "...'"


INVARIANTS = {
    "no_two_counterparts": no_two_counterparts,
    "everything_reached": everything_reached_the_other_side,
    "deletes_reach_bc": deletes_reach_bc,
    "pairs_agree": pairs_agree,
    "money_to_the_cent": money_to_the_cent,
    "edits_arrive_or_are_logged": edits_arrive_or_are_logged,
    "conflicts_follow_the_policy": conflicts_follow_the_policy,
    "garbled_are_rejected": garbled_are_rejected,
}
