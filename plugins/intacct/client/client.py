"""IntacctClient: the one object the rest of the product uses to talk to Sage Intacct."""

from __future__ import annotations

import os
import pickle
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
from .halves import Split, split_when_large
from .prefetch import prefetched, side_by_side
from .read_process import ProcessRead
from .reading import BillPage, Page, Reader, join_children, record_range
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
        self._network = transport is None  # a transport given in-process (the emulator's) cannot be shared
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
                   where: F.Filter | None = None, ahead: bool = False) -> Iterator[Page]:
        """Pages of ``object`` changed since ``modified_since`` (all without it), gap-free keyset paging by
        (WHENMODIFIED, RECORDNO).

        ``ahead=True`` fetches the next page (``read_ahead_pages`` of them) while the caller works on this
        one: the same pages and the same calls, errors raised at the page where they happened, and stopping
        early (``close()``, ``break``) stops the read. It is not the default because a page fetched ahead
        was read before the caller finished the page before it: a record the caller (or anyone) changes in
        Intacct meanwhile arrives as it was, and its newer version is not returned a second time (the
        cursor then holds back, so the next run reads it). Without read-ahead a record changed before its
        page is fetched arrives changed. Use it where nothing writes to Intacct during the read.
        """
        def pages() -> Iterator[Page]:
            return self._reader.iter_pages(object, fields, modified_since=modified_since, where=where)

        return self._ahead(pages) if ahead else pages()

    def iter_records(self, object: str, fields: Sequence[str] | None = None, *,
                     modified_since: datetime | None = None, where: F.Filter | None = None,
                     ahead: bool = False) -> Iterator[dict]:
        pages = self.iter_pages(object, fields, modified_since=modified_since, where=where, ahead=ahead)
        try:
            for page in pages:
                yield from page.records
        finally:
            close = getattr(pages, "close", None)
            if close is not None:
                close()

    def iter_pages_ahead(self, object: str, fields: Sequence[str] | None = None, *,
                         modified_since: datetime | None = None, where: F.Filter | None = None) -> Iterator[Page]:
        """``iter_pages(..., ahead=True)``."""
        return self.iter_pages(object, fields, modified_since=modified_since, where=where, ahead=True)

    def iter_keyset(self, object: str, fields: Sequence[str] | None = None, *, where: F.Filter | None = None,
                    order: Sequence[str] = ("RECORDNO",), ahead: bool = True) -> Iterator[list[dict]]:
        """Pages of a keyset read ordered by ``order`` (e.g. APBILLITEM by RECORDKEY, RECORDNO: bill lines as
        their own read, grouped by bill), optionally fetched one page ahead."""
        spec = spec_for(object)
        select = list(dict.fromkeys([*(fields or spec.default_fields), *order, "RECORDNO"]))

        def pages() -> Iterator[list[dict]]:
            return self._reader._keyset(spec, select, where, tuple(order))

        return self._ahead(pages) if ahead else pages()

    def iter_bill_lines(self, fields: Sequence[str] | None = None, *, modified_since: datetime | None = None,
                        bills: tuple[int | None, int | None] | None = None) -> Iterator[list[dict]]:
        """Every bill line as its own keyset read, read ahead: pages of up to ``page_size`` (2,000) lines
        ordered by (RECORDKEY, RECORDNO), ceil(lines / page_size) calls, no ``in`` chunks. ``modified_since``
        keeps lines modified at or after it; ``bills`` = (first, last) keeps the lines of bills with a
        RECORDNO in that closed range (either end None), e.g. to split one read into two that run side by
        side."""
        return self._ahead(lambda: self._reader.iter_children("APBILLITEM", "RECORDKEY", fields,
                                                              modified_since=modified_since, parents=bills))

    def iter_bills_with_lines(self, fields: Sequence[str] | None = None, line_fields: Sequence[str] | None = None,
                              *, bills: tuple[int | None, int | None] | None = None,
                              where: F.Filter | None = None, parts: int | None = 1) -> Iterator[BillPage]:
        """Bills with their lines, for a full read (``iter_with_children`` of APBILL and APBILLITEM by RECORDKEY):
        each page's ``lines`` maps a bill's RECORDNO to its lines in line order."""
        return self.iter_with_children("APBILL", "APBILLITEM", "RECORDKEY", fields, line_fields, span=bills,
                                       where=where, parts=parts)

    def iter_with_children(self, object: str, child: str, parent_field: str, fields: Sequence[str] | None = None,
                           child_fields: Sequence[str] | None = None, *,
                           span: tuple[int | None, int | None] | None = None, where: F.Filter | None = None,
                           parts: int | None = 1) -> Iterator[BillPage]:
        """Records with their children, for a full read: ``object`` by RECORDNO and ``child`` by
        (``parent_field``, RECORDNO) read side by side (two requests in flight, within ``max_concurrency``),
        merged into pages, each with ``lines`` (a record's RECORDNO → its children in line order). Calls:
        ceil(records / 2000) + ceil(children / 2000).

        ``parts=2`` splits the rest of the RECORDNO range in two halves read at the same time once the first
        page is in (four reads; pages of the halves alternate, each half in RECORDNO order): with more
        children than records the children alone would keep one slot busy while the other idles. It costs
        up to three calls more (the highest RECORDNO, and a partial page per read of the first half).
        ``parts=None`` splits only a read whose first page shows it at least ``split_read_min_pages`` pages long
        (records and children), where those calls are within 5% of the read's (see ``halves``).

        ``cursor`` is (None, last RECORDNO): a read by RECORDNO is no watermark of modification times. A record
        changed while the read is under way may come with its children from before or after the change; its
        WHENMODIFIED is later than the read's start, so the next incremental run reads it again. ``where``
        filters the records only (children of records it leaves out are read and dropped); ``span`` restricts
        both reads to a RECORDNO range.
        """
        if parts not in (1, 2, None):
            raise ValueError(f"parts must be 1, 2 or None (split when large), got {parts!r}")
        if parts == 1:
            return self._with_children(object, child, parent_field, fields, child_fields, span, where)
        last = (span or (None, None))[1]

        def second_half(start: int) -> Iterator[BillPage]:
            return self._with_children(object, child, parent_field, fields, child_fields, (start, last), where)

        split = Split(second_half,
                      lambda: self._reader.highest_record_no(object, F.and_(where, record_range("RECORDNO", span))),
                      upper=last, min_pages=0 if parts == 2 else self.settings.split_read_min_pages,
                      page_size=self.settings.page_size)
        return split_when_large(
            lambda s: self._with_children(object, child, parent_field, fields, child_fields, span, where, s), split)

    def _with_children(self, object, child, parent_field, fields, child_fields, span, where,
                       split: Split | None = None) -> Iterator[BillPage]:
        upper = None if split is None else split.limit
        pages, child_pages = side_by_side(
            lambda: self._reader.pages_by_record_no(object, fields, span=span, where=where, upper=upper,
                                                    on_first=None if split is None else split.records_counted),
            lambda: self._reader.iter_children(child, parent_field, child_fields, parents=span, upper=upper,
                                               on_total=None if split is None else split.children_counted),
            depth=max(1, self.settings.read_ahead_pages))
        return join_children(pages, child_pages, parent_field)

    def process_read(self, method: str, args: Sequence = (), kwargs: Mapping | None = None,
                     transform: tuple[Callable, tuple] | None = None,
                     lighter: Mapping | None = None) -> ProcessRead | None:
        """``self.<method>(*args, **kwargs)`` (a read such as ``iter_with_children``) run by a client of its own in a
        child process, each page passed through ``transform = (function, args)`` there (``function(page,
        *args)``; both picklable, the function importable): see ``read_process``. ``lighter``: keyword arguments
        of ``function`` that leave part of its work to the caller, used for the page after one the caller had to
        wait for (the caller then does that part itself). The child shares this
        client's session, settings and call counts, and holds the company's request slots while it reads, so
        send no request of your own meanwhile. None when this client cannot: its transport is in-process,
        ``read_process`` is off, the machine has one CPU (nothing would run beside the caller), or it is not a POSIX
        system (the two ends talk over inherited pipes)."""
        if not (self._network and self.settings.read_process and (os.cpu_count() or 1) > 1 and os.name == "posix"):
            return None
        try:
            pickle.dumps((args, kwargs, transform, lighter))  # what the child is sent (a test's function is not)
        except (pickle.PicklingError, TypeError, AttributeError):
            return None
        return ProcessRead(self, method, tuple(args), dict(kwargs or {}), transform, dict(lighter or {}))

    @property
    def request_slots(self):
        """The company's request slots (``max_concurrency``) in this process: each request takes one."""
        return self._transport.semaphore

    def read_side_by_side(self, *reads: Callable[[], Iterator]) -> list[Iterator]:
        """Run several reads at once (e.g. bills and their lines), each one page ahead; within the company's
        allowance, since every request still takes a ``max_concurrency`` slot."""
        return side_by_side(*reads, depth=max(1, self.settings.read_ahead_pages))

    def _ahead(self, pages: Callable[[], Iterator]) -> Iterator:
        depth = self.settings.read_ahead_pages
        return prefetched(pages, depth) if depth else pages()

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

    def iter_writes(self, operation: str, object: str, requests: Iterable[WriteRequest], *,
                    transaction: bool = False) -> Iterator[list[WriteOutcome]]:
        """``create`` or ``update`` (``operation``) of any number of records, the outcomes yielded request by
        request as each answer arrives: records refused before sending first (one list), then each sent
        request's outcomes in the order of its records. The records are packed as ``create``/``update`` pack
        them (``write_batch_size`` and ``max_request_chars``), so a caller hands over all its records and
        settles each request's outcomes as they come. A request failing as a whole raises WriteFailed with
        empty ``outcomes`` (earlier requests' outcomes were yielded already); its records' fate is unknown."""
        if operation not in ("create", "update"):
            raise ValueError(f"operation must be 'create' or 'update', got {operation!r}")
        return self._writer.stream(operation, object, requests, transaction)

    def delete(self, object: str, record_nos: Sequence[int], *, transaction: bool = False) -> list[WriteOutcome]:
        return self._writer.delete(object, record_nos, transaction)

    # -- setup ---------------------------------------------------------------------------------------------------

    def check_setup(self, *, probes: bool = True) -> SetupReport:
        """Sign in, then (``probes``) read one row of each object the sync needs. Without probes the sign-in
        alone is checked: a sync run lets each object's first read stand in for its probe."""
        return check_setup(self.sessions, self._reader, probes=probes)
