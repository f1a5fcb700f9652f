"""The end of a run: the rejections check and the report.

``rejections`` runs after the last step and lists the rejected and conflicted records of the run; it fails
when records were rejected (a red box in the grid) and is skipped on a dry run (a pink box), so a partial
run and a dry run differ at a glance from a clean one. The DAG run's state comes from ``report``, a leaf:
a partial run is still a successful run.

``report`` runs whatever happened upstream (trigger rule ``all_done``), so a failed run still records what it
did; it then fails itself when a selected step did not complete, so the DAG run shows the failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from airflow.sdk import TriggerRule
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from intacct.operators.base import IntacctEntityOperator, run_options_from_params

if TYPE_CHECKING:
    from airflow.sdk import Context

    from intacct.sync import RunSummary
    from intacct.sync.run_log import RunLog

# How many rejected or conflicted records a task log lists; the rest are counted.
REVIEW_LIMIT = 50
DEFAULT_SYNC_TASK_IDS: dict[str, str] = {name: f"sync_{name}" for name in ("accounts", "vendors", "bills")}


class IntacctSyncReportOperator(IntacctEntityOperator):
    """Finishes the engine run and reports per object and direction, with the Intacct API calls used.

    :param preflight_task_id: task id of the preflight in the same DAG.
    :param sync_task_ids: object name → task id of its sync task.
    """

    ui_color = "#e3ecfa"

    def __init__(
        self,
        *,
        preflight_task_id: str = "preflight",
        sync_task_ids: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("trigger_rule", TriggerRule.ALL_DONE)
        super().__init__(**kwargs)
        self.preflight_task_id = preflight_task_id
        self.sync_task_ids = dict(sync_task_ids or DEFAULT_SYNC_TASK_IDS)

    def execute(self, context: Context) -> dict[str, Any]:
        ti = context["ti"]
        options = run_options_from_params(context["params"])
        preflight = ti.xcom_pull(task_ids=self.preflight_task_id)
        if not preflight:
            raise AirflowFailException(
                f"The preflight of entity '{self.entity_id}' failed, so nothing was synced: its log says "
                "what to fix in Sage Intacct or in the connection."
            )
        completed = {
            name: ti.xcom_pull(task_ids=self.sync_task_ids[name]) for name in options.objects
        }
        incomplete = [name for name, result in completed.items() if not result]
        with self.sync_engine() as engine:
            run_id = self.start_engine_run(engine, context)
            summary = engine.finish_run(run_id)
            corrected = with_step_results(summary, incomplete)
            if corrected != summary:
                engine.run_log.update(run_id, status=corrected.status, message=corrected.message)
                summary = corrected
            review = review_text(engine.run_log, run_id)
        self.log.info(
            "Sync of entity %s with BC company %s (%s):\n%s",
            self.entity_id,
            self.bc_company_id,
            "dry run" if options.dry_run else "applied",
            summary.as_table() + (f"\n{review}" if review else ""),
        )
        if incomplete:
            raise AirflowFailException(
                f"Sync of {', '.join(incomplete)} did not complete for entity '{self.entity_id}'; "
                "the table above shows what the run did. See those tasks' logs for the cause."
            )
        return summary_counts(summary)


class IntacctRejectionsOperator(IntacctEntityOperator):
    """Lists the run's rejected and conflicted records; fails when any record was rejected.

    Skipped on a dry run (nothing was written; the plan is in the sync tasks' logs and intacct_planned_changes).

    :param preflight_task_id: task id of the preflight, whose XCom holds the engine run id.
    """

    ui_color = "#fde2e2"

    def __init__(self, *, preflight_task_id: str = "preflight", **kwargs: Any) -> None:
        kwargs.setdefault("trigger_rule", TriggerRule.NONE_FAILED)
        super().__init__(**kwargs)
        self.preflight_task_id = preflight_task_id

    def execute(self, context: Context) -> dict[str, Any]:
        from intacct.sync import RunSummary
        from intacct.sync.run_log import RunLog

        options = run_options_from_params(context["params"])
        preflight = context["ti"].xcom_pull(task_ids=self.preflight_task_id) or {}
        run_id = preflight.get("run_id")
        if not run_id:
            raise AirflowFailException("The preflight opened no engine run, so there is nothing to check.")
        warehouse = self.warehouse()
        try:
            run_log = RunLog(warehouse)
            summary = RunSummary.from_row(run_log.get(run_id))
            review = review_text(run_log, run_id)
        finally:
            warehouse.dispose()
        rejected = total_of(summary, "rejected")
        if options.dry_run:
            raise AirflowSkipException(
                f"Dry run: nothing was written to Intacct or BC; {rejected} record(s) would be rejected and "
                f"{total_of(summary, 'conflicts')} would be conflicts. Each sync task's log shows its planned "
                f"changes; all of them are in intacct_planned_changes where run_id = '{run_id}'."
            )
        if review:
            self.log.info("%s", review)
        if rejected:
            raise AirflowFailException(
                f"{rejected} record(s) were rejected in run {run_id} (listed above, with the reasons); every "
                "other record was synced. Correct each row in BC (or the record in Intacct) as its reason "
                "says: the next run retries it."
            )
        self.log.info("No record was rejected in run %s.", run_id)
        return {"run_id": run_id, "rejected": 0, "conflicts": total_of(summary, "conflicts")}


def total_of(summary: RunSummary, counter: str) -> int:
    return sum(numbers.get(counter, 0) for per in summary.counts.values() for numbers in per.values())


def review_text(run_log: RunLog, run_id: str, limit: int = REVIEW_LIMIT) -> str:
    """The rejected and conflicted records of a run, one line each with its reason: the first ``limit`` of
    them, then how many more there are and where to read them. Empty when there are none."""
    rows, total = run_log.outcomes_to_review(run_id, limit)
    if not total:
        return ""
    lines = [f"{total} record(s) to review (rejected or conflicted) in run {run_id}:"]
    for row in rows:
        keys = " / ".join(key for key in (row.get("bc_key") and f"BC {row['bc_key']}",
                                          row.get("intacct_key") and f"Intacct {row['intacct_key']}") if key)
        errorno = f" [Intacct error {row['errorno']}]" if row.get("errorno") else ""
        lines.append(f"  {row['action']:<9} {row['object']} {row['direction']} {keys or '(no key)'}: "
                     f"{row.get('reason') or '(no reason recorded)'}{errorno}")
    if total > len(rows):
        lines.append(f"  … and {total - len(rows)} more: select * from intacct_record_outcomes where run_id = "
                     f"'{run_id}' and action in ('rejected', 'conflict')")
    return "\n".join(lines)


def with_step_results(summary: RunSummary, incomplete: list[str]) -> RunSummary:
    """The summary, failed when a selected step did not complete.

    Each step writes its own counts and API calls into the run row, but a step whose process died (or
    whose task was never run) wrote nothing, so only Airflow knows it is missing.
    """
    if not incomplete or summary.status == "failed":
        return summary
    return replace(summary, status="failed",
                   message=f"did not complete: {', '.join(incomplete)} (see the Airflow task logs)")


def summary_counts(summary: RunSummary) -> dict[str, Any]:
    """Only the counts (never records) go to XCom."""
    return {
        "run_id": summary.run_id,
        "status": summary.status,
        "counts": summary.counts,
        "api_calls": summary.api_calls,
    }
