"""Chart of accounts, Intacct → BC: upsert by number, BC edits overwritten and logged, deletes → inactive."""

from __future__ import annotations

import pytest
from sync_testkit import COMPANY, bc_update, one, outcomes, rows

from intacct.sync import RunOptions

pytestmark = pytest.mark.integration
ACCOUNTS_ONLY = RunOptions(objects=("accounts",))


def test_accounts_are_imported_and_a_rerun_changes_nothing(any_warehouse, make_engine, emulator):
    engine = make_engine(any_warehouse)
    first = engine.run("scheduled", ACCOUNTS_ONLY)
    intacct = {r["ACCOUNTNO"]: r for r in emulator.admin.find_records("DEMO", "GLACCOUNT")}
    bc = {r["account_no"]: r for r in rows(any_warehouse, "bc_accounts", company_id=COMPANY)}
    assert set(bc) == set(intacct)
    sample = intacct["1000"]
    assert bc["1000"]["title"] == sample["TITLE"] and bc["1000"]["status"] == sample["STATUS"]
    assert bc["1000"]["intacct_record_no"] == int(sample["RECORDNO"])
    assert first.counts["accounts"]["to_bc"]["created"] == len(intacct)

    second = engine.run("scheduled", ACCOUNTS_ONLY)
    assert second.counts["accounts"]["to_bc"]["created"] == 0
    assert second.counts["accounts"]["to_bc"]["updated"] == 0


def test_an_account_changed_in_intacct_is_updated_in_bc(any_warehouse, make_engine, emulator):
    engine = make_engine(any_warehouse)
    engine.run("scheduled", ACCOUNTS_ONLY)
    account = one(any_warehouse, "bc_accounts", company_id=COMPANY, account_no="1000")
    emulator.admin.ui_update("DEMO", "GLACCOUNT", account["intacct_record_no"], {"TITLE": "Cash - Main"})
    summary = engine.run("scheduled", ACCOUNTS_ONLY)
    assert one(any_warehouse, "bc_accounts", company_id=COMPANY, account_no="1000")["title"] == "Cash - Main"
    [logged] = outcomes(any_warehouse, summary.run_id, object="accounts", bc_key="1000")
    assert logged["action"] == "updated" and logged["reason"] == "changed in Intacct"


def test_a_bc_edit_to_an_account_is_overwritten_and_logged(any_warehouse, make_engine):
    engine = make_engine(any_warehouse)
    engine.run("scheduled", ACCOUNTS_ONLY)
    original = one(any_warehouse, "bc_accounts", company_id=COMPANY, account_no="1000")
    bc_update(any_warehouse, "bc_accounts", {"company_id": COMPANY, "account_no": "1000"}, title="Edited in BC")
    summary = engine.run("scheduled", ACCOUNTS_ONLY)
    assert one(any_warehouse, "bc_accounts", company_id=COMPANY, account_no="1000")["title"] == original["title"]
    [logged] = outcomes(any_warehouse, summary.run_id, object="accounts", bc_key="1000")
    assert "BC edit overwritten" in logged["reason"]
    assert logged["details"]["fields"]["title"] == {"bc": "Edited in BC", "intacct": original["title"]}


def test_an_account_gone_from_intacct_becomes_inactive(any_warehouse, make_engine, emulator):
    engine = make_engine(any_warehouse)
    engine.run("scheduled", ACCOUNTS_ONLY)
    account = one(any_warehouse, "bc_accounts", company_id=COMPANY, account_no="1010")
    emulator.admin.ui_delete("DEMO", "GLACCOUNT", account["intacct_record_no"])
    incremental = engine.run("scheduled", ACCOUNTS_ONLY)  # reconciliation not due yet: nothing noticed
    assert incremental.counts["accounts"]["to_bc"]["deactivated"] == 0
    summary = engine.run("sync_now", RunOptions(full_refresh=True, objects=("accounts",)))
    assert one(any_warehouse, "bc_accounts", company_id=COMPANY, account_no="1010")["status"] == "inactive"
    [logged] = outcomes(any_warehouse, summary.run_id, object="accounts", bc_key="1010")
    assert logged["action"] == "deactivated" and "no longer exists in Intacct" in logged["reason"]
    assert len(rows(any_warehouse, "bc_accounts", company_id=COMPANY)) == len(
        emulator.admin.find_records("DEMO", "GLACCOUNT")) + 1  # nothing hard-deleted
