"""Findings of the property suite (RELIABILITY.md), each as its minimal replay: they failed before their
fix and now guard it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sync_testkit import (
    COMPANY,
    ENTITY,
    bc_update,
    insert,
    linked_vendor,
    new_bc_bill,
    new_bc_vendor,
    now,
    one,
    outcomes,
    rows,
)

from intacct.client import ClientSettings, Credentials, IntacctClient
from intacct.sync import EntityConfig, RunOptions, SyncEngine

pytestmark = pytest.mark.integration
VENDORS = RunOptions(objects=("vendors",))
BILLS = RunOptions(objects=("bills",))


def run_interrupted_after_its_intacct_write(make_engine, warehouse, object_name: str) -> None:
    """A run of ``object_name`` that crashes right after its Intacct write, before BC's side is committed."""
    from intacct.sync import InjectedFault
    from intacct.sync import faults as fault_points

    def crash(point, context):
        if point == fault_points.AFTER_INTACCT_WRITE and context.get("object") == object_name:
            raise InjectedFault("crash after the Intacct write")

    with pytest.raises(InjectedFault):
        make_engine(warehouse, fault_hook=crash).run("scheduled", RunOptions(objects=(object_name,)))


@pytest.mark.parametrize("shared", ["tax_id", "name"])
def test_two_new_bc_vendors_alike_with_no_intacct_match_both_need_review(warehouse, make_engine, emulator,
                                                                         shared):
    engine = make_engine(warehouse)
    engine.run("scheduled", VENDORS)
    before = len(emulator.admin.find_records("DEMO", "VENDOR"))
    alike = {"tax_id": {"tax_id": "77-7777777"}, "name": {}}[shared]
    new_bc_vendor(warehouse, "bc-dup-a", "Duplicate Freight LLC" if shared == "name" else "Alpha Freight", **alike)
    new_bc_vendor(warehouse, "bc-dup-b", "DUPLICATE FREIGHT, L.L.C." if shared == "name" else "Beta Courier",
                  **alike)
    summary = engine.run("scheduled", VENDORS)
    for key, other in (("bc-dup-a", "bc-dup-b"), ("bc-dup-b", "bc-dup-a")):
        logged = outcomes(warehouse, summary.run_id, bc_key=key)
        assert [o["action"] for o in logged] == ["rejected"], logged
        assert logged[0]["reason"].startswith("Needs review") and other in logged[0]["reason"]
        assert one(warehouse, "bc_vendors", vendor_id=key)["intacct_vendor_id"] is None
    assert len(emulator.admin.find_records("DEMO", "VENDOR")) == before  # nothing created


@pytest.mark.parametrize("objects", [("bills",), ("vendors", "bills")], ids=["bills_alone", "full_run"])
@pytest.mark.parametrize("shared", ["tax_id", "name"])
def test_a_bills_vendor_sent_first_is_refused_as_the_vendor_sync_refuses_it(warehouse, make_engine, emulator,
                                                                           shared, objects):
    """Finding 8: a ready-to-pay bill sends its new vendor to Intacct first; that path decided over the bill's
    vendors alone, so a vendor the vendor sync had just refused as a twin was created all the same."""
    engine = make_engine(warehouse)
    engine.run("scheduled")
    before = len(emulator.admin.find_records("DEMO", "VENDOR"))
    alike = {"tax_id": {"tax_id": "77-7777777"}, "name": {}}[shared]
    new_bc_vendor(warehouse, "bc-dup-a", "Duplicate Freight LLC" if shared == "name" else "Alpha Freight", **alike)
    new_bc_vendor(warehouse, "bc-dup-b", "DUPLICATE FREIGHT, L.L.C." if shared == "name" else "Beta Courier",
                  **alike)
    new_bc_bill(warehouse, "bc-bill-dup", "bc-dup-a", [("6000", "10.00")])
    summary = engine.run("scheduled", RunOptions(objects=objects))
    assert len(emulator.admin.find_records("DEMO", "VENDOR")) == before  # neither twin created
    for key in ("bc-dup-a", "bc-dup-b"):
        assert one(warehouse, "bc_vendors", vendor_id=key)["intacct_vendor_id"] is None
    every = outcomes(warehouse, summary.run_id)
    logged = {o["bc_key"]: o for o in every}
    assert logged["bc-dup-a"]["action"] == "rejected" and "bc-dup-b" in logged["bc-dup-a"]["reason"]
    # Each refusal is read once, although the vendor and the bills steps both decided about the twins.
    assert [o["bc_key"] for o in every if o["object"] == "vendors"].count("bc-dup-a") == 1, every
    assert "bc-dup-b" not in logged or objects != ("bills",)  # the bills run acts on the bill's vendor only
    bill = logged["bc-bill-dup"]
    assert bill["action"] == "rejected" and "bc-dup-a" in bill["reason"], bill
    assert one(warehouse, "bc_bills", bill_id="bc-bill-dup")["intacct_record_no"] is None


