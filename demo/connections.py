"""Airflow connections of the demo as JSON (AIRFLOW_CONN_<ID> values, or rows for the metadata database), for
the emulator and a warehouse.

An ``intacct`` connection stores the endpoint's port beside the URL: on Airflow 3.3.2 the Test button of
Admin > Connections posts ``"port": 0`` for a stored NULL port and the server refuses the test as "host or
port differs", so every intacct connection carries its port (443 for Intacct's gateway).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from intacct_emulator import DEMO_CREDENTIALS


def intacct_connection(endpoint: str, *, sender_id: str | None = None, user_id: str | None = None,
                       entity_id: str | None = None) -> str:
    """An ``intacct`` connection to the emulator's demo company (its published demo credentials)."""
    extra = {
        "company_id": DEMO_CREDENTIALS["company_id"],
        "sender_id": sender_id or DEMO_CREDENTIALS["sender_id"],
        "sender_password": DEMO_CREDENTIALS["sender_password"],
        "timezone": "America/Los_Angeles",
        # The emulator listens on loopback: the only place plain http is accepted.
        "allowed_hosts": urlsplit(endpoint).hostname,
    }
    if entity_id:
        extra["entity_id"] = entity_id
    parts = urlsplit(endpoint)
    return json.dumps({
        "conn_type": "intacct",
        "host": endpoint,
        "port": parts.port or (443 if parts.scheme == "https" else 80),
        "login": user_id or DEMO_CREDENTIALS["user_id"],
        "password": DEMO_CREDENTIALS["user_password"],
        "extra": extra,
    })


def warehouse_connection(sqlalchemy_url: str) -> str:
    return json.dumps({"conn_type": "generic", "extra": {"sqlalchemy_url": sqlalchemy_url}})


def connection_row(conn_id: str, value: str) -> dict:
    """One connection as ``airflow connections import`` and ``POST /api/v2/connections`` take it."""
    row = json.loads(value)
    row["connection_id"] = conn_id
    if isinstance(row.get("extra"), dict):
        row["extra"] = json.dumps(row["extra"])
    return row


def connection_env(conn_id: str, value: str) -> dict[str, str]:
    return {f"AIRFLOW_CONN_{conn_id.upper()}": value}
