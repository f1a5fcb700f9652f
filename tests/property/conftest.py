"""Profiles of the property suite, chosen with INTACCT_PROPS_PROFILE (default ``fast``).

fast    the share of ``make test``: a few histories per test, about two minutes for the whole suite
stress  ``make stress``: INTACCT_PROPS_HISTORIES histories (default 1,000) spread over the SQLite tests,
        and a fifth of that (200) on PostgreSQL
explore the stress histories without shrinking: a failure is printed as found (with its seed and steps),
        not minimised first, which can take minutes per failure; for finding bugs quickly
replay  no generation: only the examples stored in the example database (.hypothesis/) are replayed
"""

from __future__ import annotations

import math
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
settings.register_profile("explore", max_examples=HISTORIES, **_COMMON,
                          phases=[Phase.explicit, Phase.reuse, Phase.generate])
settings.register_profile("replay", max_examples=1, phases=[Phase.explicit, Phase.reuse], **_COMMON)
PROFILE = os.environ.get("INTACCT_PROPS_PROFILE", "fast")
settings.load_profile(PROFILE)


# make stress runs the PostgreSQL histories as this many tests, so that parallel workers share them out.
STRESS = PROFILE in ("stress", "explore")
POSTGRES_SHARDS = 4 if STRESS else 1


def share(examples: int, tests: int) -> int:
    """Histories per test: the profile's total spread over the tests in stress (rounded up, so the total is
    at least the profile's), as set otherwise."""
    return max(1, math.ceil(examples / tests)) if STRESS else examples


def postgres_share(examples: int) -> int:
    """Histories per PostgreSQL shard: a fifth of the total, spread over the shards, in stress."""
    return share(math.ceil(examples / 5), POSTGRES_SHARDS)


class Warehouses:
    """One warehouse (engine, reflected tables, compiled statements) for all the histories of a test, every
    table the schema makes emptied before each history: a history starts from what a fresh warehouse holds,
    without paying for migrations, reflection and SQL compilation again."""

    def __init__(self, url: str):
        from intacct.warehouse import Warehouse

        self.url = url
        self.warehouse = Warehouse.from_url(url)
        self.warehouse.ensure_schema()

    def __call__(self):
        tables = self.warehouse.tables
        with self.warehouse.engine.begin() as connection:
            for table in tables.values():
                connection.execute(table.delete())
            if self.warehouse.dialect == "sqlite":  # serial ids restart as in a fresh file
                connection.exec_driver_sql("DELETE FROM sqlite_sequence")
        return self.warehouse

    def close(self) -> None:
        self.warehouse.dispose()


@pytest.fixture
def sqlite_warehouses(tmp_path):
    """SQLite warehouses of the histories, in memory-backed storage where the system has it (a commit's
    fsync is then free); still a file, so a SIGKILLed child process opens the same one."""
    shm = Path("/dev/shm")
    base = Path(tempfile.mkdtemp(prefix="intacct-props-", dir=shm)) if shm.is_dir() and os.access(shm, os.W_OK) \
        else tmp_path
    warehouses = Warehouses(f"sqlite:///{base / f'wh-{uuid.uuid4().hex[:8]}.db'}")
    yield warehouses
    warehouses.close()
    if base != tmp_path:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_warehouses(postgres_url):
    """One PostgreSQL database per test, emptied before each history."""
    warehouses = Warehouses(postgres_url)
    yield warehouses
    warehouses.close()
