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


def test_pages_commit_one_at_a_time_in_the_order_submitted():
    writer, done, threads = PageWriter("bills"), [], set()

    def page(number):
        def commit():
            time.sleep(0.01 if number % 2 else 0)  # a slow page does not let the next one pass it
            threads.add(threading.get_ident())
            done.append(number)
        return commit

    for number in range(6):
        writer.submit(page(number))
    writer.drain()
    writer.close()
    assert done == list(range(6))
    assert threads and threading.get_ident() not in threads


def test_a_failed_page_is_raised_by_the_next_submit_and_later_pages_never_run():
    writer, done = PageWriter("bills"), []

    def failing():
        raise InjectedFault("crash at before_bc_commit")

    writer.submit(failing)
    with pytest.raises(InjectedFault):
        writer.submit(lambda: done.append("later"))
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
