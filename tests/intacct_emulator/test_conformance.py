"""Hand-built requests exactly as the API reference shows them; answers must have the reference's shape."""

from __future__ import annotations

import re

import pytest

from tests.intacct_emulator.emulator_requests import (
    COMPANY,
    SENDER,
    USER,
    error_block,
    login_xml,
    session_auth,
)

pytestmark = pytest.mark.unit

REFERENCE_SESSION_REQUEST = b"""<?xml version="1.0" encoding="UTF-8"?>
<request>
  <control>
    <senderid>Paymentus</senderid><password>demo-sender-pw</password>
    <controlid>sessionProvider</controlid>
    <uniqueid>false</uniqueid>
    <dtdversion>3.0</dtdversion>
    <includewhitespace>false</includewhitespace>
  </control>
  <operation transaction="false">
    <authentication>
      <login>
        <userid>Paymentus-Web</userid><companyid>DEMO</companyid><password>demo-user-pw</password>
      </login>
    </authentication>
    <content>
      <function controlid="func1UnitTest"><getAPISession/></function>
    </content>
  </operation>
</request>"""


def tags(element) -> list[str]:
    return [child.tag for child in element]


def test_get_api_session_has_the_reference_shape(gw):
    answer = gw.post(REFERENCE_SESSION_REQUEST)
    assert answer.status == 200
    assert answer.headers["content-type"] == 'text/xml; encoding="UTF-8"'
    root = answer.root
    assert root.tag == "response" and tags(root) == ["control", "operation"]
    assert tags(root.find("control")) == ["status", "senderid", "controlid", "uniqueid", "dtdversion"]
    assert root.findtext("control/status") == "success"
    assert root.findtext("control/senderid") == SENDER
    assert root.findtext("control/controlid") == "sessionProvider"
    auth = root.find("operation/authentication")
    assert tags(auth) == ["status", "userid", "companyid", "locationid", "sessiontimestamp", "sessiontimeout"]
    assert auth.findtext("userid") == USER and auth.findtext("companyid") == COMPANY
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d", auth.findtext("sessiontimeout"))
    result = root.find("operation/result")
    assert tags(result) == ["status", "function", "controlid", "data"]
    assert result.findtext("function") == "getAPISession"
    assert result.findtext("controlid") == "func1UnitTest"
    assert tags(result.find("data/api")) == ["sessionid", "endpoint", "locationid"]
    assert result.findtext("data/api/endpoint") == "http://emulator.local/ia/xml/xmlgw.phtml"
    assert result.findtext("data/api/locationid") == ""


def test_read_by_query_rows_are_lowercase_with_the_reference_attributes(gw):
    session = gw.open_session()
    answer = gw.call(
        "<readByQuery><object>VENDOR</object><query></query><fields>*</fields>"
        "<pagesize>5</pagesize><returnFormat>xml</returnFormat></readByQuery>",
        auth=session_auth(session),
    )
    result = answer.result()
    assert result.findtext("status") == "success"
    assert result.findtext("function") == "readByQuery"
    data = result.find("data")
    assert list(data.attrib) == ["listtype", "count", "totalcount", "numremaining", "resultId"]
    assert data.get("listtype") == "vendor"
    total = int(data.get("totalcount"))
    assert data.get("count") == "5" and int(data.get("numremaining")) == total - 5
    assert data.get("resultId")
    rows = data.findall("vendor")
    assert len(rows) == 5
    assert "RECORDNO" in tags(rows[0]) and "VENDORID" in tags(rows[0])
    assert all(child.tag.upper() == child.tag for child in rows[0])


def test_read_by_query_empty_result_has_empty_result_id(gw):
    answer = gw.call(
        "<readByQuery><object>VENDOR</object><query>VENDORID = 'no-such-vendor'</query>"
        "<fields>RECORDNO</fields><pagesize>10</pagesize></readByQuery>"
    )
    data = answer.result().find("data")
    assert dict(data.attrib) == {
        "listtype": "vendor",
        "count": "0",
        "totalcount": "0",
        "numremaining": "0",
        "resultId": "",
    }
    assert len(data) == 0


