"""Deletes from the audit trail: the documented ACCESSMODE codes, ID keys, safe paging, and the trail's
failure modes turned into a logged "unavailable" result instead of a failed read."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from intacct.client import ClientSettings, Credentials, IntacctClient
from intacct.client.audit import AuditTrail, mode_code

emulator_pkg = pytest.importorskip("intacct_emulator")
pytestmark = pytest.mark.unit


def client_for(emu, **settings) -> IntacctClient:
    credentials = Credentials(company_id="DEMO", user_id="Paymentus-Web", user_password="demo-user-pw",
                              sender_id="Paymentus", sender_password="demo-sender-pw",
                              endpoint="http://emulator.local/ia/xml/xmlgw.phtml", allowed_hosts=("emulator.local",))
    return IntacctClient(credentials, ClientSettings(retry_max_seconds=0, **settings), transport=emu.transport(),
                         sleep=lambda _s: None)


def deleted_vendors(emu, count: int) -> list[str]:
    record_nos = []
    for i in range(count):
        created = emu.admin.ui_create("DEMO", "VENDOR", {"VENDORID": f"GONE-{i}", "NAME": f"Gone {i}"})
        emu.admin.ui_delete("DEMO", "VENDOR", created["RECORDNO"])
        record_nos.append(str(created["RECORDNO"]))
    return record_nos


@pytest.mark.parametrize("given, code", [("D", "D"), ("Delete", "D"), ("Deleted", "D"), ("created", "C"),
                                         ("User Action", "U")])
def test_modes_are_sent_as_the_documented_codes(given, code):
    assert mode_code(given) == code


def test_an_unknown_mode_is_refused_with_the_valid_ones():
    with pytest.raises(ValueError, match="A, M, C, D"):
        mode_code("Removed")


def test_object_keys_name_record_numbers_bare_or_with_the_rec_suffix():
    trail = AuditTrail(True, frozenset({"12", "34--REC", "V-100", ""}))
    assert trail.record_nos == {12, 34}


def test_deletes_are_read_across_pages_keyed_by_id():
    emu = emulator_pkg.Emulator.from_dataset("demo")
    since = emu.world.clock.now() - timedelta(seconds=1)
    expected = deleted_vendors(emu, 5)
    client = client_for(emu, page_size=2)
    before = emu.admin.stats()["calls"].get("DEMO", {}).get("query", 0)
    trail = client.deleted_from_audit_trail("VENDOR", since)
    assert trail.available and trail.unavailable_reason == ""
    assert sorted(trail.object_keys) == sorted(expected)
    assert len({e["ID"] for e in trail.events}) == 5 and all(e["ID"] for e in trail.events)
    assert emu.admin.stats()["calls"]["DEMO"]["query"] - before == 3  # pages of 2, 2 and 1


def test_only_deletes_since_the_given_time_count():
    emu = emulator_pkg.Emulator.from_dataset("demo")
    deleted_vendors(emu, 1)
    emu.admin.advance_clock(120)
    since = emu.world.clock.now().astimezone(UTC)
    emu.admin.advance_clock(5)
    later = deleted_vendors(emu, 1)
    assert set(client_for(emu).deleted_from_audit_trail("VENDOR", since).object_keys) == set(later)


def test_failing_pages_make_the_trail_unavailable_and_are_logged(caplog):
    emu = emulator_pkg.Emulator.from_dataset("demo")
    since = emu.world.clock.now() - timedelta(seconds=1)
    deleted_vendors(emu, 1)
    emu.admin.set_faults(audit_page_error_rate=1.0)
    with caplog.at_level(logging.WARNING, logger="intacct.client"):
        trail = client_for(emu).deleted_from_audit_trail("VENDOR", since)
    assert not trail.available and trail.object_keys == frozenset()
    assert "There was an error processing the request" in trail.unavailable_reason
    [line] = [r.getMessage() for r in caplog.records if "Audit trail unavailable" in r.getMessage()]
    assert "VENDOR" in line and "key reconciliation" in line


def test_a_role_without_the_audit_trail_is_logged_not_raised(caplog):
    emu = emulator_pkg.Emulator.from_dataset("demo")
    company = emu.world.companies["DEMO"]
    company.roles[company.users["Paymentus-Web"].role].modules.discard("Company")
    with caplog.at_level(logging.WARNING, logger="intacct.client"):
        trail = client_for(emu).deleted_from_audit_trail("APBILL", datetime.now(UTC) - timedelta(days=1))
    assert not trail.available and "may not read the audit trail" in trail.unavailable_reason
    assert any("Audit trail unavailable for APBILL" in r.getMessage() for r in caplog.records)
