"""Function arguments and limits: page sizes, key counts, query schema rules, ordering, readMore."""

from __future__ import annotations

import pytest

from intacct_emulator import Emulator
from tests.intacct_emulator.emulator_requests import Gateway, error_block, session_auth

pytestmark = pytest.mark.unit

UNORDERED_VENDORS = (
    "<query><object>VENDOR</object><select><field>RECORDNO</field></select><pagesize>20</pagesize></query>"
)


def status_and_errors(answer, index: int = 0) -> tuple[str, list[dict[str, str]]]:
    result = answer.result(index)
    return result.findtext("status"), error_block(result)


def control_errorno(answer) -> str:
    assert answer.root.findtext("control/status") == "failure", answer.body
    return answer.root.findtext("errormessage/error/errorno")


@pytest.mark.parametrize("page_size", ["0", "1001", "ten"])
def test_read_by_query_page_size_must_be_1_to_1000(gw, page_size):
    status, errors = status_and_errors(
        gw.call(
            f"<readByQuery><object>VENDOR</object><query></query><pagesize>{page_size}</pagesize>"
            "</readByQuery>"
        )
    )
    assert status == "failure" and errors[0]["errorno"] == "DL02000001"
    assert "pagesize" in errors[0]["description2"]


def test_read_by_query_default_page_is_100(gw):
    data = (
        gw.call("<readByQuery><object>VENDOR</object><query></query><fields>RECORDNO</fields></readByQuery>")
        .result()
        .find("data")
    )
    assert data.get("count") == "100"


@pytest.mark.parametrize(
    "query_text",
    [
        "VENDORID = 'V0001' ORDER BY RECORDNO",
        "WHENMODIFIED >= '2024-01-01T00:00:00Z'",
    ],
)
def test_read_by_query_rejects_order_by_and_iso_literals_with_dl02000001(gw, query_text):
    status, errors = status_and_errors(
        gw.call(f"<readByQuery><object>VENDOR</object><query>{query_text}</query></readByQuery>")
    )
    assert status == "failure" and errors[0]["errorno"] == "DL02000001"


def test_read_by_query_with_unknown_field_fails(gw):
    status, errors = status_and_errors(
        gw.call(
            "<readByQuery><object>VENDOR</object><query></query><fields>RECORDNO,NOPE</fields></readByQuery>"
        )
    )
    assert status == "failure" and "NOPE" in errors[0]["description2"]


def test_read_more_by_object_continues_the_latest_result(gw):
    session = gw.open_session()
    first = (
        gw.call(
            "<readByQuery><object>GLACCOUNT</object><query></query><fields>RECORDNO</fields>"
            "<pagesize>10</pagesize></readByQuery>",
            auth=session_auth(session),
        )
        .result()
        .find("data")
    )
    more = gw.call("<readMore><object>GLACCOUNT</object></readMore>", auth=session_auth(session)).result()
    assert more.findtext("status") == "success"
    first_keys = {row.findtext("RECORDNO") for row in first}
    more_keys = {row.findtext("RECORDNO") for row in more.find("data")}
    assert len(more_keys) == 10 and not first_keys & more_keys


def test_read_more_keeps_the_snapshot_when_records_change(gw, emu):
    first = (
        gw.call(
            "<readByQuery><object>VENDOR</object><query></query><fields>RECORDNO</fields>"
            "<pagesize>1000</pagesize></readByQuery>"
        )
        .result()
        .find("data")
    )
    total = int(first.get("totalcount"))
    small = (
        gw.call(
            "<readByQuery><object>VENDOR</object><query></query><fields>RECORDNO</fields>"
            "<pagesize>50</pagesize></readByQuery>"
        )
        .result()
        .find("data")
    )
    emu.admin.ui_create(
        "DEMO", "VENDOR", {"VENDORID": "V-SNAP", "NAME": "Snap", "DISPLAYCONTACT": {"PRINTAS": "Snap"}}
    )
    result_id, seen = small.get("resultId"), 50
    while True:
        data = gw.call(f"<readMore><resultId>{result_id}</resultId></readMore>").result().find("data")
        assert data.get("totalcount") == str(total)
        seen += int(data.get("count"))
        if data.get("numremaining") == "0":
            break
    assert seen == total


def test_read_more_without_arguments_fails_clearly(gw):
    status, errors = status_and_errors(gw.call("<readMore/>"))
    assert status == "failure" and "resultId" in errors[0]["description2"]


def test_query_page_size_above_2000_is_a_schema_error(gw):
    assert (
        control_errorno(
            gw.call(
                "<query><object>VENDOR</object><select><field>RECORDNO</field></select>"
                "<pagesize>2001</pagesize></query>"
            )
        )
        == "XL03000003"
    )


def test_query_accepts_2000_rows_per_page(gw):
    result = gw.call(
        "<query><object>APBILL</object><select><field>RECORDNO</field></select>"
        "<options><showprivate>true</showprivate></options><pagesize>2000</pagesize></query>"
    ).result()
    assert result.findtext("status") == "success"
    data = result.find("data")
    assert int(data.get("count")) == min(2000, int(data.get("totalcount")))


