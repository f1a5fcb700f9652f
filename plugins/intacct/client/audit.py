"""Reading the audit trail (AUDITHISTORY) for records deleted in Intacct.

The values the gateway takes differ per function: ``query`` filters ACCESSMODE by the codes A M C D W T U,
readByQuery by the words Access, Modify, Create, Delete, … (reference §6). This module uses ``query`` and the
codes. Rows are keyed by ``ID`` (the trail's own key; no source shows a RECORDNO on it) and paged by offset in
(ACCESSTIME, ID) order: the trail only grows, so a late event can shift rows forward (read twice, dropped by
ID) but never makes a page skip one.

Real companies fail in two ways here, and neither may fail a sync run: the role may lack permission for the
audit trail, and some pages fail with "There was an error processing the request". Either is logged and
the result says the trail is unavailable, so the caller relies on its key reconciliation instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from . import filters as F
from .errors import IntacctError, PermissionDenied
from .fields import spec_for

log = logging.getLogger("intacct.client")

# ACCESSMODE: the codes ``query`` filters by, and the words readByQuery uses (older copies of the docs, and
# the product's own earlier vocabulary, say Created / Modified / Deleted).
ACCESS_MODES = {"A": "Access", "M": "Modify", "C": "Create", "D": "Delete", "W": "Workflow", "T": "Activity",
                "U": "User Action"}
_MODE_ALIASES = {"Created": "C", "Modified": "M", "Deleted": "D", "Accessed": "A"}
PROCESSING_ERROR = "there was an error processing the request"
AUDIT_FIELDS = ("ID", "OBJECTTYPE", "OBJECTKEY", "ACCESSMODE", "ACCESSTIME")


def mode_code(mode: str) -> str:
    """'D', 'Delete' or 'Deleted' → 'D'; raises ValueError for anything else."""
    text = str(mode).strip()
    if text.upper() in ACCESS_MODES:
        return text.upper()
    for code, word in ACCESS_MODES.items():
        if text.lower() == word.lower():
            return code
    for word, code in _MODE_ALIASES.items():
        if text.lower() == word.lower():
            return code
    raise ValueError(f"unknown audit access mode {mode!r}; use one of {', '.join(ACCESS_MODES)} or their words")


@dataclass(frozen=True)
class AuditTrail:
    """Delete events of one object type since a time. ``available`` is False when the trail could not be read
    completely; ``object_keys`` then holds what was read before the failure."""

    available: bool
    object_keys: frozenset[str] = frozenset()
    unavailable_reason: str = ""
    events: tuple[dict, ...] = field(default=(), repr=False)
    denied: bool = False  # the role may not read the trail (lasting), as opposed to a page that failed

    @property
    def record_nos(self) -> set[int]:
        """The keys that name a RECORDNO, bare or in the ``<RECORDNO>--REC`` form some objects use."""
        found = set()
        for key in self.object_keys:
            head = key.split("--", 1)[0].strip()
            if head.isdigit():
                found.add(int(head))
        return found


class AuditReader:
    def __init__(self, reader):
        self.reader = reader  # reading.Reader: builds and runs the query function

    def iter_events(self, object_name: str, since: datetime, modes: Sequence[str] = ("D",)) -> Iterator[dict]:
        """Audit rows of ``object_name`` with one of ``modes`` at or after ``since``; raises on failure."""
        spec = spec_for("AUDITHISTORY")
        codes = sorted({mode_code(mode) for mode in modes})
        where = F.and_(F.eq("OBJECTTYPE", object_name.lower()),
                       F.eq("ACCESSMODE", codes[0]) if len(codes) == 1 else F.in_("ACCESSMODE", codes),
                       F.gte("ACCESSTIME", since))
        size = self.reader.settings.page_size
        seen: set[str] = set()
        offset = 0
        while True:
            function = self.reader.query_function(spec, AUDIT_FIELDS, where, ("ACCESSTIME", "ID"), size)
            if offset:
                etree.SubElement(function.operation, "offset").text = str(offset)
            (result,) = self.reader.sessions.execute([function], uniqueid=False, label="query AUDITHISTORY")
            batch = self.reader.batch(spec, AUDIT_FIELDS, result, size)
            for row in batch.rows:
                key = row.get("ID")
                if key is not None and key in seen:
                    continue
                if key is not None:
                    seen.add(key)
                yield row
            offset += len(batch.rows)
            if not batch.more or not batch.rows:
                return



def deleted_since(object_name: str, events: Callable[[], Iterable[dict]]) -> AuditTrail:
    """Collect the delete events ``events()`` yields; never raises for the trail's known failure modes."""
    collected: list[dict] = []
    try:
        collected.extend(events())
    except PermissionDenied as denied:
        reason = f"the Web Services user's role may not read the audit trail ({denied.errorno or denied.message})"
    except IntacctError as failed:
        if not _is_processing_error(failed.errors):
            raise
        reason = f'a page failed with "There was an error processing the request" ({failed.errorno})'
    else:
        return AuditTrail(True, _keys(collected), events=tuple(collected))
    log.warning("Audit trail unavailable for %s deletes: %s. %d delete event(s) read before that are used; "
                "the key reconciliation finds the others.", object_name, reason, len(collected))
    return AuditTrail(False, _keys(collected), reason, tuple(collected), denied=reason.startswith("the Web Services"))


def _keys(events: Iterable[dict]) -> frozenset[str]:
    return frozenset(str(e["OBJECTKEY"]).strip() for e in events if e.get("OBJECTKEY") not in (None, ""))


def _is_processing_error(details: Iterable) -> bool:
    return any(PROCESSING_ERROR in f"{d.description} {d.description2}".lower() for d in details)
