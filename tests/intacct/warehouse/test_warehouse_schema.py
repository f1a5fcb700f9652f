"""The warehouse schema: versioned DDL from intacct/warehouse/sql, exact money and UTC timestamps on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from intacct.warehouse import BC_TABLES, SYNC_TABLES, Warehouse
from intacct.warehouse.schema import MIGRATIONS_TABLE, discover_migrations

pytestmark = pytest.mark.integration

CONTRACT_COLUMNS = {
    "bc_accounts": ["company_id", "account_no", "title", "account_type", "normal_balance", "status",
                    "intacct_record_no", "intacct_modified_at", "synced_at"],
    "bc_vendors": ["company_id", "vendor_id", "intacct_vendor_id", "name", "email", "phone", "address_line1",
                   "address_line2", "city", "state", "postal_code", "country", "tax_id", "payment_terms",
                   "currency", "status", "updated_at"],
    "bc_bills": ["company_id", "bill_id", "intacct_record_no", "vendor_id", "bill_number", "reference",
                 "description", "bill_date", "due_date", "payment_terms", "currency", "total_amount", "amount_due",
                 "status", "intacct_state", "updated_at"],
    "bc_bill_lines": ["company_id", "bill_id", "line_no", "account_no", "amount", "memo", "department_id",
                      "location_id"],
}
PRIMARY_KEYS = {"bc_accounts": ["company_id", "account_no"], "bc_vendors": ["company_id", "vendor_id"],
                "bc_bills": ["company_id", "bill_id"], "bc_bill_lines": ["company_id", "bill_id", "line_no"]}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request):
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


@pytest.fixture
def warehouse(url):
    warehouse = Warehouse.from_url(url)
    warehouse.ensure_schema()
    yield warehouse
    warehouse.dispose()


def test_schema_is_created_once_and_recorded(url):
    warehouse = Warehouse.from_url(url)
    applied = warehouse.ensure_schema()
    assert applied == [m.version for m in discover_migrations()]
    assert warehouse.ensure_schema() == []  # idempotent: nothing left to apply
    with warehouse.engine.connect() as connection:
        recorded = connection.execute(text(f"SELECT version FROM {MIGRATIONS_TABLE} ORDER BY version")).scalars()
        assert list(recorded) == applied
    assert set(BC_TABLES + SYNC_TABLES) <= set(inspect(warehouse.engine).get_table_names())
    warehouse.dispose()


def test_bc_tables_match_the_contract(warehouse):
    inspector = inspect(warehouse.engine)
    for table, columns in CONTRACT_COLUMNS.items():
        assert [c["name"] for c in inspector.get_columns(table)] == columns
        assert inspector.get_pk_constraint(table)["constrained_columns"] == PRIMARY_KEYS[table]
    indexed = {tuple(ix["column_names"]) for ix in inspector.get_indexes("bc_vendors")}
    assert ("company_id", "updated_at") in indexed


def test_intacct_ids_are_unique_per_company(warehouse):
    now = datetime.now(UTC)
    vendor = {"vendor_id": "A", "name": "A", "status": "active", "updated_at": now, "intacct_vendor_id": "V1"}
    with warehouse.engine.begin() as connection:
        connection.execute(warehouse.tables["bc_vendors"].insert(), [
            {**vendor, "company_id": "one"}, {**vendor, "company_id": "two"}])  # other company: allowed
    with pytest.raises(IntegrityError), warehouse.engine.begin() as connection:
        connection.execute(warehouse.tables["bc_vendors"].insert(), [
            {**vendor, "company_id": "one", "vendor_id": "B"}])


@pytest.mark.parametrize("amount", ["0.10", "0.01", "1234567890123456.78", "-42.50", "19.99"])
def test_money_round_trips_to_the_cent(warehouse, amount):
    bill = {"company_id": "c", "bill_id": f"b{amount}", "vendor_id": "v", "bill_date": date(2026, 1, 31),
            "total_amount": Decimal(amount), "amount_due": Decimal(amount), "status": "draft",
            "updated_at": datetime.now(UTC)}
    with warehouse.engine.begin() as connection:
        connection.execute(warehouse.tables["bc_bills"].insert(), [bill])
    with warehouse.engine.connect() as connection:
        row = connection.execute(select(warehouse.tables["bc_bills"])).mappings().one()
    assert isinstance(row["total_amount"], Decimal)
    assert row["total_amount"] == Decimal(amount) and str(row["total_amount"]) == amount
    assert row["bill_date"] == date(2026, 1, 31)


def test_money_refuses_floats(warehouse):
    bill = {"company_id": "c", "bill_id": "f", "vendor_id": "v", "bill_date": date(2026, 1, 1),
            "total_amount": 0.1, "status": "draft", "updated_at": datetime.now(UTC)}
    with pytest.raises(Exception, match="decimal.Decimal"), warehouse.engine.begin() as connection:
        connection.execute(warehouse.tables["bc_bills"].insert(), [bill])


def test_timestamps_come_back_as_utc(warehouse):
    pacific = timezone(timedelta(hours=-8))
    written = datetime(2026, 3, 1, 16, 30, 5, 123456, tzinfo=pacific)
    with warehouse.engine.begin() as connection:
        connection.execute(warehouse.tables["bc_vendors"].insert(), [
            {"company_id": "c", "vendor_id": "v", "name": "n", "status": "active", "updated_at": written}])
    with warehouse.engine.connect() as connection:
        stored = connection.execute(select(warehouse.tables["bc_vendors"].c.updated_at)).scalar_one()
        later = connection.execute(select(warehouse.tables["bc_vendors"].c.vendor_id).where(
            warehouse.tables["bc_vendors"].c.updated_at >= written + timedelta(seconds=1))).all()
    assert stored == written and stored.utcoffset() == timedelta(0)
    assert later == []  # comparisons work on the stored form


def test_upsert_updates_existing_rows_in_chunks(url):
    warehouse = Warehouse.from_url(url, chunk_size=3)
    warehouse.ensure_schema()
    now = datetime.now(UTC)
    rows = [{"company_id": "c", "account_no": str(n), "title": f"t{n}", "status": "active", "synced_at": now}
            for n in range(10)]
    with warehouse.engine.begin() as connection:
        warehouse.upsert(connection, "bc_accounts", rows)
        warehouse.upsert(connection, "bc_accounts", [{**rows[4], "title": "renamed"}])
    with warehouse.engine.connect() as connection:
        titles = dict(connection.execute(select(warehouse.tables["bc_accounts"].c.account_no,
                                                warehouse.tables["bc_accounts"].c.title)).all())
    assert len(titles) == 10 and titles["4"] == "renamed"
    warehouse.dispose()


@pytest.mark.parametrize("bad_url", ["", "not a url", "mysql://x/y"])
def test_unsupported_urls_name_the_fix(bad_url):
    with pytest.raises(Exception, match="sqlite|postgresql|mysql"):
        Warehouse.from_url(bad_url)


def test_sqlite_reads_bad_bc_values_as_text_for_validation(sqlite_url):
    """BC may write anything into SQLite; the sync must see it to reject the row, not crash."""
    warehouse = Warehouse.from_url(sqlite_url)
    warehouse.ensure_schema()
    with warehouse.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO bc_bills (company_id, bill_id, vendor_id, bill_date, total_amount, status, updated_at) "
            "VALUES ('c', 'b', 'v', '2026-02-30', 'twelve', 'draft', '2026-01-01 00:00:00')")
    with warehouse.engine.connect() as connection:
        row = connection.execute(select(warehouse.tables["bc_bills"])).mappings().one()
    assert row["bill_date"] == "2026-02-30" and row["total_amount"] == "twelve"
    assert row["updated_at"] == datetime(2026, 1, 1, tzinfo=UTC)
    warehouse.dispose()