def test_read_more_continues_the_snapshot_until_nothing_remains(gw):
    first = (
        gw.call(
            "<readByQuery><object>GLACCOUNT</object><query></query><fields>RECORDNO,ACCOUNTNO</fields>"
            "<pagesize>25</pagesize></readByQuery>"
        )
        .result()
        .find("data")
    )
    total = int(first.get("totalcount"))
    seen = [row.findtext("RECORDNO") for row in first]
    result_id = first.get("resultId")
    remaining = int(first.get("numremaining"))
    while remaining:
        page = gw.call(f"<readMore><resultId>{result_id}</resultId></readMore>").result()
        assert page.findtext("function") == "readMore"
        data = page.find("data")
        assert data.get("listtype") == "glaccount" and data.get("resultId") == result_id
        seen += [row.findtext("RECORDNO") for row in data.findall("glaccount")]
        remaining = int(data.get("numremaining"))
    assert len(seen) == total == len(set(seen))


def test_query_rows_are_uppercase_with_offset_attribute(gw):
    answer = gw.call("""<query>
      <object>VENDOR</object>
      <select><field>RECORDNO</field><field>VENDORID</field><field>WHENMODIFIED</field></select>
      <filter><greaterthanorequalto><field>RECORDNO</field><value>1</value></greaterthanorequalto></filter>
      <orderby><order><field>WHENMODIFIED</field><descending/></order></orderby>
      <options><caseinsensitive>true</caseinsensitive><showprivate>true</showprivate></options>
      <pagesize>10</pagesize><offset>3</offset>
    </query>""")
    result = answer.result()
    assert result.findtext("status") == "success", answer.body
    data = result.find("data")
    assert list(data.attrib) == ["listtype", "totalcount", "offset", "count", "numremaining"]
    assert data.get("listtype") == "VENDOR" and data.get("offset") == "3" and data.get("count") == "10"
    assert int(data.get("numremaining")) == int(data.get("totalcount")) - 13
    rows = data.findall("VENDOR")
    assert len(rows) == 10 and tags(rows[0]) == ["RECORDNO", "VENDORID", "WHENMODIFIED"]
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d", rows[0].findtext("WHENMODIFIED"))


def test_read_and_read_by_name_answer_uppercase_without_totalcount(gw):
    listed = (
        gw.call(
            "<query><object>VENDOR</object><select><field>RECORDNO</field><field>VENDORID</field>"
            "</select><orderby><order><field>RECORDNO</field></order></orderby><pagesize>2</pagesize>"
            "</query>"
        )
        .result()
        .find("data")
    )
    recordnos = [row.findtext("RECORDNO") for row in listed]
    vendor_ids = [row.findtext("VENDORID") for row in listed]
    read = gw.call(
        f"<read><object>VENDOR</object><keys>{','.join(recordnos)}</keys><fields>*</fields>"
        "<returnFormat>xml</returnFormat></read>"
    ).result()
    data = read.find("data")
    assert dict(data.attrib) == {"listtype": "VENDOR", "count": "2"}
    assert [row.findtext("RECORDNO") for row in data.findall("VENDOR")] == recordnos
    by_name = gw.call(
        f"<readByName><object>VENDOR</object><keys>{vendor_ids[1]}</keys><fields>*</fields></readByName>"
    ).result()
    assert [row.findtext("VENDORID") for row in by_name.findall("data/VENDOR")] == [vendor_ids[1]]