def _client_of(emulator, entity: str) -> IntacctClient:
    credentials = Credentials(company_id="DEMO", user_id="Paymentus-Web", user_password="demo-user-pw",
                              sender_id="Paymentus", sender_password="demo-sender-pw", entity_id=entity,
                              endpoint="http://emulator.local/ia/xml/xmlgw.phtml", allowed_hosts=("emulator.local",))
    return IntacctClient(credentials, ClientSettings(timezone="America/Los_Angeles", retry_max_seconds=0),
                         transport=emulator.transport())


def test_the_same_vendor_id_in_two_entities_gets_two_vendorids(warehouse, make_engine, emulator):
    first = make_engine(warehouse)  # bc-us ↔ US01
    new_bc_vendor(warehouse, "V7001", "Alpha Hardware")
    first.run("scheduled", VENDORS)
    assert one(warehouse, "bc_vendors", company_id="bc-us", vendor_id="V7001")["intacct_vendor_id"] == "V7001"
    with _client_of(emulator, "CA01") as client:
        second = SyncEngine(client, warehouse, EntityConfig(entity_id="CA01", bc_company_id="bc-ca"))
        insert(warehouse, "bc_vendors", {"company_id": "bc-ca", "vendor_id": "V7001", "name": "Beta Lumber",
                                         "status": "active", "updated_at": now()})
        summary = second.run("scheduled", VENDORS)
        beta = one(warehouse, "bc_vendors", company_id="bc-ca", vendor_id="V7001")
        assert beta["intacct_vendor_id"] not in (None, "V7001"), outcomes(warehouse, summary.run_id,
                                                                          bc_key="V7001")
        assert one(warehouse, "bc_vendors", company_id="bc-us", vendor_id="V7001")["intacct_vendor_id"] == "V7001"


@pytest.mark.parametrize("object_name", ["VENDOR", "APBILL"])
@pytest.mark.parametrize("text", ["1e400", None])
def test_a_malformed_recordno_is_a_rejection_not_a_failed_run(warehouse, make_engine, emulator, object_name, text):
    engine = make_engine(warehouse, reconcile_every=timedelta(microseconds=1))
    engine.run("scheduled")
    visible = {"VENDOR": {}, "APBILL": {"MEGAENTITYID": ENTITY}}[object_name]
    record = sorted(emulator.admin.find_records("DEMO", object_name, **visible), key=lambda r: int(r["RECORDNO"]))[0]
    emulator.admin.set_raw_values("DEMO", object_name, record["RECORDNO"], {"RECORDNO": text})
    summary = engine.run("scheduled")  # raises today
    assert summary.status == "partial", summary.message
    rejected = [o for o in outcomes(warehouse, summary.run_id, action="rejected") if "RECORDNO" in (o["reason"] or "")]
    assert rejected, "the record is rejected naming RECORDNO"
    assert not [o for o in outcomes(warehouse, summary.run_id) if o["action"] == "deactivated"]  # never "deleted"
    table, column = ("bc_vendors", "intacct_vendor_id") if object_name == "VENDOR" else ("bc_bills", "intacct_record_no")
    key = record["VENDORID"] if object_name == "VENDOR" else int(record["RECORDNO"])
    assert [r["status"] for r in rows(warehouse, table, company_id=COMPANY, **{column: key})] != ["inactive"]


