"""The catalogue of emulated objects: their fields, value kinds, write rules and the module that owns them.

This is the one place that says which fields an object has; storage, query evaluation, formatting and the
write rules all read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Value kinds. Storage and formatting depend on them:
#   int        whole number (RECORDNO, LINE_NO)
#   amount     money, stored as integer cents, shown as a plain decimal ("100.1", "250")
#   date       a calendar date, shown MM/DD/YYYY
#   timestamp  an instant, shown MM/DD/YYYY HH:MM:SS in the company's local time
#   text       free text ('' means empty)
#   bool       shown "true"/"false"
#   enum       text restricted to ``choices``
KINDS = ("int", "amount", "date", "timestamp", "text", "bool", "enum")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str = "text"
    writable: bool = True
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    # Codes the legacy query language accepts in place of labels (e.g. VENDOR STATUS 'T' = 'active').
    codes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ObjectSpec:
    name: str
    module: str
    display_name: str            # as it appears inside error texts ("Another Vendor with …")
    fields: tuple[FieldSpec, ...]
    id_field: str | None = None  # business key used by readByName and returned by create/update
    writable: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> FieldSpec | None:
        return self.by_name.get(name)  # type: ignore[attr-defined]


def _f(name: str, kind: str = "text", **kw) -> FieldSpec:
    return FieldSpec(name, kind, **kw)


def _ro(name: str, kind: str = "text", **kw) -> FieldSpec:
    return FieldSpec(name, kind, writable=False, **kw)


_ACTIVE = {"T": "active", "F": "inactive"}
_BOOL_CODES = {"T": "true", "F": "false"}
_ENTITY_FIELDS = (_ro("MEGAENTITYKEY", "int"), _ro("MEGAENTITYID"), _ro("MEGAENTITYNAME"))

BILL_STATES = ("Draft", "Submitted", "Posted", "Partially Paid", "Paid")
# RAWSTATE codes. Draft/Submitted/Posted follow the documented codes (D, S, A); the codes for the paid states
# are not documented and are this emulator's choice.
BILL_STATE_CODES = {"D": "Draft", "S": "Submitted", "A": "Posted", "PP": "Partially Paid", "P": "Paid"}

GLACCOUNT = ObjectSpec("GLACCOUNT", "General Ledger", "Account", (
    _ro("RECORDNO", "int"),
    _f("ACCOUNTNO", max_length=24),
    _f("TITLE", max_length=80),
    _f("ACCOUNTTYPE", "enum", choices=("balancesheet", "incomestatement"),
       codes={"N": "balancesheet", "I": "incomestatement"}),
    _f("NORMALBALANCE", "enum", choices=("debit", "credit")),
    _f("CLOSINGTYPE", "enum", choices=("non-closing account", "closing account")),
    _f("CLOSINGACCOUNTNO"),
    _f("STATUS", "enum", choices=("active", "inactive"), codes=_ACTIVE),
    _f("REQUIREDEPT", "bool", codes=_BOOL_CODES),
    _f("REQUIRELOC", "bool", codes=_BOOL_CODES),
    _f("CATEGORY"),
    _f("ALTERNATIVEACCOUNT", "enum", choices=("None", "Payables account", "Receivables account")),
    _ro("WHENCREATED", "timestamp"),
    _ro("WHENMODIFIED", "timestamp"),
    _ro("CREATEDBY"),
    _ro("MODIFIEDBY"),
    *_ENTITY_FIELDS,
), id_field="ACCOUNTNO")

_CONTACT = "DISPLAYCONTACT."
_ADDRESS = "DISPLAYCONTACT.MAILADDRESS."

VENDOR = ObjectSpec("VENDOR", "Accounts Payable", "Vendor", (
    _ro("RECORDNO", "int"),
    _f("VENDORID", max_length=20),
    _f("NAME", max_length=100),
    _f("VENDTYPE"),
    _f("TAXID", max_length=20),
    _f("NAME1099"),
    _f("TERMNAME"),
    _f("CURRENCY", max_length=3),
    _f("STATUS", "enum", choices=("active", "inactive"), codes=_ACTIVE),
    _f("ONETIME", "bool", codes=_BOOL_CODES),
    _f("ONHOLD", "bool", codes=_BOOL_CODES),
    _f("CREDITLIMIT", "amount"),
    _f("COMMENTS"),
    _ro("PARENTKEY", "int"),
    _f("PARENTID"),
    _ro("PARENTNAME"),
    _f("VENDORACCOUNTNO"),
    _f("ACCOUNTLABEL"),
    _f("APACCOUNT"),
    _ro("APACCOUNTTITLE"),
    _f(_CONTACT + "CONTACTNAME"),
    _f(_CONTACT + "PRINTAS"),
    _f(_CONTACT + "COMPANYNAME"),
    _f(_CONTACT + "FIRSTNAME"),
    _f(_CONTACT + "LASTNAME"),
    _f(_CONTACT + "INITIAL"),
    _f(_CONTACT + "PHONE1"),
    _f(_CONTACT + "PHONE2"),
    _f(_CONTACT + "EMAIL1"),
    _f(_CONTACT + "EMAIL2"),
    _f(_ADDRESS + "ADDRESS1"),
    _f(_ADDRESS + "ADDRESS2"),
    _f(_ADDRESS + "CITY"),
    _f(_ADDRESS + "STATE"),
    _f(_ADDRESS + "ZIP"),
    _f(_ADDRESS + "COUNTRY"),
    _f(_ADDRESS + "COUNTRYCODE"),
    _ro("WHENCREATED", "timestamp"),
    _ro("WHENMODIFIED", "timestamp"),
    _ro("CREATEDBY"),
    _ro("MODIFIEDBY"),
    *_ENTITY_FIELDS,
), id_field="VENDORID")

APBILL = ObjectSpec("APBILL", "Accounts Payable", "Bill", (
    _ro("RECORDNO", "int"),
    _ro("RECORDTYPE"),
    _f("RECORDID", max_length=45),
    _ro("STATE", "enum", choices=BILL_STATES, codes=BILL_STATE_CODES),
    _ro("RAWSTATE"),
    _f("VENDORID"),
    _ro("VENDORNAME"),
    _f("DOCNUMBER", max_length=45),
    _f("DESCRIPTION", max_length=1000),
    _f("TERMNAME"),
    _f("WHENCREATED", "date"),
    _f("WHENPOSTED", "date"),
    _f("WHENDUE", "date"),
    _ro("WHENPAID", "date"),
    _f("RECPAYMENTDATE", "date"),
    _f("PAYMENTPRIORITY", "enum", choices=("urgent", "high", "normal", "low")),
    _ro("DUE_IN_DAYS", "int"),
    _ro("TOTALSELECTED", "amount"),
    _ro("PRBATCH"),
    _ro("RECORD_URL"),
    _ro("ONHOLD", "bool", codes=_BOOL_CODES),
    _f("BASECURR", max_length=3),
    _f("CURRENCY", max_length=3),
    _ro("TOTALENTERED", "amount"),
    _ro("TOTALPAID", "amount"),
    _ro("TOTALDUE", "amount"),
    _ro("TRX_TOTALENTERED", "amount"),
    _ro("TRX_TOTALPAID", "amount"),
    _ro("TRX_TOTALDUE", "amount"),
    _ro("MODULEKEY"),
    _ro("SYSTEMGENERATED"),
    _ro("AUWHENCREATED", "timestamp"),
    _ro("WHENMODIFIED", "timestamp"),
    _ro("CREATEDBY"),
    _ro("MODIFIEDBY"),
    *_ENTITY_FIELDS,
))

APBILLITEM = ObjectSpec("APBILLITEM", "Accounts Payable", "Bill Detail", (
    _ro("RECORDNO", "int"),
    _ro("RECORDKEY", "int"),
    _ro("LINE_NO", "int"),
    _f("ACCOUNTNO"),
    _ro("ACCOUNTTITLE"),
    _f("ACCOUNTLABEL"),
    _f("TRX_AMOUNT", "amount"),
    _ro("AMOUNT", "amount"),
    _f("ENTRYDESCRIPTION", max_length=1000),
    _f("DEPARTMENTID"),
    _f("LOCATIONID"),
    _ro("CURRENCY"),
    _ro("BASECURR"),
    _ro("VENDORID"),
    _ro("WHENCREATED", "date"),
    _ro("WHENMODIFIED", "timestamp"),
    *_ENTITY_FIELDS,
), writable=False)

LOCATIONENTITY = ObjectSpec("LOCATIONENTITY", "Company", "Entity", (
    _ro("RECORDNO", "int"),
    _ro("LOCATIONID"),
    _ro("NAME"),
    _ro("CURRENCY"),
    _ro("STATUS", "enum", choices=("active", "inactive"), codes=_ACTIVE),
    _ro("WHENCREATED", "timestamp"),
    _ro("WHENMODIFIED", "timestamp"),
    *_ENTITY_FIELDS,
), id_field="LOCATIONID", writable=False)

AUDITHISTORY = ObjectSpec("AUDITHISTORY", "Company", "Audit History", (
    _ro("RECORDNO", "int"),
    _ro("OBJECTTYPE"),
    _ro("OBJECTKEY"),
    _ro("OBJECTDESC"),
    _ro("ACCESSMODE", "enum", choices=("Created", "Modified", "Deleted"),
        codes={"C": "Created", "M": "Modified", "D": "Deleted"}),
    _ro("ACCESSTIME", "timestamp"),
    _ro("USERID"),
    _ro("SOURCE"),
    *_ENTITY_FIELDS,
), writable=False)

OBJECTS: dict[str, ObjectSpec] = {spec.name: spec for spec in (
    GLACCOUNT, VENDOR, APBILL, APBILLITEM, LOCATIONENTITY, AUDITHISTORY)}

# Fields every object carries for visibility and change tracking.
ENTITY_FIELD = "MEGAENTITYID"
MODIFIED_FIELD = "WHENMODIFIED"
