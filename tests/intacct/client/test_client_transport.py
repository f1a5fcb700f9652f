import httpx
import pytest
from intacct_client_fakes import (
    FakeGateway,
    answer,
    envelope,
    error,
    login_handler,
    make_client,
    operation,
    query_data,
    result,
)

from intacct.client import ClientSettings
from intacct.client import errors as E

pytestmark = pytest.mark.unit


def one_vendor(request):
    return result("query", request.control_ids[0], query_data("VENDOR", [{"RECORDNO": 7, "NAME": "Acme"}]))


def ok(request):
    return envelope(operation(one_vendor(request)))


@pytest.mark.parametrize("failure", [
    lambda r: httpx.Response(502, text="Bad gateway"),
    lambda r: httpx.Response(503),
    lambda r: httpx.Response(504),
    lambda r: httpx.Response(429, headers={"Retry-After": "7"}, content=envelope(
        control_ok=False, control_errors=error("GW-0010", "Rate limit exceeded"))),
    lambda r: httpx.Response(200, text="<!DOCTYPE html><html><body>Cloudflare error 1020</body></html>",
                             headers={"content-type": "text/html"}),
    lambda r: httpx.Response(200, content=ok(r)[:-60]),  # truncated XML
    lambda r: envelope(control_ok=False, control_errors=error("", "The Service is Temporarily Off-line",
                                                             correction="Please Try Again Later")),
])
def test_transient_failures_are_retried_with_backoff(failure):
    gateway = FakeGateway(failure, ok)
    sleeps: list[float] = []
    client = make_client(gateway, sleeps=sleeps)
    assert client.find("VENDOR", None, ["NAME"]) == [{"NAME": "Acme", "RECORDNO": 7}]
    assert len(sleeps) == 1 and sleeps[0] > 0
    assert len(gateway.data_requests) == 2


def test_retry_after_header_is_honoured():
    gateway = FakeGateway(lambda r: httpx.Response(429, headers={"Retry-After": "7"}), ok)
    sleeps: list[float] = []
    make_client(gateway, sleeps=sleeps).find("VENDOR", None, ["NAME"])
    assert sleeps == [7.0]


def test_connection_errors_are_retried():
    def refuse(request):
        raise httpx.ConnectError("refused")
    gateway = FakeGateway(refuse, refuse, ok)
    sleeps: list[float] = []
    make_client(gateway, sleeps=sleeps).find("VENDOR", None, ["NAME"])
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] * 0.5  # exponential with jitter


def test_total_retry_time_is_bounded():
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    gateway = FakeGateway(default=lambda r: httpx.Response(503))
    client = make_client(gateway, settings=ClientSettings(retry_max_seconds=20), clock=lambda: now[0])
    client._transport.sleep = sleep
    with pytest.raises(E.TransportError, match="gave up after"):
        client.find("VENDOR", None, ["NAME"])
    assert sum(sleeps) <= 20


def test_524_is_not_resent_at_once():
    gateway = FakeGateway(lambda r: httpx.Response(524), ok)
    sleeps: list[float] = []
    make_client(gateway, sleeps=sleeps, settings=ClientSettings(retry_after_524_seconds=60,
                                                                retry_max_seconds=300)).find("VENDOR", None)
    assert sleeps and sleeps[0] >= 60


def test_http_401_is_wrong_credentials_and_not_retried():
    gateway = FakeGateway(login_handler(lambda r: httpx.Response(401, content=envelope(
        control_ok=False, control_errors=error("XMLGW_JPP0002",
                                               "Sign-in information is incorrect. Please check your request.")))))
    sleeps: list[float] = []
    with pytest.raises(E.InvalidCredentials) as caught:
        make_client(gateway, sleeps=sleeps).open_session()
    assert sleeps == []
    assert "Company > Admin > Users, roles & groups > Web Services users" in str(caught.value)


def test_function_failure_is_typed_with_support_id():
    gateway = FakeGateway(answer(lambda r: result("query", r.control_ids[0], status="failure", errors=error(
        "DL02000001", "There was an error processing the request. [Support ID: a%40b]"))))
    with pytest.raises(E.ValidationError) as caught:
        make_client(gateway).find("VENDOR", None)
    assert caught.value.support_id == "a@b" and caught.value.errorno == "DL02000001"


def test_at_most_max_concurrency_requests_per_company_are_in_flight():
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from intacct_client_fakes import credentials

    from intacct.client import IntacctClient

    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def slow(request):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.02)
        with lock:
            state["now"] -= 1
        return ok(request)

    gateway = FakeGateway(default=slow)
    # Two clients of the same company share the limit (default 2).
    clients = [IntacctClient(credentials(company_id="LIMITED"), transport=httpx.MockTransport(gateway))
               for _ in range(2)]
    for c in clients:
        c.open_session()
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda i: clients[i % 2].find("VENDOR", None, ["NAME"]), range(12)))
    assert state["peak"] == 2
