"""The client against the emulator, in process (unit) and over HTTP (integration)."""

from __future__ import annotations

import logging
import math
from datetime import timedelta

import pytest

from intacct.client import ClientSettings, Credentials, IntacctClient, WriteRequest
from intacct.client import errors as E
from intacct.client import filters as F

emulator_pkg = pytest.importorskip("intacct_emulator")
Emulator = emulator_pkg.Emulator
DEMO = emulator_pkg.DEMO_CREDENTIALS
IN_PROCESS_URL = emulator_pkg.IN_PROCESS_URL


def credentials(endpoint: str = IN_PROCESS_URL, **overrides) -> Credentials:
    values = dict(company_id=DEMO["company_id"], user_id=DEMO["user_id"], user_password=DEMO["user_password"],
                  sender_id=DEMO["sender_id"], sender_password=DEMO["sender_password"], endpoint=endpoint,
                  allowed_hosts=("emulator.local", "127.0.0.1"))
    values.update(overrides)
    return Credentials(**values)


def client_for(emu, settings: ClientSettings | None = None, sleeps: list | None = None, **overrides) -> IntacctClient:
    sleeps = [] if sleeps is None else sleeps
    return IntacctClient(credentials(**overrides), settings or ClientSettings(), transport=emu.transport(),
                         sleep=sleeps.append)


def query_calls(emu) -> int:
    return emu.admin.stats()["calls"].get("DEMO", {}).get("query", 0)


def vendor(i: int, **extra) -> WriteRequest:
    fields = {"VENDORID": f"BC-{i:05d}", "NAME": f"Test Vendor {i}", "DISPLAYCONTACT": {
        "PRINTAS": f"Test Vendor {i}", "EMAIL1": f"ap{i}@example.com"}, **extra}
    return WriteRequest(f"vendor:BC-{i:05d}", fields)


# -- reading -----------------------------------------------------------------------------------------------------

@pytest.mark.unit
def test_paging_25000_records_returns_each_once_while_records_change_between_pages():
    emu = Emulator.from_dataset("generated", vendors=25_000, bills=0)
    client = client_for(emu)
    all_ids = set(client.list_record_numbers("VENDOR"))
    assert len(all_ids) == 25_000
    seen: list[int] = []
    names: dict[int, str] = {}
    changed_unread: list[int] = []
    created = None
    for number, page in enumerate(client.iter_pages("VENDOR", ["NAME"])):
        seen.extend(r["RECORDNO"] for r in page.records)
        names.update((r["RECORDNO"], r["NAME"]) for r in page.records)
        if number == 0:
            emu.admin.advance_clock(5)
            for recordno in seen[:3]:  # already read: moves behind the cursor, must not come back
                emu.admin.ui_update("DEMO", "VENDOR", recordno, {"NAME": f"Read then changed {recordno}"})
            changed_unread = sorted(all_ids - set(seen))[:3]  # not read yet: must be read once, changed
            for recordno in changed_unread:
                emu.admin.ui_update("DEMO", "VENDOR", recordno, {"NAME": f"Changed before read {recordno}"})
            created = emu.admin.ui_create("DEMO", "VENDOR", {"VENDORID": "NEW-1", "NAME": "Created mid-read"})
    assert len(seen) == len(set(seen))
    assert set(seen) == all_ids | {int(created["RECORDNO"])}
    assert all(names[n] == f"Changed before read {n}" for n in changed_unread)


@pytest.mark.unit
@pytest.mark.parametrize("rows, page_size", [(25_000, 2000), (4_000, 2000), (2_500, 700)])
def test_read_calls_equal_pages_plus_the_session_call(rows, page_size):
    emu = Emulator.from_dataset("generated", vendors=rows, bills=0)
    client = client_for(emu, ClientSettings(page_size=page_size))
    records = list(client.iter_records("VENDOR", ["VENDORID"]))
    assert len(records) == rows
    expected = math.ceil(rows / page_size)
    assert query_calls(emu) == expected
    assert client.usage.calls_by_function == {"getAPISession": 1, "query": expected}
    assert emu.admin.stats()["calls"]["DEMO"]["getAPISession"] == 1


