"""IntacctHook: an Airflow connection becomes a client, and the Test button says exactly what to fix."""

from __future__ import annotations

import pytest

from intacct.client.credentials import DEFAULT_ENDPOINT
from intacct.hooks.intacct import (
    IntacctConnectionError,
    IntacctHook,
    endpoint_from_host,
    parse_allowed_hosts,
)

SENDER_PASSWORD = "demo-sender-pw"
USER_PASSWORD = "demo-user-pw"


@pytest.mark.unit
def test_connection_fields_become_credentials_and_settings(intacct_connection):
    conn_id = intacct_connection(
        extra_overrides={"timezone": "America/New_York", "page_size": "500", "max_concurrency": 3}
    )
    config = IntacctHook(conn_id).config
    creds, settings = config.credentials, config.settings
    assert (creds.company_id, creds.user_id, creds.sender_id, creds.entity_id) == (
        "DEMO", "Paymentus-Web", "Paymentus", "US01")
    assert creds.endpoint == "http://emulator.local/ia/xml/xmlgw.phtml"
    assert (settings.timezone, settings.page_size, settings.max_concurrency) == ("America/New_York", 500, 3)


@pytest.mark.unit
@pytest.mark.parametrize("raw, message", [
    ("0", "write_batch_size must be a positive integer, got 0"),
    ("many", "extra 'write_batch_size' must be a whole number, got 'many'"),
])
def test_a_bad_write_batch_size_extra_is_refused_by_the_one_rule_naming_the_connection(intacct_connection, raw,
                                                                                        message):
    conn_id = intacct_connection(extra_overrides={"write_batch_size": raw})
    with pytest.raises(IntacctConnectionError) as caught:
        _ = IntacctHook(conn_id).config
    assert message in str(caught.value) and conn_id in str(caught.value)


@pytest.mark.unit
@pytest.mark.parametrize("raw, expected", [(None, True), ("false", False), (" TRUE ", True), (False, False)])
def test_the_read_process_extra_turns_a_first_syncs_reading_process_on_or_off(intacct_connection, raw, expected):
    conn_id = intacct_connection(extra_overrides={} if raw is None else {"read_process": raw})
    assert IntacctHook(conn_id).config.settings.read_process is expected


@pytest.mark.unit
def test_a_read_process_extra_that_is_not_true_or_false_is_refused_naming_the_connection(intacct_connection):
    conn_id = intacct_connection(extra_overrides={"read_process": "sometimes"})
    with pytest.raises(IntacctConnectionError, match="extra 'read_process' must be true or false, got 'sometimes'"):
        _ = IntacctHook(conn_id).config


@pytest.mark.unit
def test_the_connection_forms_write_batch_size_help_states_the_clients_default():
    from intacct import CONNECTION_FIELDS
    from intacct.client import ClientSettings

    assert f"default {ClientSettings().write_batch_size};" in CONNECTION_FIELDS["write_batch_size"]["description"]


@pytest.mark.unit
def test_entity_of_the_dag_overrides_the_connection_entity(intacct_connection):
    conn_id = intacct_connection()
    assert IntacctHook(conn_id, entity_id="CA01").config.credentials.entity_id == "CA01"


@pytest.mark.unit
def test_missing_fields_are_named_with_where_to_find_them_in_intacct(intacct_connection):
    conn_id = intacct_connection(login=None, extra_overrides={"company_id": None, "sender_id": None})
    with pytest.raises(IntacctConnectionError) as caught:
        _ = IntacctHook(conn_id).config
    text = str(caught.value)
    assert "missing 3 field(s)" in text
    assert "extra 'company_id'" in text and "Company > Company Info > ID" in text
    assert "the connection's login" in text and "Web Services user" in text
    assert "extra 'sender_id'" in text and "Web Services authorizations" in text
    assert SENDER_PASSWORD not in text and USER_PASSWORD not in text


@pytest.mark.unit
def test_missing_field_makes_the_connection_test_fail_with_the_same_message(intacct_connection):
    conn_id = intacct_connection(extra_overrides={"sender_password": None})
    ok, message = IntacctHook(conn_id).test_connection()
    assert not ok and "extra 'sender_password'" in message


@pytest.mark.unit
def test_plain_http_to_a_non_loopback_host_is_refused_even_when_allowed(intacct_connection):
    conn_id = intacct_connection(host="http://intacct.example.org/ia/xml/xmlgw.phtml",
                                 extra_overrides={"allowed_hosts": "intacct.example.org"})
    with pytest.raises(IntacctConnectionError, match="plain http is only permitted for loopback"):
        _ = IntacctHook(conn_id).config


@pytest.mark.unit
def test_a_host_that_is_not_intacct_must_be_allowed_explicitly(intacct_connection):
    conn_id = intacct_connection(host="https://evil.example.com/ia/xml/xmlgw.phtml",
                                 extra_overrides={"allowed_hosts": None})
    with pytest.raises(IntacctConnectionError, match="allowed_hosts"):
        _ = IntacctHook(conn_id).config


