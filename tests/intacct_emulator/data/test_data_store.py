"""Reading records: filters evaluated on real data, ordering, paging, visibility and formatting."""

import datetime as dt

import pytest
from lxml import etree

from intacct_emulator.data import Scope, build_dataset, parse_query_filter, parse_read_by_query
from intacct_emulator.errors import GatewayError

pytestmark = pytest.mark.unit
ORDER = [("WHENMODIFIED", False), ("RECORDNO", False)]
ALL = Scope(None, show_private=True)


def q(store, obj, text=None, scope=ALL, **kw):
    kw.setdefault("limit", 100000)
    return store.query(obj, fields=kw.pop("fields", None), where=parse_read_by_query(text), scope=scope, **kw)


def test_module_of_objects(store):
    assert store.module_of("GLACCOUNT") == "General Ledger"
    assert store.module_of("vendor") == "Accounts Payable"
    assert store.module_of("APBILLITEM") == "Accounts Payable"
    assert store.module_of("AUDITHISTORY") == "Company"
    with pytest.raises(GatewayError) as failure:
        store.module_of("ARINVOICEX")
    assert "ARINVOICEX" in failure.value.details[0].description2


def test_every_comparison_operator_on_numbers(store):
    total = q(store, "APBILL").total
    assert q(store, "APBILL", "RECORDNO = 10").total == 1
    assert q(store, "APBILL", "RECORDNO != 10").total == total - 1
    assert q(store, "APBILL", "RECORDNO <> 10").total == total - 1
    assert q(store, "APBILL", "RECORDNO < 10").total == 9
    assert q(store, "APBILL", "RECORDNO <= 10").total == 10
    assert q(store, "APBILL", "RECORDNO > 990").total == 10
    assert q(store, "APBILL", "RECORDNO >= 990").total == 11
    assert q(store, "APBILL", "RECORDNO in (1, 2, 99999)").total == 2
    assert q(store, "APBILL", "RECORDNO not in (1, 2)").total == total - 2


def test_text_like_in_null_and_case_sensitivity(store):
    vendors = q(store, "VENDOR").rows
    acme = [v for v in vendors if v["NAME"].startswith("Acme")]
    assert q(store, "VENDOR", "NAME like 'Acme%'").total == len(acme) > 0
    assert q(store, "VENDOR", "NAME like 'acme%'").total == 0  # case-sensitive by default
    result = store.query("VENDOR", fields=["NAME"], where=parse_read_by_query("NAME like 'acme%'"), scope=ALL,
                         limit=1000, case_insensitive=True)
    assert result.total == len(acme)
    assert q(store, "VENDOR", "NAME not like 'Acme%'").total == len(vendors) - len(acme)
    assert q(store, "VENDOR", "VENDORID like 'V000_'").total == 9
    with_tax = [v for v in vendors if v["TAXID"]]
    assert q(store, "VENDOR", "TAXID IS NOT NULL").total == len(with_tax) > 0
    assert q(store, "VENDOR", "TAXID IS NULL").total == len(vendors) - len(with_tax)
    # an empty value satisfies only IS NULL, also under NOT (Oracle semantics)
    assert q(store, "VENDOR", "TAXID != 'x'").total == len(with_tax)
    assert q(store, "VENDOR", "NOT (TAXID = 'x')").total == len(with_tax)
    first = vendors[0]["VENDORID"]
    assert q(store, "VENDOR", f"VENDORID in ('{first}', 'NOPE')").total == 1


def test_status_codes_and_labels_both_work(store):
    active = q(store, "VENDOR", "STATUS = 'active'").total
    assert active == q(store, "VENDOR", "STATUS = 'T'").total > 0
    assert q(store, "VENDOR", "STATUS = 'F'").total == q(store, "VENDOR").total - active
    assert q(store, "APBILL", "STATE = 'Paid'").total == q(store, "APBILL", "STATE = 'P'").total > 0
    assert q(store, "GLACCOUNT", "ACCOUNTTYPE = 'I'").total == q(store, "GLACCOUNT",
                                                                 "ACCOUNTTYPE = 'incomestatement'").total


