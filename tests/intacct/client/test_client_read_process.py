"""A read in a process of its own (``IntacctClient.process_read``) against the emulator over HTTP: the same pages,
the same calls counted where the caller counts them, the company's slots held, errors and logs brought back."""

from __future__ import annotations

import logging
import os
import signal
import time

import pytest

from intacct.client import ClientSettings, Credentials, IntacctClient
from intacct.client import errors as E
from intacct.client.read_process import ProcessRead

emulator_pkg = pytest.importorskip("intacct_emulator")
Emulator = emulator_pkg.Emulator
DEMO = emulator_pkg.DEMO_CREDENTIALS

pytestmark = pytest.mark.integration

READ = ("APBILL", "APBILLITEM", "RECORDKEY", ["RECORDNO", "RECORDID", "VENDORID", "TOTALENTERED", "WHENMODIFIED"],
        ["RECORDNO", "RECORDKEY", "LINE_NO", "AMOUNT", "ACCOUNTNO"])


@pytest.fixture
def served():
    emulator = Emulator.from_dataset("generated", vendors=40, bills=700, seed=5)
    server = emulator.serve_in_thread(host="127.0.0.1", port=0)
    yield emulator, server
    server.stop()


def http_client(server, **settings) -> IntacctClient:
    credentials = Credentials(company_id=DEMO["company_id"], user_id=DEMO["user_id"],
                              user_password=DEMO["user_password"], sender_id=DEMO["sender_id"],
                              sender_password=DEMO["sender_password"], endpoint=server.url,
                              allowed_hosts=("127.0.0.1",))
    # Small pages and an early split: many pages, and the read splits in halves inside the reading process.
    chosen = {"page_size": 100, "split_read_min_pages": 4, "retry_max_seconds": 0, **settings}
    return IntacctClient(credentials, ClientSettings(**chosen))


def gateway_calls(emulator) -> dict[str, int]:
    return dict(emulator.admin.stats()["calls"].get(DEMO["company_id"], {}))


def delta(before: dict, after: dict) -> dict:
    return {name: after[name] - before.get(name, 0) for name in after if after[name] - before.get(name, 0)}


def shape(pages) -> list[tuple]:
    """What a caller sees of pages: records, lines and cursor, in the order they come."""
    return [(tuple(tuple(sorted(r.items())) for r in p.records), tuple(sorted(
        (k, tuple(tuple(sorted(line.items())) for line in v)) for k, v in p.lines.items())), p.cursor) for p in pages]


def test_a_process_read_gives_the_pages_and_counts_the_calls_of_a_read_in_threads(served):
    emulator, server = served
    with http_client(server) as client:
        client.open_session()
        before = gateway_calls(emulator)
        in_threads = list(client.iter_with_children(*READ, parts=None))
        threads_calls = delta(before, gateway_calls(emulator))

        usage_before, before = client.usage.calls_by_function, gateway_calls(emulator)
        read = client.process_read("iter_with_children", READ, {"parts": None})
        assert isinstance(read, ProcessRead)
        in_process = list(read)
        process_calls = delta(before, gateway_calls(emulator))

    assert shape(in_process) == shape(in_threads)
    assert sum(len(p.records) for p in in_process) == 700
    # The same calls, no sign-in of its own (the session is shared), and each counted by the caller's usage.
    assert process_calls == threads_calls and "getAPISession" not in process_calls
    assert delta(usage_before, client.usage.calls_by_function) == process_calls
    assert read._process is None, "the reading process is gone once the read is done"


def test_a_process_read_by_a_client_not_signed_in_yet_signs_in_once_for_both_processes(served):
    emulator, server = served
    with http_client(server) as client:
        before = gateway_calls(emulator)
        pages = list(client.process_read("iter_with_children", READ, {"parts": None}).read_early())
        client.iter_records("VENDOR", ["RECORDNO"]).__next__()  # the caller's own work goes on in that session
        assert pages and delta(before, gateway_calls(emulator))["getAPISession"] == 1


def test_the_calls_of_a_process_read_count_in_the_scope_it_is_read_in(served):
    emulator, server = served
    with http_client(server) as client:
        client.open_session()
        before = gateway_calls(emulator)
        with client.usage.scoped("bills"):
            pages = list(client.process_read("iter_with_children", READ, {"parts": None}))
        assert pages
        assert client.usage.calls_in("bills") == delta(before, gateway_calls(emulator))


def test_a_transform_runs_in_the_reading_process(served):
    _, server = served
    with http_client(server) as client:
        sizes = list(client.process_read("iter_with_children", READ, {"parts": None}, (_page_summary, ("bills",))))
    assert sum(count for _, count, _ in sizes) == 700
    assert {pid for _, _, pid in sizes} != {os.getpid()}
    assert {label for label, _, _ in sizes} == {"bills"}


