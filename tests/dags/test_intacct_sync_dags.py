"""The DAG folder as Airflow's DagBag sees it: one DAG per entity, their shape, and bad configurations."""

from __future__ import annotations

from pathlib import Path

import pytest

from intacct.operators.entity_config import ENTITIES_FILE_ENV

pytestmark = pytest.mark.integration

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
ENTITY = """  - entity_id: {entity}
    bc_company_id: bc-{entity}
    intacct_conn_id: intacct_demo
    warehouse_conn_id: bc_warehouse
"""


def dag_bag():
    from airflow.models import DagBag

    return DagBag(dag_folder=str(DAGS_FOLDER))


def write_config(tmp_path: Path, monkeypatch, text: str) -> None:
    path = tmp_path / "entities.yaml"
    path.write_text(text)
    monkeypatch.setenv(ENTITIES_FILE_ENV, str(path))


@pytest.fixture(scope="module")
def shipped_bag():
    return dag_bag()


def test_shipped_configuration_loads_without_import_errors(shipped_bag):
    assert shipped_bag.import_errors == {}
    assert sorted(shipped_bag.dag_ids) == ["intacct_sync_ca01", "intacct_sync_us01"]


def test_task_order_is_preflight_accounts_vendors_bills_rejections_report(shipped_bag):
    dag = shipped_bag.dags["intacct_sync_us01"]
    downstream = {task.task_id: sorted(task.downstream_task_ids) for task in dag.tasks}
    assert downstream == {
        "preflight": ["sync_accounts"],
        "sync_accounts": ["sync_vendors"],
        "sync_vendors": ["sync_bills"],
        "sync_bills": ["rejections"],
        "rejections": ["report"],
        "report": [],
    }
    # The report is the only leaf, so it alone decides the DAG run's state: a failed "rejections" box
    # marks a partial run without failing it.
    assert [task.task_id for task in dag.tasks if not task.downstream_task_ids] == ["report"]
    assert dag.task_dict["rejections"].trigger_rule == "none_failed"


def test_report_runs_whatever_happened_and_steps_follow_skipped_steps(shipped_bag):
    dag = shipped_bag.dags["intacct_sync_us01"]
    assert dag.task_dict["report"].trigger_rule == "all_done"
    for name in ("sync_accounts", "sync_vendors", "sync_bills"):
        assert dag.task_dict[name].trigger_rule == "none_failed"


def test_sync_now_form_offers_full_refresh_dry_run_and_objects(shipped_bag):
    params = shipped_bag.dags["intacct_sync_us01"].params
    assert params["full_refresh"] is False and params["dry_run"] is False
    assert params["objects"] == ["accounts", "vendors", "bills"]
    from airflow.sdk.definitions.param import ParamValidationError

    with pytest.raises(ParamValidationError):
        params.get_param("dry_run").resolve("yes")


def test_objects_to_sync_is_a_multi_select_in_the_airflow_ui(shipped_bag):
    # Airflow 3.3's trigger form (FlexibleForm) renders a multi-select for a param whose first non-null type
    # is "array" and whose schema has a top-level "examples" (or "enum") list: its options.
    schema = shipped_bag.dags["intacct_sync_us01"].params.get_param("objects").schema
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    assert next(t for t in types if t != "null") == "array"
    assert schema["examples"] == ["accounts", "vendors", "bills"]
    assert set(schema["values_display"]) == {"accounts", "vendors", "bills"}


def test_a_typo_in_objects_passes_the_form_and_fails_the_run_with_a_clear_message(shipped_bag):
    from airflow.sdk.exceptions import AirflowFailException

    from intacct.operators.base import run_options_from_params

    param = shipped_bag.dags["intacct_sync_us01"].params.get_param("objects")
    # No raw jsonschema error at trigger time ...
    assert param.resolve(["accounts", "payments"]) == ["accounts", "payments"]
    # ... the run's first task refuses it, naming the value and the choices.
    with pytest.raises(AirflowFailException) as refused:
        run_options_from_params({"objects": ["accounts", "payments"]})
    message = str(refused.value)
    assert "'payments' is not an object" in message and "accounts, vendors, bills" in message
    with pytest.raises(AirflowFailException, match="empty: choose at least one"):
        run_options_from_params({"objects": None})  # what the form sends when every option is removed