def test_create_update_delete_have_the_reference_shapes(gw, emu):
    created = gw.call(
        "<create><VENDOR><VENDORID>V-CONF-1</VENDORID><NAME>SaaS Co</NAME>"
        "<DISPLAYCONTACT><PRINTAS>SaaS Co Inc</PRINTAS><EMAIL1>ap@saas.example</EMAIL1>"
        "</DISPLAYCONTACT></VENDOR></create>"
    ).result()
    assert created.findtext("status") == "success", error_block(created)
    data = created.find("data")
    assert dict(data.attrib) == {"listtype": "objects", "count": "1"}
    row = data.find("vendor")
    assert tags(row) == ["RECORDNO", "VENDORID"] and row.findtext("VENDORID") == "V-CONF-1"
    recordno = row.findtext("RECORDNO")
    stored = emu.admin.get_record(COMPANY, "VENDOR", int(recordno))
    assert stored["DISPLAYCONTACT.EMAIL1"] == "ap@saas.example"

    updated = gw.call(
        f"<update><VENDOR><RECORDNO>{recordno}</RECORDNO><NAME>SaaS Company</NAME></VENDOR></update>"
    ).result()
    assert updated.findtext("status") == "success", error_block(updated)
    assert updated.find("data/vendor").findtext("RECORDNO") == recordno
    assert emu.admin.get_record(COMPANY, "VENDOR", int(recordno))["NAME"] == "SaaS Company"

    deleted = gw.call(f"<delete><object>VENDOR</object><keys>{recordno}</keys></delete>").result()
    assert tags(deleted) == ["status", "function", "controlid"]
    assert deleted.findtext("status") == "success"
    assert emu.admin.get_record(COMPANY, "VENDOR", int(recordno)) is None


def test_several_objects_in_one_create_and_a_failing_one_keeps_the_written_data(gw):
    result = gw.call(
        "<create>"
        "<VENDOR><VENDORID>V-MULTI-1</VENDORID><NAME>One</NAME><DISPLAYCONTACT><PRINTAS>One"
        "</PRINTAS></DISPLAYCONTACT></VENDOR>"
        "<VENDOR><VENDORID>V-MULTI-1</VENDORID><NAME>Dup</NAME><DISPLAYCONTACT><PRINTAS>Dup"
        "</PRINTAS></DISPLAYCONTACT></VENDOR>"
        "</create>"
    ).result()
    assert result.findtext("status") == "failure"
    assert tags(result) == ["status", "function", "controlid", "data", "errormessage"]
    assert result.find("data").get("count") == "1"
    assert result.find("data/vendor").findtext("VENDORID") == "V-MULTI-1"
    errors = error_block(result)
    assert [e["errorno"] for e in errors] == ["BL34000061", "BL01001973"]
    assert "already exists" in errors[0]["description2"]
    assert list(errors[0]) == ["errorno", "description", "description2", "correction"]
    assert "[Support ID: " in errors[0]["description2"]


def test_authentication_failure_has_errormessage_under_operation_and_no_result(gw):
    answer = gw.call("<getAPISession/>", auth=login_xml(password="wrong"))
    assert answer.status == 200
    root = answer.root
    assert root.findtext("control/status") == "success"
    operation = root.find("operation")
    assert tags(operation) == ["authentication", "errormessage"]
    assert tags(operation.find("authentication")) == ["status", "userid", "companyid", "locationid"]
    assert operation.findtext("authentication/status") == "failure"
    assert error_block(operation) == [
        {
            "errorno": "XL03000006",
            "description": "",
            "description2": "Sign-in information is incorrect",
            "correction": "",
        }
    ]


def test_control_failure_has_errormessage_under_response_and_no_operation(gw):
    answer = gw.post(b"<request><control><senderid>x</senderid>")
    root = answer.root
    assert tags(root) == ["control", "errormessage"]
    assert tags(root.find("control")) == ["status", "senderid", "controlid", "uniqueid", "dtdversion"]
    assert root.findtext("control/status") == "failure"
    error = error_block(root)[0]
    assert error["errorno"] == "XL03000003"
    assert error["description2"].startswith("XML Parse schema error: ")


def test_transaction_failure_aborts_the_others_with_xl03000009(gw, emu):
    before = emu.admin.stats()["records"][COMPANY]["VENDOR"]
    answer = gw.call(
        "<create><VENDOR><VENDORID>V-TX-1</VENDORID><NAME>Tx one</NAME><DISPLAYCONTACT><PRINTAS>Tx one"
        "</PRINTAS></DISPLAYCONTACT></VENDOR></create>",
        "<create><VENDOR><VENDORID>V-TX-1</VENDORID><NAME>Tx dup</NAME><DISPLAYCONTACT><PRINTAS>Tx dup"
        "</PRINTAS></DISPLAYCONTACT></VENDOR></create>",
        "<create><VENDOR><VENDORID>V-TX-3</VENDORID><NAME>Tx three</NAME><DISPLAYCONTACT><PRINTAS>Tx three"
        "</PRINTAS></DISPLAYCONTACT></VENDOR></create>",
        transaction=True,
    )
    statuses = [r.findtext("status") for r in answer.results()]
    assert statuses == ["aborted", "failure", "aborted"]
    for index in (0, 2):
        assert [e["errorno"] for e in error_block(answer.result(index))] == ["XL03000009"]
        assert error_block(answer.result(index))[0]["description2"].startswith(
            "The entire transaction in this operation has been rolled back due to an error."
        )
    assert emu.admin.stats()["records"][COMPANY]["VENDOR"] == before
    assert emu.admin.find_records(COMPANY, "VENDOR", VENDORID="V-TX-1") == []


