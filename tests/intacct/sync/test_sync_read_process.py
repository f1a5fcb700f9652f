"""A first sync whose bills are read and prepared in a reading process (over HTTP, the default) stores exactly what
the same sync reading in threads stores, rejects the same malformed bills and lines by name, and reports the
calls the gateway counted."""

from __future__ import annotations

import pytest
from sync_testkit import COMPANY, ENTITY, rows

from intacct.client import ClientSettings, Credentials, IntacctClient
from intacct.sync import EntityConfig, SyncEngine
from intacct.warehouse import Warehouse
from intacct_emulator import DEMO_CREDENTIALS, Emulator

pytestmark = pytest.mark.integration


@pytest.fixture
def served():
    emulator = Emulator.from_dataset("generated", vendors=30, bills=450, seed=11)
    bills = emulator.admin.find_records("DEMO", "APBILL")
    # Malformed values as Intacct may answer them: a bill's total, a bill without RECORDNO.
    emulator.admin.set_raw_values("DEMO", "APBILL", bills[10]["RECORDNO"], {"TRX_TOTALENTERED": "12,5"})
    emulator.admin.set_raw_values("DEMO", "APBILL", bills[300]["RECORDNO"], {"RECORDNO": None})
    server = emulator.serve_in_thread(host="127.0.0.1", port=0)
    yield emulator, server
    server.stop()


def engine(server, url: str, **settings) -> SyncEngine:
    credentials = Credentials(**{k: DEMO_CREDENTIALS[k] for k in ("company_id", "user_id", "user_password",
                                                                   "sender_id", "sender_password")},
                              entity_id=ENTITY, endpoint=server.url, allowed_hosts=("127.0.0.1",))
    client = IntacctClient(credentials, ClientSettings(page_size=100, split_read_min_pages=4, retry_max_seconds=0,
                                                       **settings))
    warehouse = Warehouse.from_url(url)
    warehouse.ensure_schema()
    return SyncEngine(client, warehouse, EntityConfig(entity_id=ENTITY, bc_company_id=COMPANY))


def stored(warehouse: Warehouse) -> dict:
    def plain(table, *drop):
        return sorted(tuple(sorted((k, str(v)) for k, v in r.items() if k not in drop)) for r in rows(warehouse, table))
    stamps = ("updated_at", "synced_at", "created_at")
    return {"bills": plain("bc_bills", *stamps), "lines": plain("bc_bill_lines", *stamps),
            # (a link's snapshot holds when BC last changed the row: a time of the run, like the stamps)
            "links": plain("intacct_links", *stamps, "snapshot", "snapshot_hash")
            + [tuple(sorted((k, v) for k, v in (r["snapshot"] or {}).items() if k != "bc_updated_at"))
               for r in rows(warehouse, "intacct_links")]}


def outcomes(warehouse: Warehouse, run_id: str) -> list[tuple]:
    return sorted((r["object"], r["direction"], r["action"], str(r["bc_key"]), str(r["intacct_key"]), r["reason"])
                  for r in rows(warehouse, "intacct_record_outcomes", run_id=run_id))


def test_a_first_sync_read_in_a_process_stores_and_rejects_what_a_read_in_threads_does(served, tmp_path):
    emulator, server = served
    spoiled = emulator.admin.find_records("DEMO", "APBILL")[10]["RECORDNO"]
    results = {}
    for name, settings in (("process", {}), ("threads", {"read_process": False})):
        sync = engine(server, f"sqlite:///{tmp_path / name}.db", **settings)
        calls_before = emulator.admin.stats()["calls"].get("DEMO", {})
        summary = sync.run("scheduled")
        calls_after = emulator.admin.stats()["calls"].get("DEMO", {})
        made = sum(calls_after.values()) - sum(calls_before.values())
        sign_ins = calls_after.get("getAPISession", 0) - calls_before.get("getAPISession", 0)
        assert sign_ins == 1, f"{name}: one sign-in for the whole run, the reading process's read included"
        reported = sync.run_log.get(summary.run_id)["api_calls"]
        results[name] = (stored(sync.warehouse), outcomes(sync.warehouse, summary.run_id), made, reported,
                         summary.status)
        sync.client.close()
        sync.warehouse.dispose()
    process, threads = results["process"], results["threads"]
    assert process[0] == threads[0], "the same bills, lines and links"
    assert process[1] == threads[1], "the same outcomes, rejections by name included"
    assert process[2] == process[3] and threads[2] == threads[3], "the calls reported are the calls made"
    # (a split read's partial pages depend on when its halves learn the middle: up to three calls either way)
    assert abs(process[2] - threads[2]) <= 3
    assert process[4] == threads[4] == "partial"
    rejected = [o for o in process[1] if o[0] == "bills" and o[2] == "rejected"]
    assert any("malformed money value in field APBILL.TRX_TOTALENTERED" in o[5] and o[4] == str(spoiled)
               for o in rejected), rejected
    assert any("BILL-301 without a RECORDNO" in o[5] for o in rejected), rejected
    assert len(process[0]["bills"]) > 200, "the entity's bills (about half of the company's) are in BC"