def test_query_in_with_more_than_1000_values_is_a_schema_error(gw):
    values = "".join(f"<value>{n}</value>" for n in range(1001))
    answer = gw.call(
        f"<query><object>VENDOR</object><select><field>RECORDNO</field></select>"
        f"<filter><in><field>RECORDNO</field>{values}</in></filter></query>"
    )
    assert control_errorno(answer) == "XL03000003"
    assert "Element 'value': This element is not expected" in answer.root.findtext(
        "errormessage/error/description2"
    )


def test_query_in_with_1000_values_works(gw):
    values = "".join(f"<value>{n}</value>" for n in range(1, 1001))
    result = gw.call(
        f"<query><object>VENDOR</object><select><field>RECORDNO</field></select>"
        f"<filter><in><field>RECORDNO</field>{values}</in></filter></query>"
    ).result()
    assert result.findtext("status") == "success"


@pytest.mark.parametrize(
    "bad",
    [
        "<query><object>VENDOR</object></query>",
        "<query><object>VENDOR</object><select/></query>",
        "<query><object>VENDOR</object><select><field>RECORDNO</field></select><filter><equalto>"
        "<field>NAME</field>"
        "<value>a</value></equalto><equalto><field>NAME</field><value>b</value></equalto></filter></query>",
        "<query><object>VENDOR</object><select><field>RECORDNO</field></select><filter><and><equalto>"
        "<field>NAME"
        "</field><value>a</value></equalto></and></filter></query>",
    ],
)
def test_query_schema_violations_fail_the_request(gw, bad):
    assert control_errorno(gw.call(bad)) == "XL03000003"


def test_query_refuses_star_in_select(gw):
    status, errors = status_and_errors(
        gw.call("<query><object>VENDOR</object><select><field>*</field></select></query>")
    )
    assert status == "failure" and "'*'" in errors[0]["description2"]


def test_query_case_insensitive_option(gw):
    name = gw.call(
        "<query><object>VENDOR</object><select><field>NAME</field></select><orderby><order><field>"
        "RECORDNO</field></order></orderby><pagesize>1</pagesize></query>"
    ).root.findtext("operation/result/data/VENDOR/NAME")
    lowered = (
        f"<query><object>VENDOR</object><select><field>NAME</field></select><filter><equalto><field>NAME"
        f"</field><value>{name.lower()}</value></equalto></filter>{{options}}</query>"
    )
    sensitive = gw.call(lowered.format(options="")).result().find("data")
    insensitive = (
        gw.call(lowered.format(options="<options><caseinsensitive>true</caseinsensitive></options>"))
        .result()
        .find("data")
    )
    assert sensitive.get("count") == "0" and int(insensitive.get("count")) >= 1


def test_query_without_orderby_changes_order_between_calls(gw):
    query = UNORDERED_VENDORS
    orders = {tuple(row.findtext("RECORDNO") for row in gw.call(query).root.iter("VENDOR")) for _ in range(6)}
    assert len(orders) > 1


def test_query_order_variation_replays_with_the_seed():
    query = UNORDERED_VENDORS

    def orders(seed: int) -> list[tuple[str, ...]]:
        gateway = Gateway(Emulator.from_dataset("demo", seed=seed))
        return [
            tuple(row.findtext("RECORDNO") for row in gateway.call(query).root.iter("VENDOR"))
            for _ in range(3)
        ]

    assert orders(5) == orders(5)


def test_query_with_orderby_is_stable(gw):
    query = (
        "<query><object>VENDOR</object><select><field>RECORDNO</field></select><orderby><order><field>"
        "RECORDNO</field><descending/></order></orderby><pagesize>20</pagesize></query>"
    )
    first = [int(row.findtext("RECORDNO")) for row in gw.call(query).root.iter("VENDOR")]
    assert first == sorted(first, reverse=True)
    assert first == [int(row.findtext("RECORDNO")) for row in gw.call(query).root.iter("VENDOR")]


def test_read_accepts_at_most_100_keys(gw):
    keys = ",".join(str(n) for n in range(1, 102))
    status, errors = status_and_errors(gw.call(f"<read><object>VENDOR</object><keys>{keys}</keys></read>"))
    assert status == "failure" and "at most 100" in errors[0]["description2"]


def test_read_needs_keys(gw):
    status, errors = status_and_errors(gw.call("<read><object>VENDOR</object><keys></keys></read>"))
    assert status == "failure" and "keys" in errors[0]["description2"]


def test_unsupported_return_format_is_refused(gw):
    status, errors = status_and_errors(
        gw.call(
            "<readByQuery><object>VENDOR</object><query></query><returnFormat>csv</returnFormat>"
            "</readByQuery>"
        )
    )
    assert status == "failure" and "csv" in errors[0]["description2"]


def test_empty_create_fails_clearly(gw):
    status, errors = status_and_errors(gw.call("<create/>"))
    assert status == "failure" and "no object" in errors[0]["description2"]


def test_delete_of_a_missing_record_fails(gw):
    status, errors = status_and_errors(
        gw.call("<delete><object>VENDOR</object><keys>99999999</keys></delete>")
    )
    assert status == "failure" and errors
