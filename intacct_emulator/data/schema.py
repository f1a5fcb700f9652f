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
    # The stored value is the label; ``codes`` maps the database codes to labels (VENDOR STATUS 'T' = 'active').
    codes: dict[str, str] = field(default_factory=dict)
    # The functions whose filters take the code; the others take the label. readByQuery's SQL-like string
    # uses the database codes (VENDOR STATUS = 'T', APBILL STATE = 'A'); AUDITHISTORY is the other way round:
    # `query` takes the codes A M C D W T U, readByQuery the words (reference §3, §6).
    code_in: tuple[str, ...] = ("readByQuery",)
    in_star: bool = True  # False: returned only when asked for by name, not for `*`

    def filter_form(self, function: str | None) -> str:
        """'code', 'label', or 'either' (admin look-ups and the lenient_enum_filters setting)."""
        if not self.codes or function is None:
            return "either"
        return "code" if function in self.code_in else "label"


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

    @property
    def star_fields(self) -> list[str]:
        """What `*` (or no field list) returns."""
        return [f.name for f in self.fields if f.in_star]

    def field(self, name: str) -> FieldSpec | None:
        return self.by_name.get(name)  # type: ignore[attr-defined]


def _f(name: str, kind: str = "text", **kw) -> FieldSpec:
    return FieldSpec(name, kind, **kw)


def _ro(name: str, kind: str = "text", **kw) -> FieldSpec:
    return FieldSpec(name, kind, writable=False, **kw)


_ACTIVE = {"T": "active", "F": "inactive"}
_BOOL_CODES = {"T": "true", "F": "false"}
_ENTITY_FIELDS = (_ro("MEGAENTITYKEY", "int"), _ro("MEGAENTITYID"), _ro("MEGAENTITYNAME"))

# AUDITHISTORY ACCESSMODE: the documented codes (query) and words (readByQuery). The store holds the word.
AUDIT_MODES = {"A": "Access", "M": "Modify", "C": "Create", "D": "Delete", "W": "Workflow", "T": "Activity",
               "U": "User Action"}
AUDIT_CREATE, AUDIT_MODIFY, AUDIT_DELETE = AUDIT_MODES["C"], AUDIT_MODES["M"], AUDIT_MODES["D"]

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
    _ro("PAYTOCONTACT.CONTACTNAME"),
    _ro("RETURNTOCONTACT.CONTACTNAME"),
    # What the vendor's bills still owe, computed when read (the documented query example selects it);
    # filters and orderby on it are not supported, and `*` leaves it out.
    _ro("TOTALDUE", "amount", in_star=False),
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

# The fields and order of the recorded readByQuery `*` row of an AP bill (reference §4, 76 fields).
APBILL = ObjectSpec("APBILL", "Accounts Payable", "Bill", (
    _ro("RECORDNO", "int"),
    _ro("RECORDTYPE"),
    _f("RECORDID", max_length=45),
    _ro("FINANCIALENTITY"),
    _ro("STATE", "enum", choices=BILL_STATES, codes=BILL_STATE_CODES),
    _ro("RAWSTATE"),
    _f("VENDORID"),
    _ro("VENDORNAME"),
    _ro("FORM1099TYPE"),
    _ro("FORM1099BOX"),
    _ro("VENDTYPE1099TYPE"),
    _ro("TRX_ENTITYDUE", "amount"),
    _f("DOCNUMBER", max_length=45),
    _f("DESCRIPTION", max_length=1000),
    _ro("DESCRIPTION2"),
    _f("TERMNAME"),
    _ro("TERMKEY"),
    _ro("TERMVALUE"),
    _f("WHENCREATED", "date"),
    _f("WHENPOSTED", "date"),
    _ro("WHENDISCOUNT", "date"),
    _f("WHENDUE", "date"),
    _ro("WHENPAID", "date"),
    _f("RECPAYMENTDATE", "date"),
    _f("PAYMENTPRIORITY", "enum", choices=("urgent", "high", "normal", "low")),
    _ro("ONHOLD", "bool", codes=_BOOL_CODES),
    _f("BASECURR", max_length=3),
    _f("CURRENCY", max_length=3),
    _ro("EXCH_RATE_DATE", "date"),
    _ro("EXCH_RATE_TYPE_ID"),
    _ro("EXCHANGE_RATE"),
    _ro("TOTALENTERED", "amount"),
    _ro("TOTALSELECTED", "amount"),
    _ro("TOTALPAID", "amount"),
    _ro("TOTALDUE", "amount"),
    _ro("TRX_TOTALENTERED", "amount"),
    _ro("TRX_TOTALSELECTED", "amount"),
    _ro("TRX_TOTALPAID", "amount"),
    _ro("TRX_TOTALDUE", "amount"),
    _ro("BILLTOPAYTOCONTACTNAME"),
    _ro("SHIPTORETURNTOCONTACTNAME"),
    _ro("BILLTOPAYTOKEY"),
    _ro("SHIPTORETURNTOKEY"),
    _ro("PRBATCH"),
    _ro("PRBATCHKEY"),
    _ro("MODULEKEY"),
    _ro("SCHOPKEY"),
    _ro("SYSTEMGENERATED"),
    _ro("AUWHENCREATED", "timestamp"),
    _ro("WHENMODIFIED", "timestamp"),
    _ro("CREATEDBY"),
    _ro("MODIFIEDBY"),
    _ro("DUE_IN_DAYS", "int"),
    _ro("PAYTO.TAXGROUP.NAME"),
    _ro("PAYTO.TAXGROUP.RECORDNO"),
    _ro("PAYTO.TAXID"),
    _ro("INCLUSIVETAX"),
    _ro("TAXSOLUTIONKEY"),
    _ro("TAXSOLUTIONID"),
    _ro("SHOWMULTILINETAX"),
    _ro("TAXMETHOD"),
    _ro("RETAINAGEPERCENTAGE"),
    _ro("TRX_TOTALRETAINED", "amount"),
    _ro("TRX_TOTALRELEASED", "amount"),
    _ro("TOTALRETAINED", "amount"),
    _ro("SUPDOCID"),
    *_ENTITY_FIELDS,
    _ro("VENDOR_NOTES"),
    _ro("VOUCHER_NUMBER"),
    _ro("EXCHRATEDATE", "date"),
    _ro("EXCHRATETYPE"),
    _ro("EXCHRATE"),
    _ro("PAYTOCONTACTNAME"),
    _ro("RETURNTOCONTACTNAME"),
    # Listed by the schema mirrors and selected by public clients, but absent from the recorded `*` row.
    _ro("RECORD_URL", in_star=False),
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
    _ro("ID"),  # the row's own key, what public clients key and page the trail by
    _ro("ACCESSMODE", "enum", choices=tuple(AUDIT_MODES.values()), codes=AUDIT_MODES, code_in=("query",)),
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
