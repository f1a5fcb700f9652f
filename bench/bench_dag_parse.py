"""Parsing the DAG file with a 500-entity configuration must take under 2 s (target).

Runs Airflow's own DagBag over the DAG file, as the dag-processor does, with the configuration pointed to
by INTACCT_SYNC_ENTITIES_FILE. Prints the figures; exits 1 when the target is missed or DAGs are missing.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ENTITIES = 500
TARGET_SECONDS = 2.0
ROUNDS = 3


def write_configuration(path: Path, count: int) -> None:
    lines = ["defaults:", "  schedule: '@daily'", "  timezone: America/Los_Angeles", "entities:"]
    for number in range(count):
        lines += [
            f"  - entity_id: E{number:04d}",
            f"    bc_company_id: bc-{number:04d}",
            f"    intacct_conn_id: intacct_company_{number % 25}",
            "    warehouse_conn_id: bc_warehouse",
        ]
    path.write_text("\n".join(lines) + "\n")


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-dag-parse-"))
    config = workdir / "entities.yaml"
    write_configuration(config, ENTITIES)
    os.environ.update({
        "INTACCT_SYNC_ENTITIES_FILE": str(config),
        "AIRFLOW_HOME": str(workdir),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
    })
    sys.path[:0] = [str(REPO / "plugins")]
    from airflow.models import DagBag

    dag_file = str(REPO / "dags" / "intacct_sync.py")
    timings = []
    for _ in range(ROUNDS):
        bag = DagBag(dag_folder=str(workdir / "empty"), collect_dags=False)
        started = time.perf_counter()
        bag.process_file(dag_file, only_if_updated=False)
        timings.append(time.perf_counter() - started)
        if bag.import_errors or len(bag.dags) != ENTITIES:
            print(f"FAIL: {len(bag.dags)} DAGs, import errors: {bag.import_errors}")
            return 1
    best, median = min(timings), statistics.median(timings)
    tasks = sum(len(dag.tasks) for dag in bag.dags.values())
    print(f"parse {ENTITIES} entities ({tasks} tasks): best {best:.3f} s, median {median:.3f} s "
          f"(target < {TARGET_SECONDS:.1f} s)")
    if median >= TARGET_SECONDS:
        print("FAIL: parsing is slower than the target")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
