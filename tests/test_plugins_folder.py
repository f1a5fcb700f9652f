"""Deploying the repository's plugins/ folder as Airflow's plugins folder is safe.

Airflow imports every .py file under the plugins folder as a top-level module; without
plugins/.airflowignore a module like intacct/warehouse/types.py would replace Python's own ``types``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys
from airflow import plugins_manager
plugins_manager.ensure_plugins_loaded()
import intacct.hooks.intacct
top_level = {name: getattr(module, "__file__", None) or ""
             for name, module in list(sys.modules.items()) if "." not in name}
print(json.dumps({"types": sys.modules["types"].__file__, "modules": top_level}))
"""


def test_plugin_loader_skips_the_package_and_the_package_still_imports(tmp_path):
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path), "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins")}
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert "plugins" not in loaded["types"], "a plugins-folder module replaced Python's own types module"
    package_dir = str(REPO_ROOT / "plugins" / "intacct")
    loose = sorted(name for name, path in loaded["modules"].items()
                   if name != "intacct" and path.startswith(package_dir))
    assert not loose, f"the plugin loader imported package files as top-level modules: {loose}"
