"""Warehouse.upsert: the bulk paths insert, then update on the primary key, with exact types both ways."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from intacct.warehouse import Warehouse

COMPANY = "bc-us"


def bill(n: int, total: str, status: str = "ready_to_pay") -> dict:
    return {"company_id": COMPANY, "bill_id": f"B{n:05d}", "vendor_id": "V1", "bill_number": f"INV-{n}",
            "bill_date": date(2026, 3, 1), "due_date": date(2026, 4, 1), "currency": "USD",
            "total_amount": Decimal(total), "status": status,
            "updated_at": datetime(2026, 3, 1, 12, 30, tzinfo=UTC)}


def upsert_twice(url: str, count: int) -> dict[str, dict]:
    warehouse = Warehouse.from_url(url)
    warehouse.ensure_schema()
    try:
        with warehouse.engine.begin() as connection:
            assert warehouse.upsert(connection, "bc_bills", [bill(n, "10.10") for n in range(count)]) == count
        with warehouse.engine.begin() as connection:  # half of them again, changed: updated in place
            changed = [bill(n, "20.25", "paid") for n in range(0, count, 2)]
            assert warehouse.upsert(connection, "bc_bills", changed, update_columns=["total_amount", "status"]) \
                == len(changed)
        table = warehouse.tables["bc_bills"]
        with warehouse.engine.connect() as connection:
            return {r["bill_id"]: dict(r) for r in connection.execute(select(table)).mappings()}
    finally:
        warehouse.dispose()


def check(rows: dict[str, dict], count: int) -> None:
    assert len(rows) == count
    assert rows["B00000"]["total_amount"] == Decimal("20.25") and rows["B00000"]["status"] == "paid"
    assert rows["B00001"]["total_amount"] == Decimal("10.10") and rows["B00001"]["status"] == "ready_to_pay"
    assert rows["B00001"]["updated_at"] == datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    assert rows["B00001"]["bill_date"] == date(2026, 3, 1)


@pytest.mark.unit
def test_sqlite_upsert_inserts_then_updates_in_chunks(sqlite_url):
    check(upsert_twice(sqlite_url, 1_203), 1_203)  # more than one chunk of 500


@pytest.mark.postgres
def test_postgres_bulk_upsert_inserts_then_updates_across_statements(postgres_url, monkeypatch):
    import intacct.warehouse.warehouse as module

    monkeypatch.setattr(module, "PG_MULTIROW_ROWS", 100)  # several INSERT statements, the last one partial
    check(upsert_twice(postgres_url, 1_203), 1_203)
