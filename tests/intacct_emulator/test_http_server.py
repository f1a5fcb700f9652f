"""The real HTTP server and the command line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from intacct_emulator import Emulator
from tests.intacct_emulator.emulator_requests import COMPANY, Gateway, envelope, session_auth

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(emu):
    running = emu.serve_in_thread(host="127.0.0.1", port=0)
    yield running
    running.stop()


@pytest.fixture
def http_gw(emu, server):
    with httpx.Client(timeout=10) as client:
        yield Gateway(emu, url=server.url, client=client)


def test_session_endpoint_is_the_url_the_request_came_in_on(http_gw, server):
    answer = http_gw.call("<getAPISession/>")
    assert answer.root.findtext("operation/result/data/api/endpoint") == server.url
    session = answer.root.findtext("operation/result/data/api/sessionid")
    page = http_gw.call(
        "<query><object>VENDOR</object><select><field>RECORDNO</field></select>"
        "<pagesize>5</pagesize></query>",
        auth=session_auth(session),
    )
    assert page.result().find("data").get("count") == "5"


def test_many_requests_on_one_keep_alive_connection(http_gw):
    for _ in range(5):
        assert http_gw.call("<getAPISession/>").status == 200


def test_lost_connection_over_http(http_gw, emu):
    emu.admin.set_faults(fail_next=["lost_connection"])
    with pytest.raises(httpx.RemoteProtocolError):
        http_gw.post(envelope("<getAPISession/>"))
    assert http_gw.call("<getAPISession/>").status == 200


def test_admin_api_over_http(server, emu):
    with httpx.Client(base_url=server.admin_url, timeout=10) as client:
        created = client.post(
            f"/records/{COMPANY}/VENDOR",
            json={
                "fields": {
                    "VENDORID": "V-HTTP",
                    "NAME": "Over HTTP",
                    "DISPLAYCONTACT": {"PRINTAS": "Over HTTP"},
                }
            },
        )
        assert created.status_code == 200, created.text
        assert client.get("/stats").json()["records"][COMPANY]["VENDOR"] >= 201
    assert emu.admin.find_records(COMPANY, "VENDOR", VENDORID="V-HTTP")


def test_get_on_the_gateway_is_refused(server):
    assert httpx.get(server.url, timeout=10).status_code == 405
    assert httpx.get(server.base_url + "/elsewhere", timeout=10).status_code == 404


def test_stop_frees_the_port():
    running = Emulator.from_dataset("empty").serve_in_thread()
    url = running.url
    running.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.post(url, content=b"<request/>", timeout=2)


def test_cli_serves_prints_credentials_and_stops_on_sigterm():
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "intacct_emulator",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--dataset",
            "demo",
            "--seed",
            "3",
            "--latency-ms",
            "1",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        while True:
            line = process.stdout.readline()
            assert line, process.stderr.read()
            lines.append(line)
            if line.startswith("Press Ctrl+C"):
                break
        output = "".join(lines)
        assert "demo-sender-pw" in output and "Paymentus-Web" in output
        url = next(word for word in output.split() if word.endswith("/ia/xml/xmlgw.phtml"))
        answer = httpx.post(url, content=envelope("<getAPISession/>"), timeout=10)
        assert b"<status>success</status>" in answer.content
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert "Stopped." in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_an_emulator_bug_answers_500_without_xml(http_gw, emu, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(emu.gateway, "handle", broken)
    answer = http_gw.call("<getAPISession/>")
    assert answer.status == 500 and b"<response" not in answer.body
