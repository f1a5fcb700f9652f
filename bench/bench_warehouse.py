"""Micro-benchmark: ``Warehouse.upsert`` of bill rows and their lines, inserted then updated in place.

Upserts N bills and 2.5 lines per bill into a fresh warehouse (SQLite, and PostgreSQL when it is reachable),
then the same rows again with changed values (the update path). Reports rows per second of each.

    python bench/bench_warehouse.py [--bills 100000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import COMPANY, exit_code, postgres_database, report  # noqa: E402

# Rows per second the warehouse must take for a sync to reach its end-to-end targets with room to spare.
TARGETS = {"sqlite": 100_000, "postgresql": 50_000}


def rows(bills: int, version: int) -> tuple[list[dict], list[dict]]:
    now = datetime.now(UTC)
    bill_rows = [{"company_id": COMPANY, "bill_id": f"B{n:07d}", "vendor_id": f"V{n % 5000:05d}",
                  "bill_number": f"INV-{n}-{version}", "bill_date": date(2026, 1, 1 + n % 28),
                  "due_date": date(2026, 2, 1 + n % 28), "currency": "USD",
                  "total_amount": Decimal(f"{100 + version}.25"), "status": "ready_to_pay", "updated_at": now}
                 for n in range(bills)]
    line_rows = [{"company_id": COMPANY, "bill_id": f"B{n:07d}", "line_no": line, "account_no": "6000",
                  "amount": Decimal(f"{40 + version}.10"), "memo": f"line {line} v{version}"}
                 for n in range(bills) for line in range(1, 3 + (n % 2))]
    return bill_rows, line_rows


def measure(url: str, backend: str, bills: int) -> list:
    from intacct.warehouse import Warehouse

    warehouse = Warehouse.from_url(url)
    warehouse.ensure_schema()
    results = []
    try:
        for phase, version in (("insert", 0), ("update", 1)):
            bill_rows, line_rows = rows(bills, version)
            started = time.perf_counter()
            with warehouse.engine.begin() as connection:
                written = warehouse.upsert(connection, "bc_bills", bill_rows)
                written += warehouse.upsert(connection, "bc_bill_lines", line_rows)
            seconds = time.perf_counter() - started
            rate = written / seconds
            results.append(report(f"warehouse_upsert_{backend}_{bills // 1000}k", f"{phase}_rows_per_s", rate,
                                  "rows/s", limit=TARGETS[backend], higher_is_better=True,
                                  target=f">= {TARGETS[backend]:,} rows/s ({written:,} rows in {seconds:.2f} s)"))
    finally:
        warehouse.dispose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bills", type=int, default=100_000)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        results += measure(f"sqlite:///{Path(folder) / 'warehouse.db'}", "sqlite", args.bills)
    url, drop = postgres_database()
    if url is not None:
        try:
            results += measure(url, "postgresql", args.bills)
        finally:
            drop()
    return exit_code(results)


if __name__ == "__main__":
    sys.exit(main())
