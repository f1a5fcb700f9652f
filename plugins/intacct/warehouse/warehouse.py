"""The warehouse: an SQLAlchemy engine plus the BC and sync tables reflected from the applied DDL."""

from __future__ import annotations

import functools
import io
import itertools
import json
import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import NoneType

from sqlalchemy import (
    BigInteger,
    DateTime,
    Engine,
    MetaData,
    Numeric,
    Table,
    Text,
    bindparam,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from intacct.warehouse.schema import apply_migrations, discover_migrations
from intacct.warehouse.types import SQLITE_TYPE_NAMES, JsonDocument, LenientDate, Money, UtcTimestamp

BC_TABLES = ("bc_accounts", "bc_vendors", "bc_bills", "bc_bill_lines")
SYNC_TABLES = ("intacct_links", "intacct_watermarks", "intacct_runs", "intacct_record_outcomes",
               "intacct_rejections", "intacct_pending_writes", "intacct_planned_changes")
DEFAULT_CHUNK_SIZE = 2000  # keys per IN (...) lookup: an Intacct page's keys in one statement
# SQLite refuses a statement with more bound variables than its limit (999 before 3.32, 32,766 since); a
# chunk leaves room for the statement's other parameters.
SQLITE_OTHER_PARAMETERS = 50
PG_COPY_MIN_ROWS = 1_000  # PostgreSQL: fewer rows go as one multi-row INSERT, more through COPY
PG_COPY_ROWS = 20_000  # rows per COPY (bounds the text held in memory)


class Warehouse:
    """BC warehouse access. ``ensure_schema()`` once, then ``tables[name]`` and ``engine``."""

    def __init__(self, engine: Engine, *, sql_dir: Path | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE):
        if engine.dialect.name not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database {engine.dialect.name!r}: use sqlite:/// or postgresql+psycopg2://")
        self.engine = engine
        self.sql_dir = sql_dir
        if engine.dialect.name == "sqlite":
            chunk_size = min(chunk_size, _sqlite_variable_limit() - SQLITE_OTHER_PARAMETERS)
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

    @property
    def commits_aside(self) -> bool:
        """Whether a page's transaction is worth committing on a thread of its own while the next page is
        converted (``sync.page_writer``). On PostgreSQL the storing is the server's work, done meanwhile. SQLite
        stores in this process, and its driver gives up the interpreter lock for every row: a second thread
        then waits for the lock row by row (a first sync of 100k bills measured 8% slower that way)."""
        return self.dialect == "postgresql"

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

    # Bulk writes ------------------------------------------------------------------------------------

    def upsert(self, connection: Connection, table_name: str, rows: Sequence[Mapping],
               update_columns: Iterable[str] | None = None, *, new: bool = False) -> int:
        """Insert rows or update them on primary-key conflict; returns rows written.

        ``update_columns`` are the columns a conflict overwrites (default: every column of the first row but
        the key; empty: a conflict leaves the row as it is). Every row has the columns of the first.

        ``new``: the rows are expected to be new (a first sync's). On PostgreSQL a large batch is then copied
        straight into the table under a savepoint, which is half the server's work of copying it aside and
        inserting from there; should any key be taken after all, the savepoint is rolled back and the batch
        goes the general way, with the same result.
        """
        if not rows:
            return 0
        table = self.tables[table_name]
        if new and self.dialect == "postgresql" and len(rows) >= PG_COPY_MIN_ROWS:
            from psycopg2.errors import UniqueViolation

            try:
                with connection.begin_nested():
                    return self._bulk_insert(connection, table, rows, "")
            except UniqueViolation:
                pass  # rolled back to the savepoint: upserted below
        key_columns = [c.name for c in table.primary_key.columns]
        columns = list(update_columns) if update_columns is not None else [
            name for name in rows[0] if name not in key_columns]
        quote = connection.dialect.identifier_preparer.quote
        conflict = ", ".join(quote(k) for k in key_columns)
        excluded = "EXCLUDED" if self.dialect == "postgresql" else "excluded"
        action = ("DO UPDATE SET " + ", ".join(f"{quote(c)} = {excluded}.{quote(c)}" for c in columns)
                  if columns else "DO NOTHING")
        return self._bulk_insert(connection, table, rows, f" ON CONFLICT ({conflict}) {action}")

    def insert(self, connection: Connection, table_name: str, rows: Sequence[Mapping],
               columns: Sequence[str] | None = None) -> int:
        """Insert rows (a conflict fails the statement, as a plain INSERT does); returns rows written.
        Every row has the columns of the first, or ``columns`` when given (the rows may hold other keys too,
        which are left out)."""
        if not rows:
            return 0
        return self._bulk_insert(connection, self.tables[table_name], rows, "", columns)

    def _bulk_insert(self, connection: Connection, table: Table, rows: Sequence[Mapping], suffix: str,
                     columns: Sequence[str] | None = None) -> int:
        """One INSERT written once for many rows, through the driver's bulk path: SQLite's ``executemany``;
        on PostgreSQL ``COPY`` for many rows (into the table, or for an upsert into a scratch table and then
        one INSERT ... SELECT ... ON CONFLICT), psycopg2's ``execute_values`` for a few.

        Each value still passes through its column type's bind processor (Money, UTC timestamps, JSON),
        exactly as SQLAlchemy would apply it, but SQLAlchemy's per-row statement machinery is skipped. The
        statements run on the connection's own DB-API connection, so inside its transaction.
        """
        names = list(columns) if columns is not None else list(rows[0])
        dialect = connection.dialect
        quote = dialect.identifier_preparer.quote
        processors = [table.c[name].type._cached_bind_processor(dialect) for name in names]
        converted = [(index, p) for index, p in enumerate(processors) if p is not None]
        column_list = ", ".join(quote(n) for n in names)
        target = quote(table.name)

        pick = operator.itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))

        def values(row: Mapping) -> list:
            raw = list(pick(row))
            for index, process in converted:
                raw[index] = process(raw[index])
            return raw

        cursor = connection.connection.driver_connection.cursor()
        try:
            if self.dialect == "sqlite":
                _sqlite_insert(cursor, f"INSERT INTO {target} ({column_list}) VALUES ", len(names), suffix,
                               list(map(values, rows)))
            elif len(rows) < PG_COPY_MIN_ROWS:
                from psycopg2.extras import execute_values

                execute_values(cursor, f"INSERT INTO {target} ({column_list}) VALUES %s{suffix}",
                               [values(row) for row in rows], page_size=PG_COPY_MIN_ROWS)
            else:
                scratch = target
                if suffix:  # COPY cannot resolve conflicts: copy aside, then one INSERT ... SELECT
                    scratch = quote(f"_bulk_{table.name}")
                    cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {scratch} "
                                   f"(LIKE {target} INCLUDING DEFAULTS) ON COMMIT DROP")
                    cursor.execute(f"TRUNCATE {scratch}")
                for start in range(0, len(rows), PG_COPY_ROWS):
                    text = _copy_lines([values(row) for row in rows[start:start + PG_COPY_ROWS]])
                    # Read in one piece: psycopg2 reads the file through Python, 8 kB at a time by default, and
                    # each read waits for the interpreter lock while another thread converts the next page.
                    cursor.copy_expert(f"COPY {scratch} ({column_list}) FROM STDIN", io.StringIO(text),
                                       size=len(text) + 1)
                if suffix:
                    cursor.execute(f"INSERT INTO {target} ({column_list}) SELECT {column_list} FROM {scratch}"
                                   f"{suffix}")
                    cursor.execute(f"TRUNCATE {scratch}")
        finally:
            cursor.close()
        return len(rows)

    def refresh_statistics(self, table_names: Iterable[str]) -> None:
        """PostgreSQL: ANALYZE these tables now. After a bulk load the planner still holds the empty tables'
        statistics until autovacuum comes round, and plans the next run's keyset pages as a scan and sort of
        every row (120 ms a page at 100k bills instead of 8 ms). SQLite's planner needs no statistics here."""
        if self.dialect != "postgresql":
            return
        quote = self.engine.dialect.identifier_preparer.quote
        with self.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE " + ", ".join(quote(self.tables[name].name) for name in table_names))

    def select_in_chunks(self, connection: Connection, statement, column, values: Sequence) -> Iterator[Mapping]:
        """Rows of ``statement`` whose ``column`` is in ``values``, querying chunk by chunk."""
        values = list(values)
        for start in range(0, len(values), self.chunk_size):
            chunk = values[start:start + self.chunk_size]
            yield from connection.execute(statement.where(self.one_of(column, chunk))).mappings()

    def one_of(self, column, values: Sequence):
        """``column IN values`` as one bound value rather than one per key: a PostgreSQL array (``IN unnest``),
        an SQLite JSON list (``IN json_each``). A page's keys are thousands, and binding each one took longer
        than the lookup itself. Values other than plain text or whole numbers get the usual ``IN (...)``."""
        kinds = {value.__class__ for value in values}
        if not values or not (kinds == {str} or kinds == {int}) or (self.dialect == "sqlite" and not _json_each()):
            return column.in_(values)
        # A subquery, which both planners join by hashing or by the index whatever the table's statistics say
        # (``= ANY(array)`` on a table last analyzed empty, as during a first sync, scans it once per key).
        if self.dialect == "postgresql":
            listed = func.unnest(bindparam(None, list(values), type_=postgresql.ARRAY(
                Text() if kinds == {str} else BigInteger()))).table_valued("value").render_derived()
        else:
            listed = func.json_each(bindparam(None, json.dumps(list(values)), type_=Text())).table_valued("value")
        return column.in_(select(listed.c.value))

    def dispose(self) -> None:
        self.engine.dispose()


