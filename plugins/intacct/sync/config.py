"""What one entity's sync is configured with, and the options of one run."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta

from intacct.client.settings import ClientSettings, check_write_batch_size
from intacct.sync.spec import SPECS

CONFLICT_POLICIES = ("intacct_wins", "bc_wins", "newest_wins")
OBJECTS = tuple(SPECS)  # in dependency order (a bill needs its vendor and its accounts)
TRIGGERS = ("scheduled", "sync_now")


@dataclass(frozen=True)
class EntityConfig:
    """One Intacct entity synced with exactly one BC company.

    ``multi_entity`` says whether Intacct requires LOCATIONID on bill lines; by default a configured
    ``entity_id`` means a multi-entity company. ``write_batch_size`` None (the default) means the client's
    (``ClientSettings``, which an intacct connection's extra sets): the engine resolves it, so the default and
    its validation live in one place and the connection's value reaches the engine's batches.
    """

    entity_id: str | None
    bc_company_id: str
    conflict_policy: str = "intacct_wins"
    lookback: timedelta = timedelta(hours=2)
    reconcile_every: timedelta = timedelta(days=1)
    multi_entity: bool | None = None
    write_batch_size: int | None = None

    def __post_init__(self):
        if self.conflict_policy not in CONFLICT_POLICIES:
            raise ValueError(f"conflict_policy {self.conflict_policy!r} is not one of {', '.join(CONFLICT_POLICIES)}")
        if not self.bc_company_id or not str(self.bc_company_id).strip():
            raise ValueError("bc_company_id is required: the BC company this entity syncs with")
        if self.lookback < timedelta(0) or self.reconcile_every <= timedelta(0):
            raise ValueError("lookback must be >= 0 and reconcile_every > 0")
        if self.write_batch_size is not None:
            check_write_batch_size(self.write_batch_size)

    def with_client_settings(self, settings: ClientSettings | None) -> EntityConfig:
        """This configuration with every setting it leaves to the client filled in from ``settings``."""
        if self.write_batch_size is not None:
            return self
        return replace(self, write_batch_size=(settings or ClientSettings()).write_batch_size)

    @property
    def watermark_entity(self) -> str:
        """The key watermarks are stored under (a single-entity company has no entity id)."""
        return self.entity_id or "(top level)"

    @property
    def requires_location(self) -> bool:
        return self.multi_entity if self.multi_entity is not None else self.entity_id is not None


@dataclass(frozen=True)
class RunOptions:
    full_refresh: bool = False
    dry_run: bool = False
    objects: tuple[str, ...] = field(default=OBJECTS)

    def __post_init__(self):
        unknown = [name for name in self.objects if name not in OBJECTS]
        if unknown:
            raise ValueError(f"unknown objects {unknown}; choose from {', '.join(OBJECTS)}")
        object.__setattr__(self, "objects", tuple(self.objects))
