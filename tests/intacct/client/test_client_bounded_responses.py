"""One answer cannot exhaust memory: it is streamed and refused past a byte and an element limit."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hostile_gateway import HostileGateway
from intacct_client_fakes import credentials

from intacct.client import ClientSettings, IntacctClient
from intacct.client.errors import ConfigurationError, ResponseTooLarge, TransportError

pytestmark = pytest.mark.integration
HERE = Path(__file__).resolve().parent


def client_for(url, **settings):
    return IntacctClient(credentials(endpoint=url, allowed_hosts=("127.0.0.1",)), ClientSettings(**settings),
                         sleep=lambda s: None)


@pytest.mark.parametrize("mode", ["endless", "sized"])
def test_a_too_large_answer_is_refused_once_with_the_url_the_limit_and_how_to_raise_it(mode):
    with HostileGateway(mode, size=300 << 20) as gateway, client_for(gateway.url, max_response_bytes=1 << 20) as c:
        with pytest.raises(ResponseTooLarge) as caught:
            c.find("VENDOR", None, ["VENDORID", "NAME"])
        assert gateway.queries == 1  # not downloaded again by a retry
        if mode == "endless":
            assert gateway.sent < 64 << 20  # the client stopped reading early
    message = str(caught.value)
    assert gateway.url in message and "max_response_bytes" in message and f"{1 << 20:,}" in message
    assert "raise max_response_bytes" in message
    assert not isinstance(caught.value, TransportError)  # task retries would fetch it again


def test_an_answer_with_too_many_elements_is_refused():
    with HostileGateway("elements") as gateway, client_for(gateway.url, max_response_elements=10_000) as c:
        with pytest.raises(ResponseTooLarge, match="max_response_elements"):
            c.find("VENDOR", None, ["VENDORID"])
        assert gateway.queries == 1


def test_the_limits_are_validated_settings():
    with pytest.raises(ConfigurationError, match="max_response_bytes"):
        ClientSettings(max_response_bytes=0)
    with pytest.raises(ConfigurationError, match="max_response_elements"):
        ClientSettings(max_response_elements="many")


PROBE = textwrap.dedent("""
    import json, resource, sys
    sys.path.insert(0, sys.argv[2])
    from hostile_gateway import HostileGateway
    from intacct_client_fakes import credentials
    from intacct.client import ClientSettings, IntacctClient
    outcome = "accepted"
    with HostileGateway(sys.argv[1], size=200 << 20) as gateway:
        client = IntacctClient(credentials(endpoint=gateway.url, allowed_hosts=("127.0.0.1",)), ClientSettings(),
                               sleep=lambda s: None)
        try:
            client.find("VENDOR", None, ["VENDORID", "NAME"])
        except Exception as exc:
            outcome = type(exc).__name__
    print(json.dumps({"outcome": outcome, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("mode", ["endless", "sized"])
def test_peak_memory_with_the_default_limits_stays_bounded(mode):
    run = subprocess.run([sys.executable, "-c", PROBE, mode, str(HERE)], capture_output=True, text=True, timeout=110)
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert figures["outcome"] == "ResponseTooLarge"
    assert figures["peak_mib"] < 600, figures
