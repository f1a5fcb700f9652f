"""Random two-sided histories: people edit BC (SQL) and Intacct (the emulator's admin API), runs go
between them with faults and crashes, then the faults stop, two clean runs go, and the invariants are
checked; a third run must write nothing.

What a history may contain is an ``Alphabet``; what is checked is a set of invariant names. Both are
switchable so that one class of bad data (or one invariant) can be left out while its bug is open.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule
from model import INVARIANTS, Edit, Model, Pair, mark_delivered
from world import COMPANIES, CURRENCY, INTACCT_COMPANY, World, nested, norm, utc_now

from intacct.sync import CONFLICT_POLICIES, WRITE_POINTS


@dataclass(frozen=True)
class Alphabet:
    """Which kinds of step and which kinds of bad data a history may hold."""

    faults: bool = True               # 429, 5xx, 524, HTML, truncated XML, lost answers, expiries
    crashes: bool = True              # a run interrupted at one of the engine's write points
    sigkill: bool = False             # the same in a child process killed with SIGKILL
    deletes: bool = True              # records deleted in Intacct
    payments: bool = True             # bills paid (in full or in part) in Intacct
    bc_payments: bool = False         # BC marks a linked bill paid
    same_second: bool = True          # edits on both sides without time passing between them
    duplicate_names: bool = False     # names and tax ids drawn from a tiny pool (first contact matching)
    duplicate_bill_numbers: bool = False
    company_id_collisions: bool = False   # the same BC vendor id in both BC companies
    import_like_ids: bool = False     # BC's own ids that look like the sync's (ia-V1, ia-1)
    control_chars: bool = False       # NUL, \x01, \x0b, U+FFFE in BC text
    xml_meta: bool = False            # & < > " ]]> in text on both sides
    long_text: bool = False           # 300-character BC text
    malformed_money: bool = False     # '12,34', '1e400', 'abc' in a BC amount (SQLite keeps such text)
    reverts: bool = False             # a vendor field set back to a value it held before (b → a → b)
    malformed_intacct: bool = False   # Intacct answers 1e400, 12,34, NaN, a blank NAME (emulator raw values)
    malformed_intacct_keys: bool = False  # ... and a RECORDNO of 1e400, 12,5 or none at all

    @classmethod
    def clean(cls, **changes) -> Alphabet:
        base = cls(**{f.name: False for f in fields(cls)})
        return replace(base, **changes)

    def everything(self) -> Alphabet:
        return Alphabet(**{f.name: True for f in fields(Alphabet)})


ACCOUNTS = ("6500", "6000", "5000", "6200")
NAME_POOL = ("Acme LLC", "ACME LLC", "Acme  LLC.", "ACME Corp.")
TAX_POOL = ("11-1111111", "99-9999999")
BAD_CHARS = ("\x00", "\x01", "\x0b", "\ufffe")
XML_META = "R&D <Ops> \"Q\" 'a' ]]> &amp;"
MALFORMED = ("12,34", "1e400", "abc", "12.345", "NaN")
# What a broken Intacct answer may hold, per object: (field, text or None for a missing element).
MALFORMED_INTACCT = {
    "VENDOR": (("NAME", "   "),),
    "APBILL": (("TRX_TOTALENTERED", "1e400"), ("TRX_TOTALENTERED", "12,34"), ("TRX_TOTALDUE", "NaN")),
}
MALFORMED_KEYS = (("RECORDNO", None), ("RECORDNO", "12,5"), ("RECORDNO", "1e400"))


def _normal(name: str, value):
    """A value as ``Pair.value`` reads it (status without case, money as Decimal)."""
    value = norm(value)
    return value.casefold() if name == "status" and isinstance(value, str) else value


class SyncHistory(RuleBasedStateMachine):
    """Subclassed per test with ``alphabet``, ``checks`` and ``warehouses`` (a callable).

    The invariant names are ``checks``, not ``invariants``: hypothesis sets ``self.invariants`` (its own
    ``@invariant`` list, empty here) on every instance, which silently hid a class attribute of that name."""

    alphabet: Alphabet = Alphabet()
    checks: tuple[str, ...] = ()  # set by the test; ALL_CHECKS below
    warehouses = None  # set by the test: () -> an empty warehouse

    def __init__(self):
        super().__init__()
        self.world: World | None = None
        self.model = Model()
        self.counter = itertools.count(1)
        self.seen: dict[tuple, list] = {}  # (obj, side, company, key, field) -> values people set, in order

    # -- setup ------------------------------------------------------------------------------------

    @initialize(policy=st.sampled_from(CONFLICT_POLICIES), fault_seed=st.integers(0, 2**16),
                reconcile_daily=st.booleans())
    def setup(self, policy, fault_seed, reconcile_daily):
        # Deletes are reconciled every run, or once a day (then none within a history: the engine reads the
        # key list when reconcile_every has passed on the real clock, so a second would make it flaky).
        self.world = World(type(self).warehouses(), policy=policy, fault_seed=fault_seed,
                           reconcile_every=timedelta(days=1) if reconcile_daily else timedelta(microseconds=1))
        self.reconcile_daily = reconcile_daily

    def teardown(self):
        if self.world is None:
            return
        try:
            if not self.model.violations:
                self.finish()
            assert not self.model.violations, "\n".join([*self.model.violations, *self.run_log()])
        finally:
            self.world.close()

    def run_log(self, limit: int = 80) -> list[str]:
        """The run log's record outcomes, oldest first, to read a failure by (reasons never hold secrets)."""
        try:
            outcomes = sorted((o for o in self.world.outcomes() if o["object"] != "accounts"),
                              key=lambda o: o["outcome_id"])
        except Exception as unreadable:  # the failure itself may have broken the warehouse
            return [f"(run log unreadable: {unreadable})"]
        lines = ["run log (company run object direction bc_key/intacct_key action: reason):"]
        lines += [f"  {o['company_id']} {o['run_id'][:8]} {o['object']} {o['direction']} {o['bc_key']}/"
                  f"{o['intacct_key']} {o['action']}: {(o['reason'] or '')[:120]}" for o in outcomes[-limit:]]
        return lines

    # -- strategies of values -----------------------------------------------------------------------

    def text(self, data, plain: str, *, bc: bool) -> str | None:
        a = self.alphabet
        kinds = ["plain", "none"] + (["meta"] if a.xml_meta else []) + (["long"] if a.long_text and bc else []) + (
            ["control"] if a.control_chars and bc else [])
        kind = data.draw(st.sampled_from(kinds), label="text kind")
        if kind == "none":
            return None
        if kind == "meta":
            return f"{plain} {XML_META}"
        if kind == "long":
            return (plain + " ") * 40
        if kind == "control":
            # PostgreSQL text cannot hold NUL at all, so BC can never have one there: the others still can.
            chars = BAD_CHARS if self.world.sqlite else BAD_CHARS[1:]
            return plain + data.draw(st.sampled_from(chars), label="bad char") + "x"
        return plain

    def name(self, data) -> str:
        if self.alphabet.duplicate_names and data.draw(st.booleans(), label="pooled name"):
            return data.draw(st.sampled_from(NAME_POOL), label="name")
        return f"Vendor {next(self.counter)}"

    def tax_id(self, data) -> str | None:
        if self.alphabet.duplicate_names and data.draw(st.booleans(), label="pooled tax id"):
            return data.draw(st.sampled_from(TAX_POOL), label="tax id")
        return data.draw(st.sampled_from([None, f"{next(self.counter) % 89 + 10:02d}-{next(self.counter):07d}"]),
                         label="tax id")

    def bill_number(self, data) -> str:
        if self.alphabet.duplicate_bill_numbers and data.draw(st.booleans(), label="pooled number"):
            return data.draw(st.sampled_from(("INV-1", "INV-2")), label="bill number")
        return f"INV-{next(self.counter)}"

    def amount(self, data) -> Decimal:
        return Decimal(data.draw(st.integers(1, 500_000), label="cents")) / 100

    def stamp(self) -> tuple:
        return utc_now(), self.world.now()

    def before_bc(self, obj, company, key) -> Pair:
        """The BC record as it is before a person's edit (to tell a real change from a no-op)."""
        table, column = ("bc_vendors", "vendor_id") if obj == "vendors" else ("bc_bills", "bill_id")
        row = next((r for r in self.world.bc_rows(table, company) if r[column] == key), {})
        lines = [] if obj == "vendors" else sorted(
            (r for r in self.world.bc_rows("bc_bill_lines", company) if r["bill_id"] == key),
            key=lambda r: r["line_no"])
        return Pair(obj, company, key, row, None, lines)

    def before_intacct(self, obj, record_no) -> Pair:
        record = self.world.intacct_record("VENDOR" if obj == "vendors" else "APBILL", record_no)
        lines = self.world.bill_lines(record_no) if obj == "bills" else []
        return Pair(obj, "", "", {}, record, [], lines)

    def record_bc(self, obj, company, key, values: dict, before: Pair | None = None) -> None:
        """A person's edits of BC fields; a field set to the value it had is no edit (nothing to deliver)."""
        at, model_at = self.stamp()
        self.model.saved("bc", obj, ("bc", company, key), at, model_at)
        for name, value in values.items():
            if before is not None and before.value("bc", name) == _normal(name, value):
                continue
            self.model.edit(Edit("bc", obj, ("bc", company, key), name, norm(value), at, model_at))
            self.seen.setdefault((obj, "bc", company, key, name), []).append(value)

    def record_intacct(self, obj, record_no, values: dict, before: Pair | None = None) -> None:
        at, model_at = self.stamp()
        self.model.saved("intacct", obj, ("intacct", int(record_no)), at, model_at)
        for name, value in values.items():
            if before is not None and before.value("intacct", name) == _normal(name, value):
                continue
            if before is not None:
                self.model.overwritten_in_intacct(obj, record_no, name, before.value("intacct", name), at)
            self.model.edit(Edit("intacct", obj, ("intacct", int(record_no)), name, norm(value), at, model_at))
            self.seen.setdefault((obj, "intacct", "", str(record_no), name), []).append(value)

    # -- BC, as a person ----------------------------------------------------------------------------

    @rule(data=st.data(), company=st.sampled_from(sorted(COMPANIES)))
    def bc_create_vendor(self, data, company):
        kinds = ["own"] + (["collide"] if self.alphabet.company_id_collisions else []) + (
            ["import_like"] if self.alphabet.import_like_ids else [])
        kind = data.draw(st.sampled_from(kinds), label="id kind")
        vendor_id = {"own": f"bcv-{next(self.counter)}", "collide": data.draw(st.sampled_from(("V001", "V002")), label="id"),
                     "import_like": data.draw(st.sampled_from(("ia-V1", "ia-V2", "ia-1")), label="id")}[kind]
        if any(r["vendor_id"] == vendor_id for r in self.world.bc_rows("bc_vendors", company)):
            return
        values = {"name": self.name(data), "tax_id": self.tax_id(data),
                  "email": data.draw(st.sampled_from([None, f"ap{next(self.counter)}@bc.example.com"]), label="email"),
                  "city": self.text(data, "Seattle", bc=True), "status": "active"}
        self.world.bc_insert("bc_vendors", {"company_id": company, "vendor_id": vendor_id, **values,
                                            "updated_at": self.world.now()})
        self.model.bc_vendors.add((company, vendor_id))
        self.record_bc("vendors", company, vendor_id, {k: v for k, v in values.items() if v is not None})

    def bc_vendor(self, data, company, *, linked=None):
        rows = [r for r in self.world.bc_rows("bc_vendors", company)
                if linked is None or bool(r["intacct_vendor_id"]) == linked]
        if not rows:
            return None
        return data.draw(st.sampled_from(sorted(rows, key=lambda r: r["vendor_id"])), label="BC vendor")

    def vendor_edit(self, data, *, bc: bool) -> dict:
        field = data.draw(st.sampled_from(("name", "email", "phone", "city", "tax_id", "status")), label="field")
        if field == "name":
            value = self.name(data) if not bc or not self.alphabet.control_chars else self.text(
                data, f"Vendor {next(self.counter)}", bc=True) or f"Vendor {next(self.counter)}"
        elif field == "tax_id":
            value = self.tax_id(data)
        elif field == "status":
            value = data.draw(st.sampled_from(("active", "inactive")), label="status")
        elif field == "email":
            value = data.draw(st.sampled_from([None, f"ap{next(self.counter)}@x.example.com"]), label="email")
        else:
            value = self.text(data, f"{field} {next(self.counter)}", bc=bc)
        return {field: value}

    @rule(data=st.data(), company=st.sampled_from(sorted(COMPANIES)))
    def bc_edit_vendor(self, data, company):
        row = self.bc_vendor(data, company)
        if row is None:
            return
        values = self.vendor_edit(data, bc=True)
        before = self.before_bc("vendors", company, row["vendor_id"])
        self.world.bc_update("bc_vendors", {"company_id": company, "vendor_id": row["vendor_id"]},
                             {**values, "updated_at": self.world.now()})
        self.record_bc("vendors", company, row["vendor_id"], values, before)

    @rule(data=st.data(), company=st.sampled_from(sorted(COMPANIES)))
    def bc_create_bill(self, data, company):
        row = self.bc_vendor(data, company)
        if row is None:
            return
        kinds = ["own"] + (["import_like"] if self.alphabet.import_like_ids else [])
        kind = data.draw(st.sampled_from(kinds), label="id kind")
        bill_id = f"bcb-{next(self.counter)}" if kind == "own" else data.draw(
            st.sampled_from(("ia-1", "ia-2", "ia-3")), label="id")
        if any(r["bill_id"] == bill_id for r in self.world.bc_rows("bc_bills", company)):
            return
        amounts = [self.amount(data) for _ in range(data.draw(st.integers(1, 2), label="lines"))]
        status = data.draw(st.sampled_from(("ready_to_pay", "ready_to_pay", "draft")), label="status")
        header = {"bill_number": self.bill_number(data), "reference": f"REF-{next(self.counter)}",
                  "description": self.text(data, "Office supplies", bc=True), "due_date": date(2026, 12, 31)}
        memo = self.text(data, "line memo", bc=True)
        self.world.bc_insert("bc_bills", {
            "company_id": company, "bill_id": bill_id, "vendor_id": row["vendor_id"], **header,
            "bill_date": date(2026, 11, 2), "currency": CURRENCY[company], "total_amount": sum(amounts),
            "status": status, "updated_at": self.world.now()})
        for number, amount in enumerate(amounts, start=1):
            self.world.bc_insert("bc_bill_lines", {
                "company_id": company, "bill_id": bill_id, "line_no": number,
                "account_no": data.draw(st.sampled_from(ACCOUNTS), label="account"), "amount": amount,
                "memo": memo if number == 1 else None})
        self.model.bc_bills.add((company, bill_id))
        self.record_bc("bills", company, bill_id, {**header, "line1.amount": amounts[0], "line1.memo": memo,
                                                  "total_amount": sum(amounts)})

    @rule(data=st.data(), company=st.sampled_from(sorted(COMPANIES)))
    def bc_edit_bill(self, data, company):
        rows = sorted(self.world.bc_rows("bc_bills", company), key=lambda r: r["bill_id"])
        if not rows:
            return
        row = data.draw(st.sampled_from(rows), label="BC bill")
        field = data.draw(st.sampled_from(("description", "reference", "due_date", "line1.amount", "line1.memo")),
                          label="field")
        key = {"company_id": company, "bill_id": row["bill_id"]}
        before = self.before_bc("bills", company, row["bill_id"])
        if field == "line1.amount":
            lines = sorted((r for r in self.world.bc_rows("bc_bill_lines", company) if r["bill_id"] == row["bill_id"]),
                           key=lambda r: r["line_no"])
            if not lines:
                return
            amount = self.amount(data)
            total = amount + sum((line["amount"] for line in lines[1:]), Decimal("0.00"))
            self.world.bc_update("bc_bill_lines", {**key, "line_no": 1}, {"amount": amount})
            self.world.bc_update("bc_bills", key, {"total_amount": total, "updated_at": self.world.now()})
            self.record_bc("bills", company, row["bill_id"], {"line1.amount": amount, "total_amount": total}, before)
            return
        if field == "line1.memo":
            memo = self.text(data, f"memo {next(self.counter)}", bc=True)
            self.world.bc_update("bc_bill_lines", {**key, "line_no": 1}, {"memo": memo})
            self.world.bc_update("bc_bills", key, {"updated_at": self.world.now()})
            self.record_bc("bills", company, row["bill_id"], {"line1.memo": memo}, before)
            return
        value = date(2027, 1, data.draw(st.integers(1, 28), label="day")) if field == "due_date" else self.text(
            data, f"{field} {next(self.counter)}", bc=True)
        self.world.bc_update("bc_bills", key, {field: value, "updated_at": self.world.now()})
        self.record_bc("bills", company, row["bill_id"], {field: value}, before)

    @precondition(lambda self: self.alphabet.malformed_money and self.world is not None and self.world.sqlite)
    @rule(data=st.data(), company=st.sampled_from(sorted(COMPANIES)), raw=st.sampled_from(MALFORMED))
    def bc_malformed_money(self, data, company, raw):
        rows = sorted(self.world.bc_rows("bc_bills", company), key=lambda r: r["bill_id"])
        if not rows:
            return
        row = data.draw(st.sampled_from(rows), label="BC bill")
        self.world.bc_raw_money(company, row["bill_id"], raw)
        self.record_bc("bills", company, row["bill_id"], {"line1.amount": raw})

    @precondition(lambda self: self.alphabet.bc_payments)
    @rule(data=st.data(), company=st.sampled_from(sorted(COMPANIES)))
    def bc_pay_bill(self, data, company):
        rows = sorted((r for r in self.world.bc_rows("bc_bills", company) if r["intacct_record_no"] is not None),
                      key=lambda r: r["bill_id"])
        if not rows:
            return
        row = data.draw(st.sampled_from(rows), label="BC bill")
        self.world.bc_update("bc_bills", {"company_id": company, "bill_id": row["bill_id"]},
                             {"status": "paid", "updated_at": self.world.now()})
        self.record_bc("bills", company, row["bill_id"], {"status": "paid"})

    @precondition(lambda self: self.alphabet.reverts)
    @rule(data=st.data(), side=st.sampled_from(("bc", "intacct")))
    def revert_vendor_edit(self, data, side):
        """A vendor field set back to a value that side held before, e.g. BC re-applies its change after
        Intacct reverted it (b → a → b): the write must reach the other side again, not count as done."""
        choices = []
        for (obj, where, company, key, name), values in sorted(self.seen.items(), key=repr):
            if obj != "vendors" or where != side:
                continue
            before = self.before_bc(obj, company, key) if side == "bc" else self.before_intacct(obj, int(key))
            if (side == "bc" and not before.bc) or (side == "intacct" and before.intacct is None):
                continue
            now = before.value(side, name)
            older = [v for v in dict.fromkeys(map(norm, values)) if _normal(name, v) != now]
            choices += [(company, key, name, value, before) for value in older]
        if not choices:
            return
        company, key, name, value, before = data.draw(st.sampled_from(choices), label="revert")
        if side == "bc":
            self.world.bc_update("bc_vendors", {"company_id": company, "vendor_id": key},
                                 {name: value, "updated_at": self.world.now()})
            self.record_bc("vendors", company, key, {name: value}, before)
        else:
            self.intacct_vendor_update(data, before.intacct, {name: value})

    # -- Intacct, as a person in the UI ---------------------------------------------------------------

    @rule(data=st.data(), entity=st.sampled_from(("", "US01", "CA01")))
    def intacct_create_vendor(self, data, entity):
        name = self.name(data)
        if self.alphabet.xml_meta and data.draw(st.booleans(), label="meta name"):
            name = f"{name} {XML_META}"
        values = {"name": name, "tax_id": self.tax_id(data),
                  "email": data.draw(st.sampled_from([None, f"ap{next(self.counter)}@ia.example.com"]), label="email")}
        fields = {"VENDORID": f"V{next(self.counter)}", "NAME": values["name"], "TAXID": values["tax_id"] or "",
                  "DISPLAYCONTACT": {"EMAIL1": values["email"] or ""}}
        record = self.world.emulator.admin.ui_create(INTACCT_COMPANY, "VENDOR", fields, entity or None)
        self.model.ia_vendors.add(int(record["RECORDNO"]))
        self.record_intacct("vendors", record["RECORDNO"], {k: v for k, v in values.items() if v is not None})

    def ia_records(self, object_name, **equals):
        return sorted(self.world.intacct(object_name, **equals), key=lambda r: int(r["RECORDNO"]))

    @rule(data=st.data())
    def intacct_edit_vendor(self, data):
        records = self.ia_records("VENDOR")
        if not records:
            return
        record = data.draw(st.sampled_from(records), label="Intacct vendor")
        self.intacct_vendor_update(data, record, self.vendor_edit(data, bc=False))

    def intacct_vendor_update(self, data, record, values) -> bool:
        from world import VENDOR_FIELDS
        update = {}
        for name, value in values.items():
            part = nested(VENDOR_FIELDS[name], value or "")
            for head, sub in part.items():
                if isinstance(sub, dict) and isinstance(update.get(head), dict):
                    update[head].update(sub)
                else:
                    update[head] = sub
        before = self.before_intacct("vendors", record["RECORDNO"])
        try:
            self.world.emulator.admin.ui_update(INTACCT_COMPANY, "VENDOR", record["RECORDNO"], update)
        except Exception as refused:  # the UI refused it (e.g. a duplicate); nothing changed
            if type(refused).__name__ not in ("Rejected", "AdminError", "GatewayError"):
                raise
            return False
        self.record_intacct("vendors", record["RECORDNO"], values, before)
        return True

    @rule(data=st.data(), company=st.sampled_from(sorted(COMPANIES)))
    def conflicting_vendor_edit(self, data, company):
        """The same field of a linked vendor changed on both sides before the next run."""
        row = self.bc_vendor(data, company, linked=True)
        if row is None:
            return
        records = self.world.intacct("VENDOR", VENDORID=row["intacct_vendor_id"])
        if not records:
            return
        ours = self.vendor_edit(data, bc=True)
        field = next(iter(ours))
        theirs = self.vendor_edit(data, bc=False)
        while next(iter(theirs)) != field:
            theirs = {field: self.vendor_edit(data, bc=False).get(field, f"{field} {next(self.counter)}")}
        if field == "status":
            theirs = {field: "inactive" if ours[field] == "active" else "active"}
        before = self.before_bc("vendors", company, row["vendor_id"])
        self.world.bc_update("bc_vendors", {"company_id": company, "vendor_id": row["vendor_id"]},
                             {**ours, "updated_at": self.world.now()})
        self.record_bc("vendors", company, row["vendor_id"], ours, before)
        if data.draw(st.booleans(), label="time passes between") and self.alphabet.same_second:
            self.world.tick(3)
        self.intacct_vendor_update(data, records[0], theirs)

    @rule(data=st.data(), entity=st.sampled_from(("US01", "CA01")))
    def intacct_create_bill(self, data, entity):
        vendors = [v for v in self.ia_records("VENDOR") if v["STATUS"] == "active"
                   and v.get("MEGAENTITYID") in ("", None, entity)]
        if not vendors:
            return
        vendor = data.draw(st.sampled_from(vendors), label="Intacct vendor")
        amounts = [self.amount(data) for _ in range(data.draw(st.integers(1, 2), label="lines"))]
        description = f"Intacct bill {next(self.counter)}"
        if self.alphabet.xml_meta and data.draw(st.booleans(), label="meta"):
            description += " " + XML_META
        number = self.bill_number(data)
        record = self.world.emulator.admin.ui_create(INTACCT_COMPANY, "APBILL", {
            "VENDORID": vendor["VENDORID"], "WHENCREATED": "11/02/2026", "WHENDUE": "12/31/2026",
            "RECORDID": number, "DOCNUMBER": f"DOC-{next(self.counter)}", "DESCRIPTION": description,
            "APBILLITEMS": {"APBILLITEM": [{"ACCOUNTNO": data.draw(st.sampled_from(ACCOUNTS), label="account"),
                                            "TRX_AMOUNT": str(a), "LOCATIONID": entity, "ENTRYDESCRIPTION": "ia line"}
                                           for a in amounts]}}, entity)
        self.model.ia_bills.add(int(record["RECORDNO"]))
        self.record_intacct("bills", record["RECORDNO"], {
            "bill_number": number, "description": description, "line1.amount": amounts[0],
            "total_amount": sum(amounts)})

    def ia_bill(self, data, *, unpaid=True):
        bills = [b for b in self.ia_records("APBILL") if not unpaid or b["STATE"] not in ("Paid", "Partially Paid")]
        return data.draw(st.sampled_from(bills), label="Intacct bill") if bills else None

    @rule(data=st.data())
    def intacct_edit_bill(self, data):
        bill = self.ia_bill(data)
        if bill is None:
            return
        field = data.draw(st.sampled_from(("description", "reference", "due_date", "line1.amount")), label="field")
        if field == "line1.amount":
            lines = self.world.bill_lines(bill["RECORDNO"])
            amount = self.amount(data)
            items = [{"ACCOUNTNO": line["ACCOUNTNO"], "TRX_AMOUNT": str(amount if i == 0 else line["TRX_AMOUNT"]),
                      "LOCATIONID": line["LOCATIONID"], "ENTRYDESCRIPTION": line["ENTRYDESCRIPTION"],
                      "DEPARTMENTID": line["DEPARTMENTID"]} for i, line in enumerate(lines)]
            update = {"APBILLITEMS": {"APBILLITEM": items}}
            total = amount + sum((Decimal(line["TRX_AMOUNT"]) for line in lines[1:]), Decimal("0.00"))
            values = {"line1.amount": amount, "total_amount": total}
        elif field == "due_date":
            day = data.draw(st.integers(1, 28), label="day")
            update, values = {"WHENDUE": f"01/{day:02d}/2027"}, {"due_date": date(2027, 1, day)}
        else:
            value = f"{field} {next(self.counter)}"
            if self.alphabet.xml_meta and data.draw(st.booleans(), label="meta"):
                value += " " + XML_META
            update = {"DESCRIPTION" if field == "description" else "DOCNUMBER": value}
            values = {field: value}
        before = self.before_intacct("bills", bill["RECORDNO"])
        try:
            self.world.emulator.admin.ui_update(INTACCT_COMPANY, "APBILL", bill["RECORDNO"], update)
        except Exception as refused:
            if type(refused).__name__ not in ("Rejected", "AdminError", "GatewayError"):
                raise
            return
        self.record_intacct("bills", bill["RECORDNO"], values, before)

    @precondition(lambda self: self.alphabet.payments)
    @rule(data=st.data(), full=st.booleans())
    def intacct_pay_bill(self, data, full):
        bill = self.ia_bill(data)
        if bill is None or bill["STATE"] == "Draft":
            return
        self.world.emulator.admin.ui_update(INTACCT_COMPANY, "APBILL", bill["RECORDNO"],
                                            {"STATE": "Paid" if full else "Partially Paid"})

    @precondition(lambda self: self.alphabet.malformed_intacct)
    @rule(data=st.data(), obj=st.sampled_from(sorted(MALFORMED_INTACCT)))
    def intacct_malformed_value(self, data, obj):
        """Intacct starts answering a malformed value for one record (and the record changes, so the next
        run reads it): that record is rejected naming the field; nothing else is affected."""
        kind = "vendors" if obj == "VENDOR" else "bills"
        records = [r for r in self.ia_records(obj) if (kind, int(r["RECORDNO"])) not in self.model.garbled]
        if not records:
            return
        record = data.draw(st.sampled_from(records), label="Intacct record")
        values = MALFORMED_INTACCT[obj] + (MALFORMED_KEYS if self.alphabet.malformed_intacct_keys else ())
        field, text = data.draw(st.sampled_from(values), label="malformed")
        touch = {"NAME": record["NAME"]} if obj == "VENDOR" else {"DESCRIPTION": record["DESCRIPTION"] or "x"}
        try:
            self.world.emulator.admin.ui_update(INTACCT_COMPANY, obj, record["RECORDNO"], touch)
        except Exception as refused:  # a paid bill cannot change: leave it
            if type(refused).__name__ not in ("Rejected", "AdminError", "GatewayError"):
                raise
            return
        self.world.emulator.admin.set_raw_values(INTACCT_COMPANY, obj, record["RECORDNO"], {field: text})
        self.model.garbled[(kind, int(record["RECORDNO"]))] = (field, utc_now())

    @precondition(lambda self: self.alphabet.deletes)
    @rule(data=st.data(), obj=st.sampled_from(("VENDOR", "APBILL")))
    def intacct_delete(self, data, obj):
        records = self.ia_records(obj)
        if not records:
            return
        record = data.draw(st.sampled_from(records), label="Intacct record")
        try:
            self.world.emulator.admin.ui_delete(INTACCT_COMPANY, obj, record["RECORDNO"])
        except Exception as refused:  # referenced or paid: the UI refuses
            if type(refused).__name__ not in ("Rejected", "AdminError", "GatewayError"):
                raise
            return
        self.model.deleted.add(("vendors" if obj == "VENDOR" else "bills", int(record["RECORDNO"])))
        self.model.deleted_records.append(("vendors" if obj == "VENDOR" else "bills", record))

    @precondition(lambda self: self.alphabet.same_second)
    @rule(seconds=st.sampled_from((1, 3, 61)))
    def time_passes(self, seconds):
        self.world.tick(seconds)

    # -- runs -----------------------------------------------------------------------------------------

    @rule(data=st.data(), company=st.sampled_from(sorted(COMPANIES)))
    def run(self, data, company):
        a = self.alphabet
        kinds = ["clean", "clean"] + (["faults"] if a.faults else []) + (["crash"] if a.crashes else []) + (
            ["sigkill"] if a.sigkill else [])
        kind = data.draw(st.sampled_from(kinds), label="run kind")
        if kind == "sigkill":
            point = data.draw(st.sampled_from(WRITE_POINTS), label="kill point")
            self.world.run_killed(company, point, data.draw(st.integers(1, 3), label="nth"))
            return
        faults = crash = None
        if kind == "faults":
            named = data.draw(st.lists(st.sampled_from((
                "rate_limited", "http_502", "http_503", "http_524", "html_error", "truncated_xml", "lost_response",
                "lost_connection", "session_expiry", "result_set_expiry", "maintenance", "none")), min_size=1,
                max_size=6), label="next faults")
            faults = {"fail_next": named}
            if data.draw(st.booleans(), label="random faults too"):
                faults.update(http_error_rate=0.1, html_error_rate=0.05, truncated_xml_rate=0.05,
                              lost_response_rate=0.1)
            faults["expire"] = data.draw(st.booleans(), label="sessions expire first")
        elif kind == "crash":
            crash = (data.draw(st.sampled_from(WRITE_POINTS), label="crash point"),
                     data.draw(st.integers(1, 3), label="nth"))
        result = self.world.run(company, faults=faults, crash=crash)
        if not result.faulty:
            self.expect_clean(result)
        mark_delivered(self.world, self.model)

    def expect_clean(self, result) -> None:
        """A run with no fault and no crash never fails: bad data is a rejection, not an exception."""
        if result.error is not None:
            self.model.violations.append(f"a clean run of {result.company} raised "
                                         f"{type(result.error).__name__}: {result.error}")
        elif self.world.run_row(result.run_id)["status"] == "failed":
            row = self.world.run_row(result.run_id)
            self.model.violations.append(f"a clean run of {result.company} failed: {row['message']}")
        assert not self.model.violations, "\n".join(self.model.violations)

    # -- the end of a history -----------------------------------------------------------------------

    def finish(self) -> None:
        world = self.world
        world.emulator.admin.clear_faults()
        for _ in range(2):
            for company in sorted(COMPANIES):
                result = world.run(company)
                self.expect_clean(result)
                self.model.final_runs.append(result.run_id)
                mark_delivered(world, self.model)
        problems = []
        if not self.checks:
            raise AssertionError("a history without checks proves nothing: set SyncHistory.checks")
        for name in self.checks:
            if name in INVARIANTS:
                problems += [f"[{name}] {p}" for p in INVARIANTS[name](world, self.model)]
        if "quiet_third_run" in self.checks:
            problems += [f"[quiet_third_run] {p}" for p in self.quiet_third_run()]
        self.model.violations.extend(problems)

    def quiet_third_run(self) -> list[str]:
        """A third run writes nothing: no write call, no BC change, no outcome but the still-rejected."""
        world, problems = self.world, []
        before_calls, before_bc = world.write_calls(), world.bc_snapshot()
        rejected_before = {(o["company_id"], o["object"], o["bc_key"], o["intacct_key"])
                           for o in world.outcomes(self.model.final_runs[-2:]) if o["action"] == "rejected"}
        run_ids = []
        for company in sorted(COMPANIES):
            result = world.run(company)
            self.expect_clean(result)
            run_ids.append(result.run_id)
        if world.write_calls() != before_calls:
            problems.append(f"the third run made {world.write_calls() - before_calls} write call(s) to Intacct")
        after_bc = world.bc_snapshot()
        for table, rows in before_bc.items():
            if rows != after_bc[table]:
                problems.append(f"the third run changed {table}: "
                                f"{sorted(set(after_bc[table]) - set(rows))[:2]}")
        for outcome in world.outcomes(run_ids):
            key = (outcome["company_id"], outcome["object"], outcome["bc_key"], outcome["intacct_key"])
            # A still-rejected record may be logged again, with the conflict that its refused write settles
            # (BC wins a field whose new value Intacct cannot take): nothing is written either way.
            if outcome["action"] not in ("rejected", "conflict") or key not in rejected_before:
                problems.append(f"the third run recorded {outcome['action']} {outcome['object']} "
                                f"{outcome['bc_key']}/{outcome['intacct_key']}: {outcome['reason']}")
        return problems


ALL_CHECKS = (*INVARIANTS, "quiet_third_run")
