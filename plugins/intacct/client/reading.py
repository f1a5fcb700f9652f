"""Reading with the ``query`` function: gap-free keyset paging, typed records, memory bounded by a page.

Rows are ordered by (WHENMODIFIED, RECORDNO) and each next page starts strictly after the last row seen,
``(WHENMODIFIED > t) OR (WHENMODIFIED = t AND RECORDNO > n)``. Rows that change while a read is under way
move behind the cursor and are read at their new position; a row read earlier that shows up again is not
returned twice. Rows whose WHENMODIFIED is empty cannot be ordered by it: when the first page's total count
shows rows the first pass did not reach, a second pass reads them by RECORDNO.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from . import filters as F
from .audit import AuditReader
from .errors import MalformedValue, ValidationError, classify
from .fields import ObjectSpec, spec_for
from .seen import SeenNumbers
from .session import SessionManager
from .settings import MAX_IN_VALUES, ClientSettings
from .values import ValueCodec
from .xml import Function, Redactor, Result, element

RECORDNO = "RECORDNO"
log = logging.getLogger("intacct.client")


@dataclass(frozen=True)
class Page:
    """One page of typed records; ``cursor`` is (modified UTC, RECORDNO) of its last ordered row.

    ``rejected`` holds one MalformedValue (a ValueError naming the record key and the fields) per row of the
    page that could not be read: a value not of its field's type, or no RECORDNO. Those rows are not in
    ``records``; the caller rejects each one and goes on with the others.
    """

    records: list[dict] = field(repr=False)
    cursor: tuple[datetime | None, int | None]
    rejected: tuple[MalformedValue, ...] = ()
    total: int | None = None  # the gateway's totalcount of the whole read, on its first page (when it says)


@dataclass(frozen=True)
class BillPage(Page):
    """A page of bills (ordered by RECORDNO) with ``lines``: RECORDNO → that bill's lines in line order
    (every bill of ``records`` has an entry, empty when it has no line)."""

    lines: dict[int, list[dict]] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class _Batch:
    rows: list[dict]
    total: int | None
    more: bool
    rejected: tuple[MalformedValue, ...] = ()


class Reader:
    def __init__(self, sessions: SessionManager, settings: ClientSettings, codec: ValueCodec, redactor: Redactor):
        self.sessions = sessions
        self.settings = settings
        self.codec = codec
        self.redactor = redactor
        self._control_ids = itertools.count(1)

    # -- one query call ----------------------------------------------------------------------------------------

    def query_function(self, spec: ObjectSpec, select: Sequence[str], where: F.Filter | None,
                       order: Sequence[str], page_size: int, descending: bool = False, offset: int = 0) -> Function:
        query = element("query", element("object", text=spec.name))
        select_el = etree.SubElement(query, "select")
        for name in select:
            etree.SubElement(select_el, "field").text = name
        if where is not None:
            query.append(element("filter", where.to_element(self.codec)))
        if order:
            orderby = etree.SubElement(query, "orderby")
            for name in order:
                orderby.append(element("order", element("field", text=name),
                                       element("descending" if descending else "ascending")))
        if self.settings.show_private and not self.sessions.credentials.entity_id:
            query.append(element("options", element("showprivate", text="true")))
        etree.SubElement(query, "pagesize").text = str(page_size)
        if offset:
            etree.SubElement(query, "offset").text = str(offset)
        return Function(f"read-{next(self._control_ids)}", query)

    def run_query(self, spec: ObjectSpec, select: Sequence[str], where: F.Filter | None, order: Sequence[str],
                  page_size: int | None = None, descending: bool = False, offset: int = 0) -> _Batch:
        size = page_size or self.settings.page_size
        function = self.query_function(spec, select, where, order, size, descending, offset)
        (result,) = self.sessions.execute([function], uniqueid=False, label=f"query {spec.name}")
        return self.batch(spec, select, result, size)

    def batch(self, spec: ObjectSpec, select: Sequence[str], result: Result, size: int) -> _Batch:
        if not result.ok:
            details = [self.redactor.detail(d) for d in result.errors]
            raise classify("function", details, context=self.sessions.context, prefix=f"query {spec.name}: ")
        rejected: list[MalformedValue] = []
        rows = self.typed_rows(spec, select, result.data, rejected)
        remaining = result.data_int("numremaining")
        more = remaining > 0 if remaining is not None else len(rows) + len(rejected) >= size
        return _Batch(rows, result.data_int("totalcount"), more, tuple(rejected))

    def typed_rows(self, spec: ObjectSpec, select: Sequence[str], data: etree._Element | None,
                   rejected: list[MalformedValue] | None = None) -> list[dict]:
        """Typed rows of a ``<data>`` element. A row that cannot be read goes to ``rejected`` (or raises
        MalformedValue when no list is given); the other rows are returned."""
        if data is None:
            return []
        parsers = self.codec.parsers
        # Text fields need no conversion: only typed fields get a converter (the hot loop stays small).
        converters = {name: parsers[kind] for name, kind in spec.fields.items() if kind != "text"}
        template = dict.fromkeys(select)
        # A text repeated across the page (a vendor id, a currency, a state, an account) is one string, not one
        # per row: lxml builds a new string on each read, and a page pickled to the sync (the reading process)
        # writes each string once, then refers to it (dumping and loading a page took a quarter less).
        shared = {}.setdefault
        rows = []
        for node in data:
            row = template.copy()
            try:
                for child in node:
                    tag, text = child.tag, child.text  # each read of an lxml property builds a new string
                    if text is None:
                        if len(child):
                            _flatten(child, tag, row)
                        else:
                            row[tag] = None
                        continue
                    convert = converters.get(tag)
                    row[tag] = shared(text, text) if convert is None else convert(text)
                if row.get(RECORDNO, 0) is None and RECORDNO in template:
                    raise ValueError("no RECORDNO")
            except (ValueError, ArithmeticError):
                error = self._explain_bad_row(spec, node)
                if rejected is None:
                    raise error from None
                log.warning("Skipping an unreadable Intacct row: %s", error)
                rejected.append(error)
                continue
            rows.append(row)
        return rows

    def _explain_bad_row(self, spec: ObjectSpec, node: etree._Element) -> MalformedValue:
        """Re-read a row cell by cell: one error naming the record and every offending field."""
        texts = {child.tag: child.text for child in node if isinstance(child.tag, str)}
        key = next((f"{name} {texts[name].strip()}" for name in (spec.business_key, RECORDNO)
                    if name and texts.get(name) and texts[name].strip()), "without a key")
        key = f"{spec.name} {key}"
        problems: list[MalformedValue] = []
        for name, text in texts.items():
            try:
                self.codec.parse(spec.type_of(name), text, name=f"{spec.name}.{name}", key=key)
            except MalformedValue as exc:
                problems.append(exc)
        fields = [f for p in problems for f in p.fields]
        if not (texts.get(RECORDNO) or "").strip():
            fields.append(f"{spec.name}.{RECORDNO}")
            problems.append(MalformedValue(f"Intacct sent record {key} without a RECORDNO (every record has one)",
                                           key=key, fields=[f"{spec.name}.{RECORDNO}"]))
        if not problems:
            problems.append(MalformedValue(f"Intacct sent an unreadable record {key}", key=key))
        message = problems[0].message if len(problems) == 1 else "; ".join(p.message for p in problems)
        error = MalformedValue(message + ": correct the record in Intacct", key=key, fields=fields)
        # The record's own identifiers, so a caller can file the rejection under the key it syncs by.
        error.identifiers = {name: texts[name].strip() for name in (spec.business_key, RECORDNO)
                             if name and texts.get(name) and texts[name].strip()}
        return error

    # -- keyset paging -----------------------------------------------------------------------------------------

    def iter_pages(self, object_name: str, fields: Sequence[str] | None = None, *,
                   modified_since: datetime | None = None, where: F.Filter | None = None) -> Iterator[Page]:
        spec = spec_for(object_name)
        modified = spec.modified_field
        if modified is None:
            raise ValidationError(f"{spec.name} has no modification timestamp; use find() or list_record_numbers()")
        if modified_since is not None:
            _require_aware(modified_since)
        select = _unique([*(fields or spec.default_fields), RECORDNO, modified])
        window = F.or_(F.gte(modified, modified_since), F.is_null(modified)) if modified_since else None
        base = F.and_(where, window)
        seen = SeenNumbers()  # record numbers returned so far: a row changed mid-read is not returned twice
        cursor: tuple[datetime, int] | None = None
        # The cursor callers may store as a watermark. It stops moving once a changed row was held back, so a
        # watermark never passes a change that this read did not deliver.
        exposed: tuple[datetime | None, int | None] = (None, None)
        held_back = False
        total: int | None = None
        unreadable = 0  # rows counted by the gateway but rejected: not "unreached"
        first = True
        skip = 0  # unreadable rows just past the cursor: a page of nothing else moves no cursor, so skip them
        while True:
            if first:
                condition = base
            elif cursor is None:
                condition = F.and_(base, F.is_not_null(modified))
            else:
                condition = F.and_(base, _after((modified, RECORDNO), cursor))
            batch = self.run_query(spec, select, condition, (modified, RECORDNO), offset=skip)
            if first:
                total, first = batch.total, False
            fresh = []
            for row in batch.rows:
                if row[modified] is not None:
                    cursor = (row[modified], row[RECORDNO])
                if not seen.add(row[RECORDNO]):
                    held_back = True
                    continue
                fresh.append(row)
                if not held_back and cursor is not None:
                    exposed = cursor
            unreadable += len(batch.rejected)
            if fresh or batch.rejected:
                yield Page(fresh, exposed, batch.rejected)
            if not batch.more or not (batch.rows or batch.rejected):
                break
            # Readable rows moved the cursor (rows rejected after the last of them are read, and rejected,
            # again); a page of unreadable rows only is stepped over by offset, or the read would end there.
            skip = 0 if batch.rows else skip + len(batch.rejected)
        if total is not None and total > len(seen) + unreadable:
            # Rows with an empty modification time were counted but not reached: read them by RECORDNO.
            for page in self._keyset(spec, select, F.and_(where, F.is_null(modified))):
                fresh = [row for row in page if row[RECORDNO] not in seen]
                if fresh:
                    yield Page(fresh, (None, fresh[-1][RECORDNO]))

    def _keyset(self, spec: ObjectSpec, select: Sequence[str], where: F.Filter | None,
                keys: Sequence[str] = (RECORDNO,), page_size: int | None = None,
                bound: Callable[[], F.Filter | None] | None = None,
                on_total: Callable[[int | None], None] | None = None) -> Iterator[list[dict]]:
        """Pages ordered by ``keys``, each starting strictly after the last row of the previous one;
        ``bound()``, when given, is asked before every request and narrows it (a read that was split);
        ``on_total`` hears the gateway's total count once, with the first answer."""
        last: tuple | None = None
        while True:
            condition = F.and_(where, _after(keys, last)) if last is not None else where
            if bound is not None:
                condition = F.and_(condition, bound())
            batch = self.run_query(spec, select, condition, keys, page_size)
            if on_total is not None:
                on_total, report = None, on_total
                report(batch.total)
            if batch.rejected:  # keyed reads (lookups, keys, lines) must not skip a record: refuse clearly
                raise batch.rejected[0]
            if batch.rows:
                last = tuple(batch.rows[-1][k] for k in keys)
                yield batch.rows
            if not batch.more or not batch.rows:
                return

    def list_record_numbers(self, object_name: str, where: F.Filter | None = None) -> Iterator[int]:
        spec = spec_for(object_name)
        for rows in self._keyset(spec, (RECORDNO,), where):
            for row in rows:
                yield row[RECORDNO]

    def find(self, object_name: str, where: F.Filter | None, fields: Sequence[str] | None = None,
             limit: int | None = None) -> list[dict]:
        spec = spec_for(object_name)
        select = _unique([*(fields or spec.default_fields), RECORDNO])
        found: list[dict] = []
        page_size = min(limit, self.settings.page_size) if limit else None
        for rows in self._keyset(spec, select, where, page_size=page_size):
            found.extend(rows)
            if limit and len(found) >= limit:
                return found[:limit]
        return found

    def read_bill_lines(self, bill_record_nos: Iterable[int], fields: Sequence[str] | None = None
                        ) -> dict[int, list[dict]]:
        """The lines of the given bills, ``in`` chunks of 1,000 bills: for a few bills (an incremental run).
        A full read takes ``iter_bill_lines`` or ``iter_bills_with_lines`` instead (no chunks)."""
        spec = spec_for("APBILLITEM")
        keys = sorted({int(n) for n in bill_record_nos})
        select = _line_select(spec, fields)
        lines: dict[int, list[dict]] = {key: [] for key in keys}
        for start in range(0, len(keys), MAX_IN_VALUES):
            chunk = keys[start:start + MAX_IN_VALUES]
            for rows in self._keyset(spec, select, F.in_("RECORDKEY", chunk)):
                for row in rows:
                    lines.setdefault(row["RECORDKEY"], []).append(row)
        for bill_lines in lines.values():
            _sort_lines(bill_lines)
        return lines

    def iter_children(self, object_name: str, parent_field: str, fields: Sequence[str] | None = None, *,
                      modified_since: datetime | None = None,
                      parents: tuple[int | None, int | None] | None = None,
                      upper: Callable[[], int | None] | None = None,
                      on_total: Callable[[int | None], None] | None = None) -> Iterator[list[dict]]:
        """Every child record (bill lines: APBILLITEM by RECORDKEY) as its own keyset read: pages of
        ``page_size`` rows ordered by (``parent_field``, RECORDNO), so ceil(children / page_size) calls and each
        parent's children consecutive.

        ``modified_since`` keeps the children modified at or after it (or with no modification time);
        ``parents`` = (first, last) keeps the children of parents whose RECORDNO is in that closed range (either
        end may be None); ``upper()``, asked before every request, is a highest parent RECORDNO that can
        still be lowered while the read runs (None: no limit); ``on_total`` hears the count of children the
        gateway reports with its first answer. Unreadable children raise MalformedValue: a
        parent must not lose a child silently.
        """
        spec = spec_for(object_name)
        where = record_range(parent_field, parents)
        if modified_since is not None:
            _require_aware(modified_since)
            where = F.and_(where, F.or_(F.gte("WHENMODIFIED", modified_since), F.is_null("WHENMODIFIED")))
        select = _unique([*(fields or spec.default_fields), RECORDNO, parent_field])
        return self._keyset(spec, select, where, (parent_field, RECORDNO),
                            bound=None if upper is None else lambda: _at_most(parent_field, upper()),
                            on_total=on_total)

    def highest_record_no(self, object_name: str, where: F.Filter | None = None) -> int | None:
        """The highest RECORDNO of ``object_name`` (within ``where``), or None when it has none: one one-row
        call."""
        batch = self.run_query(spec_for(object_name), (RECORDNO,), where, (RECORDNO,), page_size=1, descending=True)
        return batch.rows[0][RECORDNO] if batch.rows else None

    def pages_by_record_no(self, object_name: str, fields: Sequence[str] | None = None, *,
                           span: tuple[int | None, int | None] | None = None,
                           where: F.Filter | None = None,
                           upper: Callable[[], int | None] | None = None,
                           on_first: Callable[[Page], None] | None = None) -> Iterator[Page]:
        """Every record as a keyset read ordered by RECORDNO, as pages; ``cursor`` is (None, last RECORDNO),
        the first page carries the gateway's ``total``. Unreadable records are in ``Page.rejected`` as with
        ``iter_pages``. ``upper()``, asked before every request, is a highest RECORDNO that can still be
        lowered while the read runs (None: no limit); ``on_first`` sees the first page as soon as it is read.
        A read from the beginning: its keys are Intacct's complete key list."""
        spec = spec_for(object_name)
        extra = [spec.modified_field] if spec.modified_field else []
        select = _unique([*(fields or spec.default_fields), RECORDNO, *extra])
        base = F.and_(where, record_range(RECORDNO, span))
        last: int | None = None
        first = True
        skip = 0  # as in iter_pages: unreadable rows whose key is unreadable too are stepped over by offset
        while True:
            condition = F.and_(base, F.gt(RECORDNO, last)) if last is not None else base
            if upper is not None:
                condition = F.and_(condition, _at_most(RECORDNO, upper()))
            batch = self.run_query(spec, select, condition, (RECORDNO,), offset=skip)
            keys = [row[RECORDNO] for row in batch.rows]
            keys.extend(int(n) for n in (e.identifiers.get(RECORDNO) for e in batch.rejected
                                         if getattr(e, "identifiers", None)) if n and n.isdigit())
            if batch.rows or batch.rejected:
                page = Page(batch.rows, (None, batch.rows[-1][RECORDNO] if batch.rows else last), batch.rejected,
                            total=batch.total if first else None)
                if first and on_first is not None:
                    on_first(page)
                first = False
                yield page
            if not batch.more or not (keys or batch.rejected):
                return
            if keys:
                last, skip = max(keys), 0
            else:
                skip += len(batch.rejected)

    def iter_audit_events(self, object_name: str, since: datetime, modes: Sequence[str] = ("Deleted",)
                          ) -> Iterator[dict]:
        # Modes may be codes or words; the query sends the documented codes (see audit.py).
        return AuditReader(self).iter_events(object_name, since, modes)