@pytest.mark.unit
def test_incremental_read_returns_only_changed_records_typed():
    emu = Emulator.from_dataset("demo")
    client = client_for(emu, entity_id="US01")
    before = list(client.iter_records("VENDOR", ["NAME"]))
    latest = max(r["WHENMODIFIED"] for r in before)
    emu.admin.advance_clock(60)
    target = before[5]["RECORDNO"]
    emu.admin.ui_update("DEMO", "VENDOR", target, {"NAME": "Renamed in the UI"})
    changed = list(client.iter_records("VENDOR", ["NAME"], modified_since=latest + timedelta(seconds=1)))
    assert [r["RECORDNO"] for r in changed] == [target]
    assert changed[0]["NAME"] == "Renamed in the UI"
    assert changed[0]["WHENMODIFIED"].tzinfo is not None and changed[0]["WHENMODIFIED"] > latest


@pytest.mark.unit
def test_caller_filter_is_kept_on_every_page():
    emu = Emulator.from_dataset("generated", vendors=3000, bills=0)
    client = client_for(emu, ClientSettings(page_size=500))
    active = list(client.iter_records("VENDOR", ["STATUS"], where=F.eq("STATUS", "active")))
    assert active and all(r["STATUS"] == "active" for r in active)
    assert len(active) == len(emu.admin.find_records("DEMO", "VENDOR", STATUS="active"))


@pytest.mark.unit
def test_bill_lines_are_read_for_many_bills_per_call_and_grouped():
    emu = Emulator.from_dataset("demo")
    client = client_for(emu)
    bills = list(client.list_record_numbers("APBILL"))
    before = query_calls(emu)
    lines = client.read_bill_lines(bills, ["RECORDKEY", "LINE_NO", "TRX_AMOUNT", "ACCOUNTNO"])
    total_lines = sum(len(v) for v in lines.values())
    assert set(lines) == set(bills)
    assert total_lines == len(emu.admin.find_records("DEMO", "APBILLITEM"))
    assert query_calls(emu) - before <= math.ceil(len(bills) / 1000) + math.ceil(total_lines / 2000)
    some_bill = next(b for b in bills if lines[b])
    assert all(line["RECORDKEY"] == some_bill for line in lines[some_bill])
    assert all(type(line["TRX_AMOUNT"]).__name__ == "Decimal" for line in lines[some_bill])


@pytest.mark.unit
def test_session_expiry_mid_run_signs_in_again_once():
    emu = Emulator.from_dataset("demo")
    client = client_for(emu)
    client.find("GLACCOUNT", F.eq("ACCOUNTNO", "1000"), ["TITLE"])
    emu.admin.expire_sessions()
    assert client.find("GLACCOUNT", None, ["TITLE"])
    assert client.usage.calls_by_function["getAPISession"] == 2


@pytest.mark.unit
def test_deleted_records_come_from_the_audit_trail():
    emu = Emulator.from_dataset("demo")
    client = client_for(emu)
    created = emu.admin.ui_create("DEMO", "VENDOR", {"VENDORID": "GONE-1", "NAME": "Soon deleted"})
    (start,) = client.find("VENDOR", F.eq("VENDORID", "GONE-1"), ["NAME", "WHENMODIFIED"])
    emu.admin.advance_clock(30)
    emu.admin.ui_delete("DEMO", "VENDOR", created["RECORDNO"])
    events = list(client.iter_audit_events("VENDOR", start["WHENMODIFIED"]))
    assert [e["OBJECTKEY"] for e in events] == [str(created["RECORDNO"])]
    # The returned form (code or word) is not recorded; the emulator answers the readByQuery word.
    assert events[0]["ACCESSMODE"] in ("D", "Delete")


# -- writing -----------------------------------------------------------------------------------------------------

@pytest.mark.unit
def test_500_creates_take_ceil_500_over_batch_size_requests():
    emu = Emulator.from_dataset("empty")
    client = client_for(emu, ClientSettings(write_batch_size=100))
    outcomes = client.create("VENDOR", [vendor(i) for i in range(500)])
    assert len(outcomes) == 500 and all(o.ok and o.record_no for o in outcomes)
    assert [o.key for o in outcomes] == [f"vendor:BC-{i:05d}" for i in range(500)]
    assert client.usage.requests == 1 + 5
    assert client.usage.records_written == 500
    assert emu.admin.stats()["calls"]["DEMO"]["create"] == 500
    assert len(emu.admin.find_records("DEMO", "VENDOR")) == 500


@pytest.mark.unit
def test_write_requests_are_also_split_by_size():
    emu = Emulator.from_dataset("empty")
    client = client_for(emu, ClientSettings(write_batch_size=100, max_request_chars=20_000))
    requests = [vendor(i, COMMENTS="x" * 900) for i in range(40)]
    outcomes = client.create("VENDOR", requests)
    assert all(o.ok for o in outcomes)
    assert client.usage.requests - 1 >= 3


