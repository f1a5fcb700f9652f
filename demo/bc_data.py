"""The Business Center's side of the demo: its own rows, and the edits people make on both sides.

``seed_bc_company`` writes what exists only in BC before the first sync: two new vendors, ready-to-pay
bills for them, and one bill that cannot be sent (its line uses an account Intacct does not have).
``edit_both_sides`` runs after a sync, when vendors are linked: BC edits one vendor, Intacct (as a person
in its UI, through the emulator) edits another, and both edit a third one differently: a conflict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from intacct.warehouse import Warehouse

INTACCT_COMPANY = "DEMO"
BAD_ACCOUNT = "9999"  # not in the demo chart of accounts


@dataclass(frozen=True)
class BcCompany:
    bc_company_id: str
    entity_id: str
    currency: str
    prefix: str  # keeps BC ids unique per company, e.g. "US"


DEMO_COMPANIES = (BcCompany("bc-us", "US01", "USD", "US"), BcCompany("bc-ca", "CA01", "CAD", "CA"))


@dataclass(frozen=True)
class SeededRows:
    new_vendor_ids: tuple[str, ...]
    ready_bill_ids: tuple[str, ...]
    bad_bill_id: str


@dataclass(frozen=True)
class BothSidesEdits:
    bc_edited: str  # BC vendor id edited in BC only
    intacct_edited: str  # BC vendor id whose Intacct vendor was edited in Intacct only
    conflicted: str  # BC vendor id edited on both sides
    bc_phone: str
    intacct_name: str
    bc_email: str
    intacct_email: str


def seed_bc_company(warehouse: Warehouse, company: BcCompany, *, now: datetime | None = None) -> SeededRows:
    """BC's own rows before the first sync (idempotent: rows already there are left alone)."""
    now = now or datetime.now(UTC)
    p = company.prefix
    vendors = [
        _vendor(company, f"BC-{p}-V001", f"Northwind Paper {p} Ltd.", f"ap@northwind-{p.lower()}.example.com",
                "+1 555 010 0101", "12 Harbour Rd", now),
        _vendor(company, f"BC-{p}-V002", f"Blue Harbor Logistics {p}", f"billing@blueharbor-{p.lower()}.example.com",
                "+1 555 010 0202", "400 Market St", now),
    ]
    today = now.date()
    bills = [
        (_bill(company, f"BC-{p}-B001", vendors[0]["vendor_id"], "NW-1001", "Paper for Q3", today, "250.00", now),
         [_line(company, f"BC-{p}-B001", 1, "6500", "200.00", "Copy paper"),
          _line(company, f"BC-{p}-B001", 2, "6510", "50.00", "Delivery")]),
        (_bill(company, f"BC-{p}-B002", vendors[1]["vendor_id"], "BH-77", "Freight, June", today, "1234.56", now),
         [_line(company, f"BC-{p}-B002", 1, "5100", "1234.56", "Freight in")]),
        # The bad row: its account does not exist in Intacct, so the sync rejects it with the reason.
        (_bill(company, f"BC-{p}-B003", vendors[1]["vendor_id"], "BH-78", "Storage", today, "99.00", now),
         [_line(company, f"BC-{p}-B003", 1, BAD_ACCOUNT, "99.00", "Storage fee")]),
    ]
    tables = warehouse.tables
    with warehouse.engine.begin() as connection:
        for row in vendors:
            _insert_missing(connection, tables["bc_vendors"], row, ("company_id", "vendor_id"))
        for bill, lines in bills:
            if _insert_missing(connection, tables["bc_bills"], bill, ("company_id", "bill_id")):
                connection.execute(tables["bc_bill_lines"].insert(), lines)
    return SeededRows(
        new_vendor_ids=tuple(v["vendor_id"] for v in vendors),
        ready_bill_ids=(bills[0][0]["bill_id"], bills[1][0]["bill_id"]),
        bad_bill_id=bills[2][0]["bill_id"],
    )