def join_children(bill_pages: Iterator[Page], line_pages: Iterator[list[dict]],
                  parent_field: str = "RECORDKEY") -> Iterator[BillPage]:
    """Merge records ordered by RECORDNO with their children ordered by ``parent_field`` (bills and lines):
    each page gets exactly its records' children, reading child pages only as far as its last record. Memory:
    one page, its children and one child page. Children of records not in the read (filtered out, deleted)
    are dropped."""
    buffer: list[dict] = []
    position = 0
    exhausted = False
    try:
        for page in bill_pages:
            wanted: dict[int, list[dict]] = {row[RECORDNO]: [] for row in page.records}
            top = max(wanted, default=None)
            while top is not None:
                while position < len(buffer) and buffer[position][parent_field] <= top:
                    row = buffer[position]
                    position += 1
                    target = wanted.get(row[parent_field])
                    if target is not None:
                        target.append(row)
                if position < len(buffer) or exhausted:
                    break
                try:
                    buffer, position = next(line_pages), 0
                except StopIteration:
                    exhausted = True
            for lines in wanted.values():
                if len(lines) > 1:
                    _sort_lines(lines)
            yield BillPage(page.records, page.cursor, page.rejected, total=page.total, lines=wanted)
    finally:
        for stream in (bill_pages, line_pages):
            close = getattr(stream, "close", None)
            if close is not None:
                close()