def _page_summary(page, label):  # module level: the reading process imports it by name
    return label, len(page.records), os.getpid()


def _timed_summary(page, label, seconds, *, lighter=False):  # module level, as above
    if not lighter:
        time.sleep(seconds)  # the work a caller may do itself
    return label, len(page.records), lighter


def test_a_caller_that_waits_for_the_reading_process_gets_the_next_pages_lighter(served):
    """``lighter``: the work a transform may leave to the caller is left to it once it has waited, and only then;
    every page comes either way."""
    _, server = served
    with http_client(server) as client:  # the reading process is slow: the caller waits for every page
        waited = list(client.process_read("iter_with_children", READ, {"parts": None},
                                          (_timed_summary, ("bills", 0.5)), lighter={"lighter": True}))
    with http_client(server) as client:  # the caller is slow: the reading process is ahead after its first page
        ahead = []
        for item in client.process_read("iter_with_children", READ, {"parts": None}, (_timed_summary, ("bills", 0)),
                                        lighter={"lighter": True}):
            ahead.append(item)
            time.sleep(0.5)
    for items in (waited, ahead):
        assert sum(count for _, count, _ in items) == 700 and len(items) == 7
    # Each wait makes the page after it lighter; a lighter page comes early, so the next may come in time: at
    # worst every other page is lighter.
    assert sum(lighter for *_, lighter in waited[1:]) >= 3
    assert not any(lighter for *_, lighter in ahead[2:])


def test_stopping_a_process_read_early_counts_every_call_it_made_and_ends_the_process(served):
    emulator, server = served
    with http_client(server) as client:
        client.open_session()
        before = gateway_calls(emulator)
        list(client.iter_with_children(*READ, parts=None))
        whole = delta(before, gateway_calls(emulator))["query"]
        usage_before, before = client.usage.calls_by_function, gateway_calls(emulator)
        read = client.process_read("iter_with_children", READ, {"parts": None})
        first = next(read)
        process = read._process
        read.close()
        assert first.records
        assert process.poll() is not None, "closing waits for the reading process to end"
        made = delta(before, gateway_calls(emulator))
        assert delta(usage_before, client.usage.calls_by_function) == made
        assert 0 < made["query"] < whole, "the read stopped early: it did not read everything"


def test_a_process_read_holds_the_companys_request_slots_while_it_reads(served):
    _, server = served
    with http_client(server, max_concurrency=2) as client:
        slots = client.request_slots
        read = client.process_read("iter_with_children", READ, {"parts": None})
        read.start()
        assert slots.acquire(blocking=False), "a read started, not yet reading, holds nothing"
        slots.release()
        next(read)
        assert not slots.acquire(blocking=False), "while the child reads, it holds every slot of the company"
        read.close()
        assert slots.acquire(blocking=False) and slots.acquire(blocking=False), "closing gives them back"
        slots.release()
        slots.release()


def wait_for_calls(emulator, before: dict, seconds: float = 60.0) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        made = delta(before, gateway_calls(emulator))
        if made.get("query"):
            return made
        time.sleep(0.05)
    raise AssertionError("the reading process made no call")


def test_an_early_process_read_reads_with_half_the_slots_and_takes_them_all_at_its_first_page(served):
    emulator, server = served
    with http_client(server, max_concurrency=2) as client:
        client.open_session()
        slots, before = client.request_slots, gateway_calls(emulator)
        read = client.process_read("iter_with_children", READ, {"parts": None}).read_early()
        wait_for_calls(emulator, before)
        assert slots.acquire(blocking=False), "the caller's other work keeps one slot of two"
        assert not slots.acquire(blocking=False), "the early read holds the other"
        slots.release()
        next(read)
        assert not slots.acquire(blocking=False), "once consumed, the read holds both"
        read.close()


def test_a_process_read_closed_unconsumed_counts_its_calls_in_the_scope_it_was_started_in(served):
    emulator, server = served
    with http_client(server) as client:
        client.open_session()
        before = gateway_calls(emulator)
        with client.usage.scoped("bills"):
            read = client.process_read("iter_with_children", READ, {"parts": None}).read_early()
        wait_for_calls(emulator, before)
        read.close()  # outside the scope, as a run that failed before the bills closes their early read
        assert client.usage.calls_in("bills") == delta(before, gateway_calls(emulator))


