"""Pages committed while the next is converted (PostgreSQL): in order, a failure stops the read where it
happened, and a crash in the middle of a first sync loses nothing and duplicates nothing."""

from __future__ import annotations

import threading
import time

import pytest
from sync_testkit import COMPANY, rows

from intacct.sync import InjectedFault, faults
from intacct.sync.page_writer import PageWriter

pytestmark = pytest.mark.unit


def test_pages_commit_in_the_order_submitted_whatever_order_they_are_stored_in():
    writer, done, threads = PageWriter("bills"), [], set()

    def page(number):
        def commit():
            time.sleep(0.01 if number % 2 else 0)  # a slow page does not let the next one commit before it
            threads.add(threading.get_ident())
            writer.wait_turn()  # what bc_commit does right before committing
            done.append(number)
        return commit

    for number in range(6):
        writer.submit(page(number))
    writer.drain()
    writer.close()
    assert done == list(range(6))
    assert threads and threading.get_ident() not in threads


def test_two_pages_are_stored_at_the_same_time():
    writer, second_started, done = PageWriter("bills"), threading.Event(), []

    def first():
        # Returns only once the second page is being stored: both are in the writer at once.
        assert second_started.wait(timeout=10), "the second page waited for the first one's storing"
        writer.wait_turn()
        done.append(1)

    def second():
        second_started.set()
        writer.wait_turn()
        done.append(2)

    writer.submit(first)
    writer.submit(second)
    writer.drain()
    writer.close()
    assert done == [1, 2]


def test_a_failed_page_is_raised_and_no_later_page_commits():
    writer, done = PageWriter("bills"), []

    def failing():
        time.sleep(0.02)  # still storing while the later pages are submitted
        raise InjectedFault("crash at before_bc_commit")

    def later(number):
        def commit():
            writer.wait_turn()  # raises the failure of the page before: this page rolls back
            done.append(number)
        return commit

    writer.submit(failing)
    with pytest.raises(InjectedFault):
        for number in range(5):  # raised by a submit once the failure is known, else by the drain
            writer.submit(later(number))
        writer.drain()
    writer.drain()  # the failure was raised once; nothing else is pending
    writer.close()
    assert done == []


def test_a_commit_may_drain_from_its_own_thread_and_close_waits_for_it():
    writer, done = PageWriter("bills"), []

    def commit():
        writer.drain()  # e.g. bc_commit inside the page's own transaction: must not wait for itself
        time.sleep(0.02)
        done.append(1)

    writer.submit(commit)
    writer.close()
    assert done == [1]


class CrashAtPage:
    """Raises at the n-th commit of a page of bills (its BC changes staged, not committed)."""

    def __init__(self, n: int):
        self.n, self.seen = n, 0

    def __call__(self, point, context):
        if point == faults.BEFORE_BC_COMMIT and context.get("object") == "bills":
            self.seen += 1
            if self.seen == self.n:
                raise InjectedFault(f"crash at {point}")


@pytest.mark.parametrize("crash_at", [1, 3])
def test_a_first_sync_crashing_between_pages_keeps_whole_pages_and_the_rerun_completes_it(
        any_warehouse, make_engine, client_with, crash_at):
    small_pages = client_with(page_size=100)  # the demo company's 1,000 bills in 10 pages
    crashing = make_engine(any_warehouse, fault_hook=CrashAtPage(crash_at), bound_client=small_pages)
    with pytest.raises(InjectedFault):
        crashing.run("scheduled")
    bills = rows(any_warehouse, "bc_bills", company_id=COMPANY)
    links = rows(any_warehouse, "intacct_links", object="bills")
    # Exactly the pages before the crash, each with its lines and links; none after it.
    assert len(bills) == (crash_at - 1) * 100 and len(links) == len(bills)
    assert {row["bill_id"] for row in bills} == {link["bc_key"] for link in links}
    make_engine(any_warehouse, bound_client=small_pages).run("scheduled")
    bills = rows(any_warehouse, "bc_bills", company_id=COMPANY)
    record_nos = [row["intacct_record_no"] for row in bills]
    assert len(record_nos) == len(set(record_nos))  # no bill twice
    lines = rows(any_warehouse, "bc_bill_lines", company_id=COMPANY)
    assert {line["bill_id"] for line in lines} == {row["bill_id"] for row in bills}
    assert len(rows(any_warehouse, "intacct_links", object="bills")) == len(bills)