def edit_both_sides(warehouse: Warehouse, emulator_admin, company: BcCompany, *,
                    now: datetime | None = None) -> BothSidesEdits:
    """After a sync: one BC-only edit, one Intacct-only edit, and one vendor edited on both sides."""
    now = now or datetime.now(UTC)
    vendors = warehouse.tables["bc_vendors"]
    with warehouse.engine.connect() as connection:
        linked = connection.execute(
            sa.select(vendors.c.vendor_id, vendors.c.intacct_vendor_id)
            .where(vendors.c.company_id == company.bc_company_id, vendors.c.intacct_vendor_id.is_not(None),
                   vendors.c.status == "active", ~vendors.c.vendor_id.like("BC-%"))
            .order_by(vendors.c.vendor_id).limit(3)
        ).all()
    if len(linked) < 3:
        raise RuntimeError(f"BC company {company.bc_company_id} has fewer than 3 linked vendors: sync it first")
    (bc_only, _), (intacct_only, intacct_only_vid), (both, both_vid) = linked
    p = company.prefix.lower()
    edits = BothSidesEdits(
        bc_edited=bc_only, intacct_edited=intacct_only, conflicted=both,
        bc_phone="+1 555 123 4567", intacct_name=f"Renamed in Intacct ({p})",
        bc_email=f"bc-side@{p}.example.com", intacct_email=f"intacct-side@{p}.example.com",
    )
    with warehouse.engine.begin() as connection:
        for vendor_id, values in ((bc_only, {"phone": edits.bc_phone}), (both, {"email": edits.bc_email})):
            connection.execute(
                sa.update(vendors)
                .where(vendors.c.company_id == company.bc_company_id, vendors.c.vendor_id == vendor_id)
                .values(**values, updated_at=now)
            )
    for intacct_vendor_id, fields in ((intacct_only_vid, {"NAME": edits.intacct_name}),
                                      (both_vid, {"DISPLAYCONTACT.EMAIL1": edits.intacct_email})):
        (record,) = emulator_admin.find_records(INTACCT_COMPANY, "VENDOR", VENDORID=intacct_vendor_id)
        emulator_admin.ui_update(INTACCT_COMPANY, "VENDOR", record["RECORDNO"], fields)
    return edits


def _insert_missing(connection, table: sa.Table, row: dict, keys: tuple[str, ...]) -> bool:
    exists = connection.execute(sa.select(sa.literal(1)).where(*(table.c[k] == row[k] for k in keys))).first()
    if exists is None:
        connection.execute(table.insert().values(**row))
    return exists is None


def _vendor(company: BcCompany, vendor_id: str, name: str, email: str, phone: str, street: str,
            now: datetime) -> dict:
    return {
        "company_id": company.bc_company_id, "vendor_id": vendor_id, "intacct_vendor_id": None, "name": name,
        "email": email, "phone": phone, "address_line1": street, "address_line2": None, "city": "Seattle",
        "state": "WA", "postal_code": "98101", "country": "United States", "tax_id": None,
        "payment_terms": "Net 30", "currency": company.currency, "status": "active", "updated_at": now,
    }


def _bill(company: BcCompany, bill_id: str, vendor_id: str, reference: str, description: str, bill_date: date,
          total: str, now: datetime) -> dict:
    return {
        "company_id": company.bc_company_id, "bill_id": bill_id, "intacct_record_no": None,
        "vendor_id": vendor_id, "bill_number": None, "reference": reference, "description": description,
        "bill_date": bill_date, "due_date": bill_date + timedelta(days=30), "payment_terms": "Net 30",
        "currency": company.currency, "total_amount": Decimal(total), "amount_due": Decimal(total),
        "status": "ready_to_pay", "intacct_state": None, "updated_at": now,
    }


def _line(company: BcCompany, bill_id: str, line_no: int, account_no: str, amount: str, memo: str) -> dict:
    return {
        "company_id": company.bc_company_id, "bill_id": bill_id, "line_no": line_no, "account_no": account_no,
        "amount": Decimal(amount), "memo": memo, "department_id": None, "location_id": company.entity_id,
    }
