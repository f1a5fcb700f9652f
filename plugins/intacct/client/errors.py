"""The client's one error hierarchy and the one catalogue that maps gateway answers onto it.

Every failure the gateway can report (control, authentication or function level, or an HTTP status) is
turned into an :class:`IntacctError` subclass by :func:`classify`. The catalogue below is the single place
that knows which errorno or text means what, and which step of the setup guide fixes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

from .. import setup_steps as guide

_SUPPORT_ID = re.compile(r"\[Support ID:\s*([^\]]*)\]")


@dataclass(frozen=True)
class ErrorDetail:
    """One ``<error>`` entry as the gateway sent it (secrets already scrubbed)."""

    errorno: str = ""
    description: str = ""
    description2: str = ""
    correction: str = ""
    support_id: str | None = None

    @classmethod
    def from_texts(cls, errorno: str | None, description: str | None, description2: str | None,
                   correction: str | None) -> ErrorDetail:
        texts = [t.strip() if t else "" for t in (description, description2, correction)]
        support_id = None
        for text in texts:
            found = _SUPPORT_ID.search(text)
            if found:
                support_id = unquote(found.group(1)).strip() or None
                break
        return cls((errorno or "").strip(), texts[0], texts[1], texts[2], support_id)

    @property
    def text(self) -> str:
        """The human part of the error, without the Support ID suffix."""
        parts = [_SUPPORT_ID.sub("", p).strip() for p in (self.description, self.description2)]
        return " ".join(p for p in parts if p)

    def __str__(self) -> str:
        label = f"{self.errorno}: " if self.errorno else ""
        correction = f" ({self.correction})" if self.correction else ""
        support = f" [Support ID: {self.support_id}]" if self.support_id else ""
        return f"{label}{self.text or 'no description'}{correction}{support}"


class IntacctError(Exception):
    """Base of every error the client raises or reports in a write outcome."""

    def __init__(self, message: str, *, errors: Iterable[ErrorDetail] = (), remediation: str | None = None,
                 http_status: int | None = None):
        self.errors: list[ErrorDetail] = list(errors)
        self.remediation = remediation
        self.http_status = http_status
        self.message = message
        super().__init__(message)

    @property
    def errorno(self) -> str | None:
        return self.errors[0].errorno if self.errors else None

    @property
    def support_id(self) -> str | None:
        return next((e.support_id for e in self.errors if e.support_id), None)

    def __str__(self) -> str:
        text = self.message
        if self.remediation:
            text += f" — how to fix: {self.remediation}"
        return text


class ConfigurationError(IntacctError):
    """Bad credentials object, endpoint or settings, found before anything is sent."""


class TransportError(IntacctError):
    """The request did not get a usable XML answer (connection, HTTP status, HTML page, truncated XML)."""


class ResponseTooLarge(IntacctError):
    """The answer exceeded max_response_bytes or max_response_elements. Not retried (the same answer would be
    downloaded again) and not a TransportError, so task retries do not fetch it again either."""


class ControlError(IntacctError):
    """The whole request was refused at the control level (no operation ran)."""


class AuthenticationError(IntacctError):
    """Authentication failed: no function of the request ran."""


class SenderNotAuthorized(AuthenticationError):
    """The sender ID is not authorized for the company (Web Services authorizations)."""


class InvalidCredentials(AuthenticationError):
    """Company ID, user ID or password (or the sender password) is wrong."""


class InvalidSenderCredentials(InvalidCredentials):
    """The sender ID or sender password is wrong."""


class UnknownEntity(AuthenticationError):
    """The entity (location) ID is unknown or not accessible to the user."""


class SessionExpired(AuthenticationError):
    """The API session is no longer valid; the client logs in again once by itself."""


class PermissionDenied(IntacctError):
    """The Web Services user's role lacks a subscription or permission."""


class NotFound(IntacctError):
    """The record (or object) does not exist."""


class DuplicateRecord(IntacctError):
    """A record with the same unique value already exists."""


