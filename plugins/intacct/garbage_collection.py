"""CPython's cyclic garbage collector while a sync moves records in bulk.

A first sync creates millions of short-lived objects (rows, pages, planned changes), and every few hundred
of them the collector runs; every tenth of those passes walks every object the process holds, which in an
Airflow worker is Airflow's, SQLAlchemy's and pandas' objects too. Measured on the first sync of 100k bills:
0.83 s of the syncing process's 4.97 s CPU went to the collector (0.63 s in ten full passes), and 0.64 s of
the reading process's 4.9 s. Almost none of it found garbage: rows and pages are freed by reference counting.

So while bulk work runs, the objects that existed before it are frozen (``gc.freeze``: left out of every
pass) and the youngest generation is collected every ``BULK_YOUNG`` new objects rather than 700. Cyclic
garbage is still collected, only in larger steps. Standard library only: the reading process uses it too.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# New container objects between passes over the youngest generation while bulk work runs (CPython: 700).
# With it, the collector's share of the first sync above fell to 0.1 s in the syncing process and 0.01 s in
# the reading process; a pass then holds at most this many young objects, a few MiB.
BULK_YOUNG = 50_000

_lock = threading.Lock()
_depth = 0  # bulk work in progress in this process (syncs of several objects may overlap in threads)
_restore: tuple[tuple[int, ...], bool] | None = None


@contextmanager
def bulk_work() -> Iterator[None]:
    """Collector settings for bulk work, restored when the outermost bulk work of the process ends.

    Nothing changes when the process has disabled the collector. Objects are frozen only when nothing was
    frozen before (a host that froze its own objects, e.g. before forking workers, keeps its freeze), and only
    those are unfrozen afterwards."""
    _enter()
    try:
        yield
    finally:
        _leave()


def _enter() -> None:
    global _depth, _restore
    with _lock:
        _depth += 1
        if _depth > 1 or not gc.isenabled():
            return
        threshold = gc.get_threshold()
        freeze = gc.get_freeze_count() == 0
        _restore = (threshold, freeze)
        if freeze:
            gc.freeze()
        gc.set_threshold(max(threshold[0], BULK_YOUNG), *threshold[1:])


def _leave() -> None:
    global _depth, _restore
    with _lock:
        _depth -= 1
        if _depth > 0 or _restore is None:
            return
        threshold, froze = _restore
        _restore = None
        gc.set_threshold(*threshold)
        if froze:
            gc.unfreeze()
