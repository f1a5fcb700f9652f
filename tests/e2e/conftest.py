"""Whole DAG runs (dag.test) against the HTTP emulator, with the session's migrated Airflow database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from demo.connections import intacct_connection, warehouse_connection
from intacct.operators.entity_config import ENTITIES_FILE_ENV

ENTITIES = """\
defaults:
  retries: 0
entities:
  - entity_id: US01
    bc_company_id: bc-us
    intacct_conn_id: intacct_e2e
    warehouse_conn_id: bc_e2e
"""


@pytest.fixture(scope="session", autouse=True)
def plugin_free_airflow(airflow_home, tmp_path_factory):
    """Task runs load the plugins folder file by file as top-level modules; the package ``intacct`` is
    imported from the Python path instead, so point Airflow at an empty plugins folder."""
    import airflow.settings

    previous = airflow.settings.PLUGINS_FOLDER
    airflow.settings.PLUGINS_FOLDER = str(tmp_path_factory.mktemp("no-plugins"))
    yield
    airflow.settings.PLUGINS_FOLDER = previous


@pytest.fixture
def e2e(monkeypatch, emulator_server, tmp_path: Path, airflow_home):
    """Configures entity US01 (retries off) and returns a runner: ``run(warehouse_url, sender_id=None)``."""
    emulator, server = emulator_server
    emulator.admin.reset(dataset="demo")
    entities = tmp_path / "entities.yaml"
    entities.write_text(ENTITIES)
    monkeypatch.setenv(ENTITIES_FILE_ENV, str(entities))

    def run(warehouse_url: str, *, sender_id: str | None = None, conf: dict | None = None):
        from airflow.models import DagBag

        monkeypatch.setenv("AIRFLOW_CONN_INTACCT_E2E", intacct_connection(server.url, sender_id=sender_id))
        monkeypatch.setenv("AIRFLOW_CONN_BC_E2E", warehouse_connection(warehouse_url))
        bag = DagBag(dag_folder=str(Path(__file__).resolve().parents[2] / "dags"))
        assert bag.import_errors == {}
        dag_run = bag.dags["intacct_sync_us01"].test(run_conf=conf or {})
        states = {ti.task_id: str(getattr(ti.state, "value", ti.state)) for ti in dag_run.get_task_instances()}
        return SimpleNamespace(state=str(getattr(dag_run.state, "value", dag_run.state)), tasks=states)

    def cli_run(warehouse_url: str) -> subprocess.CompletedProcess:
        """The same DAG run through the command line, ``airflow dags test``, each run a process of its own."""
        env = {
            **os.environ,
            "AIRFLOW_CONN_INTACCT_E2E": intacct_connection(server.url),
            "AIRFLOW_CONN_BC_E2E": warehouse_connection(warehouse_url),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(empty_plugins),
        }
        result = subprocess.run([sys.executable, "-m", "airflow", "dags", "test", "intacct_sync_us01"], env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result

    empty_plugins = tmp_path / "no-plugins"
    empty_plugins.mkdir()
    return SimpleNamespace(run=run, cli_run=cli_run, emulator=emulator)
