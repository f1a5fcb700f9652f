"""Text XML cannot carry fails only its own record, with a reason naming the field."""

import pytest
from intacct_client_fakes import FakeGateway, answer, make_client
from test_client_writing import created

from intacct.client import WriteRequest
from intacct.client.errors import UnsendableValue
from intacct.client.xml import xml_incompatible_fields

pytestmark = pytest.mark.unit

BAD_TEXTS = ["Acme\x00 LLC", "memo\x01", "tab\x0bvertical", "odd\ufffe", "lone \ud800 surrogate", "\uffff"]


@pytest.mark.parametrize("text", BAD_TEXTS)
def test_every_character_xml_cannot_carry_is_found_with_its_field(text):
    values = {"NAME": "fine", "DISPLAYCONTACT": {"EMAIL1": "a@b.c", "MAILADDRESS": {"CITY": text}}}
    assert xml_incompatible_fields(values) == ["DISPLAYCONTACT.MAILADDRESS.CITY"]


def test_text_xml_can_carry_passes():
    values = {"NAME": "Café \u00e9 \t\n\r <&> \U0001F600 \ud7ff \ue000 \ufffd", "LINES": [{"MEMO": "ok"}], "N": 5}
    assert xml_incompatible_fields(values) == []


def test_lists_of_mappings_are_checked():
    values = {"APBILLITEMS": {"APBILLITEM": [{"ENTRYDESCRIPTION": "ok"}, {"ENTRYDESCRIPTION": "x\x00"}]}}
    assert xml_incompatible_fields(values) == ["APBILLITEMS.APBILLITEM.ENTRYDESCRIPTION"]


@pytest.mark.parametrize("text", BAD_TEXTS)
def test_one_bad_vendor_is_refused_and_the_rest_of_the_batch_is_sent(text):
    gateway = FakeGateway(default=answer(created))
    client = make_client(gateway)
    requests = [WriteRequest("vendor:V1", {"VENDORID": "V1", "NAME": "Good one"}),
                WriteRequest("vendor:V2", {"VENDORID": "V2", "NAME": text}),
                WriteRequest("vendor:V3", {"VENDORID": "V3", "NAME": "Good too"})]
    outcomes = client.create("VENDOR", requests)
    assert [o.key for o in outcomes] == ["vendor:V1", "vendor:V2", "vendor:V3"]
    assert [o.ok for o in outcomes] == [True, False, True]
    error = outcomes[1].error
    assert isinstance(error, UnsendableValue) and isinstance(error, ValueError)
    assert error.key == "vendor:V2" and error.fields == ["NAME"]
    assert "NAME" in str(error) and "vendor:V2" in str(error) and "U+" in str(error)
    sent = [r for r in gateway.data_requests]
    assert len(sent) == 1 and b"V2" not in sent[0].body and b"V3" in sent[0].body
