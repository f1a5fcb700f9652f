"""The run report: closes the engine run, writes its summary to the run log and prints it as a table.

It runs whatever happened upstream (trigger rule ``all_done``), so a failed run still records what it did;
it then fails itself when a selected step did not complete, so the DAG run shows the failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from airflow.sdk import TriggerRule
from airflow.sdk.exceptions import AirflowFailException

from intacct.operators.base import IntacctEntityOperator, run_options_from_params

if TYPE_CHECKING:
    from airflow.sdk import Context

    from intacct.sync import RunSummary

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
            corrected = with_step_results(summary, completed, incomplete)
            if corrected != summary:
                engine.run_log.update(run_id, status=corrected.status, message=corrected.message,
                                      counts=corrected.counts, api_calls=corrected.api_calls,
                                      api_calls_by_object=corrected.api_calls_by_object)
                summary = corrected
        self.log.info(
            "Sync of entity %s with BC company %s (%s):\n%s",
            self.entity_id,
            self.bc_company_id,
            "dry run" if options.dry_run else "applied",
            summary.as_table(),
        )
        if incomplete:
            raise AirflowFailException(
                f"Sync of {', '.join(incomplete)} did not complete for entity '{self.entity_id}'; "
                "the table above shows what the run did. See those tasks' logs for the cause."
            )
        return summary_counts(summary)


def with_step_results(summary: RunSummary, completed: Mapping[str, Any], incomplete: list[str]) -> RunSummary:
    """The summary as the steps reported it through XCom.

    Each step ran in its own process, so the engine that finishes the run may not have seen every step's
    counts or errors; the steps' own reports are authoritative for what they did.
    """
    counts = dict(summary.counts)
    counts.update({name: result["counts"] for name, result in completed.items() if result})
    calls_by_object = {**summary.api_calls_by_object,
                       **{name: int(result["api_calls"]) for name, result in completed.items() if result}}
    api_calls = max(summary.api_calls, sum(calls_by_object.values()))
    status, message = summary.status, summary.message
    rejected = sum(n.get("rejected", 0) for per_direction in counts.values() for n in per_direction.values())
    if incomplete:
        status, message = "failed", f"did not complete: {', '.join(incomplete)} (see the Airflow task logs)"
    elif status == "succeeded" and rejected:
        status, message = "partial", f"{rejected} record(s) rejected; see intacct_record_outcomes"
    return replace(summary, counts=counts, api_calls=api_calls, api_calls_by_object=calls_by_object,
                   status=status, message=message)


def summary_counts(summary: RunSummary) -> dict[str, Any]:
    """Only the counts (never records) go to XCom."""
    return {
        "run_id": summary.run_id,
        "status": summary.status,
        "counts": summary.counts,
        "api_calls": summary.api_calls,
    }
