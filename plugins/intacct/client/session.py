"""API sessions: one getAPISession, reused with its endpoint, renewed before it expires or once when refused.

A session may also be handed on (``export`` / ``adopt``) to another client of the same company, user and
entity, e.g. the next task of the same run in another process, so that the run signs in once. What carries the
exported state is the caller's business: it holds the session id, a secret, and must be kept encrypted.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from .credentials import Credentials, validate_endpoint
from .errors import ConfigurationError, ErrorContext, IntacctError, SessionExpired, classify
from .settings import ClientSettings
from .transport import GatewayTransport
from .usage import ApiUsage
from .values import ValueCodec
from .xml import Function, Login, Redactor, Result, build_request, element

log = logging.getLogger("intacct.client")

# Used when the gateway does not say when the session ends: renew after this much inactivity.
FALLBACK_SESSION_SECONDS = 600


@dataclass(frozen=True)
class SessionInfo:
    session_id: str = field(repr=False)
    endpoint: str
    company_id: str
    user_id: str
    location_id: str | None
    expires_at: datetime


class SessionManager:
    """Owns the session and executes functions with it."""

    def __init__(self, credentials: Credentials, settings: ClientSettings, transport: GatewayTransport,
                 usage: ApiUsage, redactor: Redactor, codec: ValueCodec,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.credentials = credentials
        self.settings = settings
        self.transport = transport
        self.usage = usage
        self.redactor = redactor
        self.codec = codec
        self.now = now
        self._lock = threading.Lock()
        self._session: SessionInfo | None = None

    @property
    def context(self) -> ErrorContext:
        return self.transport.context

    def session(self) -> SessionInfo:
        with self._lock:
            current = self._session
            margin = timedelta(seconds=self.settings.session_refresh_margin_seconds)
            if current is None or self.now() >= current.expires_at - margin:
                if current is not None:
                    log.info("Intacct session for %s is about to expire; signing in again",
                             self.credentials.company_id)
                self._session = self._open()
            return self._session

    def open(self) -> SessionInfo:
        """Sign in now (even if a session exists)."""
        with self._lock:
            self._session = self._open()
            return self._session

    def binding(self) -> dict[str, str | None]:
        """Who a session belongs to: an exported session is adopted only by a client with the same binding."""
        creds = self.credentials
        return {"company_id": creds.company_id, "user_id": creds.user_id, "entity_id": creds.entity_id,
                "sender_id": creds.sender_id, "endpoint": creds.endpoint}

    def export(self) -> dict | None:
        """The current session as plain data for :meth:`adopt` elsewhere, or None if there is none.

        The result contains the session id: never log it, and encrypt it wherever it is stored."""
        with self._lock:
            info = self._session
        if info is None:
            return None
        return {"binding": self.binding(), "session_id": info.session_id, "endpoint": info.endpoint,
                "location_id": info.location_id, "expires_at": info.expires_at.isoformat()}

    def adopt(self, state: Mapping) -> bool:
        """Use a session exported by another client instead of signing in; False (and nothing changes) when it
        belongs to another company, user, entity, sender or endpoint, points at a host this client may not
        send to, or expires within the refresh margin. A session the gateway later refuses is replaced by a
        fresh sign-in, as any refused session is."""
        try:
            if dict(state["binding"]) != self.binding():
                return False
            session_id = str(state["session_id"])
            endpoint = validate_endpoint(str(state["endpoint"]), self.credentials.allowed_hosts)
            expires_at = datetime.fromisoformat(str(state["expires_at"]))
            location = state.get("location_id") or None
        except (KeyError, TypeError, ValueError, ConfigurationError):
            return False
        margin = timedelta(seconds=self.settings.session_refresh_margin_seconds)
        if not session_id or expires_at.tzinfo is None or self.now() >= expires_at - margin:
            return False
        self.redactor.add(session_id)
        with self._lock:
            self._session = SessionInfo(session_id, endpoint, self.credentials.company_id,
                                        self.credentials.user_id, location, expires_at)
        log.info("Reusing this run's Intacct session for company %s (valid until %s)",
                 self.credentials.company_id, expires_at.isoformat(timespec="seconds"))
        return True

    def invalidate(self) -> None:
        with self._lock:
            self._session = None

    def _open(self) -> SessionInfo:
        creds = self.credentials
        login = Login(creds.user_id, creds.company_id, creds.user_password, creds.entity_id)
        body = build_request(sender_id=creds.sender_id, sender_password=creds.sender_password,
                             control_id=_request_id(), uniqueid=False, auth=login,
                             functions=[Function("session", element("getAPISession"))])
        response = self.transport.send(body, creds.endpoint, label="getAPISession")
        self.usage.record_request(["getAPISession"])
        result = response.results[0] if response.results else None
        if result is None or not result.ok:
            errors = [self.redactor.detail(d) for d in (result.errors if result else [])]
            raise classify("authentication", errors, context=self.context, prefix="getAPISession: ")
        api = result.data.find("api") if result.data is not None else None
        session_id = (api.findtext("sessionid") or "").strip() if api is not None else ""
        if not session_id:
            raise IntacctError("getAPISession: the gateway returned no session id")
        self.redactor.add(session_id)
        endpoint = self._session_endpoint((api.findtext("endpoint") or "").strip())
        location = (api.findtext("locationid") or "").strip() or None
        log.info("Signed in to Intacct company %s%s as %s", creds.company_id,
                 f" (entity {location})" if location else "", creds.user_id)
        return SessionInfo(session_id, endpoint, creds.company_id, creds.user_id, location,
                           self._expiry(response.session_timeout))

    def _session_endpoint(self, returned: str) -> str:
        if not returned:
            return self.credentials.endpoint
        try:
            return validate_endpoint(returned, self.credentials.allowed_hosts)
        except ConfigurationError:
            log.warning("Ignoring the session endpoint %r returned by the gateway: it is not an allowed host; "
                        "keeping %s", returned, self.credentials.endpoint)
            return self.credentials.endpoint

    def _expiry(self, timeout_text: str | None) -> datetime:
        if timeout_text:
            try:
                return self.codec.parse("timestamp", timeout_text, name="sessiontimeout")  # type: ignore[return-value]
            except IntacctError:
                log.warning("Unreadable session timeout %r; assuming %ds", timeout_text, FALLBACK_SESSION_SECONDS)
        return self.now() + timedelta(seconds=FALLBACK_SESSION_SECONDS)

    def _touch(self, info: SessionInfo, timeout_text: str | None) -> None:
        """Every call resets the session's timeout; remember the new one."""
        with self._lock:
            if self._session is info:
                self._session = SessionInfo(info.session_id, info.endpoint, info.company_id, info.user_id,
                                            info.location_id, self._expiry(timeout_text))

    def execute(self, functions: Sequence[Function], *, uniqueid: bool, transaction: bool = False,
                label: str | None = None) -> list[Result]:
        """Send functions in one request with the session; returns one Result per function, in order."""
        label = label or "+".join(sorted({f.name for f in functions}))
        creds = self.credentials
        for attempt in range(2):
            info = self.session()
            body = build_request(sender_id=creds.sender_id, sender_password=creds.sender_password,
                                 control_id=_request_id(), uniqueid=uniqueid, auth=info.session_id,
                                 functions=functions, transaction=transaction)
            try:
                response = self.transport.send(body, info.endpoint, label=label)
            except SessionExpired:
                if attempt:
                    raise
                log.info("Intacct refused the session; signing in again once")
                with self._lock:
                    if self._session is info:
                        self._session = None
                continue
            self._touch(info, response.session_timeout)
            self.usage.record_request([f.name for f in functions])
            return response.results
        raise AssertionError("unreachable")


def _request_id() -> str:
    return uuid.uuid4().hex
