"""The per-entity configuration (``include/entities.yaml``): parsing and validation.

Pure on purpose: it reads one YAML text and returns plain dataclasses plus a list of problems, so the DAG
file can build the DAGs of the good entries and report the bad ones without touching anything else.
Airflow is not imported here.

File shape::

    defaults:                       # optional, applied to every entity
      schedule: "@daily"
      timezone: America/Los_Angeles
    entities:
      - entity_id: US01
        bc_company_id: bc-us
        intacct_conn_id: intacct_demo
        warehouse_conn_id: bc_warehouse
        conflict_policy: intacct_wins
        lookback: 2h
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from croniter import CroniterBadCronError, CroniterBadDateError, croniter

from intacct.setup_steps import WHERE_ENTITY_ID_IS
from intacct.sync.config import CONFLICT_POLICIES as POLICY_NAMES
from intacct.sync.config import OBJECTS

SYNC_OBJECTS: tuple[str, ...] = OBJECTS
# The engine validates these too (intacct.sync.config); they are repeated here so that parsing the DAG file
# does not import the engine, and a unit test keeps both lists equal.
CONFLICT_POLICIES: tuple[str, ...] = POLICY_NAMES
# The presets Airflow accepts besides cron expressions (croniter is what Airflow validates cron with).
SCHEDULE_PRESETS: tuple[str, ...] = ("@hourly", "@daily", "@weekly", "@monthly", "@quarterly", "@yearly")

# Where each required field comes from, so an error message can say what to put there.
REQUIRED_FIELDS: dict[str, str] = {
    "entity_id": f"the Intacct entity id ({WHERE_ENTITY_ID_IS})",
    "bc_company_id": "the Business Center company this entity syncs with (company_id in the bc_* tables)",
    "intacct_conn_id": "the id of the Airflow connection of type 'intacct' for this Intacct company",
    "warehouse_conn_id": "the id of the Airflow connection holding the BC warehouse database URL",
}
DEFAULTS: dict[str, object] = {
    "schedule": "@daily",
    "timezone": "UTC",
    "conflict_policy": "intacct_wins",
    "lookback": "2h",
    "retries": 2,
    "pool": None,
    "display_name": None,
}
KNOWN_FIELDS = frozenset(REQUIRED_FIELDS) | frozenset(DEFAULTS)

# libyaml's safe loader when available: the same documents, several times faster.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True)
class EntitySpec:
    """One validated entry of the configuration: everything needed to build its DAG."""

    entity_id: str
    bc_company_id: str
    intacct_conn_id: str
    warehouse_conn_id: str
    schedule: str | None
    timezone: str
    conflict_policy: str
    lookback: timedelta
    retries: int
    pool: str
    display_name: str

    @property
    def dag_id(self) -> str:
        return dag_id_for(self.entity_id)


@dataclass(frozen=True)
class ConfigProblem:
    """A reason one entry (or the whole file) cannot become a DAG."""

    source: str
    entry: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.source if self.entry is None else f"{self.source}: {self.entry}"
        if self.field is not None:
            where += f": field '{self.field}'"
        return f"{where}: {self.message}"


@dataclass
class EntityConfiguration:
    entities: list[EntitySpec] = field(default_factory=list)
    problems: list[ConfigProblem] = field(default_factory=list)

    def problem_report(self) -> str:
        lines = [f"{len(self.problems)} problem(s) in the Intacct entity configuration:"]
        lines += [f"  - {problem}" for problem in self.problems]
        return "\n".join(lines)


def dag_id_for(entity_id: str) -> str:
    return f"intacct_sync_{entity_id.lower()}"


def pool_name_for(intacct_conn_id: str) -> str:
    """Entities of one Intacct company share its connection, hence its pool and its concurrency budget."""
    return "intacct_" + re.sub(r"[^A-Za-z0-9_]", "_", intacct_conn_id).lower()


def parse_duration(value: object) -> timedelta:
    """``90`` (minutes), ``"2h"``, ``"30m"``, ``"1d"`` or ``"45s"`` → timedelta."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as '2h', '30m' or a number of minutes")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("must not be negative")
        return timedelta(minutes=value)
    if isinstance(value, str) and (match := _DURATION.match(value)):
        return timedelta(**{_DURATION_UNITS[match.group(2)]: int(match.group(1))})
    raise ValueError(f"{value!r} is not a duration: use a number of minutes or a text like '2h', '30m', '1d'")


