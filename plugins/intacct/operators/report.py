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
            corrected = with_step_results(summary, incomplete)
            if corrected != summary:
                engine.run_log.update(run_id, status=corrected.status, message=corrected.message)
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
