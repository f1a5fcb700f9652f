"""API sessions: random, unguessable ids whose timeout moves forward on every call."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# Recorded session lengths are 6 to 24 hours (a company setting); the shortest is the default.
DEFAULT_SESSION_SECONDS = 6 * 60 * 60


@dataclass
class Session:
    id: str = field(repr=False)
    company_id: str
    user_id: str
    entity_id: str | None
    expires_at: datetime


class SessionStore:
    """Sessions by id. Times come from the emulator's clock, so tests can move past a timeout."""

    def __init__(self, timeout_seconds: float = DEFAULT_SESSION_SECONDS):
        self.timeout_seconds = timeout_seconds
        self._sessions: dict[str, Session] = {}

    def timeout_after(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.timeout_seconds)

    def open(self, company_id: str, user_id: str, entity_id: str | None, now: datetime) -> Session:
        # The trailing dots mimic the look of real session ids; the random part carries 192 bits.
        session = Session(
            secrets.token_urlsafe(24) + "..", company_id, user_id, entity_id, self.timeout_after(now)
        )
        self._sessions[session.id] = session
        return session

    def get(self, session_id: str, now: datetime) -> Session | None:
        """The live session with this id; an expired one is forgotten."""
        session = self._sessions.get(session_id)
        if session is None:
            return None
        if now >= session.expires_at:
            del self._sessions[session_id]
            return None
        return session

    def touch(self, session: Session, now: datetime) -> None:
        session.expires_at = self.timeout_after(now)

    def expire(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)

    def expire_all(self) -> None:
        self._sessions.clear()

    def ids(self) -> list[str]:
        return list(self._sessions)

    def __len__(self) -> int:
        return len(self._sessions)
