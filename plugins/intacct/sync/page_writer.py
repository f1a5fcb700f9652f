"""BC's transaction of one Intacct page, committed while the next page is converted.

A first sync is mostly two kinds of work in turn: Python converting and hashing a page, then the database
storing it. On PostgreSQL the storing (COPY, index upkeep) is the server's, done without this process, so
committing page N on a thread of its own while page N+1 is converted keeps both busy instead of taking
turns (where it pays is the warehouse's call: ``Warehouse.commits_aside``).

Order and crash safety are those of committing in line: one page at a time, in the order submitted (each
transaction still carries its page's watermark), and at most one page waits behind the one committing, so
memory holds two pages. Anything else that touches BC first calls ``drain()``, which waits for the pages
submitted and raises the first failure among them, so a failed commit stops the read as it would have.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor


class PageWriter:
    def __init__(self, name: str):
        self._name = name
        self._executor: ThreadPoolExecutor | None = None
        self._pending: Future | None = None
        self._writer: int | None = None  # the writing thread's ident

    def submit(self, commit: Callable[[], None]) -> None:
        """Commit ``commit()`` after the pages before it; waits while one page is already waiting."""
        self.drain()
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"bc-pages-{self._name}")
        context = contextvars.copy_context()  # the run's context (API usage scope) goes along

        def run() -> None:
            self._writer = threading.get_ident()
            context.run(commit)

        self._pending = self._executor.submit(run)

    def drain(self) -> None:
        """Wait for the pages submitted; raises the first one's failure. Called from the writing thread itself
        (a commit's own steps), it returns at once."""
        if self._pending is None or threading.get_ident() == self._writer:
            return
        pending, self._pending = self._pending, None
        pending.result()

    def close(self) -> None:
        """Wait for the pages submitted and stop the thread (a failure is raised by ``drain``, not here)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.exception()  # waited for; the caller drains first when it wants the failure
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
