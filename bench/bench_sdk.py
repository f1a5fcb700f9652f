"""Benchmark: side by side with the public Python SDK ``sageintacctsdk`` on the same emulator, over HTTP.

1. Our whole first sync of the bills (read *and* write to BC) against the time the SDK needs merely to read
   the same bills and their lines (target: less time).
2. Writing BC bills back to Intacct: our write requests against the SDK's one request per bill (its
   ``post`` sends one record per request); target: at least 57x fewer.

The SDK's gateway URL is swapped in its ``ApiBase`` constructor, as the acceptance test of public clients
does; a guard makes sure it only ever reaches the loopback emulator.

    python bench/bench_sdk.py [--bills 20000] [--vendors 2000] [--write-back 10000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import COMPANY, client_for, engine_for, exit_code, report  # noqa: E402

FEWER_REQUESTS_TARGET = 57


def sdk_read_seconds(url: str, entity: str) -> tuple[float, int]:
    import requests
    from sageintacctsdk import SageIntacctSDK
    from sageintacctsdk.apis import api_base

    from intacct_emulator import DEMO_CREDENTIALS

    sdk_init, real_post = api_base.ApiBase.__init__, requests.post
    netloc = urllib.parse.urlsplit(url).netloc

    def init(self, *args, **kwargs):
        sdk_init(self, *args, **kwargs)
        self._ApiBase__api_url = url

    def loopback_only(target, *args, **kwargs):
        if urllib.parse.urlsplit(target).netloc != netloc:
            raise AssertionError(f"the SDK tried to reach {target!r}")
        return real_post(target, *args, **kwargs)

    api_base.ApiBase.__init__, api_base.requests.post = init, loopback_only
    started = time.perf_counter()
    sdk = SageIntacctSDK(sender_id=DEMO_CREDENTIALS["sender_id"], sender_password=DEMO_CREDENTIALS["sender_password"],
                         company_id=DEMO_CREDENTIALS["company_id"], user_id=DEMO_CREDENTIALS["user_id"],
                         user_password=DEMO_CREDENTIALS["user_password"], entity_id=entity)
    rows = sum(len(page) for page in sdk.bills.get_all_generator(order_by_field="RECORDNO", order="ascending"))
    lines = api_base.ApiBase(dimension="APBILLITEM")
    lines.set_sender_id(DEMO_CREDENTIALS["sender_id"])
    lines.set_sender_password(DEMO_CREDENTIALS["sender_password"])
    lines.set_session_id(sdk.api_base._ApiBase__session_id)
    lines.set_show_private(False)
    from intacct.client.fields import spec_for

    # The SDK has no field list of its own for bill lines: give it ours, the fields the sync reads.
    fields = list(dict.fromkeys([*spec_for("APBILLITEM").default_fields, "RECORDNO", "RECORDKEY"]))
    rows += sum(len(page) for page in lines.get_all_generator(fields=fields, order_by_field="RECORDNO",
                                                              order="ascending"))
    return time.perf_counter() - started, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bills", type=int, default=20_000)
    parser.add_argument("--vendors", type=int, default=2_000)
    parser.add_argument("--write-back", type=int, default=10_000)
    args = parser.parse_args()

    from common import ENTITY
    from sqlalchemy import select

    from intacct.sync import RunOptions
    from intacct.warehouse import Warehouse
    from intacct_emulator import Emulator

    emulator = Emulator.from_dataset("generated", seed=1, vendors=args.vendors, bills=args.bills)
    server = emulator.serve_in_thread("127.0.0.1", 0)
    results = []
    try:
        sdk_seconds, sdk_rows = sdk_read_seconds(server.url, ENTITY)
        client = client_for(endpoint=server.url)
        with tempfile.TemporaryDirectory() as folder:
            warehouse = Warehouse.from_url(f"sqlite:///{Path(folder) / 'warehouse.db'}")
            warehouse.ensure_schema()
            engine = engine_for(client, warehouse)
            engine.run("scheduled", RunOptions(objects=("accounts", "vendors")))
            started = time.perf_counter()
            engine.run("scheduled", RunOptions(objects=("bills",)))
            ours = time.perf_counter() - started
            results.append(report(f"vs_sdk_{args.bills // 1000}k", "bills_full_sync_vs_sdk_read", ours, "s",
                                  limit=sdk_seconds, ratio=ours / sdk_seconds,
                                  target=f"our bills sync (read and write BC) in less time than the SDK's read of "
                                         f"the same {sdk_rows:,} bills and lines ({sdk_seconds:.1f} s)"))

            # Write-back: BC bills ready to pay, for vendors and accounts already linked.
            tables = warehouse.tables
            with warehouse.engine.begin() as connection:
                vendors = connection.execute(select(tables["bc_vendors"].c.vendor_id).where(
                    tables["bc_vendors"].c.company_id == COMPANY,
                    tables["bc_vendors"].c.intacct_vendor_id.is_not(None),
                    tables["bc_vendors"].c.status == "active")).scalars().all()
                accounts = connection.execute(select(tables["bc_accounts"].c.account_no).where(
                    tables["bc_accounts"].c.company_id == COMPANY)).scalars().all()
                now = datetime.now(UTC)
                bills = [{"company_id": COMPANY, "bill_id": f"WB-{n:06d}", "vendor_id": vendors[n % len(vendors)],
                          "bill_number": f"WB-{n:06d}", "bill_date": date(2026, 11, 2), "due_date": date(2026, 12, 2),
                          "currency": "USD", "total_amount": Decimal("120.00"), "status": "ready_to_pay",
                          "updated_at": now} for n in range(args.write_back)]
                lines = [{"company_id": COMPANY, "bill_id": bill["bill_id"], "line_no": number,
                          "account_no": accounts[(i + number) % len(accounts)], "amount": Decimal("60.00"),
                          "memo": f"line {number}"} for i, bill in enumerate(bills) for number in (1, 2)]
                connection.execute(tables["bc_bills"].insert(), bills)
                connection.execute(tables["bc_bill_lines"].insert(), lines)
            requests_before = client.usage.requests
            calls_before = client.usage.calls_by_function
            engine.run("scheduled", RunOptions(objects=("bills",)))
            calls = {k: v - calls_before.get(k, 0) for k, v in client.usage.calls_by_function.items()}
            reads = sum(v for k, v in calls.items() if k in ("query", "getAPISession", "readByQuery"))
            write_requests = client.usage.requests - requests_before - reads
            created = calls.get("create", 0)
            limit = args.write_back / FEWER_REQUESTS_TARGET
            results.append(report(f"vs_sdk_write_back_{args.write_back // 1000}k", "write_requests", write_requests,
                                  "requests", limit=limit, ratio=write_requests / args.write_back,
                                  target=f"<= 1/{FEWER_REQUESTS_TARGET} of the SDK's {args.write_back:,} requests "
                                         f"(one per bill); {created:,} bills created; ratio is to the SDK's"))
            warehouse.dispose()
    finally:
        server.stop()
    return exit_code(results)


if __name__ == "__main__":
    sys.exit(main())
