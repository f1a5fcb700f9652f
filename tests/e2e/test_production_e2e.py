"""The production path end to end, on loopback: Airflow 3.3.2 with a PostgreSQL metadata database and the
CeleryExecutor on the local Redis (api-server, scheduler, dag-processor, a Celery worker), the emulator and
a PostgreSQL BC warehouse; Sync Now through the REST API, the UI in headless Chromium, and a misconfigured
entity failing at preflight with its remediation.

Runs under CI (``make test`` with CI=true) and with ``make e2e``; elsewhere it is skipped, because it starts
a whole Airflow deployment. Screenshots go to ``tests/e2e/artifacts/`` (ignored by git).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid

import pytest
import sqlalchemy as sa

from demo.bc_data import DEMO_COMPANIES, INTACCT_COMPANY, seed_bc_company
from demo.connections import connection_row, intacct_connection, warehouse_connection
from intacct.warehouse import Warehouse
from tests.e2e.production_stack import REPO, AirflowStack, redis_answers

UNDER_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(600),
    pytest.mark.skipif(not (UNDER_CI or os.environ.get("INTACCT_E2E") == "1"),
                       reason="starts a whole Airflow deployment: runs under CI=true or `make e2e`"),
]

ARTIFACTS = REPO / "tests" / "e2e" / "artifacts"
NODE_CACHE = REPO / ".e2e-cache"
PLAYWRIGHT = "playwright-core@1.65.1"
US, CA = DEMO_COMPANIES
BAD_ENTITY = "UK01"  # its connection's sender is not authorized for the company

ENTITIES = """\
defaults:
  schedule: null          # Sync Now only: nothing runs before the test triggers it
  retries: 0
entities:
  - {entity_id: US01, bc_company_id: bc-us, intacct_conn_id: intacct_demo, warehouse_conn_id: bc_warehouse}
  - {entity_id: CA01, bc_company_id: bc-ca, intacct_conn_id: intacct_demo, warehouse_conn_id: bc_warehouse}
  - {entity_id: UK01, bc_company_id: bc-uk, intacct_conn_id: intacct_unauthorized, warehouse_conn_id: bc_warehouse}
"""


def _database(admin_url: str, name: str, create: bool) -> None:
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if create:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        else:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="module")
def browser() -> dict[str, str]:
    """Debian's chromium and playwright-core from npm (installed here when missing)."""
    chromium = shutil.which("chromium")
    if chromium is None:
        subprocess.run(["apt-get", "update", "-qq"], check=True, timeout=300)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, timeout=600,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        chromium = shutil.which("chromium")
    assert chromium, "chromium is not installed and apt-get could not install it"
    if not (NODE_CACHE / "node_modules" / "playwright-core").is_dir():
        NODE_CACHE.mkdir(exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(NODE_CACHE),
                        PLAYWRIGHT], check=True, timeout=300)
    return {"chromium": chromium, "node_path": str(NODE_CACHE / "node_modules")}


@pytest.fixture(scope="module")
def stack(postgres_server, emulator_server, tmp_path_factory, browser):
    if not redis_answers():
        pytest.fail("Redis at 127.0.0.1:6379 does not answer; the CeleryExecutor needs it")
    emulator, server = emulator_server
    emulator.admin.reset(dataset="demo")
    suffix = uuid.uuid4().hex[:10]
    metadata_db, warehouse_db = f"intacct_e2e_airflow_{suffix}", f"intacct_e2e_bc_{suffix}"
    base = postgres_server.rsplit("/", 1)[0]
    home = tmp_path_factory.mktemp("airflow-prod")
    entities = home / "entities.yaml"
    entities.write_text(ENTITIES)
    stack = AirflowStack(home=home, metadata_url=f"{base}/{metadata_db}", entities_file=entities)
    _database(postgres_server, metadata_db, create=True)
    _database(postgres_server, warehouse_db, create=True)
    warehouse_url = f"{base}/{warehouse_db}"
    try:
        warehouse = Warehouse.from_url(warehouse_url)
        warehouse.ensure_schema()
        seeded = {c.bc_company_id: seed_bc_company(warehouse, c) for c in (US, CA)}
        stack.start()
        stack.wait_healthy(["intacct_sync_us01", "intacct_sync_ca01", "intacct_sync_uk01"])
        with stack.api() as api:
            for conn_id, value in {
                "intacct_demo": intacct_connection(server.url),
                "intacct_unauthorized": intacct_connection(server.url, sender_id="Unauthorized"),
                "bc_warehouse": warehouse_connection(warehouse_url),
            }.items():
                api.post("/connections", json=connection_row(conn_id, value)).raise_for_status()
            for pool in ("intacct_intacct_demo", "intacct_intacct_unauthorized"):
                api.post("/pools", json={"name": pool, "slots": 2}).raise_for_status()
            for dag_id in ("intacct_sync_us01", "intacct_sync_ca01", "intacct_sync_uk01"):
                api.patch(f"/dags/{dag_id}", json={"is_paused": False}).raise_for_status()
        yield {"stack": stack, "warehouse": warehouse, "seeded": seeded, "emulator": emulator}
        warehouse.dispose()
    finally:
        stack.stop()
        _database(postgres_server, metadata_db, create=False)
        _database(postgres_server, warehouse_db, create=False)


