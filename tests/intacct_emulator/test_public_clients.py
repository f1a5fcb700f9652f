"""Acceptance: a public Intacct client written by others works against the emulator, unchanged but for the URL.

The client is ``sageintacctsdk`` (the Python SDK for the XML gateway published on PyPI). It posts with
``requests`` to a gateway URL hard-coded in its ``ApiBase`` constructor and logs in while it is being
constructed, so the URL is swapped in that constructor before any client object exists. A guard on
``requests.post`` makes sure nothing but the loopback emulator is ever contacted.
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Iterator
from decimal import Decimal

import pytest
import requests
from sageintacctsdk import SageIntacctSDK
from sageintacctsdk.apis import api_base
from sageintacctsdk.exceptions import InvalidTokenError

from intacct_emulator import Emulator

pytestmark = pytest.mark.integration

COMPANY = "DEMO"
SENDER = {"sender_id": "Paymentus", "sender_password": "demo-sender-pw"}
LOGIN = {"company_id": COMPANY, "user_id": "Paymentus-Web", "user_password": "demo-user-pw"}
SMALL_PAGE = 40  # far below the entity's vendor count, so paging really spans several pages


@pytest.fixture
def emulator() -> Emulator:
    return Emulator.from_dataset("demo", seed=0)


@pytest.fixture
def gateway_url(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Serve the emulator on loopback and point every SDK API object at it."""
    server = emulator.serve_in_thread(host="127.0.0.1", port=0)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # a proxy from the environment must not see loopback traffic

    sdk_init = api_base.ApiBase.__init__

    def init_pointing_at_emulator(self, *args, **kwargs):
        sdk_init(self, *args, **kwargs)
        # The SDK keeps its gateway URL in a private (name-mangled) attribute; this is the only change made.
        self._ApiBase__api_url = server.url

    monkeypatch.setattr(api_base.ApiBase, "__init__", init_pointing_at_emulator)

    real_post = requests.post
    emulator_netloc = urllib.parse.urlsplit(server.url).netloc

    def loopback_only_post(url, *args, **kwargs):
        if urllib.parse.urlsplit(url).netloc != emulator_netloc:
            raise AssertionError(f"the SDK tried to reach {url!r} instead of the emulator")
        kwargs.setdefault("timeout", 10)
        return real_post(url, *args, **kwargs)

    monkeypatch.setattr(api_base.requests, "post", loopback_only_post)
    yield server.url
    server.stop()


def sdk_for(entity_id: str | None = "US01", **overrides) -> SageIntacctSDK:
    return SageIntacctSDK(**{**SENDER, **LOGIN, "entity_id": entity_id, **overrides})


def session_id_of(sdk: SageIntacctSDK) -> str:
    return sdk.api_base._ApiBase__session_id


def vendor_pager(session_id: str, page_size: int) -> api_base.ApiBase:
    """The SDK's own generic API object, built with a page size of our choosing (its public constructor)."""
    pager = api_base.ApiBase(dimension="VENDOR", pagesize=page_size)
    pager.set_sender_id(SENDER["sender_id"])
    pager.set_sender_password(SENDER["sender_password"])
    pager.set_session_id(session_id)
    pager.set_show_private(False)
    return pager


def vendor_ids_visible_in(emulator: Emulator, entity_id: str) -> set[str]:
    """Vendors an entity-level session sees: the shared top-level ones plus the entity's private ones."""
    return {
        row["VENDORID"]
        for row in emulator.admin.find_records(COMPANY, "VENDOR")
        if row["MEGAENTITYID"] in ("", entity_id)
    }


def calls(emulator: Emulator, function: str) -> int:
    return emulator.admin.stats()["calls"].get(COMPANY, {}).get(function, 0)


# -- sessions -----------------------------------------------------------------------------------------------


def test_login_opens_a_session_whose_id_serves_later_calls(emulator: Emulator, gateway_url: str):
    first = sdk_for("US01")
    session_id = session_id_of(first)
    assert session_id
    # The SDK adopts the endpoint the session answer names; it must be the emulator itself.
    assert first.api_base._ApiBase__api_url == gateway_url

    # A second SDK handed only the session id must not log in again, and its calls must succeed.
    reused = sdk_for("US01", user_password="not-needed-with-a-session", session_id=session_id)
    assert reused.vendors.count(None) == len(vendor_ids_visible_in(emulator, "US01"))
    assert calls(emulator, "getAPISession") == 1


def test_wrong_password_is_reported_as_bad_credentials(gateway_url: str):
    with pytest.raises(InvalidTokenError) as raised:
        sdk_for("US01", user_password="wrong")
    assert "wrong" not in str(raised.value)


