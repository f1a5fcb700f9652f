"""Creates, updates and deletes: the business rules, WHENMODIFIED, audit events, savepoints."""

import pytest
from lxml import etree

from intacct_emulator.data import Scope, parse_read_by_query
from intacct_emulator.errors import GatewayError

pytestmark = pytest.mark.unit
ALL = Scope(None, show_private=True)


def el(xml: str):
    return etree.fromstring(xml)


def bill_xml(vendor="V0002", lines=None, extra="", created="05/01/2024", due="05/31/2024"):
    lines = lines if lines is not None else [("6220", "100.125", "US01")]
    items = "".join(f"<APBILLITEM><ACCOUNTNO>{a}</ACCOUNTNO><TRX_AMOUNT>{t}</TRX_AMOUNT>"
                    + (f"<LOCATIONID>{loc}</LOCATIONID>" if loc else "") + "</APBILLITEM>" for a, t, loc in lines)
    due_xml = f"<WHENDUE>{due}</WHENDUE>" if due else ""
    return el(f"<APBILL><VENDORID>{vendor}</VENDORID><WHENCREATED>{created}</WHENCREATED>{due_xml}{extra}"
              f"<APBILLITEMS>{items}</APBILLITEMS></APBILL>")


def us_vendor(store):
    return store.query("VENDOR", fields=["VENDORID", "NAME"], where=parse_read_by_query(
        "MEGAENTITYID = 'US01' AND STATUS = 'active'"), scope=ALL, limit=1).rows[0]


def errors(call) -> list[str]:
    with pytest.raises(GatewayError) as failure:
        call()
    return [d.errorno for d in failure.value.details]


def test_create_vendor_with_nested_contact_reads_back_flat(store, us):
    result = store.create("VENDOR", el(
        "<VENDOR><VENDORID>BC-1</VENDORID><NAME>Saas Co</NAME><TAXID>12-3456789</TAXID><DISPLAYCONTACT>"
        "<EMAIL1>ap@saas.example</EMAIL1><MAILADDRESS><ADDRESS1>1 Main</ADDRESS1><ZIP>98101</ZIP></MAILADDRESS>"
        "</DISPLAYCONTACT></VENDOR>"), us, "Paymentus-Web")
    assert set(result) == {"RECORDNO", "VENDORID"} and result["VENDORID"] == "BC-1"
    row = store.get("VENDOR", int(result["RECORDNO"]))
    assert row["DISPLAYCONTACT.EMAIL1"] == "ap@saas.example"
    assert row["DISPLAYCONTACT.MAILADDRESS.ADDRESS1"] == "1 Main"
    assert row["MEGAENTITYID"] == "US01" and row["STATUS"] == "active" and row["CREATEDBY"] == "9"


def test_vendor_rules(store, us):
    store.create("VENDOR", el("<VENDOR><VENDORID>DUP</VENDORID><NAME>One</NAME></VENDOR>"), us, "u")
    with pytest.raises(GatewayError) as failure:
        store.create("VENDOR", el("<VENDOR><VENDORID>DUP</VENDORID><NAME>Two</NAME></VENDOR>"), us, "u")
    first, generic = failure.value.details
    assert first.errorno == "BL34000061"
    assert first.description2 == "Another Vendor with the given value(s) DUP already exists"
    assert first.correction == "Use a unique value instead."
    assert generic.errorno == "BL01001973" and generic.description2 == "Could not create vendor record!"
    assert errors(lambda: store.create("VENDOR", el("<VENDOR><NAME>x</NAME></VENDOR>"), us, "u"))[0] == "BL01001975"
    assert errors(lambda: store.create("VENDOR", el("<VENDOR><VENDORID>X</VENDORID></VENDOR>"), us, "u"))[0] == \
        "BL01001975"
    long_id = "V" * 21
    assert errors(lambda: store.create("VENDOR", el(f"<VENDOR><VENDORID>{long_id}</VENDORID><NAME>x</NAME></VENDOR>"),
                                       us, "u"))[0] == "BL03000018"
    assert errors(lambda: store.create("VENDOR", el(f"<VENDOR><VENDORID>L</VENDORID><NAME>{'n' * 101}</NAME>"
                                                    "</VENDOR>"), us, "u"))[0] == "BL03000018"
    assert errors(lambda: store.create("VENDOR", el("<VENDOR><VENDORID>Q</VENDORID><NAME>x</NAME><BOGUS>1</BOGUS>"
                                                    "</VENDOR>"), us, "u"))[0] == "BL03000019"
    assert store.find("VENDOR", VENDORID="Q") == []


