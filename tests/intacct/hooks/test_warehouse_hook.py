"""Which database a warehouse connection names."""

from __future__ import annotations

import json

import pytest

from intacct.hooks.warehouse import BCWarehouseHook, WarehouseConnectionError, warehouse_url_from_connection

pytestmark = pytest.mark.unit


def url(**fields):
    base = {"conn_type": None, "host": None, "login": None, "password": None, "port": None, "schema": None,
            "extra": {}}
    return warehouse_url_from_connection("wh", **{**base, **fields})


def test_extra_sqlalchemy_url_wins():
    assert url(conn_type="postgres", host="db", extra={"sqlalchemy_url": "sqlite:////data/bc.db"}) == (
        "sqlite:////data/bc.db")


def test_postgres_connection_becomes_a_psycopg2_url_with_quoted_password():
    assert url(conn_type="postgres", host="bc-warehouse", port=5432, login="bc", password="p@ss/word",
               schema="bc") == "postgresql+psycopg2://bc:p%40ss%2Fword@bc-warehouse:5432/bc"


def test_sqlite_connection_uses_the_host_as_file_path():
    assert url(conn_type="sqlite", host="/data/bc.db") == "sqlite:////data/bc.db"


def test_a_connection_without_a_database_says_what_to_set():
    with pytest.raises(WarehouseConnectionError, match="sqlalchemy_url"):
        url(conn_type="http", host="example.org")


def test_hook_reads_an_env_connection_and_opens_the_warehouse(monkeypatch, tmp_path):
    database = tmp_path / "bc.db"
    monkeypatch.setenv("AIRFLOW_CONN_BC_TEST", json.dumps(
        {"conn_type": "generic", "extra": {"sqlalchemy_url": f"sqlite:///{database}"}}))
    warehouse = BCWarehouseHook("bc_test").get_warehouse()
    try:
        warehouse.ensure_schema()
        assert {"bc_vendors", "bc_bills"} <= set(warehouse.tables)
    finally:
        warehouse.dispose()
    assert database.exists()


def test_a_password_inside_the_url_is_masked(monkeypatch):
    from airflow.sdk.log import redact

    monkeypatch.setenv("AIRFLOW_CONN_BC_PG", json.dumps(
        {"conn_type": "generic", "extra": {"sqlalchemy_url": "postgresql+psycopg2://bc:warehouse-secret-pw@db/bc"}}))
    BCWarehouseHook("bc_pg").get_url()
    assert redact("password warehouse-secret-pw") == "password ***"
