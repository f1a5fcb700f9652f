"""Profiles of the property suite, chosen with INTACCT_PROPS_PROFILE (default ``fast``).

fast    the share of ``make test``: a few histories per test, about two minutes for the whole suite
stress  ``make stress``: INTACCT_PROPS_HISTORIES histories (default 1,000) spread over the SQLite tests,
        and a fifth of that (200) on PostgreSQL
replay  no generation: only the examples stored in the example database (.hypothesis/) are replayed
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

_COMMON = dict(deadline=None, print_blob=True, stateful_step_count=25,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                      HealthCheck.data_too_large])
HISTORIES = int(os.environ.get("INTACCT_PROPS_HISTORIES", "1000"))

settings.register_profile("fast", **{**_COMMON, "stateful_step_count": 15}, max_examples=4, derandomize=True,
                          database=None, phases=[Phase.explicit, Phase.generate])
settings.register_profile("stress", max_examples=HISTORIES, **_COMMON)  # divided per test
settings.register_profile("replay", max_examples=1, phases=[Phase.explicit, Phase.reuse], **_COMMON)
PROFILE = os.environ.get("INTACCT_PROPS_PROFILE", "fast")
settings.load_profile(PROFILE)


def share(examples: int, tests: int) -> int:
    """Histories per test: the profile's total spread over the tests in stress, as set otherwise."""
    return max(1, examples // tests) if PROFILE == "stress" else examples


def postgres_share(examples: int) -> int:
    return max(1, examples // 5) if PROFILE == "stress" else examples


@pytest.fixture
def sqlite_urls(tmp_path):
    """A fresh SQLite warehouse file per history, in memory-backed storage where the system has it: a
    commit's fsync is then free, and the files stay files (a SIGKILLed child process opens the same one)."""
    shm = Path("/dev/shm")
    base = Path(tempfile.mkdtemp(prefix="intacct-props-", dir=shm)) if shm.is_dir() and os.access(shm, os.W_OK) \
        else tmp_path
    yield lambda: f"sqlite:///{base / f'wh-{uuid.uuid4().hex[:8]}.db'}"
    if base != tmp_path:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_urls(postgres_url):
    """One PostgreSQL database per test, emptied before each history (faster than a database each)."""
    from intacct.warehouse import Warehouse

    def fresh():
        warehouse = Warehouse.from_url(postgres_url)
        warehouse.ensure_schema()
        with warehouse.engine.begin() as connection:
            for name, table in warehouse.tables.items():
                if name.startswith(("bc_", "intacct_")) and name != "intacct_schema_migrations":
                    connection.execute(table.delete())
        warehouse.dispose()
        return postgres_url
    return fresh
