"""BC's transactions of Intacct pages, stored while the next page is converted and committed in page order.

A first sync is mostly two kinds of work in turn: Python converting and hashing a page, then the database
storing it. On PostgreSQL the storing (COPY, index upkeep) is the server's, done without this process, so
storing pages on threads of their own while the next page is converted keeps both busy instead of taking
turns (where it pays is the warehouse's call: ``Warehouse.commits_aside``). Two pages are stored at once,
each on its own connection: while one waits for the server, the other's rows are written out, and the server
works on both.

Order and crash safety are those of committing in line: each page's transaction waits, before its commit
(``wait_turn``, called right before the commit's crash-test point), for the page before it to have
committed, and rolls back if that page failed, so the pages committed are always the first ones submitted
(each transaction still carries its page's watermark). At most one page waits behind the two being stored,
so memory holds three pages. Anything else that touches BC first calls ``drain()``, which waits for the pages
submitted and raises the first failure among them, so a failed commit stops the read as it would have.
"""

from __future__ import annotations

import contextvars
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

IN_FLIGHT = 2  # pages stored at once: one waiting for the server while the other is written out


class PageWriter:
    def __init__(self, name: str, in_flight: int = IN_FLIGHT):
        self._name = name
        self._in_flight = in_flight
        self._executor: ThreadPoolExecutor | None = None
        self._pending: deque[Future] = deque()  # submitted, oldest first
        self._writers: set[int] = set()  # the storing threads' idents
        self._local = threading.local()  # on a storing thread: the page before the one it stores

    def submit(self, commit: Callable[[], None]) -> None:
        """Store ``commit()`` beside the page before it, committing after it; waits while ``in_flight``
        pages are being stored already (and raises the first failure among the pages waited for)."""
        while self._pending and (len(self._pending) >= self._in_flight or self._failed()):
            oldest = self._pending[0]
            if oldest.exception() is not None or self._failed():  # (waits for the oldest page)
                self.drain()  # raises the failure once: the pages after it rolled back and are dropped too
            self._pending.popleft()  # committed
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self._in_flight,
                                                thread_name_prefix=f"bc-pages-{self._name}")
        context = contextvars.copy_context()  # the run's context (API usage scope) goes along
        before = self._pending[-1] if self._pending else None

        def run() -> None:
            self._writers.add(threading.get_ident())
            self._local.before = before
            try:
                context.run(commit)
            finally:
                self._local.before = None

        self._pending.append(self._executor.submit(run))

    def wait_turn(self) -> None:
        """On a storing thread: wait until the page before this one has committed; raises its failure, so
        this page's transaction rolls back too. Anywhere else (a commit in line) it returns at once."""
        before = getattr(self._local, "before", None)
        if before is not None:
            before.result()

    def drain(self) -> None:
        """Wait for the pages submitted; raises the first one's failure (the pages after it rolled back).
        Called from a storing thread itself (a commit's own steps), it returns at once."""
        if threading.get_ident() in self._writers:
            return
        pending, self._pending = self._pending, deque()
        failure = None
        for future in pending:
            error = future.exception()
            if error is not None and failure is None:
                failure = error
        if failure is not None:
            raise failure

    def close(self) -> None:
        """Wait for the pages submitted and stop the threads (a failure is raised by ``drain``, not here)."""
        pending, self._pending = self._pending, deque()
        for future in pending:
            future.exception()  # waited for; the caller drains first when it wants the failure
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def _failed(self) -> bool:
        return any(future.done() and future.exception() is not None for future in self._pending)
