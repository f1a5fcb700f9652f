"""The demo's Airflow environment: a private AIRFLOW_HOME under .demo/, its SQLite metadata database, the
emulator's connections and a SQLite BC warehouse. Shared by ``python -m demo`` and ``python -m demo.standalone``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from demo.connections import connection_row, intacct_connection, warehouse_connection
from intacct.operators.entity_config import load_entities, pool_name_for

REPO = Path(__file__).resolve().parent.parent
DEMO_DIR = REPO / ".demo"
POOL_SLOTS = 2  # the client's default concurrency per company


@dataclass(frozen=True)
class DemoPaths:
    root: Path

    @property
    def airflow_home(self) -> Path:
        return self.root / "airflow"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def warehouse_url(self) -> str:
        return f"sqlite:///{self.root / 'bc_warehouse.db'}"

    @property
    def entities_file(self) -> Path:
        return REPO / "include" / "entities.yaml"


def airflow_env(paths: DemoPaths, emulator_url: str, *, connections_in_env: bool = True) -> dict[str, str]:
    """Environment for every Airflow command of the demo (connections as AIRFLOW_CONN_<ID> unless told not to:
    ``make airflow`` stores them in the metadata database instead, see :func:`demo_connections`)."""
    home = paths.airflow_home
    # An empty plugins folder: the project is imported as the package ``intacct`` from PYTHONPATH, never
    # loaded file by file as plugins.
    (home / "plugins").mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(home / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        # Connections stored encrypted, and the run's tasks hand their Intacct session on (sealed with it).
        "AIRFLOW__CORE__FERNET_KEY": env.get("AIRFLOW__CORE__FERNET_KEY") or fernet_key(paths),
        "INTACCT_SYNC_ENTITIES_FILE": str(paths.entities_file),
        "PYTHONPATH": os.pathsep.join([str(REPO / "plugins"), str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        # Airflow starts its components by name: the virtual environment's bin must come first.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
    })
    if connections_in_env:
        for conn_id, value in demo_connections(paths, emulator_url).items():
            env[f"AIRFLOW_CONN_{conn_id.upper()}"] = value
    return env


def fernet_key(paths: DemoPaths) -> str:
    """The demo's Fernet key, made once and kept beside its metadata database (which it encrypts)."""
    from cryptography.fernet import Fernet

    path = paths.root / "fernet.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


def demo_connections(paths: DemoPaths, emulator_url: str) -> dict[str, str]:
    """conn_id → connection JSON for every connection the configured entities name."""
    connections: dict[str, str] = {}
    for spec in load_entities(paths.entities_file).entities:
        connections[spec.intacct_conn_id] = intacct_connection(emulator_url)
        connections[spec.warehouse_conn_id] = warehouse_connection(paths.warehouse_url)
    return connections


def store_connections(env: dict[str, str], paths: DemoPaths, emulator_url: str) -> list[str]:
    """Writes the demo's connections into the metadata database (Admin > Connections lists them)."""
    rows = {conn_id: connection_row(conn_id, value)
            for conn_id, value in demo_connections(paths, emulator_url).items()}
    for row in rows.values():
        row.pop("connection_id")
    file = paths.root / "connections.json"
    file.write_text(json.dumps(rows, indent=2))
    airflow(env, "connections", "import", "--overwrite", str(file), log=paths.logs / "connections_import.log")
    file.unlink()  # it holds the demo's passwords
    return sorted(rows)


def airflow(env: dict[str, str], *args: str, log: Path | None = None, check: bool = True,
            timeout: float = 900) -> subprocess.CompletedProcess:
    """Run an ``airflow`` CLI command of this virtual environment; its output goes to ``log`` if given."""
    command = [sys.executable, "-m", "airflow", *args]
    if log is None:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
        output = result.stdout + result.stderr
    else:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w") as handle:
            result = subprocess.run(command, env=env, stdout=handle, stderr=subprocess.STDOUT, text=True,
                                    timeout=timeout)
        output = log.read_text()
    if check and result.returncode != 0:
        raise RuntimeError(f"airflow {' '.join(args)} failed (exit {result.returncode}):\n{output[-4000:]}")
    return result


def prepare_airflow(env: dict[str, str], paths: DemoPaths) -> None:
    """Migrate the metadata database and create one pool per Intacct company of the configuration."""
    airflow(env, "db", "migrate", log=paths.logs / "db_migrate.log")
    pools = sorted({pool_name_for(s.intacct_conn_id) for s in load_entities(paths.entities_file).entities})
    for pool in pools:
        airflow(env, "pools", "set", pool, str(POOL_SLOTS), "Sage Intacct company (demo)")


def write_login(paths: DemoPaths, user: str = "admin", password: str = "admin") -> dict[str, str]:
    """A fixed login for the simple auth manager of ``airflow standalone``."""
    passwords = paths.airflow_home / "simple_auth_manager_passwords.json"
    passwords.parent.mkdir(parents=True, exist_ok=True)
    passwords.write_text(json.dumps({user: password}))
    return {
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{user}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
    }