def test_create_bill_computes_totals_rounds_and_fills_from_vendor(store, us):
    vendor = us_vendor(store)
    result = store.create("APBILL", bill_xml(vendor["VENDORID"], [("6220", "100.125", "US01"),
                                                                  ("6500", "50", "US01")]), us, "u")
    bill = store.get("APBILL", int(result["RECORDNO"]))
    assert bill["TRX_TOTALENTERED"] == "150.13" and bill["TRX_TOTALDUE"] == "150.13"
    assert bill["TRX_TOTALPAID"] == "0"
    assert bill["STATE"] == "Posted" and bill["VENDORNAME"] == vendor["NAME"]
    assert bill["BASECURR"] == "USD" and bill["MEGAENTITYID"] == "US01" and bill["WHENPOSTED"] == "05/01/2024"
    lines = store.find("APBILLITEM", RECORDKEY=result["RECORDNO"])
    assert [(x["LINE_NO"], x["TRX_AMOUNT"], x["ACCOUNTTITLE"]) for x in lines] == [
        ("1", "100.13", "Accounting Fees"), ("2", "50", "Office Supplies")]


def test_bill_rules(store, us):
    vendor = us_vendor(store)["VENDORID"]
    ca_vendor = store.query("VENDOR", fields=["VENDORID"], where=parse_read_by_query("MEGAENTITYID = 'CA01'"),
                            scope=ALL, limit=1).rows[0]["VENDORID"]
    cases = {
        "missing vendor": (bill_xml("NOPE"), "BL03000130"),
        "vendor of another entity": (bill_xml(ca_vendor), "BL03000130"),
        "no due date": (bill_xml(vendor, due=""), "BL01001975"),
        "no lines": (bill_xml(vendor, lines=[]), "BL01001975"),
        "unknown account": (bill_xml(vendor, [("0000", "1", "US01")]), "BL03000130"),
        "inactive account": (bill_xml(vendor, [("6999", "1", "US01")]), "BL03000131"),
        "no location": (bill_xml(vendor, [("6220", "1", "")]), "BL01001975"),
        "unknown location": (bill_xml(vendor, [("6220", "1", "XX99")]), "BL03000130"),
        "other entity's location": (bill_xml(vendor, [("6220", "1", "CA01")]), "BL03000130"),
        "bad amount": (bill_xml(vendor, [("6220", "1,000", "US01")]), "BL03000018"),
        "bad date": (bill_xml(vendor, created="02/30/2024"), "BL03000018"),
    }
    before = store.counts()
    for name, (element, errorno) in cases.items():
        numbers = errors(lambda element=element: store.create("APBILL", element, us, "u"))
        assert numbers[0] == errorno, name
        assert numbers[-1] == "BL01001973", name
    assert store.counts() == before


def test_legacy_line_names_are_rejected(store, us):
    vendor = us_vendor(store)["VENDORID"]
    element = el(f"<APBILL><VENDORID>{vendor}</VENDORID><WHENCREATED>05/01/2024</WHENCREATED><WHENDUE>05/02/2024"
                 "</WHENDUE><APBILLITEMS><APBILLITEM><GLACCOUNTNO>6220</GLACCOUNTNO><AMOUNT>5</AMOUNT>"
                 "<MEMO>x</MEMO><LOCATIONID>US01</LOCATIONID></APBILLITEM></APBILLITEMS></APBILL>")
    with pytest.raises(GatewayError) as failure:
        store.create("APBILL", element, us, "u")
    texts = " ".join(d.description2 + d.correction for d in failure.value.details)
    for legacy, modern in (("GLACCOUNTNO", "ACCOUNTNO"), ("AMOUNT", "TRX_AMOUNT"), ("MEMO", "ENTRYDESCRIPTION")):
        assert legacy in texts and modern in texts


def test_draft_bill_needs_no_due_date(store, us):
    vendor = us_vendor(store)["VENDORID"]
    result = store.create("APBILL", bill_xml(vendor, due="", extra="<ACTION>Draft</ACTION>"), us, "u")
    assert store.get("APBILL", int(result["RECORDNO"]))["STATE"] == "Draft"


