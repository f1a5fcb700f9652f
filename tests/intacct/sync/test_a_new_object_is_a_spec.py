"""A new object needs its fields in the catalogue and a spec, not new machinery.

Intacct's entities (LOCATIONENTITY) into a BC table of their own, one way, with nothing but a spec: the
common machinery reads the pages, imports, updates, undoes BC edits and finds deletes by the complete read.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import BigInteger, Column, DateTime, MetaData, PrimaryKeyConstraint, Table, Text, select
from sync_testkit import COMPANY, outcomes

from intacct.sync import RunOptions, faults, mapping
from intacct.sync.base import RunContext
from intacct.sync.one_way import OneWaySync
from intacct.sync.spec import GoneRule, SyncSpec

pytestmark = pytest.mark.integration

ENTITIES = SyncSpec(
    name="entities", noun="entity", intacct_object="LOCATIONENTITY", intacct_key="LOCATIONID",
    bc_table="bc_entities", bc_key="entity_id", bc_link="entity_id", record_key="entity_id",
    required=("entity_id", "name", "intacct_record_no"), gone=GoneRule("status", "inactive", "no longer exists in Intacct"),
    touched="synced_at", directions=("to_bc",), record_no_column="intacct_record_no")


class EntitySync(OneWaySync):
    spec = ENTITIES


@pytest.fixture
def entities_table(warehouse):
    mapping.define_object("LOCATIONENTITY", (
        mapping.field_map("entity_id", "LOCATIONID"), mapping.field_map("name", "NAME"),
        mapping.field_map("currency", "CURRENCY"), mapping.field_map("status", "STATUS", "status"),
        mapping.field_map("intacct_record_no", "RECORDNO", "int", synced=False, writable=False),
        mapping.field_map("intacct_modified_at", "WHENMODIFIED", "timestamp", synced=False, writable=False)))
    table = Table("bc_entities", MetaData(), Column("company_id", Text, nullable=False),
                  Column("entity_id", Text, nullable=False), Column("name", Text, nullable=False),
                  Column("currency", Text), Column("status", Text, nullable=False),
                  Column("intacct_record_no", BigInteger), Column("intacct_modified_at", DateTime(timezone=True)),
                  Column("synced_at", DateTime(timezone=True), nullable=False),
                  PrimaryKeyConstraint("company_id", "entity_id"))
    table.create(warehouse.engine)
    warehouse.tables["bc_entities"] = table
    yield table
    mapping.forget_object("LOCATIONENTITY")


class EditedIntacct:
    """Intacct as a person left it: entities are read-only through the API, so the edits are made in what it reads."""

    def __init__(self, inner, renamed: dict[str, str], deleted: set[str]):
        self._inner, self._renamed, self._deleted = inner, renamed, deleted

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def iter_pages(self, object_name, *args, **kwargs):
        for page in self._inner.iter_pages(object_name, *args, **kwargs):
            records = [{**r, "NAME": self._renamed.get(r["LOCATIONID"], r["NAME"])} for r in page.records
                       if r["LOCATIONID"] not in self._deleted]
            yield replace(page, records=records)


def sync(engine, client, warehouse, **options) -> str:
    run_id = engine.start_run("sync_now")
    context = RunContext(run_id, client, warehouse, engine.config, RunOptions(**options), engine.state,
                         engine.run_log, faults.no_faults)
    EntitySync(context).run()
    return run_id


def held(warehouse, table) -> dict[str, dict]:
    with warehouse.engine.connect() as connection:
        return {r["entity_id"]: dict(r) for r in connection.execute(select(table)).mappings()}


def test_a_one_way_object_is_synced_from_its_spec_alone(warehouse, make_engine, client, emulator, entities_table):
    engine = make_engine(warehouse)
    run_id = sync(engine, client, warehouse)
    rows = held(warehouse, entities_table)
    assert {k: (r["name"], r["currency"], r["status"], r["company_id"]) for k, r in rows.items()} == {
        "US01": ("United States", "USD", "active", COMPANY), "CA01": ("Canada", "CAD", "active", COMPANY)}
    assert {o["action"] for o in outcomes(warehouse, run_id)} == {"created"}

    renamed, deleted = {}, set()
    client = EditedIntacct(client, renamed, deleted)
    renamed["CA01"] = "Canada Inc."
    with warehouse.engine.begin() as connection:  # BC does not own entities: its edit is undone
        connection.execute(entities_table.update().where(entities_table.c.entity_id == "US01").values(name="USA"))
    run_id = sync(engine, client, warehouse)
    rows = held(warehouse, entities_table)
    assert (rows["CA01"]["name"], rows["US01"]["name"]) == ("Canada Inc.", "United States")
    logged = {o["bc_key"]: (o["action"], o["reason"]) for o in outcomes(warehouse, run_id)}
    assert logged["CA01"] == ("updated", "changed in Intacct")
    assert logged["US01"][0] == "updated"  # Intacct's values back (re-read in the look-back, or the BC edit undone)

    deleted.add("CA01")
    run_id = sync(engine, client, warehouse, full_refresh=True)  # a complete read: it is the key list
    assert held(warehouse, entities_table)["CA01"]["status"] == "inactive"
    [gone] = outcomes(warehouse, run_id, bc_key="CA01")
    assert (gone["action"], gone["reason"]) == ("deactivated", "entity no longer exists in Intacct")
    assert outcomes(warehouse, sync(engine, client, warehouse)) == []  # settled: the next run writes nothing
