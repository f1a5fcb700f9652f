"""Counting what Intacct bills: every function in a request is one API call; every written record counts.

Calls are also counted per scope (``scoped``), e.g. per object of a run: a read started early for a later
object runs in threads beside the earlier object's sync, so "the calls made meanwhile" would be wrong. The
scope is a context variable, which the reading threads carry over from where their read was started.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_SCOPE: ContextVar[str | None] = ContextVar("intacct_usage_scope", default=None)


class ApiUsage:
    """Thread-safe counters of API calls (by function), HTTP requests and records written."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._records_written = 0
        self._requests = 0
        self._by_scope: dict[str, Counter[str]] = {}

    def record_request(self, function_names: list[str]) -> None:
        """One answered request whose functions ran (or were at least judged by the gateway)."""
        scope = _SCOPE.get()
        with self._lock:
            self._requests += 1
            self._calls.update(function_names)
            if scope is not None:
                self._by_scope.setdefault(scope, Counter()).update(function_names)

    def merge(self, usage: dict) -> None:
        """Add what another client counted for this one (a reading process's ``snapshot`` differences:
        ``calls_by_function``, ``requests``, ``records_written``), in the current scope."""
        scope = _SCOPE.get()
        calls = Counter({name: int(n) for name, n in (usage.get("calls_by_function") or {}).items()})
        with self._lock:
            self._requests += int(usage.get("requests") or 0)
            self._records_written += int(usage.get("records_written") or 0)
            self._calls.update(calls)
            if scope is not None and calls:
                self._by_scope.setdefault(scope, Counter()).update(calls)

    @staticmethod
    @contextmanager
    def scoped(name: str) -> Iterator[None]:
        """Count the calls made in this block, and in reads started in it, under ``name`` as well."""
        token = _SCOPE.set(name)
        try:
            yield
        finally:
            _SCOPE.reset(token)

    def calls_in(self, scope: str) -> dict[str, int]:
        """The calls counted under ``scope`` so far, by function."""
        with self._lock:
            return dict(self._by_scope.get(scope, {}))

    def record_written(self, count: int = 1) -> None:
        with self._lock:
            self._records_written += count

    @property
    def calls_by_function(self) -> dict[str, int]:
        with self._lock:
            return dict(self._calls)

    @property
    def total_calls(self) -> int:
        with self._lock:
            return sum(self._calls.values())

    @property
    def records_written(self) -> int:
        with self._lock:
            return self._records_written

    @property
    def requests(self) -> int:
        with self._lock:
            return self._requests

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            return {"calls_by_function": dict(self._calls), "total_calls": sum(self._calls.values()),
                    "records_written": self._records_written, "requests": self._requests}

    def __repr__(self) -> str:
        return f"ApiUsage({self.snapshot()!r})"
