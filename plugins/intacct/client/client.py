"""IntacctClient: the one object the rest of the product uses to talk to Sage Intacct."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime

import httpx

from . import filters as F
from .audit import AuditTrail, deleted_since
from .credentials import Credentials
from .errors import ConfigurationError, ErrorContext
from .fields import spec_for
from .prefetch import prefetched, side_by_side
from .reading import Page, Reader
from .session import SessionInfo, SessionManager
from .settings import ClientSettings
from .setup_check import SetupReport, check_setup
from .transport import GatewayTransport
from .usage import ApiUsage
from .values import ValueCodec
from .writing import WriteOutcome, Writer, WriteRequest
from .xml import Redactor


class IntacctClient:
    """Reads and writes one company (optionally one entity) through the XML gateway.

    ``transport`` replaces the network (e.g. the emulator's in-process transport); ``sleep``, ``clock``,
    ``now`` and ``rng`` make retries and session expiry testable.
    """

    def __init__(self, credentials: Credentials, settings: ClientSettings | None = None,
                 transport: httpx.BaseTransport | None = None, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 rng: random.Random | None = None):
        if not isinstance(credentials, Credentials):
            raise ConfigurationError("IntacctClient needs a Credentials object")
        self.credentials = credentials
        self.settings = settings or ClientSettings()
        self.usage = ApiUsage()
        self.codec = ValueCodec(self.settings.timezone)
        self.redactor = Redactor(credentials.secrets())
        context = ErrorContext(credentials.company_id, credentials.user_id, credentials.sender_id,
                               credentials.entity_id)
        self._transport = GatewayTransport(self.settings, credentials.company_id, context, self.redactor, transport,
                                           sleep=sleep, clock=clock, rng=rng)
        self.sessions = SessionManager(credentials, self.settings, self._transport, self.usage, self.redactor,
                                       self.codec, now)
        self._reader = Reader(self.sessions, self.settings, self.codec, self.redactor)
        self._writer = Writer(self.sessions, self.settings, self.codec, self.redactor, self.usage)

    def __repr__(self) -> str:
        entity = f", entity={self.credentials.entity_id!r}" if self.credentials.entity_id else ""
        return f"IntacctClient(company={self.credentials.company_id!r}{entity}, user={self.credentials.user_id!r})"

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def __enter__(self) -> IntacctClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._transport.close()

    def open_session(self) -> SessionInfo:
        return self.sessions.session()

    def export_session(self) -> dict | None:
        """The current session as plain data another client of the same company, user and entity can
        :meth:`adopt_session`; None before the first sign-in. It holds the session id: keep it encrypted."""
        return self.sessions.export()

    def adopt_session(self, state: Mapping) -> bool:
        """Use an exported session instead of signing in; False when it does not fit this client (see
        ``SessionManager.adopt``). Adopting costs no API call; a refused session costs one sign-in."""
        return self.sessions.adopt(state)

    # -- reading -----------------------------------------------------------------------------------------------

    def iter_pages(self, object: str, fields: Sequence[str] | None = None, *, modified_since: datetime | None = None,
                   where: F.Filter | None = None) -> Iterator[Page]:
        return self._reader.iter_pages(object, fields, modified_since=modified_since, where=where)

    def iter_pages_by_key(self, object: str, fields: Sequence[str] | None = None, *,
                          where: F.Filter | None = None, ahead: bool = True) -> Iterator[Page]:
        """Every record in RECORDNO order (see ``Reader.iter_pages_by_key``), optionally one page ahead."""
        def pages() -> Iterator[Page]:
            return self._reader.iter_pages_by_key(object, fields, where=where)

        return prefetched(pages) if ahead else pages()

    def iter_records(self, object: str, fields: Sequence[str] | None = None, *,
                     modified_since: datetime | None = None, where: F.Filter | None = None) -> Iterator[dict]:
        for page in self.iter_pages(object, fields, modified_since=modified_since, where=where):
            yield from page.records

    def iter_pages_ahead(self, object: str, fields: Sequence[str] | None = None, *,
                         modified_since: datetime | None = None, where: F.Filter | None = None) -> Iterator[Page]:
        """``iter_pages`` with the next page fetched while the caller processes the current one."""
        return prefetched(lambda: self._reader.iter_pages(object, fields, modified_since=modified_since,
                                                          where=where))

    def iter_keyset(self, object: str, fields: Sequence[str] | None = None, *, where: F.Filter | None = None,
                    order: Sequence[str] = ("RECORDNO",), ahead: bool = True) -> Iterator[list[dict]]:
        """Pages of a keyset read ordered by ``order`` (e.g. APBILLITEM by RECORDKEY, RECORDNO: bill lines as
        their own read, grouped by bill), optionally fetched one page ahead."""
        spec = spec_for(object)
        select = list(dict.fromkeys([*(fields or spec.default_fields), *order, "RECORDNO"]))

        def pages() -> Iterator[list[dict]]:
            return self._reader._keyset(spec, select, where, tuple(order))

        return prefetched(pages) if ahead else pages()

    def read_side_by_side(self, *reads: Callable[[], Iterator]) -> list[Iterator]:
        """Run several reads at once (e.g. bills and their lines), each one page ahead; within the company's
        allowance, since every request still takes a ``max_concurrency`` slot."""
        return side_by_side(*reads)

    def list_record_numbers(self, object: str, where: F.Filter | None = None) -> Iterator[int]:
        return self._reader.list_record_numbers(object, where)

    def read_bill_lines(self, bill_record_nos: Iterable[int], fields: Sequence[str] | None = None
                        ) -> dict[int, list[dict]]:
        return self._reader.read_bill_lines(bill_record_nos, fields)

    def find(self, object: str, where: F.Filter | None, fields: Sequence[str] | None = None, *,
             limit: int | None = None) -> list[dict]:
        return self._reader.find(object, where, fields, limit)

    def iter_audit_events(self, object: str, since: datetime, modes: Sequence[str] = ("Deleted",)
                          ) -> Iterator[dict]:
        return self._reader.iter_audit_events(object, since, modes)

    def deleted_from_audit_trail(self, object: str, since: datetime) -> AuditTrail:
        """Records of ``object`` deleted since ``since``, from the audit trail. Never raises for the trail's
        known failure modes (no permission, pages failing): the result then says it is unavailable, and
        the caller relies on its key reconciliation."""
        return deleted_since(object, lambda: self.iter_audit_events(object, since, ("D",)))

    # -- writing -----------------------------------------------------------------------------------------------

    def create(self, object: str, requests: Sequence[WriteRequest], *, transaction: bool = False
               ) -> list[WriteOutcome]:
        return self._writer.create(object, requests, transaction)

    def update(self, object: str, requests: Sequence[WriteRequest], *, transaction: bool = False
               ) -> list[WriteOutcome]:
        return self._writer.update(object, requests, transaction)

    def delete(self, object: str, record_nos: Sequence[int], *, transaction: bool = False) -> list[WriteOutcome]:
        return self._writer.delete(object, record_nos, transaction)

    # -- setup ---------------------------------------------------------------------------------------------------

    def check_setup(self, *, probes: bool = True) -> SetupReport:
        """Sign in, then (``probes``) read one row of each object the sync needs. Without probes the sign-in
        alone is checked: a sync run lets each object's first read stand in for its probe."""
        return check_setup(self.sessions, self._reader, probes=probes)
