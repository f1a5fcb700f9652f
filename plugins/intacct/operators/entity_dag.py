"""Builds the sync DAG of one entity: preflight → accounts → vendors → bills → report."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from airflow.sdk import DAG, Asset, CronTriggerTimetable, Param, TriggerRule

from intacct.operators.entity_config import SYNC_OBJECTS, EntitySpec
from intacct.operators.preflight import IntacctPreflightOperator
from intacct.operators.report import IntacctRejectionsOperator, IntacctSyncReportOperator
from intacct.operators.sync import SYNC_OPERATORS

# The BC tables each step writes; they become the step's Asset outlets.
TABLES_WRITTEN: dict[str, tuple[str, ...]] = {
    "accounts": ("bc_accounts",),
    "vendors": ("bc_vendors",),
    "bills": ("bc_bills", "bc_bill_lines"),
}
# How each object reads in the Sync Now form's multi-select.
OBJECT_LABELS: dict[str, str] = {
    "accounts": "Chart of accounts (Intacct → BC)",
    "vendors": "Vendors (both ways)",
    "bills": "Bills (both ways)",
}
DIRECTIONS: dict[str, str] = {
    "accounts": "Intacct → BC (chart of accounts; BC never edits it)",
    "vendors": "both ways (new BC vendors are created in Intacct; Intacct's vendors come to BC)",
    "bills": "both ways (BC's ready-to-pay bills go to Intacct; Intacct's bills and payment state come back)",
}
START_DATE = datetime(2025, 1, 1)
# Airflow validates every param's schema when it parses a scheduled DAG. Naming draft 7 makes that check
# several times cheaper than the default (2020-12) meta-schema; it matters with hundreds of entities.
SCHEMA_DRAFT = {"$schema": "http://json-schema.org/draft-07/schema#"}


def bc_table_asset(spec: EntitySpec, table: str) -> Asset:
    return Asset(
        name=f"bc.{spec.bc_company_id}.{table}",
        uri=f"x-bc-warehouse://{spec.warehouse_conn_id}/{spec.bc_company_id}/{table}",
        group="business_center",
    )


def sync_now_params() -> dict[str, Param]:
    """The Sync Now form; its defaults are exactly what the daily run does."""
    return {
        "full_refresh": Param(
            False,
            type="boolean",
            title="Full refresh",
            description="Re-read everything from Intacct instead of only what changed since the last run.",
            **SCHEMA_DRAFT,
        ),
        "dry_run": Param(
            False,
            type="boolean",
            title="Dry run",
            description="Plan and report the changes without writing to Intacct or the BC tables.",
            **SCHEMA_DRAFT,
        ),
        # Airflow 3.3's trigger form renders a multi-select only for an array param with a top-level
        # ``examples`` (or ``enum``) list; ``values_display`` labels its options. The schema deliberately does
        # not constrain the items: a typo sent through the REST API or the CLI would otherwise be refused
        # with a raw jsonschema dump. The tasks validate the value instead (run_options_from_params) and the
        # preflight fails the run, before anything moves, with a message naming the bad value.
        "objects": Param(
            list(SYNC_OBJECTS),
            type=["array", "string", "null"],
            examples=list(SYNC_OBJECTS),
            values_display=dict(OBJECT_LABELS),
            title="Objects to sync",
            description="Choose one or more; bills need their vendors and accounts. Unselected objects are skipped.",
            **SCHEMA_DRAFT,
        ),
    }


def doc_md_for(spec: EntitySpec) -> str:
    rows = "\n".join(f"| {name} | {DIRECTIONS[name]} |" for name in SYNC_OBJECTS)
    schedule = spec.schedule or "none (Sync Now only)"
    return f"""\
### Sage Intacct ⇄ Business Center: entity `{spec.entity_id}` ⇄ BC company `{spec.bc_company_id}`

| object | direction |
|---|---|
{rows}

**Schedule:** `{schedule}` ({spec.timezone}). **Conflicts** (a field changed on both sides):
`{spec.conflict_policy}`, each one logged with both values in the run log.