def _write_calls(emulator) -> int:
    calls = emulator.admin.stats()["calls"].get("DEMO", {})
    return sum(n for name, n in calls.items() if name.split("_")[0] in ("create", "update", "delete"))


def test_a_refused_bill_is_not_sent_again_until_something_changes(warehouse, make_engine, emulator):
    engine = make_engine(warehouse, policy="bc_wins")
    engine.run("scheduled")
    vendor, _ = linked_vendor(warehouse, emulator)
    bc_update(warehouse, "bc_vendors", {"company_id": COMPANY, "vendor_id": vendor["vendor_id"]}, status="inactive")
    engine.run("scheduled")
    new_bc_bill(warehouse, "B-inactive-vendor", vendor["vendor_id"], [("6500", "4.00")])
    refused = engine.run("scheduled")
    [logged] = outcomes(warehouse, refused.run_id, bc_key="B-inactive-vendor")
    assert logged["action"] == "rejected" and "BL03000132" in logged["reason"]
    before = _write_calls(emulator)
    engine.run("scheduled")
    assert _write_calls(emulator) == before  # nothing changed on either side: nothing to send


@pytest.mark.parametrize("raw", [None, "99,9", "1e400"], ids=["no_recordno", "comma", "exponent"])
@pytest.mark.parametrize("step", ["bc_edit", "new_bill", "new_twin_with_bill"])
def test_a_lookup_meeting_an_unreadable_vendor_rejects_by_name_and_never_duplicates(warehouse, make_engine, emulator,
                                                                                    raw, step):
    """Finding 9: a BC change that needs an Intacct lookup (an edit of a linked vendor, a new vendor matched
    by tax id) met a vendor Intacct answers without a readable RECORDNO, and the whole run raised
    MalformedValue; a lookup that skipped it would instead take the vendor for absent and create a twin."""
    engine = make_engine(warehouse)
    engine.run("scheduled")
    new_bc_vendor(warehouse, "bc-garbled", "Garbled Supply", tax_id="55-5555555")
    engine.run("scheduled")
    vendor_id = one(warehouse, "bc_vendors", vendor_id="bc-garbled")["intacct_vendor_id"]
    [record] = emulator.admin.find_records("DEMO", "VENDOR", VENDORID=vendor_id)
    emulator.admin.ui_update("DEMO", "VENDOR", record["RECORDNO"], {"NAME": "Garbled Supply Inc"})
    emulator.admin.set_raw_values("DEMO", "VENDOR", record["RECORDNO"], {"RECORDNO": raw})
    before = len(emulator.admin.find_records("DEMO", "VENDOR"))
    if step == "bc_edit":
        bc_update(warehouse, "bc_vendors", {"vendor_id": "bc-garbled"}, email="ap@garbled.example.com")
    elif step == "new_bill":
        new_bc_bill(warehouse, "bc-bill-g", "bc-garbled", [("6000", "5.00")])
    else:
        new_bc_vendor(warehouse, "bc-twin", "Garbled Supply Inc", tax_id="55-5555555")
        new_bc_bill(warehouse, "bc-bill-g", "bc-twin", [("6000", "5.00")])
    new_bc_vendor(warehouse, "bc-fine", "Unrelated Fine Vendor")  # the rest syncs
    summary = engine.run("scheduled")
    assert summary.status != "failed"
    assert one(warehouse, "bc_vendors", vendor_id="bc-fine")["intacct_vendor_id"] is not None
    assert len(emulator.admin.find_records("DEMO", "VENDOR")) == before + 1  # bc-fine only, never a twin
    if step == "new_twin_with_bill":
        assert one(warehouse, "bc_vendors", vendor_id="bc-twin")["intacct_vendor_id"] is None
        twin = outcomes(warehouse, summary.run_id, bc_key="bc-twin")
        assert twin and all(o["action"] == "rejected" and "unreadable" in o["reason"] for o in twin), twin
    logged = [o for o in outcomes(warehouse, summary.run_id) if o["action"] == "rejected"]
    assert any(vendor_id in (o["intacct_key"] or "") + o["reason"] for o in logged), logged


