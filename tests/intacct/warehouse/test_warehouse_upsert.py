"""Warehouse.upsert: the bulk paths insert, then update on the primary key, with exact types both ways."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from intacct.warehouse import Warehouse
from intacct.warehouse.types import JsonText

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
@pytest.mark.parametrize("copy_from", [1, 1_000, 100_000])  # all by COPY; inserts by COPY; all by INSERT
def test_postgres_bulk_upsert_inserts_then_updates_across_statements(postgres_url, monkeypatch, copy_from):
    import intacct.warehouse.warehouse as module

    monkeypatch.setattr(module, "PG_COPY_MIN_ROWS", copy_from)
    monkeypatch.setattr(module, "PG_COPY_ROWS", 100)  # several COPY statements, the last one partial
    check(upsert_twice(postgres_url, 1_203), 1_203)


AWKWARD_TEXTS = ["tab\there", "new\nline\r\n", "back\\slash", "\\N", "", "naïve €", "'quoted' \"double\""]


def insert_awkward(url: str) -> tuple[list[dict], list[dict]]:
    warehouse = Warehouse.from_url(url)
    warehouse.ensure_schema()
    lines = [{"company_id": COMPANY, "bill_id": "B00001", "line_no": n, "account_no": "6000",
              "amount": Decimal("-1.05"), "memo": text, "department_id": None, "location_id": "L1"}
             for n, text in enumerate(AWKWARD_TEXTS)]
    links = [{"object": "bills", "company_id": COMPANY, "bc_key": f"B{n}", "intacct_key": str(n),
              "intacct_record_no": n, "snapshot": {"memo": text, "amount": Decimal("1.10")},
              "synced_at": datetime(2026, 3, 1, 12, 30, tzinfo=UTC)}
             for n, text in enumerate(AWKWARD_TEXTS)]
    try:
        with warehouse.engine.begin() as connection:
            assert warehouse.insert(connection, "bc_bill_lines", lines) == len(lines)
            assert warehouse.upsert(connection, "intacct_links", links) == len(links)
            # The same table twice in one transaction, the second time leaving existing rows alone.
            assert warehouse.upsert(connection, "intacct_links", [{**links[0], "intacct_record_no": 99}],
                                    update_columns=[]) == 1
        with warehouse.engine.connect() as connection:
            got_lines = [dict(r) for r in connection.execute(select(warehouse.tables["bc_bill_lines"]).order_by(
                warehouse.tables["bc_bill_lines"].c.line_no)).mappings()]
            table = warehouse.tables["intacct_links"]
            got_links = [dict(r) for r in connection.execute(select(table).order_by(table.c.intacct_record_no))
                         .mappings()]
        return got_lines, got_links
    finally:
        warehouse.dispose()


def check_awkward(got_lines: list[dict], got_links: list[dict]) -> None:
    assert [r["memo"] for r in got_lines] == AWKWARD_TEXTS
    assert all(r["amount"] == Decimal("-1.05") and r["department_id"] is None for r in got_lines)
    assert [r["snapshot"]["memo"] for r in got_links] == AWKWARD_TEXTS
    assert [r["intacct_record_no"] for r in got_links] == list(range(len(AWKWARD_TEXTS)))


@pytest.mark.unit
def test_sqlite_bulk_insert_and_upsert_keep_every_text_and_type(sqlite_url):
    check_awkward(*insert_awkward(sqlite_url))


@pytest.mark.postgres
@pytest.mark.parametrize("copy_from", [1, 100_000])
def test_postgres_copy_and_insert_keep_every_text_and_type(postgres_url, monkeypatch, copy_from):
    import intacct.warehouse.warehouse as module

    monkeypatch.setattr(module, "PG_COPY_MIN_ROWS", copy_from)
    check_awkward(*insert_awkward(postgres_url))


_BOUND = st.one_of(st.none(), st.text(), st.sampled_from(AWKWARD_TEXTS), st.integers(), st.booleans(),
                   st.decimals(allow_nan=False, allow_infinity=False), st.dates(),
                   st.datetimes(timezones=st.just(UTC)), st.builds(JsonText, st.text()))


@pytest.mark.unit
@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_BOUND, min_size=3, max_size=3), min_size=1, max_size=6))
def test_copy_text_of_a_chunk_is_each_value_escaped_as_copy_reads_it(rows):
    """The shortcut for chunks without separators gives exactly the text escaping every value would."""
    import intacct.warehouse.warehouse as module

    assert module._copy_lines(rows) == "".join("\t".join(map(module._copy_text, row)) + "\n" for row in rows)


@pytest.mark.unit
@settings(max_examples=60, deadline=None)
@given(per_statement=st.integers(1, 7), batches=st.lists(
    st.lists(st.tuples(st.integers(0, 30), st.sampled_from(["1.00", "-0.05", "123456.78"])), max_size=40),
    min_size=1, max_size=4))
def test_sqlite_stores_batches_of_any_size_as_row_by_row_would(tmp_path_factory, per_statement, batches):
    """Many rows go in one INSERT on SQLite: whatever the batch's size against the rows per statement (full
    statements, a partial last one), every row is stored, and a key repeated within a batch ends as its last
    occurrence, as row by row."""
    import intacct.warehouse.warehouse as module

    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path_factory.mktemp('rows') / 'warehouse.db'}")
    warehouse.ensure_schema()
    expected: dict[str, Decimal] = {}
    default, module.SQLITE_ROWS_PER_STATEMENT = module.SQLITE_ROWS_PER_STATEMENT, per_statement
    try:
        for batch in batches:
            with warehouse.engine.begin() as connection:
                rows = [bill(n, total) for n, total in batch]
                assert warehouse.upsert(connection, "bc_bills", rows, update_columns=["total_amount"]) == len(rows)
            expected.update((row["bill_id"], row["total_amount"]) for row in rows)
        table = warehouse.tables["bc_bills"]
        with warehouse.engine.connect() as connection:
            stored = {r.bill_id: r.total_amount for r in connection.execute(select(table.c.bill_id, table.c.total_amount))}
    finally:
        module.SQLITE_ROWS_PER_STATEMENT = default
        warehouse.dispose()
    assert stored == expected
