"""Bad data on either side stays with its own bill: text XML cannot carry (BC), malformed rows (Intacct)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sync_testkit import COMPANY, ENTITY, bc_update, linked_vendor, new_bc_bill, one, outcomes, rows

from intacct.sync import RunOptions

pytestmark = pytest.mark.integration
BILLS = RunOptions(objects=("bills",))

BAD_TEXT = {
    "description": ("bc_bills", "description", "Description (description)"),
    "reference": ("bc_bills", "reference", "Reference (reference)"),
    "bill number": ("bc_bills", "bill_number", "Bill number (bill_number)"),
    "line memo": ("bc_bill_lines", "memo", "Line 1 memo"),
}


@pytest.mark.parametrize("character", ["\x01", "\x0b", "\ufffe"])
@pytest.mark.parametrize("where", list(BAD_TEXT))
def test_text_xml_cannot_carry_rejects_only_that_bill(any_warehouse, make_engine, emulator, where, character):
    engine = make_engine(any_warehouse)
    engine.run("scheduled")
    vendor, _ = linked_vendor(any_warehouse, emulator)
    new_bc_bill(any_warehouse, "B-text", vendor["vendor_id"], [("6500", "4.00")])
    new_bc_bill(any_warehouse, "B-fine", vendor["vendor_id"], [("6500", "5.00")])
    table, column, label = BAD_TEXT[where]
    where_row = {"bill_id": "B-text", **({"line_no": 1} if table == "bc_bill_lines" else {})}
    bc_update(any_warehouse, table, where_row, **{column: f"bad{character}text"})
    summary = engine.run("scheduled", BILLS)
    assert summary.status == "partial"
    [rejected] = outcomes(any_warehouse, summary.run_id, bc_key="B-text")
    assert rejected["action"] == "rejected" and label in rejected["reason"], rejected["reason"]
    assert f"U+{ord(character):04X}" in rejected["reason"]
    assert one(any_warehouse, "bc_bills", bill_id="B-text")["intacct_record_no"] is None
    assert outcomes(any_warehouse, summary.run_id, bc_key="B-fine")[0]["action"] == "created"


def test_a_nul_byte_in_an_edit_of_a_linked_bill_is_rejected_and_others_sync(warehouse, make_engine, emulator):
    engine = make_engine(warehouse)
    engine.run("scheduled")
    bills = sorted((b for b in rows(warehouse, "bc_bills", company_id=COMPANY, status="ready_to_pay")
                    if b["intacct_record_no"] is not None), key=lambda b: b["bill_id"])
    bad, good = bills[0], bills[1]
    bc_update(warehouse, "bc_bills", {"bill_id": bad["bill_id"]}, description="nul\x00here")
    bc_update(warehouse, "bc_bills", {"bill_id": good["bill_id"]}, description="plain edit")
    summary = engine.run("scheduled", BILLS)
    [rejected] = outcomes(warehouse, summary.run_id, bc_key=bad["bill_id"])
    assert rejected["action"] == "rejected" and "Description (description)" in rejected["reason"]
    assert "U+0000" in rejected["reason"]
    assert emulator.admin.get_record("DEMO", "APBILL", good["intacct_record_no"])["DESCRIPTION"] == "plain edit"


MALFORMED = {  # what a client that passes Intacct's text through (or reads it leniently) may hand the sync
    "huge amount": ({"TRX_TOTALENTERED": "1e400"}, "TRX_TOTALENTERED"),
    "huge decimal": ({"TRX_TOTALENTERED": Decimal("1E+400")}, "TRX_TOTALENTERED"),
    "decimal comma": ({"TRX_TOTALENTERED": "12,34"}, "TRX_TOTALENTERED"),
    "not a number": ({"TRX_TOTALDUE": "NaN"}, "TRX_TOTALDUE"),
    "more than cents": ({"TRX_TOTALENTERED": Decimal("10.005")}, "TRX_TOTALENTERED"),
    "no RECORDNO": ({"RECORDNO": None}, "RECORDNO"),
    "empty vendor": ({"VENDORID": ""}, "VENDORID"),
    "empty bill date": ({"WHENCREATED": None}, "WHENCREATED"),
    "a list for a date": ({"WHENDUE": ["09/01/2026"]}, "WHENDUE"),
}


def test_malformed_intacct_bills_are_rejected_one_by_one(any_warehouse, make_engine, emulator, monkeypatch):
    engine = make_engine(any_warehouse)
    engine.run("scheduled", RunOptions(objects=("accounts", "vendors")))
    real_find = engine.client.find
    spoiled: dict[str, dict] = {}
    changes: dict[int, dict] = {}  # RECORDNO → the spoiled values, every time the bill is read

    def spoil(records):
        for record in records:
            if record.get("RECORDNO") in changes:
                record.update(changes[record["RECORDNO"]])
        return records

    def spoiling(read):  # the paged reads, by modification time and (a first read) by key with lines
        def pages(object_name, *args, **kwargs):
            for page in read(object_name, *args, **kwargs):
                if object_name == "APBILL":
                    if not spoiled:
                        for (kind, (change, _)), record in zip(MALFORMED.items(), page.records, strict=False):
                            spoiled[kind], changes[record["RECORDNO"]] = dict(record), change
                    spoil(page.records)
                yield page
        return pages

    def find(object_name, *args, **kwargs):
        found = real_find(object_name, *args, **kwargs)
        return spoil(found) if object_name == "APBILL" else found

    monkeypatch.setattr(engine.client, "iter_pages", spoiling(engine.client.iter_pages))
    monkeypatch.setattr(engine.client, "iter_with_children", spoiling(engine.client.iter_with_children))
    monkeypatch.setattr(engine.client, "find", find)
    summary = engine.run("scheduled", RunOptions(objects=("bills",)))
    assert summary.status == "partial", summary.message
    rejected = {o["reason"]: o for o in outcomes(any_warehouse, summary.run_id, action="rejected")}
    for kind, (_, field) in MALFORMED.items():
        original = spoiled[kind]
        named = [reason for reason in rejected if field in reason and (
            f"RECORDNO {original['RECORDNO']}" in reason if field != "RECORDNO" else original["RECORDID"] in reason)]
        assert named, (kind, list(rejected))
        assert rows(any_warehouse, "bc_bills", intacct_record_no=original["RECORDNO"]) == []
    assert not rows(any_warehouse, "bc_bills", total_amount=Decimal("1234.00"))
    imported = rows(any_warehouse, "bc_bills", company_id=COMPANY)
    visible = emulator.admin.find_records("DEMO", "APBILL", MEGAENTITYID=ENTITY)
    assert len(imported) == len(visible) - len(MALFORMED) > 0