# Rows per INSERT on SQLite: one statement of many rows binds as many values as one per row, but steps once
# (a tenth less time per row storing a first sync's bills). 999 is the fewest variables a statement may hold
# on any SQLite (32,766 since 3.32).
SQLITE_ROWS_PER_STATEMENT = 64
SQLITE_MAX_VARIABLES = 999


def _sqlite_insert(cursor, head: str, width: int, suffix: str, rows: list) -> None:
    """``rows`` (each ``width`` values) inserted by ``head`` + VALUES tuples + ``suffix``, many rows a statement.
    A conflict clause in ``suffix`` resolves each row in turn, as it would row by row."""
    per_statement = max(1, min(SQLITE_ROWS_PER_STATEMENT, SQLITE_MAX_VARIABLES // max(width, 1)))
    one = "(" + ", ".join("?" * width) + ")"
    whole = len(rows) - len(rows) % per_statement
    flat = itertools.chain.from_iterable  # a statement's rows as its one list of values
    if whole:
        statement = head + ", ".join([one] * per_statement) + suffix
        cursor.executemany(statement, (list(flat(rows[start:start + per_statement]))
                                       for start in range(0, whole, per_statement)))
    if whole < len(rows):
        rest = rows[whole:]
        cursor.execute(head + ", ".join([one] * len(rest)) + suffix, list(flat(rest)))


def _copy_lines(rows: list[list]) -> str:
    r"""Rows of bound values as the lines of a COPY text.

    Numbers, dates and timestamps never hold a separator or a backslash, so when a chunk holds only those,
    NULLs and plain text, and its text holds none either (one scan of it all, which nearly every chunk
    passes), each value is written as it is, without a function call per value."""
    kinds = {value.__class__ for row in rows for value in row}
    if kinds <= _COPY_PLAIN:
        texts = "".join([value for row in rows for value in row if value.__class__ is str])
        if not ("\\" in texts or "\t" in texts or "\n" in texts or "\r" in texts):
            return "".join("\t".join([value if value.__class__ is str else "\\N" if value is None else str(value)
                                      for value in row]) + "\n" for row in rows)
    return "".join("\t".join(map(_copy_text, row)) + "\n" for row in rows)


# Types whose str() is their COPY text as it is (no escaping can be needed); text is scanned.
_COPY_PLAIN = frozenset({str, NoneType, bool, int, Decimal, date, datetime})


def _copy_text(value: object) -> str:
    r"""A bound value in COPY's text format: \N for NULL, backslash escapes for the separators."""
    if value is None:
        return "\\N"
    text = value if isinstance(value, str) else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


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


@functools.cache
def _json_each() -> bool:
    """Whether this SQLite has the JSON functions (built in since 3.38, a compile option before)."""
    import sqlite3

    try:
        sqlite3.connect(":memory:").execute("SELECT value FROM json_each('[1]')").fetchall()
    except sqlite3.OperationalError:
        return False
    return True


def _sqlite_variable_limit() -> int:
    import sqlite3

    return 32_766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999


def _wait_for_sqlite_writers(engine: Engine) -> None:
    """SQLite: wait for a concurrent writer instead of failing at once (BC may write at the same time)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.close()
