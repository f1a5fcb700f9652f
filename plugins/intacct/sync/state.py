"""The sync's own tables: links with snapshots, watermarks, rejections, the pending-write journal.

Methods taking a ``connection`` join the caller's transaction, so a BC change, its link and its
outcome commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, select, update
from sqlalchemy.engine import Connection

from intacct.json_text import JsonText, dumps, text_hash  # noqa: F401 - text_hash: also the state's
from intacct.warehouse import Warehouse


def utc_now() -> datetime:
    return datetime.now(UTC)


def stamp(value) -> str | None:
    """A BC ``updated_at`` as comparable text (UTC; naive values are UTC, as the warehouse stores them)."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def snapshot_hash(values: Mapping) -> str:
    return text_hash(dumps(values))


@dataclass(frozen=True)
class Watermark:
    modified_at: datetime | None = None
    record_no: int | None = None
    bc_changed_since: datetime | None = None
    last_reconciled_at: datetime | None = None


@dataclass(frozen=True)
class Link:
    bc_key: str
    intacct_key: str
    intacct_record_no: int | None
    snapshot: dict
    intacct_modified_at: datetime | None
    synced_at: datetime | None = None  # when the link was last saved (read back; ignored when saving)


class SyncState:
    def __init__(self, warehouse: Warehouse, company_id: str, entity: str):
        self.warehouse = warehouse
        self.company_id = company_id
        self.entity = entity
        self.t = warehouse.tables

    def _of(self, table, object_name: str) -> tuple:
        """Conditions selecting one object's rows of this BC company in a sync table."""
        return table.c.object == object_name, table.c.company_id == self.company_id

    def _delete_in_chunks(self, connection: Connection, table, column, keys: Iterable, *where) -> None:
        for chunk in chunks(keys, self.warehouse.chunk_size):
            connection.execute(delete(table).where(*where, self.warehouse.one_of(column, chunk)))

    # Links ----------------------------------------------------------------------------------------

    def links(self, connection: Connection, object_name: str, *, bc_keys: Iterable[str] | None = None,
              intacct_keys: Iterable[str] | None = None) -> dict[str, Link]:
        """Links by BC key (all of the object, or those with the given BC or Intacct keys)."""
        table = self.t["intacct_links"]
        base = select(table).where(*self._of(table, object_name))
        if bc_keys is not None:
            rows = self.warehouse.select_in_chunks(connection, base, table.c.bc_key, list(bc_keys))
        elif intacct_keys is not None:
            rows = self.warehouse.select_in_chunks(connection, base, table.c.intacct_key,
                                                   [str(k) for k in intacct_keys])
        else:
            rows = connection.execute(base).mappings()
        return {row["bc_key"]: _link(row) for row in rows}

    def iter_links(self, connection: Connection, object_name: str, *, batch: int = 1000) -> Iterator[Link]:
        """Every link of the object, streamed ``batch`` rows at a time (a server-side cursor on PostgreSQL):
        a whole-company pass (delete reconciliation) keeps only what it looks for, never all links at once."""
        table = self.t["intacct_links"]
        statement = select(table).where(*self._of(table, object_name)).execution_options(yield_per=batch)
        for row in connection.execute(statement).mappings():
            yield _link(row)

    def save_links(self, connection: Connection, object_name: str, links: Sequence[Link], *,
                   new: bool = False) -> None:
        """Upsert links; an Intacct record re-linked to another BC row (a BC user's choice) moves. ``new``: the
        links are expected to be new (see ``Warehouse.upsert``)."""
        if not links:
            return
        table = self.t["intacct_links"]
        wanted = {str(link.intacct_key): link.bc_key for link in links}
        for chunk in chunks(list(wanted), self.warehouse.chunk_size):
            held = connection.execute(select(table.c.bc_key, table.c.intacct_key).where(
                *self._of(table, object_name), self.warehouse.one_of(table.c.intacct_key, chunk))).all()
            for bc_key, intacct_key in held:
                if wanted[intacct_key] != bc_key:
                    connection.execute(delete(table).where(*self._of(table, object_name), table.c.bc_key == bc_key))
        now = utc_now()
        rows = []
        for link in links:
            text = JsonText(dumps(link.snapshot))  # serialised once: the column's text and its hash
            rows.append({"object": object_name, "company_id": self.company_id, "bc_key": link.bc_key,
                         "intacct_key": str(link.intacct_key), "intacct_record_no": link.intacct_record_no,
                         "snapshot": text, "snapshot_hash": text_hash(text),
                         "intacct_modified_at": link.intacct_modified_at, "synced_at": now})
        self.warehouse.upsert(connection, "intacct_links", rows, new=new)

    # Watermarks -----------------------------------------------------------------------------------

    def watermark(self, object_name: str) -> Watermark:
        table = self.t["intacct_watermarks"]
        with self.warehouse.engine.connect() as connection:
            row = connection.execute(select(table).where(
                table.c.entity_id == self.entity, table.c.object == object_name)).mappings().first()
        if row is None:
            return Watermark()
        return Watermark(row["modified_at"], row["record_no"], row["bc_changed_since"], row["last_reconciled_at"])

    def move_watermark(self, connection: Connection, object_name: str, **values) -> None:
        """Set some of modified_at, record_no, bc_changed_since, last_reconciled_at."""
        row = {"entity_id": self.entity, "object": object_name, "updated_at": utc_now(), **values}
        self.warehouse.upsert(connection, "intacct_watermarks", [row])

    # Rejections (the retry queue) -----------------------------------------------------------------

    def rejected_keys(self, object_name: str, direction: str) -> dict[str, str]:
        """Record keys currently rejected → reason; every run retries them."""
        table = self.t["intacct_rejections"]
        with self.warehouse.engine.connect() as connection:
            rows = connection.execute(select(table.c.record_key, table.c.reason).where(
                *self._of(table, object_name), table.c.direction == direction))
            return {key: reason for key, reason in rows}

    def refused(self, object_name: str, direction: str) -> dict[str, str]:
        """Record key → the version of the BC record Intacct refused (with an error number of its own: a
        refusal, not a lost answer). Sending that same version again would be refused again."""
        table = self.t["intacct_rejections"]
        with self.warehouse.engine.connect() as connection:
            rows = connection.execute(select(table.c.record_key, table.c.record_version).where(
                *self._of(table, object_name), table.c.direction == direction, table.c.errorno.is_not(None),
                table.c.record_version.is_not(None)))
            return {key: version for key, version in rows}

    def reject(self, connection: Connection, object_name: str, direction: str, record_key: str, reason: str,
               errorno: str | None, version: str | None = None) -> None:
        table = self.t["intacct_rejections"]
        now = utc_now()
        key = and_(*self._of(table, object_name), table.c.direction == direction, table.c.record_key == record_key)
        existing = connection.execute(select(table.c.attempts).where(key)).first()
        if existing:
            connection.execute(update(table).where(key).values(
                reason=reason, errorno=errorno, attempts=existing[0] + 1, last_rejected_at=now,
                record_version=version))
        else:
            connection.execute(table.insert().values(
                object=object_name, company_id=self.company_id, direction=direction, record_key=record_key,
                reason=reason, errorno=errorno, attempts=1, first_rejected_at=now, last_rejected_at=now,
                record_version=version))

    def clear_rejections(self, connection: Connection, object_name: str, direction: str,
                         record_keys: Iterable[str]) -> None:
        table = self.t["intacct_rejections"]
        self._delete_in_chunks(connection, table, table.c.record_key, record_keys, *self._of(table, object_name),
                               table.c.direction == direction)

    # Pending writes (outcome-unknown journal) -----------------------------------------------------

    def journal_intents(self, object_name: str, intents: Sequence[Mapping], run_id: str) -> None:
        """Commit intents before the Intacct write: each has write_key, operation, bc_key, intacct_key."""
        now = utc_now()
        rows = [{"object": object_name, "company_id": self.company_id, "run_id": run_id, "created_at": now,
                 **intent} for intent in intents]
        with self.warehouse.engine.begin() as connection:
            self.warehouse.upsert(connection, "intacct_pending_writes", rows)

    def pending_writes(self, object_name: str) -> list[dict]:
        table = self.t["intacct_pending_writes"]
        with self.warehouse.engine.connect() as connection:
            return [dict(row) for row in connection.execute(select(table).where(
                *self._of(table, object_name))).mappings()]

    def resolve_intents(self, connection: Connection, object_name: str, write_keys: Iterable[str]) -> None:
        table = self.t["intacct_pending_writes"]
        self._delete_in_chunks(connection, table, table.c.write_key, write_keys, *self._of(table, object_name))


def _link(row: Mapping) -> Link:
    return Link(row["bc_key"], row["intacct_key"], row["intacct_record_no"], row["snapshot"] or {},
                row["intacct_modified_at"], row.get("synced_at"))


def changed_since(watermark: Watermark, lookback: timedelta, full_refresh: bool) -> datetime | None:
    """The WHENMODIFIED to read Intacct from: None (everything) on a full refresh or the first run."""
    if full_refresh or watermark.modified_at is None:
        return None
    return watermark.modified_at - lookback


def bc_changed_since(watermark: Watermark, lookback: timedelta, full_refresh: bool) -> datetime | None:
    """Where BC's changes are read from: the last run's start minus the look-back (BC's clock may differ
    from ours; re-reading a row costs only a local comparison with its snapshot)."""
    if full_refresh or watermark.bc_changed_since is None:
        return None
    return watermark.bc_changed_since - lookback


def chunks(items: Iterable, size: int):
    """Lists of at most ``size`` items (for ``IN (…)`` filters and batched writes)."""
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]
