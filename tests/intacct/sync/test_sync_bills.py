"""Bills with lines, both ways: create ready-to-pay bills, payment state back, locks, voids, bad rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

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

from intacct.sync import RunOptions
from intacct.sync.vendor_ids import derive_vendor_id

pytestmark = pytest.mark.integration
BILLS = RunOptions(objects=("bills",))


@pytest.fixture
def synced_engine(make_engine):
    """An engine over a warehouse that has been fully synced once."""
    def build(warehouse, **kwargs):
        engine = make_engine(warehouse, **kwargs)
        engine.run("scheduled")
        return engine
    return build


def intacct_lines(emulator, record_no) -> list[dict]:
    return sorted(emulator.admin.find_records("DEMO", "APBILLITEM", RECORDKEY=str(record_no)),
                  key=lambda r: int(r["LINE_NO"]))


def test_intacct_bills_arrive_with_lines_exact_amounts_and_status(any_warehouse, synced_engine, emulator):
    synced_engine(any_warehouse)
    intacct = {int(b["RECORDNO"]): b for b in emulator.admin.find_records("DEMO", "APBILL", MEGAENTITYID=ENTITY)}
    bc = {b["intacct_record_no"]: b for b in rows(any_warehouse, "bc_bills", company_id=COMPANY)}
    assert set(bc) == set(intacct)
    expected_status = {"Posted": "ready_to_pay", "Paid": "paid", "Partially Paid": "partially_paid", "Draft": "draft"}
    for record_no, bill in intacct.items():
        row = bc[record_no]
        assert row["status"] == expected_status[bill["STATE"]], bill["STATE"]
        assert row["total_amount"] == Decimal(bill["TRX_TOTALENTERED"])
        assert row["vendor_id"] == "ia-" + bill["VENDORID"] and row["bill_number"] == bill["RECORDID"]
    sample = next(iter(intacct))
    lines = rows(any_warehouse, "bc_bill_lines", bill_id=bc[sample]["bill_id"])
    assert [(line["account_no"], line["amount"]) for line in sorted(lines, key=lambda r: r["line_no"])] == [
        (item["ACCOUNTNO"], Decimal(item["TRX_AMOUNT"])) for item in intacct_lines(emulator, sample)]
    assert sum(line["amount"] for line in lines) == bc[sample]["total_amount"]


def test_a_ready_to_pay_bc_bill_is_created_once_with_location(any_warehouse, synced_engine, emulator):
    engine = synced_engine(any_warehouse)
    vendor, record = linked_vendor(any_warehouse, emulator)
    new_bc_bill(any_warehouse, "B-100", vendor["vendor_id"], [("6500", "100.10"), ("6500", "0.25")])
    summary = engine.run("scheduled", BILLS)
    row = one(any_warehouse, "bc_bills", bill_id="B-100")
    assert row["intacct_record_no"] is not None
    created = emulator.admin.get_record("DEMO", "APBILL", row["intacct_record_no"])
    assert created["RECORDID"] == "BC-B-100" and created["VENDORID"] == record["VENDORID"]
    assert Decimal(created["TRX_TOTALENTERED"]) == Decimal("100.35")
    items = intacct_lines(emulator, row["intacct_record_no"])
    assert [(i["ACCOUNTNO"], Decimal(i["TRX_AMOUNT"]), i["LOCATIONID"]) for i in items] == [
        ("6500", Decimal("100.10"), ENTITY), ("6500", Decimal("0.25"), ENTITY)]
    [logged] = outcomes(any_warehouse, summary.run_id, bc_key="B-100")
    assert (logged["direction"], logged["action"]) == ("to_intacct", "created")
    engine.run("scheduled", BILLS)
    engine.run("scheduled", BILLS)
    assert len(emulator.admin.find_records("DEMO", "APBILL", RECORDID="BC-B-100")) == 1
    assert len(rows(any_warehouse, "bc_bills", company_id=COMPANY, intacct_record_no=row["intacct_record_no"])) == 1


def test_a_bills_new_vendor_is_created_in_intacct_first(warehouse, synced_engine, emulator):
    engine = synced_engine(warehouse)
    new_bc_vendor(warehouse, "bc-fresh", "Fresh Produce Partners")
    new_bc_bill(warehouse, "B-200", "bc-fresh", [("6500", "42.00")])
    engine.run("scheduled", BILLS)
    vendor = emulator.admin.find_records("DEMO", "VENDOR", VENDORID=derive_vendor_id("bc-fresh"))
    assert len(vendor) == 1
    bill = one(warehouse, "bc_bills", bill_id="B-200")
    assert emulator.admin.get_record("DEMO", "APBILL", bill["intacct_record_no"])["VENDORID"] == vendor[0]["VENDORID"]


def test_bills_that_are_not_ready_to_pay_stay_in_bc(warehouse, synced_engine, emulator):
    engine = synced_engine(warehouse)
    vendor, _ = linked_vendor(warehouse, emulator)
    new_bc_bill(warehouse, "B-draft", vendor["vendor_id"], [("6500", "5.00")], status="draft")
    engine.run("scheduled", BILLS)
    assert one(warehouse, "bc_bills", bill_id="B-draft")["intacct_record_no"] is None
    assert emulator.admin.find_records("DEMO", "APBILL", RECORDID="BC-B-draft") == []


BAD_BILLS = {
    "missing vendor": (dict(vendor="nobody"), "does not exist in BC"),
    "unknown account": (dict(lines=[("9999", "10.00")]), "not in the chart of accounts"),
    "inactive account": (dict(lines=[("INACTIVE", "10.00")]), "inactive"),
    "no lines": (dict(lines=[], total="10.00"), "no lines"),
    "lines do not sum to total": (dict(total="11.00"), "add up to"),
    "due before bill date": (dict(extra={"due_date": date(2026, 1, 1)}), "before the bill date"),
    "vendor name too long": (dict(vendor="bc-long-name"), "at most 100"),
}
SQLITE_ONLY_BAD_BILLS = {  # PostgreSQL's column types refuse these values before BC can store them
    "over-precise amount": (dict(lines=[("6500", "10.005")], total="10.005"), "more than 2 decimal places"),
    "non-numeric amount": (dict(raw_amount="ten"), "number"),
    "invalid date": (dict(raw_date="2026-02-30"), "date"),
}


def _bad_bill(warehouse, emulator, kind, spec):
    vendor, _ = linked_vendor(warehouse, emulator)
    new_bc_vendor(warehouse, "bc-long-name", "N" * 130)
    with warehouse.engine.begin() as connection:
        accounts = warehouse.tables["bc_accounts"]
        connection.execute(accounts.update().where(accounts.c.account_no == "6900").values(status="inactive"))
    lines = [(a if a != "INACTIVE" else "6900", amount) for a, amount in spec.get("lines", [("6500", "10.00")])]
    vendor_id = {"nobody": "no-such-vendor", "bc-long-name": "bc-long-name"}.get(spec.get("vendor"),
                                                                                vendor["vendor_id"])
    new_bc_bill(warehouse, "B-bad", vendor_id, lines, total=spec.get("total"), **spec.get("extra", {}))
    if "raw_amount" in spec or "raw_date" in spec:
        with warehouse.engine.begin() as connection:
            if "raw_amount" in spec:
                connection.exec_driver_sql("UPDATE bc_bill_lines SET amount = ? WHERE bill_id = 'B-bad'",
                                           (spec["raw_amount"],))
            if "raw_date" in spec:
                connection.exec_driver_sql("UPDATE bc_bills SET bill_date = ? WHERE bill_id = 'B-bad'",
                                           (spec["raw_date"],))


def _assert_rejected(warehouse, emulator, engine, expected):
    summary = engine.run("scheduled", BILLS)
    [rejected] = outcomes(warehouse, summary.run_id, bc_key="B-bad")
    assert rejected["action"] == "rejected" and rejected["direction"] == "to_intacct"
    assert expected in rejected["reason"], rejected["reason"]
    assert one(warehouse, "bc_bills", bill_id="B-bad")["intacct_record_no"] is None
    assert emulator.admin.find_records("DEMO", "APBILL", RECORDID="BC-B-bad") == []
    assert summary.status == "partial"
    # retried on the next run, still rejected while unchanged
    again = engine.run("scheduled", BILLS)
    assert [o["action"] for o in outcomes(warehouse, again.run_id, bc_key="B-bad")] == ["rejected"]


@pytest.mark.parametrize("kind", list(BAD_BILLS))
def test_bad_bills_are_rejected_with_a_reason(any_warehouse, synced_engine, emulator, kind):
    spec, expected = BAD_BILLS[kind]
    engine = synced_engine(any_warehouse)
    _bad_bill(any_warehouse, emulator, kind, spec)
    _assert_rejected(any_warehouse, emulator, engine, expected)


@pytest.mark.parametrize("kind", list(SQLITE_ONLY_BAD_BILLS))
def test_bad_values_only_sqlite_can_hold_are_rejected(warehouse, synced_engine, emulator, kind):
    spec, expected = SQLITE_ONLY_BAD_BILLS[kind]
    engine = synced_engine(warehouse)
    _bad_bill(warehouse, emulator, kind, spec)
    _assert_rejected(warehouse, emulator, engine, expected)


def test_a_fixed_rejected_bill_goes_through_on_the_next_run(warehouse, synced_engine, emulator):
    engine = synced_engine(warehouse)
    vendor, _ = linked_vendor(warehouse, emulator)
    new_bc_bill(warehouse, "B-fix", vendor["vendor_id"], [("6500", "10.00")], total="12.00")
    engine.run("scheduled", BILLS)
    assert one(warehouse, "intacct_rejections", record_key="B-fix")["attempts"] == 1
    bc_update(warehouse, "bc_bills", {"bill_id": "B-fix"}, total_amount=Decimal("10.00"))
    summary = engine.run("scheduled", BILLS)
    assert outcomes(warehouse, summary.run_id, bc_key="B-fix")[0]["action"] == "created"
    assert not rows(warehouse, "intacct_rejections", record_key="B-fix")


def _open_bill(warehouse):
    return sorted((b for b in rows(warehouse, "bc_bills", company_id=COMPANY, status="ready_to_pay")
                   if b["intacct_record_no"] is not None), key=lambda b: b["bill_id"])[0]


def test_a_bill_paid_in_intacct_becomes_paid_in_bc(any_warehouse, synced_engine, emulator):
    engine = synced_engine(any_warehouse)
    bill = _open_bill(any_warehouse)
    emulator.admin.ui_update("DEMO", "APBILL", bill["intacct_record_no"], {"STATE": "Paid"})
    summary = engine.run("scheduled", BILLS)
    after = one(any_warehouse, "bc_bills", bill_id=bill["bill_id"])
    assert after["status"] == "paid" and after["amount_due"] == Decimal("0") and after["intacct_state"] == "Paid"
    [logged] = outcomes(any_warehouse, summary.run_id, bc_key=bill["bill_id"])
    assert logged["reason"] == "paid in Intacct"


def test_a_bc_edit_to_an_unpaid_bill_is_sent_with_all_lines(any_warehouse, synced_engine, emulator):
    engine = synced_engine(any_warehouse)
    bill = _open_bill(any_warehouse)
    lines = sorted(rows(any_warehouse, "bc_bill_lines", bill_id=bill["bill_id"]), key=lambda r: r["line_no"])
    bc_update(any_warehouse, "bc_bill_lines", {"bill_id": bill["bill_id"], "line_no": 1},
              amount=lines[0]["amount"] + Decimal("1.01"), memo="corrected")
    bc_update(any_warehouse, "bc_bills", {"bill_id": bill["bill_id"]},
              total_amount=bill["total_amount"] + Decimal("1.01"), description="corrected in BC")
    summary = engine.run("scheduled", BILLS)
    record = emulator.admin.get_record("DEMO", "APBILL", bill["intacct_record_no"])
    assert record["DESCRIPTION"] == "corrected in BC"
    assert Decimal(record["TRX_TOTALENTERED"]) == bill["total_amount"] + Decimal("1.01")
    items = intacct_lines(emulator, bill["intacct_record_no"])
    assert len(items) == len(lines) and items[0]["ENTRYDESCRIPTION"] == "corrected"
    [logged] = outcomes(any_warehouse, summary.run_id, bc_key=bill["bill_id"])
    assert (logged["direction"], logged["action"]) == ("to_intacct", "updated")
    again = engine.run("scheduled", BILLS)  # Intacct's new amount due comes back; nothing is sent again
    assert [(o["direction"], o["reason"]) for o in outcomes(any_warehouse, again.run_id, bc_key=bill["bill_id"])] == [
        ("to_bc", "Intacct state, amount due or payment changed")]
    assert one(any_warehouse, "bc_bills", bill_id=bill["bill_id"])["amount_due"] == bill["total_amount"] + Decimal(
        "1.01")
    assert outcomes(any_warehouse, engine.run("scheduled", BILLS).run_id, bc_key=bill["bill_id"]) == []


def test_a_bc_edit_to_a_paid_bill_is_rejected(warehouse, synced_engine, emulator):
    engine = synced_engine(warehouse)
    bill = sorted(rows(warehouse, "bc_bills", company_id=COMPANY, status="paid"), key=lambda b: b["bill_id"])[0]
    before = emulator.admin.get_record("DEMO", "APBILL", bill["intacct_record_no"])
    bc_update(warehouse, "bc_bills", {"bill_id": bill["bill_id"]}, description="edited after payment")
    summary = engine.run("scheduled", BILLS)
    [rejected] = outcomes(warehouse, summary.run_id, bc_key=bill["bill_id"])
    assert rejected["action"] == "rejected" and "paid bills are locked" in rejected["reason"]
    assert emulator.admin.get_record("DEMO", "APBILL", bill["intacct_record_no"]) == before


def test_a_bill_deleted_in_intacct_becomes_void(any_warehouse, synced_engine, emulator):
    engine = synced_engine(any_warehouse)
    vendor, _ = linked_vendor(any_warehouse, emulator)
    new_bc_bill(any_warehouse, "B-del", vendor["vendor_id"], [("6500", "3.00")])
    engine.run("scheduled", BILLS)
    bill = one(any_warehouse, "bc_bills", bill_id="B-del")
    emulator.admin.ui_delete("DEMO", "APBILL", bill["intacct_record_no"])
    summary = engine.run("scheduled", BILLS)  # incremental: found through the audit trail
    after = one(any_warehouse, "bc_bills", bill_id="B-del")
    assert after["status"] == "void"
    [logged] = outcomes(any_warehouse, summary.run_id, bc_key="B-del")
    assert logged["action"] == "deactivated" and "void" in logged["reason"]


def test_reconciliation_voids_bills_missing_from_intacct(warehouse, synced_engine, emulator, monkeypatch):
    engine = synced_engine(warehouse)
    vendor, _ = linked_vendor(warehouse, emulator)
    new_bc_bill(warehouse, "B-rec", vendor["vendor_id"], [("6500", "3.00")])
    engine.run("scheduled", BILLS)
    bill = one(warehouse, "bc_bills", bill_id="B-rec")
    emulator.admin.ui_delete("DEMO", "APBILL", bill["intacct_record_no"])
    monkeypatch.setattr(engine.client, "iter_audit_events", _permission_denied)  # a role without audit access
    engine.run("scheduled", BILLS)
    assert one(warehouse, "bc_bills", bill_id="B-rec")["status"] == "ready_to_pay"  # not noticed yet
    summary = engine.run("sync_now", RunOptions(full_refresh=True, objects=("bills",)))
    assert one(warehouse, "bc_bills", bill_id="B-rec")["status"] == "void"
    [logged] = outcomes(warehouse, summary.run_id, bc_key="B-rec")
    assert "no longer exists in Intacct" in logged["reason"]


def _permission_denied(*_args, **_kwargs):
    from intacct.client import errors

    raise errors.PermissionDenied("audit trail not permitted")


@pytest.mark.parametrize("policy, winner", [("intacct_wins", "intacct"), ("bc_wins", "bc")])
def test_a_bill_changed_on_both_sides_follows_the_policy(warehouse, synced_engine, emulator, policy, winner):
    engine = synced_engine(warehouse, policy=policy)
    bill = _open_bill(warehouse)
    emulator.admin.ui_update("DEMO", "APBILL", bill["intacct_record_no"], {"DESCRIPTION": "from Intacct"})
    bc_update(warehouse, "bc_bills", {"bill_id": bill["bill_id"]}, description="from BC")
    summary = engine.run("scheduled", BILLS)
    expected = "from BC" if winner == "bc" else "from Intacct"
    assert one(warehouse, "bc_bills", bill_id=bill["bill_id"])["description"] == expected
    assert emulator.admin.get_record("DEMO", "APBILL", bill["intacct_record_no"])["DESCRIPTION"] == expected
    logged = outcomes(warehouse, summary.run_id, bc_key=bill["bill_id"])
    [conflict] = [o for o in logged if o["action"] == "conflict"]
    assert conflict["details"]["winner"] == winner and policy in conflict["reason"]


def test_a_bill_intacct_refuses_is_rejected_with_errorno_and_the_rest_goes_on(any_warehouse, synced_engine,
                                                                               emulator):
    engine = synced_engine(any_warehouse)
    vendor, _ = linked_vendor(any_warehouse, emulator)
    new_bc_bill(any_warehouse, "B-good", vendor["vendor_id"], [("6500", "20.00")])
    new_bc_bill(any_warehouse, "B-refused", vendor["vendor_id"], [("6500", "30.00")])
    bc_update(any_warehouse, "bc_bill_lines", {"bill_id": "B-refused", "line_no": 1}, location_id="CA01")
    summary = engine.run("scheduled", BILLS)
    [good] = outcomes(any_warehouse, summary.run_id, bc_key="B-good")
    [refused] = outcomes(any_warehouse, summary.run_id, bc_key="B-refused")
    assert good["action"] == "created"
    assert refused["action"] == "rejected" and refused["errorno"] and "CA01" in refused["reason"]
    assert refused["reason"].startswith("Intacct refused the change")
    assert one(any_warehouse, "bc_bills", bill_id="B-refused")["intacct_record_no"] is None
    assert one(any_warehouse, "intacct_rejections", record_key="B-refused")["errorno"] == refused["errorno"]
    assert summary.status == "partial"
    # fixed in BC → sent on the next run
    bc_update(any_warehouse, "bc_bill_lines", {"bill_id": "B-refused", "line_no": 1}, location_id=None)
    again = engine.run("scheduled", BILLS)
    assert outcomes(any_warehouse, again.run_id, bc_key="B-refused")[0]["action"] == "created"


def test_an_intacct_bill_whose_vendor_is_not_in_bc_yet_is_retried(warehouse, synced_engine, emulator):
    engine = synced_engine(warehouse)
    emulator.admin.ui_create("DEMO", "VENDOR", {"VENDORID": "LATE-1", "NAME": "Late Arrival Co"})
    bill = emulator.admin.ui_create("DEMO", "APBILL", {
        "VENDORID": "LATE-1", "RECORDID": "LATE-BILL", "WHENCREATED": "11/02/2026", "WHENDUE": "12/02/2026",
        "APBILLITEMS": {"APBILLITEM": [{"ACCOUNTNO": "6500", "TRX_AMOUNT": "12.34", "LOCATIONID": ENTITY}]}},
        entity=ENTITY)
    first = engine.run("scheduled", BILLS)  # bills only: the vendor is not imported yet
    [rejected] = outcomes(warehouse, first.run_id, intacct_key=str(bill["RECORDNO"]))
    assert rejected["action"] == "rejected" and "LATE-1" in rejected["reason"]
    second = engine.run("scheduled")  # vendors first, then the bill is read again by its RECORDNO
    imported = one(warehouse, "bc_bills", intacct_record_no=int(bill["RECORDNO"]))
    assert imported["vendor_id"] == "ia-LATE-1" and imported["total_amount"] == Decimal("12.34")
    assert outcomes(warehouse, second.run_id, intacct_key=str(bill["RECORDNO"]))[0]["action"] == "created"
    assert not rows(warehouse, "intacct_rejections", record_key=str(bill["RECORDNO"]))


def test_bcs_pass_loads_only_the_bills_bc_touched_since_they_were_synced(any_warehouse, synced_engine, monkeypatch):
    """The run after a sync compares by ``updated_at`` and the stamp each link recorded, and loads whole (row,
    lines, link, hash) only the bills BC touched: on PostgreSQL the stamp lookup once named no key, so every
    linked bill looked touched and was loaded on every run."""
    from intacct.sync.bills import BillSync

    engine = synced_engine(any_warehouse)
    linked = [r for r in rows(any_warehouse, "bc_bills", company_id=COMPANY) if r["intacct_record_no"] is not None]
    assert len(linked) >= 3
    touched = linked[0]["bill_id"]
    bc_update(any_warehouse, "bc_bills", {"company_id": COMPANY, "bill_id": touched}, description="edited in BC")
    loaded: list[str] = []  # bills read whole (row, lines, link) by BC's pass
    original = BillSync.bc_bills

    def spy(self, connection, *, bill_ids=None, record_nos=None):
        found = original(self, connection, bill_ids=bill_ids, record_nos=record_nos)
        if bill_ids is not None:
            loaded.extend(found)
        return found

    monkeypatch.setattr(BillSync, "bc_bills", spy)
    engine.run("scheduled", options=BILLS)
    assert loaded == [touched], f"{len(loaded)} of {len(linked)} bills loaded whole"


@pytest.mark.postgres
def test_a_bulk_import_refreshes_the_planners_statistics(postgres_url, make_engine, monkeypatch):
    """After a first sync's bulk load PostgreSQL still plans with the empty tables' statistics until autovacuum
    comes round, and the next run's keyset pages become scans of every row: the import refreshes them."""
    from sqlalchemy import text

    from intacct.sync import base
    from intacct.warehouse import Warehouse

    warehouse = Warehouse.from_url(postgres_url)
    warehouse.ensure_schema()
    try:
        monkeypatch.setattr(base, "ANALYZE_AFTER_IMPORTS", 5)  # the demo company has a few hundred bills
        make_engine(warehouse).run("scheduled")
        with warehouse.engine.connect() as connection:
            analyzed = dict(connection.execute(text(
                "SELECT relname, last_analyze FROM pg_stat_user_tables WHERE relname IN "
                "('bc_bills', 'bc_bill_lines', 'intacct_links', 'bc_accounts')")).all())
        assert analyzed["bc_bills"] is not None and analyzed["bc_bill_lines"] is not None
        assert analyzed["intacct_links"] is not None
        monkeypatch.setattr(base, "ANALYZE_AFTER_IMPORTS", 10_000_000)
        before = analyzed["bc_bills"]
        make_engine(warehouse).run("scheduled")  # nothing new: no ANALYZE
        with warehouse.engine.connect() as connection:
            after = connection.execute(text(
                "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'bc_bills'")).scalar_one()
        assert after == before
    finally:
        warehouse.dispose()