@pytest.mark.parametrize("intacct_change", ["description", "nothing"])
def test_a_bill_paid_in_bc_stays_paid_when_intacct_still_shows_it_open(warehouse, make_engine, emulator,
                                                                       intacct_change):
    """Finding 10: BC marked a linked bill paid; the next read of the bill (an Intacct edit, or the read-back
    right after its create) put Intacct's open state back into BC, so BC could pay it a second time, with
    no outcome but "Intacct state changed"."""
    engine = make_engine(warehouse)
    new_bc_vendor(warehouse, "bc-payee", "Payee Supplies")
    new_bc_bill(warehouse, "bc-paid-bill", "bc-payee", [("6000", "40.00")])
    engine.run("scheduled")  # created in Intacct; the next run reads it back
    record_no = one(warehouse, "bc_bills", bill_id="bc-paid-bill")["intacct_record_no"]
    bc_update(warehouse, "bc_bills", {"bill_id": "bc-paid-bill"}, status="paid")
    if intacct_change == "description":
        emulator.admin.ui_update("DEMO", "APBILL", record_no, {"DESCRIPTION": "edited in Intacct"})
    summary = engine.run("scheduled")
    assert one(warehouse, "bc_bills", bill_id="bc-paid-bill")["status"] == "paid"
    if intacct_change == "description":
        assert one(warehouse, "bc_bills", bill_id="bc-paid-bill")["description"] == "edited in Intacct"
    logged = [o for o in outcomes(warehouse, summary.run_id, bc_key="bc-paid-bill") if o["action"] == "rejected"]
    assert logged and "record the payment in Intacct" in logged[0]["reason"], logged
    emulator.admin.ui_update("DEMO", "APBILL", record_no, {"STATE": "Paid"})
    engine.run("scheduled")
    assert one(warehouse, "bc_bills", bill_id="bc-paid-bill")["status"] == "paid"
    assert rows(warehouse, "intacct_rejections", object="bills", record_key=str(record_no)) == []


@pytest.mark.parametrize("policy", ["intacct_wins", "bc_wins", "newest_wins"])
@pytest.mark.parametrize("bc_edits_too", [False, True])
def test_an_intacct_edit_between_an_interrupted_create_and_its_recovery_is_not_overwritten(
        warehouse, make_engine, emulator, policy, bc_edits_too):
    """Finding 11: a vendor create an interrupted run made was linked by the next run with Intacct's values
    as read then as the synced base; an Intacct edit made in between looked like BC's change and BC's old
    value overwrote it, with no conflict logged."""
    make_engine(warehouse).run("scheduled")
    new_bc_vendor(warehouse, "bc-crash-v", "Crash Test Supplies")

    run_interrupted_after_its_intacct_write(make_engine, warehouse, "vendors")
    [record] = emulator.admin.find_records("DEMO", "VENDOR", NAME="Crash Test Supplies")
    emulator.admin.ui_update("DEMO", "VENDOR", record["RECORDNO"], {"NAME": "Crash Test Supplies (Intacct)"})
    if bc_edits_too:
        bc_update(warehouse, "bc_vendors", {"vendor_id": "bc-crash-v"}, name="Crash Test Supplies (BC)",
                  updated_at=now() - timedelta(hours=1))
    engine = make_engine(warehouse, policy=policy)
    runs = [engine.run("scheduled", VENDORS).run_id, engine.run("scheduled", VENDORS).run_id]
    bc_name = one(warehouse, "bc_vendors", vendor_id="bc-crash-v")["name"]
    [intacct] = emulator.admin.find_records("DEMO", "VENDOR", RECORDNO=record["RECORDNO"])
    assert bc_name == intacct["NAME"]
    if not bc_edits_too:  # only Intacct changed the name since the create: its edit stands
        assert bc_name == "Crash Test Supplies (Intacct)"
    else:  # both did: a conflict the policy settled, and logged
        wanted = {"intacct_wins": "Crash Test Supplies (Intacct)", "bc_wins": "Crash Test Supplies (BC)",
                  "newest_wins": "Crash Test Supplies (Intacct)"}[policy]
        assert bc_name == wanted
        logged = [o for run in runs for o in outcomes(warehouse, run, bc_key="bc-crash-v")]
        assert any(o["action"] == "conflict" for o in logged), [(o["action"], o["reason"]) for o in logged]


