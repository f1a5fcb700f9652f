"""SyncEngine: one entity ↔ one BC company. Start a run, sync each object, finish the run."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, replace

from intacct.client.settings import ClientSettings
from intacct.garbage_collection import bulk_work
from intacct.sync import faults
from intacct.sync.accounts import AccountSync
from intacct.sync.base import ObjectSync, RunContext
from intacct.sync.bills import BillSync
from intacct.sync.config import OBJECTS, TRIGGERS, EntityConfig, RunOptions
from intacct.sync.plan import ObjectReport, calls_by_direction, count_actions
from intacct.sync.run_log import RunLog, RunSummary
from intacct.sync.state import SyncState, utc_now
from intacct.sync.vendors import VendorSync
from intacct.warehouse import Warehouse

_SYNCS: dict[str, type[ObjectSync]] = {"accounts": AccountSync, "vendors": VendorSync, "bills": BillSync}


class SyncEngine:
    """Plan-then-apply sync of one entity. Thread-unsafe by design: one run at a time per entity."""

    def __init__(self, client, warehouse: Warehouse, config: EntityConfig, *,
                 fault_hook: faults.FaultHook | None = None):
        if not isinstance(config, EntityConfig):
            raise TypeError("config must be an intacct.sync.EntityConfig")
        self.client = client
        self.warehouse = warehouse
        settings = getattr(client, "settings", None)
        self.config = config.with_client_settings(settings if isinstance(settings, ClientSettings) else None)
        self.fault_hook = fault_hook or faults.no_faults
        self.state = SyncState(warehouse, config.bc_company_id, config.watermark_entity)
        self.run_log = RunLog(warehouse)
        self._runs: dict[str, dict] = {}

    def start_run(self, trigger: str = "scheduled", options: RunOptions | None = None,
                  run_key: str | None = None) -> str:
        """Open a run and return its id. The same ``run_key`` (e.g. an Airflow run id) gives the same id."""
        if trigger not in TRIGGERS:
            raise ValueError(f"trigger must be one of {', '.join(TRIGGERS)}, not {trigger!r}")
        options = options or RunOptions()
        if run_key:
            digest = hashlib.sha256(f"{self.config.watermark_entity}|{run_key}".encode()).hexdigest()[:20]
            run_id = f"run-{digest}"
        else:
            run_id = f"run-{uuid.uuid4().hex[:20]}"
        self.run_log.start(run_id, self.config.watermark_entity, self.config.bc_company_id, trigger,
                           {**asdict(options), "objects": list(options.objects)})
        self._runs[run_id] = {"options": options, "trigger": trigger, "reports": {}}
        return run_id

    def _options(self, run_id: str) -> RunOptions:
        if run_id not in self._runs:
            row = self.run_log.get(run_id)  # a run started by another process (e.g. another Airflow task)
            stored = dict(row["options"] or {})
            options = RunOptions(full_refresh=bool(stored.get("full_refresh")), dry_run=bool(stored.get("dry_run")),
                                 objects=tuple(stored.get("objects") or OBJECTS))
            self._runs[run_id] = {"options": options, "trigger": row["triggered_by"], "reports": {}}
        return self._runs[run_id]["options"]

    def _calls_by_function(self, object_name: str) -> dict[str, int]:
        """The calls made for ``object_name`` so far, by function (all calls, for a client that cannot tell)."""
        usage = getattr(self.client, "usage", None)
        calls_in = getattr(usage, "calls_in", None)
        if calls_in is not None:
            return dict(calls_in(object_name))
        return dict(getattr(usage, "calls_by_function", None) or {})

    @contextmanager
    def _counted_as(self, object_name: str) -> Iterator[None]:
        """Calls made in this block (and by reads started in it) count for ``object_name``."""
        scoped = getattr(getattr(self.client, "usage", None), "scoped", None)
        with scoped(object_name) if scoped is not None else nullcontext():
            yield

    def _new_sync(self, run_id: str, object_name: str) -> ObjectSync:
        context = RunContext(run_id, self.client, self.warehouse, self.config, self._options(run_id), self.state,
                             self.run_log, self.fault_hook)
        return _SYNCS[object_name](context)

    def _sync(self, run_id: str, object_name: str, sync: ObjectSync | None = None,
              calls_before: dict[str, int] | None = None) -> ObjectReport:
        options = self._options(run_id)
        if object_name not in options.objects:  # not chosen for this run (e.g. a Sync Now of bills only)
            return ObjectReport(object_name, count_actions([]), 0, dry_run=options.dry_run)
        sync = sync or self._new_sync(run_id, object_name)
        if options.dry_run:  # the plan goes to the run log as it is produced, not to memory
            sync.plan.stream_to(self.run_log.plan_writer(run_id, object_name))
        if calls_before is None:  # else counted from before its early read
            calls_before = self._calls_by_function(object_name)
        try:
            with self._counted_as(object_name), bulk_work():
                sync.run()
        except Exception as error:
            sync.plan.flush()
            self._store_report(run_id, object_name, sync, calls_before,
                               failure=f"{type(error).__name__}: {error}")
            raise
        sync.plan.flush()
        return self._store_report(run_id, object_name, sync, calls_before)

    def _store_report(self, run_id, object_name, sync: ObjectSync, calls_before: dict[str, int],
                      failure: str | None = None) -> ObjectReport:
        calls_after = self._calls_by_function(object_name)
        total = sum(calls_after.values()) - sum(calls_before.values())
        report = ObjectReport(object_name, sync.counts(), total,
                              plan=sync.plan if sync.dry_run else None, dry_run=sync.dry_run,
                              api_calls_by_direction=calls_by_direction(calls_before, calls_after, total))
        self._runs[run_id]["reports"][object_name] = report
        self.run_log.merge_object(run_id, object_name, report.counts, report.api_calls, failure,
                                  by_direction=report.api_calls_by_direction)
        return report

    def sync_accounts(self, run_id: str) -> ObjectReport:
        return self._sync(run_id, "accounts")

    def sync_vendors(self, run_id: str) -> ObjectReport:
        return self._sync(run_id, "vendors")

    def sync_bills(self, run_id: str) -> ObjectReport:
        return self._sync(run_id, "bills")

    def run(self, trigger: str = "scheduled", options: RunOptions | None = None) -> RunSummary:
        """Convenience: a whole run (the objects of ``options`` in dependency order) and its summary."""
        run_id = self.start_run(trigger, options)
        chosen = [name for name in OBJECTS if name in self._options(run_id).objects]  # in dependency order
        syncs: dict[str, ObjectSync] = {}
        calls_before: dict[str, dict[str, int]] = {}
        with bulk_work():  # one freeze for the whole run, not one per object
            return self._run(run_id, chosen, syncs, calls_before)

    def _run(self, run_id: str, chosen: list[str], syncs: dict[str, ObjectSync],
             calls_before: dict[str, dict[str, int]]) -> RunSummary:
        try:
            # A long read that nothing before it in the run can change (a first sync's bills) starts now,
            # beside the syncs before it: the company's request slots are busy from the run's first call.
            for object_name in chosen[1:]:
                calls_before[object_name] = self._calls_by_function(object_name)
                sync = syncs[object_name] = self._new_sync(run_id, object_name)
                with self._counted_as(object_name):
                    sync.read_early()
            for object_name in chosen:
                self._sync(run_id, object_name, syncs.get(object_name), calls_before.get(object_name))
        finally:
            reports = self._runs[run_id]["reports"]
            for object_name, sync in syncs.items():
                sync.close_early()  # a run that failed before reaching an object stops its read
                if object_name not in reports and self._calls_by_function(object_name) != calls_before[object_name]:
                    # Its early read made calls Intacct bills: the run log counts them, under the object.
                    self._store_report(run_id, object_name, sync, calls_before[object_name],
                                       failure="not reached: the run stopped before it (its early read is counted)")
            summary = self.finish_run(run_id)
        return summary

    def finish_run(self, run_id: str) -> RunSummary:
        """Close the run row: status, counts per object and direction, API calls, and a message."""
        options = self._options(run_id)
        row = self.run_log.get(run_id)
        counts = dict(row["counts"] or {})
        api_calls = int(row["api_calls"] or 0)
        rejected = sum(d.get("rejected", 0) for c in counts.values() for d in c.values())
        failures = row["failures"] or {}
        if failures:
            status, message = "failed", "; ".join(f"{name}: {text}" for name, text in sorted(failures.items()))
        elif options.dry_run:
            status, message = "dry_run", "dry run: nothing was written"
        elif rejected:
            status, message = "partial", f"{rejected} record(s) rejected; see intacct_record_outcomes"
        else:
            status, message = "succeeded", None
        finished = utc_now()
        self.run_log.update(run_id, status=status, finished_at=finished, counts=counts, api_calls=api_calls,
                            message=message)
        return replace(RunSummary.from_row(row), status=status, finished_at=finished, counts=counts,
                       api_calls=api_calls, message=message)
