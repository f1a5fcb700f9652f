"""Benchmark: a company's first full sync, then the runs after it, end to end at 0 ms emulator latency.

Reads a generated company from the emulator, served by a process of its own over loopback HTTP (so the
syncing process's CPU time is its own), into a fresh warehouse (SQLite, or PostgreSQL with
``--backend postgresql``) and reports:

- API calls of the first full sync against the minimum (1 sign-in + ceil(N/2000) query calls per object);
- throughput of the first sync in records per second (accounts, vendors, bills and lines written to BC);
- the settling run right after it (seconds), then an idle incremental run (API calls, its sign-in included:
  a fresh client, as each Airflow run has);
- write requests for 100 BC vendor edits (one request when they fit in it).

    python bench/bench_first_sync.py [--bills 100000] [--vendors 5000] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    COMPANY,
    Stopwatch,
    client_for,
    emulator_process,
    engine_for,
    exit_code,
    minimum_calls,
    postgres_database,
    report,
    warehouse_rows,
)

THROUGHPUT_TARGETS = {"sqlite": 35_000, "postgresql": 20_000}  # records/s, first sync of 100k bills
CALLS_RATIO_TARGET = 1.05
SETTLING_SECONDS_TARGET = 2.0
IDLE_CALLS_TARGET = 6  # an idle run in total, sign-in included
EDITS = 100
EDITS_PER_REQUEST = 100  # 100 small vendor updates are far below the gateway's request-size limit
READ_FUNCTIONS = frozenset({"query", "getAPISession", "readByQuery", "readMore", "read", "inspect", "lookup"})


def delta(before: dict, after: dict) -> dict:
    return {name: after.get(name, 0) - before.get(name, 0) for name in after if after.get(name, 0) - before.get(name, 0)}


def run(engine, client, prepare=None):
    """One engine run; ``prepare`` (counted with the run) is what happens before it, e.g. the sign-in."""
    calls_before, requests_before = client.usage.calls_by_function, client.usage.requests
    watch = Stopwatch()
    if prepare is not None:
        prepare()
    summary = engine.run("scheduled")
    seconds, cpu, reading = watch.wall, watch.cpu, watch.children_cpu
    calls = delta(calls_before, client.usage.calls_by_function)
    requests = client.usage.requests - requests_before
    write_requests = requests - sum(n for name, n in calls.items() if name in READ_FUNCTIONS)
    print(f"    {seconds:7.2f} s wall, {cpu:7.2f} s CPU (syncing process) + {reading:.2f} s (its reading process), "
          f"{sum(calls.values())} API calls {calls}, {requests} requests, "
          f"status {summary.status}", flush=True)
    return seconds, calls, write_requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bills", type=int, default=100_000)
    parser.add_argument("--vendors", type=int, default=5_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()

    from sqlalchemy import select, update

    from intacct.warehouse import Warehouse

    scenario = f"first_sync_{args.backend}_{args.bills // 1000}k"
    drop = None
    print(f"  generating {args.vendors:,} vendors and {args.bills:,} bills", flush=True)
    with tempfile.TemporaryDirectory() as folder, emulator_process(bills=args.bills, vendors=args.vendors) as endpoint:
        if args.backend == "sqlite":
            url = f"sqlite:///{Path(folder) / 'warehouse.db'}"
        else:
            url, drop = postgres_database()
            if url is None:
                return exit_code([report(scenario, "throughput", 0, "records/s", limit=THROUGHPUT_TARGETS["postgresql"],
                                         target="PostgreSQL server reachable", higher_is_better=True)])
        client = client_for(endpoint=endpoint)
        warehouse = Warehouse.from_url(url)
        warehouse.ensure_schema()
        engine = engine_for(client, warehouse)
        results = []
        try:
            print("  first (full) sync", flush=True)
            seconds, calls, _ = run(engine, client)
            imported = warehouse_rows(warehouse)
            records = sum(imported.values())
            minimum = minimum_calls(imported)
            total = sum(calls.values())
            results.append(report(scenario, "api_calls_vs_minimum", total, "calls", limit=minimum * CALLS_RATIO_TARGET,
                                  ratio=total / minimum,
                                  target=f"<= {CALLS_RATIO_TARGET}x the minimum {minimum} "
                                         f"(1 session + ceil(N/2000) per object; ratio is to the minimum)"))
            rate = records / seconds
            target_rate = THROUGHPUT_TARGETS[args.backend]
            results.append(report(scenario, "throughput", rate, "records/s", limit=target_rate, higher_is_better=True,
                                  ratio=rate / target_rate,
                                  target=f">= {target_rate:,} records/s ({records:,} records in {seconds:.1f} s)"))

            print("  settling run", flush=True)
            seconds, calls, _ = run(engine, client)
            results.append(report(scenario, "settling_run_wall", seconds, "s", limit=SETTLING_SECONDS_TARGET,
                                  target=f"< {SETTLING_SECONDS_TARGET} s for the run right after the full sync "
                                         f"({sum(calls.values())} calls)"))

            # A daily run is a new process: a fresh client whose one sign-in (the preflight's, whose session the
            # run's tasks share) is part of the run's calls, as it is through Airflow.
            print("  idle incremental run (a fresh client, signed in as the preflight does)", flush=True)
            idle_client = client_for(endpoint=endpoint)
            try:
                _, calls, _ = run(engine_for(idle_client, warehouse), idle_client,
                                  prepare=lambda: idle_client.check_setup(probes=False))
            finally:
                idle_client.close()
            results.append(report(scenario, "idle_run_calls", sum(calls.values()), "calls", limit=IDLE_CALLS_TARGET,
                                  target=f"<= {IDLE_CALLS_TARGET} calls when nothing changed, sign-in included "
                                         f"({calls})"))

            rng = random.Random(7)
            vendors = warehouse.tables["bc_vendors"]
            with warehouse.engine.begin() as connection:
                linked = connection.execute(select(vendors.c.vendor_id).where(
                    vendors.c.company_id == COMPANY, vendors.c.intacct_vendor_id.is_not(None))).scalars().all()
                for vendor_id in rng.sample(sorted(linked), min(EDITS, len(linked))):
                    connection.execute(update(vendors).where(vendors.c.company_id == COMPANY,
                                                             vendors.c.vendor_id == vendor_id).values(
                        phone=f"+1 555 {rng.randrange(1000, 9999)}", updated_at=datetime.now(UTC)))
            print(f"  incremental run after {EDITS} BC vendor edits", flush=True)
            _, calls, write_requests = run(engine, client)
            results.append(report(scenario, "write_requests_100_bc_edits", write_requests, "requests",
                                  limit=math.ceil(EDITS / EDITS_PER_REQUEST),
                                  target=f"<= ceil({EDITS} / {EDITS_PER_REQUEST}) requests: vendor updates that "
                                         f"fit in one request go as one "
                                         f"({calls.get('update', 0)} records updated)"))
        finally:
            client.close()
            warehouse.dispose()
            if drop is not None:
                drop()
    return exit_code(results)


if __name__ == "__main__":
    sys.exit(main())