@pytest.mark.unit
@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        (None, None, DEFAULT_ENDPOINT),
        ("", None, DEFAULT_ENDPOINT),
        ("api.intacct.com", None, DEFAULT_ENDPOINT),
        ("https://partner.intacct.com/ia/xml/xmlgw.phtml", None, "https://partner.intacct.com/ia/xml/xmlgw.phtml"),
        ("127.0.0.1", 8765, "http://127.0.0.1:8765/ia/xml/xmlgw.phtml"),
    ],
)
def test_host_accepts_nothing_a_bare_host_or_a_full_url(host, port, expected):
    assert endpoint_from_host(host, port) == expected


@pytest.mark.unit
def test_allowed_hosts_accepts_a_comma_list_or_a_json_list():
    assert parse_allowed_hosts("127.0.0.1, localhost") == ("127.0.0.1", "localhost")
    assert parse_allowed_hosts('["127.0.0.1", "localhost"]') == ("127.0.0.1", "localhost")
    assert parse_allowed_hosts(None) == ()
    with pytest.raises(IntacctConnectionError, match="JSON list"):
        parse_allowed_hosts('["127.0.0.1"')


@pytest.mark.unit
def test_reading_the_connection_masks_the_sender_password(intacct_connection):
    from airflow.sdk.log import redact

    conn_id = intacct_connection(extra_overrides={"sender_password": "sender-secret-for-masking"})
    _ = IntacctHook(conn_id).config
    assert redact("sent sender-secret-for-masking") == "sent ***"


@pytest.mark.integration
def test_working_setup_passes_the_connection_test(intacct_connection, emulator):
    ok, message = IntacctHook(intacct_connection(), transport=emulator.transport()).test_connection()
    assert ok, message
    assert "setup is complete" in message
    for probe in ("GLACCOUNT", "VENDOR", "APBILL"):
        assert f"OK read {probe}" in message


@pytest.mark.integration
def test_unauthorized_sender_names_the_authorization_step(intacct_connection, emulator):
    conn_id = intacct_connection(extra_overrides={"sender_id": "Unauthorized"})
    ok, message = IntacctHook(conn_id, transport=emulator.transport()).test_connection()
    assert not ok
    assert "Web Services authorizations" in message and "'Unauthorized'" in message
    assert "Active" in message


@pytest.mark.integration
def test_wrong_user_password_says_to_check_the_sign_in_fields(intacct_connection, emulator):
    conn_id = intacct_connection(password="not-the-password")
    ok, message = IntacctHook(conn_id, transport=emulator.transport()).test_connection()
    assert not ok
    assert "User ID" in message or "password" in message
    assert "not-the-password" not in message


@pytest.mark.integration
def test_role_without_accounts_payable_says_which_subscriptions_are_needed(intacct_connection, emulator):
    conn_id = intacct_connection(login="Limited-Web")
    ok, message = IntacctHook(conn_id, transport=emulator.transport()).test_connection()
    assert not ok
    assert "OK read GLACCOUNT" in message and "FAILED read VENDOR" in message
    assert "Company, General Ledger, Accounts Payable, and Accounts Receivable" in message  # the guide's words


@pytest.mark.integration
def test_unknown_entity_points_to_the_entities_list(intacct_connection, emulator):
    ok, message = IntacctHook(intacct_connection(), entity_id="XX99",
                              transport=emulator.transport()).test_connection()
    assert not ok and "Company > Entities" in message


@pytest.mark.integration
def test_over_http_against_the_emulator_server(intacct_connection, emulator):
    server = emulator.serve_in_thread(host="127.0.0.1", port=0)
    try:
        conn_id = intacct_connection(host=server.url, extra_overrides={"allowed_hosts": "127.0.0.1"})
        hook = IntacctHook(conn_id)
        ok, message = hook.test_connection()
        assert ok, message
        assert hook.get_conn() is hook.client
        hook.close()
    finally:
        server.stop()


def test_reading_the_connection_leaves_masking_to_airflow(intacct_connection, monkeypatch):
    """Airflow masks the password and the secret extras itself; our code sends no MaskSecret of its own (at
    DEBUG, `airflow dags test` logs each one with its value)."""
    import sys
    from pathlib import Path

    import airflow.sdk.log
    from airflow.sdk.log import redact

    plugins = str(Path(__file__).resolve().parents[3] / "plugins")
    callers: list[str] = []
    real = airflow.sdk.log.mask_secret

    def recording(secret, name=None):
        callers.append(sys._getframe(1).f_code.co_filename)
        return real(secret, name)

    monkeypatch.setattr(airflow.sdk.log, "mask_secret", recording)
    conn_id = intacct_connection(password="user-secret-for-masking",
                                 extra_overrides={"sender_password": "other-sender-pw-for-masking"})
    _ = IntacctHook(conn_id).config
    assert callers, "Airflow masks the connection when it is read"
    assert not [c for c in callers if c.startswith(plugins)], callers
    import intacct.hooks.intacct as hook_module

    assert not hasattr(hook_module, "mask_secret"), "a module-level import would bypass the recording above"
    assert redact("user-secret-for-masking / other-sender-pw-for-masking") == "*** / ***"
