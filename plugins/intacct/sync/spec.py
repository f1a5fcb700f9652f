"""What the one object-sync machinery needs to know of an object: its declarative spec.

A spec names the Intacct object and its key, the BC table and the columns that link the two, the fields
(from the field catalogue in ``mapping``, with their kinds and whether they are synced), the directions the
object flows in, its children (bill lines), how a record gone from Intacct looks in BC, and the keys new
records are imported under. ``ObjectSync`` (``sync.base``) runs every object from its spec; an object's module
adds only the hooks where its rules differ (vendors' matching, bills' paid-bill lock).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from intacct.sync import mapping
from intacct.sync.content import content_hash
from intacct.sync.mapping import FieldMap
from intacct.sync.plan import DIRECTIONS


@dataclass(frozen=True)
class ChildSpec:
    """Records that belong to one parent record and travel with it (bill lines)."""

    name: str
    intacct_object: str
    parent_field: str          # the child's field naming its parent's Intacct key (APBILLITEM RECORDKEY)
    bc_table: str
    bc_parent: str             # the BC column naming the parent's BC key
    order_by: str              # children are compared in this column's order
    fields: tuple[FieldMap, ...]
    intacct_order: str = "LINE_NO"  # the Intacct field giving that order
    # One parent's children as BC rows, in order (ValueError when one is malformed); by default row by row.
    read: Callable[[Iterable[Mapping[str, Any]]], list[dict]] | None = None

    @property
    def synced(self) -> list[str]:
        return [f.bc for f in self.fields if f.synced]

    def from_intacct(self, rows: Iterable[Mapping[str, Any]]) -> list[dict]:
        if self.read is not None:
            return self.read(rows)
        return [mapping.convert(self.intacct_object, row) for row in rows]


@dataclass(frozen=True)
class GoneRule:
    """How BC shows a record Intacct no longer has: ``column`` set to ``value``, with ``reason``."""

    column: str
    value: str
    reason: str


@dataclass(frozen=True)
class SyncSpec:
    name: str                          # the object's name in runs, links and outcomes
    noun: str                          # a record's name in reasons ("vendor", "bill")
    intacct_object: str
    intacct_key: str                   # the Intacct field links and rejections are keyed by
    bc_table: str
    bc_key: str                        # BC's own key column
    bc_link: str                       # the BC column holding the Intacct key (NULL: not linked yet)
    record_key: str                    # the Intacct key among an Intacct record's BC values
    required: tuple[str, ...]          # BC values without which a record cannot be stored or linked
    gone: GoneRule
    touched: str                       # the BC column stamped when the sync writes a row
    # An Intacct record as BC values (ValueError when malformed); by default field by field from the catalogue.
    read: Callable[[Mapping[str, Any]], dict] | None = None
    directions: tuple[str, ...] = DIRECTIONS
    children: tuple[ChildSpec, ...] = ()
    record_no_column: str | None = None  # a BC column holding the Intacct RECORDNO (else the link holds it)
    import_prefix: str = "ia-"         # new Intacct records are imported as <prefix><Intacct key>
    deletes_from_audit_trail: bool = False
    # Intacct keeps the business key a create is found by unique (a VENDORID): a create that Intacct calls
    # already applied although no such record is there (deleted before the create was linked) is sent again
    # under a new control id, since a record still there would refuse it. A bill's vendor and number are not
    # unique in Intacct: such a bill is not created again (that could duplicate it), it waits, logged.
    create_again_when_gone: bool = False
    # An object compared as one content value (a bill with its lines): the hash of a record's BC values with
    # its children's, ``digest(values, children, location)`` (``location``: what a child without one takes).
    digest: Callable[[dict, list[dict], str | None], str] | None = None

    @property
    def fields(self) -> tuple[FieldMap, ...]:
        return mapping.fields_for(self.intacct_object)

    @property
    def synced(self) -> list[str]:
        """BC columns compared between the sides, in the catalogue's order."""
        return [f.bc for f in self.fields if f.synced and f.bc != self.record_key]

    @property
    def two_way(self) -> bool:
        return "to_intacct" in self.directions

    def import_id(self, intacct_key: Any) -> str:
        """The BC key a record imported from Intacct gets (unless BC holds it already: see ``free_import_ids``)."""
        return f"{self.import_prefix}{intacct_key}"

    def from_intacct(self, record: Mapping[str, Any]) -> dict:
        """``read`` with the required values checked: ValueError naming the record and the field."""
        values = self.read(record) if self.read is not None else mapping.convert(self.intacct_object, record)
        return mapping.require_values(values, self.intacct_object, self.required)

    def bc_columns(self, table) -> list[str]:
        """The columns of the reflected BC table that an Intacct record's values fill on import."""
        own = {self.bc_key, "company_id", self.touched}
        return [column.name for column in table.columns if column.name not in own]


def _bill(record: Mapping[str, Any]) -> dict:
    """An APBILL as BC values; a refusal names the bill by RECORDNO, or by number and vendor without one."""
    try:
        return mapping.require_values(mapping.bill_from_intacct(record), "APBILL", ("intacct_record_no",))
    except ValueError as error:
        number = record.get("RECORDNO")
        label = f"RECORDNO {number}" if number not in (None, "") else (
            f"without a RECORDNO (bill number {record.get('RECORDID')!r}, vendor {record.get('VENDORID')!r})")
        raise ValueError(f"Intacct bill {label}: {error}") from None


def _bill_digest(values: dict, lines: list[dict], location: str | None) -> str:
    """A bill's content hash from values just converted from Intacct (see ``sync.content``)."""
    return content_hash(values, lines, values.get("intacct_vendor_id"), location, normalized=True)


ACCOUNTS = SyncSpec(
    name="accounts", noun="account", intacct_object="GLACCOUNT", intacct_key="ACCOUNTNO",
    bc_table="bc_accounts", bc_key="account_no", bc_link="account_no", record_key="account_no",
    required=("account_no", "title", "intacct_record_no"),
    gone=GoneRule("status", "inactive", "no longer exists in Intacct"), touched="synced_at",
    directions=("to_bc",), record_no_column="intacct_record_no")

VENDORS = SyncSpec(
    name="vendors", noun="vendor", intacct_object="VENDOR", intacct_key="VENDORID",
    bc_table="bc_vendors", bc_key="vendor_id", bc_link="intacct_vendor_id", record_key="intacct_vendor_id",
    required=("intacct_vendor_id", "intacct_record_no", "name"),
    gone=GoneRule("status", "inactive", "no longer exists in Intacct"), touched="updated_at",
    create_again_when_gone=True)

BILL_LINES = ChildSpec(
    name="lines", intacct_object="APBILLITEM", parent_field="RECORDKEY", bc_table="bc_bill_lines",
    bc_parent="bill_id", order_by="line_no", fields=mapping.BILL_LINE_FIELDS,
    read=mapping.bill_lines_from_intacct)

BILLS = SyncSpec(
    name="bills", noun="bill", intacct_object="APBILL", intacct_key="RECORDNO",
    bc_table="bc_bills", bc_key="bill_id", bc_link="intacct_record_no", record_key="intacct_record_no",
    read=_bill, required=(),
    gone=GoneRule("status", "void", "no longer exists in Intacct"), touched="updated_at",
    children=(BILL_LINES,), record_no_column="intacct_record_no", deletes_from_audit_trail=True,
    digest=_bill_digest)

#: Every object, in dependency order (a bill needs its vendor and its accounts).
SPECS: dict[str, SyncSpec] = {spec.name: spec for spec in (ACCOUNTS, VENDORS, BILLS)}
