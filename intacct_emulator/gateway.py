"""The single request handler: bytes in, (status, headers, bytes) out.

Both the HTTP server and the in-process httpx transport call :meth:`Gateway.handle`. Company state is guarded
by one lock; latency is slept outside it so the per-company concurrency limit can actually be exceeded.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from intacct_emulator import functions, gateway_errors, protocol
from intacct_emulator.data import parse_query_filter
from intacct_emulator.errors import GatewayError
from intacct_emulator.faults import FaultPlan, Faults
from intacct_emulator.sessions import SessionStore
from intacct_emulator.stats import Stats

GATEWAY_PATH = "/ia/xml/xmlgw.phtml"
XML_CONTENT_TYPE = 'text/xml; encoding="UTF-8"'
HTML_ERROR_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>"
    b"<h1>Error 502</h1><p>Bad gateway. The web server reported a bad gateway error.</p>"
    b'<div class="cf-error-details">Please try again in a few minutes.</div></body></html>\n'
)


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    drop_connection: bool = False  # close the connection without answering (a lost response)


@dataclass
class _XmlAnswer:
    """An answer still as a tree: serialising it is left for after the company lock is released."""

    status: int
    root: etree._Element
    pretty: bool = False

    def to_http(self) -> HttpResponse:
        body = protocol.serialize(self.root, pretty=self.pretty)
        return HttpResponse(self.status, {"Content-Type": XML_CONTENT_TYPE}, body)


def _xml_response(status: int, root: etree._Element, pretty: bool = False) -> _XmlAnswer:
    return _XmlAnswer(status, root, pretty)


def _error_page(status: int, reason: str) -> HttpResponse:
    body = (
        f"<html><head><title>{status} {reason}</title></head><body><h1>{status} {reason}</h1></body></html>\n"
    ).encode()
    return HttpResponse(status, {"Content-Type": "text/html; charset=UTF-8"}, body)


@dataclass
class _Auth:
    company: Any
    user_id: str
    entity_id: str | None
    session: Any


class Gateway:
    def __init__(self, world: Any, *, seed: int = 0, faults: Faults | None = None):
        self.world = world
        self.seed = seed
        self.faults = faults or Faults(seed)
        self.stats = Stats()
        self.sessions = SessionStore(self.faults.settings.session_timeout_seconds)
        self.result_sets = functions.ResultSets()
        self.lock = threading.RLock()
        self._order_rng = random.Random(seed + 1)
        self._completed_controlids: dict[str, set[str]] = {}

    # -- state ------------------------------------------------------------------------------------------

    def replace_world(self, world: Any) -> None:
        with self.lock:
            self.world = world
            self.sessions.expire_all()
            self.result_sets.clear()
            self._completed_controlids.clear()
            self.stats.reset()
            self._order_rng = random.Random(self.seed + 1)

    # -- entry point ------------------------------------------------------------------------------------

    def handle(self, method: str, url: str, body: bytes) -> HttpResponse:
        """Answer one POST to the XML gateway. ``url`` is the URL the request came in on."""
        if method.upper() != "POST":
            return HttpResponse(
                405,
                {"Allow": "POST", "Content-Type": "text/plain"},
                b"The XML gateway only accepts POST with an XML <request> body.\n",
            )
        plan = self.faults.plan()
        early = self._before_faults(plan)
        if early is not None:
            return early
        try:
            request = protocol.parse_request(body)
        except protocol.ControlFailure as failure:
            root = protocol.control_failure(
                failure.error, failure.senderid, failure.controlid, failure.uniqueid, failure.dtdversion
            )
            return _xml_response(200, root).to_http()
        company_id = self._company_of(request)
        with protocol.answer_scope():  # the answer's pages are kept beside its tree until it is written
            with self.faults.concurrency_slot(company_id) as admitted:
                if not admitted:
                    root = protocol.control_failure(
                        gateway_errors.rate_limited(), request.control.senderid, request.control.controlid
                    )
                    return _xml_response(429, root).to_http()
                if plan.latency_seconds > 0:
                    time.sleep(plan.latency_seconds)
                with self.lock:
                    self._apply_state_faults(plan, request)
                    answer = self._process(request, url)
            http = answer.to_http()
        return self._after_faults(plan, http)

    # -- faults -----------------------------------------------------------------------------------------

    def _before_faults(self, plan: FaultPlan) -> HttpResponse | None:
        if plan.before == "maintenance":
            return self._control_failure(gateway_errors.maintenance()).to_http()
        if plan.before == "http_502":
            return _error_page(502, "Bad Gateway")
        if plan.before == "http_503":
            return _error_page(503, "Service Unavailable")
        if plan.before == "html_error":
            # An HTML page with status 200: a client must look at the body, not only the status.
            return HttpResponse(200, {"Content-Type": "text/html; charset=UTF-8"}, HTML_ERROR_PAGE)
        if plan.before == "rate_limited":
            return _xml_response(429, protocol.control_failure(gateway_errors.rate_limited())).to_http()
        return None

    def _apply_state_faults(self, plan: FaultPlan, request: protocol.Request) -> None:
        if plan.expire_session and request.sessionid:
            self.sessions.expire(request.sessionid)
        if plan.expire_result_sets:
            self.result_sets.clear()

    def _after_faults(self, plan: FaultPlan, response: HttpResponse) -> HttpResponse:
        if plan.after == "http_524":
            return _error_page(524, "A Timeout Occurred")
        if plan.after == "truncated_xml":
            cut = max(1, len(response.body) // 2)
            return HttpResponse(response.status, dict(response.headers), response.body[:cut])
        if plan.after == "lost_response":
            return _error_page(502, "Bad Gateway")
        if plan.after == "lost_connection":
            return HttpResponse(0, {}, b"", drop_connection=True)
        return response

    # -- processing -------------------------------------------------------------------------------------

    def _control_failure(self, error: GatewayError, control: protocol.Control | None = None) -> _XmlAnswer:
        if control is None:
            return _xml_response(200, protocol.control_failure(error))
        root = protocol.control_failure(
            error,
            control.senderid,
            control.controlid,
            "true" if control.uniqueid else "false",
            control.dtdversion,
        )
        return _xml_response(200, root)

    def _company_of(self, request: protocol.Request) -> str:
        if request.login is not None:
            return request.login.companyid
        with self.lock:
            session = self.sessions.get(request.sessionid or "", self.world.clock.now())
            return session.company_id if session is not None else ""

    def _process(self, request: protocol.Request, url: str) -> _XmlAnswer:
        control = request.control
        pretty = control.includewhitespace
        sender = self.world.senders.get(control.senderid)
        if sender is None or sender.password != control.password:
            return self._control_failure(gateway_errors.bad_sender(), control)
        try:
            self._validate_schema(request)
        except GatewayError as error:
            return self._control_failure(error, control)
        now = self.world.clock.now()
        self.sessions.timeout_seconds = self.faults.settings.session_timeout_seconds
        response, operation = protocol.success_envelope(control)
        try:
            auth = self._authenticate(request, now)
        except _LoginRejected as rejected:
            if rejected.unknown_company:
                # Recorded as a gateway error (clients expect HTTP 400), not as a sign-in failure.
                errorno = self.faults.settings.unknown_company_errorno
                return _xml_response(400, protocol.http_error_body(gateway_errors.unknown_company(errorno)))
            if rejected.bad_credentials and self.faults.settings.http_401_for_bad_login:
                return _xml_response(401, protocol.http_error_body(gateway_errors.bad_login_http_401()))
            protocol.authentication_failure(
                operation,
                rejected.error,
                userid=rejected.userid,
                companyid=rejected.companyid,
                locationid=rejected.locationid,
            )
            return _xml_response(200, response, pretty)
        company = auth.company
        local = company.timezone
        if auth.session is not None:
            self.sessions.touch(auth.session, now)
        timeout = self.sessions.timeout_after(now)
        protocol.authentication_success(
            operation,
            userid=auth.user_id,
            companyid=company.id,
            locationid=auth.entity_id or "",
            timestamp=now.astimezone(local),
            timeout=timeout.astimezone(local),
        )
        outcomes = self._run_functions(request, auth, url, now)
        for call, outcome in zip(request.functions, outcomes, strict=True):
            result_el = protocol.result(
                operation, status=outcome.status, function=call.name, controlid=call.controlid
            )
            if outcome.render is not None:
                outcome.render(result_el)
            if outcome.errors:
                protocol.errormessage(result_el, outcome.errors, support_ids=True)
        return _xml_response(200, response, pretty)

    def _validate_schema(self, request: protocol.Request) -> None:
        for call in request.functions:
            if call.name != "query":
                continue
            functions.validate_query_schema(call.element)
            filter_el = call.element.find("filter")
            if filter_el is not None:
                try:
                    parse_query_filter(filter_el)
                except GatewayError as error:
                    if error.details[0].errorno == "XL03000003":
                        raise
                    # Other filter errors are reported on the function itself.

    def _authenticate(self, request: protocol.Request, now) -> _Auth:
        senderid = request.control.senderid
        if request.login is None:
            session = self.sessions.get(request.sessionid or "", now)
            if session is None or session.company_id not in self.world.companies:
                raise _LoginRejected(gateway_errors.invalid_session())
            company = self.world.companies[session.company_id]
            if senderid not in company.authorized_senders:
                raise _LoginRejected(
                    gateway_errors.sender_not_authorized(senderid, company.id),
                    session.user_id,
                    company.id,
                    session.entity_id or "",
                )
            return _Auth(company, session.user_id, session.entity_id, session)
        login = request.login
        echo = (login.userid, login.companyid, login.locationid or "")
        company = self.world.companies.get(login.companyid)
        if company is None:
            raise _LoginRejected(gateway_errors.sign_in_incorrect(), *echo, unknown_company=True)
        if senderid not in company.authorized_senders:
            raise _LoginRejected(gateway_errors.sender_not_authorized(senderid, company.id), *echo)
        user = company.users.get(login.userid)
        if user is None or user.password != login.password:
            raise _LoginRejected(gateway_errors.sign_in_incorrect(), *echo, bad_credentials=True)
        if login.locationid is not None and login.locationid not in company.entities:
            raise _LoginRejected(gateway_errors.unknown_entity(login.locationid, company.id), *echo)
        return _Auth(company, login.userid, login.locationid, None)

    def _run_functions(
        self, request: protocol.Request, auth: _Auth, url: str, now
    ) -> list[functions.Outcome]:
        company = auth.company
        completed = self._completed_controlids.setdefault(company.id, set())

        def open_session(entity_id: str | None):
            return self.sessions.open(company.id, auth.user_id, entity_id, now)

        ctx = functions.CallContext(
            world=self.world,
            company=company,
            user_id=auth.user_id,
            entity_id=auth.entity_id,
            session=auth.session,
            endpoint=url,
            now=now,
            result_sets=self.result_sets,
            result_set_ttl_seconds=self.faults.settings.result_set_ttl_seconds,
            order_rng=self._order_rng,
            open_session=open_session,
            lenient_enum_filters=self.faults.settings.lenient_enum_filters,
            audit_page_error_rate=self.faults.settings.audit_page_error_rate,
        )
        savepoint = company.store.savepoint() if request.transaction else None
        outcomes: list[functions.Outcome] = []
        failed_at: int | None = None
        for index, call in enumerate(request.functions):
            self.stats.count_call(company.id, call.name)
            if request.control.uniqueid and call.controlid in completed:
                outcome = functions.Outcome(
                    "failure", errors=gateway_errors.duplicate_control_id(call.controlid).details
                )
            else:
                outcome = functions.run(ctx, call.name, call.element)
            outcomes.append(outcome)
            if outcome.status != "success" and request.transaction:
                failed_at = index
                break
        if request.transaction and failed_at is not None:
            company.store.rollback(savepoint)
            aborted = gateway_errors.transaction_aborted().details
            final = []
            for index, call in enumerate(request.functions):
                if index == failed_at:
                    # The failing function lists its own errors, then the roll-back notice.
                    failing = outcomes[index]
                    final.append(functions.Outcome(failing.status, failing.render, (*failing.errors, *aborted)))
                    continue
                if index > failed_at:
                    self.stats.count_call(company.id, call.name)
                final.append(functions.Outcome("aborted", errors=aborted))
            return final
        for call, outcome in zip(request.functions, outcomes, strict=True):
            self.stats.count_written(company.id, outcome.records_written)
            if outcome.status == "success" and request.control.uniqueid:
                completed.add(call.controlid)
        return outcomes


class _LoginRejected(Exception):
    def __init__(
        self,
        error: GatewayError,
        userid: str = "",
        companyid: str = "",
        locationid: str = "",
        *,
        bad_credentials: bool = False,
        unknown_company: bool = False,
    ):
        super().__init__(str(error))
        self.error = error
        self.userid = userid
        self.companyid = companyid
        self.locationid = locationid
        self.bad_credentials = bad_credentials
        self.unknown_company = unknown_company
