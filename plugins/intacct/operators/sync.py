"""One operator per synced object; each runs one step of the engine run and passes only counts on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from intacct.operators.base import IntacctEntityOperator, run_options_from_params

if TYPE_CHECKING:
    from airflow.sdk import Context


class IntacctSyncObjectOperator(IntacctEntityOperator):
    """Syncs one object of one entity. Skipped when the run's ``objects`` option does not select it."""

    sync_object: ClassVar[str]

    def execute(self, context: Context) -> dict[str, Any]:
        options = run_options_from_params(context["params"])
        if self.sync_object not in options.objects:
            raise AirflowSkipException(
                f"{self.sync_object} not selected in this run (objects = {', '.join(options.objects)})"
            )
        from intacct.client.setup_check import is_setup_problem

        hook = self.intacct_hook(context)
        with self.sync_engine(hook) as engine:
            run_id = self.start_engine_run(engine, context)
            try:
                report = getattr(engine, f"sync_{self.sync_object}")(run_id)
            except Exception as exc:
                if not is_setup_problem(exc):
                    raise
                # The object's first read is its setup probe: a missing setup step fails the task at once, with
                # the guide's step, instead of spending the retries (and their calls) on it.
                raise AirflowFailException(
                    f"Sage Intacct setup check failed for entity '{self.entity_id}' (connection "
                    f"'{self.intacct_conn_id}') reading {self.sync_object}: {exc}. The objects synced before "
                    f"{self.sync_object} in this run stay synced; fix the setup and run again."
                ) from None
            self.hand_on_session(hook, context)
        if options.dry_run and report.plan is not None:
            self.log.info(
                "Dry run: planned changes for %s (nothing written):\n%s", self.sync_object, report.plan.as_text()
            )
        for direction, counts in report.counts.items():
            self.log.info("%s %s: %s", self.sync_object, direction, _format_counts(counts))
        self.log.info("%s: %d Intacct API call(s)", self.sync_object, report.api_calls)
        return {
            "object": self.sync_object,
            "run_id": run_id,
            "dry_run": options.dry_run,
            "counts": {direction: dict(counts) for direction, counts in report.counts.items()},
            "api_calls": int(report.api_calls),
        }


def _format_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {value}" for name, value in counts.items())


class IntacctSyncAccountsOperator(IntacctSyncObjectOperator):
    """Chart of accounts, Intacct → BC."""

    sync_object = "accounts"


class IntacctSyncVendorsOperator(IntacctSyncObjectOperator):
    """Vendors, both ways."""

    sync_object = "vendors"


class IntacctSyncBillsOperator(IntacctSyncObjectOperator):
    """Bills with their lines, both ways (BC's ready-to-pay bills out, Intacct's bills and payments in)."""

    sync_object = "bills"


SYNC_OPERATORS: dict[str, type[IntacctSyncObjectOperator]] = {
    "accounts": IntacctSyncAccountsOperator,
    "vendors": IntacctSyncVendorsOperator,
    "bills": IntacctSyncBillsOperator,
}
