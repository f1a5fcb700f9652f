"""Intacct connections defined the way Airflow reads them outside a task: AIRFLOW_CONN_<ID> JSON."""

from __future__ import annotations

import json

import pytest

from intacct_emulator import DEMO_CREDENTIALS, IN_PROCESS_URL, Emulator


@pytest.fixture(scope="module")
def emulator() -> Emulator:
    return Emulator.from_dataset("demo", seed=0)


@pytest.fixture
def intacct_connection(monkeypatch):
    """Define connection ``conn_id`` from keyword overrides of the demo company's connection."""

    def define(conn_id: str = "intacct_test", *, extra_overrides: dict | None = None, **fields) -> str:
        conn = {
            "conn_type": "intacct",
            "host": IN_PROCESS_URL,
            "login": DEMO_CREDENTIALS["user_id"],
            "password": DEMO_CREDENTIALS["user_password"],
            "extra": {
                "company_id": DEMO_CREDENTIALS["company_id"],
                "entity_id": "US01",
                "sender_id": DEMO_CREDENTIALS["sender_id"],
                "sender_password": DEMO_CREDENTIALS["sender_password"],
                "allowed_hosts": "emulator.local",
            },
        }
        conn.update(fields)
        conn["extra"] = {k: v for k, v in {**conn["extra"], **(extra_overrides or {})}.items() if v is not None}
        conn = {k: v for k, v in conn.items() if v is not None}
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
        return conn_id

    return define
