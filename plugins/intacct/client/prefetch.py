"""Bounded read-ahead: the next page is fetched while the caller still works on the current one.

A producer thread runs the page iterator and hands pages over through a queue of ``depth`` slots, so at most
``depth`` pages wait in memory beside the one the caller holds and the one being fetched, and one request
per read is in flight beside the caller's work (the transport's per-company semaphore still bounds all
requests by ``max_concurrency``). Nothing starts before the caller asks for the first page.

An error in the producer is raised in the caller at the page where it happened, after the pages before it.
A caller that stops early (``close()``, ``break``, an exception in its loop) stops the producer: no further
request is started, the one in flight is waited for (it is bounded by the transport's timeout and retry
budget), so no thread outlives the read and the usage counters hold every request that was made.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()
_POLL_SECONDS = 0.05


class _Failure:
    def __init__(self, error: BaseException):
        self.error = error


class ReadAhead(Iterator[T]):
    """An iterator over ``pages()`` read ahead by ``depth`` pages in its own thread (see the module docstring).

    The thread starts at the first ``next()``, or at ``start()`` for reads that should run side by side
    before the caller gets to them. ``close()`` (also on garbage collection and at the end of a ``with``)
    stops it.
    """

    def __init__(self, pages: Callable[[], Iterator[T]], depth: int = 1, name: str = "intacct-prefetch"):
        if depth < 1:
            raise ValueError("prefetch depth must be at least 1")
        self._pages = pages
        self._handoff: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._name = name
        self._finished = False

    def start(self) -> ReadAhead[T]:
        if self._thread is None and not self._finished:
            # The thread holds the queue and the stop flag, never this object: an abandoned iterator is
            # still collected, and collecting it stops the thread.
            # The thread runs in a copy of the starter's context: its calls count where the read was started.
            context = contextvars.copy_context()
            self._thread = threading.Thread(target=context.run,
                                            args=(_produce, self._pages, self._handoff, self._stop),
                                            name=self._name, daemon=True)
            self._thread.start()
        return self

    def __iter__(self) -> ReadAhead[T]:
        return self

    def __next__(self) -> T:
        if self._finished:
            raise StopIteration
        self.start()
        item = self._handoff.get()
        if item is _DONE:
            self.close()
            raise StopIteration
        if isinstance(item, _Failure):
            self.close()
            raise item.error
        return item

    def close(self) -> None:
        self._finished = True
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            # The producer notices the stop as soon as its request in flight is answered (that request is
            # bounded by the transport's timeout and retry budget); waiting for it keeps the thread from
            # outliving the read and the call counts exact.
            thread.join()

    def __enter__(self) -> ReadAhead[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: S110 - nothing sensible to do while being collected
            pass


def _put(handoff: queue.Queue, stop: threading.Event, item: object) -> bool:
    while not stop.is_set():
        try:
            handoff.put(item, timeout=_POLL_SECONDS)
            return True
        except queue.Full:
            continue
    return False


def _produce(pages: Callable[[], Iterator], handoff: queue.Queue, stop: threading.Event) -> None:
    source = None
    try:
        source = pages()
        for page in source:
            if not _put(handoff, stop, page):
                return
    except BaseException as error:  # handed to the caller, who sees it where the page would have been
        _put(handoff, stop, _Failure(error))
        return
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()  # the reader's own clean-up runs here, in its thread
    _put(handoff, stop, _DONE)


def prefetched(pages: Callable[[], Iterator[T]], depth: int = 1) -> ReadAhead[T]:
    """Iterate ``pages()`` with up to ``depth`` pages read ahead in a background thread."""
    return ReadAhead(pages, depth)


def side_by_side(*reads: Callable[[], Iterator[T]], depth: int = 1) -> list[ReadAhead[T]]:
    """Several reads running at the same time, each read ahead by ``depth`` pages; iterate them in any order.
    All of them start now, so their first requests overlap."""
    return [ReadAhead(read, depth).start() for read in reads]