@pytest.mark.parametrize("policy", ["intacct_wins", "bc_wins", "newest_wins"])
@pytest.mark.parametrize("bc_edits_too", [False, True])
def test_an_intacct_bill_edit_between_an_interrupted_create_and_its_recovery_is_not_lost(
        warehouse, make_engine, emulator, policy, bc_edits_too):
    """Finding 11's class for bills: the recovery of an interrupted create took BC's content *now* as the
    synced base, so a BC edit made since the create looked synced, and Intacct's content (with or without its
    own edit) went over it with no conflict logged."""
    make_engine(warehouse).run("scheduled")
    vendor, _ = linked_vendor(warehouse, emulator)
    new_bc_bill(warehouse, "bc-crash-b", vendor["vendor_id"], [("6500", "5.00")], bill_number="INV-CRASH",
                description="as sent")

    run_interrupted_after_its_intacct_write(make_engine, warehouse, "bills")
    [record] = emulator.admin.find_records("DEMO", "APBILL", RECORDID="INV-CRASH")
    emulator.admin.advance_clock(2)
    emulator.admin.ui_update("DEMO", "APBILL", record["RECORDNO"], {"DESCRIPTION": "edited in Intacct"})
    if bc_edits_too:
        bc_update(warehouse, "bc_bills", {"bill_id": "bc-crash-b"}, description="edited in BC",
                  updated_at=now() - timedelta(hours=1))
    engine = make_engine(warehouse, policy=policy)
    runs = [engine.run("scheduled", BILLS).run_id, engine.run("scheduled", BILLS).run_id]
    bill = one(warehouse, "bc_bills", bill_id="bc-crash-b")
    [intacct] = emulator.admin.find_records("DEMO", "APBILL", RECORDNO=record["RECORDNO"])
    assert bill["intacct_record_no"] == int(record["RECORDNO"])
    assert bill["description"] == intacct["DESCRIPTION"]
    if not bc_edits_too:  # only Intacct changed the bill since the create: its edit stands
        assert bill["description"] == "edited in Intacct"
    else:  # both did: a conflict the policy settled, and logged
        wanted = {"intacct_wins": "edited in Intacct", "bc_wins": "edited in BC",
                  "newest_wins": "edited in Intacct"}[policy]
        assert bill["description"] == wanted
        logged = [o for run in runs for o in outcomes(warehouse, run, bc_key="bc-crash-b")]
        assert any(o["action"] == "conflict" for o in logged), [(o["action"], o["reason"]) for o in logged]
    assert len(emulator.admin.find_records("DEMO", "APBILL", RECORDID="INV-CRASH")) == 1


@pytest.mark.parametrize("policy", ["bc_wins", "intacct_wins"])
def test_a_bc_edit_is_not_held_back_by_a_value_it_does_not_write(warehouse, make_engine, emulator, policy):
    """Finding 17: a BC name edit waited a run because the row's email (which the update does not carry, and
    which Intacct was correcting in the same run) was not an address; two BC companies then never settled."""
    engine = make_engine(warehouse, policy=policy)
    engine.run("scheduled", VENDORS)
    vendor, record = linked_vendor(warehouse, emulator)
    emulator.admin.ui_update("DEMO", "VENDOR", record["RECORDNO"], {"DISPLAYCONTACT.EMAIL1": "email 10"})
    engine.run("scheduled", VENDORS)  # a person typed a non-address in Intacct: BC takes it as it is
    assert one(warehouse, "bc_vendors", vendor_id=vendor["vendor_id"])["email"] == "email 10"
    bc_update(warehouse, "bc_vendors", {"vendor_id": vendor["vendor_id"]}, name="Renamed In BC Ltd")
    emulator.admin.ui_update("DEMO", "VENDOR", record["RECORDNO"], {"DISPLAYCONTACT.EMAIL1": "ap@fixed.example.com"})
    summary = engine.run("scheduled", VENDORS)
    assert not outcomes(warehouse, summary.run_id, action="rejected"), outcomes(warehouse, summary.run_id)
    intacct = emulator.admin.find_records("DEMO", "VENDOR", RECORDNO=record["RECORDNO"])[0]
    row = one(warehouse, "bc_vendors", vendor_id=vendor["vendor_id"])
    assert intacct["NAME"] == row["name"] == "Renamed In BC Ltd"  # in this run, not the next
    assert intacct["DISPLAYCONTACT.EMAIL1"] == row["email"] == "ap@fixed.example.com"
    # A value the update does write is still checked: a non-address typed in BC is refused, naming it.
    bc_update(warehouse, "bc_vendors", {"vendor_id": vendor["vendor_id"]}, email="not an address")
    refused = engine.run("scheduled", VENDORS)
    (rejection,) = outcomes(warehouse, refused.run_id, action="rejected")
    assert "Email 'not an address' is not an email address" in rejection["reason"]