def test_date_and_timestamp_literals(store):
    rows = q(store, "APBILL", fields=["RECORDNO", "WHENCREATED", "WHENMODIFIED"]).rows
    day = rows[500]["WHENCREATED"]
    as_date = dt.datetime.strptime(day, "%m/%d/%Y").date()
    same_day = [r for r in rows if r["WHENCREATED"] == day]
    later = [r for r in rows if dt.datetime.strptime(r["WHENCREATED"], "%m/%d/%Y").date() > as_date]
    assert q(store, "APBILL", f"WHENCREATED = '{day}'").total == len(same_day)
    assert q(store, "APBILL", f"WHENCREATED > '{day}'").total == len(later)
    assert q(store, "APBILL", f"WHENCREATED >= '{day} 00:00:00'").total == len(same_day) + len(later)
    stamp = rows[300]["WHENMODIFIED"]
    newer = [r for r in rows if dt.datetime.strptime(r["WHENMODIFIED"], "%m/%d/%Y %H:%M:%S")
             > dt.datetime.strptime(stamp, "%m/%d/%Y %H:%M:%S")]
    assert q(store, "APBILL", f"WHENMODIFIED > '{stamp}'").total == len(newer)


@pytest.mark.parametrize("text", ["WHENMODIFIED > '2024-01-01T00:00:00'", "WHENCREATED = '2024-01-01'",
                                  "WHENCREATED = '13/45/2024'", "RECORDNO = 'abc'"])
def test_bad_literals_give_dl02000001(store, text):
    with pytest.raises(GatewayError) as failure:
        q(store, "APBILL", text)
    assert failure.value.details[0].errorno == "DL02000001"


def test_unknown_fields_are_named_in_the_error(store):
    for call in (lambda: q(store, "VENDOR", "NOSUCH = 'x'"),
                 lambda: store.query("VENDOR", fields=["NAME", "NOSUCH"], scope=ALL),
                 lambda: store.query("VENDOR", order_by=[("NOSUCH", False)], scope=ALL)):
        with pytest.raises(GatewayError) as failure:
            call()
        assert "NOSUCH" in failure.value.details[0].description2


def test_keyset_pages_walk_every_row_once_in_order(store, us):
    seen = []
    cursor = None
    while True:
        if cursor is None:
            where = None
        else:
            xml = (f"<filter><or><greaterthan><field>WHENMODIFIED</field><value>{cursor[0]}</value></greaterthan>"
                   f"<and><equalto><field>WHENMODIFIED</field><value>{cursor[0]}</value></equalto>"
                   f"<greaterthan><field>RECORDNO</field><value>{cursor[1]}</value></greaterthan></and></or></filter>")
            where = parse_query_filter(etree.fromstring(xml))
        page = store.query("APBILL", fields=["RECORDNO", "WHENMODIFIED"], where=where, order_by=ORDER, scope=us,
                           offset=0, limit=97)
        if not page.rows:
            break
        seen.extend(page.rows)
        cursor = (page.rows[-1]["WHENMODIFIED"], page.rows[-1]["RECORDNO"])
    everything = q(store, "APBILL", scope=us, fields=["RECORDNO", "WHENMODIFIED"]).rows
    assert len(seen) == len(everything)
    assert len({r["RECORDNO"] for r in seen}) == len(seen)
    keys = [(dt.datetime.strptime(r["WHENMODIFIED"], "%m/%d/%Y %H:%M:%S"), int(r["RECORDNO"])) for r in seen]
    assert keys == sorted(keys)


def test_order_by_descending_text_and_offset(store):
    page = store.query("VENDOR", fields=["NAME"], order_by=[("NAME", True)], scope=ALL, offset=5, limit=10)
    names = [r["NAME"] for r in q(store, "VENDOR", fields=["NAME"]).rows]
    assert [r["NAME"] for r in page.rows] == sorted(names, reverse=True)[5:15]
    assert page.total == len(names)


def test_visibility_by_entity(store):
    owners = {r["MEGAENTITYID"] for r in q(store, "VENDOR", fields=["MEGAENTITYID"]).rows}
    assert owners == {"", "US01", "CA01"}
    us = {r["MEGAENTITYID"] for r in q(store, "VENDOR", scope=Scope("US01"), fields=["MEGAENTITYID"]).rows}
    assert us == {"", "US01"}
    top = {r["MEGAENTITYID"] for r in q(store, "VENDOR", scope=Scope(None), fields=["MEGAENTITYID"]).rows}
    assert top == {""}
    assert q(store, "APBILL", scope=Scope(None)).total == 0
    assert q(store, "APBILL", scope=Scope("US01")).total + q(store, "APBILL", scope=Scope("CA01")).total == 1000
    assert q(store, "GLACCOUNT", scope=Scope("CA01")).total == 60  # shared chart of accounts


