"""The run's Intacct session handed from task to task: sealed with Airflow's Fernet key, never in plain text."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from intacct.hooks import session_handoff

pytestmark = pytest.mark.unit

SESSION_ID = "SESS-secret-0123456789"
STATE = {"binding": {"company_id": "DEMO", "user_id": "Paymentus-Web", "entity_id": "US01",
                     "sender_id": "Paymentus", "endpoint": "https://api.intacct.com/ia/xml/xmlgw.phtml"},
         "session_id": SESSION_ID, "endpoint": "https://api.intacct.com/ia/xml/xmlgw.phtml",
         "location_id": "US01", "expires_at": "2030-01-01T12:00:00+00:00"}


class _Real:
    is_encrypted = True

    def __init__(self, key: bytes):
        self._fernet = Fernet(key)

    def encrypt(self, msg: bytes) -> bytes:
        return self._fernet.encrypt(msg)

    def decrypt(self, msg: bytes, ttl: int | None = None) -> bytes:
        return self._fernet.decrypt(msg, ttl)


def use_key(monkeypatch, fernet) -> None:
    import airflow.sdk.crypto

    monkeypatch.setattr(airflow.sdk.crypto, "get_fernet", lambda: fernet)


def test_the_session_travels_sealed_and_comes_back_whole():
    # The suite runs with a Fernet key, as production does (tests/conftest.py).
    token = session_handoff.seal(STATE)
    assert token and SESSION_ID not in token and "DEMO" not in token
    assert session_handoff.unseal(token) == STATE


def test_without_a_fernet_key_nothing_is_handed_on(monkeypatch):
    from airflow.sdk.crypto import _NullFernet

    use_key(monkeypatch, _NullFernet())
    assert session_handoff.seal(STATE) is None  # never plain text in XCom
    assert session_handoff.unseal("anything") is None


def test_an_unreadable_key_costs_a_sign_in_not_the_run(monkeypatch):
    def broken():
        raise ValueError("Fernet key must be 32 url-safe base64-encoded bytes.")

    import airflow.sdk.crypto

    monkeypatch.setattr(airflow.sdk.crypto, "get_fernet", broken)
    assert session_handoff.seal(STATE) is None


def test_a_token_of_another_key_tampered_or_too_old_is_refused(monkeypatch):
    use_key(monkeypatch, _Real(Fernet.generate_key()))
    token = session_handoff.seal(STATE)
    assert session_handoff.unseal(token[:-4] + "AAAA") is None
    use_key(monkeypatch, _Real(Fernet.generate_key()))
    assert session_handoff.unseal(token) is None
    assert session_handoff.unseal(None) is None and session_handoff.unseal({"session_id": SESSION_ID}) is None


def test_a_token_past_the_age_limit_is_refused(monkeypatch):
    key = Fernet.generate_key()
    old = Fernet(key).encrypt_at_time(b'{"session_id": "x"}', current_time=0)
    use_key(monkeypatch, _Real(key))
    assert session_handoff.unseal(old.decode()) is None
