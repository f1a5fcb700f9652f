"""The catalogue of the objects and fields the product reads and writes, with their value types.

This is the single source of truth for value types: readers type every element by it, writers and filters
format values with it. Fields not listed come back as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .values import BOOL, DATE, INT, MONEY, TEXT, TIMESTAMP


@dataclass(frozen=True)
class ObjectSpec:
    name: str
    fields: Mapping[str, str]
    business_key: str | None = None
    modified_field: str | None = "WHENMODIFIED"
    record_key: str = "RECORDNO"

    def type_of(self, field: str) -> str:
        return self.fields.get(field, TEXT)

    @property
    def default_fields(self) -> tuple[str, ...]:
        return tuple(self.fields)


def _spec(name: str, business_key: str | None, *groups: Mapping[str, str],
          modified_field: str | None = "WHENMODIFIED") -> ObjectSpec:
    merged: dict[str, str] = {}
    for group in groups:
        merged.update(group)
    return ObjectSpec(name, merged, business_key, modified_field)


_AUDIT_COLUMNS = {"WHENCREATED": TIMESTAMP, "WHENMODIFIED": TIMESTAMP, "CREATEDBY": TEXT, "MODIFIEDBY": TEXT}
_ENTITY = {"MEGAENTITYKEY": INT, "MEGAENTITYID": TEXT, "MEGAENTITYNAME": TEXT}

GLACCOUNT = _spec("GLACCOUNT", "ACCOUNTNO", {
    "RECORDNO": INT, "ACCOUNTNO": TEXT, "TITLE": TEXT, "ACCOUNTTYPE": TEXT, "NORMALBALANCE": TEXT,
    "CLOSINGTYPE": TEXT, "CLOSINGACCOUNTNO": TEXT, "STATUS": TEXT, "CATEGORY": TEXT, "ALTERNATIVEACCOUNT": TEXT,
    "REQUIREDEPT": BOOL, "REQUIRELOC": BOOL,
}, _AUDIT_COLUMNS, _ENTITY)

_CONTACT = ("CONTACTNAME", "PRINTAS", "COMPANYNAME", "FIRSTNAME", "LASTNAME", "PHONE1", "PHONE2", "EMAIL1",
            "EMAIL2", "MAILADDRESS.ADDRESS1", "MAILADDRESS.ADDRESS2", "MAILADDRESS.CITY",
            "MAILADDRESS.STATE", "MAILADDRESS.ZIP", "MAILADDRESS.COUNTRY", "MAILADDRESS.COUNTRYCODE")

VENDOR = _spec("VENDOR", "VENDORID", {
    "RECORDNO": INT, "VENDORID": TEXT, "NAME": TEXT, "STATUS": TEXT, "VENDTYPE": TEXT, "TAXID": TEXT,
    "NAME1099": TEXT, "TERMNAME": TEXT, "CURRENCY": TEXT, "CREDITLIMIT": MONEY, "ONHOLD": BOOL, "ONETIME": BOOL,
    "COMMENTS": TEXT,
    **{f"DISPLAYCONTACT.{name}": TEXT for name in _CONTACT},
}, _AUDIT_COLUMNS, _ENTITY)

APBILL = _spec("APBILL", "RECORDID", {
    "RECORDNO": INT, "RECORDTYPE": TEXT, "RECORDID": TEXT, "DOCNUMBER": TEXT, "DESCRIPTION": TEXT, "STATE": TEXT, "RAWSTATE": TEXT,
    "VENDORID": TEXT, "VENDORNAME": TEXT, "TERMNAME": TEXT,
    "WHENCREATED": DATE, "WHENPOSTED": DATE, "WHENDUE": DATE, "WHENPAID": DATE,  # transaction dates
    "ONHOLD": BOOL, "BASECURR": TEXT, "CURRENCY": TEXT,
    "TOTALENTERED": MONEY, "TOTALPAID": MONEY, "TOTALDUE": MONEY,
    "TRX_TOTALENTERED": MONEY, "TRX_TOTALPAID": MONEY, "TRX_TOTALDUE": MONEY,
    "MODULEKEY": TEXT, "SYSTEMGENERATED": BOOL,
    # Creation audit time; the public fixtures hint it may be GMT rather than company time (undocumented).
    "AUWHENCREATED": TIMESTAMP, "WHENMODIFIED": TIMESTAMP, "CREATEDBY": TEXT, "MODIFIEDBY": TEXT,
}, _ENTITY)

APBILLITEM = _spec("APBILLITEM", None, {
    "RECORDNO": INT, "RECORDKEY": INT, "LINE_NO": INT, "ACCOUNTNO": TEXT, "ACCOUNTTITLE": TEXT,
    "AMOUNT": MONEY, "TRX_AMOUNT": MONEY, "ENTRYDESCRIPTION": TEXT, "LOCATIONID": TEXT, "DEPARTMENTID": TEXT,
    "VENDORID": TEXT, "CURRENCY": TEXT, "BASECURR": TEXT, "WHENCREATED": DATE, "WHENMODIFIED": TIMESTAMP,
}, _ENTITY)

AUDITHISTORY = _spec("AUDITHISTORY", None, {
    "ID": TEXT, "OBJECTTYPE": TEXT, "OBJECTKEY": TEXT, "OBJECTDESC": TEXT, "ACCESSMODE": TEXT,
    "ACCESSTIME": TIMESTAMP, "USERID": TEXT, "SOURCE": TEXT,
}, modified_field=None)

LOCATIONENTITY = _spec("LOCATIONENTITY", "LOCATIONID", {
    "RECORDNO": INT, "LOCATIONID": TEXT, "NAME": TEXT, "CURRENCY": TEXT, "STATUS": TEXT,
}, _AUDIT_COLUMNS)

CATALOGUE: Mapping[str, ObjectSpec] = {spec.name: spec for spec in (GLACCOUNT, VENDOR, APBILL, APBILLITEM,
                                                                     AUDITHISTORY, LOCATIONENTITY)}

# THE list of secret fields: element and field names whose values never reach a log, an exception or a repr,
# wherever the value is bound to them (an element, a filter on the field, a query string, an echoed error).
SECRET_ELEMENTS = frozenset({"password", "sessionid", "TAXID", "ACHACCOUNTNUMBER", "ACHBANKROUTINGNUMBER"})
_SECRET_NAMES = frozenset(n.upper() for n in SECRET_ELEMENTS)


def is_secret_field(name: object) -> bool:
    """Whether ``name`` (an element or field name, dotted paths such as PAYTO.TAXID included) is secret."""
    return isinstance(name, str) and name.rsplit(".", 1)[-1].strip().upper() in _SECRET_NAMES


def spec_for(object_name: str) -> ObjectSpec:
    """The spec of an object; unknown objects get an all-text spec (their fields come back as str)."""
    name = object_name.upper()
    return CATALOGUE.get(name) or ObjectSpec(name, {"RECORDNO": INT, "WHENMODIFIED": TIMESTAMP})
