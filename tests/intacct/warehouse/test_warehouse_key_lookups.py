"""Warehouse.one_of: a page's keys bound as one value (PostgreSQL array, SQLite JSON list) find exactly the rows
an IN list of the same keys finds, for text keys, whole-number keys and anything else."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import delete, select

from intacct.warehouse import Warehouse

COMPANY = "bc-us"
IDS = ["B1", "b1", "B 2", "naïve €", "quote'd", "back\\slash", "tab\there", "", "1", "01"]


def lookups(url: str) -> None:
    warehouse = Warehouse.from_url(url)
    warehouse.ensure_schema()
    bills = warehouse.tables["bc_bills"]
    rows = [{"company_id": COMPANY, "bill_id": bill_id, "intacct_record_no": number, "vendor_id": "V1",
             "bill_date": date(2026, 3, 1), "total_amount": Decimal("1.00"), "status": "ready_to_pay",
             "updated_at": datetime(2026, 3, 1, tzinfo=UTC)} for number, bill_id in enumerate(IDS, start=1)]
    try:
        with warehouse.engine.begin() as connection:
            warehouse.insert(connection, "bc_bills", rows)
            for column, keys in ((bills.c.bill_id, ["B1", "naïve €", "tab\there", "", "01", "missing"]),
                                 (bills.c.intacct_record_no, [1, 3, 10, 99]),
                                 (bills.c.intacct_record_no, [Decimal(1), Decimal(3)]),  # other: the usual IN
                                 (bills.c.bill_id, [])):
                found = set(connection.execute(select(bills.c.bill_id).where(warehouse.one_of(column, keys))).scalars())
                expected = set(connection.execute(select(bills.c.bill_id).where(column.in_(keys))).scalars())
                assert found == expected, (column, keys)
            assert found == set()
            connection.execute(delete(bills).where(warehouse.one_of(bills.c.bill_id, ["B1", "quote'd"])))
            left = set(connection.execute(select(bills.c.bill_id)).scalars())
            assert left == set(IDS) - {"B1", "quote'd"}
    finally:
        warehouse.dispose()


@pytest.mark.unit
def test_sqlite_keys_bound_as_one_value_find_what_an_in_list_finds(sqlite_url):
    lookups(sqlite_url)


@pytest.mark.postgres
def test_postgres_keys_bound_as_one_value_find_what_an_in_list_finds(postgres_url):
    lookups(postgres_url)
