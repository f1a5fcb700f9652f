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
# The XCom key of the run's sealed Intacct session (see intacct.hooks.session_handoff): each task that used
# Intacct pushes it; the next one adopts it instead of signing in again.
SESSION_XCOM_KEY = "intacct_session"


def run_options_from_params(params: Mapping[str, Any]) -> RunOptions:
    """The Sync Now form (DAG params) → the engine's RunOptions; a scheduled run gets the defaults.

    The form's schema accepts any list (see entity_dag.sync_now_params), so this is where a bad value is
    refused, with a message naming it and the choices."""
    from intacct.sync import RunOptions

    return RunOptions(
        full_refresh=_flag(params, "full_refresh", "Full refresh"),
        dry_run=_flag(params, "dry_run", "Dry run"),
        objects=objects_from_param(params["objects"]) if "objects" in params else SYNC_OBJECTS,
    )


def objects_from_param(value: object) -> tuple[str, ...]:
    """``["vendors", "bills"]`` or ``"vendors, bills"`` → the objects in dependency order.

    None is what the trigger form sends when every option was removed: refused like an empty list."""
    choices = ", ".join(SYNC_OBJECTS)
    example = '{"objects": ["vendors", "bills"]}'
    if value is None:
        value = []
    if isinstance(value, str):
        value = [part for part in (p.strip() for p in value.split(",")) if part]
    if not isinstance(value, list | tuple) or not all(isinstance(name, str) for name in value):
        raise AirflowFailException(
            f"Objects to sync: {value!r} is not a list of object names; choose from {choices}, e.g. {example}. "
            "Nothing was synced."
        )
    names = [name.strip().lower() for name in value]
    unknown = [given for name, given in zip(names, value, strict=True) if name not in SYNC_OBJECTS]
    if unknown:
        raise AirflowFailException(
            f"Objects to sync: {', '.join(map(repr, unknown))} "
            f"{'is not an object' if len(unknown) == 1 else 'are not objects'} this sync knows; choose from {choices}, "
            f"e.g. {example}. Nothing was synced."
        )
    if not names:
        raise AirflowFailException(
            f"Objects to sync is empty: choose at least one of {choices}. Nothing was synced."
        )
    # Always run in dependency order, whatever order the form sent.
    return tuple(name for name in SYNC_OBJECTS if name in names)


def _flag(params: Mapping[str, Any], name: str, title: str) -> bool:
    value = params.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise AirflowFailException(f"{title} ({name!r}) must be true or false, not {value!r}. Nothing was synced.")
    return value


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

    def intacct_hook(self, context: Context | None = None) -> IntacctHook:
        """The hook of this entity; with ``context``, it reuses the session an upstream task of the same run
        handed on (the one valid longest), so the run signs in once."""
        from intacct.hooks.intacct import IntacctHook

        hook = IntacctHook(self.intacct_conn_id, entity_id=self.entity_id)
        # In the order the tasks ran (fewest tasks before them first): of two sessions valid equally long (the
        # gateway's timeout has whole seconds), the later task's is the one still accepted.
        upstream = sorted(self.get_flat_relative_ids(upstream=True), key=lambda task_id: (
            len(self.dag.get_task(task_id).get_flat_relative_ids(upstream=True)), task_id)) if context else []
        if upstream:
            tokens = context["ti"].xcom_pull(task_ids=upstream, key=SESSION_XCOM_KEY) or []
            hook.resume_session(tokens if isinstance(tokens, list) else [tokens])
        return hook

    def hand_on_session(self, hook: IntacctHook, context: Context) -> None:
        """Push the hook's session, sealed, for the next task of the run (before the hook is closed). Nothing
        is pushed without a Fernet key: the session id never reaches XCom in plain text."""
        token = hook.session_token()
        if token is not None:
            context["ti"].xcom_push(key=SESSION_XCOM_KEY, value=token)

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
            # write_batch_size is left to the client: the connection's extra reaches the engine's batches
            # through the client's settings (EntityConfig.with_client_settings).
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
