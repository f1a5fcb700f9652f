"""The entity configuration: what a data engineer writes in include/entities.yaml and what they are told."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from intacct.operators.entity_config import (
    CONFLICT_POLICIES,
    SYNC_OBJECTS,
    load_entities,
    parse_duration,
    parse_entities,
    pool_name_for,
)

pytestmark = pytest.mark.unit

GOOD = """
defaults:
  timezone: America/Los_Angeles
entities:
  - entity_id: US01
    bc_company_id: bc-us
    intacct_conn_id: intacct_demo
    warehouse_conn_id: bc_warehouse
  - entity_id: CA01
    bc_company_id: bc-ca
    intacct_conn_id: intacct_demo
    warehouse_conn_id: bc_warehouse
    schedule: "30 5 * * 1-5"
    conflict_policy: bc_wins
    lookback: 90
"""


def entry(**fields) -> str:
    base = {"entity_id": "US01", "bc_company_id": "bc-us", "intacct_conn_id": "intacct_demo",
            "warehouse_conn_id": "bc_warehouse"}
    base.update(fields)
    lines = [f"    {key}: {value}" for key, value in base.items() if value is not None]
    lines[0] = "  - " + lines[0].lstrip()
    return "entities:\n" + "\n".join(lines) + "\n"


def test_good_file_yields_one_spec_per_entity_with_defaults_applied():
    config = parse_entities(GOOD)
    assert config.problems == []
    us, ca = config.entities
    assert (us.dag_id, ca.dag_id) == ("intacct_sync_us01", "intacct_sync_ca01")
    assert us.schedule == "@daily" and us.timezone == "America/Los_Angeles"
    assert us.conflict_policy == "intacct_wins" and us.lookback == timedelta(hours=2)
    assert ca.schedule == "30 5 * * 1-5" and ca.conflict_policy == "bc_wins"
    assert ca.lookback == timedelta(minutes=90)


def test_entities_of_one_intacct_company_share_one_pool():
    us, ca = parse_entities(GOOD).entities
    assert us.pool == ca.pool == pool_name_for("intacct_demo") == "intacct_intacct_demo"


def test_missing_field_names_the_entry_the_field_and_what_to_put_there():
    config = parse_entities(entry(warehouse_conn_id=None))
    assert config.entities == []
    (problem,) = config.problems
    text = str(problem)
    assert "entities[0] (entity 'US01')" in text
    assert "field 'warehouse_conn_id'" in text
    assert "BC warehouse" in text


def test_duplicate_entity_keeps_the_first_and_names_both_entries():
    text = GOOD + """  - entity_id: us01
    bc_company_id: bc-other
    intacct_conn_id: intacct_demo
    warehouse_conn_id: bc_warehouse
"""
    config = parse_entities(text)
    assert [spec.bc_company_id for spec in config.entities] == ["bc-us", "bc-ca"]
    (problem,) = config.problems
    assert "entities[2] (entity 'us01')" in str(problem)
    assert "duplicate" in str(problem) and "entities[0]" in str(problem)


def test_unreadable_yaml_is_one_problem_with_its_position():
    config = parse_entities("entities:\n  - entity_id: [US01\n", source="entities.yaml")
    assert config.entities == []
    (problem,) = config.problems
    assert "not valid YAML at line" in str(problem)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("schedule", "'every day'", "not a cron expression"),
        ("timezone", "Mars/Olympus", "unknown timezone"),
        ("conflict_policy", "coin_flip", "is not one of"),
        ("lookback", "'two hours'", "is not a duration"),
        ("retries", "-1", "must be a whole number"),
        ("entity_id", "'US 01'", "may contain only"),
        ("colour", "blue", "unknown field"),
    ],
)
def test_each_bad_value_is_reported_on_its_field(field, value, expected):
    config = parse_entities(entry(**{field: value}))
    assert config.entities == []
    assert any(p.field == field and expected in p.message for p in config.problems), config.problems


def test_a_bad_entry_does_not_hide_the_good_ones():
    text = GOOD + "  - entity_id: UK01\n    bc_company_id: bc-uk\n"
    config = parse_entities(text)
    assert [spec.entity_id for spec in config.entities] == ["US01", "CA01"]
    assert {p.field for p in config.problems} == {"intacct_conn_id", "warehouse_conn_id"}


def test_missing_file_is_a_problem_not_an_exception(tmp_path: Path):
    config = load_entities(tmp_path / "nope.yaml")
    assert config.entities == [] and "cannot read the file" in str(config.problems[0])


def test_null_schedule_means_sync_now_only():
    (spec,) = parse_entities(entry(schedule="null")).entities
    assert spec.schedule is None


@pytest.mark.parametrize(("text", "expected"), [(30, timedelta(minutes=30)), ("2h", timedelta(hours=2)),
                                                ("1d", timedelta(days=1)), ("45s", timedelta(seconds=45))])
def test_durations(text, expected):
    assert parse_duration(text) == expected


def test_lists_match_the_engine():
    from intacct.sync import config as engine_config

    assert CONFLICT_POLICIES == engine_config.CONFLICT_POLICIES
    assert SYNC_OBJECTS == engine_config.OBJECTS


def test_the_shipped_configuration_is_valid():
    config = load_entities(Path(__file__).resolve().parents[3] / "include" / "entities.yaml")
    assert config.problems == []
    assert [spec.entity_id for spec in config.entities] == ["US01", "CA01"]
