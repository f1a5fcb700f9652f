"""Every value bound to a secret field stays out of logs, exception texts and reprs, wherever it reappears."""

import logging

import pytest
from intacct_client_fakes import (
    SECRETS,
    SESSION_ID,
    FakeGateway,
    answer,
    error,
    make_client,
    result,
)
from test_client_emulator import DEMO, Emulator, client_for, vendor

from intacct.client import WriteRequest
from intacct.client import filters as F
from intacct.client.xml import Redactor, secret_values

pytestmark = pytest.mark.unit
TAX_IDS = ["11-2233445", "99-8877665", "55-4443332"]


def everything(caplog, *objects) -> str:
    return "\n".join(r.getMessage() for r in caplog.records) + "\n".join(repr(o) + str(o) for o in objects)


def test_vendor_lookup_and_create_by_tax_id_leave_no_tax_id_in_debug_logs_exceptions_or_reprs(caplog):
    emu = Emulator.from_dataset("demo")
    client = client_for(emu)
    with caplog.at_level(logging.DEBUG, logger="intacct"):
        session = client.open_session()
        created = client.create("VENDOR", [vendor(i, TAXID=tax) for i, tax in enumerate(TAX_IDS)])
        by_one = client.find("VENDOR", F.eq("TAXID", TAX_IDS[0]), ["VENDORID", "TAXID"])
        by_many = client.find("VENDOR", F.in_("TAXID", TAX_IDS) & F.eq("STATUS", "active"), ["VENDORID", "TAXID"])
        by_dotted = client.find("VENDOR", F.in_("TAXID", TAX_IDS[1:]), ["VENDORID"])
    assert all(o.ok for o in created) and len(by_one) == 1 and len(by_many) == 3 and len(by_dotted) == 2
    assert any("<equalto>" in r.getMessage() for r in caplog.records)  # the filters were logged, redacted
    text = everything(caplog, client, *created, F.in_("TAXID", TAX_IDS), WriteRequest("k", {"TAXID": TAX_IDS[0]}))
    for secret in (DEMO["user_password"], DEMO["sender_password"], session.session_id, *TAX_IDS):
        assert secret not in text


def test_a_refused_tax_id_echoed_in_the_gateway_error_is_redacted_in_logs_and_exceptions(caplog):
    tax = "12-9876543"

    def refuse(request):
        return "".join(result("create", cid, status="failure", errors=error(
            "BL01001973", f"Invalid tax ID '{tax}' for vendor V0", correction=f"Fix {tax} and retry"))
            for cid in request.control_ids)

    def refuse_lookup(request):
        return result("query", request.control_ids[0], status="failure", errors=error(
            "QRY0001", f"Cannot filter TAXID on value {tax}"))

    gateway = FakeGateway(answer(refuse), answer(refuse_lookup))
    client = make_client(gateway)
    with caplog.at_level(logging.DEBUG, logger="intacct"):
        (outcome,) = client.create("VENDOR", [WriteRequest("vendor:V0", {"VENDORID": "V0", "TAXID": tax})])
        with pytest.raises(Exception) as lookup:
            client.find("VENDOR", F.eq("TAXID", tax))
    assert not outcome.ok and "Invalid tax ID" in str(outcome.error)
    text = everything(caplog, outcome, outcome.error, lookup.value)
    assert tax.encode() in gateway.data_requests[0].body  # it was really sent
    for secret in (tax, SESSION_ID, *SECRETS.values()):
        assert secret not in text


def test_readbyquery_strings_and_cut_off_excerpts_are_redacted_by_meaning():
    body = (b"<request><readByQuery><query>TAXID = '12-3456789' AND NAME = 'Acme' OR PAYTO.TAXID IN "
            b"('98-7654321', 'x\\'y-1234')</query></readByQuery><in><field>VENDOR.TAXID</field><value>44-1112223"
            b"</value></in><TAXID>77-66655</TAXID></request>")
    found = secret_values(body)
    assert {"12-3456789", "98-7654321", "x'y-1234", "44-1112223", "77-66655"} <= found
    text = Redactor().xml(body)
    for secret in ("12-3456789", "98-7654321", "44-1112223", "77-66655", "y-1234"):
        assert secret not in text
    assert "Acme" in text  # only secret fields are removed
    assert "33-22" not in Redactor().xml("<data><VENDOR><TAXID>33-22")  # an excerpt cut inside the element
