"""Test kit for the engine tests: read and write BC rows, look at the emulator."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from intacct.warehouse import Warehouse
from intacct_emulator import Emulator

COMPANY = "bc-us"
ENTITY = "US01"



def now() -> datetime:
    return datetime.now(UTC)


def rows(warehouse: Warehouse, table: str, **equals) -> list[dict]:
    t = warehouse.tables[table]
    statement = select(t).where(*[t.c[name] == value for name, value in equals.items()])
    with warehouse.engine.connect() as connection:
        return [dict(r) for r in connection.execute(statement).mappings()]


def one(warehouse: Warehouse, table: str, **equals) -> dict:
    found = rows(warehouse, table, **equals)
    assert len(found) == 1, f"expected one {table} row for {equals}, found {len(found)}"
    return found[0]


def insert(warehouse: Warehouse, table: str, *values: dict) -> None:
    with warehouse.engine.begin() as connection:
        connection.execute(warehouse.tables[table].insert(), [dict(v) for v in values])


def bc_update(warehouse: Warehouse, table: str, where: dict, **values) -> None:
    t = warehouse.tables[table]
    if "updated_at" in t.c and "updated_at" not in values:
        values["updated_at"] = now()
    with warehouse.engine.begin() as connection:
        result = connection.execute(t.update().where(*[t.c[k] == v for k, v in where.items()]).values(**values))
        assert result.rowcount >= 1, f"no {table} row matches {where}"


def new_bc_vendor(warehouse: Warehouse, vendor_id: str, name: str, **values) -> None:
    insert(warehouse, "bc_vendors", {"company_id": COMPANY, "vendor_id": vendor_id, "name": name,
                                     "status": "active", "updated_at": now(), **values})


def new_bc_bill(warehouse: Warehouse, bill_id: str, vendor_id: str, lines: list[tuple[str, str]], *,
                total: str | None = None, status: str = "ready_to_pay", **values) -> None:
    amounts = [Decimal(amount) for _, amount in lines]
    insert(warehouse, "bc_bills", {
        "company_id": COMPANY, "bill_id": bill_id, "vendor_id": vendor_id, "bill_number": values.pop(
            "bill_number", f"BC-{bill_id}"), "bill_date": values.pop("bill_date", date(2026, 11, 2)),
        "due_date": values.pop("due_date", date(2026, 12, 2)), "currency": "USD",
        "total_amount": Decimal(total) if total is not None else sum(amounts, Decimal("0.00")),
        "status": status, "updated_at": now(), **values})
    if lines:
        insert(warehouse, "bc_bill_lines", *[
            {"company_id": COMPANY, "bill_id": bill_id, "line_no": number, "account_no": account,
             "amount": Decimal(amount), "memo": f"line {number}"}
            for number, (account, amount) in enumerate(lines, start=1)])


def outcomes(warehouse: Warehouse, run_id: str, **equals) -> list[dict]:
    return rows(warehouse, "intacct_record_outcomes", run_id=run_id, **equals)


def intacct_vendor(emulator: Emulator, vendor_id: str) -> dict | None:
    found = emulator.admin.find_records("DEMO", "VENDOR", VENDORID=vendor_id)
    assert len(found) <= 1, f"duplicate Intacct vendors {vendor_id}"
    return found[0] if found else None


def linked_vendor(warehouse: Warehouse, emulator: Emulator) -> tuple[dict, dict]:
    """A BC vendor imported from Intacct (active, US01-visible) and its Intacct record."""
    vendor = sorted(rows(warehouse, "bc_vendors", company_id=COMPANY, status="active"),
                    key=lambda r: r["vendor_id"])[0]
    return vendor, intacct_vendor(emulator, vendor["intacct_vendor_id"])


def freeze_emulator_clock(emulator: Emulator, at: datetime) -> None:
    """Stop the emulator's clock at ``at`` (UTC): every Intacct write then carries that WHENMODIFIED second.

    The admin API only moves the clock forward, so the test reaches into the clock the way the emulator's
    own frozen mode does.
    """
    clock = emulator.world.clock
    clock._frozen_at, clock._offset = at, timedelta(0)
