"""The connection test answers quickly, names the URL, and says when a URL is not an Intacct XML gateway."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from intacct.hooks.intacct import IntacctHook

pytestmark = pytest.mark.integration

ANSWER_WITHIN_SECONDS = 15


def gateway_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/ia/xml/xmlgw.phtml"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def web_server(status: int, body: bytes, content_type: str) -> Iterator[int]:
    """A local web server that is not a gateway: every POST gets the same answer."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the http.server API)
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def silent_server() -> Iterator[int]:
    """Accepts connections and never answers (a hung host behind a load balancer)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def timed_test(intacct_connection, port: int) -> tuple[bool, str, float]:
    conn_id = intacct_connection(host=gateway_url(port), extra_overrides={"allowed_hosts": "127.0.0.1"})
    started = time.monotonic()
    ok, message = IntacctHook(conn_id).test_connection()
    return ok, message, time.monotonic() - started


def test_an_unreachable_host_answers_within_15_seconds_and_names_the_url(intacct_connection):
    port = closed_port()
    ok, message, elapsed = timed_test(intacct_connection, port)
    assert not ok
    assert elapsed < ANSWER_WITHIN_SECONDS, f"took {elapsed:.1f}s"
    assert gateway_url(port) in message and "Cannot reach" in message, message


def test_a_host_that_never_answers_answers_within_15_seconds(intacct_connection):
    with silent_server() as port:
        ok, message, elapsed = timed_test(intacct_connection, port)
    assert not ok
    assert elapsed < ANSWER_WITHIN_SECONDS, f"took {elapsed:.1f}s"
    assert gateway_url(port) in message and "no answer within" in message, message


@pytest.mark.parametrize("status, body, content_type, kind", [
    (404, b"<html><body>Not Found</body></html>", "text/html", "HTTP 404"),
    (405, b"Method Not Allowed", "text/plain", "HTTP 405"),
    (200, b"<!DOCTYPE html><html><body>Welcome</body></html>", "text/html", "an HTML page"),
    (200, b'{"status": "ok"}', "application/json", "not XML"),
])
def test_a_url_that_is_not_a_gateway_is_named_as_such(intacct_connection, status, body, content_type, kind):
    with web_server(status, body, content_type) as port:
        ok, message, elapsed = timed_test(intacct_connection, port)
    assert not ok
    assert elapsed < ANSWER_WITHIN_SECONDS, f"took {elapsed:.1f}s"
    assert f"{gateway_url(port)} answers, but it is not a Sage Intacct XML gateway" in message, message
    assert kind in message and "Endpoint (host)" in message
    assert "no error details" not in message


def test_the_sync_keeps_its_patient_retries(intacct_connection):
    conn_id = intacct_connection(host=gateway_url(closed_port()), extra_overrides={"allowed_hosts": "127.0.0.1"})
    hook = IntacctHook(conn_id)
    hook.test_connection()
    assert hook.config.settings.retry_max_seconds == 120 and hook.config.settings.timeout_seconds == 300
