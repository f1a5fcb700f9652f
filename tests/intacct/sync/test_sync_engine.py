"""The engine's public surface: runs step by step, dry run, the run log, API-call accounting."""

from __future__ import annotations

import pytest
from sync_testkit import (
    COMPANY,
    ENTITY,
    bc_update,
    linked_vendor,
    new_bc_bill,
    new_bc_vendor,
    one,
    outcomes,
    rows,
)

from intacct.sync import EntityConfig, InjectedFault, RunOptions, SyncEngine

pytestmark = pytest.mark.integration
BC_TABLES = ("bc_accounts", "bc_vendors", "bc_bills", "bc_bill_lines")


def written(emulator) -> int:
    return sum(emulator.admin.stats()["records_written"].values())


def test_a_run_step_by_step_as_the_airflow_tasks_do(any_warehouse, make_engine):
    engine = make_engine(any_warehouse)
    run_id = engine.start_run(trigger="sync_now", options=RunOptions(), run_key="manual__2026-11-26")
    assert run_id == make_engine(any_warehouse).start_run("sync_now", RunOptions(), run_key="manual__2026-11-26")
    accounts = engine.sync_accounts(run_id)
    vendors = make_engine(any_warehouse).sync_vendors(run_id)  # another process continues the same run
    bills = engine.sync_bills(run_id)
    summary = engine.finish_run(run_id)
    assert accounts.counts["to_bc"]["created"] > 0 and vendors.counts["to_bc"]["created"] > 0
    assert bills.counts["to_bc"]["created"] > 0 and bills.api_calls >= 2
    run = one(any_warehouse, "intacct_runs", run_id=run_id)
    assert run["status"] == "succeeded" and run["triggered_by"] == "sync_now" and run["finished_at"]
    assert set(run["counts"]) == {"accounts", "vendors", "bills"}
    assert run["counts"]["bills"]["to_bc"]["created"] == bills.counts["to_bc"]["created"]
    assert run["api_calls"] == summary.api_calls >= accounts.api_calls + bills.api_calls
    table = summary.as_table()
    assert "succeeded" in table and "bills" in table and str(bills.counts["to_bc"]["created"]) in table


def test_dry_run_returns_the_plan_and_writes_nothing(any_warehouse, make_engine, emulator):
    make_engine(any_warehouse).run("scheduled")
    vendor, record = linked_vendor(any_warehouse, emulator)
    new_bc_vendor(any_warehouse, "bc-dry", "Dry Run Goods")
    new_bc_bill(any_warehouse, "B-dry", vendor["vendor_id"], [("6500", "9.99")])
    emulator.admin.ui_update("DEMO", "VENDOR", record["RECORDNO"], {"DISPLAYCONTACT.PHONE1": "+1 555 999 0000"})

    def snapshot():
        return {name: sorted(map(str, rows(any_warehouse, name))) for name in BC_TABLES + (
            "intacct_links", "intacct_watermarks", "intacct_record_outcomes", "intacct_rejections",
            "intacct_pending_writes")}

    before, writes_before = snapshot(), written(emulator)
    engine = make_engine(any_warehouse)
    run_id = engine.start_run("sync_now", RunOptions(dry_run=True))
    vendors = engine.sync_vendors(run_id)
    bills = engine.sync_bills(run_id)
    summary = engine.finish_run(run_id)
    assert snapshot() == before and written(emulator) == writes_before
    assert summary.status == "dry_run"
    planned = {(c.direction, c.action, c.bc_key) for c in vendors.plan.changes}
    assert ("to_intacct", "create", "bc-dry") in planned
    assert ("to_bc", "update", vendor["vendor_id"]) in planned
    assert ("to_intacct", "create", "B-dry") in {(c.direction, c.action, c.bc_key) for c in bills.plan.changes}
    assert vendors.counts["to_intacct"]["created"] == 1 and vendors.dry_run
    assert "bc-dry" in vendors.plan.as_text()
    # the whole plan is in the run log too, read back chunk by chunk in the order planned
    logged = list(engine.run_log.planned_changes(run_id, "vendors", chunk_size=2))
    assert logged and all(len(chunk) <= 2 for chunk in logged)
    assert [(r["direction"], r["action"], r["bc_key"]) for chunk in logged for r in chunk] == [
        (c.direction, c.action, c.bc_key) for c in vendors.plan.changes]
    # the real run then does what was planned
    make_engine(any_warehouse).run("scheduled")
    assert one(any_warehouse, "bc_vendors", vendor_id=vendor["vendor_id"])["phone"] == "+1 555 999 0000"
    assert one(any_warehouse, "bc_bills", bill_id="B-dry")["intacct_record_no"] is not None