class ValidationError(IntacctError):
    """The gateway rejected the content of a function (bad value, bad query, missing field)."""


class RecordValueError(ValidationError, ValueError):
    """One record cannot be read or sent because of one of its values; the others go on.

    A ValueError too, so a caller converting records one by one rejects just this one. ``key`` identifies the
    record, ``fields`` names the offending fields; the message never carries the value itself.
    """

    def __init__(self, message: str, *, key: str | None = None, fields: Iterable[str] = ()):
        super().__init__(message)
        self.key = key
        self.fields = list(fields)
        self.identifiers: dict[str, str] = {}  # e.g. {"RECORDID": "B-1", "RECORDNO": "7"} when known


class MalformedValue(RecordValueError):
    """Intacct sent a value that is not of its field's type (e.g. money as ``12,34``): refused, never guessed."""


class UnsendableValue(RecordValueError):
    """A value to write contains characters XML cannot carry (NUL, control characters, U+FFFE, surrogates)."""


class RateLimited(IntacctError):
    """Too many requests or concurrent requests for the company (HTTP 429 / GW-0010)."""


class Maintenance(IntacctError):
    """The service is temporarily off-line (maintenance window)."""


class AlreadyApplied(IntacctError):
    """The gateway says this function control id was executed before (uniqueid=true replay)."""


class TransactionAborted(IntacctError):
    """Rolled back because another function of the same transaction failed."""


# --- remediation texts, in the setup guide's words (intacct.setup_steps) --------------------------------------------------------

REMEDIATIONS: Mapping[str, str] = {
    "sender_not_authorized": guide.AUTHORIZE_SENDER,
    "sender_credentials": (
        "Check the sender ID '{sender_id}' and the sender password: both are issued together with the "
        "Web Services sender ID and are case-sensitive."),
    "user_credentials": (
        f"Check the Company ID '{{company_id}}' (In Sage Intacct: {guide.COMPANY_ID}), the User ID '{{user_id}}' "
        f"and the Web Services user's password (In Sage Intacct: {guide.WEB_SERVICES_USERS})."),
    "unknown_entity": (
        f"Check the Entity ID '{{entity_id}}': In Sage Intacct: {guide.ENTITY_ID}. Leave it empty only for a "
        "company without entities; the user must also have access to that entity."),
    "permission": guide.SUBSCRIBE_ROLE,
    "xml_gateway": (
        "The company is not subscribed to Web Services: In Sage Intacct: Company > Subscriptions > Web "
        "Services."),
    "rate_limit": (
        "Intacct refused more concurrent requests for this company. Lower max_concurrency (default 2), "
        "avoid running other integrations at the same time, or ask Sage about a higher performance tier."),
    "maintenance": (
        "Sage Intacct is in a maintenance window (usually weekly, Friday night Pacific time). "
        "Run the sync again after it ends."),
    "session": "The API session expired; run again (the client logs in again by itself once).",
}


@dataclass(frozen=True)
class _Rule:
    cls: type[IntacctError]
    levels: frozenset[str]
    errornos: frozenset[str] = frozenset()
    text: re.Pattern[str] | None = None
    http_statuses: frozenset[int] = frozenset()
    remediation: str | None = None

    def matches(self, level: str, details: list[ErrorDetail], http_status: int | None) -> bool:
        if level not in self.levels:
            return False
        if http_status is not None and http_status in self.http_statuses:
            return True
        joined = " ".join(f"{d.description} {d.description2} {d.correction}" for d in details)
        by_number = bool(self.errornos) and any(d.errorno in self.errornos for d in details)
        by_text = self.text is not None and bool(self.text.search(joined))
        if self.errornos and self.text is not None:
            return by_number and by_text
        return by_number or by_text


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_ALL = frozenset({"http", "control", "authentication", "function"})
_LOGIN = frozenset({"http", "control", "authentication"})

