"""A full read of records with their children, split in two halves as soon as its first answers show it is large.

Bill lines outnumber bills (two or more per bill), so a read of bills beside their lines keeps one of the
company's two request slots busy with lines while the other waits for them: the lines alone set the wall
time, about (1 + line pages) x latency where the slots could carry the calls in half the time. Two halves of
the RECORDNO range, each a read of records beside its children, keep both slots busy.

Splitting costs calls, which Intacct bills: one to learn the highest RECORDNO, and up to one partial page
more per read of the first half (its last records and its last children). So a read splits only when the
gateway's total counts, which come with the first page of records and the first page of children, add up to
at least ``min_pages`` pages: with the default of 60 the three calls stay within 5% of the read's. Those first
pages are the read's own, so nothing is asked twice and a small read costs exactly what it did.

The decision is taken in the reading thread that hears the second count, right away, while the first half
goes on. The split point is the middle of the keys not yet read, ``(last key of page one + highest key) //
2``; the first half's reads learn it before their next request (``Split.limit``). A request already in flight
may return records or children past it: those are dropped here, because the second half reads them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace

from .reading import RECORDNO, BillPage, Page


class Split:
    """One read that may split: its limit, the counts heard so far and, once split, its middle and second half.
    The reading threads call ``records_counted`` and ``children_counted`` once each (the second one to arrive
    decides, before its page is handed on, so the decision is taken before the first joined page is out)
    and ask ``limit`` before every request."""

    def __init__(self, second_half: Callable[[int], Iterator[BillPage]], highest: Callable[[], int | None], *,
                 upper: int | None, min_pages: int, page_size: int):
        self._second_half = second_half
        self._highest = highest
        self._min_pages = min_pages
        self._page_size = page_size
        self._lock = threading.Lock()
        self._records: tuple[int, int] | None = None  # (total, highest key of the first page)
        self._children: int | None = None
        self._decided = False
        self._upper = upper
        self.middle: int | None = None
        self.second: Iterator[BillPage] | None = None

    def limit(self) -> int | None:
        return self._upper

    def records_counted(self, first: Page) -> None:
        keys = [row[RECORDNO] for row in first.records]
        with self._lock:
            if keys and (first.total or 0) > len(keys):
                self._records = (int(first.total or 0), max(keys))
                self._decide()
            else:
                self._decided = True  # all of it on one page: nothing to split

    def children_counted(self, total: int | None) -> None:
        with self._lock:
            self._children = total or 0
            self._decide()

    def close(self) -> None:
        with self._lock:
            self._decided = True

    def _decide(self) -> None:
        if self._decided or self._records is None or self._children is None:
            return
        self._decided = True
        total, last = self._records
        if -(-total // self._page_size) + -(-self._children // self._page_size) < self._min_pages:
            return
        top = self._highest()
        if top is None or top <= last + 1:
            return
        self.middle = (last + top) // 2
        self._upper = self.middle
        self.second = self._second_half(self.middle + 1)


def split_when_large(first_half: Callable[[Split], Iterator[BillPage]], split: Split) -> Iterator[BillPage]:
    """Pages of ``first_half(split)`` and, once ``split`` has split, of its second half too, alternating."""
    first = first_half(split)
    halves: list[Iterator[BillPage]] = [first]
    try:
        page = next(first, None)
        if page is None:
            return
        yield page
        if split.second is not None:
            halves.append(split.second)
        while halves:
            for half in list(halves):
                page = next(half, None)
                if page is None:
                    halves.remove(half)
                    continue
                if half is first and split.middle is not None:
                    page = _at_most(page, split.middle)
                if page.records or page.rejected:
                    yield page
    finally:
        _close(first)
        split.close()  # closing the first half waited for a decision under way; none starts after it
        if split.second is not None:
            _close(split.second)


def _close(half: Iterator[BillPage]) -> None:
    close = getattr(half, "close", None)
    if close is not None:
        close()


def _at_most(page: BillPage, middle: int) -> BillPage:
    """The part of a first-half page up to the middle (the rest belongs to the second half, which reads it)."""
    if all(row[RECORDNO] <= middle for row in page.records) and not page.rejected:
        return page
    records = [row for row in page.records if row[RECORDNO] <= middle]
    rejected = tuple(error for error in page.rejected if not _past(error, middle))
    lines = {key: rows for key, rows in page.lines.items() if key <= middle}
    return replace(page, records=records, rejected=rejected, lines=lines,
                   cursor=(None, records[-1][RECORDNO] if records else min(page.cursor[1] or middle, middle)))


def _past(error: Exception, middle: int) -> bool:
    """Whether an unreadable record is known to lie past the middle (one without a readable key stays)."""
    number = (getattr(error, "identifiers", None) or {}).get(RECORDNO)
    return bool(number) and str(number).isdigit() and int(number) > middle
