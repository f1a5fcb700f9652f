"""Vendors both ways: three-way diff per field, conflict policies, match before create, inactive both ways."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sync_testkit import (
    COMPANY,
    bc_update,
    intacct_vendor,
    linked_vendor,
    new_bc_vendor,
    now,
    one,
    outcomes,
    rows,
)

from intacct.sync import RunOptions
from intacct.sync.vendor_ids import derive_vendor_id

pytestmark = pytest.mark.integration
VENDORS = RunOptions(objects=("vendors",))


def synced(engine):
    return engine.run("scheduled", VENDORS)


def test_intacct_vendors_are_imported_with_a_deterministic_bc_id(any_warehouse, make_engine, emulator):
    summary = synced(make_engine(any_warehouse))
    bc = rows(any_warehouse, "bc_vendors", company_id=COMPANY)
    assert bc and all(r["vendor_id"] == "ia-" + r["intacct_vendor_id"] for r in bc)
    vendor, record = linked_vendor(any_warehouse, emulator)
    assert vendor["name"] == record["NAME"] and vendor["email"] == record["DISPLAYCONTACT.EMAIL1"]
    assert vendor["city"] == record["DISPLAYCONTACT.MAILADDRESS.CITY"]
    assert summary.counts["vendors"]["to_bc"]["created"] == len(bc)
    assert synced(make_engine(any_warehouse)).counts["vendors"]["to_bc"]["created"] == 0


def test_a_first_sync_compares_no_vendor_it_imported_but_one_bc_edited_since(warehouse, make_engine, emulator,
                                                                           monkeypatch):
    """BC's side of a first sync reads back none of the vendors the run has just imported with Intacct's values
    (they hold what Intacct has), yet a vendor BC edits once imported, before BC's side runs, still goes to
    Intacct in this run."""
    from intacct.sync import vendors as module

    compared: list[str] = []
    bc_rows, sync_bc_changes = module.VendorSync.bc_rows, module.VendorSync.sync_bc_changes
    edited = {}

    def edit_then_sync(self, since):
        vendor, _ = linked_vendor(warehouse, emulator)  # imported by this run a moment ago
        bc_update(warehouse, "bc_vendors", {"company_id": COMPANY, "vendor_id": vendor["vendor_id"]},
                  phone="+1 555 0100")
        edited["vendor"] = vendor
        monkeypatch.setattr(module.VendorSync, "bc_rows",
                            lambda s, connection, keys: compared.extend(keys) or bc_rows(s, connection, keys))
        return sync_bc_changes(self, since)

    monkeypatch.setattr(module.VendorSync, "sync_bc_changes", edit_then_sync)
    summary = synced(make_engine(warehouse))
    vendor = edited["vendor"]
    assert summary.counts["vendors"]["to_bc"]["created"] > 1
    assert compared and set(compared) == {vendor["vendor_id"]}
    assert intacct_vendor(emulator, vendor["intacct_vendor_id"])["DISPLAYCONTACT.PHONE1"] == "+1 555 0100"
    assert summary.counts["vendors"]["to_intacct"]["updated"] == 1


def test_snapshots_never_hold_a_tax_id(warehouse, make_engine, emulator):
    engine = make_engine(warehouse)
    synced(engine)
    vendor, record = linked_vendor(warehouse, emulator)
    emulator.admin.ui_update("DEMO", "VENDOR", record["RECORDNO"], {"TAXID": "98-7654321"})
    synced(engine)
    assert one(warehouse, "bc_vendors", vendor_id=vendor["vendor_id"])["tax_id"] == "98-7654321"
    for link in rows(warehouse, "intacct_links", object="vendors"):
        assert "98-7654321" not in str(link["snapshot"])
    for outcome in rows(warehouse, "intacct_record_outcomes"):
        assert "98-7654321" not in str(outcome)


def test_a_change_in_intacct_only_goes_to_bc(any_warehouse, make_engine, emulator):
    engine = make_engine(any_warehouse)
    synced(engine)
    vendor, record = linked_vendor(any_warehouse, emulator)
    emulator.admin.ui_update("DEMO", "VENDOR", record["RECORDNO"], {"DISPLAYCONTACT.EMAIL1": "new@ap.example.com"})
    summary = synced(engine)
    assert one(any_warehouse, "bc_vendors", vendor_id=vendor["vendor_id"])["email"] == "new@ap.example.com"
    [logged] = outcomes(any_warehouse, summary.run_id, bc_key=vendor["vendor_id"])
    assert (logged["direction"], logged["action"]) == ("to_bc", "updated") and "email" in logged["reason"]
    assert summary.counts["vendors"]["to_intacct"]["updated"] == 0


def test_a_change_in_bc_only_goes_to_intacct(any_warehouse, make_engine, emulator):
    engine = make_engine(any_warehouse)
    synced(engine)
    vendor, record = linked_vendor(any_warehouse, emulator)
    bc_update(any_warehouse, "bc_vendors", {"vendor_id": vendor["vendor_id"]}, phone="+1 555 000 1111",
              city="Reno")
    summary = synced(engine)
    after = intacct_vendor(emulator, vendor["intacct_vendor_id"])
    assert after["DISPLAYCONTACT.PHONE1"] == "+1 555 000 1111"
    assert after["DISPLAYCONTACT.MAILADDRESS.CITY"] == "Reno"
    assert after["NAME"] == record["NAME"]  # untouched fields stay
    [logged] = outcomes(any_warehouse, summary.run_id, bc_key=vendor["vendor_id"])
    assert (logged["direction"], logged["action"]) == ("to_intacct", "updated")
    # The next run sees both sides agree: nothing more to do.
    again = synced(engine)
    assert outcomes(any_warehouse, again.run_id, bc_key=vendor["vendor_id"]) == []


@pytest.mark.parametrize("policy, bc_newer, winner", [
    ("intacct_wins", True, "intacct"), ("bc_wins", False, "bc"),
    ("newest_wins", True, "bc"), ("newest_wins", False, "intacct")])
def test_conflicts_follow_the_policy_and_log_both_values(any_warehouse, make_engine, emulator, policy, bc_newer,
                                                         winner):
    engine = make_engine(any_warehouse, policy=policy)
    synced(engine)
    vendor, record = linked_vendor(any_warehouse, emulator)
    emulator.admin.ui_update("DEMO", "VENDOR", record["RECORDNO"], {"DISPLAYCONTACT.PHONE1": "+1 555 111 1111"})
    modified = intacct_vendor(emulator, vendor["intacct_vendor_id"])
    bc_time = now() + timedelta(hours=1) if bc_newer else now() - timedelta(days=400)
    bc_update(any_warehouse, "bc_vendors", {"vendor_id": vendor["vendor_id"]}, phone="+1 555 222 2222",
              updated_at=bc_time)
    summary = engine.run("scheduled", RunOptions(full_refresh=not bc_newer, objects=("vendors",)))
    expected = "+1 555 222 2222" if winner == "bc" else "+1 555 111 1111"
    assert one(any_warehouse, "bc_vendors", vendor_id=vendor["vendor_id"])["phone"] == expected
    assert intacct_vendor(emulator, vendor["intacct_vendor_id"])["DISPLAYCONTACT.PHONE1"] == expected
    [conflict] = outcomes(any_warehouse, summary.run_id, bc_key=vendor["vendor_id"], action="conflict")
    assert conflict["details"]["fields"]["phone"] == {
        "base": record["DISPLAYCONTACT.PHONE1"], "bc": "+1 555 222 2222", "intacct": "+1 555 111 1111",
        "winner": winner}
    assert modified["DISPLAYCONTACT.PHONE1"] == "+1 555 111 1111"


def test_a_new_bc_vendor_is_created_once_with_a_derived_vendorid(any_warehouse, make_engine, emulator):
    engine = make_engine(any_warehouse)
    synced(engine)
    new_bc_vendor(any_warehouse, "bc-vendor-with-a-long-identifier-0001", "Zebra Logistics Unlimited",
                  email="ap@zebra.example.com", tax_id="11-2233445", currency="USD")
    summary = synced(engine)
    derived = derive_vendor_id("bc-vendor-with-a-long-identifier-0001")
    assert len(derived) <= 20
    created = intacct_vendor(emulator, derived)
    assert created["NAME"] == "Zebra Logistics Unlimited" and created["DISPLAYCONTACT.EMAIL1"] == "ap@zebra.example.com"
    row = one(any_warehouse, "bc_vendors", vendor_id="bc-vendor-with-a-long-identifier-0001")
    assert row["intacct_vendor_id"] == derived
    [logged] = outcomes(any_warehouse, summary.run_id, bc_key=row["vendor_id"])
    assert (logged["direction"], logged["action"]) == ("to_intacct", "created")
    synced(engine)
    synced(engine)
    assert len(emulator.admin.find_records("DEMO", "VENDOR", NAME="Zebra Logistics Unlimited")) == 1
    assert not rows(any_warehouse, "bc_vendors", vendor_id="ia-" + derived)  # not imported back as a copy


def test_a_new_bc_vendor_matching_one_intacct_vendor_is_linked_not_created(warehouse, make_engine, emulator):
    engine = make_engine(warehouse, policy="bc_wins")
    existing = emulator.admin.ui_create("DEMO", "VENDOR", {"VENDORID": "ACME-1", "NAME": "ACME, Inc.",
                                                           "DISPLAYCONTACT.EMAIL1": "old@acme.example.com"})
    new_bc_vendor(warehouse, "bc-acme", "Acme Inc", email="ap@acme.example.com")  # same normalized name
    summary = synced(engine)
    assert one(warehouse, "bc_vendors", vendor_id="bc-acme")["intacct_vendor_id"] == "ACME-1"
    assert not rows(warehouse, "bc_vendors", vendor_id="ia-ACME-1")
    assert len(emulator.admin.find_records("DEMO", "VENDOR", VENDORID=derive_vendor_id("bc-acme"))) == 0
    [linked] = outcomes(warehouse, summary.run_id, bc_key="bc-acme", action="linked")
    assert "ACME-1" in linked["reason"]
    # first contact: differing fields are conflicts settled by the policy (bc_wins here)
    assert intacct_vendor(emulator, "ACME-1")["DISPLAYCONTACT.EMAIL1"] == "ap@acme.example.com"
    assert existing["VENDORID"] == "ACME-1"


def test_several_candidates_are_rejected_for_review_and_retried(warehouse, make_engine, emulator):
    engine = make_engine(warehouse)
    emulator.admin.ui_create("DEMO", "VENDOR", {"VENDORID": "NORTH-1", "NAME": "Northwind Traders"})
    emulator.admin.ui_create("DEMO", "VENDOR", {"VENDORID": "NORTH-2", "NAME": "Northwind Traders LLC"})
    new_bc_vendor(warehouse, "bc-north", "Northwind Traders, Inc.")
    # The BC vendor is considered before the Intacct ones are imported, so only Intacct holds candidates.
    summary = synced(engine)
    [rejected] = outcomes(warehouse, summary.run_id, bc_key="bc-north")
    assert rejected["action"] == "rejected" and rejected["reason"].startswith("Needs review")
    assert "NORTH-1" in rejected["reason"] and "NORTH-2" in rejected["reason"]
    assert one(warehouse, "bc_vendors", vendor_id="bc-north")["intacct_vendor_id"] is None
    again = synced(engine)
    assert outcomes(warehouse, again.run_id, bc_key="bc-north")[0]["action"] == "rejected"
    assert one(warehouse, "intacct_rejections", record_key="bc-north")["attempts"] == 2
    # The user picks one: the next run links it and the rejection is cleared.
    with warehouse.engine.begin() as connection:  # BC removes its imported copy first
        table = warehouse.tables["bc_vendors"]
        connection.execute(table.delete().where(table.c.vendor_id == "ia-NORTH-1"))
    bc_update(warehouse, "bc_vendors", {"vendor_id": "bc-north"}, intacct_vendor_id="NORTH-1")
    synced(engine)
    assert not rows(warehouse, "intacct_rejections", record_key="bc-north")
    assert one(warehouse, "intacct_links", object="vendors", intacct_key="NORTH-1")["bc_key"] == "bc-north"
    assert len(emulator.admin.find_records("DEMO", "VENDOR", NAME="Northwind Traders")) == 1


@pytest.mark.parametrize("side", ["bc", "intacct"])
def test_inactive_on_one_side_becomes_inactive_on_the_other(any_warehouse, make_engine, emulator, side):
    engine = make_engine(any_warehouse)
    synced(engine)
    vendor, record = linked_vendor(any_warehouse, emulator)
    if side == "bc":
        bc_update(any_warehouse, "bc_vendors", {"vendor_id": vendor["vendor_id"]}, status="inactive")
    else:
        emulator.admin.ui_update("DEMO", "VENDOR", record["RECORDNO"], {"STATUS": "inactive"})
    summary = synced(engine)
    assert one(any_warehouse, "bc_vendors", vendor_id=vendor["vendor_id"])["status"] == "inactive"
    assert intacct_vendor(emulator, vendor["intacct_vendor_id"])["STATUS"] == "inactive"
    [logged] = outcomes(any_warehouse, summary.run_id, bc_key=vendor["vendor_id"])
    assert logged["action"] == "deactivated"


def test_a_vendor_deleted_in_intacct_becomes_inactive_not_deleted(warehouse, make_engine, emulator):
    engine = make_engine(warehouse)
    record = emulator.admin.ui_create("DEMO", "VENDOR", {"VENDORID": "GONE-1", "NAME": "Short Lived Ltd"})
    synced(engine)
    assert one(warehouse, "bc_vendors", vendor_id="ia-GONE-1")["status"] == "active"
    emulator.admin.ui_delete("DEMO", "VENDOR", record["RECORDNO"])
    summary = engine.run("sync_now", RunOptions(full_refresh=True, objects=("vendors",)))
    assert one(warehouse, "bc_vendors", vendor_id="ia-GONE-1")["status"] == "inactive"
    [logged] = outcomes(warehouse, summary.run_id, bc_key="ia-GONE-1")
    assert logged["action"] == "deactivated" and "no longer exists in Intacct" in logged["reason"]


def test_a_vendor_name_too_long_for_intacct_is_rejected_with_the_reason(warehouse, make_engine, emulator):
    engine = make_engine(warehouse)
    new_bc_vendor(warehouse, "bc-long", "L" * 120)
    summary = synced(engine)
    [rejected] = outcomes(warehouse, summary.run_id, bc_key="bc-long")
    assert rejected["action"] == "rejected" and "at most 100" in rejected["reason"]
    assert intacct_vendor(emulator, derive_vendor_id("bc-long")) is None


def test_an_unreadable_bc_vendor_is_rejected_and_the_others_go_on(warehouse, make_engine, emulator):
    engine = make_engine(warehouse)
    synced(engine)
    bad, good = sorted(rows(warehouse, "bc_vendors", company_id=COMPANY, status="active"),
                       key=lambda r: r["vendor_id"])[:2]
    bc_update(warehouse, "bc_vendors", {"vendor_id": bad["vendor_id"]}, status="disabled")
    bc_update(warehouse, "bc_vendors", {"vendor_id": good["vendor_id"]}, city="Boise")
    summary = synced(engine)
    [rejected] = outcomes(warehouse, summary.run_id, bc_key=bad["vendor_id"])
    assert rejected["action"] == "rejected" and "'disabled' is unknown" in rejected["reason"]
    assert intacct_vendor(emulator, good["intacct_vendor_id"])["DISPLAYCONTACT.MAILADDRESS.CITY"] == "Boise"
    assert intacct_vendor(emulator, bad["intacct_vendor_id"])["STATUS"] == "active"


def test_an_invalid_bc_edit_waits_while_intacct_changes_still_arrive(warehouse, make_engine, emulator):
    engine = make_engine(warehouse)
    synced(engine)
    vendor, record = linked_vendor(warehouse, emulator)
    bc_update(warehouse, "bc_vendors", {"vendor_id": vendor["vendor_id"]}, email="not-an-email")
    emulator.admin.ui_update("DEMO", "VENDOR", record["RECORDNO"], {"DISPLAYCONTACT.PHONE1": "+1 555 321 0000"})
    summary = synced(engine)
    assert one(warehouse, "bc_vendors", vendor_id=vendor["vendor_id"])["phone"] == "+1 555 321 0000"
    assert intacct_vendor(emulator, vendor["intacct_vendor_id"])["DISPLAYCONTACT.EMAIL1"] == record[
        "DISPLAYCONTACT.EMAIL1"]
    actions = {o["action"]: o for o in outcomes(warehouse, summary.run_id, bc_key=vendor["vendor_id"])}
    assert "not an email address" in actions["rejected"]["reason"] and "updated" in actions
    bc_update(warehouse, "bc_vendors", {"vendor_id": vendor["vendor_id"]}, email="fixed@ap.example.com")
    synced(engine)
    assert intacct_vendor(emulator, vendor["intacct_vendor_id"])["DISPLAYCONTACT.EMAIL1"] == "fixed@ap.example.com"
    assert not rows(warehouse, "intacct_rejections", record_key=vendor["vendor_id"])


def test_a_bc_vendor_pointing_at_a_missing_intacct_vendor_is_rejected(warehouse, make_engine, emulator):
    engine = make_engine(warehouse)
    synced(engine)
    new_bc_vendor(warehouse, "bc-ghost", "Ghost Supplies", intacct_vendor_id="NO-SUCH-VENDOR")
    summary = synced(engine)
    [rejected] = outcomes(warehouse, summary.run_id, bc_key="bc-ghost")
    assert rejected["action"] == "rejected" and "does not exist in Intacct" in rejected["reason"]
    assert intacct_vendor(emulator, "NO-SUCH-VENDOR") is None


@pytest.mark.parametrize("bad", ["\x00", "\x01", "\x0b", "\ufffe"])
def test_a_character_xml_cannot_carry_rejects_only_its_row(warehouse, make_engine, emulator, bad):
    engine = make_engine(warehouse)
    synced(engine)
    new_bc_vendor(warehouse, "bc-bad-new", f"Bad{bad}Name Supplies")
    new_bc_vendor(warehouse, "bc-good-new", "Good Name Supplies")
    linked = sorted((r for r in rows(warehouse, "bc_vendors", company_id=COMPANY, status="active")
                     if r["intacct_vendor_id"]), key=lambda r: r["vendor_id"])
    bad_linked, good_linked = linked[0], linked[1]
    bc_update(warehouse, "bc_vendors", {"vendor_id": bad_linked["vendor_id"]}, city=f"Re{bad}no")
    bc_update(warehouse, "bc_vendors", {"vendor_id": good_linked["vendor_id"]}, city="Boise")
    summary = synced(engine)
    assert summary.status == "partial"
    [new_rejected] = outcomes(warehouse, summary.run_id, bc_key="bc-bad-new")
    assert new_rejected["action"] == "rejected" and "Vendor name contains the character" in new_rejected["reason"]
    [update_rejected] = outcomes(warehouse, summary.run_id, bc_key=bad_linked["vendor_id"])
    assert update_rejected["action"] == "rejected" and "city contains the character" in update_rejected["reason"]
    assert intacct_vendor(emulator, derive_vendor_id("bc-good-new"))["NAME"] == "Good Name Supplies"
    assert intacct_vendor(emulator, good_linked["intacct_vendor_id"])["DISPLAYCONTACT.MAILADDRESS.CITY"] == "Boise"
    assert intacct_vendor(emulator, bad_linked["intacct_vendor_id"])["DISPLAYCONTACT.MAILADDRESS.CITY"] == \
        bad_linked["city"]