def test_formatting_of_rows(store):
    bill = q(store, "APBILL", "STATE = 'Paid'").rows[0]
    assert list(bill)[:3] == ["RECORDNO", "RECORDTYPE", "RECORDID"]
    dt.datetime.strptime(bill["WHENCREATED"], "%m/%d/%Y")
    dt.datetime.strptime(bill["WHENMODIFIED"], "%m/%d/%Y %H:%M:%S")
    dt.datetime.strptime(bill["WHENPAID"], "%m/%d/%Y")
    assert bill["TRX_TOTALDUE"] == "0"
    for row in q(store, "APBILL").rows:
        for amount in ("TRX_TOTALENTERED", "TRX_TOTALPAID", "TRX_TOTALDUE"):
            assert not row[amount].endswith(".00") and (row[amount].count(".") == 0 or
                                                         not row[amount].endswith("0"))
    vendor = q(store, "VENDOR").rows[0]
    assert "DISPLAYCONTACT.MAILADDRESS.CITY" in vendor and vendor["DISPLAYCONTACT.MAILADDRESS.ADDRESS2"] == ""
    account = q(store, "GLACCOUNT").rows[0]
    dt.datetime.strptime(account["WHENCREATED"], "%m/%d/%Y %H:%M:%S")


def test_timestamps_are_company_local_time(world, store):
    row = store.ui_create("VENDOR", {"VENDORID": "TZ1", "NAME": "Clock Check"})
    assert row["WHENMODIFIED"] == "06/03/2024 10:30:00"  # 17:30 UTC in Los Angeles (PDT)
    assert q(store, "VENDOR", "WHENMODIFIED = '06/03/2024 10:30:00'").total == 1


def test_matching_keys_rows_and_read(store, us):
    keys = store.matching_keys("APBILL", parse_read_by_query("STATE = 'Paid'"), us)
    assert keys and all(isinstance(k, int) for k in keys)
    rows = store.rows("APBILL", keys[:3], ["RECORDNO", "STATE"])
    assert [int(r["RECORDNO"]) for r in rows] == keys[:3] and {r["STATE"] for r in rows} == {"Paid"}
    vendor = q(store, "VENDOR", scope=us, limit=1).rows[0]
    by_name = store.read("VENDOR", [vendor["VENDORID"], "NOPE"], ["RECORDNO", "NAME"], us, by_name=True)
    assert by_name == [{"RECORDNO": vendor["RECORDNO"], "NAME": vendor["NAME"]}]
    by_key = store.read("VENDOR", [vendor["RECORDNO"]], None, us, by_name=False)
    assert by_key[0]["VENDORID"] == vendor["VENDORID"]
    ca_only = q(store, "VENDOR", "MEGAENTITYID = 'CA01'", limit=1).rows[0]
    assert store.read("VENDOR", [ca_only["RECORDNO"]], None, us, by_name=False) == []


def test_demo_is_deterministic_and_empty_has_setup_only():
    first = build_dataset("demo", seed=3).companies["DEMO"].store
    second = build_dataset("demo", seed=3).companies["DEMO"].store
    fields = ["RECORDNO", "VENDORID", "TRX_TOTALENTERED", "STATE"]
    assert first.query("APBILL", fields=fields, scope=ALL, limit=1000).rows == \
        second.query("APBILL", fields=fields, scope=ALL, limit=1000).rows
    counts = first.counts()
    assert counts["VENDOR"] == 200 and counts["APBILL"] == 1000 and 55 <= counts["GLACCOUNT"] <= 65
    states = {r["STATE"] for r in first.query("APBILL", fields=["STATE"], scope=ALL, limit=1000).rows}
    assert {"Paid", "Partially Paid", "Posted"} <= states
    empty = build_dataset("empty").companies["DEMO"]
    assert empty.store.counts()["VENDOR"] == 0 and empty.store.counts()["APBILL"] == 0
    assert empty.store.counts()["GLACCOUNT"] == counts["GLACCOUNT"]


def test_demo_setup_matches_the_contract(world):
    company = world.companies["DEMO"]
    assert world.senders["Paymentus"].password == "demo-sender-pw"
    assert "Paymentus" in company.authorized_senders and "Unauthorized" not in company.authorized_senders
    assert "Unauthorized" in world.senders
    assert company.users["Paymentus-Web"].password == "demo-user-pw"
    assert company.roles[company.users["Paymentus-Web"].role].modules == {
        "Company", "General Ledger", "Accounts Payable", "Accounts Receivable"}
    assert "Accounts Payable" not in company.roles[company.users["Limited-Web"].role].modules
    assert {e.id: e.currency for e in company.entities.values()} == {"US01": "USD", "CA01": "CAD"}
    assert company.multi_entity and str(company.timezone) == "America/Los_Angeles"


def test_clock_advances(world):
    before = world.clock.now()
    world.clock.advance(3600)
    assert (world.clock.now() - before).total_seconds() >= 3600
    assert world.clock.now().tzinfo is not None
