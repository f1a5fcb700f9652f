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


def test_scrub_hides_every_secret_of_the_clients_list_by_bc_column_or_intacct_field():
    details = {"conflict": {"field": "tax_id", "base": "11-1111111", "bc": "22-2222222", "intacct": None,
                            "winner": "bc"},
               "fields": {"tax_id": {"base": "11-1111111", "bc": ["22-2222222"], "winner": "intacct"}},
               "deep": [[{"PAYTO.TAXID": "33-3333333"}], ({"record": {"TAXID": "44-4444444"}},)],
               "write": {"ACHACCOUNTNUMBER": "5555", "password": "secret-6"}, "name": "Acme"}
    clean = scrub(details)
    for secret in ("11-1111111", "22-2222222", "33-3333333", "44-4444444", "5555", "secret-6"):
        assert secret not in str(clean)
    # what is said about the value stays: which field, which side won, which sides held one
    assert clean["conflict"] == {"field": "tax_id", "base": "(hidden)", "bc": "(hidden)", "intacct": None,
                                 "winner": "bc"}
    assert clean["fields"]["tax_id"]["winner"] == "intacct" and clean["name"] == "Acme"


def test_a_large_plan_counts_everything_but_keeps_only_what_a_report_shows():
    plan = Plan("bills", examples=3, review_cap=5)
    for number in range(1000):
        plan.add(PlannedChange("bills", "to_bc", "create", f"ia-{number}", str(number), reason="new bill",
                               values={"lines": [{"amount": number}] * 10}))
    for number in range(20):
        plan.add(PlannedChange("bills", "to_intacct", "reject", f"B-{number}", None, reason="bad account"))
    assert plan.counts()["to_bc"]["created"] == 1000 and plan.counts()["to_intacct"]["rejected"] == 20
    assert len(plan) == plan.total == 1020 and not plan.complete
    assert [c.bc_key for c in plan.of("create")] == ["ia-0", "ia-1", "ia-2"]
    assert len(plan.of("reject", "to_intacct")) == 5 and plan.for_direction("to_intacct") == plan.of("reject")
    assert all(c.values == {} for c in plan.changes)  # the plan never holds what is written
    assert plan.omitted() == {("to_bc", "create"): 997, ("to_intacct", "reject"): 15}
    text = plan.as_text()
    assert text.startswith("Plan for bills: 1020 change(s)") and "BC ia-2" in text and "BC ia-3" not in text
    assert "and 997 more to_bc create change(s)" in text and "and 15 more to_intacct reject change(s)" in text


def test_a_small_plan_keeps_every_change_in_the_order_planned():
    plan = Plan("vendors")
    planned = [PlannedChange("vendors", direction, action, f"bc-{n}", None, reason="r")
               for n, (direction, action) in enumerate([("to_bc", "create"), ("to_intacct", "update"),
                                                        ("to_bc", "conflict"), ("to_bc", "create")])]
    for change in planned:
        assert plan.add(change) is change  # the caller applies the very change it planned
    assert plan.complete and [c.bc_key for c in plan.changes] == ["bc-0", "bc-1", "bc-2", "bc-3"]
    assert plan.omitted() == {}


def test_a_streamed_plan_hands_its_changes_on_in_chunks_without_values():
    chunks = []
    plan = Plan("vendors", examples=1, chunk_size=4)
    plan.stream_to(chunks.append)
    for number in range(10):
        plan.add(PlannedChange("vendors", "to_intacct", "create", f"bc-{number}", None, reason="new BC vendor",
                               values={"TAXID": "12-3456789"}, details={"tax_id": "12-3456789"}))
    assert [len(chunk) for chunk in chunks] == [4, 4]  # as they are planned, not at the end
    plan.flush()
    assert [len(chunk) for chunk in chunks] == [4, 4, 2]
    assert [row["bc_key"] for chunk in chunks for row in chunk] == [f"bc-{n}" for n in range(10)]
    assert all("values" not in row for chunk in chunks for row in chunk)
    plan.flush()
    assert len(chunks) == 3


def test_a_plan_never_shows_a_tax_id_at_any_level():
    plan = Plan("vendors")
    plan.add(PlannedChange("vendors", "to_bc", "conflict", "bc-1", "V1", reason="changed on both sides",
                           values={"tax_id": "12-3456789"},
                           details={"fields": {"tax_id": {"base": "98-7654321", "bc": "12-3456789",
                                                          "intacct": "55-5555555", "winner": "intacct"}}}))
    shown = [plan.as_text(), repr(plan), repr(plan.changes), str(plan.of("conflict")[0].details)]
    for secret in ("12-3456789", "98-7654321", "55-5555555"):
        assert not any(secret in text for text in shown)


def test_applied_counts_may_be_given_as_a_tally():
    from collections import Counter

    tally = Counter({("to_bc", "create"): 3, ("to_bc", "created"): 2, ("to_intacct", "reject"): 1})
    counts = count_actions(tally)
    assert counts["to_bc"]["created"] == 5 and counts["to_intacct"]["rejected"] == 1


def test_entity_config_defaults_and_location_rule():
    config = EntityConfig(entity_id="US01", bc_company_id="bc-us")
    assert config.conflict_policy == "intacct_wins" and config.lookback == timedelta(hours=2)
    assert config.requires_location and not EntityConfig(entity_id=None, bc_company_id="x").requires_location
    assert EntityConfig(entity_id=None, bc_company_id="x").watermark_entity == "(top level)"
    with pytest.raises(ValueError, match="lookback"):
        EntityConfig(entity_id="US01", bc_company_id="bc-us", lookback=timedelta(hours=-1))
    assert RunOptions(objects=["bills"]).objects == ("bills",)
