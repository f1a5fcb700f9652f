"""Usage counters the way Intacct bills: one API call per function, one transaction per written record."""

from __future__ import annotations

import threading
from collections import defaultdict


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self._records_written: dict[str, int] = defaultdict(int)

    def count_call(self, company_id: str, function: str) -> None:
        with self._lock:
            self._calls[company_id][function] += 1

    def count_written(self, company_id: str, records: int) -> None:
        if records:
            with self._lock:
                self._records_written[company_id] += records

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._records_written.clear()

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "calls": {company: dict(functions) for company, functions in self._calls.items()},
                "records_written": dict(self._records_written),
            }
