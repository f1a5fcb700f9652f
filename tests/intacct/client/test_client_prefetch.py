"""Read-ahead and side-by-side reads: the same records and calls as a sequential read, errors where they happen."""

from __future__ import annotations

import threading
import time

import pytest

from intacct.client import ClientSettings, Credentials, IntacctClient
from intacct.client.errors import ConfigurationError
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


# -- iter_pages(ahead=True) --------------------------------------------------------------------------------------

def emulator_calls(emu) -> dict[str, int]:
    return dict(emu.admin.stats()["calls"].get("DEMO", {}))


def prefetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "intacct-prefetch"]


def test_iter_pages_ahead_gives_the_sequential_pages_cursors_and_calls_counted_as_the_gateway_counts(emu):
    sequential = client_for(emu)
    expected = [(p.cursor, [r["RECORDNO"] for r in p.records]) for p in sequential.iter_pages("APBILL")]
    before = emulator_calls(emu)
    ahead = client_for(emu)
    got = [(p.cursor, [r["RECORDNO"] for r in p.records]) for p in ahead.iter_pages("APBILL", ahead=True)]
    assert got == expected and len(got) > 3
    made = {name: n - before.get(name, 0) for name, n in emulator_calls(emu).items() if n - before.get(name, 0)}
    assert ahead.usage.calls_by_function == made == sequential.usage.calls_by_function
    assert not prefetch_threads()


def test_a_caller_stopping_after_one_page_leaves_no_thread_and_exact_counts(emu):
    client = client_for(emu)
    client.open_session()
    before = emulator_calls(emu)
    pages = client.iter_pages("VENDOR", ahead=True)
    first = next(pages)
    assert first.records
    pages.close()
    assert not prefetch_threads()
    made = {name: n - before.get(name, 0) for name, n in emulator_calls(emu).items() if n - before.get(name, 0)}
    # The page in hand and at most the one fetched ahead, each counted once by both sides.
    assert made == {"query": client.usage.calls_by_function["query"]}
    assert made["query"] <= 2


def test_an_abandoned_read_ahead_is_collected_and_its_thread_ends(emu):
    import gc

    client = client_for(emu)
    pages = client.iter_pages("VENDOR", ahead=True)
    next(pages)
    del pages
    gc.collect()
    assert not prefetch_threads()


def test_a_session_expiring_mid_read_ahead_signs_in_again_and_the_read_goes_on(emu):
    expected = [r["RECORDNO"] for r in client_for(emu).iter_records("VENDOR")]
    client = client_for(emu)
    pages = client.iter_pages("VENDOR", ahead=True)
    got = [r["RECORDNO"] for r in next(pages).records]
    emu.admin.expire_sessions()
    got += [r["RECORDNO"] for page in pages for r in page.records]
    assert got == expected
    assert client.usage.calls_by_function["getAPISession"] == 2


def test_a_failing_page_raises_in_the_caller_after_the_pages_before_it(emu):
    from intacct.client.errors import IntacctError

    client = client_for(emu)
    client = IntacctClient(client.credentials, ClientSettings(page_size=50, retry_max_seconds=0),
                           transport=emu.transport(), sleep=lambda _: None)
    pages = client.iter_pages("VENDOR", ahead=True)
    first = next(pages)
    emu.admin.set_faults(fail_next=["maintenance"] * 5)
    received = [first]
    with pytest.raises(IntacctError):
        for page in pages:
            received.append(page)
    # The page fetched ahead before the fault still reaches the caller; the failure comes where it happened.
    assert 1 <= len(received) <= 2
    assert not prefetch_threads()


def test_read_ahead_can_be_switched_off_in_the_settings(emu):
    client = IntacctClient(client_for(emu).credentials, ClientSettings(page_size=50, read_ahead_pages=0),
                           transport=emu.transport(), sleep=lambda _: None)
    pages = client.iter_pages("VENDOR", ahead=True)
    assert not isinstance(pages, threading.Thread) and not prefetch_threads()
    assert sum(len(p.records) for p in pages) == len(emu.admin.find_records("DEMO", "VENDOR"))


# -- bill lines as their own read ---------------------------------------------------------------------------------

def lines_by_bill(emu) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = {}
    for line in emu.admin.find_records("DEMO", "APBILLITEM"):
        grouped.setdefault(int(line["RECORDKEY"]), []).append(int(line["RECORDNO"]))
    return grouped


