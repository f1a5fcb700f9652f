"""The distribution as a user installs it: every import declared, the locks split, and a wheel that
creates the warehouse without the repository beside it."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "plugins" / "intacct"


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_dependencies() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return {_normalize(re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0])
            for requirement in project["dependencies"]}


def imported_top_level_modules(root: Path) -> dict[str, str]:
    """Every absolute import under ``root`` (also inside functions): module → the first file using it."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(REPO)))
    return found


@pytest.mark.unit
def test_every_third_party_import_of_the_package_is_a_declared_dependency():
    distributions = importlib.metadata.packages_distributions()
    declared = declared_dependencies()
    # A declared meta-distribution (apache-airflow: no module of its own) stands for what it requires.
    providing = {_normalize(d) for ds in distributions.values() for d in ds}
    for meta in declared - providing:
        for requirement in importlib.metadata.requires(meta) or []:
            if "extra ==" not in requirement:
                declared = declared | {_normalize(re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0])}
    undeclared = []
    for module, where in imported_top_level_modules(PACKAGE).items():
        if module in sys.stdlib_module_names or module in {"intacct", "__future__"}:
            continue
        candidates = {_normalize(d) for d in distributions.get(module, [])}
        assert candidates, f"{where} imports {module}, which no installed distribution provides"
        if not candidates & declared:
            undeclared.append(f"{module} ({where}; from {', '.join(sorted(candidates))})")
    assert not undeclared, "imported but not in pyproject dependencies: " + "; ".join(undeclared)


@pytest.mark.unit
def test_the_postgresql_driver_the_warehouse_urls_name_is_declared():
    uses_psycopg2 = any("postgresql+psycopg2" in p.read_text() for p in PACKAGE.rglob("*.py"))
    assert uses_psycopg2
    assert {"psycopg2", "psycopg2-binary"} & declared_dependencies()


@pytest.mark.unit
def test_runtime_lock_has_no_test_tools_and_the_dev_lock_builds_on_it():
    runtime = (REPO / "requirements.txt").read_text().splitlines()
    runtime_names = {_normalize(line.split("==")[0]) for line in runtime if "==" in line}
    assert {"apache-airflow", "apache-airflow-providers-celery", "psycopg2-binary"} <= runtime_names
    assert not runtime_names & {"pytest", "pytest-timeout", "ruff", "sageintacctsdk"}
    dev = (REPO / "requirements-dev.txt").read_text().splitlines()
    assert "-r requirements.txt" in dev
    dev_names = {_normalize(line.split("==")[0]) for line in dev if "==" in line}
    assert {"pytest", "ruff", "sageintacctsdk"} <= dev_names
    assert not dev_names & runtime_names, "a package is pinned in both locks"
    # Every declared dependency is pinned in the runtime lock (the image installs only that lock).
    assert declared_dependencies() <= runtime_names


@pytest.mark.unit
def test_the_docker_image_installs_only_the_runtime_lock():
    installs = [line for line in (REPO / "Dockerfile").read_text().splitlines()
                if line.startswith(("RUN", "COPY")) and "requirements" in line]
    assert installs and all("requirements.txt" in line and "requirements-dev" not in line for line in installs)


@pytest.mark.unit
def test_ci_runs_lint_and_the_tests():
    ci = (REPO / ".ci" / "run").read_text()
    assert "make lint" in ci and "make test" in ci


@pytest.mark.integration
def test_a_wheel_installed_in_a_fresh_environment_creates_the_warehouse(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(REPO)],
                   check=True, capture_output=True, text=True, timeout=300)
    (wheel,) = dist.glob("intacct_sync-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    ddl = sorted(n for n in names if n.startswith("intacct/warehouse/sql/") and n.endswith(".sql"))
    shipped = sorted(p.name for p in (PACKAGE / "warehouse" / "sql").glob("*.sql"))
    assert [Path(n).name for n in ddl] == shipped and shipped

    # A fresh environment with only the wheel; its dependencies come from this environment's
    # site-packages, added behind the new environment's own (so the editable checkout is not used).
    target = tmp_path / "fresh"
    venv.EnvBuilder(with_pip=True).create(target)
    python = target / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)],
                   check=True, capture_output=True, text=True, timeout=300, env=env)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True, env=env).stdout.strip()
    ours = {p for p in sys.path if p.endswith("site-packages")}
    Path(site, "project-dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")

    script = (
        "import intacct, sqlalchemy as sa\n"
        "from intacct.warehouse import Warehouse\n"
        "w = Warehouse.from_url('sqlite:///bc.db'); w.ensure_schema()\n"
        "print(intacct.__file__)\n"
        "print(sorted(sa.inspect(w.engine).get_table_names()))\n"
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    result = subprocess.run([str(python), "-c", script], cwd=work, capture_output=True, text=True,
                            timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    location, tables = result.stdout.strip().splitlines()[-2:]
    assert location.startswith(str(target)), f"imported intacct from {location}, not the wheel"
    assert {"bc_vendors", "bc_bills", "intacct_runs", "intacct_schema_migrations"} <= set(ast.literal_eval(tables))
