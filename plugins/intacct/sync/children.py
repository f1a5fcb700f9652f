"""Children read as their own keyset stream and merged with their parents' pages (bill lines with bills).

A read from the beginning takes the parents in key order, so their children, read in (parent key, key)
order, arrive in the same order: each parents page takes the children up to its last key. That costs
ceil(children / page size) calls in all, where looking the children up per page (``in`` chunks) costs a
part-filled page or more per chunk. Memory holds one page of each.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from intacct.sync.spec import ChildSpec


class ChildStream:
    def __init__(self, spec: ChildSpec, pages: Iterable[list[dict]]):
        self.spec = spec
        self._rows: Iterator[dict] = (row for page in pages for row in page)
        self._pending: dict | None = None
        self._done = False

    def upto(self, last_parent: int | None) -> dict[int, list[dict]]:
        """Parent key → its children, for every parent key up to ``last_parent``, in the child's order."""
        grouped: dict[int, list[dict]] = {}
        if last_parent is None:
            return grouped
        parent = self.spec.parent_field
        while not self._done:
            if self._pending is None:
                self._pending = next(self._rows, None)
                if self._pending is None:
                    self._done = True
                    break
            key = self._pending.get(parent)
            if key is not None and key > last_parent:
                break
            if key is not None:
                grouped.setdefault(key, []).append(self._pending)
            self._pending = None
        order = self.spec.intacct_order
        for rows in grouped.values():
            rows.sort(key=lambda r: (r.get(order) is None, r.get(order) or 0, r.get("RECORDNO") or 0))
        return grouped

    def close(self) -> None:
        close = getattr(self._rows, "close", None)
        if close is not None:
            close()
