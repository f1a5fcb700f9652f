"""Counting what Intacct bills: every function in a request is one API call; every written record counts."""

from __future__ import annotations

import threading
from collections import Counter


class ApiUsage:
    """Thread-safe counters of API calls (by function), HTTP requests and records written."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._records_written = 0
        self._requests = 0

    def record_request(self, function_names: list[str]) -> None:
        """One answered request whose functions ran (or were at least judged by the gateway)."""
        with self._lock:
            self._requests += 1
            self._calls.update(function_names)

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
