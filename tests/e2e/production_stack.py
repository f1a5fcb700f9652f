"""Airflow 3.3.2 as production runs it, on loopback: PostgreSQL metadata database, CeleryExecutor on the
local Redis, api-server, scheduler, dag-processor and one Celery worker, each its own process.

Everything is private to one stack: its own metadata database, a Redis database number and Celery queue of
its own, random free ports and a temporary AIRFLOW_HOME. ``stop()`` ends every process group it started.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
REDIS = ("127.0.0.1", 6379)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class AirflowStack:
    home: Path
    metadata_url: str  # postgresql+psycopg2://…/<own database>
    entities_file: Path
    user: str = "admin"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    port: int = field(default_factory=free_port)
    queue: str = field(default_factory=lambda: f"intacct_e2e_{uuid.uuid4().hex[:8]}")
    redis_db: int = field(default_factory=lambda: 1 + secrets.randbelow(15))
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def logs(self) -> Path:
        return self.home / "process-logs"

    def env(self) -> dict[str, str]:
        from cryptography.fernet import Fernet

        plugins = self.home / "plugins"
        plugins.mkdir(parents=True, exist_ok=True)
        passwords = self.home / "passwords.json"
        passwords.write_text(json.dumps({self.user: self.password}))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PYTEST"))}
        result_backend = "db+" + self.metadata_url
        if not hasattr(self, "_secrets"):
            self._secrets = (Fernet.generate_key().decode(), secrets.token_urlsafe(32))
        fernet, jwt = self._secrets
        env.update({
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.metadata_url,
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS[0]}:{REDIS[1]}/{self.redis_db}",
            "AIRFLOW__CELERY__RESULT_BACKEND": result_backend,
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.queue,
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "4",
            "AIRFLOW__CORE__FERNET_KEY": fernet,
            "AIRFLOW__API_AUTH__JWT_SECRET": jwt,
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__BASE_URL": self.url,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(plugins),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{self.user}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "INTACCT_SYNC_ENTITIES_FILE": str(self.entities_file),
            "PYTHONPATH": os.pathsep.join([str(REPO / "plugins"), str(REPO)]),
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
        })
        return env

    def cli(self, *args: str, timeout: float = 300) -> str:
        result = subprocess.run([sys.executable, "-m", "airflow", *args], env=self.env(), capture_output=True,
                                text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"airflow {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
        return result.stdout

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        self.cli("db", "migrate", timeout=480)
        commands = {
            "api-server": ["api-server", "--port", str(self.port), "--host", "127.0.0.1"],
            "scheduler": ["scheduler"],
            "dag-processor": ["dag-processor"],
            "celery-worker": ["celery", "worker", "--queues", self.queue, "--concurrency", "4",
                              "--celery-hostname", f"{self.queue}@%h"],
        }
        env = self.env()
        for name, args in commands.items():
            log = (self.logs / f"{name}.log").open("w")
            # Its own process group: stop() ends the component and every child it forked.
            self.processes[name] = subprocess.Popen([sys.executable, "-m", "airflow", *args], env=env,
                                                    stdout=log, stderr=subprocess.STDOUT,
                                                    start_new_session=True)

    def stop(self) -> None:
        for process in self.processes.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for process in self.processes.values():
            _signal_group(process, signal.SIGKILL)  # whatever is left of each group
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.processes.clear()

    def check_alive(self) -> None:
        dead = {name: p.returncode for name, p in self.processes.items() if p.poll() is not None}
        if dead:
            tails = "\n".join(f"--- {n}:\n{(self.logs / f'{n}.log').read_text()[-2500:]}" for n in dead)
            raise RuntimeError(f"Airflow components exited: {dead}\n{tails}")

    # --- the REST API ----------------------------------------------------------------------------------

    def token(self) -> str:
        response = httpx.post(f"{self.url}/auth/token", json={"username": self.user, "password": self.password},
                              timeout=30)
        response.raise_for_status()
        return response.json()["access_token"]

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=f"{self.url}/api/v2", headers={"Authorization": f"Bearer {self.token()}"},
                            timeout=60)

    def wait_healthy(self, dag_ids: list[str], timeout: float = 300) -> None:
        """Until the api-server answers, the scheduler and dag-processor report healthy and the DAGs exist."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                health = httpx.get(f"{self.url}/api/v2/monitor/health", timeout=10).json()
                healthy = all(health.get(part, {}).get("status") == "healthy"
                              for part in ("metadatabase", "scheduler", "dag_processor"))
                last = json.dumps(health)
                if healthy:
                    with self.api() as api:
                        known = {d["dag_id"] for d in api.get("/dags", params={"limit": 100}).json()["dags"]}
                    last = f"DAGs so far: {sorted(known)}"
                    if set(dag_ids) <= known:
                        return
            except (httpx.HTTPError, ValueError) as exc:
                last = f"{type(exc).__name__}: {exc}"
            time.sleep(3)
        raise TimeoutError(f"Airflow not ready after {timeout:.0f} s: {last}")

    def wait_for_runs(self, runs: dict[str, str], timeout: float = 300) -> dict[str, str]:
        """Waits until every (dag_id → run_id) is finished; returns the final states."""
        deadline = time.monotonic() + timeout
        states: dict[str, str] = {}
        while time.monotonic() < deadline:
            self.check_alive()
            with self.api() as api:
                for dag_id, run_id in runs.items():
                    states[dag_id] = api.get(f"/dags/{dag_id}/dagRuns/{run_id}").json()["state"]
            if all(s in {"success", "failed"} for s in states.values()):
                return states
            time.sleep(3)
        raise TimeoutError(f"runs not finished after {timeout:.0f} s: {states}")


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
