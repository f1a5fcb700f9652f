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


# -- a session handed on to another client (the next task of the run) --------------------------------------------

def test_an_exported_session_is_adopted_without_a_sign_in():
    gateway = FakeGateway(default=vendors)
    first = make_client(gateway)
    first.find("VENDOR", None)
    state = first.export_session()
    second = make_client(gateway)
    assert second.adopt_session(state) is True
    second.find("VENDOR", None)
    assert gateway.sessions_opened == 1
    assert second.usage.calls_by_function == {"query": 1}  # adopting costs nothing
    assert gateway.data_requests[-1].text("operation/authentication/sessionid") == SESSION_ID
    assert str(gateway.data_requests[-1].http.url) == SESSION_ENDPOINT


def test_no_session_to_export_before_the_first_sign_in():
    assert make_client(FakeGateway(default=vendors)).export_session() is None


@pytest.mark.parametrize("change", [
    {"user_id": "someone-else"}, {"company_id": "OTHER"}, {"entity_id": "CA01"}, {"sender_id": "OtherSender"},
])
def test_a_session_of_another_user_company_entity_or_sender_is_not_adopted(change):
    gateway = FakeGateway(default=vendors)
    first = make_client(gateway)
    first.open_session()
    other = make_client(gateway, **change)
    assert other.adopt_session(first.export_session()) is False
    other.find("VENDOR", None)
    assert gateway.sessions_opened == 2 and other.usage.calls_by_function["getAPISession"] == 1


def test_a_session_pointing_at_a_host_not_allowed_or_about_to_expire_is_not_adopted():
    gateway = FakeGateway(default=vendors)
    first = make_client(gateway)
    first.open_session()
    state = first.export_session()
    assert make_client(gateway).adopt_session({**state, "endpoint": "https://evil.example/ia/xml/xmlgw.phtml"}) is False
    soon = (datetime.now(UTC) + timedelta(seconds=30)).isoformat()  # inside the 2-minute refresh margin
    assert make_client(gateway).adopt_session({**state, "expires_at": soon}) is False
    assert make_client(gateway).adopt_session({"binding": state["binding"]}) is False  # not a session


def test_an_adopted_session_the_gateway_refuses_costs_one_counted_sign_in():
    refused = answer(lambda r: "", auth_ok=False, auth_errors=error("XL03000006", "Invalid session"))
    gateway = FakeGateway(default=vendors)
    first = make_client(gateway)
    first.open_session()
    state = first.export_session()
    gateway.queue.append(refused)
    second = make_client(gateway)
    assert second.adopt_session(state)
    second.find("VENDOR", None)
    assert second.usage.calls_by_function == {"getAPISession": 1, "query": 1}
