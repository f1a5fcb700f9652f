"""Matching new BC vendors to Intacct: one counterpart each, full records compared, tax ids veto, ids per company."""

from __future__ import annotations

import pytest
from sync_testkit import ENTITY, insert, intacct_vendor, new_bc_bill, new_bc_vendor, now, one, outcomes, rows

from intacct.sync import EntityConfig, RunOptions, SyncEngine
from intacct.sync.vendor_ids import derive_vendor_id

pytestmark = pytest.mark.integration
VENDORS = RunOptions(objects=("vendors",))


def synced(engine):
    return engine.run("scheduled", VENDORS)


@pytest.mark.parametrize("contact", ["first", "later"])
@pytest.mark.parametrize("matched_on", ["name", "tax_id"])
def test_two_bc_vendors_matching_one_intacct_vendor_both_need_review(warehouse, make_engine, emulator, contact,
                                                                     matched_on):
    engine = make_engine(warehouse)
    if contact == "later":
        synced(engine)
    emulator.admin.ui_create("DEMO", "VENDOR", {"VENDORID": "TWIN-1", "NAME": "Twin Peaks Supply",
                                                "TAXID": "44-4444444"})
    same = {"name": "Twin Peaks Supply LLC"} if matched_on == "name" else {"tax_id": "44-4444444"}
    new_bc_vendor(warehouse, "bc-twin-a", same.get("name", "Twin A Trading"), **{
        k: v for k, v in same.items() if k != "name"})
    new_bc_vendor(warehouse, "bc-twin-b", same.get("name", "Twin B Holdings"), **{
        k: v for k, v in same.items() if k != "name"})
    new_bc_vendor(warehouse, "bc-solo", "Solo Fasteners")
    summary = synced(engine)
    assert summary.status == "partial"
    for key in ("bc-twin-a", "bc-twin-b"):
        [logged] = outcomes(warehouse, summary.run_id, bc_key=key)
        assert logged["action"] == "rejected" and logged["reason"].startswith("Needs review")
        assert "TWIN-1" in logged["reason"] and logged["details"]["candidates"]
        assert one(warehouse, "bc_vendors", vendor_id=key)["intacct_vendor_id"] is None
    solo = one(warehouse, "bc_vendors", vendor_id="bc-solo")["intacct_vendor_id"]
    assert solo == derive_vendor_id("bc-solo") and intacct_vendor(emulator, solo)["NAME"] == "Solo Fasteners"
    assert not [r for r in rows(warehouse, "intacct_links", object="vendors") if r["intacct_key"] == "TWIN-1"
                and r["bc_key"] in ("bc-twin-a", "bc-twin-b")]
    assert synced(engine).status == "partial"  # the next run does not fail either


def test_first_contact_compares_full_records_under_the_policy(warehouse, make_engine, emulator):
    emulator.admin.ui_create("DEMO", "VENDOR", {
        "VENDORID": "FULL-1", "NAME": "Fullrecord Paper", "DISPLAYCONTACT.EMAIL1": "ap@intacct-side.example.com",
        "DISPLAYCONTACT.MAILADDRESS.CITY": "Denver"})
    new_bc_vendor(warehouse, "bc-full", "Fullrecord Paper", email="ap@bc-side.example.com", city="Austin")
    summary = synced(make_engine(warehouse))  # intacct_wins
    record = intacct_vendor(emulator, "FULL-1")
    assert record["DISPLAYCONTACT.EMAIL1"] == "ap@intacct-side.example.com"
    assert record["DISPLAYCONTACT.MAILADDRESS.CITY"] == "Denver"
    row = one(warehouse, "bc_vendors", vendor_id="bc-full")
    assert (row["intacct_vendor_id"], row["email"], row["city"]) == ("FULL-1", "ap@intacct-side.example.com",
                                                                     "Denver")
    [conflict] = outcomes(warehouse, summary.run_id, bc_key="bc-full", action="conflict")
    assert conflict["details"]["fields"]["email"]["winner"] == "intacct"
    assert conflict["details"]["fields"]["city"]["bc"] == "Austin"


