"""Handing the run's Intacct session from one task to the next, sealed with Airflow's Fernet key.

Intacct bills every sign-in. The tasks of one DAG run may run in different processes (Celery workers), so
the session travels through XCom, and a session id is a secret: it is sealed with the key Airflow encrypts its
connections' passwords with. Whoever can unseal it could read the connection's password too, so the session
is exactly as protected as the credentials it was opened with. Without a Fernet key (Airflow then stores
connections in plain text) nothing is handed on and each task signs in on its own.

A sealed session is also bound to its company, user, entity, sender and endpoint (the client checks them
before adopting it) and expires with the Fernet token's age limit, whatever its content says.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)

# Recorded Intacct sessions last 6 to 24 hours: no token older than the longest is worth trying.
MAX_TOKEN_AGE_SECONDS = 24 * 3600


def _fernet() -> Any | None:
    """Airflow's Fernet, or None when no key is configured (or it cannot be read)."""
    try:
        from airflow.sdk.crypto import get_fernet

        fernet = get_fernet()
    except Exception as exc:  # an unusable key must not fail the sync: it only costs a sign-in per task
        log.info("No usable Fernet key (%s): each task signs in to Intacct on its own", type(exc).__name__)
        return None
    if not getattr(fernet, "is_encrypted", False):
        log.info("No Fernet key configured: each task signs in to Intacct on its own")
        return None
    return fernet


def seal(state: Mapping | None) -> str | None:
    """An exported session as an encrypted token for XCom; None when there is nothing to hand on or no key."""
    if not state:
        return None
    fernet = _fernet()
    if fernet is None:
        return None
    return fernet.encrypt(json.dumps(dict(state), sort_keys=True).encode()).decode("ascii")


def unseal(token: object) -> dict | None:
    """The session inside a token, or None: no key, a token of another key, too old, or not a session."""
    if not isinstance(token, str) or not token:
        return None
    fernet = _fernet()
    if fernet is None:
        return None
    try:
        state = json.loads(fernet.decrypt(token.encode("ascii"), ttl=MAX_TOKEN_AGE_SECONDS))
    except Exception:  # InvalidToken (wrong key, tampered, expired) or not JSON: sign in instead
        log.info("The handed-on Intacct session cannot be used; signing in")
        return None
    return state if isinstance(state, dict) else None
