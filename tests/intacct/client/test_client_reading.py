from datetime import UTC, datetime
from decimal import Decimal

import pytest
from intacct_client_fakes import FakeGateway, answer, make_client, query_data, result
from lxml import etree

from intacct.client import ClientSettings

pytestmark = pytest.mark.unit


def page(rows, numremaining=0, totalcount=None, obj="APBILL"):
    return answer(lambda r: result("query", r.control_ids[0], query_data(obj, rows, numremaining=numremaining,
                                                                        totalcount=totalcount)))


def test_single_row_and_empty_results_are_lists_of_typed_records():
    row = {"RECORDNO": "1350", "TOTALDUE": "5900", "WHENDUE": "05/01/2012", "WHENMODIFIED": "09/16/2013 15:50:21",
           "ONHOLD": "false", "DESCRIPTION": ""}
    gateway = FakeGateway(page([row]), page([]))
    client = make_client(gateway)
    (record,) = client.iter_records("APBILL", ["TOTALDUE", "WHENDUE", "ONHOLD", "DESCRIPTION"])
    assert record == {"TOTALDUE": Decimal("5900"), "WHENDUE": datetime(2012, 5, 1).date(), "ONHOLD": False,
                      "DESCRIPTION": None, "RECORDNO": 1350,
                      "WHENMODIFIED": datetime(2013, 9, 16, 22, 50, 21, tzinfo=UTC)}
    assert list(client.iter_records("APBILL", ["TOTALDUE"])) == []


def test_a_text_repeated_across_a_page_is_one_string_and_distinct_texts_stay_distinct():
    rows = [{"RECORDNO": str(n), "CURRENCY": "USD", "VENDORID": f"V{n % 2}", "DESCRIPTION": f"bill {n}"}
            for n in range(1, 5)]
    client = make_client(FakeGateway(page(rows), page([])))
    records = list(client.iter_records("APBILL", ["CURRENCY", "VENDORID", "DESCRIPTION"]))
    assert [r["VENDORID"] for r in records] == ["V1", "V0", "V1", "V0"]
    assert len({id(r["CURRENCY"]) for r in records}) == 1  # pickled to the sync once, then referred to
    assert len({id(r["VENDORID"]) for r in records}) == 2
    assert [r["DESCRIPTION"] for r in records] == ["bill 1", "bill 2", "bill 3", "bill 4"]


def test_query_request_shape_and_keyset_condition_on_the_next_page():
    first = [{"RECORDNO": "1", "WHENMODIFIED": "01/02/2024 10:00:00"},
             {"RECORDNO": "2", "WHENMODIFIED": "01/02/2024 10:00:00"}]
    gateway = FakeGateway(page(first, numremaining=1), page([{"RECORDNO": "3",
                                                               "WHENMODIFIED": "01/02/2024 10:00:00"}]))
    client = make_client(gateway, settings=ClientSettings(page_size=2))
    pages = list(client.iter_pages("APBILL", ["RECORDNO"]))
    assert [len(p.records) for p in pages] == [2, 1]
    assert pages[0].cursor == (datetime(2024, 1, 2, 18, 0, tzinfo=UTC), 2)
    first_q, second_q = (r.functions[0] for r in gateway.data_requests)
    assert first_q.findtext("object") == "APBILL" and first_q.findtext("pagesize") == "2"
    assert [f.text for f in first_q.iterfind("orderby/order/field")] == ["WHENMODIFIED", "RECORDNO"]
    assert first_q.find("filter") is None
    assert gateway.data_requests[0].text("control/uniqueid") == "false"
    keyset = etree.tostring(second_q.find("filter")).decode()
    assert keyset == (
        "<filter><or><greaterthan><field>WHENMODIFIED</field><value>01/02/2024 10:00:00</value></greaterthan>"
        "<and><equalto><field>WHENMODIFIED</field><value>01/02/2024 10:00:00</value></equalto>"
        "<greaterthan><field>RECORDNO</field><value>2</value></greaterthan></and></or></filter>")


def test_incremental_filter_is_combined_with_the_callers_filter():
    from intacct.client import filters as F
    gateway = FakeGateway(page([]))
    client = make_client(gateway)
    since = datetime(2024, 7, 1, 17, 0, tzinfo=UTC)
    list(client.iter_records("APBILL", ["RECORDNO"], modified_since=since, where=F.eq("STATE", "Posted")))
    sent = etree.tostring(gateway.data_requests[0].functions[0].find("filter")).decode()
    assert "<equalto><field>STATE</field><value>Posted</value></equalto>" in sent
    assert "<greaterthanorequalto><field>WHENMODIFIED</field><value>07/01/2024 10:00:00</value>" in sent


def test_rows_with_empty_whenmodified_are_read_in_a_second_pass_by_recordno():
    # The first page counts 3 rows but returns the 2 ordered ones; the third has no WHENMODIFIED.
    first = [{"RECORDNO": "5", "WHENMODIFIED": "01/02/2024 10:00:00"},
             {"RECORDNO": "6", "WHENMODIFIED": "01/03/2024 10:00:00"}]
    gateway = FakeGateway(page(first, totalcount=3), page([{"RECORDNO": "9", "WHENMODIFIED": ""}]))
    records = list(make_client(gateway).iter_records("APBILL", ["RECORDNO"]))
    assert [r["RECORDNO"] for r in records] == [5, 6, 9]
    null_pass = etree.tostring(gateway.data_requests[1].functions[0].find("filter")).decode()
    assert "<isnull><field>WHENMODIFIED</field></isnull>" in null_pass


def test_bill_lines_use_in_chunks_of_at_most_1000_values():
    gateway = FakeGateway(default=page([], obj="APBILLITEM"))
    lines = make_client(gateway).read_bill_lines(range(1, 2501))
    assert len(lines) == 2500 and all(v == [] for v in lines.values())
    sizes = [len(r.functions[0].findall("filter/in/value")) for r in gateway.data_requests]
    assert sizes == [1000, 1000, 500]