@pytest.mark.unit
@pytest.mark.parametrize("fault", ["lost_response", "lost_connection", "http_524", "truncated_xml"])
def test_write_retried_after_a_lost_response_creates_nothing_twice(fault):
    emu = Emulator.from_dataset("empty")
    sleeps: list[float] = []
    client = client_for(emu, ClientSettings(write_batch_size=10), sleeps=sleeps)
    client.open_session()
    emu.admin.set_faults(fail_next=[fault])
    outcomes = client.create("VENDOR", [vendor(i) for i in range(10)])
    assert sleeps, "the lost answer must have caused a retry"
    assert all(o.ok and o.already_applied for o in outcomes)
    assert len(emu.admin.find_records("DEMO", "VENDOR")) == 10
    again = client.create("VENDOR", [vendor(i) for i in range(10)])  # e.g. a re-run with the same content
    assert all(o.already_applied for o in again)
    assert len(emu.admin.find_records("DEMO", "VENDOR")) == 10


@pytest.mark.unit
def test_failed_write_is_one_typed_outcome_and_others_succeed():
    emu = Emulator.from_dataset("empty")
    client = client_for(emu)
    client.create("VENDOR", [vendor(1)])
    outcomes = client.create("VENDOR", [WriteRequest("vendor:dupe", {"VENDORID": "BC-00001", "NAME": "Again",
                                                                    "DISPLAYCONTACT": {"PRINTAS": "Again"}}),
                                        vendor(2)])
    assert [o.ok for o in outcomes] == [False, True]
    assert isinstance(outcomes[0].error, E.DuplicateRecord) and outcomes[0].error.errorno
    assert outcomes[0].error.support_id


@pytest.mark.unit
def test_update_and_delete():
    emu = Emulator.from_dataset("empty")
    client = client_for(emu)
    (created,) = client.create("VENDOR", [vendor(1)])
    (updated,) = client.update("VENDOR", [WriteRequest("vendor:BC-00001", {"RECORDNO": created.record_no,
                                                                           "NAME": "Renamed"})])
    assert updated.ok and emu.admin.get_record("DEMO", "VENDOR", created.record_no)["NAME"] == "Renamed"
    (deleted,) = client.delete("VENDOR", [created.record_no])
    assert deleted.ok and emu.admin.get_record("DEMO", "VENDOR", created.record_no) is None


# -- setup checks ------------------------------------------------------------------------------------------------

SETUP_FAILURES = [
    (dict(sender_id="Unauthorized"), {}, "Web Services authorizations: add sender ID 'Unauthorized' with status "
     "Active"),
    (dict(sender_password="wrong"), {}, "sender password"),
    (dict(user_password="wrong"), {}, "Company > Admin > Users, roles & groups > Web Services users"),
    (dict(user_password="wrong"), {"http_401_for_bad_login": True}, "Company > Admin > Users, roles & groups > Web Services users"),
    (dict(company_id="NOPE"), {}, "Company ID 'NOPE'"),
    (dict(entity_id="XX99"), {}, "Company > Entities > Entity Id"),
    (dict(user_id="Limited-Web"), {}, "the role of user 'Limited-Web' needs subscriptions to Company, General "
     "Ledger, Accounts Payable, and Accounts Receivable with their permissions"),
    ({}, {"maintenance": True}, "maintenance window"),
]


@pytest.mark.unit
@pytest.mark.parametrize("overrides, faults, remediation", SETUP_FAILURES)
def test_each_setup_failure_yields_its_remediation(overrides, faults, remediation):
    emu = Emulator.from_dataset("demo")
    if faults:
        emu.admin.set_faults(**faults)
    client = client_for(emu, ClientSettings(retry_max_seconds=5), **overrides)
    report = client.check_setup()
    assert not report.ok
    assert remediation in report.message
    for secret in (DEMO["user_password"], DEMO["sender_password"], "wrong"):
        assert secret not in report.message


@pytest.mark.unit
def test_setup_check_passes_and_names_what_works():
    report = client_for(Emulator.from_dataset("demo"), entity_id="US01").check_setup()
    assert report.ok, report.message
    assert [c.name for c in report.checks] == ["sign in", "read GLACCOUNT", "read VENDOR", "read APBILL"]


# -- secrets -----------------------------------------------------------------------------------------------------

