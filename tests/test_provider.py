"""Airflow's own providers manager discovers the installed provider and its connection form."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def providers_manager():
    from airflow.providers_manager import ProvidersManager

    return ProvidersManager()


def test_provider_distribution_is_listed(providers_manager):
    assert "intacct-sync" in providers_manager.providers


def test_intacct_connection_type_resolves_to_the_hook():
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    hook_info = ProvidersManagerTaskRuntime().hooks["intacct"]
    assert hook_info is not None, "the intacct hook class failed to import"
    assert hook_info.hook_class_name == "intacct.hooks.intacct.IntacctHook"
    assert hook_info.connection_type == "intacct"


def test_connection_form_has_the_setup_fields_and_hides_the_sender_password(providers_manager):
    widgets = {
        info.field_name: info
        for key, info in providers_manager.connection_form_widgets.items()
        if key.startswith("extra__intacct__")
    }
    assert {"company_id", "entity_id", "sender_id", "sender_password"} <= widgets.keys()
    assert widgets["sender_password"].is_sensitive
    assert not widgets["company_id"].is_sensitive


def test_login_is_relabelled_user_id(providers_manager):
    behaviour = providers_manager.field_behaviours["intacct"]
    assert behaviour["relabeling"]["login"] == "User ID"


def test_airflow_cli_lists_the_provider(airflow_home):
    listing = subprocess.run(
        [sys.executable, "-m", "airflow", "providers", "list"], capture_output=True, text=True, timeout=120
    )
    assert listing.returncode == 0, listing.stderr[-2000:]
    assert "intacct-sync" in listing.stdout


def test_port_is_shown_so_the_connections_list_test_button_matches_the_stored_port(providers_manager):
    # Airflow 3.3.2's Connections list posts "port": 0 when the stored port is NULL and the server refuses
    # the test; a visible Port (placeholder 443) lets users store the port the button sends back.
    behaviour = providers_manager.field_behaviours["intacct"]
    assert "port" not in behaviour["hidden_fields"]
    assert behaviour["placeholders"]["port"] == "443"


def test_demo_connections_store_the_endpoint_port():
    import json

    from demo.connections import intacct_connection

    assert json.loads(intacct_connection("http://127.0.0.1:41234/ia/xml/xmlgw.phtml"))["port"] == 41234
    assert json.loads(intacct_connection("https://api.intacct.com/ia/xml/xmlgw.phtml"))["port"] == 443
