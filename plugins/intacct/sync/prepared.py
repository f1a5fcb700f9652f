"""Intacct pages made ready for the sync: records as BC values, their children converted, contents hashed.

This is the part of reading a page that depends on the page and the object's spec only, never on BC, so it
runs wherever the page is read: in the reading thread, or, for a long full read, in the reading process
(``IntacctClient.process_read``), on another CPU than the sync's. What it cannot convert it does not guess:
a record or a record's children that cannot be converted is listed with the reason, and the sync rejects it
by name while the rest of the page goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from intacct.sync.spec import ChildSpec, SyncSpec

# What converting a malformed value raises (ArithmeticError: Decimal's InvalidOperation).
CONVERSION_ERRORS = (ValueError, TypeError, ArithmeticError)


@dataclass(frozen=True)
class Refused:
    """The children of one record that could not be converted, and why (the record is rejected with it)."""

    reason: str


@dataclass(frozen=True)
class PreparedPage:
    """One page of Intacct records as the sync needs it.

    ``records``: the records converted to BC values; ``refused``: (Intacct key or None, reason) of each one
    that could not be; ``record_nos``: every row's RECORDNO (-1 without a readable one), converted or not;
    ``rejected``: the rows the client could not read (``Page.rejected``); ``children``: for a page read with
    its children, the parent's RECORDNO → its children converted (or ``Refused``); ``digests``: the parent's
    RECORDNO → the hash of its content with those children (objects compared as one content: bills).
    """

    records: list[dict] = field(repr=False)
    cursor: tuple
    refused: list[tuple[str | None, str]] = field(default_factory=list)
    record_nos: list[int] = field(default_factory=list, repr=False)
    rejected: tuple = ()
    children: dict[int, list[dict] | Refused] | None = field(default=None, repr=False)
    digests: dict[int, str] = field(default_factory=dict, repr=False)


def convert_records(records: Iterable, convert: Callable[[dict], dict], key_field: str
                    ) -> tuple[list[dict], list[tuple[str | None, str]]]:
    """Intacct records as BC values, and (key, reason) of each one that could not be converted."""
    converted, refused = [], []
    for record in records:
        try:
            converted.append(convert(record))
        except CONVERSION_ERRORS as error:
            key = record.get(key_field) if isinstance(record, dict) else None
            record_no = record.get("RECORDNO") if isinstance(record, dict) else None
            named = (f"{key_field} {key}" if key not in (None, "") else
                     f"RECORDNO {record_no}" if record_no not in (None, "") else "a record without keys")
            refused.append((None if key in (None, "") else str(key),
                            f"Intacct {named}: {error}: correct the record in Intacct"))
    return converted, refused


def convert_children(child: ChildSpec, rows: Iterable[Mapping]) -> list[dict] | Refused:
    """One record's children as BC rows, or why they cannot be."""
    try:
        return child.read(rows)
    except CONVERSION_ERRORS as error:
        return Refused(str(error))


def record_no(record) -> int:
    """An Intacct record's RECORDNO as a number (-1 when it has none readable)."""
    try:
        return int(record.get("RECORDNO"))
    except (AttributeError, TypeError, ValueError):
        return -1


def prepare_page(page, spec: SyncSpec, location: str | None = None, *, hash_content: bool = True) -> PreparedPage:
    """``page`` (a client ``Page``, or a ``BillPage`` with its children) prepared for the sync of ``spec``;
    ``location``: what a child without one stands for in the content (the entity, where it is required).

    ``hash_content=False`` leaves the records' content hashes to the sync, which computes a missing one itself
    (the same function of the same values): a reading process whose caller waits for it hashes no page, so
    that the two share the hashing as their speeds allow (``IntacctClient.process_read``'s ``lighter``)."""
    converted, refused = convert_records(page.records, spec.from_intacct, spec.intacct_key)
    raw_children = getattr(page, "lines", None)
    children, digests = None, {}
    if spec.children and raw_children is not None:
        child, children = spec.children[0], {}
        for values in converted:
            number = values.get("intacct_record_no")
            converted_children = children[number] = convert_children(child, raw_children.get(number, ()))
            if hash_content and spec.digest is not None and not isinstance(converted_children, Refused):
                digests[number] = spec.digest(values, converted_children, location)
    return PreparedPage(converted, page.cursor, refused, [record_no(r) for r in page.records],
                        tuple(getattr(page, "rejected", ()) or ()), children, digests)


def prepared_pages(pages: Iterator, spec: SyncSpec, location: str | None = None) -> Iterator[PreparedPage]:
    """``pages`` prepared one by one where they are read; closing this closes the read."""
    try:
        for page in pages:
            yield prepare_page(page, spec, location)
    finally:
        close = getattr(pages, "close", None)
        if close is not None:
            close()
