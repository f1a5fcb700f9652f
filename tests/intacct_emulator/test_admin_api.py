"""The admin face (Python and JSON in process) and the usage statistics."""

from __future__ import annotations

import httpx
import pytest

from tests.intacct_emulator.emulator_requests import COMPANY

pytestmark = pytest.mark.unit

ADMIN = "http://emulator.local/_emulator"


@pytest.fixture
def admin_http(emu):
    with httpx.Client(transport=emu.transport(), base_url=ADMIN) as client:
        yield client


def new_vendor(vendor_id: str) -> dict:
    return {"VENDORID": vendor_id, "NAME": f"Vendor {vendor_id}", "DISPLAYCONTACT": {"PRINTAS": vendor_id}}


def test_stats_count_calls_per_function_and_records_written(gw, emu):
    gw.call("<getAPISession/>")
    gw.call(
        "<readByQuery><object>VENDOR</object><query></query><fields>RECORDNO</fields></readByQuery>",
        "<query><object>VENDOR</object><select><field>RECORDNO</field></select></query>",
    )
    gw.call(
        "<create>"
        "<VENDOR><VENDORID>V-ST-1</VENDORID><NAME>a</NAME><DISPLAYCONTACT><PRINTAS>a</PRINTAS>"
        "</DISPLAYCONTACT></VENDOR>"
        "<VENDOR><VENDORID>V-ST-2</VENDORID><NAME>b</NAME><DISPLAYCONTACT><PRINTAS>b</PRINTAS>"
        "</DISPLAYCONTACT></VENDOR>"
        "</create>"
    )
    stats = emu.admin.stats()
    assert stats["calls"][COMPANY] == {"getAPISession": 1, "readByQuery": 1, "query": 1, "create": 1}
    assert stats["records_written"][COMPANY] == 2
    assert stats["records"][COMPANY]["VENDOR"] >= 200


def test_failed_authentication_is_not_counted(gw, emu):
    from tests.intacct_emulator.emulator_requests import login_xml

    gw.call("<getAPISession/>", auth=login_xml(password="bad"))
    assert emu.admin.stats()["calls"] == {}


def test_ui_changes_show_up_through_the_api(gw, emu):
    created = emu.admin.ui_create(COMPANY, "VENDOR", new_vendor("V-UI-1"))
    recordno = int(created["RECORDNO"])
    before = emu.admin.get_record(COMPANY, "VENDOR", recordno)["WHENMODIFIED"]
    emu.admin.advance_clock(120)
    emu.admin.ui_update(COMPANY, "VENDOR", recordno, {"NAME": "Renamed in the UI"})
    after = emu.admin.get_record(COMPANY, "VENDOR", recordno)
    assert after["NAME"] == "Renamed in the UI" and after["WHENMODIFIED"] != before
    read = gw.call(f"<read><object>VENDOR</object><keys>{recordno}</keys><fields>NAME</fields></read>")
    assert read.result().findtext("data/VENDOR/NAME") == "Renamed in the UI"
    emu.admin.ui_delete(COMPANY, "VENDOR", recordno)
    assert emu.admin.get_record(COMPANY, "VENDOR", recordno) is None
    assert emu.admin.find_records(COMPANY, "VENDOR", VENDORID="V-UI-1") == []


def test_ui_changes_do_not_count_as_api_usage(emu):
    emu.admin.ui_create(COMPANY, "VENDOR", new_vendor("V-UI-2"))
    assert emu.admin.stats()["records_written"] == {}


def test_reset_reloads_the_dataset_and_forgets_sessions(gw, emu):
    session = gw.open_session()
    emu.admin.ui_create(COMPANY, "VENDOR", new_vendor("V-RESET"))
    emu.admin.reset("demo")
    assert emu.admin.find_records(COMPANY, "VENDOR", VENDORID="V-RESET") == []
    from tests.intacct_emulator.emulator_requests import session_auth

    answer = gw.call(
        "<readByQuery><object>VENDOR</object><query></query></readByQuery>", auth=session_auth(session)
    )
    assert answer.root.findtext("operation/errormessage/error/description2") == "Invalid session"
    assert emu.admin.stats()["calls"] == {}