def test_iter_bill_lines_reads_every_line_in_ceil_lines_over_page_calls(emu):
    client = client_for(emu, page_size=200)
    client.open_session()
    rows = [r for page in client.iter_bill_lines(["RECORDNO", "RECORDKEY", "AMOUNT"]) for r in page]
    keys = [(r["RECORDKEY"], r["RECORDNO"]) for r in rows]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    expected = lines_by_bill(emu)
    assert len(rows) == sum(len(v) for v in expected.values())
    assert client.usage.calls_by_function["query"] == -(-len(rows) // 200)
    assert not prefetch_threads()


def test_iter_bill_lines_restricted_to_a_range_of_bills_and_to_modified_lines(emu):
    client = client_for(emu, page_size=200)
    expected = lines_by_bill(emu)
    bills = sorted(expected)
    low, high = bills[10], bills[40]
    ranged = [r for page in client.iter_bill_lines(["RECORDKEY"], bills=(low, high)) for r in page]
    assert {r["RECORDKEY"] for r in ranged} == {b for b in bills if low <= b <= high}
    assert len(ranged) == sum(len(expected[b]) for b in bills if low <= b <= high)
    open_ended = [r for page in client.iter_bill_lines(["RECORDKEY"], bills=(high, None)) for r in page]
    assert {r["RECORDKEY"] for r in open_ended} == {b for b in bills if b >= high}

    every = [r for page in client.iter_bill_lines(["WHENMODIFIED"]) for r in page]
    times = sorted({r["WHENMODIFIED"] for r in every if r["WHENMODIFIED"] is not None})
    changed = times[len(times) // 2]
    recent = [r for page in client.iter_bill_lines(["WHENMODIFIED"], modified_since=changed) for r in page]
    assert {r["RECORDNO"] for r in recent} == {r["RECORDNO"] for r in every
                                               if r["WHENMODIFIED"] is None or r["WHENMODIFIED"] >= changed}
    assert 0 < len(recent) < len(every)
    with pytest.raises(ValueError, match="timezone-aware"):
        list(client.iter_bill_lines(modified_since=changed.replace(tzinfo=None)))


def test_bills_with_lines_read_side_by_side_give_each_bill_exactly_its_lines(emu):
    client = client_for(emu, page_size=150)
    client.open_session()
    pages = list(client.iter_bills_with_lines(["RECORDNO", "RECORDID"], ["RECORDKEY", "LINE_NO", "AMOUNT"]))
    assert not prefetch_threads()
    bills = [r["RECORDNO"] for page in pages for r in page.records]
    assert bills == sorted(bills) and set(bills) == {int(r["RECORDNO"]) for r in emu.admin.find_records(
        "DEMO", "APBILL")}
    expected = lines_by_bill(emu)
    by_lines = client_for(emu).read_bill_lines(bills, ["RECORDKEY", "LINE_NO", "AMOUNT"])
    for page in pages:
        assert set(page.lines) == {r["RECORDNO"] for r in page.records}
        for bill, lines in page.lines.items():
            assert sorted(line["RECORDNO"] for line in lines) == sorted(expected.get(bill, []))
            assert lines == by_lines[bill]  # the same rows in the same line order as read_bill_lines
    line_count = sum(len(v) for v in expected.values())
    assert client.usage.calls_by_function["query"] == -(-len(bills) // 150) + -(-line_count // 150)


def test_bills_with_lines_of_a_range_and_a_caller_stopping_early(emu):
    client = client_for(emu, page_size=40)
    bills = sorted(lines_by_bill(emu))
    low, high = bills[20], bills[90]
    pages = list(client.iter_bills_with_lines(["RECORDNO"], ["RECORDKEY"], bills=(low, high)))
    assert [r["RECORDNO"] for p in pages for r in p.records] == [b for b in sorted(
        int(r["RECORDNO"]) for r in emu.admin.find_records("DEMO", "APBILL")) if low <= b <= high]
    reader = client.iter_bills_with_lines(["RECORDNO"], ["RECORDKEY"])
    next(reader)
    reader.close()
    assert not prefetch_threads()


def test_transient_failures_and_expired_result_sets_mid_read_ahead_are_retried_without_losing_a_page(emu):
    expected = [r["RECORDNO"] for r in client_for(emu).iter_records("VENDOR")]
    sleeps: list[float] = []
    settings = ClientSettings(page_size=50)
    client = IntacctClient(client_for(emu).credentials, settings, transport=emu.transport(), sleep=sleeps.append)
    pages = client.iter_pages("VENDOR", ahead=True)
    got = [r["RECORDNO"] for r in next(pages).records]
    emu.admin.set_faults(fail_next=["http_502", "result_set_expiry", "rate_limited", "truncated_xml"])
    got += [r["RECORDNO"] for page in pages for r in page.records]
    assert got == expected
    assert len(sleeps) >= 3  # 502, 429 and the truncated answer were each retried after a pause
    assert not prefetch_threads()


def _bills_and_lines(client, **options) -> tuple[dict, int]:
    """Every bill's lines as read, and how many bills came (a bill read twice would count twice)."""
    client.open_session()
    pages = list(client.iter_bills_with_lines(["RECORDNO"], ["RECORDKEY", "LINE_NO"], **options))
    return ({r["RECORDNO"]: page.lines[r["RECORDNO"]] for page in pages for r in page.records},
            sum(len(page.records) for page in pages))


@pytest.mark.parametrize("page_size", [7, 13, 60, 150, 399])
def test_bills_with_lines_in_two_halves_read_the_same_bills_and_lines_for_at_most_three_calls_more(emu, page_size):
    one, two = client_for(emu, page_size=page_size), client_for(emu, page_size=page_size)
    whole, _ = _bills_and_lines(one)
    # Small pages make the first half's page in flight run past the split point: it must not come twice.
    got, count = _bills_and_lines(two, parts=2)
    assert got == whole and count == len(whole)
    extra = two.usage.calls_by_function["query"] - one.usage.calls_by_function["query"]
    assert 1 <= extra <= 3  # the highest RECORDNO, and at most one partial page more per read of the first half
    assert not prefetch_threads()


def test_a_read_splits_only_when_its_first_page_counts_enough_bills_for_the_calls_it_costs(emu):
    bills, lines = (len(emu.admin.find_records("DEMO", name)) for name in ("APBILL", "APBILLITEM"))
    pages = -(-bills // 50) + -(-lines // 50)  # the totals of the first answers, in pages
    for min_pages, splits in ((pages + 1, False), (pages, True), (0, True)):
        one = client_for(emu)
        whole, _ = _bills_and_lines(one)
        two = IntacctClient(one.credentials, ClientSettings(page_size=50, split_read_min_pages=min_pages),
                            transport=emu.transport(), sleep=lambda _: None)
        got, count = _bills_and_lines(two, parts=None)
        assert got == whole and count == len(whole)
        extra = two.usage.calls_by_function["query"] - one.usage.calls_by_function["query"]
        assert (extra >= 1) is splits, (min_pages, extra)
    with pytest.raises(ConfigurationError, match="split_read_min_pages"):
        ClientSettings(split_read_min_pages=-1)


def test_a_split_read_within_a_span_stays_in_it(emu):
    two = client_for(emu, page_size=60)
    two.open_session()
    with pytest.raises(ValueError, match="parts"):
        two.iter_bills_with_lines(parts=3)


@pytest.mark.parametrize("read", ["by_modification", "by_record_no"])
@pytest.mark.parametrize(("page_size", "first", "run"), [(3, 3, 6), (3, 0, 3), (4, 2, 9), (5, 25, 5), (7, 0, 30)])
def test_a_page_of_unreadable_rows_only_does_not_end_the_read(read, page_size, first, run):
    """Finding 21: rows whose key Intacct answers malformed cannot move a keyset cursor; a page holding only
    such rows ended the read, and every record after it was neither read nor rejected."""
    emu = emulator_pkg.Emulator.from_dataset("generated", seed=3, vendors=30, bills=0)

    def pages(client):
        if read == "by_modification":
            return list(client.iter_pages("VENDOR", ["RECORDNO", "NAME"]))
        return list(client._reader.pages_by_record_no("VENDOR", ["RECORDNO", "NAME"]))

    in_order = [r["RECORDNO"] for p in pages(client_for(emu, page_size)) for r in p.records]
    garbled = in_order[first:first + run]
    for record_no in garbled:
        emu.admin.set_raw_values("DEMO", "VENDOR", str(record_no), {"RECORDNO": "12,5"})
    got = pages(client_for(emu, page_size))
    read_back = [r["RECORDNO"] for p in got for r in p.records]
    assert sorted(read_back) == sorted(set(in_order) - set(garbled))  # every readable record, once
    assert len({id(e) for p in got for e in p.rejected}) >= len(garbled)  # and every unreadable one rejected