@pytest.mark.parametrize("policy", ["intacct_wins", "bc_wins"])
def test_a_value_bc_clears_after_an_interrupted_create_is_settled_as_a_conflict_not_lost(
        warehouse, make_engine, emulator, policy):
    """Finding 18: BC cleared a vendor's email after a run created the vendor in Intacct and was interrupted
    before linking. The recovery left the email without a base, which the diff took for "unchanged in BC"
    (BC has no value): Intacct's old email came back to BC with no conflict logged."""
    make_engine(warehouse).run("scheduled")
    new_bc_vendor(warehouse, "bc-clear-v", "Clearing House Supplies", email="ap@clearing.example.com")

    run_interrupted_after_its_intacct_write(make_engine, warehouse, "vendors")
    bc_update(warehouse, "bc_vendors", {"vendor_id": "bc-clear-v"}, email=None)
    engine = make_engine(warehouse, policy=policy)
    runs = [engine.run("scheduled", VENDORS).run_id, engine.run("scheduled", VENDORS).run_id]
    [record] = emulator.admin.find_records("DEMO", "VENDOR", NAME="Clearing House Supplies")
    bc_email = one(warehouse, "bc_vendors", vendor_id="bc-clear-v")["email"]
    assert bc_email == (record["DISPLAYCONTACT.EMAIL1"] or None)
    assert bc_email == {"intacct_wins": "ap@clearing.example.com", "bc_wins": None}[policy]
    logged = [o for run in runs for o in outcomes(warehouse, run, bc_key="bc-clear-v")]
    conflicts = [o for o in logged if o["action"] == "conflict"]
    assert conflicts, [(o["action"], o["reason"]) for o in logged]
    assert "\ufffe" not in str(conflicts)  # the unknown base is shown as none, not as its marker


def test_a_bill_of_a_vendor_already_in_intacct_is_not_refused_for_the_vendors_bc_values(
        warehouse, make_engine, emulator):
    """Finding 19: a ready-to-pay bill was refused because its vendor's BC email was not an address, although
    the vendor is in Intacct already and the bill writes nothing of it; the bill went out a run late, and its
    Intacct state came back later still."""
    engine = make_engine(warehouse)
    engine.run("scheduled")
    vendor, _ = linked_vendor(warehouse, emulator)
    bc_update(warehouse, "bc_vendors", {"vendor_id": vendor["vendor_id"]}, email="email 28")
    new_bc_bill(warehouse, "B-linked-vendor", vendor["vendor_id"], [("6500", "10.43")])
    summary = engine.run("scheduled")
    refusals = {o["bc_key"]: o["reason"] for o in outcomes(warehouse, summary.run_id, action="rejected")}
    assert "B-linked-vendor" not in refusals, refusals
    assert one(warehouse, "bc_bills", bill_id="B-linked-vendor")["intacct_record_no"] is not None
    assert "Email 'email 28'" in refusals[vendor["vendor_id"]]  # the vendor's own update is still refused
    # A bill whose vendor must be created first still checks that vendor's values, naming it.
    new_bc_vendor(warehouse, "bc-new-bad", "Brand New Supplies", email="not an address")
    new_bc_bill(warehouse, "B-new-vendor", "bc-new-bad", [("6500", "5.00")])
    again = engine.run("scheduled")
    refused = {o["bc_key"]: o["reason"] for o in outcomes(warehouse, again.run_id, action="rejected")}
    assert "Vendor 'bc-new-bad': Email 'not an address'" in refused["B-new-vendor"]


