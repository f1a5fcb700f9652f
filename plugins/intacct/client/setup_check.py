"""Checking the Intacct-side setup: sign in, then read one row of each object the sync needs.

A sync run does not pay for the probe reads: it checks the sign-in first, and each object's first read is
its probe. :func:`is_setup_problem` tells which failure of such a read a person must fix in Intacct's setup
(its remediation names the guide's step), as the probe would have.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import (
    AuthenticationError,
    IntacctError,
    PermissionDenied,
    SessionExpired,
    TransportError,
    classify,
)
from .fields import spec_for
from .reading import RECORDNO, Reader
from .session import SessionManager

PROBED_OBJECTS = (("GLACCOUNT", "chart of accounts"), ("VENDOR", "vendors"), ("APBILL", "bills"))


@dataclass(frozen=True)
class SetupCheck:
    name: str
    ok: bool
    detail: str
    remediation: str | None = None
    error: IntacctError | None = None


@dataclass(frozen=True)
class SetupReport:
    ok: bool
    message: str
    checks: tuple[SetupCheck, ...]


# Statuses a real gateway answers without XML: auth and rate limits have their own messages, and 5xx is
# the gateway (or its CDN) failing, not a wrong URL.
_GATEWAY_STATUSES_WITHOUT_XML = frozenset({401, 408, 429})
_ENDPOINT_FIX = ("Check the connection's Endpoint (host): leave it empty for Sage Intacct's XML gateway, "
                 "https://api.intacct.com/ia/xml/xmlgw.phtml")


def is_not_a_gateway(error: IntacctError) -> bool:
    """Whether the URL answered, but not as an Intacct XML gateway does (404, 405, a redirect, HTML, non-XML)."""
    status = error.http_status
    if status is None or error.errors or status >= 500 or status in _GATEWAY_STATUSES_WITHOUT_XML:
        return False
    return status != 200 or isinstance(error, TransportError)


def describe_unreachable(error: IntacctError, endpoint: str) -> str | None:
    """A message naming the URL when the sign-in got no Intacct answer at all; None for any other failure."""
    if is_not_a_gateway(error):
        kind = ("an HTML page" if "HTML" in error.message else "an answer that is not XML" if error.http_status == 200
                else f"HTTP {error.http_status} without Intacct XML")
        return (f"{endpoint} answers, but it is not a Sage Intacct XML gateway: it answered {kind}. "
                f"{_ENDPOINT_FIX}.")
    if isinstance(error, TransportError) and error.http_status is None:
        return (f"Cannot reach the Sage Intacct XML gateway at {endpoint}: {error.message}. Check the connection's "
                "Endpoint (host) and that this machine can reach it (network, proxy, firewall).")
    return None


def is_setup_problem(error: BaseException) -> bool:
    """Whether a failure needs a fix in Intacct's setup (a role's subscriptions, the sender's authorization,
    the user or the entity), not another try: retrying it only bills more calls."""
    return isinstance(error, PermissionDenied | AuthenticationError) and not isinstance(error, SessionExpired)


def check_setup(sessions: SessionManager, reader: Reader, *, probes: bool = True) -> SetupReport:
    creds = sessions.credentials
    where = f"company '{creds.company_id}'" + (f", entity '{creds.entity_id}'" if creds.entity_id else "")
    try:
        info = sessions.open()
    except IntacctError as exc:
        unreachable = describe_unreachable(exc, creds.endpoint)
        if unreachable:
            return SetupReport(False, unreachable, (SetupCheck("reach the gateway", False, unreachable, None, exc),))
        check = SetupCheck("sign in", False, exc.message, exc.remediation, exc)
        fix = f" How to fix: {exc.remediation}" if exc.remediation else ""
        message = f"Cannot sign in to Sage Intacct ({where}) as '{creds.user_id}': {exc.message}.{fix}"
        return SetupReport(False, message, (check,))
    checks = [SetupCheck("sign in", True, f"signed in to {where} as '{info.user_id}'")]
    if not probes:
        return SetupReport(True, f"Signed in to Sage Intacct ({where}) as '{info.user_id}'; read access is "
                           "checked by each object's first read.", tuple(checks))
    # One request with the three one-row reads: functions fail independently of each other.
    functions = [reader.query_function(spec_for(name), (RECORDNO,), None, (), 1) for name, _ in PROBED_OBJECTS]
    try:
        results = sessions.execute(functions, uniqueid=False, label="setup check")
    except IntacctError as exc:
        checks.append(SetupCheck("read access", False, exc.message, exc.remediation, exc))
        results = []
    for (name, label), result in zip(PROBED_OBJECTS, results, strict=False):
        if result.ok:
            checks.append(SetupCheck(f"read {name}", True, f"can read {label} ({name})"))
            continue
        error = classify("function", [reader.redactor.detail(d) for d in result.errors], context=sessions.context,
                         prefix=f"read {name}: ")
        checks.append(SetupCheck(f"read {name}", False, error.message, error.remediation, error))
    ok = all(c.ok for c in checks)
    lines = [f"{'OK' if c.ok else 'FAILED'} {c.name}: {c.detail}" for c in checks]
    fixes = list(dict.fromkeys(c.remediation for c in checks if not c.ok and c.remediation))
    head = ("Sage Intacct setup is complete" if ok else "Sage Intacct setup needs attention") + f" ({where})."
    message = " ".join([head, *(line + "." for line in lines), *(f"How to fix: {fix}" for fix in fixes)])
    return SetupReport(ok, message, tuple(checks))