def _after(keys: Sequence[str], values: Sequence[object]) -> F.Filter:
    """Rows strictly after ``values`` in the order of ``keys`` (keyset condition)."""
    head, value = keys[0], values[0]
    if len(keys) == 1:
        return F.gt(head, value)
    return F.or_(F.gt(head, value), F.and_(F.eq(head, value), _after(keys[1:], values[1:])))  # type: ignore[return-value]


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("modified_since must be timezone-aware (e.g. tzinfo=datetime.UTC)")


def record_range(field_name: str, bills: tuple[int | None, int | None] | None) -> F.Filter | None:
    """``field_name`` within the closed range (first, last); either end may be None (open)."""
    if bills is None:
        return None
    first, last = bills
    return F.and_(None if first is None else F.gte(field_name, int(first)),
                  None if last is None else F.lte(field_name, int(last)))


def _at_most(field_name: str, highest: int | None) -> F.Filter | None:
    return None if highest is None else F.lte(field_name, int(highest))


def _line_select(spec: ObjectSpec, fields: Sequence[str] | None) -> list[str]:
    return _unique([*(fields or spec.default_fields), RECORDNO, "RECORDKEY"])


def _sort_lines(lines: list[dict]) -> None:
    """A bill's lines in their line order (LINE_NO, then RECORDNO), however they were read."""
    lines.sort(key=lambda r: (r.get("LINE_NO") is None, r.get("LINE_NO") or 0, r[RECORDNO]))


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(n.upper() if n.islower() else n for n in names))


def _flatten(node: etree._Element, prefix: str, row: dict) -> None:
    for child in node:
        name = f"{prefix}.{child.tag}"
        if len(child):
            _flatten(child, name, row)
        else:
            row[name] = child.text or None