def test_an_error_in_the_reading_process_is_raised_in_the_caller_with_its_class_and_message(served):
    emulator, server = served
    with http_client(server) as client:
        client.open_session()
        emulator.admin.set_faults(maintenance=True)
        try:
            with pytest.raises(E.Maintenance) as in_threads:
                list(client.iter_with_children(*READ, parts=None))
            usage_before, before = client.usage.calls_by_function, gateway_calls(emulator)
            with pytest.raises(E.Maintenance) as in_process:
                list(client.process_read("iter_with_children", READ, {"parts": None}))
        finally:
            emulator.admin.clear_faults()
        assert str(in_process.value) == str(in_threads.value)
        assert in_process.value.errorno == in_threads.value.errorno
        assert delta(usage_before, client.usage.calls_by_function) == delta(before, gateway_calls(emulator))


def test_a_reading_process_that_dies_is_a_transport_error_naming_its_exit(served):
    _, server = served
    with http_client(server) as client:
        read = client.process_read("iter_with_children", READ, {"parts": None})
        next(read)
        os.kill(read._process.pid, signal.SIGKILL)
        with pytest.raises(E.TransportError, match="stopped unexpectedly"):
            for _ in read:  # pages already on their way may come first
                pass
        assert client.request_slots.acquire(blocking=False), "its slots are given back"
        client.request_slots.release()


def test_the_reading_processs_logs_are_logged_by_the_caller_without_secrets(served, caplog):
    emulator, server = served
    caplog.set_level(logging.DEBUG, logger="intacct")
    with http_client(server, retry_max_seconds=30, retry_base_seconds=0, retry_cap_seconds=0) as client:
        client.open_session()
        emulator.admin.set_faults(fail_next=["http_503"])
        pages = list(client.process_read("iter_with_children", READ, {"parts": None}))
    assert sum(len(p.records) for p in pages) == 700
    retries = [r for r in caplog.records if r.name == "intacct.client" and "retrying" in r.getMessage()]
    assert retries and retries[0].levelno == logging.WARNING
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "Intacct request" in text, "debug logs come back at the caller's level"
    for secret in [*emulator.admin.session_ids(), DEMO["user_password"], DEMO["sender_password"]]:
        assert secret not in text


def test_no_process_read_where_it_cannot_or_should_not_run(served):
    emulator, server = served
    with http_client(server, read_process=False) as client:
        assert client.process_read("iter_with_children", READ, {"parts": None}) is None
    in_process = IntacctClient(Credentials(**{**{k: DEMO[k] for k in ("company_id", "user_id", "user_password",
                                                                       "sender_id", "sender_password")},
                                              "endpoint": "http://emulator.local/ia/xml/xmlgw.phtml",
                                              "allowed_hosts": ("emulator.local",)}),
                               transport=emulator.transport())
    with in_process:
        assert in_process.process_read("iter_with_children", READ) is None, "an in-process transport stays here"
    with http_client(server) as client:
        assert client.process_read("iter_with_children", READ, {}, (lambda page: page, ())) is None, (
            "a transform the child cannot import keeps the read here")
    with pytest.raises(E.ConfigurationError, match="read_process"):
        ClientSettings(read_process="yes")


def test_a_read_whose_process_cannot_start_runs_in_the_callers_process(served, monkeypatch, caplog):
    emulator, server = served
    import subprocess

    def refuse(*args, **kwargs):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    with http_client(server) as client:
        client.open_session()
        usage_before, before = client.usage.calls_by_function, gateway_calls(emulator)
        read = client.process_read("iter_with_children", READ, {"parts": None}, (_page_summary, ("bills",)))
        summaries = list(read.read_early())
        counted = delta(usage_before, client.usage.calls_by_function)
    assert sum(count for _, count, _ in summaries) == 700
    assert {pid for _, _, pid in summaries} == {os.getpid()}
    assert counted == delta(before, gateway_calls(emulator)) and counted["query"] > 0
    assert any("no reading process could be started" in r.getMessage() for r in caplog.records)


def test_an_early_read_whose_sign_in_is_refused_raises_where_it_is_consumed(served):
    _, server = served
    client = http_client(server)
    wrong = IntacctClient(Credentials(**{**{k: getattr(client.credentials, k) for k in (
        "company_id", "user_id", "sender_id", "sender_password", "endpoint", "allowed_hosts")},
        "user_password": "not-the-password"}), client.settings)
    with wrong:
        read = wrong.process_read("iter_with_children", READ, {"parts": None}).read_early()  # does not raise
        with pytest.raises(E.AuthenticationError):
            next(read)
        read.close()
        assert wrong.request_slots.acquire(blocking=False), "no slot is kept by a read that never read"
        wrong.request_slots.release()
    client.close()
