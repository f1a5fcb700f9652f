"""Versioned DDL from the package's ``sql`` folder (``intacct/warehouse/sql``, shipped in the wheel): apply what is missing, in order, and record it.

Each ``NNNN_name.sql`` file is one migration. Applied versions are recorded in
``intacct_schema_migrations``; a later change to the schema is a new file, never an edit of an applied one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text

from intacct.warehouse.types import PLACEHOLDERS

MIGRATIONS_TABLE = "intacct_schema_migrations"
_FILE_PATTERN = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def default_sql_dir() -> Path:
    """The DDL beside this module: package data, so an installed wheel carries the same files."""
    return Path(__file__).resolve().parent / "sql"


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path

    def statements(self, dialect: str) -> list[str]:
        """The file's statements with placeholders replaced for ``dialect``."""
        if dialect not in PLACEHOLDERS:
            raise ValueError(f"unsupported database {dialect!r}: use SQLite or PostgreSQL")
        types = PLACEHOLDERS[dialect]

        def substitute(match: re.Match) -> str:
            name = match.group(1)
            if name not in types:
                raise ValueError(f"{self.path.name}: unknown placeholder {{{{{name}}}}}; known: {sorted(types)}")
            return types[name]

        body = "\n".join(line.split("--", 1)[0] for line in self.path.read_text().splitlines())
        body = _PLACEHOLDER.sub(substitute, body)
        return [statement.strip() for statement in body.split(";") if statement.strip()]


def discover_migrations(sql_dir: Path | None = None) -> list[Migration]:
    sql_dir = sql_dir or default_sql_dir()
    if not sql_dir.is_dir():
        raise FileNotFoundError(f"schema directory {sql_dir} not found; it ships inside the package as intacct/warehouse/sql; reinstall intacct-sync")
    migrations = []
    for path in sorted(sql_dir.glob("*.sql")):
        match = _FILE_PATTERN.match(path.name)
        if not match:
            raise ValueError(f"{path.name}: migration files are named NNNN_lowercase_name.sql")
        migrations.append(Migration(match.group(1), match.group(2), path))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise ValueError(f"duplicate migration versions in {sql_dir}: {versions}")
    return migrations


def applied_versions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        if not engine.dialect.has_table(connection, MIGRATIONS_TABLE):
            return set()
        return {row[0] for row in connection.execute(text(f"SELECT version FROM {MIGRATIONS_TABLE}"))}


def apply_migrations(engine: Engine, sql_dir: Path | None = None) -> list[str]:
    """Apply the migrations not yet recorded, each in its own transaction; returns the versions applied."""
    dialect = engine.dialect.name
    applied_now = []
    with engine.begin() as connection:
        connection.execute(text(
            f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (version TEXT PRIMARY KEY, name TEXT NOT NULL, "
            f"applied_at TEXT NOT NULL)"))
    done = applied_versions(engine)
    for migration in discover_migrations(sql_dir):
        if migration.version in done:
            continue
        with engine.begin() as connection:
            if dialect == "postgresql":
                # Two processes starting together must not both apply the same file.
                connection.execute(text("LOCK TABLE " + MIGRATIONS_TABLE + " IN EXCLUSIVE MODE"))
                if connection.execute(text(f"SELECT 1 FROM {MIGRATIONS_TABLE} WHERE version = :v"),
                                      {"v": migration.version}).first():
                    continue
            for statement in migration.statements(dialect):
                connection.exec_driver_sql(statement)
            connection.execute(
                text(f"INSERT INTO {MIGRATIONS_TABLE} (version, name, applied_at) VALUES (:v, :n, :t)"),
                {"v": migration.version, "n": migration.name, "t": datetime.now(UTC).isoformat()})
        applied_now.append(migration.version)
    return applied_now