# Order matters: the first matching rule wins.
CATALOGUE: tuple[_Rule, ...] = (
    _Rule(Maintenance, _ALL, text=_rx(r"temporarily off-?line|maintenance|try again later"),
          remediation="maintenance"),
    _Rule(RateLimited, _ALL, errornos=frozenset({"GW-0010"}), http_statuses=frozenset({429}),
          remediation="rate_limit"),
    _Rule(RateLimited, _ALL, text=_rx(r"rate limit|too many (concurrent )?requests"), remediation="rate_limit"),
    _Rule(SenderNotAuthorized, _LOGIN,
          text=_rx(r"not authorized to make web services|invalid web services authorization|"
                   r"grant web services authorization"),
          remediation="sender_not_authorized"),
    _Rule(InvalidSenderCredentials, _LOGIN, text=_rx(r"partner id or password|sender (id )?or password"),
          remediation="sender_credentials"),
    _Rule(ControlError, _LOGIN, text=_rx(r"not authorized for xml transactions|subscribe to the xml gateway"),
          remediation="xml_gateway"),
    _Rule(SessionExpired, _LOGIN, text=_rx(r"invalid session|session (has )?(expired|timed out)"),
          remediation="session"),
    _Rule(UnknownEntity, _LOGIN, text=_rx(r"entit(y|ies)|location"), remediation="unknown_entity"),
    _Rule(InvalidCredentials, _LOGIN, errornos=frozenset({"XMLGW_JPP0002", "GW-0011", "invalidRequest"}),
          http_statuses=frozenset({401}), remediation="user_credentials"),
    _Rule(InvalidCredentials, _LOGIN, text=_rx(r"sign-?in information is incorrect|invalid (user|password)"),
          remediation="user_credentials"),
    _Rule(PermissionDenied, _ALL,
          text=_rx(r"permission|not subscribed|cannot be performed on objects|not authorized"),
          remediation="permission"),
    _Rule(AlreadyApplied, frozenset({"function"}),
          text=_rx(r"control ?id.*(already|previously|before)|(already|previously) (been )?(executed|processed)"
                   r"|duplicate control ?id")),
    _Rule(TransactionAborted, frozenset({"function"}), errornos=frozenset({"XL03000009"})),
    _Rule(DuplicateRecord, frozenset({"function"}), errornos=frozenset({"BL34000061"})),
    _Rule(DuplicateRecord, frozenset({"function"}), text=_rx(r"already exists|duplicate")),
    _Rule(NotFound, frozenset({"function"}),
          text=_rx(r"(record|key|object definition) .*(not found|does not exist)|no .* found|not found|"
                   r"does not exist")),
)

_DEFAULT_BY_LEVEL: Mapping[str, type[IntacctError]] = {
    "http": TransportError,
    "control": ControlError,
    "authentication": AuthenticationError,
    "function": ValidationError,
}


@dataclass
class ErrorContext:
    """Names used in remediation texts (never secrets)."""

    company_id: str = ""
    user_id: str = ""
    sender_id: str = ""
    entity_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def format(self, template: str) -> str:
        values = {"company_id": self.company_id, "user_id": self.user_id, "sender_id": self.sender_id,
                  "entity_id": self.entity_id or "", **self.extra}
        return template.format(**values)


def classify(level: str, details: list[ErrorDetail], *, http_status: int | None = None,
             context: ErrorContext | None = None, prefix: str = "") -> IntacctError:
    """Turn the errors of one failure level into the matching typed error with its remediation."""
    context = context or ErrorContext()
    cls: type[IntacctError] = _DEFAULT_BY_LEVEL[level]
    remediation: str | None = None
    for rule in CATALOGUE:
        if rule.matches(level, details, http_status):
            cls = rule.cls
            remediation = context.format(REMEDIATIONS[rule.remediation]) if rule.remediation else None
            break
    summary = "; ".join(str(d) for d in details) or "no error details"
    where = {"http": f"HTTP {http_status}", "control": "request refused", "authentication": "sign-in failed",
             "function": "function failed"}[level]
    message = f"{prefix}{where}: {summary}" if prefix else f"{where}: {summary}"
    return cls(message, errors=details, remediation=remediation, http_status=http_status)