def test_update_bill_replaces_lines_and_bumps_modified(world, store, us):
    vendor = us_vendor(store)["VENDORID"]
    recordno = store.create("APBILL", bill_xml(vendor, [("6220", "10", "US01"), ("6500", "20", "US01")]), us,
                            "u")["RECORDNO"]
    created = store.get("APBILL", int(recordno))["WHENMODIFIED"]
    world.clock.advance(5)
    store.update("APBILL", el(f"<APBILL><RECORDNO>{recordno}</RECORDNO><DESCRIPTION>changed</DESCRIPTION>"
                              "<APBILLITEMS><APBILLITEM><ACCOUNTNO>6600</ACCOUNTNO><TRX_AMOUNT>7.5</TRX_AMOUNT>"
                              "<LOCATIONID>US01</LOCATIONID></APBILLITEM></APBILLITEMS></APBILL>"), us, "u")
    bill = store.get("APBILL", int(recordno))
    assert bill["DESCRIPTION"] == "changed" and bill["TRX_TOTALENTERED"] == "7.5"
    assert bill["WHENMODIFIED"] != created and bill["WHENMODIFIED"].endswith(":05")
    lines = store.find("APBILLITEM", RECORDKEY=recordno)
    assert [(x["ACCOUNTNO"], x["TRX_AMOUNT"]) for x in lines] == [("6600", "7.5")]


def test_update_requires_an_existing_visible_record(store, us):
    assert errors(lambda: store.update("APBILL", el("<APBILL><DESCRIPTION>x</DESCRIPTION></APBILL>"), us,
                                       "u"))[0] == "BL01001975"
    assert errors(lambda: store.update("APBILL", el("<APBILL><RECORDNO>999999</RECORDNO></APBILL>"), us,
                                       "u"))[0] == "BL01001974"
    ca_bill = store.query("APBILL", fields=["RECORDNO"], where=parse_read_by_query("MEGAENTITYID = 'CA01'"),
                          scope=ALL, limit=1).rows[0]["RECORDNO"]
    assert errors(lambda: store.update("APBILL", el(f"<APBILL><RECORDNO>{ca_bill}</RECORDNO></APBILL>"), us,
                                       "u"))[0] == "BL01001974"


def test_update_vendor_by_vendorid_and_rename_reaches_bills(store, us):
    vendor = us_vendor(store)["VENDORID"]
    store.create("APBILL", bill_xml(vendor), us, "u")
    store.update("VENDOR", el(f"<VENDOR><VENDORID>{vendor}</VENDORID><NAME>Renamed Ltd</NAME></VENDOR>"), us, "u")
    assert store.find("VENDOR", VENDORID=vendor)[0]["NAME"] == "Renamed Ltd"
    assert {b["VENDORNAME"] for b in store.find("APBILL", VENDORID=vendor)} == {"Renamed Ltd"}


def test_paid_bills_cannot_be_edited_or_deleted(store, us):
    vendor = us_vendor(store)["VENDORID"]
    recordno = int(store.create("APBILL", bill_xml(vendor, [("6220", "80", "US01")]), us, "u")["RECORDNO"])
    partly = store.ui_update("APBILL", recordno, {"TRX_TOTALPAID": "30"})
    assert partly["STATE"] == "Partially Paid" and partly["TRX_TOTALDUE"] == "50" and partly["WHENPAID"] == ""
    assert errors(lambda: store.update("APBILL", el(f"<APBILL><RECORDNO>{recordno}</RECORDNO><DESCRIPTION>x"
                                                    "</DESCRIPTION></APBILL>"), us, "u"))[0] == "BL03000140"
    assert errors(lambda: store.delete("APBILL", [str(recordno)], us, "u"))[0] == "BL03000140"
    paid = store.ui_update("APBILL", recordno, {"STATE": "Paid"})
    assert paid["STATE"] == "Paid" and paid["TRX_TOTALDUE"] == "0" and paid["WHENPAID"] == "06/03/2024"