def test_the_schedule_carries_the_entity_timezone(shipped_bag):
    from airflow.serialization.serialized_objects import DagSerialization

    dag = shipped_bag.dags["intacct_sync_us01"]
    assert str(dag.timetable.timezone) == "America/Los_Angeles" == str(dag.timezone)
    assert "America/Los_Angeles" in dag.description
    served = DagSerialization.from_dict(DagSerialization.to_dict(dag))  # what the scheduler and the UI read
    assert str(served.timetable._timezone) == "America/Los_Angeles"
    first = served.timetable.next_dagrun_info(last_automated_data_interval=None, restriction=_no_restriction())
    local = first.run_after.in_timezone("America/Los_Angeles")
    assert (local.hour, local.minute) == (0, 0), f"runs at midnight Los Angeles time, not {first.run_after}"


def _no_restriction():
    from datetime import UTC, datetime

    from airflow.timetables.base import TimeRestriction

    return TimeRestriction(earliest=datetime(2026, 1, 1, tzinfo=UTC), latest=None, catchup=False)


def test_runs_one_at_a_time_retry_with_backoff_and_share_the_company_pool(shipped_bag):
    us, ca = shipped_bag.dags["intacct_sync_us01"], shipped_bag.dags["intacct_sync_ca01"]
    assert us.max_active_runs == 1
    sync = us.task_dict["sync_vendors"]
    assert sync.retries == 2 and sync.retry_exponential_backoff
    assert sync.pool == ca.task_dict["sync_vendors"].pool == "intacct_intacct_demo"
    from airflow.serialization.serialized_objects import DagSerialization

    served = DagSerialization.from_dict(DagSerialization.to_dict(us)).timetable
    assert served.summary in ("@daily", "0 0 * * *") and served.description == "At 00:00"
    assert "Sync Now" in us.doc_md and "Intacct → BC" in us.doc_md
    assert "intacct" in us.tags and "entity:US01" in us.tags


def test_each_sync_step_declares_the_bc_tables_it_writes(shipped_bag):
    dag = shipped_bag.dags["intacct_sync_us01"]
    names = {t: sorted(a.name for a in dag.task_dict[t].outlets) for t in ("sync_vendors", "sync_bills")}
    assert names == {"sync_vendors": ["bc.bc-us.bc_vendors"],
                     "sync_bills": ["bc.bc-us.bc_bill_lines", "bc.bc-us.bc_bills"]}


def test_bad_entry_is_an_import_error_naming_it_while_good_entities_load(tmp_path, monkeypatch):
    text = "entities:\n" + ENTITY.format(entity="GOOD1") + ENTITY.format(entity="GOOD2")
    text += "  - entity_id: BAD1\n    bc_company_id: bc-bad\n    intacct_conn_id: intacct_demo\n"
    write_config(tmp_path, monkeypatch, text)
    bag = dag_bag()
    assert sorted(bag.dag_ids) == ["intacct_sync_good1", "intacct_sync_good2"]
    (error,) = bag.import_errors.values()
    assert "entities[2] (entity 'BAD1')" in error and "field 'warehouse_conn_id'" in error


def test_duplicate_entity_is_an_import_error_and_the_first_one_loads(tmp_path, monkeypatch):
    write_config(tmp_path, monkeypatch, "entities:\n" + ENTITY.format(entity="US01") * 2)
    bag = dag_bag()
    assert bag.dag_ids == ["intacct_sync_us01"]
    (error,) = bag.import_errors.values()
    assert "entities[1] (entity 'US01')" in error and "duplicate" in error


def test_unreadable_yaml_is_an_import_error(tmp_path, monkeypatch):
    write_config(tmp_path, monkeypatch, "entities: [\n")
    bag = dag_bag()
    assert bag.dag_ids == []
    (error,) = bag.import_errors.values()
    assert "not valid YAML" in error


@pytest.mark.unit
def test_a_worker_parsing_for_one_dag_builds_only_that_dag():
    from intacct.operators.entity_config import load_entities
    from intacct.operators.entity_dag import build_entity_dags

    specs = load_entities(DAGS_FOLDER.parent / "include" / "entities.yaml").entities
    assert list(build_entity_dags(specs, only_dag_id="intacct_sync_ca01")) == ["intacct_sync_ca01"]
    assert len(build_entity_dags(specs)) == len(specs)