**Sync Now:** press *Trigger* on this DAG. The form offers *Full refresh*, *Dry run* and the objects to
sync; the defaults do what the daily run does. A Sync Now started during a running sync waits for it
(one run at a time). From the command line:
`airflow dags trigger {spec.dag_id} -c '{{"dry_run": true}}'`.

**Connections:** Intacct `{spec.intacct_conn_id}`, warehouse `{spec.warehouse_conn_id}`.
**Pool:** `{spec.pool}` limits the concurrent Intacct tasks of this company; create it once with
`airflow pools set {spec.pool} 2 "Sage Intacct company"`.

The *preflight* task signs in to Intacct first and fails with what to fix; the run's tasks then share that
session (sealed with Airflow's Fernet key), and each object's first read checks its access, failing with the
setup step to fix. The *rejections* task lists the rejected and conflicted records with their reasons: it is
**red** when records were rejected (a partial run: everything else was synced) and **skipped** on a dry run. The *report* task logs a table of created /
updated / conflicts / rejected per object and direction and the Intacct API calls used.
"""


def build_entity_dag(spec: EntitySpec) -> DAG:
    common = {
        "entity_id": spec.entity_id,
        "bc_company_id": spec.bc_company_id,
        "intacct_conn_id": spec.intacct_conn_id,
        "warehouse_conn_id": spec.warehouse_conn_id,
        "conflict_policy": spec.conflict_policy,
        "lookback": spec.lookback,
    }
    with DAG(
        dag_id=spec.dag_id,
        dag_display_name=spec.display_name,
        description=f"Sage Intacct entity {spec.entity_id} ⇄ BC company {spec.bc_company_id}"
        + (f"; runs {spec.schedule} {spec.timezone}" if spec.schedule else "; Sync Now only"),
        schedule=schedule_for(spec),
        start_date=_start_date(spec.timezone),
        catchup=False,
        max_active_runs=1,
        tags=["intacct", "business-center", f"entity:{spec.entity_id}", f"bc:{spec.bc_company_id}"],
        doc_md=doc_md_for(spec),
        params=sync_now_params(),
        default_args={
            "owner": "intacct-sync",
            "retries": spec.retries,
            "retry_delay": timedelta(minutes=1),
            "retry_exponential_backoff": True,
            "max_retry_delay": timedelta(minutes=30),
        },
    ) as dag:
        preflight = IntacctPreflightOperator(task_id="preflight", pool=spec.pool, **common)
        previous = preflight
        for name in SYNC_OBJECTS:
            step = SYNC_OPERATORS[name](
                task_id=f"sync_{name}",
                pool=spec.pool,
                # A step runs after skipped (unselected) steps, never after failed ones.
                trigger_rule=TriggerRule.NONE_FAILED,
                outlets=[bc_table_asset(spec, table) for table in TABLES_WRITTEN[name]],
                **common,
            )
            previous >> step
            previous = step
        # Between the last step and the report so that the run's state comes from the report (a leaf):
        # a partial run stays a successful DAG run with one red "rejections" box in the grid.
        rejections = IntacctRejectionsOperator(task_id="rejections", retries=0, **common)
        report = IntacctSyncReportOperator(task_id="report", retries=0, **common)
        previous >> rejections >> report
    return dag


def build_entity_dags(specs: Iterable[EntitySpec], only_dag_id: str | None = None) -> dict[str, DAG]:
    """DAGs by dag id; ``only_dag_id`` builds just that one (a worker parsing the file for one task)."""
    return {
        spec.dag_id: build_entity_dag(spec)
        for spec in specs
        if only_dag_id is None or spec.dag_id == only_dag_id
    }


def schedule_for(spec: EntitySpec) -> CronTriggerTimetable | None:
    """The entity's schedule as a timetable that carries its timezone: "@daily" in America/Los_Angeles
    runs at midnight Los Angeles time, whatever the server's default timezone is."""
    if spec.schedule is None:
        return None
    return CronTriggerTimetable(spec.schedule, timezone=spec.timezone)


def _start_date(timezone: str):
    import pendulum

    return pendulum.instance(START_DATE, tz=timezone)