def test_the_run_log_explains_each_outcome(warehouse, make_engine, emulator):
    make_engine(warehouse).run("scheduled")
    vendor, record = linked_vendor(warehouse, emulator)
    new_bc_vendor(warehouse, "bc-log", "Log Reader Ltd", tax_id="12-3456789")
    new_bc_vendor(warehouse, "bc-bad", "")
    new_bc_bill(warehouse, "B-log", vendor["vendor_id"], [("6500", "1.00")])
    emulator.admin.ui_update("DEMO", "VENDOR", record["RECORDNO"], {"DISPLAYCONTACT.EMAIL1": "log@example.com"})
    summary = make_engine(warehouse).run("sync_now")
    logged = outcomes(warehouse, summary.run_id)
    by_key = {(o["object"], o["bc_key"]): o for o in logged}
    assert by_key[("vendors", "bc-log")]["action"] == "created"
    assert by_key[("vendors", "bc-bad")]["action"] == "rejected" and "name" in by_key[("vendors", "bc-bad")]["reason"]
    assert by_key[("vendors", vendor["vendor_id"])]["reason"] == "changed in Intacct: email"
    assert by_key[("bills", "B-log")]["action"] == "created" and by_key[("bills", "B-log")]["intacct_key"]
    assert all(o["reason"] for o in logged)
    assert "12-3456789" not in str(logged) and "12-3456789" not in str(rows(warehouse, "intacct_links"))
    assert summary.status == "partial" and "rejected" in summary.message


def test_an_incremental_run_over_an_unchanged_warehouse_reads_only_what_changed(warehouse, make_engine, client):
    engine = make_engine(warehouse)
    engine.run("scheduled")
    engine.run("scheduled")  # settles anything the first run wrote
    before = client.usage.calls_by_function
    summary = engine.run("scheduled")
    after = client.usage.calls_by_function
    calls = {name: after.get(name, 0) - before.get(name, 0) for name in after}
    # one (empty or look-back) page per object plus the audit-trail read: no lookups, no lines, no writes
    assert summary.api_calls == sum(calls.values()) <= 5, calls
    assert calls.get("create", 0) == calls.get("update", 0) == 0
    assert all(n == 0 for d in summary.counts.values() for c in d.values() for n in c.values())


def test_bad_configuration_is_refused_with_the_fix(warehouse, client):
    with pytest.raises(ValueError, match="conflict_policy"):
        EntityConfig(entity_id=ENTITY, bc_company_id=COMPANY, conflict_policy="whoever")
    with pytest.raises(ValueError, match="bc_company_id"):
        EntityConfig(entity_id=ENTITY, bc_company_id="")
    with pytest.raises(ValueError, match="unknown objects"):
        RunOptions(objects=("invoices",))
    engine = SyncEngine(client, warehouse, EntityConfig(entity_id=ENTITY, bc_company_id=COMPANY))
    with pytest.raises(ValueError, match="trigger"):
        engine.start_run(trigger="hourly")
    with pytest.raises(KeyError, match="start_run"):
        engine.sync_vendors("run-unknown")


def test_a_failed_object_marks_the_run_failed_until_its_retry_succeeds(warehouse, make_engine):
    def crash(point, context):
        if context["object"] == "vendors":
            raise InjectedFault("database went away")

    run_id = make_engine(warehouse).start_run("scheduled", run_key="scheduled__2026-11-26")
    make_engine(warehouse).sync_accounts(run_id)
    with pytest.raises(InjectedFault):
        make_engine(warehouse, fault_hook=crash).sync_vendors(run_id)
    failed = make_engine(warehouse).finish_run(run_id)
    assert failed.status == "failed" and "vendors: InjectedFault: database went away" in failed.message
    make_engine(warehouse).sync_vendors(run_id)  # the Airflow task is retried
    make_engine(warehouse).sync_bills(run_id)
    assert make_engine(warehouse).finish_run(run_id).status == "succeeded"


