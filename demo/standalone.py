"""``make airflow``: ``airflow standalone`` with the demo's configuration, ready to trigger in the UI.

Starts the Intacct emulator (demo dataset), a fresh SQLite BC warehouse with BC's demo rows, the Airflow
connections and the company pool, then Airflow itself. Ctrl-C stops Airflow and the emulator.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

from demo.bc_data import DEMO_COMPANIES, seed_bc_company
from demo.environment import DEMO_DIR, DemoPaths, airflow_env, prepare_airflow, store_connections, write_login
from intacct.warehouse import Warehouse
from intacct_emulator import Emulator

# AIRFLOW_PORT=8081 make airflow: the UI, the REST API and the tasks' execution API all move to that port.
PORT = int(os.environ.get("AIRFLOW_PORT", "8080"))
LOGIN = ("admin", "admin")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    # Ctrl-C and a plain `kill` both stop Airflow and the emulator cleanly (also when started in the background).
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    # Fresh every time: the emulator starts from its dataset, so the warehouse must too.
    paths = DemoPaths(DEMO_DIR / "standalone")
    shutil.rmtree(paths.root, ignore_errors=True)
    paths.root.mkdir(parents=True)

    emulator = Emulator.from_dataset("demo", seed=0)
    server = emulator.serve_in_thread(host="127.0.0.1", port=0)
    airflow_process: subprocess.Popen | None = None
    try:
        env = airflow_env(paths, server.url, connections_in_env=False)
        env.update(write_login(paths, *LOGIN))
        env.update({
            "AIRFLOW__API__PORT": str(PORT),
            "AIRFLOW__API__BASE_URL": f"http://localhost:{PORT}",
            # Tasks reach the api-server here; left alone it stays on 8080 whatever the port.
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{PORT}/execution/",
            # Nothing syncs before the user triggers it: unpause a DAG (or press Trigger) to start.
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        })
        print(f"Intacct emulator (demo company DEMO) at {server.url}", flush=True)
        print("Preparing Airflow (metadata database, pools) ...", flush=True)
        write_config(paths, env)
        prepare_airflow(env, paths)
        stored = store_connections(env, paths, server.url)
        warehouse = Warehouse.from_url(paths.warehouse_url)
        warehouse.ensure_schema()
        for company in DEMO_COMPANIES:
            seed_bc_company(warehouse, company)
        warehouse.dispose()

        print(
            f"\nAirflow UI: http://localhost:{PORT}   login: {LOGIN[0]} / {LOGIN[1]}\n"
            "DAGs: intacct_sync_us01, intacct_sync_ca01 (paused) — press Trigger for a Sync Now (full refresh,\n"
            f"dry run, objects). Connections in Admin > Connections: {', '.join(stored)}; from a second terminal:\n"
            f"  AIRFLOW_HOME={paths.airflow_home} .venv/bin/airflow connections test intacct_demo\n"
            f"BC warehouse: {paths.warehouse_url}. Stop with Ctrl-C.\n",
            flush=True,
        )
        # Its own process group, so stopping it stops every Airflow component it started.
        airflow_process = subprocess.Popen([sys.executable, "-m", "airflow", "standalone"], env=env,
                                           start_new_session=True)
        return airflow_process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if airflow_process is not None:
            stop_process_group(airflow_process)
        server.stop()


def write_config(paths: DemoPaths, env: dict[str, str]) -> None:
    """airflow.cfg for a second terminal: with only AIRFLOW_HOME set, ``airflow connections test intacct_demo``
    finds the same metadata database and may test connections."""
    home = paths.airflow_home
    home.mkdir(parents=True, exist_ok=True)
    (home / "airflow.cfg").write_text(
        "[core]\n"
        f"dags_folder = {env['AIRFLOW__CORE__DAGS_FOLDER']}\n"
        f"plugins_folder = {env['AIRFLOW__CORE__PLUGINS_FOLDER']}\n"
        "load_examples = False\n"
        "test_connection = Enabled\n"
        # The key the stored connections are encrypted with (the file is the demo's own, under .demo/).
        f"fernet_key = {env['AIRFLOW__CORE__FERNET_KEY']}\n"
        # The demo's entities run on America/Los_Angeles; Airflow 3.3.2's DAG details show the server's zone.
        "default_timezone = America/Los_Angeles\n"
        f"execution_api_server_url = {env['AIRFLOW__CORE__EXECUTION_API_SERVER_URL']}\n"
        "[database]\n"
        f"sql_alchemy_conn = {env['AIRFLOW__DATABASE__SQL_ALCHEMY_CONN']}\n"
        "[api]\n"
        f"port = {PORT}\n"
    )


def stop_process_group(process: subprocess.Popen, grace_seconds: float = 30) -> None:
    """Ctrl-C for Airflow and its components, then a hard stop for whatever is left of that group."""
    group = process.pid  # start_new_session made it the group leader
    try:
        os.killpg(group, signal.SIGINT)
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        pass
    except ProcessLookupError:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            continue


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
