"""Bounded read-ahead: the next page is fetched while the caller still works on the current one.

A producer thread runs the page iterator and hands pages over through a queue of ``depth`` slots, so at most
``depth`` pages wait in memory and at most one request per read is in flight beside the caller's work (the
transport's per-company semaphore still bounds all requests by ``max_concurrency``). An error in the
producer is raised in the caller at the page where it happened; a caller that stops early stops the producer.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class _Failure:
    def __init__(self, error: BaseException):
        self.error = error


def prefetched(pages: Callable[[], Iterator[T]], depth: int = 1) -> Iterator[T]:
    """Iterate ``pages()`` with up to ``depth`` pages read ahead in a background thread."""
    if depth < 1:
        raise ValueError("prefetch depth must be at least 1")
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for page in pages():
                if not put(page):
                    return
        except BaseException as error:  # handed to the caller, who sees it where the page would have been
            put(_Failure(error))
            return
        put(_DONE)

    producer = threading.Thread(target=produce, name="intacct-prefetch", daemon=True)
    producer.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        stop.set()
        producer.join(timeout=30)


def side_by_side(*reads: Callable[[], Iterator[T]]) -> list[Iterator[T]]:
    """Several reads running at the same time, each read ahead by one page; iterate them in any order."""
    return [prefetched(read) for read in reads]
