"""The BC warehouse connection: an Airflow connection → a SQLAlchemy URL → ``intacct.warehouse.Warehouse``.

Which URL a connection gives, in order:

1. extra ``sqlalchemy_url`` when set (any database SQLAlchemy supports), e.g.
   ``{"conn_type": "generic", "extra": {"sqlalchemy_url": "sqlite:////data/bc.db"}}``;
2. a ``postgres`` connection: ``postgresql+psycopg2://login:password@host:port/schema`` (schema = database);
3. a ``sqlite`` connection: ``sqlite:///<host>`` (host = the database file path).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from airflow.sdk import BaseHook
from airflow.sdk.exceptions import AirflowException
from airflow.sdk.log import mask_secret
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from intacct.warehouse import Warehouse

POSTGRES_TYPES = frozenset({"postgres", "postgresql"})


class WarehouseConnectionError(AirflowException):
    """The warehouse connection does not say which database to use."""


def warehouse_url_from_connection(
    conn_id: str,
    *,
    conn_type: str | None,
    host: str | None,
    login: str | None,
    password: str | None,
    port: int | None,
    schema: str | None,
    extra: dict[str, Any],
) -> str:
    url = extra.get("sqlalchemy_url")
    if isinstance(url, str) and url.strip():
        return url.strip()
    kind = (conn_type or "").lower()
    if kind in POSTGRES_TYPES and host:
        credentials = ""
        if login:
            credentials = quote(login, safe="")
            if password:
                credentials += ":" + quote(password, safe="")
            credentials += "@"
        netloc = f"{host}:{port}" if port else host
        return f"postgresql+psycopg2://{credentials}{netloc}/{quote(schema or 'postgres', safe='')}"
    if kind == "sqlite" and host:
        return f"sqlite:///{host}"
    raise WarehouseConnectionError(
        f"Airflow connection '{conn_id}' does not name the BC warehouse database: set extra 'sqlalchemy_url' "
        "(e.g. postgresql+psycopg2://user:pw@host:5432/bc or sqlite:////path/bc.db), or use a 'postgres' "
        "connection with host, login, password and schema (the database name)"
    )


class BCWarehouseHook(BaseHook):
    """Opens the Business Center warehouse named by an Airflow connection."""

    conn_name_attr = "warehouse_conn_id"
    default_conn_name = "bc_warehouse"
    conn_type = "generic"
    hook_name = "Business Center warehouse"

    def __init__(self, warehouse_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.warehouse_conn_id = warehouse_conn_id

    def get_url(self) -> str:
        conn = self.get_connection(self.warehouse_conn_id)
        url = warehouse_url_from_connection(
            self.warehouse_conn_id,
            conn_type=conn.conn_type,
            host=conn.host,
            login=conn.login,
            password=conn.password,
            port=conn.port,
            schema=conn.schema,
            extra=conn.extra_dejson,
        )
        # A password inside extra 'sqlalchemy_url' is not masked by Airflow on its own.
        password = make_url(url).password
        if password:
            mask_secret(password)
        return url

    def get_warehouse(self) -> Warehouse:
        from intacct.warehouse import Warehouse

        return Warehouse.from_url(self.get_url())

    def get_conn(self) -> Warehouse:
        return self.get_warehouse()