# -- reading --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("entity_id", ["US01", "CA01"])
def test_pages_through_every_vendor_of_the_entity(emulator: Emulator, gateway_url: str, entity_id: str):
    session_id = session_id_of(sdk_for(entity_id))
    pager = vendor_pager(session_id, SMALL_PAGE)
    query_calls_before = calls(emulator, "query")

    # Offset paging is only sound with a fixed order (the gateway's order is undefined without <orderby>),
    # so the SDK's ordered generator is used rather than its unordered get_all.
    pages = list(
        pager.get_all_generator(
            fields=["RECORDNO", "VENDORID", "NAME"], order_by_field="RECORDNO", order="ascending"
        )
    )
    rows = [row for page in pages for row in page]

    expected = vendor_ids_visible_in(emulator, entity_id)
    vendor_ids = [row["VENDORID"] for row in rows]
    assert len(vendor_ids) == len(expected)
    assert set(vendor_ids) == expected
    assert len(pages) == math.ceil(len(expected) / SMALL_PAGE) > 1
    record_numbers = [int(row["RECORDNO"]) for row in rows]
    assert record_numbers == sorted(record_numbers)
    # One count query, then each page is requested twice: the SDK's generator posts every page query twice.
    assert calls(emulator, "query") - query_calls_before == 1 + 2 * len(pages)


@pytest.mark.parametrize("api_name", ["vendors", "bills"])
def test_reads_with_the_sdk_default_field_lists(emulator: Emulator, gateway_url: str, api_name: str):
    api = getattr(sdk_for("US01"), api_name)
    rows = [
        row for page in api.get_all_generator(order_by_field="RECORDNO", order="ascending") for row in page
    ]
    assert len(rows) == api.count(None) > 0


# -- writing --------------------------------------------------------------------------------------------------


def test_creates_a_vendor_and_a_bill_with_lines(emulator: Emulator, gateway_url: str):
    sdk = sdk_for("US01")
    expense_accounts = sorted(
        row["ACCOUNTNO"]
        for row in emulator.admin.find_records(COMPANY, "GLACCOUNT")
        if row["STATUS"] == "active" and row["ACCOUNTNO"] >= "6000"
    )[:2]
    assert len(expense_accounts) == 2

    created_vendor = sdk.vendors.post(
        {
            "VENDORID": "PUB-0001",
            "NAME": "Public Client Supplies LLC",
            "DISPLAYCONTACT": {
                "PRINTAS": "Public Client Supplies LLC",
                "EMAIL1": "ap@public-client.example.com",
            },
        }
    )
    assert created_vendor["status"] == "success"
    vendor_record_no = created_vendor["data"]["vendor"]["RECORDNO"]

    created_bill = sdk.bills.post(
        {
            "WHENCREATED": "03/02/2026",
            "WHENDUE": "04/01/2026",
            "VENDORID": "PUB-0001",
            "RECORDID": "PUB-BILL-0001",
            "DESCRIPTION": "Bill created by a public client",
            "APBILLITEMS": {
                "APBILLITEM": [
                    {
                        "ACCOUNTNO": expense_accounts[0],
                        "TRX_AMOUNT": "120.50",
                        "ENTRYDESCRIPTION": "Paper",
                        "LOCATIONID": "US01",
                    },
                    {
                        "ACCOUNTNO": expense_accounts[1],
                        "TRX_AMOUNT": "79.45",
                        "ENTRYDESCRIPTION": "Toner",
                        "LOCATIONID": "US01",
                    },
                ]
            },
        }
    )
    assert created_bill["status"] == "success"
    bill_record_no = created_bill["data"]["apbill"]["RECORDNO"]

    [vendor] = emulator.admin.find_records(COMPANY, "VENDOR", VENDORID="PUB-0001")
    assert vendor["RECORDNO"] == vendor_record_no
    assert vendor["NAME"] == "Public Client Supplies LLC"
    assert vendor["DISPLAYCONTACT.EMAIL1"] == "ap@public-client.example.com"
    assert vendor["MEGAENTITYID"] == "US01"

    [bill] = emulator.admin.find_records(COMPANY, "APBILL", RECORDID="PUB-BILL-0001")
    assert bill["RECORDNO"] == bill_record_no
    assert bill["VENDORID"] == "PUB-0001"
    assert bill["WHENCREATED"] == "03/02/2026" and bill["WHENDUE"] == "04/01/2026"
    assert Decimal(bill["TRX_TOTALENTERED"]) == Decimal("199.95")
    lines = sorted(
        emulator.admin.find_records(COMPANY, "APBILLITEM", RECORDKEY=bill_record_no),
        key=lambda line: int(line["LINE_NO"]),
    )
    assert [(line["ACCOUNTNO"], Decimal(line["TRX_AMOUNT"]), line["LOCATIONID"]) for line in lines] == [
        (expense_accounts[0], Decimal("120.50"), "US01"),
        (expense_accounts[1], Decimal("79.45"), "US01"),
    ]

    # The public client reads both back too (readByQuery for the bill, query for the vendor).
    read_bill = sdk.bills.get(field="RECORDID", value="PUB-BILL-0001")
    assert read_bill["@count"] == "1" and read_bill["apbill"]["RECORDNO"] == bill_record_no
    read_vendor = sdk.vendors.get(field="VENDORID", value="PUB-0001", fields=["RECORDNO", "VENDORID", "NAME"])
    # The SDK forces its object's rows into a list (xmltodict force_list), so one vendor is a list of one.
    assert [row["RECORDNO"] for row in read_vendor["VENDOR"]] == [vendor_record_no]