def test_functions_without_transaction_fail_independently(gw):
    answer = gw.call(
        "<read><object>VENDOR</object><keys>1</keys></read>",
        "<readByQuery><object>NOSUCHOBJECT</object><query></query></readByQuery>",
        "<query><object>GLACCOUNT</object><select><field>RECORDNO</field></select></query>",
    )
    assert [r.findtext("status") for r in answer.results()] == ["success", "failure", "success"]


def test_bill_with_lines_as_the_reference_writes_it(gw):
    session = gw.open_session("US01")
    auth = session_auth(session)
    vendor_id = gw.call(
        "<query><object>VENDOR</object><select><field>VENDORID</field></select><filter><equalto><field>STATUS"
        "</field><value>active</value></equalto></filter><pagesize>1</pagesize></query>",
        auth=auth,
    ).root.findtext("operation/result/data/VENDOR/VENDORID")
    account_no = gw.call(
        "<query><object>GLACCOUNT</object><select><field>ACCOUNTNO</field></select><filter><and><equalto>"
        "<field>STATUS</field><value>active</value></equalto><equalto><field>ACCOUNTTYPE</field>"
        "<value>incomestatement</value></equalto></and></filter><pagesize>1</pagesize></query>",
        auth=auth,
    ).root.findtext("operation/result/data/GLACCOUNT/ACCOUNTNO")
    created = gw.call(
        f"""<function controlid="bill-0001"><create><APBILL>
  <WHENCREATED>12/15/2025</WHENCREATED><WHENPOSTED>12/15/2025</WHENPOSTED>
  <VENDORID>{vendor_id}</VENDORID><RECORDID>CONF-1234</RECORDID><DOCNUMBER>Ref 5678</DOCNUMBER>
  <DESCRIPTION>My bill</DESCRIPTION><WHENDUE>12/25/2025</WHENDUE><CURRENCY>USD</CURRENCY><BASECURR>USD</BASECURR>
  <APBILLITEMS>
    <APBILLITEM><ACCOUNTNO>{account_no}</ACCOUNTNO><TRX_AMOUNT>100.125</TRX_AMOUNT>
      <ENTRYDESCRIPTION>Line 1 of my bill</ENTRYDESCRIPTION><LOCATIONID>US01</LOCATIONID></APBILLITEM>
    <APBILLITEM><ACCOUNTNO>{account_no}</ACCOUNTNO><TRX_AMOUNT>20</TRX_AMOUNT>
      <ENTRYDESCRIPTION>Line 2</ENTRYDESCRIPTION><LOCATIONID>US01</LOCATIONID></APBILLITEM>
  </APBILLITEMS>
</APBILL></create></function>""",
        auth=auth,
    ).result()
    assert created.findtext("status") == "success", error_block(created)
    row = created.find("data/apbill")
    assert row is not None and row.findtext("RECORDNO")
    lines = gw.call(
        "<query><object>APBILLITEM</object><select><field>LINE_NO</field><field>TRX_AMOUNT</field></select>"
        f"<filter><equalto><field>RECORDKEY</field><value>{row.findtext('RECORDNO')}</value></equalto></filter>"
        "<orderby><order><field>LINE_NO</field></order></orderby></query>",
        auth=auth,
    ).root.findall("operation/result/data/APBILLITEM")
    assert [line.findtext("TRX_AMOUNT") for line in lines] == ["100.13", "20"]
