"""Operators run against the HTTP emulator and a SQLite warehouse, with a minimal task context."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from demo.connections import intacct_connection, warehouse_connection


@pytest.fixture
def connections(monkeypatch, emulator_server, tmp_path: Path):
    """intacct_test (authorized sender), intacct_unauthorized, and the warehouse bc_test."""
    emulator, server = emulator_server
    emulator.admin.reset(dataset="demo")
    monkeypatch.setenv("AIRFLOW_CONN_INTACCT_TEST", intacct_connection(server.url))
    monkeypatch.setenv("AIRFLOW_CONN_INTACCT_UNAUTHORIZED", intacct_connection(server.url, sender_id="Unauthorized"))
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    monkeypatch.setenv("AIRFLOW_CONN_BC_TEST", warehouse_connection(url))
    return SimpleNamespace(emulator=emulator, server=server, warehouse_url=url)


class FakeTaskInstance:
    """XCom as the report reads it: return values of upstream tasks by task id; values pushed under another
    key (the sealed session) are kept by key, in push order."""

    def __init__(self, xcoms: dict[str, object]):
        self.xcoms = xcoms
        self.pushed: dict[str, list[object]] = {}

    def xcom_pull(self, task_ids: str | list[str], key: str = "return_value", **_: object) -> object:
        if key != "return_value":
            return list(self.pushed.get(key, []))
        return self.xcoms.get(task_ids)

    def xcom_push(self, key: str, value: object) -> None:
        self.pushed.setdefault(key, []).append(value)


@pytest.fixture
def make_context():
    def make(params: dict | None = None, *, run_type: str = "manual", run_id: str = "manual__2026-01-01",
             xcoms: dict[str, object] | None = None) -> dict:
        return {
            "dag": SimpleNamespace(dag_id="intacct_sync_us01"),
            "run_id": run_id,
            "dag_run": SimpleNamespace(run_type=run_type, run_id=run_id),
            "params": {"full_refresh": False, "dry_run": False, "objects": ["accounts", "vendors", "bills"],
                       **(params or {})},
            "ti": FakeTaskInstance(xcoms or {}),
        }

    return make
