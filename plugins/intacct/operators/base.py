"""What every Intacct sync task shares: the entity's settings, the run options and the engine run.

The engine, the client and the warehouse are imported inside ``execute`` only, so parsing a DAG file never
imports them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException

from intacct.operators.entity_config import SYNC_OBJECTS

if TYPE_CHECKING:
    from airflow.sdk import Context

    from intacct.hooks.intacct import IntacctHook
    from intacct.sync import RunOptions, SyncEngine
    from intacct.warehouse import Warehouse

SYNC_NOW_RUN_TYPES = frozenset({"manual"})


def run_options_from_params(params: Mapping[str, Any]) -> RunOptions:
    """The Sync Now form (DAG params) → the engine's RunOptions; a scheduled run gets the defaults."""
    from intacct.sync import RunOptions

    objects = params.get("objects") or list(SYNC_OBJECTS)
    if isinstance(objects, str):
        objects = [objects]
    unknown = [name for name in objects if name not in SYNC_OBJECTS]
    if unknown:
        raise AirflowFailException(
            f"Unknown objects {unknown} in the run's 'objects' option; choose from {', '.join(SYNC_OBJECTS)}"
        )
    return RunOptions(
        full_refresh=bool(params.get("full_refresh", False)),
        dry_run=bool(params.get("dry_run", False)),
        # Always run in dependency order, whatever order the form sent.
        objects=tuple(name for name in SYNC_OBJECTS if name in objects),
    )


def run_key_for(context: Context) -> str:
    """One engine run per DAG run: every task of the DAG run derives the same key."""
    return f"{context['dag'].dag_id}/{context['run_id']}"


def trigger_for(context: Context) -> str:
    run_type = getattr(context["dag_run"], "run_type", None)
    run_type = getattr(run_type, "value", run_type)
    return "sync_now" if run_type in SYNC_NOW_RUN_TYPES else "scheduled"


class IntacctEntityOperator(BaseOperator):
    """Base of the operators that act for one entity (one Intacct entity ⇄ one BC company).

    :param entity_id: Intacct entity id (overrides the connection's entity_id).
    :param bc_company_id: the BC company the entity syncs with.
    :param intacct_conn_id: Airflow connection of type ``intacct``.
    :param warehouse_conn_id: Airflow connection of the BC warehouse (see ``intacct.hooks.warehouse``).
    :param conflict_policy: how a field changed on both sides is resolved.
    :param lookback: how far before the watermark each incremental read starts again.
    """

    template_fields: Sequence[str] = ("entity_id", "bc_company_id", "intacct_conn_id", "warehouse_conn_id")
    ui_color = "#e8f4ea"

    def __init__(
        self,
        *,
        entity_id: str,
        bc_company_id: str,
        intacct_conn_id: str,
        warehouse_conn_id: str,
        conflict_policy: str = "intacct_wins",
        lookback: timedelta = timedelta(hours=2),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.entity_id = entity_id
        self.bc_company_id = bc_company_id
        self.intacct_conn_id = intacct_conn_id
        self.warehouse_conn_id = warehouse_conn_id
        self.conflict_policy = conflict_policy
        self.lookback = lookback

    def intacct_hook(self) -> IntacctHook:
        from intacct.hooks.intacct import IntacctHook

        return IntacctHook(self.intacct_conn_id, entity_id=self.entity_id)

    def warehouse(self) -> Warehouse:
        from intacct.hooks.warehouse import BCWarehouseHook

        return BCWarehouseHook(self.warehouse_conn_id).get_warehouse()

    @contextmanager
    def sync_engine(self, hook: IntacctHook | None = None) -> Iterator[SyncEngine]:
        """The engine for this entity; closes the client and the warehouse's connections afterwards.

        Pass the hook that already signed in (the preflight) to reuse its session."""
        from intacct.sync import EntityConfig, SyncEngine

        hook = hook or self.intacct_hook()
        config = EntityConfig(
            entity_id=self.entity_id,
            bc_company_id=self.bc_company_id,
            conflict_policy=self.conflict_policy,
            lookback=self.lookback,
            # The connection's write_batch_size extra sizes the engine's write batches too, not only the
            # client's requests: otherwise the engine's default would cap every request it sends.
            write_batch_size=hook.config.settings.write_batch_size,
        )
        warehouse = self.warehouse()
        try:
            applied = warehouse.ensure_schema()  # idempotent; a no-op once the schema is current
            if applied:
                self.log.info("Warehouse schema migrations applied: %s", ", ".join(map(str, applied)))
            yield SyncEngine(hook.get_conn(), warehouse, config)
        finally:
            hook.close()
            warehouse.dispose()

    def start_engine_run(self, engine: SyncEngine, context: Context) -> str:
        return engine.start_run(
            trigger=trigger_for(context),
            options=run_options_from_params(context["params"]),
            run_key=run_key_for(context),
        )
