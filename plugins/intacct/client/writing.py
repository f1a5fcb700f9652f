"""Batched create / update / delete with deterministic function control ids.

Each record becomes one function whose control id is derived from the record's key and its canonical
content, so a request that is resent (after a lost answer, or by a later run with the same content) replays
the same ids with ``uniqueid=true`` and the gateway never executes a function twice.

A call may hand over any number of records: they are packed into as few requests as the limits allow, by
count (``write_batch_size`` functions at most) and by size (``max_request_chars``: the UTF-8 bytes of the
whole request, envelope included, which are never fewer than its characters, the unit of the gateway's
500,000 limit). A record too large for any request goes alone.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from lxml import etree

from .errors import AlreadyApplied, IntacctError, TransactionAborted, UnsendableValue, classify
from .fields import is_secret_field, spec_for
from .session import SessionManager
from .settings import ClientSettings
from .usage import ApiUsage
from .values import ValueCodec
from .xml import (
    Function,
    Redactor,
    Result,
    build_request,
    describe_incompatible,
    element,
    fill,
    xml_incompatible_fields,
)

# The request envelope is measured with the current session id; a later session id may be longer.
_SESSION_ID_SLACK = 256
_FUNCTION_WRAPPER = len(b'<function controlid=""></function>')
_UNSAFE = re.compile(r"[^A-Za-z0-9:._-]+")


@dataclass(frozen=True)
class WriteRequest:
    """One record to write. ``key`` is its stable identity (e.g. "vendor:BC-V0001").

    ``scope`` is mixed into the control id: pass e.g. the run id for updates, so a later run may send the
    same content again (a retry within the run still replays the same id).
    """

    key: str
    fields: Mapping[str, object] = field(repr=False)  # may hold secrets (TAXID)
    scope: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key.strip():
            raise ValueError("WriteRequest.key must be a non-empty string identifying the record")
        if not isinstance(self.fields, Mapping):
            raise TypeError(f"WriteRequest.fields must be a mapping of Intacct field names, got {self.fields!r}")


@dataclass(frozen=True)
class WriteOutcome:
    key: str
    ok: bool
    record_no: int | None = None
    record_id: str | None = None
    error: IntacctError | None = None
    already_applied: bool = False
    control_id: str = field(default="", repr=False)


class WriteFailed(IntacctError):
    """A whole write request failed; ``outcomes`` holds those of the requests that completed before it."""

    def __init__(self, cause: IntacctError, outcomes: list[WriteOutcome]):
        super().__init__(cause.message, errors=cause.errors, remediation=cause.remediation,
                         http_status=cause.http_status)
        self.cause = cause
        self.outcomes = outcomes


@dataclass(frozen=True)
class _Planned:
    key: str
    function: Function
    size: int
    record_no: int | None
    secrets: tuple[str, ...] = field(repr=False)


class Writer:
    def __init__(self, sessions: SessionManager, settings: ClientSettings, codec: ValueCodec, redactor: Redactor,
                 usage: ApiUsage):
        self.sessions = sessions
        self.settings = settings
        self.codec = codec
        self.redactor = redactor
        self.usage = usage

    def create(self, object_name: str, requests: Sequence[WriteRequest], transaction: bool = False
               ) -> list[WriteOutcome]:
        name = spec_for(object_name).name
        return self._run([self._plan("create", name, r) for r in requests], transaction)

    def update(self, object_name: str, requests: Sequence[WriteRequest], transaction: bool = False
               ) -> list[WriteOutcome]:
        spec = self._require_keys(object_name, requests)
        return self._run([self._plan("update", spec.name, r) for r in requests], transaction)

    @staticmethod
    def _require_keys(object_name: str, requests: Sequence[WriteRequest]):
        spec = spec_for(object_name)
        for request in requests:
            if "RECORDNO" not in request.fields and (spec.business_key or "RECORDNO") not in request.fields:
                raise ValueError(f"Update of {spec.name} {request.key!r} needs RECORDNO in its fields")
        return spec

    def delete(self, object_name: str, record_nos: Sequence[int], transaction: bool = False) -> list[WriteOutcome]:
        name = spec_for(object_name).name
        planned = []
        for record_no in record_nos:
            operation = element("delete", element("object", text=name), element("keys", text=str(int(record_no))))
            key = f"{name.lower()}:{int(record_no)}"
            control_id = _control_id("delete", name, key, "", {"RECORDNO": int(record_no)}, self.codec)
            function = Function(control_id, operation)
            planned.append(_Planned(key, function, _size(function), int(record_no), ()))
        return self._run(planned, transaction)

    # -- planning ----------------------------------------------------------------------------------------------

    def _plan(self, verb: str, object_name: str, request: WriteRequest) -> _Planned | WriteOutcome:
        # A value XML cannot carry fails this record alone, before anything is built or sent.
        bad = xml_incompatible_fields(request.fields)
        if bad:
            error = UnsendableValue(f"{verb} {object_name} {request.key}: {describe_incompatible(request.fields, bad)}",
                                    key=request.key, fields=bad)
            return WriteOutcome(request.key, False, error=error)
        operation = element(verb, fill(etree.Element(object_name), request.fields, self.codec))
        control_id = _control_id(verb, object_name, request.key, request.scope, request.fields, self.codec)
        record_no = request.fields.get("RECORDNO")
        function = Function(control_id, operation)
        return _Planned(request.key, function, _size(function),
                        int(record_no) if record_no not in (None, "") else None,  # type: ignore[arg-type]
                        tuple(_secret_values(request.fields)))

    def _envelope_size(self, transaction: bool) -> int:
        """Bytes of a request around its functions (control, authentication with the session id)."""
        creds = self.sessions.credentials
        empty = build_request(sender_id=creds.sender_id, sender_password=creds.sender_password,
                              control_id=uuid.uuid4().hex, uniqueid=True, auth=self.sessions.session().session_id,
                              functions=[], transaction=transaction)
        return len(empty) + _SESSION_ID_SLACK

    def _batches(self, planned: list[_Planned], transaction: bool = False) -> Iterator[list[_Planned]]:
        budget = self.settings.max_request_chars - self._envelope_size(transaction)
        batch: list[_Planned] = []
        used = 0
        for item in planned:
            if batch and (len(batch) >= self.settings.write_batch_size or used + item.size > budget):
                yield batch
                batch, used = [], 0
            batch.append(item)
            used += item.size
        if batch:
            yield batch

    @staticmethod
    def _aborted(planned: list[_Planned]) -> list[WriteOutcome]:
        """All or nothing was asked: nothing is sent when one record cannot be."""
        return [WriteOutcome(p.key, False, error=TransactionAborted(
            f"{p.function.name} {p.key}: not sent, another record of the same transaction was refused"))
            for p in planned]

    # -- sending -----------------------------------------------------------------------------------------------

    def _run(self, items: list[_Planned | WriteOutcome], transaction: bool) -> list[WriteOutcome]:
        """Send the planned items; refused items keep their outcome, in the order of the requests."""
        refused = {i: item for i, item in enumerate(items) if isinstance(item, WriteOutcome)}
        planned = [item for item in items if isinstance(item, _Planned)]
        if refused and transaction:
            sent = self._aborted(planned)
        else:
            try:
                sent = self._send(planned, transaction) if planned else []
            except WriteFailed as failure:
                failure.outcomes = list(refused.values()) + failure.outcomes
                raise
        if not refused:
            return sent
        results = iter(sent)
        return [refused[i] if i in refused else next(results) for i in range(len(items))]

    def stream(self, verb: str, object_name: str, requests: Iterable[WriteRequest], transaction: bool = False
               ) -> Iterator[list[WriteOutcome]]:
        """The outcomes request by request: first those of records refused before sending (if any), then
        each sent request's, in the order of its records. A request failing as a whole raises WriteFailed
        (its ``outcomes`` empty: those of earlier requests were already yielded)."""
        requests = list(requests)
        if verb == "update":
            self._require_keys(object_name, requests)
        name = spec_for(object_name).name
        items = [self._plan(verb, name, r) for r in requests]
        refused = [item for item in items if isinstance(item, WriteOutcome)]
        planned = [item for item in items if isinstance(item, _Planned)]
        if refused and transaction:
            yield refused + self._aborted(planned)
            return
        if refused:
            yield refused
        if planned:
            yield from self._requests(planned, transaction)

    def _send(self, planned: list[_Planned], transaction: bool) -> list[WriteOutcome]:
        outcomes: list[WriteOutcome] = []
        try:
            for sent in self._requests(planned, transaction):
                outcomes.extend(sent)
        except WriteFailed as failure:
            failure.outcomes = outcomes + failure.outcomes
            raise
        return outcomes

    def _requests(self, planned: list[_Planned], transaction: bool) -> Iterator[list[WriteOutcome]]:
        ids = Counter(p.function.control_id for p in planned)
        if len(ids) != len(planned):
            dupes = sorted({p.key for p in planned if ids[p.function.control_id] > 1})
            raise ValueError(f"The same record is written twice in one call: {dupes}")
        for batch in self._batches(planned, transaction):
            try:
                results = self.sessions.execute([p.function for p in batch], uniqueid=True,
                                                transaction=transaction,
                                                label=f"{batch[0].function.name} x{len(batch)}")
            except IntacctError as exc:
                raise WriteFailed(exc, []) from exc
            by_id = {r.control_id: r for r in results}
            yield [self._outcome(p, by_id.get(p.function.control_id)) for p in batch]

    def _outcome(self, planned: _Planned, result: Result | None) -> WriteOutcome:
        control_id = planned.function.control_id
        if result is None:
            error = IntacctError(f"{planned.function.name} {planned.key}: the gateway returned no result for "
                                 f"function {control_id}")
            return WriteOutcome(planned.key, False, error=error, control_id=control_id)
        if result.ok:
            self.usage.record_written(1)
            record_no, record_id = _written_identity(result)
            return WriteOutcome(planned.key, True, record_no or planned.record_no, record_id,
                                control_id=control_id)
        redactor = Redactor()
        redactor.add(*planned.secrets)
        details = [redactor.detail(self.redactor.detail(d)) for d in result.errors]
        error = classify("function", details, context=self.sessions.context,
                         prefix=f"{planned.function.name} {planned.key}: ")
        if result.status == "aborted" and not isinstance(error, TransactionAborted):
            error = TransactionAborted(error.message, errors=error.errors)
        if isinstance(error, AlreadyApplied):
            return WriteOutcome(planned.key, True, planned.record_no, None, already_applied=True,
                                control_id=control_id)
        return WriteOutcome(planned.key, False, error=error, control_id=control_id)


def _written_identity(result: Result) -> tuple[int | None, str | None]:
    if result.data is None:
        return None, None
    for node in result.data:
        if not isinstance(node.tag, str):
            continue
        record_no: int | None = None
        record_id: str | None = None
        for child in node:
            if child.tag == "RECORDNO" and child.text:
                try:
                    record_no = int(child.text)
                except ValueError:
                    pass
            elif record_id is None and child.text:
                record_id = child.text
        return record_no, record_id
    return None, None


def _size(function: Function) -> int:
    """Bytes the function adds to a request: its ``<function controlid=…>`` wrapper and the operation, in
    UTF-8 as the request is sent."""
    return (_FUNCTION_WRAPPER + len(function.control_id.encode())
            + len(etree.tostring(function.operation, encoding="utf-8")))


def _canonical(value: object, codec: ValueCodec) -> object:
    if isinstance(value, Mapping):
        return {str(k): _canonical(v, codec) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [_canonical(v, codec) for v in value]
    return codec.format(value)


def _control_id(verb: str, object_name: str, key: str, scope: str, fields: Mapping[str, object],
                codec: ValueCodec) -> str:
    payload = json.dumps([verb, object_name, key, scope, _canonical(fields, codec)], separators=(",", ":"),
                         ensure_ascii=False)
    digest = hashlib.sha256(payload.encode()).hexdigest()[:24]
    readable = _UNSAFE.sub("_", key)[:60]
    return f"{verb}.{readable}.{digest}"


def _secret_values(fields: Mapping[str, object]) -> Iterable[str]:
    for name, value in fields.items():
        if isinstance(value, Mapping):
            yield from _secret_values(value)
        elif isinstance(value, list | tuple):
            for item in value:
                if isinstance(item, Mapping):
                    yield from _secret_values(item)
                elif is_secret_field(name) and isinstance(item, str) and item:
                    yield item
        elif is_secret_field(name) and isinstance(value, str) and value:
            yield value
