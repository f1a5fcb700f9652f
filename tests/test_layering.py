"""The core packages stay plain Python: they never import Airflow (see DEVELOPERS.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

PLUGINS = Path(__file__).resolve().parent.parent / "plugins" / "intacct"
CORE_PACKAGES = ("client", "sync", "warehouse")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", CORE_PACKAGES)
def test_core_package_does_not_import_airflow(package):
    offenders = {
        str(path.relative_to(PLUGINS)): sorted(m for m in _imported_modules(path) if m.split(".")[0] == "airflow")
        for path in (PLUGINS / package).rglob("*.py")
    }
    offenders = {path: mods for path, mods in offenders.items() if mods}
    assert not offenders, f"core modules importing Airflow: {offenders}"


def test_core_packages_exist():
    for package in CORE_PACKAGES:
        assert (PLUGINS / package / "__init__.py").is_file(), f"plugins/intacct/{package} is not a package"