@pytest.mark.unit
def test_debug_log_of_a_full_run_contains_no_secrets(caplog):
    emu = Emulator.from_dataset("demo")
    client = client_for(emu, ClientSettings(write_batch_size=3))
    tax_ids = [f"98-76{i:05d}" for i in range(4)]
    with caplog.at_level(logging.DEBUG, logger="intacct"):
        session = client.open_session()
        client.check_setup()
        client.create("VENDOR", [vendor(i, TAXID=tax) for i, tax in enumerate(tax_ids)])
        duplicate = client.create("VENDOR", [WriteRequest("vendor:again", {
            "VENDORID": "BC-00000", "TAXID": tax_ids[0], "NAME": "x", "DISPLAYCONTACT": {"PRINTAS": "x"}})])
        read = list(client.iter_records("VENDOR", ["TAXID", "NAME"]))
        emu.admin.expire_sessions()
        client.read_bill_lines(list(client.list_record_numbers("APBILL"))[:50])
    assert {r["TAXID"] for r in read} >= set(tax_ids)  # the values were really on the wire
    assert caplog.records and any("<query>" in r.getMessage() for r in caplog.records)
    text = "\n".join(r.getMessage() for r in caplog.records) + repr(client) + str(duplicate)
    for secret in (DEMO["user_password"], DEMO["sender_password"], session.session_id, *tax_ids):
        assert secret not in text


# -- over HTTP ---------------------------------------------------------------------------------------------------

@pytest.fixture
def served():
    emu = Emulator.from_dataset("demo")
    server = emu.serve_in_thread()
    yield emu, server
    server.stop()


@pytest.mark.integration
def test_over_http_read_write_and_concurrency_limit(served):
    from concurrent.futures import ThreadPoolExecutor

    emu, server = served
    emu.admin.set_faults(max_concurrent_per_company=2, latency_ms=20)
    sleeps: list[float] = []
    client = IntacctClient(credentials(server.url), ClientSettings(page_size=100), sleep=sleeps.append)
    with client:
        client.open_session()
        with ThreadPoolExecutor(max_workers=4) as pool:
            counts = list(pool.map(lambda obj: sum(1 for _ in client.iter_records(obj, ["RECORDNO"])),
                                   ["VENDOR", "GLACCOUNT", "APBILL", "VENDOR"]))
        assert counts[0] == counts[3] == len(emu.admin.find_records("DEMO", "VENDOR"))
        assert sleeps == [], "the client-side limit of 2 concurrent requests must avoid 429s"
        outcomes = client.create("VENDOR", [vendor(i) for i in range(5)])
        assert all(o.ok for o in outcomes)


@pytest.mark.integration
def test_over_http_lost_connection_write_is_not_duplicated(served):
    emu, server = served
    sleeps: list[float] = []
    client = IntacctClient(credentials(server.url), sleep=sleeps.append)
    with client:
        client.open_session()
        emu.admin.set_faults(fail_next=["lost_connection"])
        outcomes = client.create("VENDOR", [vendor(i) for i in range(3)])
    assert sleeps and all(o.already_applied for o in outcomes)
    assert all(len(emu.admin.find_records("DEMO", "VENDOR", VENDORID=f"BC-{i:05d}")) == 1 for i in range(3))


@pytest.mark.unit
def test_keys_only_read_costs_one_call_per_page():
    emu = Emulator.from_dataset("generated", vendors=4_500, bills=0)
    client = client_for(emu)
    numbers = list(client.list_record_numbers("VENDOR"))
    assert len(numbers) == len(set(numbers)) == 4_500 and numbers == sorted(numbers)
    assert query_calls(emu) == math.ceil(4_500 / 2000)


@pytest.mark.unit
def test_flaky_gateway_still_reads_and_writes_each_record_exactly_once():
    emu = Emulator.from_dataset("demo", seed=3)
    sleeps: list[float] = []
    client = client_for(emu, ClientSettings(page_size=50, write_batch_size=7), sleeps=sleeps)
    client.open_session()
    emu.admin.set_faults(http_error_rate=0.1, html_error_rate=0.05, truncated_xml_rate=0.05,
                         lost_response_rate=0.1)
    ids = [r["RECORDNO"] for r in client.iter_records("VENDOR", ["NAME"])]
    outcomes = client.create("VENDOR", [vendor(i) for i in range(60)])
    emu.admin.clear_faults()
    assert sleeps, "faults must have been hit"
    assert len(ids) == len(set(ids)) == len(emu.admin.find_records("DEMO", "VENDOR")) - 60
    assert all(o.ok for o in outcomes)
    assert all(len(emu.admin.find_records("DEMO", "VENDOR", VENDORID=f"BC-{i:05d}")) == 1 for i in range(60))
