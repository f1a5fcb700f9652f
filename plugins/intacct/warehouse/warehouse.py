"""The warehouse: an SQLAlchemy engine plus the BC and sync tables reflected from the applied DDL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from sqlalchemy import DateTime, Engine, MetaData, Numeric, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from intacct.warehouse.schema import apply_migrations, discover_migrations
from intacct.warehouse.types import SQLITE_TYPE_NAMES, JsonDocument, LenientDate, Money, UtcTimestamp

BC_TABLES = ("bc_accounts", "bc_vendors", "bc_bills", "bc_bill_lines")
SYNC_TABLES = ("intacct_links", "intacct_watermarks", "intacct_runs", "intacct_record_outcomes",
               "intacct_rejections", "intacct_pending_writes", "intacct_planned_changes")
DEFAULT_CHUNK_SIZE = 500
PG_MULTIROW_ROWS = 5_000  # rows per INSERT statement on PostgreSQL


class Warehouse:
    """BC warehouse access. ``ensure_schema()`` once, then ``tables[name]`` and ``engine``."""

    def __init__(self, engine: Engine, *, sql_dir: Path | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE):
        if engine.dialect.name not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database {engine.dialect.name!r}: use sqlite:/// or postgresql+psycopg2://")
        self.engine = engine
        self.sql_dir = sql_dir
        self.chunk_size = chunk_size
        self._tables: dict[str, Table] | None = None
        if engine.dialect.name == "sqlite":
            # Per-engine, not global: the declared SQLite type names map back to the exact types.
            engine.dialect.ischema_names = {**engine.dialect.ischema_names, **SQLITE_TYPE_NAMES}
            _wait_for_sqlite_writers(engine)

    @classmethod
    def from_url(cls, url: str, **kwargs) -> Warehouse:
        if not isinstance(url, str) or not url.startswith(("sqlite:", "postgresql:", "postgresql+")):
            raise ValueError("warehouse URL must look like sqlite:///path/to/file.db or "
                             "postgresql+psycopg2://user@host/db (SQLite and PostgreSQL are supported)")
        return cls(create_engine(url), **kwargs)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def ensure_schema(self) -> list[str]:
        """Create whatever is missing (idempotent); returns the migration versions applied now."""
        applied = apply_migrations(self.engine, self.sql_dir)
        self._tables = None
        return applied

    @property
    def tables(self) -> dict[str, Table]:
        if self._tables is None:
            self._tables = self._reflect()
        return self._tables

    def _reflect(self) -> dict[str, Table]:
        metadata = MetaData()
        names = BC_TABLES + SYNC_TABLES
        metadata.reflect(self.engine, only=lambda name, _: name in names)
        missing = [name for name in names if name not in metadata.tables]
        if missing:
            raise RuntimeError(f"warehouse tables missing: {missing}; call Warehouse.ensure_schema() first")
        if self.dialect == "postgresql":
            for table in metadata.tables.values():
                for column in table.columns:
                    column.type = _exact_type(column.type)
        return {name: metadata.tables[name] for name in names}

    def migrations(self) -> list[str]:
        return [m.version for m in discover_migrations(self.sql_dir)]

    # Chunked access ---------------------------------------------------------------------------------

    def upsert(self, connection: Connection, table_name: str, rows: Sequence[Mapping],
               update_columns: Iterable[str] | None = None) -> int:
        """Insert rows or update them on primary-key conflict, in chunks; returns rows written."""
        if not rows:
            return 0
        table = self.tables[table_name]
        key_columns = [c.name for c in table.primary_key.columns]
        first = dict(rows[0])
        columns = list(update_columns) if update_columns is not None else [
            name for name in first if name not in key_columns]
        if self.dialect == "postgresql":
            return self._upsert_multirow(connection, table, rows, key_columns, columns)
        # SQLite: one statement executed for many parameter sets, the driver's own bulk path.
        statement = _on_conflict(sqlite.insert(table), key_columns, columns)
        written = 0
        for start in range(0, len(rows), self.chunk_size):
            chunk = [row if isinstance(row, dict) else dict(row) for row in rows[start:start + self.chunk_size]]
            connection.execute(statement, chunk)
            written += len(chunk)
        return written

    def _upsert_multirow(self, connection: Connection, table: Table, rows: Sequence[Mapping],
                         key_columns: list[str], columns: list[str]) -> int:
        """PostgreSQL: psycopg2's ``execute_values``, many rows per INSERT ... VALUES ... ON CONFLICT.

        The statement is written once; each value still passes through its column type's bind processor
        (Money, UTC timestamps, JSON), exactly as SQLAlchemy would apply it.
        """
        from psycopg2.extras import execute_values

        names = list(dict(rows[0]))
        dialect = connection.dialect
        quote = dialect.identifier_preparer.quote
        processors = [table.c[name].type._cached_bind_processor(dialect) for name in names]
        conflict = ", ".join(quote(k) for k in key_columns)
        if columns:
            action = "DO UPDATE SET " + ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in columns)
        else:
            action = "DO NOTHING"
        sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) VALUES %s "
               f"ON CONFLICT ({conflict}) {action}")

        converted = [(index, p) for index, p in enumerate(processors) if p is not None]

        def values(row: Mapping) -> list:
            raw = [row[name] for name in names]
            for index, process in converted:
                raw[index] = process(raw[index])
            return raw


        cursor = connection.connection.driver_connection.cursor()
        try:
            written = 0
            for start in range(0, len(rows), PG_MULTIROW_ROWS):
                chunk = [values(row) for row in rows[start:start + PG_MULTIROW_ROWS]]
                execute_values(cursor, sql, chunk, page_size=PG_MULTIROW_ROWS)
                written += len(chunk)
        finally:
            cursor.close()
        return written

    def select_in_chunks(self, connection: Connection, statement, column, values: Sequence) -> Iterator[Mapping]:
        """Rows of ``statement`` whose ``column`` is in ``values``, querying chunk by chunk."""
        values = list(values)
        for start in range(0, len(values), self.chunk_size):
            chunk = values[start:start + self.chunk_size]
            yield from connection.execute(statement.where(column.in_(chunk))).mappings()

    def dispose(self) -> None:
        self.engine.dispose()


def _on_conflict(statement, key_columns: list[str], columns: list[str]):
    if columns:
        return statement.on_conflict_do_update(index_elements=key_columns,
                                               set_={name: statement.excluded[name] for name in columns})
    return statement.on_conflict_do_nothing(index_elements=key_columns)


def _exact_type(reflected):
    if isinstance(reflected, Numeric) and not isinstance(reflected, Money):
        return Money()
    if isinstance(reflected, DateTime):
        return UtcTimestamp()
    if reflected.__class__.__name__ == "DATE":
        return LenientDate()
    if isinstance(reflected, postgresql.JSONB):
        return JsonDocument()
    return reflected


def _wait_for_sqlite_writers(engine: Engine) -> None:
    """SQLite: wait for a concurrent writer instead of failing at once (BC may write at the same time)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.close()