def test_a_vendor_deleted_in_intacct_before_its_interrupted_create_was_linked_is_created_again(
        warehouse, make_engine, emulator):
    """Finding 20: a run created a BC vendor in Intacct and was interrupted before linking it; a person then
    deleted that vendor in Intacct. Every later run replayed the create's control id, Intacct called it
    already applied, and the vendor never reached Intacct again."""
    make_engine(warehouse).run("scheduled")
    new_bc_vendor(warehouse, "bc-gone-v", "Gone Before Linking Ltd")

    run_interrupted_after_its_intacct_write(make_engine, warehouse, "vendors")
    [created] = emulator.admin.find_records("DEMO", "VENDOR", NAME="Gone Before Linking Ltd")
    emulator.admin.ui_delete("DEMO", "VENDOR", created["RECORDNO"])
    engine = make_engine(warehouse)
    first = engine.run("scheduled", VENDORS)
    [again] = emulator.admin.find_records("DEMO", "VENDOR", NAME="Gone Before Linking Ltd")
    row = one(warehouse, "bc_vendors", vendor_id="bc-gone-v")
    assert row["intacct_vendor_id"] == again["VENDORID"] and again["RECORDNO"] != created["RECORDNO"]
    assert any("created again" in o["reason"] for o in outcomes(warehouse, first.run_id, bc_key="bc-gone-v"))
    written = sum(emulator.admin.stats()["records_written"].values())
    engine.run("scheduled", VENDORS)
    assert sum(emulator.admin.stats()["records_written"].values()) == written  # settled: nothing sent again


def test_an_intacct_edit_before_an_interrupted_create_is_linked_comes_to_bc_in_the_run_that_links_it(
        warehouse, make_engine, emulator):
    """A vendor create an interrupted run made, then edited by a person in Intacct, then another vendor edited
    there hours later. The run that links the created vendor took BC's values as the base but did not compare
    Intacct's record with it; the next run reads from the watermark less the look-back, which the later edit
    had moved past this one: Intacct's edit never came to BC."""
    make_engine(warehouse).run("scheduled")
    _, other = linked_vendor(warehouse, emulator)
    new_bc_vendor(warehouse, "bc-recovered-v", "Recovered Supplies", city="Seattle")

    run_interrupted_after_its_intacct_write(make_engine, warehouse, "vendors")
    [record] = emulator.admin.find_records("DEMO", "VENDOR", NAME="Recovered Supplies")
    assert record["DISPLAYCONTACT.MAILADDRESS.CITY"] == "Seattle"
    emulator.admin.ui_update("DEMO", "VENDOR", record["RECORDNO"], {"DISPLAYCONTACT.MAILADDRESS.CITY": ""})
    emulator.admin.advance_clock(3 * 3600)  # beyond the look-back (2 hours)
    emulator.admin.ui_update("DEMO", "VENDOR", other["RECORDNO"], {"DISPLAYCONTACT.PHONE1": "555-0100"})
    engine = make_engine(warehouse)
    first = engine.run("scheduled", VENDORS)
    row = one(warehouse, "bc_vendors", vendor_id="bc-recovered-v")
    assert row["intacct_vendor_id"] == record["VENDORID"]
    assert row["city"] is None, "Intacct's edit made after the create comes to BC in the run that links it"
    logged = outcomes(warehouse, first.run_id, bc_key="bc-recovered-v")
    assert not [o for o in logged if o["action"] == "conflict"], logged  # only Intacct changed it since
    engine.run("scheduled", VENDORS)
    assert one(warehouse, "bc_vendors", vendor_id="bc-recovered-v")["city"] is None