def test_objects_not_chosen_for_a_run_are_skipped(warehouse, make_engine, client):
    engine = make_engine(warehouse)
    run_id = engine.start_run("sync_now", RunOptions(objects=("accounts",)))
    report = engine.sync_bills(run_id)
    assert report.api_calls == 0 and rows(warehouse, "bc_bills") == []
    assert engine.sync_accounts(run_id).counts["to_bc"]["created"] > 0


def test_a_dry_run_on_a_never_synced_warehouse_plans_the_first_import(warehouse, make_engine, emulator):
    engine = make_engine(warehouse)
    run_id = engine.start_run("sync_now", RunOptions(dry_run=True))
    reports = [engine.sync_accounts(run_id), engine.sync_vendors(run_id), engine.sync_bills(run_id)]
    engine.finish_run(run_id)
    assert all(r.counts["to_bc"]["created"] > 0 for r in reports)
    assert rows(warehouse, "bc_accounts") == rows(warehouse, "bc_vendors") == rows(warehouse, "bc_bills") == []
    assert rows(warehouse, "intacct_watermarks") == []


def test_write_batch_size_has_one_default_and_one_rule_the_clients(warehouse, client_with):
    from intacct.client import ClientSettings
    from intacct.client.errors import ConfigurationError

    client = client_with()
    engine = SyncEngine(client, warehouse, EntityConfig(entity_id=ENTITY, bc_company_id=COMPANY))
    assert engine.config.write_batch_size == ClientSettings().write_batch_size == client.settings.write_batch_size
    client = client_with(write_batch_size=250)
    engine = SyncEngine(client, warehouse, EntityConfig(entity_id=ENTITY, bc_company_id=COMPANY))
    assert engine.config.write_batch_size == 250  # the client's value, not a second default
    explicit = SyncEngine(client, warehouse, EntityConfig(entity_id=ENTITY, bc_company_id=COMPANY,
                                                          write_batch_size=7))
    assert explicit.config.write_batch_size == 7
    for bad in (0, -1, "100", True):
        with pytest.raises(ConfigurationError, match="write_batch_size must be a positive integer"):
            EntityConfig(entity_id=ENTITY, bc_company_id=COMPANY, write_batch_size=bad)
        with pytest.raises(ConfigurationError, match="write_batch_size must be a positive integer"):
            ClientSettings(write_batch_size=bad)


def test_the_clients_write_batch_size_sizes_the_engines_write_requests(warehouse, client_with):
    client = client_with(write_batch_size=250)
    engine = SyncEngine(client, warehouse, EntityConfig(entity_id=ENTITY, bc_company_id=COMPANY))
    for i in range(150):
        new_bc_vendor(warehouse, f"BC-NEW-{i:03d}", f"New vendor {i:03d}")
    before_calls, before_requests = client.usage.calls_by_function, client.usage.requests
    engine.run(options=RunOptions(objects=("vendors",)))
    calls = {k: v - before_calls.get(k, 0) for k, v in client.usage.calls_by_function.items()}
    write_requests = (client.usage.requests - before_requests) - sum(
        n for name, n in calls.items() if name != "create")
    assert calls["create"] == 150 and write_requests == 1  # one request, not one per 100 (the old engine cap)


