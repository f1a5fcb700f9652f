"""Who exists in the emulated gateway: senders, companies, their users, roles and entities, and the clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

# The record number of the company administrator who works in the UI (the "Admin" of UI changes).
ADMIN_RECORDNO = "1"

MODULES = ("Company", "General Ledger", "Accounts Payable", "Accounts Receivable")


class Clock:
    """The emulator's own clock: real time plus an offset that tests and the admin API move forward."""

    def __init__(self, start: dt.datetime | None = None, *, frozen: bool = False):
        """``frozen`` stops real time from passing (only ``advance`` moves it): for exact tests."""
        self._frozen_at = (start or dt.datetime.now(dt.UTC)) if frozen else None
        real = dt.datetime.now(dt.UTC)
        self._offset = (start - real) if start is not None and not frozen else dt.timedelta(0)

    def now(self) -> dt.datetime:
        if self._frozen_at is not None:
            return self._frozen_at + self._offset
        return dt.datetime.now(dt.UTC) + self._offset

    def epoch(self) -> int:
        """Now in whole seconds, the resolution of Intacct's timestamps."""
        return int(self.now().timestamp())

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the emulator clock only moves forward")
        self._offset += dt.timedelta(seconds=seconds)


@dataclass(frozen=True)
class Scope:
    """What a session may see: an entity (None = top level) and the showprivate option."""

    entity_id: str | None
    show_private: bool = False


@dataclass
class Sender:
    id: str
    password: str = field(repr=False)


@dataclass
class Role:
    name: str
    modules: set[str]


@dataclass
class User:
    id: str
    password: str = field(repr=False)
    role: str
    web_services_only: bool = True
    recordno: int = 0  # CREATEDBY/MODIFIEDBY hold this number, not the login ID (reference §4)


@dataclass
class Entity:
    id: str
    name: str
    currency: str
    recordno: int = 0


@dataclass
class Company:
    id: str
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("America/Los_Angeles"))
    multi_entity: bool = False
    authorized_senders: set[str] = field(default_factory=set)
    users: dict[str, User] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    base_currency: str = "USD"
    store: object = None  # the company's Store, attached when the dataset is built

    def currency_of(self, entity_id: str | None) -> str:
        entity = self.entities.get(entity_id or "")
        return entity.currency if entity is not None else self.base_currency


@dataclass
class World:
    clock: Clock
    senders: dict[str, Sender] = field(default_factory=dict)
    companies: dict[str, Company] = field(default_factory=dict)
