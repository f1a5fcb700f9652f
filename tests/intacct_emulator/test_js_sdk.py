"""Acceptance: Sage Intacct's own JavaScript SDK (``@intacct/intacct-sdk``, pinned in js_sdk/package.json) works
against the emulator, unchanged but for name resolution.

The SDK refuses endpoints outside ``*.intacct.com``, so it is pointed at ``http://gateway.intacct.com:<port>``
and a ``node --require`` preload (js_sdk/loopback_dns.js) resolves ``*.intacct.com`` to 127.0.0.1 and every
other name to an error. The package is installed with ``npm ci`` from the committed lock into
``.cache/js-sdk/<lock hash>/`` (ignored by git), once per lock. Without node the tests are skipped with the
reason, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from intacct_emulator import DEMO_CREDENTIALS, Emulator

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent / "js_sdk"
REPO = Path(__file__).resolve().parents[2]
INSTALL_TIMEOUT_S = 300
SCENARIO_TIMEOUT_S = 60
PAGE_SIZE = 40
GATEWAY_HOST = "gateway.intacct.com"  # any *.intacct.com name: the preload maps it to loopback


def _node_or_skip() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node and npm:
        return node
    reason = "node and npm are needed for the JavaScript SDK acceptance test (apt-get install nodejs npm)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; under CI=true this test may not be skipped")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def sdk_dir() -> Path:
    """The pinned SDK installed into the cache (once per lock file), with the test's scripts beside it."""
    _node_or_skip()
    lock = (HERE / "package-lock.json").read_bytes()
    key = hashlib.sha256((HERE / "package.json").read_bytes() + lock).hexdigest()[:16]
    target = REPO / ".cache" / "js-sdk" / key
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".install.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # parallel test runs install once
        if not (target / ".installed").exists():
            for name in ("package.json", "package-lock.json"):
                shutil.copyfile(HERE / name, target / name)
            try:
                done = subprocess.run(
                    ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
                    cwd=target, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False)
            except subprocess.TimeoutExpired:
                pytest.fail(f"npm ci of the JavaScript SDK did not finish within {INSTALL_TIMEOUT_S} s")
            if done.returncode != 0:
                pytest.fail(f"npm ci of the JavaScript SDK failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
            (target / ".installed").write_text("ok\n")
    for name in ("acceptance.js", "loopback_dns.js"):  # always the current scripts
        shutil.copyfile(HERE / name, target / name)
    return target


@pytest.fixture
def emulator() -> Emulator:
    return Emulator.from_dataset("demo", seed=0)


@pytest.fixture
def server(emulator: Emulator):
    running = emulator.serve_in_thread(host="127.0.0.1", port=0)
    yield running
    running.stop()


def scenario(sdk_dir: Path, server, name: str, **extra) -> dict:
    settings = {
        "endpoint": f"http://{GATEWAY_HOST}:{server.port}/ia/xml/xmlgw.phtml",
        "sender_id": DEMO_CREDENTIALS["sender_id"],
        "sender_password": DEMO_CREDENTIALS["sender_password"],
        "company_id": DEMO_CREDENTIALS["company_id"],
        "user_id": DEMO_CREDENTIALS["user_id"],
        "user_password": DEMO_CREDENTIALS["user_password"],
        **extra,
    }
    env = {**os.environ, "ACCEPTANCE_CONFIG": json.dumps(settings), "NO_PROXY": "*", "no_proxy": "*"}
    env.pop("INTACCT_ENDPOINT_URL", None)
    try:
        done = subprocess.run(["node", "--require", "./loopback_dns.js", "acceptance.js", name], cwd=sdk_dir,
                              env=env, capture_output=True, text=True, timeout=SCENARIO_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the JavaScript SDK scenario {name!r} did not finish within {SCENARIO_TIMEOUT_S} s")
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, f"scenario {name} failed:\n{done.stderr[-3000:]}\n{done.stdout[-2000:]}"
    return json.loads(lines[-1][len("RESULT "):])


def visible_vendors(emulator: Emulator, entity: str) -> list[dict]:
    return [row for row in emulator.admin.find_records("DEMO", "VENDOR") if row["MEGAENTITYID"] in ("", entity)]


def test_entity_sessions_page_with_read_by_query_and_read_more(sdk_dir, server, emulator):
    seen = scenario(sdk_dir, server, "paging", page_size=PAGE_SIZE)
    for entity in ("US01", "CA01"):
        expected = {row["VENDORID"] for row in visible_vendors(emulator, entity)}
        pages = seen[entity]["pages"]
        ids = [vendor_id for page in pages for vendor_id in page]
        assert len(ids) == len(set(ids)) == seen[entity]["totalCount"] == len(expected)
        assert set(ids) == expected
        assert len(pages) > 1 and all(len(page) == PAGE_SIZE for page in pages[:-1])
        assert seen[entity]["lastResultId"]  # the last readMore page still carries the resultId
    assert emulator.admin.stats()["calls"]["DEMO"]["readMore"] >= 2


def test_query_with_filter_and_order(sdk_dir, server, emulator):
    seen = scenario(sdk_dir, server, "query")
    expected = sorted(
        (row for row in visible_vendors(emulator, "US01") if row["STATUS"] == "active" and row["NAME"].startswith("A")),
        key=lambda row: int(row["RECORDNO"]))
    expected.sort(key=lambda row: row["NAME"], reverse=True)
    assert seen["listType"] == "VENDOR" and expected
    assert [row["VENDORID"] for row in seen["rows"]] == [row["VENDORID"] for row in expected]
    assert seen["totalCount"] == len(expected)


def test_read_and_read_by_name(sdk_dir, server, emulator):
    vendors = visible_vendors(emulator, "US01")[:3]
    seen = scenario(sdk_dir, server, "read", record_nos=[v["RECORDNO"] for v in vendors],
                    vendor_ids=[v["VENDORID"] for v in vendors])
    assert [row["VENDORID"] for row in seen["read"]] == [v["VENDORID"] for v in vendors]
    assert sorted(row["RECORDNO"] for row in seen["readByName"]) == sorted(v["RECORDNO"] for v in vendors)


def test_creates_and_updates_vendors_and_creates_bills_both_ways(sdk_dir, server, emulator):
    accounts = sorted(row["ACCOUNTNO"] for row in emulator.admin.find_records("DEMO", "GLACCOUNT")
                      if row["STATUS"] == "active" and row["ACCOUNTNO"] >= "6000")[:2]
    seen = scenario(sdk_dir, server, "writes", accounts=accounts)
    [vendor] = emulator.admin.find_records("DEMO", "VENDOR", VENDORID="JS-0001")
    assert seen["vendor"][0]["RECORDNO"] == vendor["RECORDNO"]
    assert vendor["NAME"] == "JavaScript SDK Supplies Inc"  # the update, sent with an empty DISPLAYCONTACT
    assert vendor["DISPLAYCONTACT.EMAIL1"] == "ap@js-sdk.example.com" and vendor["MEGAENTITYID"] == "US01"
    [generic] = emulator.admin.find_records("DEMO", "APBILL", RECORDID="JS-BILL-1")
    assert seen["genericBill"][0]["RECORDNO"] == generic["RECORDNO"] and generic["TRX_TOTALENTERED"] == "120.5"
    [legacy] = emulator.admin.find_records("DEMO", "APBILL", RECORDID="JS-BILL-2")
    assert seen["legacyBillKey"] == legacy["RECORDNO"]
    assert (legacy["WHENCREATED"], legacy["WHENDUE"], legacy["TRX_TOTALENTERED"]) == ("03/02/2026", "04/01/2026",
                                                                                    "79.45")
    [line] = emulator.admin.find_records("DEMO", "APBILLITEM", RECORDKEY=legacy["RECORDNO"])
    assert (line["ACCOUNTNO"], line["ENTRYDESCRIPTION"]) == (accounts[1], "Toner")


def test_lookup_and_inspect(sdk_dir, server):
    seen = scenario(sdk_dir, server, "metadata")
    assert seen["lookup"]["name"] == "APBILL"
    assert seen["lookup"]["fields"][:3] == ["RECORDNO", "RECORDTYPE", "RECORDID"]
    assert {"VENDOR", "APBILL", "GLACCOUNT", "AUDITHISTORY"} <= set(seen["inspect"])


def test_each_error_arrives_as_the_sdks_exception(sdk_dir, server, emulator):
    vendor_id = visible_vendors(emulator, "US01")[0]["VENDORID"]
    seen = scenario(sdk_dir, server, "errors", vendor_ids=[vendor_id])
    assert seen["wrongSenderPassword"]["exception"] == "ResponseException"
    assert seen["wrongSenderPassword"]["message"].startswith("Response control status failure")
    assert any("Incorrect Intacct XML Partner ID or password" in e for e in seen["wrongSenderPassword"]["errors"])
    assert seen["wrongUserPassword"]["exception"] == "ResponseException"
    assert seen["wrongUserPassword"]["message"].startswith("Response authentication status failure")
    assert seen["unknownCompany"]["exception"] == "ResponseException"  # HTTP 400 with a control failure
    assert any("GW-0011" in e or "Invalid Request" in e for e in seen["unknownCompany"]["errors"])
    assert seen["invalidResultId"]["exception"] == "ResultException"
    assert any("invalid or expired resultId" in e for e in seen["invalidResultId"]["errors"])
    assert seen["duplicateVendor"]["exception"] == "ResultException"
    assert any("already exists" in e for e in seen["duplicateVendor"]["errors"])


def test_http_401_for_bad_login_arrives_as_a_response_exception(sdk_dir, server, emulator):
    emulator.admin.set_faults(http_401_for_bad_login=True)
    seen = scenario(sdk_dir, server, "errorsHttp401")
    assert seen["wrongUserPassword"]["exception"] == "ResponseException"
    assert any("Sign-in information is incorrect" in e for e in seen["wrongUserPassword"]["errors"])
