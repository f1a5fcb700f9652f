import pytest
from lxml import etree

from intacct.client.xml import Function, Login, Redactor, build_request, element, parse_xml, read_response

pytestmark = pytest.mark.unit


def test_parser_expands_no_entities_and_reads_no_files(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}"><!ENTITY y "boom">]>'
            "<response><control><status>&x;&y;</status></control></response>").encode()
    root = parse_xml(body)
    assert "TOP-SECRET" not in etree.tostring(root).decode()
    assert "boom" not in (root.findtext("control/status") or "")


def test_truncated_xml_raises():
    with pytest.raises(etree.XMLSyntaxError):
        parse_xml(b"<response><control><status>success</status></control><operation><resu")


def test_request_envelope_order_and_entity_login():
    body = build_request(sender_id="S", sender_password="SP", control_id="c1", uniqueid=True,
                         auth=Login("U", "C", "P", "US01"), functions=[Function("f1", element("getAPISession"))],
                         transaction=True)
    root = etree.fromstring(body)
    assert [e.tag for e in root.find("control")] == ["senderid", "password", "controlid", "uniqueid", "dtdversion",
                                                     "includewhitespace"]
    assert root.findtext("control/uniqueid") == "true"
    assert root.find("operation").get("transaction") == "true"
    assert [e.tag for e in root.find("operation/authentication/login")] == ["userid", "companyid", "password",
                                                                            "locationid"]
    assert root.find("operation/content/function").get("controlid") == "f1"


def test_redactor_hides_passwords_sessions_and_tax_ids():
    redactor = Redactor(["sender-pw-1"])
    redactor.add("SESSION-123456")
    text = redactor.xml("<password>anything</password><sessionid>SESSION-123456</sessionid><TAXID>12-3456789"
                        "</TAXID><PAYTO.TAXID>98-7654321</PAYTO.TAXID><x>sender-pw-1 SESSION-123456</x>")
    for secret in ("anything", "SESSION-123456", "12-3456789", "98-7654321", "sender-pw-1"):
        assert secret not in text


def test_control_failure_without_operation_is_read():
    body = (b"<response><control><status>failure</status></control><errormessage><error><errorno>PL04000055"
            b"</errorno><description></description><description2>This company is a demo company and has expired."
            b"</description2><correction></correction></error></errormessage></response>")
    response = read_response(parse_xml(body))
    assert response.control_status == "failure" and response.control_errors[0].errorno == "PL04000055"
