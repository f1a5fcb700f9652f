"""The sync engine: plan, then apply, between one Intacct entity and one BC company (no Airflow here).

Names are loaded on first use, so that a DAG file importing only the configuration names (objects,
policies) does not import the engine and its libraries at parse time.
"""

from importlib import import_module

_EXPORTS = {
    "CONFLICT_POLICIES": "intacct.sync.config", "OBJECTS": "intacct.sync.config",
    "EntityConfig": "intacct.sync.config", "RunOptions": "intacct.sync.config",
    "SyncEngine": "intacct.sync.engine", "WRITE_POINTS": "intacct.sync.faults",
    "InjectedFault": "intacct.sync.faults", "ObjectReport": "intacct.sync.plan", "Plan": "intacct.sync.plan",
    "PlannedChange": "intacct.sync.plan", "RunSummary": "intacct.sync.run_log",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'intacct.sync' has no attribute {name!r}")
