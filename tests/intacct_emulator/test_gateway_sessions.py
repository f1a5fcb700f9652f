"""getAPISession, session timeouts and entity sessions."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from intacct_emulator.sessions import SessionStore
from tests.intacct_emulator.emulator_requests import login_xml, session_auth

pytestmark = pytest.mark.unit

ONE_VENDOR = (
    "<readByQuery><object>VENDOR</object><query></query><fields>RECORDNO</fields><pagesize>1</pagesize>"
    "</readByQuery>"
)


def timeout_of(answer) -> datetime:
    return datetime.fromisoformat(answer.root.findtext("operation/authentication/sessiontimeout"))


def test_session_ids_are_random_and_long(gw):
    ids = {gw.open_session() for _ in range(5)}
    assert len(ids) == 5
    assert all(len(session_id) >= 32 for session_id in ids)


def test_session_works_and_its_timeout_is_echoed_and_moves_forward(gw, emu):
    session = gw.open_session()
    first = gw.call(ONE_VENDOR, auth=session_auth(session))
    assert first.result().findtext("status") == "success"
    emu.admin.advance_clock(600)
    second = gw.call(ONE_VENDOR, auth=session_auth(session))
    assert timeout_of(second) - timeout_of(first) >= timedelta(seconds=599)


def test_session_expires_after_the_configured_idle_time(gw, emu):
    emu.admin.set_faults(session_timeout_seconds=60)
    session = gw.open_session()
    emu.admin.advance_clock(45)
    assert gw.call(ONE_VENDOR, auth=session_auth(session)).result().findtext("status") == "success"
    emu.admin.advance_clock(45)  # 45 s after the last call: still alive, the timeout was reset
    assert gw.call(ONE_VENDOR, auth=session_auth(session)).result().findtext("status") == "success"
    emu.admin.advance_clock(61)
    answer = gw.call(ONE_VENDOR, auth=session_auth(session))
    assert answer.root.findtext("operation/errormessage/error/description2") == "Invalid session"


def test_default_session_lasts_six_hours_the_shortest_recorded(gw):
    answer = gw.call("<getAPISession/>")
    auth = answer.root.find("operation/authentication")
    stamp = datetime.fromisoformat(auth.findtext("sessiontimestamp"))
    assert datetime.fromisoformat(auth.findtext("sessiontimeout")) - stamp == timedelta(hours=6)
    # company-local offset (America/Los_Angeles is -08:00 or -07:00)
    assert stamp.utcoffset() in (timedelta(hours=-8), timedelta(hours=-7))


def test_entity_session_echoes_the_entity(gw):
    answer = gw.call("<getAPISession/>", auth=login_xml(entity="US01"))
    assert answer.root.findtext("operation/authentication/locationid") == "US01"
    assert answer.root.findtext("operation/result/data/api/locationid") == "US01"
    session = answer.root.findtext("operation/result/data/api/sessionid")
    later = gw.call(ONE_VENDOR, auth=session_auth(session))
    assert later.root.findtext("operation/authentication/locationid") == "US01"


def test_get_api_session_switches_entity_and_back_to_top_level(gw):
    top = gw.open_session()
    switched = gw.call("<getAPISession><locationid>CA01</locationid></getAPISession>", auth=session_auth(top))
    ca_session = switched.root.findtext("operation/result/data/api/sessionid")
    assert ca_session != top
    assert switched.root.findtext("operation/result/data/api/locationid") == "CA01"
    back = gw.call("<getAPISession><locationid/></getAPISession>", auth=session_auth(ca_session))
    assert back.root.findtext("operation/result/data/api/locationid") == ""


def test_get_api_session_with_a_session_returns_the_same_session(gw):
    session = gw.open_session()
    again = gw.call("<getAPISession/>", auth=session_auth(session))
    assert again.root.findtext("operation/result/data/api/sessionid") == session


def test_get_api_session_to_an_unknown_entity_fails_the_function(gw):
    session = gw.open_session()
    answer = gw.call(
        "<getAPISession><locationid>ZZ99</locationid></getAPISession>", auth=session_auth(session)
    )
    assert answer.result().findtext("status") == "failure"
    assert "'ZZ99'" in answer.result().findtext("errormessage/error/description2")


def test_entity_session_does_not_see_the_other_entitys_bills(gw):
    us = gw.open_session("US01")
    ca = gw.open_session("CA01")
    query = (
        "<query><object>APBILL</object><select><field>RECORDNO</field><field>MEGAENTITYID</field></select>"
        "<pagesize>2000</pagesize></query>"
    )
    us_entities = {
        row.findtext("MEGAENTITYID") for row in gw.call(query, auth=session_auth(us)).root.iter("APBILL")
    }
    ca_entities = {
        row.findtext("MEGAENTITYID") for row in gw.call(query, auth=session_auth(ca)).root.iter("APBILL")
    }
    assert "CA01" not in us_entities and "US01" not in ca_entities


def test_session_store_forgets_expired_sessions():
    store = SessionStore(timeout_seconds=10)
    now = datetime(2026, 1, 1)
    session = store.open("DEMO", "u", None, now)
    assert store.get(session.id, now + timedelta(seconds=9)) is session
    assert store.get(session.id, now + timedelta(seconds=10)) is None
    assert len(store) == 0
    assert session.id not in repr(session)
