import pytest

from intacct.client import ClientSettings, Credentials
from intacct.client.errors import ConfigurationError

pytestmark = pytest.mark.unit
BASE = dict(company_id="ACME", user_id="u", user_password="upw-secret", sender_id="s", sender_password="spw-secret")


@pytest.mark.parametrize("endpoint, allowed", [
    ("https://api.intacct.com/ia/xml/xmlgw.phtml", ()),
    ("https://na12.intacct.com/ia/xml/xmlgw.phtml", ()),
    ("http://127.0.0.1:8080/ia/xml/xmlgw.phtml", ("127.0.0.1",)),
    ("http://emulator.local/ia/xml/xmlgw.phtml", ("emulator.local",)),
    ("https://gateway.example.org/x", ("gateway.example.org",)),
])
def test_allowed_endpoints(endpoint, allowed):
    assert Credentials(**BASE, endpoint=endpoint, allowed_hosts=allowed).endpoint == endpoint


@pytest.mark.parametrize("endpoint, allowed, hint", [
    ("http://api.intacct.com/ia/xml/xmlgw.phtml", (), "https"),
    ("https://intacct.com.evil.example/x", (), "allowed_hosts"),
    ("https://evilintacct.com/x", (), "allowed_hosts"),
    ("http://127.0.0.1:8080/x", (), "allowed_hosts"),
    ("http://gateway.example.org/x", ("gateway.example.org",), "loopback"),
    ("ftp://api.intacct.com/x", (), "http"),
])
def test_refused_endpoints_name_the_fix(endpoint, allowed, hint):
    with pytest.raises(ConfigurationError, match=hint):
        Credentials(**BASE, endpoint=endpoint, allowed_hosts=allowed)


def test_repr_hides_passwords_and_missing_fields_are_named():
    creds = Credentials(**BASE)
    assert "secret" not in repr(creds)
    with pytest.raises(ConfigurationError, match="Sender ID"):
        Credentials(**{**BASE, "sender_id": " "})


def test_settings_are_validated():
    with pytest.raises(ConfigurationError, match="page_size"):
        ClientSettings(page_size=2001)
    with pytest.raises(ConfigurationError, match="timezone"):
        ClientSettings(timezone="Pacific/Nowhere")
    assert ClientSettings().page_size == 2000