def trigger(api, dag_id: str, conf: dict | None = None) -> str:
    response = api.post(f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}})
    assert response.status_code == 200, response.text
    return response.json()["dag_run_id"]


def query(warehouse: Warehouse, sql: str, **params) -> list[dict]:
    with warehouse.engine.connect() as connection:
        return [dict(r) for r in connection.execute(sa.text(sql), params).mappings()]


def task_log(api, dag_id: str, run_id: str, task_id: str) -> str:
    response = api.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/1",
                       headers={"Accept": "application/json"})
    response.raise_for_status()
    content = response.json().get("content")
    if isinstance(content, list):
        # Structured lines: the message is "event", a failure's exception and its text are in "error_detail".
        return "\n".join(json.dumps(c) if isinstance(c, dict) else str(c) for c in content)
    return str(content)


def test_sync_now_for_two_entities_at_once_through_the_rest_api(stack):
    airflow, warehouse, emulator = stack["stack"], stack["warehouse"], stack["emulator"]

    def gateway_calls() -> dict[str, int]:
        return dict(emulator.admin.stats()["calls"].get(INTACCT_COMPANY, {}))

    before = gateway_calls()
    with airflow.api() as api:
        runs = {dag_id: trigger(api, dag_id) for dag_id in ("intacct_sync_us01", "intacct_sync_ca01")}
    states = airflow.wait_for_runs(runs)
    assert states == {"intacct_sync_us01": "success", "intacct_sync_ca01": "success"}, states
    after = gateway_calls()
    # Every task ran in a Celery worker process of its own, yet each run signed in once (its preflight; the
    # tasks handed the sealed session on), and the runs' reported calls are the gateway's count.
    assert after["getAPISession"] - before.get("getAPISession", 0) == 2
    reported = query(warehouse, "select api_calls from intacct_runs where company_id in (:u, :c)",
                     u=US.bc_company_id, c=CA.bc_company_id)
    assert sum(r["api_calls"] for r in reported) == sum(after.values()) - sum(before.values())
    for company in (US, CA):
        (run,) = query(warehouse, "select status from intacct_runs where company_id = :c", c=company.bc_company_id)
        assert run["status"] == "partial"  # the demo's bad bill is rejected, the rest written
        count = query(warehouse, "select count(*) as n from bc_vendors where company_id = :c and "
                                 "intacct_vendor_id is not null", c=company.bc_company_id)[0]["n"]
        assert count > 100
        seeded = stack["seeded"][company.bc_company_id]
        for bill_id in seeded.ready_bill_ids:
            (bill,) = query(warehouse, "select intacct_record_no from bc_bills where bill_id = :b", b=bill_id)
            record = emulator.admin.get_record(INTACCT_COMPANY, "APBILL", bill["intacct_record_no"])
            assert record is not None and record.get("MEGAENTITYID", company.entity_id) == company.entity_id


def test_a_misconfigured_entity_fails_at_preflight_with_the_remediation_in_its_log(stack):
    airflow = stack["stack"]
    with airflow.api() as api:
        run_id = trigger(api, "intacct_sync_uk01")
    assert airflow.wait_for_runs({"intacct_sync_uk01": run_id}) == {"intacct_sync_uk01": "failed"}
    with airflow.api() as api:
        tasks = {t["task_id"]: t["state"] for t in
                 api.get(f"/dags/intacct_sync_uk01/dagRuns/{run_id}/taskInstances").json()["task_instances"]}
        assert tasks["preflight"] == "failed"
        assert all(state != "success" for task, state in tasks.items() if task != "preflight"), tasks
        log = task_log(api, "intacct_sync_uk01", run_id, "preflight")
    assert "Web Services authorizations" in log and "'Unauthorized'" in log, log[-3000:]


def test_the_ui_tests_the_connection_and_triggers_a_dry_run_with_the_objects_picked(stack, browser):
    airflow = stack["stack"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["node", str(REPO / "tests" / "e2e" / "ui_check.mjs")],
        env={**os.environ, "NODE_PATH": browser["node_path"], "CHROMIUM": browser["chromium"],
             "AIRFLOW_URL": airflow.url, "AIRFLOW_USER": airflow.user, "AIRFLOW_PASSWORD": airflow.password,
             "CONN_ID": "intacct_demo", "DAG_ID": "intacct_sync_us01", "ARTIFACTS": str(ARTIFACTS)},
        capture_output=True, text=True, timeout=420,
    )
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["connection_test"] == "ok", report
    # The dry run the form triggered: it finished, with the picked objects, and wrote nothing.
    with airflow.api() as api:
        run = api.get(f"/dags/intacct_sync_us01/dagRuns/{report['run_id']}").json()
    assert run["state"] == "success" and run["conf"].get("dry_run") is True, run
    assert sorted(run["conf"].get("objects") or []) == ["accounts", "vendors"], run["conf"]
    assert (ARTIFACTS / "grid.png").stat().st_size > 10_000
    assert (ARTIFACTS / "report-log.png").stat().st_size > 10_000
