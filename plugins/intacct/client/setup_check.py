"""Checking the Intacct-side setup: sign in, then read one row of each object the sync needs."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import IntacctError, classify
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


def check_setup(sessions: SessionManager, reader: Reader) -> SetupReport:
    creds = sessions.credentials
    where = f"company '{creds.company_id}'" + (f", entity '{creds.entity_id}'" if creds.entity_id else "")
    try:
        info = sessions.open()
    except IntacctError as exc:
        check = SetupCheck("sign in", False, exc.message, exc.remediation, exc)
        fix = f" How to fix: {exc.remediation}" if exc.remediation else ""
        message = f"Cannot sign in to Sage Intacct ({where}) as '{creds.user_id}': {exc.message}.{fix}"
        return SetupReport(False, message, (check,))
    checks = [SetupCheck("sign in", True, f"signed in to {where} as '{info.user_id}'")]
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
