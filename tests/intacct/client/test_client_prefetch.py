"""Read-ahead and side-by-side reads: the same records and calls as a sequential read, errors where they happen."""

from __future__ import annotations

import threading
import time

import pytest

from intacct.client import ClientSettings, Credentials, IntacctClient
from intacct.client.prefetch import prefetched

emulator_pkg = pytest.importorskip("intacct_emulator")
DEMO = emulator_pkg.DEMO_CREDENTIALS

pytestmark = pytest.mark.unit


def client_for(emu, page_size: int = 50) -> IntacctClient:
    creds = Credentials(company_id=DEMO["company_id"], user_id=DEMO["user_id"], user_password=DEMO["user_password"],
                        sender_id=DEMO["sender_id"], sender_password=DEMO["sender_password"],
                        endpoint=emulator_pkg.IN_PROCESS_URL, allowed_hosts=("emulator.local",))
    return IntacctClient(creds, ClientSettings(page_size=page_size), transport=emu.transport(), sleep=lambda _: None)


@pytest.fixture
def emu():
    return emulator_pkg.Emulator.from_dataset("generated", seed=3, vendors=300, bills=400)


def test_reading_ahead_returns_the_same_pages_with_the_same_calls(emu):
    sequential = client_for(emu)
    expected = [[r["RECORDNO"] for r in page.records] for page in sequential.iter_pages("VENDOR")]
    ahead = client_for(emu)
    got = [[r["RECORDNO"] for r in page.records] for page in ahead.iter_pages_ahead("VENDOR")]
    assert got == expected and len(got) > 3
    assert ahead.usage.calls_by_function == sequential.usage.calls_by_function


def test_bills_and_their_lines_read_side_by_side_as_two_keyset_reads(emu):
    client = client_for(emu, page_size=200)
    bills, lines = client.read_side_by_side(
        lambda: client.iter_keyset("APBILL", ["RECORDNO", "RECORDID"]),
        lambda: client.iter_keyset("APBILLITEM", ["RECORDNO", "RECORDKEY", "AMOUNT"], order=("RECORDKEY", "RECORDNO"),
                                   ahead=False))
    bill_nos = [r["RECORDNO"] for page in bills for r in page]
    line_rows = [r for page in lines for r in page]
    keys = [(r["RECORDKEY"], r["RECORDNO"]) for r in line_rows]
    assert keys == sorted(keys)  # grouped by bill, as the keyset order says
    assert set(bill_nos) == {int(r["RECORDNO"]) for r in emu.admin.find_records("DEMO", "APBILL")}
    assert len(line_rows) == len(emu.admin.find_records("DEMO", "APBILLITEM"))
    # One call per page of each read, no `in` chunks: ceil(N / page) each (plus the sign-in).
    queries = client.usage.calls_by_function["query"]
    assert queries <= -(-len(bill_nos) // 200) + -(-len(line_rows) // 200) + 2


def test_an_error_reaches_the_caller_after_the_pages_before_it():
    def pages():
        yield 1
        yield 2
        raise RuntimeError("gateway down")

    seen = []
    with pytest.raises(RuntimeError, match="gateway down"):
        for page in prefetched(pages):
            seen.append(page)
    assert seen == [1, 2]


def test_a_caller_that_stops_early_stops_the_reader_and_holds_at_most_the_read_ahead():
    produced = []

    def pages():
        for n in range(1000):
            produced.append(n)
            yield n

    iterator = prefetched(pages, depth=2)
    assert next(iterator) == 0
    time.sleep(0.2)
    assert len(produced) <= 4  # the page handed over, the slots, and one being put
    iterator.close()
    time.sleep(0.2)
    assert len(produced) <= 4
    assert not [t for t in threading.enumerate() if t.name == "intacct-prefetch"]