def load_entities(path: str | Path) -> EntityConfiguration:
    """Read and validate the file; an unreadable file becomes a problem, never an exception."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        return EntityConfiguration(
            problems=[ConfigProblem(source, None, None, f"cannot read the file ({exc.strerror or exc})")]
        )
    return parse_entities(text, source=Path(path).name)


def parse_entities(text: str, source: str = "entities.yaml") -> EntityConfiguration:
    result = EntityConfiguration()
    try:
        document = yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        position = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        result.problems.append(ConfigProblem(source, None, None, f"not valid YAML{position}: {exc}"))
        return result
    if document is None:
        document = {}
    if not isinstance(document, Mapping):
        result.problems.append(
            ConfigProblem(source, None, None, "the top level must be a mapping with an 'entities' list")
        )
        return result
    unknown_top = sorted(set(document) - {"defaults", "entities"})
    if unknown_top:
        result.problems.append(
            ConfigProblem(source, None, unknown_top[0], "unknown top-level key; expected 'defaults' and 'entities'")
        )

    defaults = dict(DEFAULTS)
    raw_defaults = document.get("defaults") or {}
    if not isinstance(raw_defaults, Mapping):
        result.problems.append(ConfigProblem(source, "defaults", None, "must be a mapping of field: value"))
        raw_defaults = {}
    for key, value in raw_defaults.items():
        if key not in DEFAULTS:
            allowed = ", ".join(sorted(DEFAULTS))
            result.problems.append(
                ConfigProblem(source, "defaults", str(key), f"unknown field; defaults may set: {allowed}")
            )
        else:
            defaults[key] = value

    entries = document.get("entities")
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        result.problems.append(ConfigProblem(source, None, "entities", "must be a list of entity entries"))
        return result

    seen: dict[str, str] = {}
    for index, entry in enumerate(entries):
        label = _entry_label(index, entry)
        spec, problems = _parse_entry(entry, defaults, source, label)
        result.problems.extend(problems)
        if spec is None:
            continue
        dag_id = spec.dag_id
        if dag_id in seen:
            result.problems.append(
                ConfigProblem(
                    source, label, "entity_id", f"duplicate entity: {seen[dag_id]} already defines DAG {dag_id}"
                )
            )
            continue
        seen[dag_id] = label
        result.entities.append(spec)
    return result


def _is_valid_schedule(schedule: object) -> bool:
    if not isinstance(schedule, str):
        return False
    if schedule in SCHEDULE_PRESETS:
        return True
    try:
        croniter(schedule)
    except (CroniterBadCronError, CroniterBadDateError, ValueError):
        return False
    return True


def _entry_label(index: int, entry: object) -> str:
    if isinstance(entry, Mapping) and isinstance(entry.get("entity_id"), str | int):
        return f"entities[{index}] (entity '{entry['entity_id']}')"
    return f"entities[{index}]"


def _parse_entry(
    entry: object, defaults: Mapping[str, object], source: str, label: str
) -> tuple[EntitySpec | None, list[ConfigProblem]]:
    problems: list[ConfigProblem] = []

    def problem(field_name: str | None, message: str) -> None:
        problems.append(ConfigProblem(source, label, field_name, message))

    if not isinstance(entry, Mapping):
        problem(None, "must be a mapping with entity_id, bc_company_id, intacct_conn_id, warehouse_conn_id")
        return None, problems

    for key in sorted(set(map(str, entry)) - KNOWN_FIELDS):
        problem(key, f"unknown field; known fields are {', '.join(sorted(KNOWN_FIELDS))}")

    values = {**defaults, **entry}
    identifiers: dict[str, str] = {}
    for name, meaning in REQUIRED_FIELDS.items():
        value = values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            problem(name, f"missing; set it to {meaning}")
            continue
        text = str(value).strip()
        if not _IDENTIFIER.match(text):
            problem(name, f"{text!r} may contain only letters, digits, '_', '-' and '.'; it is {meaning}")
            continue
        identifiers[name] = text

    schedule = values.get("schedule")
    if schedule is not None and not _is_valid_schedule(schedule):
        problem(
            "schedule",
            f"{schedule!r} is not a cron expression or preset ({', '.join(SCHEDULE_PRESETS)}); "
            "use null for Sync Now only",
        )

    timezone = str(values.get("timezone") or "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problem("timezone", f"unknown timezone {timezone!r}; use an IANA name such as 'America/Los_Angeles'")

    conflict_policy = values.get("conflict_policy")
    if conflict_policy not in CONFLICT_POLICIES:
        problem("conflict_policy", f"{conflict_policy!r} is not one of {', '.join(CONFLICT_POLICIES)}")

    try:
        lookback = parse_duration(values.get("lookback"))
    except ValueError as exc:
        problem("lookback", str(exc))
        lookback = timedelta(0)

    retries = values.get("retries")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        problem("retries", f"{retries!r} must be a whole number ≥ 0")

    pool = values.get("pool")
    if pool is not None and (not isinstance(pool, str) or not _IDENTIFIER.match(pool)):
        problem("pool", f"{pool!r} must be a pool name made of letters, digits, '_', '-' and '.'")

    if problems:
        return None, problems
    entity_id = identifiers["entity_id"]
    return (
        EntitySpec(
            entity_id=entity_id,
            bc_company_id=identifiers["bc_company_id"],
            intacct_conn_id=identifiers["intacct_conn_id"],
            warehouse_conn_id=identifiers["warehouse_conn_id"],
            schedule=schedule,
            timezone=timezone,
            conflict_policy=str(conflict_policy),
            lookback=lookback,
            retries=int(retries),  # type: ignore[arg-type]
            pool=str(pool) if pool else pool_name_for(identifiers["intacct_conn_id"]),
            display_name=str(values.get("display_name") or f"Intacct sync · {entity_id}"),
        ),
        problems,
    )


ENTITIES_FILE_ENV = "INTACCT_SYNC_ENTITIES_FILE"


def entities_path(dag_file: str | Path) -> Path:
    """The configuration file: ``$INTACCT_SYNC_ENTITIES_FILE`` or ``include/entities.yaml`` beside ``dags/``."""
    override = os.environ.get(ENTITIES_FILE_ENV)
    if override:
        return Path(override)
    return Path(dag_file).resolve().parent.parent / "include" / "entities.yaml"


class EntityConfigurationError(ValueError):
    """Raised by the DAG folder's configuration check; its message lists every problem."""
