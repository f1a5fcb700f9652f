"""``make demo``: the demo company in the emulator, synced with a SQLite BC warehouse by the real DAGs.

1. starts the Intacct emulator (demo dataset) on a free loopback port;
2. creates the BC warehouse with BC's own rows (new vendors, ready-to-pay bills, one bad bill);
3. runs each entity's DAG with ``airflow dags test`` (first sync: both directions);
4. edits vendors on both sides (one conflict) and runs the DAGs again;
5. runs them a third time: nothing changed, so nothing is written.
Task logs go to .demo/logs/; everything the demo started is stopped at the end.
"""

from __future__ import annotations

import shutil
import sys
import time

import sqlalchemy as sa

from demo.bc_data import DEMO_COMPANIES, edit_both_sides, seed_bc_company
from demo.environment import DEMO_DIR, DemoPaths, airflow, airflow_env, prepare_airflow
from intacct.operators.entity_config import load_entities
from intacct.sync import RunSummary
from intacct.warehouse import Warehouse
from intacct_emulator import Emulator


def main(argv: list[str] | None = None) -> int:
    paths = DemoPaths(DEMO_DIR)
    shutil.rmtree(paths.root, ignore_errors=True)
    paths.root.mkdir(parents=True)
    started = time.monotonic()

    emulator = Emulator.from_dataset("demo", seed=0)
    server = emulator.serve_in_thread(host="127.0.0.1", port=0)
    try:
        say(f"Intacct emulator (demo company DEMO, entities US01 and CA01) at {server.url}")
        env = airflow_env(paths, server.url)
        say("Preparing Airflow (metadata database, pools) ...")
        prepare_airflow(env, paths)

        warehouse = Warehouse.from_url(paths.warehouse_url)
        warehouse.ensure_schema()
        for company in DEMO_COMPANIES:
            seeded = seed_bc_company(warehouse, company)
            say(f"BC company {company.bc_company_id}: {len(seeded.new_vendor_ids)} vendors and "
                f"{len(seeded.ready_bill_ids) + 1} ready-to-pay bills that exist only in BC "
                f"({seeded.bad_bill_id} uses account 9999, which Intacct does not have)")

        specs = load_entities(paths.entities_file).entities
        heading("Run 1: first sync of each entity")
        run_all(env, paths, warehouse, specs, "run1")

        heading("Changes on both sides")
        for company in DEMO_COMPANIES:
            edits = edit_both_sides(warehouse, emulator.admin, company)
            say(f"{company.bc_company_id}: BC changed the phone of {edits.bc_edited}; Intacct renamed the vendor "
                f"of {edits.intacct_edited}; both changed the email of {edits.conflicted} (a conflict)")
        heading("Run 2: the changes flow both ways")
        run_all(env, paths, warehouse, specs, "run2")

        heading("Run 3: nothing changed since run 2")
        written = run_all(env, paths, warehouse, specs, "run3")
        say(f"Records written by run 3: {written} (the bad bill stays rejected until it is fixed in BC)")
        warehouse.dispose()
        say(f"Demo finished in {time.monotonic() - started:.0f} s. Task logs: {paths.logs}. "
            "Next: `make airflow` to explore the same setup in the Airflow UI.")
        return 0
    finally:
        server.stop()


def run_all(env, paths: DemoPaths, warehouse: Warehouse, specs, label: str) -> int:
    """Runs every entity's DAG; prints its summary; returns the records written to either side."""
    written = 0
    for spec in specs:
        log = paths.logs / f"{label}_{spec.dag_id}.log"
        began = time.monotonic()
        result = airflow(env, "dags", "test", spec.dag_id, log=log, check=False)
        summary, outcomes = latest_run(warehouse, spec.entity_id, spec.bc_company_id)
        state = "ok" if result.returncode == 0 else f"FAILED (exit {result.returncode}, see {log})"
        say(f"\n$ airflow dags test {spec.dag_id}   # {state}, {time.monotonic() - began:.1f} s")
        if summary is None:
            print(log.read_text()[-3000:])
            raise SystemExit(f"{spec.dag_id} recorded no run; see {log}")
        print(summary.as_table())
        for outcome in outcomes:
            print(f"  {outcome['action']:<9} {outcome['object']} {outcome['bc_key'] or outcome['intacct_key']}: "
                  f"{outcome['reason']}")
        written += sum(numbers.get(action, 0) for per_direction in summary.counts.values()
                       for numbers in per_direction.values() for action in ("created", "updated", "deactivated"))
    return written


def latest_run(warehouse: Warehouse, entity_id: str, company_id: str):
    runs, outcomes = warehouse.tables["intacct_runs"], warehouse.tables["intacct_record_outcomes"]
    with warehouse.engine.connect() as connection:
        row = connection.execute(
            sa.select(runs).where(runs.c.entity_id == entity_id, runs.c.company_id == company_id)
            .order_by(runs.c.started_at.desc()).limit(1)
        ).mappings().first()
        if row is None:
            return None, []
        notable = connection.execute(
            sa.select(outcomes).where(outcomes.c.run_id == row["run_id"],
                                      outcomes.c.action.in_(("conflict", "rejected")))
            .order_by(outcomes.c.outcome_id)
        ).mappings().all()
    summary = RunSummary.from_row(row)
    return summary, [dict(o) for o in notable]


def heading(text: str) -> None:
    print(f"\n=== {text} " + "=" * max(0, 96 - len(text)), flush=True)


def say(text: str) -> None:
    print(text, flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
