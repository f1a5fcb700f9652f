"""A value BC clears is cleared in Intacct too, for every field the sync writes and BC may leave empty.

Found by the property suite (RELIABILITY.md, finding 7): a BC bill's reference set to nothing was sent as
an update without DOCNUMBER, so Intacct kept the old value and the next run copied it back into BC, with
no conflict logged. The tests walk the field catalogue, so a field added later is covered without a
new test.
"""

from __future__ import annotations

from datetime import date

import pytest
from sync_testkit import COMPANY, bc_update, linked_vendor, one, outcomes, rows

from intacct.sync import RunOptions
from intacct.sync.mapping import BILL_FIELDS, BILL_LINE_FIELDS, VENDOR_FIELDS

pytestmark = pytest.mark.integration


def clearable(warehouse, table: str, fields) -> list[str]:
    """Synced, written fields whose BC column may hold nothing (the contract's nullable columns)."""
    columns = warehouse.tables[table].c
    return [f.bc for f in fields if f.synced and f.write_path and columns[f.bc].nullable]


def a_value(field: str):
    """A value Intacct accepts for the field, different from what the demo data holds."""
    return {"due_date": date(2027, 1, 15), "currency": "CAD", "payment_terms": "Net 15",
            "email": "cleared@example.com", "state": "WA", "country": "United States"}.get(field, "Set in BC")


def test_the_catalogue_has_clearable_fields_of_every_written_object(warehouse):
    # Guards the parametrisation below: an empty list would make those tests vacuous.
    assert clearable(warehouse, "bc_vendors", VENDOR_FIELDS)
    assert "reference" in clearable(warehouse, "bc_bills", BILL_FIELDS)
    assert "memo" in clearable(warehouse, "bc_bill_lines", BILL_LINE_FIELDS)


@pytest.fixture
def synced(make_engine):
    def build(warehouse):
        engine = make_engine(warehouse)
        engine.run("scheduled")
        return engine
    return build


def open_bill(warehouse) -> dict:
    return sorted((b for b in rows(warehouse, "bc_bills", company_id=COMPANY, status="ready_to_pay")
                   if b["intacct_record_no"] is not None), key=lambda b: b["bill_id"])[0]


def _set_then_clear(warehouse, engine, emulator, objects, table, where, field, read_intacct):
    """BC sets the field (it reaches Intacct), then BC clears it: Intacct is cleared, BC stays cleared, and
    the run after writes nothing."""
    options = RunOptions(objects=objects)
    bc_update(warehouse, table, where, **{field: a_value(field)})
    if table == "bc_bill_lines":
        bc_update(warehouse, "bc_bills", {"bill_id": where["bill_id"]})  # a BC line edit touches its bill
    engine.run("scheduled", options)
    assert read_intacct() not in ("", None), f"{field}: the value BC set never reached Intacct"
    bc_update(warehouse, table, where, **{field: None})
    if table == "bc_bill_lines":
        bc_update(warehouse, "bc_bills", {"bill_id": where["bill_id"]})
    cleared = engine.run("scheduled", options)
    key = where.get("bill_id", where.get("vendor_id"))
    if field in REQUIRED:  # Intacct refuses the update, naming the field; BC keeps what the person set
        [refused] = [o for o in outcomes(warehouse, cleared.run_id) if o["bc_key"] == key]
        assert refused["action"] == "rejected" and REQUIRED[field] in refused["reason"], refused
        assert one(warehouse, table, **where)[field] is None
        return
    engine.run("scheduled", options)
    now_in_intacct, now_in_bc = read_intacct() or None, one(warehouse, table, **where)[field]
    # Cleared in Intacct, or filled there with what Intacct puts in an empty field (a bill's terms come
    # from its vendor; a line's location is the entity's): never the old value BC cleared.
    assert str(now_in_intacct) != text(a_value(field)), f"{field}: BC cleared it, Intacct kept {now_in_intacct!r}"
    assert now_in_bc is None or text(now_in_bc) == now_in_intacct, (
        f"{field}: BC holds {now_in_bc!r}, Intacct {now_in_intacct!r}")
    quiet = engine.run("scheduled", options)
    assert [o for o in outcomes(warehouse, quiet.run_id) if o["bc_key"] == key] == [], \
        f"{field}: the run after the clear still writes"


def text(value) -> str:
    return value.strftime("%m/%d/%Y") if isinstance(value, date) else str(value)


# Fields a posted Intacct bill cannot be without: clearing them in BC is refused by Intacct, with its reason.
REQUIRED = {"due_date": "WHENDUE"}


def test_every_clearable_vendor_field(warehouse, synced, emulator):
    engine = synced(warehouse)
    vendor, _ = linked_vendor(warehouse, emulator)
    by_column = {f.bc: f for f in VENDOR_FIELDS}
    for field in clearable(warehouse, "bc_vendors", VENDOR_FIELDS):
        name = by_column[field].intacct
        _set_then_clear(warehouse, engine, emulator, ("vendors",), "bc_vendors",
                        {"company_id": COMPANY, "vendor_id": vendor["vendor_id"]}, field,
                        lambda name=name: emulator.admin.find_records(
                            "DEMO", "VENDOR", VENDORID=vendor["intacct_vendor_id"])[0][name])


def test_every_clearable_bill_header_field(warehouse, synced, emulator):
    engine = synced(warehouse)
    bill = open_bill(warehouse)
    by_column = {f.bc: f for f in BILL_FIELDS}
    for field in clearable(warehouse, "bc_bills", BILL_FIELDS):
        name = by_column[field].intacct
        _set_then_clear(warehouse, engine, emulator, ("bills",), "bc_bills",
                        {"company_id": COMPANY, "bill_id": bill["bill_id"]}, field,
                        lambda name=name: emulator.admin.get_record("DEMO", "APBILL", bill["intacct_record_no"])[name])


def test_every_clearable_bill_line_field(warehouse, synced, emulator):
    engine = synced(warehouse)
    bill = open_bill(warehouse)
    by_column = {f.bc: f for f in BILL_LINE_FIELDS}

    def first_line(name):
        items = emulator.admin.find_records("DEMO", "APBILLITEM", RECORDKEY=str(bill["intacct_record_no"]))
        return min(items, key=lambda item: int(item["LINE_NO"]))[name]

    for field in clearable(warehouse, "bc_bill_lines", BILL_LINE_FIELDS):
        name = by_column[field].intacct
        _set_then_clear(warehouse, engine, emulator, ("bills",), "bc_bill_lines",
                        {"company_id": COMPANY, "bill_id": bill["bill_id"], "line_no": 1}, field,
                        lambda name=name: first_line(name))