def test_a_dry_runs_plan_goes_to_the_run_log_in_chunks_as_it_is_produced(warehouse, make_engine, monkeypatch):
    from intacct.sync import plan as plan_module
    from intacct.sync.run_log import RunLog

    monkeypatch.setattr(plan_module, "PLAN_CHUNK", 7)
    monkeypatch.setattr(plan_module, "EXAMPLES_PER_ACTION", 2)
    written_chunks = []
    plan_writer = RunLog.plan_writer

    def counting_writer(self, run_id, object_name):
        write = plan_writer(self, run_id, object_name)
        return lambda rows: (written_chunks.append((object_name, len(rows))), write(rows))

    monkeypatch.setattr(RunLog, "plan_writer", counting_writer)
    for _ in range(2):  # the same run key twice (a retried task): its plan replaces the first one
        engine = make_engine(warehouse)
        run_id = engine.start_run("sync_now", RunOptions(dry_run=True), run_key="manual__dry")
        reports = {r.object: r for r in (engine.sync_accounts(run_id), engine.sync_vendors(run_id),
                                         engine.sync_bills(run_id))}
        engine.finish_run(run_id)
    bills = reports["bills"]
    planned = sum(n for direction in bills.counts.values() for n in direction.values())
    assert planned > 14 and len(bills.plan) == planned
    assert [n for name, n in written_chunks if name == "bills"].count(7) >= 2 * (planned // 7)
    assert len(bills.plan.of("create", "to_bc")) == 2 and not bills.plan.complete
    assert f"and {bills.counts['to_bc']['created'] - 2} more to_bc create change(s)" in bills.plan.as_text()
    chunks = list(engine.run_log.planned_changes(run_id, "bills", chunk_size=5))
    assert all(len(chunk) <= 5 for chunk in chunks) and sum(map(len, chunks)) == planned
    keys = [row["bc_key"] for chunk in chunks for row in chunk if row["action"] == "create"]
    assert len(keys) == len(set(keys)) == bills.counts["to_bc"]["created"]
    assert all(row["reason"] for chunk in chunks for row in chunk)
    everything = [row for chunk in engine.run_log.planned_changes(run_id) for row in chunk]
    assert len(everything) == sum(len(r.plan) for r in reports.values())
    assert rows(warehouse, "bc_bills") == rows(warehouse, "intacct_record_outcomes") == []


def test_a_tax_id_never_reaches_the_run_log_the_plan_or_a_report(warehouse, make_engine, emulator):
    from intacct.operators.report import review_text

    make_engine(warehouse).run("scheduled")
    vendor, record = linked_vendor(warehouse, emulator)
    secrets = ("12-3456789", "98-7654321", "55-1234567")
    bc_update(warehouse, "bc_vendors", {"vendor_id": vendor["vendor_id"]}, tax_id=secrets[0])
    emulator.admin.ui_update("DEMO", "VENDOR", record["RECORDNO"], {"TAXID": secrets[1]})
    new_bc_vendor(warehouse, "bc-secret", "Secretive Supplies", tax_id=secrets[2])
    new_bc_vendor(warehouse, "bc-secret-bad", "", tax_id=secrets[2])  # rejected: no name
    engine = make_engine(warehouse)
    dry_id = engine.start_run("sync_now", RunOptions(dry_run=True, objects=("vendors",)))
    dry = engine.sync_vendors(dry_id)
    engine.finish_run(dry_id)
    assert dry.counts["to_bc"]["conflicts"] == 1 and dry.counts["to_intacct"]["rejected"] == 1
    (conflict,) = dry.plan.of("conflict")
    assert "tax_id" in conflict.details["fields"] and conflict.details["fields"]["tax_id"]["winner"] == "intacct"
    summary = make_engine(warehouse).run("sync_now", RunOptions(objects=("vendors",)))
    assert one(warehouse, "bc_vendors", vendor_id=vendor["vendor_id"])["tax_id"] == secrets[1]
    logged = outcomes(warehouse, summary.run_id)
    assert any("tax_id" in str(o["details"]) for o in logged)  # the conflict is logged, its values are not
    shown = [dry.plan.as_text(), repr(dry.plan), repr(dry.plan.changes), str(logged),
             str(list(engine.run_log.planned_changes(dry_id))), review_text(engine.run_log, summary.run_id),
             summary.as_table(), *(str(rows(warehouse, name)) for name in (
                 "intacct_runs", "intacct_record_outcomes", "intacct_planned_changes", "intacct_links",
                 "intacct_rejections", "intacct_pending_writes"))]
    for secret in secrets:
        assert not any(secret in text for text in shown), secret


def _reading_threads() -> list:
    import threading

    return [t for t in threading.enumerate() if t.name.startswith("intacct-") and t.is_alive()]


def test_a_first_sync_reads_its_bills_beside_accounts_and_vendors_and_counts_each_call_where_it_belongs(
        warehouse, make_engine, client, emulator):
    requests: list[str] = []
    send = client._transport.send  # the gateway transport: every request of the client, in order

    def logged(body, endpoint, *, label, **options):
        requests.append(label)
        return send(body, endpoint, label=label, **options)

    client._transport.send = logged
    engine = make_engine(warehouse)
    run_id = engine.start_run("scheduled")
    bills = engine._new_sync(run_id, "bills")
    vendors = engine._new_sync(run_id, "vendors")
    assert not vendors.read_early()  # its pre-read step creates vendors in Intacct: it reads after that step
    bills.close_early()
    engine.finish_run(run_id)
    before = emulator.admin.stats()
    summary = engine.run("scheduled")
    # The bills' first queries went out before the vendors' read: the slots were not idle meanwhile.
    assert requests.index("query APBILL") < requests.index("query VENDOR"), requests
    reports = engine._runs[summary.run_id]["reports"]
    queries = {name: requests.count(f"query {name}") for name in ("GLACCOUNT", "VENDOR", "APBILL", "APBILLITEM")}
    signed_in = requests.count("getAPISession")
    assert reports["accounts"].api_calls - queries["GLACCOUNT"] in (0, signed_in)
    assert reports["vendors"].api_calls - queries["VENDOR"] in (0, signed_in)
    assert reports["bills"].api_calls - queries["APBILL"] - queries["APBILLITEM"] in (0, signed_in)
    assert summary.api_calls == sum(r.api_calls for r in reports.values()) == len(requests)
    assert summary.api_calls == sum(emulator.admin.stats()["calls"]["DEMO"].values()) - sum(
        before["calls"].get("DEMO", {}).values())
    assert not _reading_threads()
    # An incremental run reads each object in its turn: nothing to start early.
    again = engine.start_run("scheduled")
    assert not engine._new_sync(again, "bills").read_early()
    engine.finish_run(again)


def test_a_run_that_fails_before_its_bills_stops_their_early_read_and_counts_what_it_made(
        warehouse, make_engine, client):
    def crash(point, context):
        if context["object"] == "vendors":
            raise InjectedFault("database went away")

    engine = make_engine(warehouse, fault_hook=crash)
    with pytest.raises(InjectedFault):
        engine.run("scheduled")
    assert not _reading_threads()
    run = one(warehouse, "intacct_runs")
    assert run["status"] == "failed"
    # The bills never ran, but their early read made calls: the run log counts them under bills.
    assert run["api_calls"] == client.usage.total_calls
    if "bills" in run["failures"]:
        assert run["failures"]["bills"].startswith("not reached")


def test_a_client_that_reads_nothing_ahead_reads_nothing_early(warehouse, make_engine, client_with):
    engine = make_engine(warehouse, bound_client=client_with(read_ahead_pages=0))
    run_id = engine.start_run("scheduled")
    assert not engine._new_sync(run_id, "bills").read_early()
    engine.finish_run(run_id)
    assert engine.run("scheduled").status == "succeeded"


def test_objects_sync_with_the_collector_set_for_bulk_work_and_the_process_gets_its_settings_back(
        warehouse, make_engine, monkeypatch):
    import gc

    from intacct.garbage_collection import BULK_YOUNG
    from intacct.sync.base import ObjectSync

    seen = []
    sync_run = ObjectSync.run

    def spied(self):
        seen.append((self.object_name, gc.get_threshold()[0], gc.get_freeze_count() > 0))
        return sync_run(self)

    monkeypatch.setattr(ObjectSync, "run", spied)
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    engine = make_engine(warehouse)
    engine.run("scheduled")
    run_id = engine.start_run("sync_now")
    engine.sync_vendors(run_id)  # one object, as an Airflow task syncs it
    engine.finish_run(run_id)
    assert [name for name, *_ in seen] == ["accounts", "vendors", "bills", "vendors"]
    assert all(young == max(BULK_YOUNG, threshold[0]) and (froze or frozen) for _, young, froze in seen)
    assert gc.get_threshold() == threshold and gc.get_freeze_count() == frozen