@pytest.mark.parametrize("contact", ["first", "later"])
@pytest.mark.parametrize("alike", ["tax_id", "name", "name_and_one_tax_id"])
def test_new_bc_vendors_matching_each_other_and_nothing_in_intacct_need_review(warehouse, make_engine, emulator,
                                                                              contact, alike):
    engine = make_engine(warehouse)
    if contact == "later":
        synced(engine)
    before = len(emulator.admin.find_records("DEMO", "VENDOR"))
    twin = {"tax_id": ({"tax_id": "55-5555555"}, {"tax_id": "55-5555555"}),
            "name": ({}, {}), "name_and_one_tax_id": ({"tax_id": "55-5555555"}, {})}[alike]
    names = ("Quartz Valley Supply", "Quartz Valley Supply Inc.") if alike != "tax_id" else ("Quartz A", "Quartz B")
    new_bc_vendor(warehouse, "bc-quartz-a", names[0], **twin[0])
    new_bc_vendor(warehouse, "bc-quartz-b", names[1], **twin[1])
    new_bc_vendor(warehouse, "bc-other", "Quartz Valley Supply" if alike == "tax_id" else "Obsidian Tools",
                  tax_id="66-6666666")  # a differing tax id is another company, whatever its name
    summary = synced(engine)
    assert summary.status == "partial"
    for key, other in (("bc-quartz-a", "bc-quartz-b"), ("bc-quartz-b", "bc-quartz-a")):
        [logged] = outcomes(warehouse, summary.run_id, bc_key=key)
        assert logged["action"] == "rejected" and logged["reason"].startswith("Needs review")
        assert other in logged["reason"] and logged["details"]["candidates"] == [other]
        assert one(warehouse, "bc_vendors", vendor_id=key)["intacct_vendor_id"] is None
        assert "55-5555555" not in logged["reason"]
    assert one(warehouse, "bc_vendors", vendor_id="bc-other")["intacct_vendor_id"] is not None
    assert len(emulator.admin.find_records("DEMO", "VENDOR")) == before + 1
    assert synced(engine).status == "partial"  # still waiting for a person; nothing created meanwhile
    assert len(emulator.admin.find_records("DEMO", "VENDOR")) == before + 1


@pytest.mark.parametrize("contact", ["first", "later"])
def test_different_tax_ids_never_link(warehouse, make_engine, emulator, contact):
    engine = make_engine(warehouse)
    if contact == "later":
        synced(engine)
    emulator.admin.ui_create("DEMO", "VENDOR", {"VENDORID": "ACMECORP", "NAME": "ACME Corp.",
                                                "TAXID": "99-0000001"})
    new_bc_vendor(warehouse, "bc-acme-llc", "Acme LLC", tax_id="11-0000001")
    synced(engine)
    row = one(warehouse, "bc_vendors", vendor_id="bc-acme-llc")
    assert row["intacct_vendor_id"] not in (None, "ACMECORP") and row["tax_id"] == "11-0000001"
    assert intacct_vendor(emulator, "ACMECORP")["TAXID"] == "99-0000001"
    assert intacct_vendor(emulator, row["intacct_vendor_id"])["NAME"] == "Acme LLC"


def test_two_bc_companies_get_distinct_vendorids_in_one_intacct_company(warehouse, make_engine, client, emulator):
    first = make_engine(warehouse)
    new_bc_vendor(warehouse, "V9001", "Alpha Hardware")
    synced(first)
    assert intacct_vendor(emulator, "V9001")["NAME"] == "Alpha Hardware"
    second = SyncEngine(client, warehouse, EntityConfig(entity_id=ENTITY, bc_company_id="bc-ca"))
    insert(warehouse, "bc_vendors", {"company_id": "bc-ca", "vendor_id": "V9001", "name": "Beta Lumber",
                                     "status": "active", "updated_at": now()})
    synced(second)
    beta = one(warehouse, "bc_vendors", company_id="bc-ca", vendor_id="V9001")
    assert beta["intacct_vendor_id"] not in (None, "V9001") and beta["intacct_vendor_id"].startswith("V9001-")
    assert intacct_vendor(emulator, beta["intacct_vendor_id"])["NAME"] == "Beta Lumber"
    assert intacct_vendor(emulator, "V9001")["NAME"] == "Alpha Hardware"  # the first company's link untouched
    assert one(warehouse, "bc_vendors", company_id="bc-us", vendor_id="V9001")["intacct_vendor_id"] == "V9001"
    synced(second)
    assert len(emulator.admin.find_records("DEMO", "VENDOR", NAME="Beta Lumber")) == 1


