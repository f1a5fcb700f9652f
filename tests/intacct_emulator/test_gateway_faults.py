"""Every injected fault: what the client sees, and whether the work was done."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from lxml import etree

from intacct_emulator import Emulator
from intacct_emulator.faults import Faults
from tests.intacct_emulator.emulator_requests import COMPANY, Gateway, error_block, session_auth

pytestmark = pytest.mark.unit

ONE_VENDOR = (
    "<readByQuery><object>VENDOR</object><query></query><fields>RECORDNO</fields><pagesize>1</pagesize>"
    "</readByQuery>"
)


def create_vendor(vendor_id: str) -> str:
    return (
        f"<create><VENDOR><VENDORID>{vendor_id}</VENDORID><NAME>{vendor_id}</NAME><DISPLAYCONTACT>"
        f"<PRINTAS>{vendor_id}</PRINTAS></DISPLAYCONTACT></VENDOR></create>"
    )


def vendor_exists(emu: Emulator, vendor_id: str) -> bool:
    return bool(emu.admin.find_records(COMPANY, "VENDOR", VENDORID=vendor_id))


def test_latency_is_added(gw, emu):
    emu.admin.set_faults(latency_ms=60)
    started = time.perf_counter()
    gw.call(ONE_VENDOR)
    assert time.perf_counter() - started >= 0.06


def test_concurrency_limit_answers_429_gw_0010(emu):
    emu.admin.set_faults(latency_ms=300, max_concurrent_per_company=1)
    statuses: list[int] = []
    bodies: list[bytes] = []

    def call() -> None:
        answer = Gateway(emu).call(ONE_VENDOR)
        statuses.append(answer.status)
        bodies.append(answer.body)

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses).count(200) >= 1 and 429 in statuses
    refused = etree.fromstring(bodies[statuses.index(429)])
    assert refused.findtext("errormessage/error/errorno") == "GW-0010"


def test_concurrency_limit_is_per_company_and_frees_its_slot(gw, emu):
    emu.admin.set_faults(max_concurrent_per_company=1)
    assert [gw.call(ONE_VENDOR).status for _ in range(3)] == [200, 200, 200]


@pytest.mark.parametrize("code", [502, 503])
def test_http_errors_before_processing_do_nothing(gw, emu, code):
    emu.admin.set_faults(http_error_rate=1.0, http_error_codes=[code])
    answer = gw.call(create_vendor("V-HTTP-ERR"))
    assert answer.status == code
    emu.admin.clear_faults()
    assert not vendor_exists(emu, "V-HTTP-ERR")


def test_http_524_comes_after_the_work_was_done(gw, emu):
    emu.admin.set_faults(fail_next=["http_524"])
    answer = gw.call(create_vendor("V-524"))
    assert answer.status == 524
    assert vendor_exists(emu, "V-524")


def test_html_error_page_instead_of_xml(gw, emu):
    emu.admin.set_faults(fail_next=["html_error"])
    answer = gw.call(create_vendor("V-HTML"))
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/html")
    assert answer.body.lstrip().lower().startswith(b"<!doctype html")
    assert not vendor_exists(emu, "V-HTML")


def test_truncated_xml_after_commit(gw, emu):
    emu.admin.set_faults(fail_next=["truncated_xml"])
    answer = gw.call(create_vendor("V-TRUNC"))
    assert answer.status == 200
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(answer.body)
    assert vendor_exists(emu, "V-TRUNC")


def test_lost_response_after_commit_is_a_502(gw, emu):
    emu.admin.set_faults(fail_next=["lost_response"])
    assert gw.call(create_vendor("V-LOST")).status == 502
    assert vendor_exists(emu, "V-LOST")


def test_lost_connection_after_commit(gw, emu):
    emu.admin.set_faults(fail_next=["lost_connection"])
    with pytest.raises(httpx.RemoteProtocolError):
        gw.call(create_vendor("V-CLOSED"))
    assert vendor_exists(emu, "V-CLOSED")


def test_lost_response_rate_follows_the_mode(gw, emu):
    emu.admin.set_faults(lost_response_rate=1.0, lost_response_mode="connection_closed")
    with pytest.raises(httpx.RemoteProtocolError):
        gw.call(ONE_VENDOR)


def test_maintenance_answers_the_offline_texts_and_does_nothing(gw, emu):
    emu.admin.set_faults(maintenance=True)
    answer = gw.call(create_vendor("V-MAINT"))
    assert answer.status == 200
    error = error_block(answer.root)[0]
    assert error["description2"] == "The Service is Temporarily Off-line"
    assert error["correction"] == "Please Try Again Later"
    emu.admin.set_faults(maintenance=False)
    assert not vendor_exists(emu, "V-MAINT")
    assert gw.call(ONE_VENDOR).result().findtext("status") == "success"


def test_session_expiry_fault(gw, emu):
    session = gw.open_session()
    emu.admin.set_faults(fail_next=["session_expiry"])
    answer = gw.call(ONE_VENDOR, auth=session_auth(session))
    assert answer.root.findtext("operation/errormessage/error/description2") == "Invalid session"


def test_result_set_expires_after_its_ttl(gw, emu):
    emu.admin.set_faults(result_set_ttl_seconds=60)
    first = gw.call(ONE_VENDOR).result().find("data")
    result_id = first.get("resultId")
    emu.admin.advance_clock(30)
    assert (
        gw.call(f"<readMore><resultId>{result_id}</resultId></readMore>").result().findtext("status")
        == "success"
    )
    emu.admin.advance_clock(61)
    expired = gw.call(f"<readMore><resultId>{result_id}</resultId></readMore>").result()
    assert expired.findtext("status") == "failure"
    assert error_block(expired)[0]["errorno"] == "readMore failed"
    assert f"invalid or expired resultId: {result_id}" in error_block(expired)[0]["description2"]


def test_result_set_expiry_fault(gw, emu):
    result_id = gw.call(ONE_VENDOR).result().find("data").get("resultId")
    emu.admin.set_faults(fail_next=["result_set_expiry"])
    assert (
        gw.call(f"<readMore><resultId>{result_id}</resultId></readMore>").result().findtext("status")
        == "failure"
    )


def test_fail_next_applies_one_fault_per_request_in_order(gw, emu):
    emu.admin.set_faults(fail_next=["503", "none", "http_502"])
    assert [gw.call(ONE_VENDOR).status for _ in range(4)] == [503, 200, 502, 200]


def test_rate_limited_can_be_forced(gw, emu):
    emu.admin.set_faults(fail_next=["rate_limited"])
    answer = gw.call(ONE_VENDOR)
    assert answer.status == 429 and answer.errornos() == ["GW-0010"]


def test_random_faults_replay_with_the_same_seed():
    def statuses(seed: int) -> list[int]:
        emu = Emulator.from_dataset(
            "empty", seed=seed, faults={"http_error_rate": 0.3, "http_error_codes": [502, 503]}
        )
        gateway = Gateway(emu)
        return [gateway.call(ONE_VENDOR).status for _ in range(30)]

    first = statuses(7)
    assert first == statuses(7)
    assert {200, 502} <= set(first) or {200, 503} <= set(first)


def test_bad_fault_settings_name_the_fix(emu):
    with pytest.raises(ValueError, match="valid settings"):
        emu.admin.set_faults(latncy_ms=5)
    with pytest.raises(ValueError, match="use one of"):
        emu.admin.set_faults(fail_next=["explode"])
    with pytest.raises(ValueError, match="between 0 and 1"):
        emu.admin.set_faults(http_error_rate=2)
    with pytest.raises(ValueError, match="subset"):
        emu.admin.set_faults(http_error_codes=[500])


def test_clear_faults_restores_defaults():
    faults = Faults(seed=1, latency_ms=10, fail_next=["502"])
    faults.clear()
    assert faults.describe()["latency_ms"] == 0 and faults.describe()["fail_next"] == []
