"""One object's records as columns, with an undo journal for savepoints and cached sort orders."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from intacct_emulator.data.columns import NULL, NumberColumn, TextColumn, make_column
from intacct_emulator.data.schema import ObjectSpec


class Journal:
    """Undo steps of every change, so a savepoint can be rolled back (transaction="true")."""

    LIMIT = 200_000  # older steps are forgotten; a savepoint older than that can no longer be rolled back

    def __init__(self) -> None:
        self.steps: list[Callable[[], None]] = []
        self.dropped = 0

    def record(self, undo: Callable[[], None]) -> None:
        self.steps.append(undo)
        if len(self.steps) > self.LIMIT:
            cut = len(self.steps) // 2
            del self.steps[:cut]
            self.dropped += cut

    def position(self) -> int:
        return self.dropped + len(self.steps)

    def rollback(self, position: int) -> None:
        if position < self.dropped:
            raise ValueError("savepoint is too old to roll back")
        while self.dropped + len(self.steps) > position:
            self.steps.pop()()


class Table:
    def __init__(self, spec: ObjectSpec, journal: Journal):
        self.spec = spec
        self.journal = journal
        self.columns: dict[str, NumberColumn | TextColumn] = {f.name: make_column(f.kind) for f in spec.fields}
        self.alive = np.zeros(16, dtype=bool)
        self.n = 0
        self.version = 0
        self._orders: dict[tuple, tuple[int, np.ndarray, np.ndarray]] = {}

    # ---- size and keys -------------------------------------------------------------------------------
    def _ensure(self, capacity: int) -> None:
        if capacity > len(self.alive):
            grown = np.zeros(max(capacity, 2 * len(self.alive)), dtype=bool)
            grown[: len(self.alive)] = self.alive
            self.alive = grown
        for column in self.columns.values():
            column.ensure(capacity)

    def count(self) -> int:
        return int(self.alive[: self.n].sum())

    def recordnos(self) -> np.ndarray:
        return self.columns["RECORDNO"].data[: self.n]  # type: ignore[union-attr]

    def row_of(self, recordno: int) -> int | None:
        """Row of a live record. RECORDNOs only grow, so the column is sorted and a binary search finds it."""
        keys = self.recordnos()
        pos = int(np.searchsorted(keys, recordno))
        if pos < self.n and keys[pos] == recordno and self.alive[pos]:
            return pos
        return None

    def rows_of(self, recordnos: np.ndarray) -> np.ndarray:
        keys = self.recordnos()
        pos = np.searchsorted(keys, recordnos)
        pos = np.minimum(pos, max(self.n - 1, 0))
        if self.n == 0:
            return np.zeros(0, dtype=np.int64)
        ok = (keys[pos] == recordnos) & self.alive[pos]
        return pos[ok]

    def next_recordno(self) -> int:
        return int(self.recordnos()[-1]) + 1 if self.n else 1

    # ---- changes (journaled) ---------------------------------------------------------------------------
    def _touch(self) -> None:
        self.version += 1

    def append(self, values: dict[str, object]) -> int:
        row = self.n
        self._ensure(row + 1)
        for name, column in self.columns.items():
            column.set(row, values.get(name))  # type: ignore[arg-type]
        self.alive[row] = True
        self.n += 1
        self._touch()

        def undo() -> None:
            self.n = row
            self.alive[row] = False
            for column in self.columns.values():
                column.clear(row, row + 1)
            self._touch()

        self.journal.record(undo)
        return row

    def load(self, count: int, columns: dict[str, object]) -> None:
        """Bulk append of ``count`` rows (dataset generation); not journaled."""
        start = self.n
        self._ensure(start + count)
        for name, values in columns.items():
            self.columns[name].load(start, values)
        self.alive[start: start + count] = True
        self.n += count
        self._touch()

    def set(self, row: int, name: str, value: object) -> None:
        column = self.columns[name]
        before = column.get(row)
        column.set(row, value)  # type: ignore[arg-type]
        self._touch()

        def undo() -> None:
            column.set(row, before)  # type: ignore[arg-type]
            self._touch()

        self.journal.record(undo)

    def kill(self, row: int) -> None:
        self.alive[row] = False
        self._touch()

        def undo() -> None:
            self.alive[row] = True
            self._touch()

        self.journal.record(undo)

    # ---- reading -----------------------------------------------------------------------------------------
    def get(self, row: int, name: str):
        return self.columns[name].get(row)

    def record(self, row: int) -> dict[str, object]:
        return {name: column.get(row) for name, column in self.columns.items()}

    def sort_keys(self, name: str, descending: bool) -> np.ndarray:
        """An int64 array ordering rows by ``name`` (text by its value, empty last as Oracle sorts NULLs)."""
        column = self.columns[name]
        if isinstance(column, TextColumn):
            ranks = np.empty(len(column.values), dtype=np.int64)
            ranks[np.argsort(np.array(column.values, dtype=object), kind="stable")] = np.arange(len(column.values))
            ranks[0] = len(column.values)  # '' sorts last
            keys = ranks[column.codes[: self.n]]
        else:
            keys = column.data[: self.n].copy()
            keys[keys == NULL] = np.iinfo(np.int64).max
        return -keys if descending else keys

    def order(self, order_by: tuple[tuple[str, bool], ...]) -> tuple[np.ndarray, np.ndarray]:
        """All rows (live or not) sorted by ``order_by`` then RECORDNO, plus the leading sort key in that order.

        Cached until the next change. The leading keys let a range condition on the first ordering field
        narrow the candidates with a binary search instead of a full scan.
        """
        cached = self._orders.get(order_by)
        if cached is not None and cached[0] == self.version:
            return cached[1], cached[2]
        if order_by in ((("WHENMODIFIED", False), ("RECORDNO", False)), (("WHENMODIFIED", False),)):
            # One composite int64 key (seconds << 32 | RECORDNO) sorts faster than a lexsort.
            modified = self.columns["WHENMODIFIED"].data[: self.n]  # type: ignore[union-attr]
            perm = np.argsort((modified << 32) | self.recordnos(), kind="stable")
            leading = modified[perm]
        else:
            keys = [self.sort_keys(name, desc) for name, desc in order_by]
            keys.append(self.recordnos())
            perm = np.lexsort(tuple(reversed(keys)))
            leading = keys[0][perm]
        self._orders = {k: v for k, v in self._orders.items() if v[0] == self.version}
        self._orders[order_by] = (self.version, perm, leading)
        return perm, leading
