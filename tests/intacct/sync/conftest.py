"""Fixtures for the engine tests: the demo emulator, a client bound to it, and a warehouse per database.

Every engine test runs on SQLite; the ones using ``any_warehouse`` run on PostgreSQL too (marked
``postgres``, with a database created and dropped per test).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sync_testkit import COMPANY, ENTITY

from intacct.client import ClientSettings, Credentials, IntacctClient
from intacct.sync import EntityConfig, SyncEngine
from intacct.warehouse import Warehouse
from intacct_emulator import Emulator


@pytest.fixture
def emulator() -> Emulator:
    return Emulator.from_dataset("demo", seed=0)


def make_client(emulator: Emulator, **settings) -> IntacctClient:
    credentials = Credentials(company_id="DEMO", user_id="Paymentus-Web", user_password="demo-user-pw",
                              sender_id="Paymentus", sender_password="demo-sender-pw", entity_id=ENTITY,
                              endpoint="http://emulator.local/ia/xml/xmlgw.phtml", allowed_hosts=("emulator.local",))
    chosen = ClientSettings(**{"timezone": "America/Los_Angeles", "retry_max_seconds": 0, **settings})
    return IntacctClient(credentials, chosen, transport=emulator.transport())


@pytest.fixture
def client_with(emulator) -> Callable[..., IntacctClient]:
    """A client of the emulator with some settings changed: ``client_with(write_batch_size=250)``."""
    return lambda **settings: make_client(emulator, **settings)


@pytest.fixture
def client(emulator):
    with make_client(emulator) as bound:
        yield bound


def _warehouse(url: str) -> Warehouse:
    warehouse = Warehouse.from_url(url)
    warehouse.ensure_schema()
    return warehouse


@pytest.fixture
def warehouse(sqlite_url):
    warehouse = _warehouse(sqlite_url)
    yield warehouse
    warehouse.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_warehouse(request):
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    warehouse = _warehouse(url)
    yield warehouse
    warehouse.dispose()


@pytest.fixture
def make_engine(client) -> Callable[..., SyncEngine]:
    def build(warehouse: Warehouse, *, policy: str = "intacct_wins", fault_hook=None, bound_client=None,
              **config) -> SyncEngine:
        return SyncEngine(bound_client or client, warehouse,
                          EntityConfig(entity_id=ENTITY, bc_company_id=COMPANY, conflict_policy=policy, **config),
                          fault_hook=fault_hook)
    return build