def test_json_admin_routes(admin_http, emu):
    assert admin_http.post("/faults", json={"latency_ms": 5}).json()["latency_ms"] == 5
    assert admin_http.get("/faults").json()["latency_ms"] == 5
    assert admin_http.delete("/faults").json()["latency_ms"] == 0

    created = admin_http.post(f"/records/{COMPANY}/VENDOR", json={"fields": new_vendor("V-JSON")})
    assert created.status_code == 200, created.text
    recordno = created.json()["RECORDNO"]
    patched = admin_http.patch(f"/records/{COMPANY}/VENDOR/{recordno}", json={"NAME": "Patched"})
    assert patched.status_code == 200 and patched.json()["NAME"] == "Patched"
    assert admin_http.get(f"/records/{COMPANY}/VENDOR/{recordno}").json()["NAME"] == "Patched"
    found = admin_http.get(f"/records/{COMPANY}/VENDOR", params={"VENDORID": "V-JSON"}).json()
    assert [row["RECORDNO"] for row in found] == [recordno]
    assert admin_http.delete(f"/records/{COMPANY}/VENDOR/{recordno}").status_code == 200
    assert admin_http.get(f"/records/{COMPANY}/VENDOR/{recordno}").status_code == 404

    before = emu.world.clock.now()
    moved = admin_http.post("/clock", json={"advance_seconds": 3600})
    assert moved.status_code == 200
    assert (emu.world.clock.now() - before).total_seconds() >= 3600

    stats = admin_http.get("/stats").json()
    assert set(stats) == {"calls", "records_written", "records"}
    assert admin_http.post("/reset", json={"dataset": "empty"}).status_code == 200


def test_json_admin_errors_say_what_to_do(admin_http):
    assert admin_http.post("/faults", json={"bogus": 1}).json()["error"].startswith("Unknown fault setting")
    assert admin_http.post("/clock", json={}).status_code == 400
    assert admin_http.get("/records/NOPE/VENDOR/1").status_code == 404
    assert admin_http.post("/faults", content=b"{not json").status_code == 400
    assert admin_http.get("/nothing-here").status_code == 404
    invalid = admin_http.post(f"/records/{COMPANY}/VENDOR", json={"fields": {"NAME": "no contact"}})
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["errorno"]


def test_raw_values_are_what_every_gateway_read_answers(gw, emu, admin_http):
    recordno = int(emu.admin.ui_create(COMPANY, "VENDOR", new_vendor("V-RAW-1"))["RECORDNO"])
    emu.admin.set_raw_values(COMPANY, "VENDOR", recordno, {"NAME": "12,34 & <b>", "RECORDNO": None})
    read = gw.call(f"<read><object>VENDOR</object><keys>{recordno}</keys><fields>RECORDNO,NAME</fields></read>")
    assert b"<NAME>12,34 &amp; &lt;b&gt;</NAME>" in read.body and b"<RECORDNO>" not in read.body
    listed = gw.call("<readByQuery><object>VENDOR</object><query>VENDORID = 'V-RAW-1'</query>"
                     "<fields>RECORDNO,NAME</fields></readByQuery>")
    assert b"<NAME>12,34 &amp; &lt;b&gt;</NAME>" in listed.body and b"<RECORDNO>" not in listed.body
    # The stored record does not change: the admin reads show it as stored.
    assert emu.admin.get_record(COMPANY, "VENDOR", recordno)["NAME"] == "Vendor V-RAW-1"
    answered = admin_http.put(f"/records/{COMPANY}/VENDOR/{recordno}/raw", json={"fields": {}})
    assert answered.status_code == 200, answered.text
    read = gw.call(f"<read><object>VENDOR</object><keys>{recordno}</keys><fields>RECORDNO,NAME</fields></read>")
    assert f"<RECORDNO>{recordno}</RECORDNO>".encode() in read.body and b"<NAME>Vendor V-RAW-1</NAME>" in read.body
    refused = admin_http.put(f"/records/{COMPANY}/VENDOR/{recordno}/raw", json={"fields": {"NOPE": "1"}})
    assert refused.status_code == 422
