from datetime import UTC, datetime, timedelta

import pytest
from intacct_client_fakes import (
    SESSION_ENDPOINT,
    SESSION_ID,
    FakeGateway,
    answer,
    envelope,
    error,
    make_client,
    operation,
    query_data,
    result,
)

from intacct.client import errors as E

pytestmark = pytest.mark.unit


def vendors(request):
    return envelope(operation(result("query", request.control_ids[0], query_data("VENDOR", [{"RECORDNO": 1}]))))


def test_one_session_is_reused_with_its_endpoint():
    gateway = FakeGateway(default=vendors)
    client = make_client(gateway)
    client.find("VENDOR", None)
    client.find("VENDOR", None)
    assert gateway.sessions_opened == 1
    data = gateway.data_requests
    assert all(str(r.http.url) == SESSION_ENDPOINT for r in data)
    assert all(r.text("operation/authentication/sessionid") == SESSION_ID for r in data)
    assert client.usage.calls_by_function == {"getAPISession": 1, "query": 2}


def test_entity_login_sends_locationid():
    gateway = FakeGateway(default=vendors)
    make_client(gateway, entity_id="US01").open_session()
    assert gateway.requests[0].text("operation/authentication/login/locationid") == "US01"


def test_session_is_renewed_before_timeout():
    clock = [datetime(2029, 12, 31, 20, 0, tzinfo=UTC)]
    timeout = "2029-12-31T13:00:00-08:00"  # 21:00 UTC, echoed by every answer

    def short_lived(request):
        return envelope(operation(result("query", request.control_ids[0], query_data("VENDOR", [{"RECORDNO": 1}])),
                                  timeout=timeout))
    gateway = FakeGateway(default=short_lived, session_timeout=timeout)
    client = make_client(gateway, now=lambda: clock[0])
    client.find("VENDOR", None)
    clock[0] += timedelta(minutes=59)  # within the 2-minute refresh margin of 21:00
    client.find("VENDOR", None)
    assert gateway.sessions_opened == 2


def test_invalid_session_signs_in_again_once_and_resends():
    expired = answer(lambda r: "", auth_ok=False, auth_errors=error("XL03000006", f"Invalid session {SESSION_ID}"))
    gateway = FakeGateway(expired, vendors)
    client = make_client(gateway)
    assert [r["RECORDNO"] for r in client.find("VENDOR", None)] == [1]
    assert gateway.sessions_opened == 2


def test_invalid_session_twice_raises_without_leaking_the_session_id():
    expired = answer(lambda r: "", auth_ok=False, auth_errors=error("XL03000006", f"Invalid session {SESSION_ID}"))
    gateway = FakeGateway(default=expired)
    with pytest.raises(E.SessionExpired) as caught:
        make_client(gateway).find("VENDOR", None)
    assert SESSION_ID not in str(caught.value) and gateway.sessions_opened == 2