def _imported(warehouse) -> dict:
    """Each imported bill's number, vendor, total and status, with its lines' numbers, accounts and amounts."""
    lines: dict = {}
    for line in rows(warehouse, "bc_bill_lines"):
        lines.setdefault(line["bill_id"], []).append((line["line_no"], line["account_no"], line["amount"]))
    return {bill["intacct_record_no"]: (bill["bill_number"], bill["vendor_id"], bill["total_amount"], bill["status"],
                                        sorted(lines.get(bill["bill_id"], [])))
            for bill in rows(warehouse, "bc_bills", company_id=COMPANY)}


@pytest.mark.parametrize("page_size", [7, 250])  # 250: the first half's second page runs past the middle
def test_a_first_sync_read_in_two_halves_imports_every_bill_and_line_once(tmp_path, emulator, client_with,
                                                                          make_engine, page_size):
    from intacct.warehouse import Warehouse

    imported, calls = [], []
    for name, min_pages in (("whole", 10_000), ("halves", 0)):
        warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / name}.db")
        warehouse.ensure_schema()
        client = client_with(page_size=page_size, split_read_min_pages=min_pages)
        engine = make_engine(warehouse, bound_client=client)
        summary = engine.run("scheduled")
        assert summary.status == "succeeded", summary.message
        assert not outcomes(warehouse, summary.run_id, action="rejected")
        imported.append(_imported(warehouse))
        calls.append(client.usage.calls_by_function["query"])
        again = engine.run("scheduled")  # the split read left nothing behind for the next run to settle
        assert sum(d.get(a, 0) for c in again.counts.values() for d in c.values()
                   for a in ("create", "update", "deactivate")) == 0, again.counts
        warehouse.dispose()
    assert imported[1] == imported[0] and len(imported[0]) == len(
        emulator.admin.find_records("DEMO", "APBILL", MEGAENTITYID=ENTITY))
    assert 1 <= calls[1] - calls[0] <= 3  # the highest RECORDNO, and a partial page per read of the first half
