"""The plan and the counts reports are built from (unit)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from intacct.sync import EntityConfig, RunOptions
from intacct.sync.plan import Plan, PlannedChange, count_actions
from intacct.sync.run_log import scrub

pytestmark = pytest.mark.unit


def test_counts_group_planned_and_applied_actions_per_direction():
    counts = count_actions([("to_bc", "create"), ("to_bc", "created"), ("to_intacct", "reject"),
                            ("to_intacct", "conflict"), ("to_bc", "deactivate")])
    assert counts["to_bc"]["created"] == 2 and counts["to_bc"]["deactivated"] == 1
    assert counts["to_intacct"] == {"created": 0, "updated": 0, "linked": 0, "deactivated": 0, "conflicts": 1,
                                    "rejected": 1, "skipped": 0}


def test_a_plan_prints_reasons_but_never_values():
    plan = Plan("vendors")
    plan.add(PlannedChange("vendors", "to_intacct", "create", "bc-1", "BC-1", reason="new BC vendor",
                           values={"TAXID": "12-3456789"}))
    text = plan.as_text()
    assert "bc-1" in text and "new BC vendor" in text and "12-3456789" not in text
    assert "12-3456789" not in repr(plan)
    assert plan.counts()["to_intacct"]["created"] == 1 and plan.of("create") == plan.changes


def test_scrub_hides_tax_ids_at_any_depth():
    details = {"tax_id": "1", "fields": {"tax_id": {"bc": "1", "intacct": "2"}, "email": {"bc": "a"}},
               "list": [{"TAXID": "3"}]}
    clean = scrub(details)
    assert "1" not in str(clean["fields"]["tax_id"]) and clean["tax_id"] == "(hidden)"
    assert clean["fields"]["email"] == {"bc": "a"} and clean["list"] == [{"TAXID": "(hidden)"}]


def test_entity_config_defaults_and_location_rule():
    config = EntityConfig(entity_id="US01", bc_company_id="bc-us")
    assert config.conflict_policy == "intacct_wins" and config.lookback == timedelta(hours=2)
    assert config.requires_location and not EntityConfig(entity_id=None, bc_company_id="x").requires_location
    assert EntityConfig(entity_id=None, bc_company_id="x").watermark_entity == "(top level)"
    with pytest.raises(ValueError, match="lookback"):
        EntityConfig(entity_id="US01", bc_company_id="bc-us", lookback=timedelta(hours=-1))
    assert RunOptions(objects=["bills"]).objects == ("bills",)
