"""Requests built from the reference's documented and recorded shapes (§2, §3, §4, §6): the answers must have
the recorded shape, and enumerations must match only in the form each function takes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from intacct_emulator import Emulator
from tests.intacct_emulator.emulator_requests import (
    SENDER,
    envelope,
    error_block,
    login_xml,
)

pytestmark = pytest.mark.unit


def tags(element) -> list[str]:
    return [child.tag for child in element]


def failure(result) -> list[dict[str, str]]:
    """Errors of a failed function, support IDs cut off."""
    assert result.findtext("status") == "failure"
    return [{**e, "description2": e["description2"].split(" [Support ID:")[0]} for e in error_block(result)]


def rows(answer) -> list:
    data = answer.result().find("data")
    assert data is not None, answer.body
    return list(data)


# -- control and HTTP-level failures -----------------------------------------------------------------------


def test_wrong_sender_password_has_the_complete_recorded_control_block(gw):
    answer = gw.call("<getAPISession/>", sender_password="wrong", controlid="1559435393")
    control = answer.root.find("control")
    assert tags(answer.root) == ["control", "errormessage"]
    assert tags(control) == ["status", "senderid", "controlid", "uniqueid", "dtdversion"]
    assert [control.findtext(t) for t in tags(control)] == ["failure", SENDER, "1559435393", "false", "3.0"]
    assert error_block(answer.root) == [{"errorno": "XL03000006", "description": "",
                                         "description2": "Incorrect Intacct XML Partner ID or password.",
                                         "correction": ""}]


def test_malformed_xml_echoes_the_control_and_quotes_the_parser(gw):
    body = envelope("<readByQuery><object>VENDOR</object><query/><fields>*</fields></readByQuery>",
                    controlid="ctl-76").replace(b"</readByQuery>", b"</readbyquery>")
    answer = gw.post(body)
    assert answer.status == 200
    control = answer.root.find("control")
    assert tags(control) == ["status", "senderid", "controlid", "uniqueid", "dtdversion"]
    assert (control.findtext("senderid"), control.findtext("controlid")) == (SENDER, "ctl-76")
    [first, *_] = error_block(answer.root)
    assert first["errorno"] == "XL03000003"
    # "XML Parse schema error: Fatal Error 76: Opening and ending tag mismatch: … Line: N, column: M."
    text = first["description2"].split(" [Support ID:")[0]
    assert text.startswith("XML Parse schema error: Fatal Error 76: Opening and ending tag mismatch: readByQuery")
    assert text.rsplit(". Line: ", 1)[1].count(", column: ") == 1 and text.endswith(".")


def test_bad_login_in_http_401_mode_is_the_minimal_body(emu: Emulator, gw):
    emu.admin.set_faults(http_401_for_bad_login=True)
    answer = gw.call("<getAPISession/>", auth=login_xml(password="wrong"))
    assert answer.status == 401
    assert tags(answer.root) == ["control", "errormessage"]
    assert tags(answer.root.find("control")) == ["status"]
    [error] = answer.root.findall("errormessage/error")
    assert tags(error) == ["errorno", "description"]
    assert error.findtext("errorno") == "XMLGW_JPP0002"
    assert error.findtext("description") == "Sign-in information is incorrect. Please check your request."


@pytest.mark.parametrize("errorno", ["GW-0011", "invalidRequest"])
def test_unknown_company_is_an_http_400_gateway_error(emu: Emulator, gw, errorno):
    if errorno != "GW-0011":
        emu.admin.set_faults(unknown_company_errorno=errorno)
    answer = gw.call("<getAPISession/>", auth=login_xml(company="NO-SUCH-CO"))
    assert answer.status == 400
    assert tags(answer.root.find("control")) == ["status"]
    [error] = answer.root.findall("errormessage/error")
    assert tags(error) == ["errorno", "description"] and error.findtext("errorno") == errorno
    assert error.findtext("description").startswith("Invalid Request [Request ID: ")


# -- readByQuery / readMore / unknown objects ----------------------------------------------------------------


def test_read_by_query_that_fits_one_page_has_an_empty_result_id(gw):
    answer = gw.call("<readByQuery><object>GLACCOUNT</object><query>ACCOUNTNO = '6220'</query>"
                     "<fields>RECORDNO</fields><pagesize>100</pagesize></readByQuery>")
    data = answer.result().find("data")
    assert (data.get("count"), data.get("numremaining"), data.get("resultId")) == ("1", "0", "")
    paged = gw.call("<readByQuery><object>GLACCOUNT</object><query/><fields>RECORDNO</fields>"
                    "<pagesize>5</pagesize></readByQuery>").result().find("data")
    assert int(paged.get("numremaining")) > 0 and paged.get("resultId")


def test_read_more_with_an_invalid_result_id_is_the_recorded_failure(gw):
    result = gw.call("<readMore><resultId>not-a-result</resultId></readMore>").result()
    assert failure(result) == [{"errorno": "readMore failed", "description": "",
                                "description2": "Attempt to readMore with an invalid or expired resultId: "
                                "not-a-result", "correction": ""}]


@pytest.mark.parametrize("function, errorno", [
    ("<readByQuery><object>BADOBJECT</object><query/><fields>*</fields></readByQuery>", "Query Failed"),
    ("<read><object>BADOBJECT</object><keys>1</keys><fields>*</fields></read>", "Query Failed"),
    ("<delete><object>BADOBJECT</object><keys>1</keys></delete>", "WS"),
])
def test_unknown_object_is_reported_with_the_recorded_errorno(gw, function, errorno):
    [error] = failure(gw.call(function).result())
    assert (error["errorno"], error["description"]) == (errorno, "")
    assert error["description2"] == "Object definition BADOBJECT not found"


def test_deleting_a_missing_key_is_one_error(gw):
    [error] = failure(gw.call("<delete><object>VENDOR</object><keys>999999</keys></delete>").result())
    assert error == {"errorno": "BL01001973", "description": "",
                     "description2": "Cannot find vendor with key '999999' to delete.", "correction": ""}


def test_transaction_failure_lists_its_own_error_then_the_rollback(gw):
    good = ("<create><VENDOR><VENDORID>V-TXN-1</VENDORID><NAME>One</NAME><DISPLAYCONTACT><PRINTAS>One"
            "</PRINTAS></DISPLAYCONTACT></VENDOR></create>")
    bad = "<delete><object>VENDOR</object><keys>999999</keys></delete>"
    answer = gw.call(good, bad, transaction=True)
    first, second = answer.results()
    assert first.findtext("status") == "aborted"
    assert [e["errorno"] for e in failure(second)] == ["BL01001973", "XL03000009"]


# -- objects and fields --------------------------------------------------------------------------------------


def test_the_documented_vendor_query_example_answers(gw, emu: Emulator):
    answer = gw.call("<query><object>VENDOR</object><select><field>RECORDNO</field>"
                     "<field>PAYTOCONTACT.CONTACTNAME</field><field>TOTALDUE</field></select>"
                     "<filter><equalto><field>VENDORID</field><value>V0001</value></equalto></filter></query>")
    [vendor] = rows(answer)
    assert vendor.tag == "VENDOR" and tags(vendor) == ["RECORDNO", "PAYTOCONTACT.CONTACTNAME", "TOTALDUE"]
    assert vendor.findtext("PAYTOCONTACT.CONTACTNAME")
    owed = sum(Decimal(b["TOTALDUE"]) for b in emu.admin.find_records("DEMO", "APBILL", VENDORID="V0001"))
    assert Decimal(vendor.findtext("TOTALDUE")) == owed


RECORDED_APBILL_FIELDS = (
    "RECORDNO RECORDTYPE RECORDID FINANCIALENTITY STATE RAWSTATE VENDORID VENDORNAME FORM1099TYPE FORM1099BOX "
    "VENDTYPE1099TYPE TRX_ENTITYDUE DOCNUMBER DESCRIPTION DESCRIPTION2 TERMNAME TERMKEY TERMVALUE WHENCREATED "
    "WHENPOSTED WHENDISCOUNT WHENDUE WHENPAID RECPAYMENTDATE PAYMENTPRIORITY ONHOLD BASECURR CURRENCY "
    "EXCH_RATE_DATE EXCH_RATE_TYPE_ID EXCHANGE_RATE TOTALENTERED TOTALSELECTED TOTALPAID TOTALDUE TRX_TOTALENTERED "
    "TRX_TOTALSELECTED TRX_TOTALPAID TRX_TOTALDUE BILLTOPAYTOCONTACTNAME SHIPTORETURNTOCONTACTNAME BILLTOPAYTOKEY "
    "SHIPTORETURNTOKEY PRBATCH PRBATCHKEY MODULEKEY SCHOPKEY SYSTEMGENERATED AUWHENCREATED WHENMODIFIED CREATEDBY "
    "MODIFIEDBY DUE_IN_DAYS PAYTO.TAXGROUP.NAME PAYTO.TAXGROUP.RECORDNO PAYTO.TAXID INCLUSIVETAX TAXSOLUTIONKEY "
    "TAXSOLUTIONID SHOWMULTILINETAX TAXMETHOD RETAINAGEPERCENTAGE TRX_TOTALRETAINED TRX_TOTALRELEASED TOTALRETAINED "
    "SUPDOCID MEGAENTITYKEY MEGAENTITYID MEGAENTITYNAME VENDOR_NOTES VOUCHER_NUMBER EXCHRATEDATE EXCHRATETYPE "
    "EXCHRATE PAYTOCONTACTNAME RETURNTOCONTACTNAME"
).split()


def test_apbill_star_row_has_the_recorded_fields_in_order(gw):
    answer = gw.call("<readByQuery><object>APBILL</object><query/><fields>*</fields><pagesize>1</pagesize>"
                     "</readByQuery>", auth=login_xml(entity="US01"))
    [bill] = rows(answer)
    assert len(RECORDED_APBILL_FIELDS) == 76 and tags(bill) == RECORDED_APBILL_FIELDS
    assert bill.findtext("RECORDTYPE") == "pi"
    assert bill.findtext("CREATEDBY").isdigit() and bill.findtext("MODIFIEDBY").isdigit()


def test_api_writes_record_the_users_record_number(gw, emu: Emulator):
    gw.call("<create><VENDOR><VENDORID>V-BY-1</VENDORID><NAME>By</NAME><DISPLAYCONTACT><PRINTAS>By</PRINTAS>"
            "</DISPLAYCONTACT></VENDOR></create>")
    [vendor] = emu.admin.find_records("DEMO", "VENDOR", VENDORID="V-BY-1")
    assert vendor["CREATEDBY"] == vendor["MODIFIEDBY"] == "9"  # Paymentus-Web's record number, not its login


def test_session_timeout_is_within_the_recorded_range(gw):
    auth = gw.call("<getAPISession/>").root.find("operation/authentication")
    length = datetime.fromisoformat(auth.findtext("sessiontimeout")) - datetime.fromisoformat(
        auth.findtext("sessiontimestamp"))
    assert 6 * 3600 <= length.total_seconds() <= 24 * 3600


def test_vendor_update_with_an_empty_displaycontact_changes_nothing_else(gw, emu: Emulator):
    result = gw.call("<update><VENDOR><VENDORID>V0001</VENDORID><NAME>Renamed</NAME><DISPLAYCONTACT/></VENDOR>"
                     "</update>").result()
    assert result.findtext("status") == "success", error_block(result)
    [vendor] = emu.admin.find_records("DEMO", "VENDOR", VENDORID="V0001")
    assert vendor["NAME"] == "Renamed" and vendor["DISPLAYCONTACT.EMAIL1"]


# -- inspect, lookup, legacy create_bill -----------------------------------------------------------------------


def test_lookup_lists_fields_in_the_documented_shape(gw):
    result = gw.call("<lookup><object>VENDOR</object></lookup>").result()
    assert result.findtext("status") == "success"
    [type_el] = result.findall("data/Type")
    assert type_el.get("Name") == "VENDOR"
    fields = {f.findtext("ID"): f for f in type_el.findall("Fields/Field")}
    assert tags(fields["STATUS"])[:6] == ["ID", "LABEL", "DESCRIPTION", "REQUIRED", "READONLY", "DATATYPE"]
    assert [v.text for v in fields["STATUS"].findall("VALIDVALUES/VALIDVALUE")] == ["active", "inactive"]
    assert fields["RECORDNO"].findtext("READONLY") == "true" and fields["NAME"].findtext("REQUIRED") == "true"


@pytest.mark.parametrize("detail", ["0", "1"])
def test_inspect_answers_in_the_same_request_as_other_functions(gw, detail):
    answer = gw.call(f'<inspect detail="{detail}"><object>APBILL</object></inspect>',
                     "<readByQuery><object>GLACCOUNT</object><query/><fields>RECORDNO</fields></readByQuery>")
    inspected, read = answer.results()
    assert read.findtext("status") == "success"
    fields = inspected.findall("data/Type/Fields/Field")
    names = [f.text for f in fields] if detail == "0" else [f.findtext("ID") for f in fields]
    assert names[:3] == ["RECORDNO", "RECORDTYPE", "RECORDID"]


def test_legacy_create_bill_returns_its_key(gw, emu: Emulator):
    result = gw.call(
        "<create_bill><vendorid>V0002</vendorid><datecreated><year>2015</year><month>06</month><day>30</day>"
        "</datecreated><termname>N30</termname><billno>LEGACY-1</billno><billitems><lineitem>"
        "<glaccountno>6220</glaccountno><amount>76343.43</amount><memo>Just another memo</memo>"
        "<locationid>US01</locationid></lineitem></billitems></create_bill>", auth=login_xml(entity="US01")).result()
    assert result.findtext("status") == "success", error_block(result)
    key = result.findtext("key")
    [bill] = emu.admin.find_records("DEMO", "APBILL", RECORDID="LEGACY-1")
    assert bill["RECORDNO"] == key and bill["WHENCREATED"] == "06/30/2015" and bill["TRX_TOTALENTERED"] == "76343.43"
    [line] = emu.admin.find_records("DEMO", "APBILLITEM", RECORDKEY=key)
    assert line["ENTRYDESCRIPTION"] == "Just another memo"


def test_legacy_create_bill_without_datecreated_is_refused(gw):
    result = gw.call("<create_bill><vendorid>V0002</vendorid><termname>N30</termname><billitems><lineitem>"
                     "<glaccountno>6220</glaccountno><amount>1</amount></lineitem></billitems></create_bill>",
                     auth=login_xml(entity="US01")).result()
    assert "datecreated" in failure(result)[0]["description2"]


# -- enumerations: one form per function -------------------------------------------------------------------------


def _rbq_count(gw, object_name: str, query: str, entity: str | None = "US01") -> int:
    data = gw.call(f"<readByQuery><object>{object_name}</object><query>{query}</query><fields>RECORDNO</fields>"
                   "</readByQuery>", auth=login_xml(entity=entity)).result().find("data")
    return int(data.get("totalcount"))


def _query_count(gw, object_name: str, field: str, value: str, entity: str | None = "US01") -> int:
    data = gw.call(f"<query><object>{object_name}</object><select><field>RECORDNO</field></select><filter>"
                   f"<equalto><field>{field}</field><value>{value}</value></equalto></filter></query>",
                   auth=login_xml(entity=entity)).result().find("data")
    return int(data.get("totalcount"))


@pytest.mark.parametrize("object_name, field, code, label", [
    ("VENDOR", "STATUS", "T", "active"),
    ("APBILL", "STATE", "A", "Posted"),
])
def test_read_by_query_takes_codes_and_query_takes_labels(gw, object_name, field, code, label):
    expected = _query_count(gw, object_name, field, label)
    assert expected > 0
    assert _rbq_count(gw, object_name, f"{field} = '{code}'") == expected
    assert _rbq_count(gw, object_name, f"{field} = '{label}'") == 0
    assert _query_count(gw, object_name, field, code) == 0


def _delete_a_vendor(emu: Emulator) -> str:
    created = emu.admin.ui_create("DEMO", "VENDOR", {"VENDORID": "GONE-9", "NAME": "Soon gone"})
    emu.admin.ui_delete("DEMO", "VENDOR", created["RECORDNO"])
    return created["RECORDNO"]


def test_audit_trail_query_takes_codes_and_read_by_query_takes_words(gw, emu: Emulator):
    _delete_a_vendor(emu)
    query = ("<query><object>AUDITHISTORY</object><select><field>ID</field><field>OBJECTKEY</field>"
             "<field>ACCESSMODE</field></select><filter><and><equalto><field>OBJECTTYPE</field><value>vendor"
             "</value></equalto><in><field>ACCESSMODE</field><value>{}</value></in></and></filter></query>")
    [row] = rows(gw.call(query.format("D"), auth=login_xml()))
    assert tags(row) == ["ID", "OBJECTKEY", "ACCESSMODE"] and row.findtext("ID")
    for not_a_code in ("Delete", "Deleted"):
        assert rows(gw.call(query.format(not_a_code), auth=login_xml())) == []
    assert _rbq_count(gw, "AUDITHISTORY", "OBJECTTYPE = 'vendor' AND ACCESSMODE = 'Delete'", None) == 1
    assert _rbq_count(gw, "AUDITHISTORY", "OBJECTTYPE = 'vendor' AND ACCESSMODE = 'D'", None) == 0
    assert _rbq_count(gw, "AUDITHISTORY", "OBJECTTYPE = 'vendor' AND ACCESSMODE = 'Deleted'", None) == 0


def test_lenient_enum_filters_accept_both_forms_in_both_functions(gw, emu: Emulator):
    emu.admin.set_faults(lenient_enum_filters=True)
    assert _rbq_count(gw, "VENDOR", "STATUS = 'active'") == _rbq_count(gw, "VENDOR", "STATUS = 'T'") > 0
    assert _query_count(gw, "APBILL", "STATE", "A") == _query_count(gw, "APBILL", "STATE", "Posted") > 0


def test_audit_pages_can_fail_with_the_processing_error(gw, emu: Emulator):
    emu.admin.set_faults(audit_page_error_rate=1.0)
    result = gw.call("<query><object>AUDITHISTORY</object><select><field>ID</field></select></query>").result()
    assert failure(result)[0]["description2"] == "There was an error processing the request."
    assert gw.call("<query><object>VENDOR</object><select><field>RECORDNO</field></select>"
                   "<pagesize>1</pagesize></query>").result().findtext("status") == "success"