def test_an_import_never_takes_over_a_bc_vendor_it_did_not_create(warehouse, make_engine, emulator):
    engine = make_engine(warehouse)
    synced(engine)
    # BC's own vendor, not linked, whose id happens to look like an import id; distinct name and tax id.
    new_bc_vendor(warehouse, "ia-OWN-1", "Own Stationery", tax_id="12-0000012", intacct_vendor_id=None)
    emulator.admin.ui_create("DEMO", "VENDOR", {"VENDORID": "OWN-1", "NAME": "Someone Else Entirely",
                                                "TAXID": "98-0000098"})
    summary = synced(engine)
    own = one(warehouse, "bc_vendors", vendor_id="ia-OWN-1")
    assert own["name"] == "Own Stationery" and own["tax_id"] == "12-0000012"
    assert own["intacct_vendor_id"] != "OWN-1"
    imported = one(warehouse, "bc_vendors", vendor_id="ia-OWN-1-2")
    assert imported["intacct_vendor_id"] == "OWN-1" and imported["name"] == "Someone Else Entirely"
    [logged] = outcomes(warehouse, summary.run_id, bc_key="ia-OWN-1-2")
    assert logged["action"] == "created" and "ia-OWN-1 is another vendor" in logged["reason"]
    synced(engine)
    assert one(warehouse, "bc_vendors", vendor_id="ia-OWN-1")["name"] == "Own Stationery"


@pytest.mark.parametrize("existing", ["unlinked", "linked_to_another_bc_vendor"])
def test_a_vendor_that_also_matches_one_created_in_the_same_run_is_decided_as_the_next_run_decides(
        warehouse, make_engine, emulator, existing):
    # 'Acme' (no tax id) matches the Intacct vendor by name alone; 'Acme LLC' (another tax id) is created in the
    # same run and then matches 'Acme' too. Judged against Intacct as it was before the run, 'Acme' would be
    # linked (or refused for the other BC vendor's claim) and the next run would find it ambiguous instead.
    engine = make_engine(warehouse)
    emulator.admin.ui_create("DEMO", "VENDOR", {"VENDORID": "ACME-OLD", "NAME": "Acme  LLC.", "TAXID": "11-1111111"})
    if existing == "linked_to_another_bc_vendor":
        new_bc_vendor(warehouse, "bc-acme-old", "Acme LLC", tax_id="11-1111111")
        synced(engine)
        assert one(warehouse, "bc_vendors", vendor_id="bc-acme-old")["intacct_vendor_id"] == "ACME-OLD"
    new_bc_vendor(warehouse, "bc-acme", "Acme")
    new_bc_vendor(warehouse, "bc-acme-new", "Acme LLC", tax_id="22-2222222")
    decisions = []
    for _ in range(2):
        summary = synced(engine)
        [logged] = outcomes(warehouse, summary.run_id, bc_key="bc-acme")
        decisions.append((logged["action"], logged["intacct_key"]))
        assert "2 Intacct vendors could be this vendor" in logged["reason"], logged["reason"]
        assert "ACME-OLD" in logged["reason"] and derive_vendor_id("bc-acme-new") in logged["reason"]
        assert not outcomes(warehouse, summary.run_id, bc_key="bc-acme-old")
    assert decisions == [("rejected", None)] * 2
    assert one(warehouse, "bc_vendors", vendor_id="bc-acme")["intacct_vendor_id"] is None
    created = one(warehouse, "bc_vendors", vendor_id="bc-acme-new")["intacct_vendor_id"]
    assert intacct_vendor(emulator, created)["TAXID"] == "22-2222222"


def test_a_bills_vendor_sent_on_its_own_is_decided_as_the_vendor_sync_decides_it(warehouse, make_engine, emulator):
    # The bills step sends a new vendor of a ready-to-pay bill alone; 'Acme LLC' (another tax id) is not its to
    # create, but the vendor sync will create it, so 'Acme' is as ambiguous here as it is there.
    engine = make_engine(warehouse)
    engine.run("scheduled")  # the chart of accounts and the company's vendors are in BC
    emulator.admin.ui_create("DEMO", "VENDOR", {"VENDORID": "ACME-OLD", "NAME": "Acme  LLC.", "TAXID": "11-1111111"})
    new_bc_vendor(warehouse, "bc-acme", "Acme")
    new_bc_vendor(warehouse, "bc-acme-new", "Acme LLC", tax_id="22-2222222")
    new_bc_bill(warehouse, "B-acme", "bc-acme", [("6500", "42.00")])
    decided = []
    for options in (RunOptions(objects=("bills",)), VENDORS):
        summary = engine.run("scheduled", options)
        [logged] = outcomes(warehouse, summary.run_id, bc_key="bc-acme", object="vendors")
        assert "2 Intacct vendors could be this vendor" in logged["reason"], logged["reason"]
        decided.append((logged["action"], logged["intacct_key"]))
        assert one(warehouse, "bc_vendors", vendor_id="bc-acme")["intacct_vendor_id"] is None
    assert decided == [("rejected", None)] * 2
    assert one(warehouse, "bc_bills", bill_id="B-acme")["intacct_record_no"] is None