def test_delete_bill_removes_lines_and_writes_audit(store, us):
    vendor = us_vendor(store)["VENDORID"]
    recordno = store.create("APBILL", bill_xml(vendor), us, "u")["RECORDNO"]
    assert store.delete("APBILL", [recordno], us, "u") == [{"RECORDNO": recordno}]
    assert store.get("APBILL", int(recordno)) is None
    assert store.find("APBILLITEM", RECORDKEY=recordno) == []
    events = store.query("AUDITHISTORY", fields=["OBJECTTYPE", "ACCESSMODE", "USERID", "SOURCE", "ACCESSTIME"],
                         where=parse_read_by_query(f"OBJECTKEY = '{recordno}' AND OBJECTTYPE = 'apbill'"),
                         scope=us, limit=10).rows
    assert [e["ACCESSMODE"] for e in events] == ["Create", "Delete"]
    assert events[1] == {"OBJECTTYPE": "apbill", "ACCESSMODE": "Delete", "USERID": "u", "SOURCE": "api",
                         "ACCESSTIME": "06/03/2024 10:30:00"}
    deleted = store.query("AUDITHISTORY", fields=["OBJECTKEY"], where=parse_read_by_query(
        "ACCESSMODE = 'D'"), scope=us, limit=10).rows
    assert deleted == [{"OBJECTKEY": recordno}]


def test_vendor_with_bills_and_used_accounts_cannot_be_deleted(store, us):
    vendor = us_vendor(store)
    store.create("APBILL", bill_xml(vendor["VENDORID"]), us, "u")
    recordno = store.find("VENDOR", VENDORID=vendor["VENDORID"])[0]["RECORDNO"]
    assert errors(lambda: store.delete("VENDOR", [recordno], us, "u"))[0] == "BL03000142"
    account = store.find("GLACCOUNT", ACCOUNTNO="6220")[0]["RECORDNO"]
    assert errors(lambda: store.delete("GLACCOUNT", [account], ALL, "u"))[0] == "BL03000143"


def test_read_only_objects_reject_writes(store, us):
    assert errors(lambda: store.create("AUDITHISTORY", el("<AUDITHISTORY/>"), us, "u"))[0] == "BL01001976"


def test_glaccount_duplicate_uses_the_documented_text(store):
    with pytest.raises(GatewayError) as failure:
        store.create("GLACCOUNT", el("<GLACCOUNT><ACCOUNTNO>6220</ACCOUNTNO><TITLE>x</TITLE></GLACCOUNT>"), ALL, "u")
    assert failure.value.details[0].description == "Duplicate account number"
    assert failure.value.details[0].correction == "Enter unique account number"


def test_savepoint_rollback_undoes_creates_updates_and_deletes(store, us):
    vendor = us_vendor(store)["VENDORID"]
    before_counts = store.counts()
    existing = store.find("VENDOR", VENDORID=vendor)[0]
    token = store.savepoint()
    bill = store.create("APBILL", bill_xml(vendor), us, "u")["RECORDNO"]
    store.update("VENDOR", el(f"<VENDOR><VENDORID>{vendor}</VENDORID><NAME>Temp</NAME></VENDOR>"), us, "u")
    store.delete("APBILL", [bill], us, "u")
    store.rollback(token)
    assert store.counts() == before_counts
    assert store.find("VENDOR", VENDORID=vendor)[0] == existing
    # the store keeps working after a rollback, and numbers stay unique
    again = store.create("APBILL", bill_xml(vendor), us, "u")["RECORDNO"]
    assert store.get("APBILL", int(again))["VENDORID"] == vendor


def test_ui_operations_act_as_admin_from_the_ui(store):
    row = store.ui_create("VENDOR", {"VENDORID": "UI-1", "NAME": "From UI",
                                     "DISPLAYCONTACT": {"EMAIL1": "ui@example.com"}}, entity="CA01")
    assert row["MEGAENTITYID"] == "CA01" and row["DISPLAYCONTACT.EMAIL1"] == "ui@example.com"
    changed = store.ui_update("VENDOR", int(row["RECORDNO"]), {"STATUS": "inactive"})
    assert changed["STATUS"] == "inactive" and changed["MODIFIEDBY"] == "1"
    store.ui_delete("VENDOR", int(row["RECORDNO"]))
    events = store.find("AUDITHISTORY", OBJECTKEY=row["RECORDNO"], OBJECTTYPE="vendor")
    assert [(e["ACCESSMODE"], e["SOURCE"], e["USERID"]) for e in events] == [
        ("Create", "ui", "Admin"), ("Modify", "ui", "Admin"), ("Delete", "ui", "Admin")]
    bill = store.ui_create("APBILL", {"VENDORID": "V0002", "WHENCREATED": "05/01/2024", "WHENDUE": "05/02/2024",
                                      "APBILLITEMS": {"APBILLITEM": [{"ACCOUNTNO": "6220", "TRX_AMOUNT": "12",
                                                                      "LOCATIONID": "US01"}]}}, entity="US01")
    assert bill["TRX_TOTALENTERED"] == "12"
