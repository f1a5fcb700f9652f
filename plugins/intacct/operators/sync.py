"""One operator per synced object; each runs one step of the engine run and passes only counts on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk.exceptions import AirflowSkipException

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
        with self.sync_engine() as engine:
            run_id = self.start_engine_run(engine, context)
            report = getattr(engine, f"sync_{self.sync_object}")(run_id)
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
