"""The sync engine: plan, then apply, between one Intacct entity and one BC company (no Airflow here)."""

from intacct.sync.config import CONFLICT_POLICIES, OBJECTS, EntityConfig, RunOptions
from intacct.sync.engine import SyncEngine
from intacct.sync.faults import WRITE_POINTS, InjectedFault
from intacct.sync.plan import ObjectReport, Plan, PlannedChange
from intacct.sync.run_log import RunSummary

__all__ = ["SyncEngine", "EntityConfig", "RunOptions", "ObjectReport", "RunSummary", "Plan", "PlannedChange",
           "CONFLICT_POLICIES", "OBJECTS", "WRITE_POINTS", "InjectedFault"]
