"""Preflight: prove the Intacct setup and the warehouse work before any data moves."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk.exceptions import AirflowException, AirflowFailException

from intacct.operators.base import IntacctEntityOperator, run_options_from_params

if TYPE_CHECKING:
    from airflow.sdk import Context

    from intacct.hooks.intacct import IntacctHook


# The run row's entry for the preflight's API calls, beside the synced objects' own.
PREFLIGHT = "preflight"


class IntacctPreflightOperator(IntacctEntityOperator):
    """Signs in to Intacct (the session the run's tasks then share), then readies the warehouse schema and
    opens the engine run. Read access is probed by each object's first read, not here. A setup problem fails
    the task without retries, with the remediation; a transient one (network, maintenance, rate limit) fails
    this try so the task's retries apply."""

    ui_color = "#fff4d6"

    def execute(self, context: Context) -> dict[str, Any]:
        from intacct.hooks.intacct import IntacctConnectionError, is_transient

        run_options_from_params(context["params"])  # a bad Sync Now option fails the run here, first
        hook = self.intacct_hook()
        try:
            # The sign-in only: each object's first read is its read-access probe (a missing subscription
            # fails that object's task with the guide's step), so the run pays for no separate probe reads.
            report = hook.check_setup(probes=False)
        except IntacctConnectionError as exc:
            self._record_failed_run(context, str(exc), hook)
            raise AirflowFailException(f"{exc}\nNothing was synced.") from None
        if not report.ok:
            failure = (
                f"Sage Intacct setup check failed for entity '{self.entity_id}' "
                f"(connection '{self.intacct_conn_id}'); nothing was synced.\n{report.message}"
            )
            if is_transient(report):
                # Network trouble or maintenance: the task's retries (with backoff) may get through.
                raise AirflowException(failure)
            self._record_failed_run(context, report.message, hook)
            raise AirflowFailException(failure)
        self.log.info("Sage Intacct setup check passed: %s", report.message)
        with self.sync_engine(hook) as engine:
            run_id = self.start_engine_run(engine, context)
            # Intacct bills the preflight's sign-in and probe reads too: count them in the run's total.
            calls = int(hook.get_conn().usage.total_calls)
            # Only the calls: the run's counts stay those of the synced objects. The sync tasks run after this
            # one, and each adds its own calls to the same per-step map, whose sum is the run's total.
            row = engine.run_log.get(run_id)
            by_step = {**(row["api_calls_by_object"] or {}), PREFLIGHT: calls}
            engine.run_log.update(run_id, api_calls_by_object=by_step, api_calls=sum(by_step.values()))
            self.hand_on_session(hook, context)
        self.log.info("Engine run %s opened for %s (preflight: %d Intacct API call(s))", run_id, context["run_id"],
                      calls)
        return {"ok": True, "run_id": run_id}

    def _record_failed_run(self, context: Context, message: str, hook: IntacctHook) -> None:
        """Best effort: BC's users read the run log, so a run stopped by the setup check appears there too."""
        try:
            with self.sync_engine(hook) as engine:
                run_id = self.start_engine_run(engine, context)
                engine.run_log.update(run_id, status="failed", message=f"setup check failed: {message}")
        except Exception as exc:  # the setup failure is what the user must see, not this one
            self.log.warning("Could not record the failed run in the run log: %s", exc)
