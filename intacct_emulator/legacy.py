"""The legacy 2.1-style ``create_bill`` that Sage's SDKs send for a bill (reference §3).

It is translated into the generic APBILL fields and goes through the same write rules; the answer is the
legacy one, the new bill's key directly under ``<result>``.
"""

from __future__ import annotations

from datetime import date, timedelta

from lxml import etree

from intacct_emulator import functions as fn
from intacct_emulator.data import messages as msg
from intacct_emulator.errors import ErrorDetail, GatewayError

HEADER_FIELDS = {
    "vendorid": "VENDORID",
    "termname": "TERMNAME",
    "action": "ACTION",
    "billno": "RECORDID",
    "ponumber": "DOCNUMBER",
    "description": "DESCRIPTION",
    "basecurr": "BASECURR",
    "currency": "CURRENCY",
}
HEADER_DATES = {"datecreated": "WHENCREATED", "dateposted": "WHENPOSTED", "datedue": "WHENDUE"}
LINE_FIELDS = {
    "glaccountno": "ACCOUNTNO",
    "accountlabel": "ACCOUNTLABEL",
    "amount": "TRX_AMOUNT",
    "memo": "ENTRYDESCRIPTION",
    "locationid": "LOCATIONID",
    "departmentid": "DEPARTMENTID",
}


def _date(element: etree._Element, problems: list[ErrorDetail]) -> str:
    parts = {tag: (element.findtext(tag) or "").strip() for tag in ("year", "month", "day")}
    if not all(parts.values()) or not all(value.isdigit() for value in parts.values()):
        problems.append(msg.illegal_format(element.tag, "/".join(parts.values()),
                                           "<year>YYYY</year><month>MM</month><day>DD</day>"))
        return ""
    return f"{int(parts['month']):02d}/{int(parts['day']):02d}/{int(parts['year']):04d}"


def _unsupported(child: etree._Element, problems: list[ErrorDetail]) -> None:
    if (child.text or "").strip() or len(child):
        problems.append(msg.unknown_write_field("create_bill", child.tag))


def to_apbill(element: etree._Element) -> etree._Element:
    """The generic ``<APBILL>`` equivalent of a ``<create_bill>``; raises the problems of the whole bill."""
    problems: list[ErrorDetail] = []
    bill = etree.Element("APBILL")
    if element.find("datecreated") is None:
        problems.append(msg.required("datecreated"))
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.tag in HEADER_FIELDS:
            etree.SubElement(bill, HEADER_FIELDS[child.tag]).text = (child.text or "").strip()
        elif child.tag in HEADER_DATES:
            etree.SubElement(bill, HEADER_DATES[child.tag]).text = _date(child, problems)
        elif child.tag == "billitems":
            items = etree.SubElement(bill, "APBILLITEMS")
            for line in child:
                if not isinstance(line.tag, str):
                    continue
                if line.tag != "lineitem":
                    _unsupported(line, problems)
                    continue
                item = etree.SubElement(items, "APBILLITEM")
                for field in line:
                    if field.tag in LINE_FIELDS:
                        etree.SubElement(item, LINE_FIELDS[field.tag]).text = (field.text or "").strip()
                    elif isinstance(field.tag, str):
                        _unsupported(field, problems)
        else:  # batchkey, onhold, externalid, payto, exchratetype…: written empty by the SDKs, not modelled
            _unsupported(child, problems)
    if problems:
        raise msg.write_failure("create", "bill", *problems)
    _due_from_term(bill)
    return bill


def _due_from_term(bill: etree._Element) -> None:
    """``datedue`` may be left out when ``termname`` is given: the due date follows from the term. The
    emulator reads the days from the term's name ("N30", "Net 30"; "Due on receipt" is 0 days)."""
    created, term = bill.findtext("WHENCREATED"), (bill.findtext("TERMNAME") or "").strip()
    if bill.find("WHENDUE") is not None or not created or not term:
        return
    digits = "".join(ch for ch in term if ch.isdigit())
    days = int(digits) if digits else 0 if "receipt" in term.lower() else None
    if days is None:
        return  # unknown term: WHENDUE stays missing and the write rules say so
    month, day, year = (int(part) for part in created.split("/"))
    due = date(year, month, day) + timedelta(days=days)
    etree.SubElement(bill, "WHENDUE").text = f"{due.month:02d}/{due.day:02d}/{due.year:04d}"


def create_bill(ctx: fn.CallContext, element: etree._Element) -> fn.Outcome:
    ctx.check_permission("create_bill", "APBILL")
    try:
        bill = to_apbill(element)
        created = ctx.store.create("APBILL", bill, ctx.scope(), ctx.user_id, source="api")
    except GatewayError as error:
        return fn.Outcome("failure", errors=error.details)

    def render(result_el: etree._Element) -> None:
        etree.SubElement(result_el, "key").text = created["RECORDNO"]

    return fn.Outcome("success", render, records_written=1)
