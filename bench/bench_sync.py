"""Benchmark: an incremental sync over an unchanged warehouse reads only what changed.

Runs a full first sync of a generated company into a fresh SQLite warehouse, one settling run, then
measures (1) an incremental run with nothing changed and (2) one after a few changes on each side.
Prints API calls per function, records written and wall time; exits non-zero when a target is missed:
the unchanged run must make at most one read per object plus the audit-trail read (and one read of lines when
Intacct holds bills edited within the look-back of the run that last read them: their lines are compared,
see the README's idle-run table) and write nothing, and the changed run must stay within a few calls of that.

    python bench/bench_sync.py [--vendors 5000] [--bills 20000] [--changes 20]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT)]

from sqlalchemy import select, update  # noqa: E402

from intacct.client import ClientSettings, Credentials, IntacctClient  # noqa: E402
from intacct.sync import EntityConfig, RunOptions, SyncEngine  # noqa: E402
from intacct.warehouse import Warehouse  # noqa: E402
from intacct_emulator import DEMO_CREDENTIALS, IN_PROCESS_URL, Emulator  # noqa: E402

ENTITY, COMPANY = "US01", "bc-us"
UNCHANGED_CALL_LIMIT = 4      # one page read per object (3) + the bills audit-trail read
LINES_COMPARED_CALLS = 1      # + the lines of bills edited within the look-back of their last read, when any
CHANGED_EXTRA_CALL_LIMIT = 5   # lookups of the BC-changed vendors, beyond one call per record written


def measure(engine: SyncEngine, client: IntacctClient, emulator: Emulator, label: str) -> dict:
    before_calls = client.usage.calls_by_function
    before_written = sum(emulator.admin.stats()["records_written"].values())
    started = time.perf_counter()
    summary = engine.run("scheduled", RunOptions())
    seconds = time.perf_counter() - started
    after_calls = client.usage.calls_by_function
    calls = {name: after_calls.get(name, 0) - before_calls.get(name, 0) for name in after_calls}
    calls = {name: n for name, n in calls.items() if n}
    written = sum(emulator.admin.stats()["records_written"].values()) - before_written
    changed = {f"{obj}.{direction}": sum(c.values()) for obj, per in summary.counts.items()
               for direction, c in per.items() if sum(c.values())}
    print(f"{label:<28} {seconds:7.2f} s  API calls {sum(calls.values()):>5} {calls}  "
          f"records written in Intacct {written:>4}  changes {changed or 'none'}  status {summary.status}")
    return {"calls": sum(calls.values()), "written": written, "seconds": seconds, "summary": summary}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendors", type=int, default=5000)
    parser.add_argument("--bills", type=int, default=20000)
    parser.add_argument("--changes", type=int, default=20)
    args = parser.parse_args()

    emulator = Emulator.from_dataset("generated", seed=1, vendors=args.vendors, bills=args.bills)
    credentials = Credentials(company_id=DEMO_CREDENTIALS["company_id"], user_id=DEMO_CREDENTIALS["user_id"],
                              user_password=DEMO_CREDENTIALS["user_password"],
                              sender_id=DEMO_CREDENTIALS["sender_id"],
                              sender_password=DEMO_CREDENTIALS["sender_password"], entity_id=ENTITY,
                              endpoint=IN_PROCESS_URL, allowed_hosts=("emulator.local",))
    client = IntacctClient(credentials, ClientSettings(timezone="America/Los_Angeles"),
                           transport=emulator.transport())
    with tempfile.TemporaryDirectory() as folder:
        warehouse = Warehouse.from_url(f"sqlite:///{Path(folder) / 'warehouse.db'}")
        warehouse.ensure_schema()
        engine = SyncEngine(client, warehouse, EntityConfig(entity_id=ENTITY, bc_company_id=COMPANY))
        print(f"generated company: {args.vendors} vendors, {args.bills} bills (entity {ENTITY})")
        measure(engine, client, emulator, "first (full) sync")
        settled_at = datetime.now(UTC)
        measure(engine, client, emulator, "settling run")
        unchanged = measure(engine, client, emulator, "incremental, unchanged")
        # WHENMODIFIED has whole seconds, so a bill edited shortly before the read that last saw it cannot be
        # proved unchanged by its timestamp: the idle run reads the lines of such bills (one call).
        window = settled_at - engine.config.lookback
        recent = sum(1 for bill in client.iter_records("APBILL", ["RECORDNO", "WHENMODIFIED"])
                     if bill["WHENMODIFIED"] is not None and bill["WHENMODIFIED"] >= window)
        unchanged_limit = UNCHANGED_CALL_LIMIT + (LINES_COMPARED_CALLS if recent else 0)
        print(f"bills edited within the look-back ({engine.config.lookback}) of the settling run: {recent:,}")

        rng = random.Random(7)
        vendors = warehouse.tables["bc_vendors"]
        with warehouse.engine.begin() as connection:
            linked = connection.execute(select(vendors.c.vendor_id, vendors.c.intacct_vendor_id).where(
                vendors.c.company_id == COMPANY)).all()
            for vendor_id, _ in rng.sample(linked, min(args.changes, len(linked))):
                connection.execute(update(vendors).where(vendors.c.company_id == COMPANY,
                                                         vendors.c.vendor_id == vendor_id).values(
                    phone=f"+1 555 {rng.randrange(1000, 9999)}", updated_at=datetime.now(UTC)))
        for _, intacct_id in rng.sample(linked, min(args.changes, len(linked))):
            record = emulator.admin.find_records("DEMO", "VENDOR", VENDORID=intacct_id)[0]
            emulator.admin.ui_update("DEMO", "VENDOR", record["RECORDNO"],
                                     {"DISPLAYCONTACT.EMAIL1": f"ap{rng.randrange(10**6)}@changed.example.com"})
        changed = measure(engine, client, emulator, f"incremental, {args.changes}+{args.changes} changed")
        warehouse.dispose()

    failures = []
    if unchanged["calls"] > unchanged_limit or unchanged["written"]:
        failures.append(f"unchanged incremental run made {unchanged['calls']} calls (target <= "
                        f"{unchanged_limit}) and wrote {unchanged['written']} records (target 0)")
    # Intacct bills every record written as one call; reads must not grow with the company's size.
    changed_target = unchanged_limit + changed["written"] + CHANGED_EXTRA_CALL_LIMIT
    if changed["calls"] > changed_target:
        failures.append(f"incremental run with changes made {changed['calls']} calls (target <= {changed_target})")
    for failure in failures:
        print("MISSED:", failure)
    if not failures:
        print("targets met: an unchanged warehouse costs one read per object; changes cost only their own calls")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
