"""The request envelope: control block validation, hardened parsing, authentication and response basics."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.intacct_emulator.emulator_requests import (
    COMPANY,
    envelope,
    error_block,
    login_xml,
    session_auth,
)

pytestmark = pytest.mark.unit

VENDORS_BY_QUERY = (
    "<readByQuery><object>VENDOR</object><query></query><fields>RECORDNO</fields></readByQuery>"
)


def control_error(answer) -> dict[str, str]:
    root = answer.root
    assert root.findtext("control/status") == "failure", answer.body
    assert root.find("operation") is None
    return error_block(root)[0]


@pytest.mark.parametrize(
    "body",
    [
        b"not xml at all",
        b"<request><control></request>",
        b"",
    ],
)
def test_malformed_xml_is_a_control_failure_xl03000003(gw, body):
    answer = gw.post(body)
    assert answer.status == 200
    error = control_error(answer)
    assert error["errorno"] == "XL03000003"
    assert error["description2"].startswith("XML Parse schema error: ")


def test_entities_and_doctype_are_refused_without_expansion(gw, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE request [<!ENTITY x SYSTEM "file://{secret}">]>'
        "<request><control><senderid>&x;</senderid></control></request>"
    ).encode()
    answer = gw.post(body)
    assert b"TOP-SECRET" not in answer.body
    assert control_error(answer)["errorno"] == "XL03000003"


def test_billion_laughs_is_refused(gw):
    body = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        b"<request>&b;</request>"
    )
    assert control_error(gw.post(body))["errorno"] == "XL03000003"


def test_wrong_root_and_missing_blocks_are_schema_errors(gw):
    assert "validation root" in control_error(gw.post(b"<req/>"))["description2"]
    assert "control" in control_error(gw.post(b"<request/>"))["description2"]
    no_operation = envelope(VENDORS_BY_QUERY).split(b"<operation")[0] + b"</request>"
    assert "operation" in control_error(gw.post(no_operation))["description2"]


def test_only_dtd_version_3_is_spoken(gw):
    body = envelope(VENDORS_BY_QUERY).replace(
        b"<dtdversion>3.0</dtdversion>", b"<dtdversion>2.1</dtdversion>"
    )
    error = control_error(gw.post(body))
    assert error["errorno"] == "XL03000003" and "'2.1'" in error["description2"]


def test_unknown_function_is_a_schema_error(gw):
    error = control_error(gw.call("<get_list object='vendor'/>"))
    assert error["errorno"] == "XL03000003" and "get_list" in error["description2"]


def test_function_without_controlid_is_a_schema_error(gw):
    error = control_error(gw.call(f"<function>{VENDORS_BY_QUERY}</function>"))
    assert "controlid" in error["description2"]


def test_get_api_session_must_be_alone(gw):
    error = control_error(gw.call("<getAPISession/>", VENDORS_BY_QUERY))
    assert error["errorno"] == "XL03000003" and "only function" in error["description2"]


def test_wrong_sender_password_is_a_control_failure_and_echoes_the_sender(gw):
    answer = gw.call(VENDORS_BY_QUERY, sender_password="nope")
    error = control_error(answer)
    assert error == {
        "errorno": "XL03000006",
        "description": "",
        "description2": "Incorrect Intacct XML Partner ID or password.",
        "correction": "",
    }
    assert answer.root.findtext("control/senderid") == "Paymentus"
    assert answer.root.findtext("control/controlid") == "req-1"


def test_unknown_sender_is_a_control_failure(gw):
    assert control_error(gw.call(VENDORS_BY_QUERY, sender="Nobody"))["errorno"] == "XL03000006"


def test_sender_not_authorized_for_the_company_gets_the_documented_texts(gw):
    answer = gw.call(VENDORS_BY_QUERY, sender="Unauthorized")
    assert answer.root.findtext("control/status") == "success"
    assert answer.root.findtext("operation/authentication/status") == "failure"
    assert answer.results() == []
    assert error_block(answer.root.find("operation")) == [
        {
            "errorno": "XL03000006",
            "description": "Invalid Web Services Authorization",
            "description2": "The sender ID 'Unauthorized' is not authorized to make Web Services requests to "
            "company ID 'DEMO'.",
            "correction": "Contact the company administrator to grant Web Services authorization to this "
            "sender ID.",
        }
    ]


@pytest.mark.parametrize("login", [login_xml(password="wrong"), login_xml(user="Nobody")])
def test_bad_user_credentials_sign_in_incorrect(gw, login):
    answer = gw.call(VENDORS_BY_QUERY, auth=login)
    assert answer.status == 200
    assert answer.errornos() == ["XL03000006"]
    assert (
        answer.root.findtext("operation/errormessage/error/description2")
        == "Sign-in information is incorrect"
    )


def test_bad_login_can_answer_http_401_like_newer_gateways(gw, emu):
    emu.admin.set_faults(http_401_for_bad_login=True)
    answer = gw.call(VENDORS_BY_QUERY, auth=login_xml(password="wrong"))
    assert answer.status == 401
    error = control_error(answer)
    assert error["errorno"] == "XMLGW_JPP0002"
    assert error["description"] == "Sign-in information is incorrect. Please check your request."
    # the switch does not change answers to good credentials
    assert gw.call(VENDORS_BY_QUERY).status == 200


def test_unknown_entity_names_the_entity(gw):
    answer = gw.call(VENDORS_BY_QUERY, auth=login_xml(entity="ZZ99"))
    assert answer.root.findtext("operation/authentication/status") == "failure"
    assert answer.root.findtext("operation/authentication/locationid") == "ZZ99"
    assert "'ZZ99'" in answer.root.findtext("operation/errormessage/error/description2")


def test_unknown_session_is_invalid(gw):
    answer = gw.call(VENDORS_BY_QUERY, auth=session_auth("made-up-session"))
    auth = answer.root.find("operation/authentication")
    assert (
        auth.findtext("status") == "failure"
        and auth.findtext("userid") == ""
        and auth.findtext("companyid") == ""
    )
    assert answer.root.findtext("operation/errormessage/error/description2") == "Invalid session"


def test_role_without_the_module_gets_pl04000005(gw):
    answer = gw.call(
        VENDORS_BY_QUERY,
        "<query><object>GLACCOUNT</object><select><field>RECORDNO</field></select></query>",
        auth=login_xml(user="Limited-Web"),
    )
    denied, allowed = answer.results()
    assert denied.findtext("status") == "failure"
    error = error_block(denied)[0]
    assert error["errorno"] == "PL04000005"
    assert error["description2"].startswith(
        "You do not have permission for API operation READ_BY_QUERY on objects of type vendor"
    )
    assert allowed.findtext("status") == "success"


@pytest.mark.parametrize(
    "function, operation",
    [
        ("<query><object>APBILL</object><select><field>RECORDNO</field></select></query>", "QUERY"),
        ("<read><object>VENDOR</object><keys>1</keys></read>", "READ"),
        ("<readByName><object>VENDOR</object><keys>V1</keys></readByName>", "READ"),
        ("<create><VENDOR><VENDORID>X</VENDORID><NAME>X</NAME></VENDOR></create>", "CREATE"),
        ("<update><VENDOR><RECORDNO>1</RECORDNO><NAME>X</NAME></VENDOR></update>", "UPDATE"),
        ("<delete><object>APBILL</object><keys>1</keys></delete>", "DELETE"),
    ],
)
def test_permission_names_the_operation_of_each_function(gw, function, operation):
    answer = gw.call(function, auth=login_xml(user="Limited-Web"))
    assert f"API operation {operation} on objects of type" in error_block(answer.result())[0]["description2"]


def test_include_whitespace_controls_pretty_printing(gw):
    compact = gw.call(VENDORS_BY_QUERY, whitespace=False).body
    pretty = gw.call(VENDORS_BY_QUERY, whitespace=True).body
    assert compact.count(b"\n") <= 1 < pretty.count(b"\n")


def test_uniqueid_true_refuses_a_completed_controlid_and_does_nothing_again(gw, emu):
    create = (
        '<function controlid="vendor:V-UNIQ"><create><VENDOR><VENDORID>V-UNIQ</VENDORID><NAME>Uniq'
        "</NAME><DISPLAYCONTACT><PRINTAS>Uniq</PRINTAS></DISPLAYCONTACT></VENDOR></create></function>"
    )
    first = gw.call(create, uniqueid=True).result()
    assert first.findtext("status") == "success"
    count = emu.admin.stats()["records"][COMPANY]["VENDOR"]
    again = gw.call(create, uniqueid=True).result()
    assert again.findtext("status") == "failure"
    error = error_block(again)[0]
    assert error["errorno"] == "XL03000004"
    assert "'vendor:V-UNIQ' has already been executed" in error["description2"]
    assert emu.admin.stats()["records"][COMPANY]["VENDOR"] == count


def test_uniqueid_false_allows_repeating_a_controlid(gw):
    read = '<function controlid="same">' + VENDORS_BY_QUERY + "</function>"
    assert gw.call(read, uniqueid=False).result().findtext("status") == "success"
    assert gw.call(read, uniqueid=False).result().findtext("status") == "success"


def test_uniqueid_defaults_to_true_when_omitted(gw):
    body = envelope('<function controlid="twice">' + VENDORS_BY_QUERY + "</function>").replace(
        b"<uniqueid>false</uniqueid>", b""
    )
    assert gw.post(body).result().findtext("status") == "success"
    assert gw.post(body).result().findtext("status") == "failure"


def test_a_failed_function_can_be_retried_with_the_same_controlid(gw):
    bad = (
        '<function controlid="retry-me"><create><VENDOR><NAME>No id or contact</NAME></VENDOR></create>'
        "</function>"
    )
    assert gw.call(bad, uniqueid=True).result().findtext("status") == "failure"
    assert error_block(gw.call(bad, uniqueid=True).result())[0]["errorno"] != "XL03000004"


def test_rows_are_escaped_and_nested_lines_keep_their_container():
    from lxml import etree

    from intacct_emulator import protocol

    response = etree.Element("response")
    data = protocol.data(response, {"listtype": "APBILL", "count": 2})
    protocol.add_rows(
        data,
        "APBILL",
        [
            {"RECORDNO": "1", "DESCRIPTION": 'Fish & <Chips> -- "fresh"', "MEMO": None},
            {
                "RECORDNO": "2",
                "DESCRIPTION": "",
                "APBILLITEMS": [{"LINE_NO": "1", "TRX_AMOUNT": "10.5"}, {"LINE_NO": "2", "TRX_AMOUNT": "3"}],
            },
        ],
    )
    for pretty in (False, True):
        parsed = etree.fromstring(protocol.serialize(response, pretty=pretty))
        rows = parsed.findall("data/APBILL")
        assert rows[0].findtext("DESCRIPTION") == 'Fish & <Chips> -- "fresh"'
        assert rows[0].find("MEMO").text is None and rows[1].findtext("DESCRIPTION") == ""
        assert [line.findtext("TRX_AMOUNT") for line in rows[1].findall("APBILLITEMS/apbillitem")] == [
            "10.5",
            "3",
        ]
    compact = protocol.serialize(response, pretty=False)
    assert compact.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<response>')
    assert b"<MEMO></MEMO>" in compact and b"<!--" not in compact


_CELL = st.one_of(st.none(), st.lists(st.sampled_from(list("ab1 -<>&\"'%é€") + ["--", "-->", "<!--", "#0"]),
                                     max_size=6).map("".join))
_FIELDS = ("RECORDNO", "DESCRIPTION", "MEMO")


@settings(max_examples=150, deadline=None)
@given(
    pages=st.lists(
        st.lists(
            st.one_of(
                st.fixed_dictionaries({name: _CELL for name in _FIELDS}),
                st.dictionaries(st.sampled_from(_FIELDS), _CELL, max_size=3),
                st.fixed_dictionaries({"RECORDNO": _CELL, "APBILLITEMS": st.lists(
                    st.fixed_dictionaries({"LINE_NO": _CELL, "MEMO": _CELL}), max_size=2)}),
            ),
            max_size=5,
        ),
        min_size=1,
        max_size=3,
    ),
    pretty=st.booleans(),
)
def test_an_answer_reads_the_same_whether_its_rows_are_kept_beside_the_tree_or_in_it(pages, pretty):
    """The gateway keeps a page's text beside the response tree until it writes the answer; the bytes are
    those of rows written into the tree (where a comment cannot hold "--", written "-&#45;" there: the same
    text to a parser, and "&" in a value is always escaped), and they parse back to the values given."""
    from lxml import etree

    from intacct_emulator import protocol

    def answer() -> bytes:
        response = etree.Element("response")
        for rows in pages:
            protocol.add_rows(protocol.data(response, {"count": len(rows)}), "APBILL", rows)
        return protocol.serialize(response, pretty=pretty)

    inline = answer()
    with protocol.answer_scope():
        beside = answer()
    assert beside == inline.replace(b"-&#45;", b"--")
    parsed = etree.fromstring(beside, etree.XMLParser(resolve_entities=False))
    for data, rows in zip(parsed.findall("data"), pages, strict=True):
        read = data.findall("APBILL")
        assert len(read) == len(rows)
        for element, row in zip(read, rows, strict=True):
            for name, value in row.items():
                if isinstance(value, list):
                    lines = element.findall(f"{name}/apbillitem")
                    assert [(line.findtext("LINE_NO"), line.findtext("MEMO")) for line in lines] == [
                        (item["LINE_NO"] or "", item["MEMO"] or "") for item in value]
                else:
                    assert (element.findtext(name) or "") == (value or "")


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.fixed_dictionaries({name: _CELL.map(lambda v: v or "") for name in _FIELDS}), max_size=6))
def test_a_page_written_from_its_columns_is_the_page_written_from_its_rows(rows):
    """The gateway writes a query's page from columns of text (``TextColumns``): the same answer as from
    the same rows as mappings, and iterating the columns gives those mappings."""
    from lxml import etree

    from intacct_emulator import protocol

    rows = [{name: row[name] for name in _FIELDS} for row in rows]  # the fields in the columns' order
    columns = protocol.TextColumns(_FIELDS, [[row[name] for row in rows] for name in _FIELDS])
    assert list(columns) == rows and len(columns) == len(rows)
    answers = []
    for page in (rows, columns):
        response = etree.Element("response")
        protocol.add_rows(protocol.data(response, {"count": len(page)}), "APBILL", page)
        with protocol.answer_scope():
            answers.append(protocol.serialize(response, pretty=False))
    assert answers[0] == answers[1]


def test_empty_select_field_is_refused(gw):
    result = gw.call("<query><object>VENDOR</object><select><field></field></select></query>").result()
    assert result.findtext("status") == "failure"


def test_passwords_are_compared_exactly(gw):
    assert gw.call(VENDORS_BY_QUERY, auth=login_xml(password=" demo-user-pw ")).errornos() == ["XL03000006"]
    assert (
        control_error(gw.call(VENDORS_BY_QUERY, sender_password="demo-sender-pw "))["errorno"] == "XL03000006"
    )
