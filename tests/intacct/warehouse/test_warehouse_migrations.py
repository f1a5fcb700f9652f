"""Migration files and their placeholders (unit: no database)."""

from __future__ import annotations

import pytest

from intacct.warehouse.schema import Migration, discover_migrations

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_every_placeholder_is_replaced(dialect):
    for migration in discover_migrations():
        for statement in migration.statements(dialect):
            assert "{{" not in statement and "--" not in statement


def test_money_is_numeric_on_postgresql_and_text_affinity_on_sqlite():
    bc = discover_migrations()[0]
    assert any("total_amount        NUMERIC(18,2)" in s for s in bc.statements("postgresql"))
    assert any("total_amount        MONEY_TEXT" in s for s in bc.statements("sqlite"))


def test_unknown_placeholders_and_databases_name_the_fix(tmp_path):
    path = tmp_path / "0009_bad.sql"
    path.write_text("CREATE TABLE t (x {{decimal}});")
    with pytest.raises(ValueError, match=r"unknown placeholder \{\{decimal\}\}"):
        Migration("0009", "bad", path).statements("sqlite")
    with pytest.raises(ValueError, match="SQLite or PostgreSQL"):
        Migration("0009", "bad", path).statements("oracle")


def test_badly_named_files_are_refused(tmp_path):
    (tmp_path / "add tables.sql").write_text("")
    with pytest.raises(ValueError, match="NNNN_lowercase_name.sql"):
        discover_migrations(tmp_path)
