"""Datasets the emulator starts with: ``demo``, ``empty`` and ``generated`` (any size, for benchmarks).

All three share the company setup of the demo (company DEMO, entities US01/CA01, senders, users, roles) and
its chart of accounts — a real company always has one, so ``empty`` means "no vendors and no bills".
Records are generated column-wise with numpy, so a million bills load in seconds; the same seed gives the
same data.
"""

from __future__ import annotations

import numpy as np

from intacct_emulator.data.columns import LocalTime
from intacct_emulator.data.schema import AUDIT_CREATE
from intacct_emulator.data.store import Store
from intacct_emulator.data.world import (
    ADMIN_RECORDNO,
    MODULES,
    Clock,
    Company,
    Entity,
    Role,
    Sender,
    User,
    World,
)

DEMO_COMPANY = "DEMO"
FULL_ROLE = "PAYMENTUS Web Services"
LIMITED_ROLE = "Limited Web Services"

# (ACCOUNTNO, TITLE, ACCOUNTTYPE, NORMALBALANCE, STATUS)
CHART_OF_ACCOUNTS: tuple[tuple[str, str, str, str, str], ...] = tuple(
    (number, title, "balancesheet" if number < "4000" else "incomestatement",
     "credit" if ("2000" <= number < "5000") else "debit", "inactive" if number in ("6999", "1999") else "active")
    for number, title in (
        ("1000", "Cash - Operating"), ("1010", "Cash - Payroll"), ("1020", "Petty Cash"),
        ("1100", "Accounts Receivable"), ("1150", "Allowance for Doubtful Accounts"), ("1200", "Inventory"),
        ("1300", "Prepaid Expenses"), ("1310", "Prepaid Insurance"), ("1400", "Employee Advances"),
        ("1500", "Furniture and Fixtures"), ("1510", "Computer Equipment"), ("1520", "Vehicles"),
        ("1600", "Accumulated Depreciation"), ("1700", "Security Deposits"), ("1999", "Suspense (old)"),
        ("2000", "Accounts Payable"), ("2010", "Accrued Liabilities"), ("2100", "Accrued Payroll"),
        ("2200", "Sales Tax Payable"), ("2300", "Credit Card Payable"), ("2400", "Deferred Revenue"),
        ("2500", "Notes Payable"), ("2700", "Long-term Debt"), ("3000", "Common Stock"),
        ("3100", "Additional Paid-in Capital"), ("3200", "Retained Earnings"), ("3300", "Distributions"),
        ("4000", "Product Revenue"), ("4100", "Service Revenue"), ("4200", "Subscription Revenue"),
        ("4900", "Other Income"), ("5000", "Cost of Goods Sold"), ("5100", "Freight In"),
        ("5200", "Subcontractor Costs"), ("6000", "Advertising and Marketing"), ("6010", "Trade Shows"),
        ("6100", "Bank Fees"), ("6110", "Merchant Fees"), ("6200", "Consulting Fees"),
        ("6210", "Legal Fees"), ("6220", "Accounting Fees"), ("6300", "Dues and Subscriptions"),
        ("6310", "Software Subscriptions"), ("6400", "Insurance"), ("6500", "Office Supplies"),
        ("6510", "Postage and Shipping"), ("6600", "Rent"), ("6610", "Utilities"),
        ("6620", "Repairs and Maintenance"), ("6700", "Telephone and Internet"), ("6800", "Travel"),
        ("6810", "Meals and Entertainment"), ("6820", "Lodging"), ("6900", "Training and Education"),
        ("6910", "Recruiting"), ("6950", "Payroll Service Fees"), ("6999", "Miscellaneous (retired)"),
        ("7000", "Interest Expense"), ("7100", "Depreciation Expense"), ("7200", "Income Tax Expense"),
    ))
EXPENSE_ACCOUNTS = [a for a in CHART_OF_ACCOUNTS if a[0] >= "5000" and a[4] == "active"]

_NAME_HEADS = ("Acme", "Blue Ridge", "Cascade", "Summit", "Pioneer", "Harbor", "Redwood", "Granite", "Northwind",
               "Silverline", "Evergreen", "Lakeside", "Prairie", "Atlas", "Beacon", "Coastal", "Maple", "Orion",
               "Sterling", "Willow", "Keystone", "Frontier", "Ironwood", "Meridian", "Pacific")
_NAME_TRADES = ("Office Supply", "Logistics", "Consulting", "Printing", "Software", "Facilities", "Catering",
                "Electric", "Freight", "Legal Services", "Staffing", "Cleaning", "Telecom", "Marketing")
_NAME_FORMS = ("Inc.", "LLC", "Co.", "Ltd.", "Group", "Partners", "Corp.", "")
_CITIES = (("Seattle", "WA", "98101", "United States"), ("Portland", "OR", "97204", "United States"),
           ("San Jose", "CA", "95113", "United States"), ("Austin", "TX", "78701", "United States"),
           ("Denver", "CO", "80202", "United States"), ("Toronto", "ON", "M5H 2N2", "Canada"),
           ("Vancouver", "BC", "V6B 1A1", "Canada"), ("Calgary", "AB", "T2P 1J9", "Canada"))
_STREETS = ("Main St", "Market St", "Oak Ave", "Pine St", "2nd Ave", "Harbour Rd", "King St W", "Queen St")
_TERMS = (("Net 30", 30), ("Net 15", 15), ("Net 45", 45), ("Due on receipt", 0))
_MEMOS = ("Monthly service", "Office supplies", "Consulting hours", "Freight charges", "Software licence",
          "Repairs", "Travel reimbursement", "Catering for meeting", "Printing job", "Cleaning services",
          "Telecom charges", "Marketing campaign", "Legal review", "Staffing placement", "Equipment rental")
_DEPARTMENTS = ("", "ADMIN", "SALES", "ENG", "OPS", "FIN")
DAY = 86400


def build_dataset(name: str = "demo", seed: int = 0, *, vendors: int | None = None, bills: int | None = None,
                  clock: Clock | None = None) -> World:
    """A fresh world. ``generated`` takes ``vendors`` and ``bills`` counts (defaults 1,000 and 10,000)."""
    sizes = {"demo": (200, 1000), "empty": (0, 0), "generated": (vendors or 1000, bills if bills is not None else 10000)}
    if name not in sizes:
        raise ValueError(f"unknown dataset {name!r}; use one of: demo, empty, generated")
    vendor_count, bill_count = sizes[name]
    world = _demo_setup(clock or Clock())
    company = world.companies[DEMO_COMPANY]
    store: Store = company.store  # type: ignore[assignment]
    rng = np.random.default_rng(seed)
    now = world.clock.epoch()
    _load_entities(store, company, now)
    _load_accounts(store, now, rng)
    if vendor_count:
        vendor_rows = _load_vendors(store, company, vendor_count, now, rng)
        if bill_count:
            _load_bills(store, company, vendor_rows, bill_count, now, rng)
    if name != "generated":
        _load_creation_audit(store)
    store.journal.steps.clear()
    return world


def _demo_setup(clock: Clock) -> World:
    world = World(clock=clock)
    world.senders = {"Paymentus": Sender("Paymentus", "demo-sender-pw"),
                     "Unauthorized": Sender("Unauthorized", "demo-sender-pw")}
    company = Company(DEMO_COMPANY, multi_entity=True, authorized_senders={"Paymentus"})
    company.roles = {FULL_ROLE: Role(FULL_ROLE, set(MODULES)),
                     LIMITED_ROLE: Role(LIMITED_ROLE, {"Company", "General Ledger", "Accounts Receivable"})}
    company.users = {"Paymentus-Web": User("Paymentus-Web", "demo-user-pw", FULL_ROLE, recordno=9),
                     "Limited-Web": User("Limited-Web", "demo-user-pw", LIMITED_ROLE, recordno=10)}
    company.entities = {"US01": Entity("US01", "United States", "USD", recordno=1),
                        "CA01": Entity("CA01", "Canada", "CAD", recordno=2)}
    company.store = Store(company, clock)
    world.companies[company.id] = company
    return world


def _load_entities(store: Store, company: Company, now: int) -> None:
    entities = list(company.entities.values())
    created = now - 400 * DAY
    store.tables["LOCATIONENTITY"].load(len(entities), {
        "RECORDNO": [e.recordno for e in entities], "LOCATIONID": [e.id for e in entities],
        "NAME": [e.name for e in entities], "CURRENCY": [e.currency for e in entities],
        "STATUS": ["active"] * len(entities), "WHENCREATED": [created] * len(entities),
        "WHENMODIFIED": [created] * len(entities)})


def _history(rng: np.random.Generator, count: int, now: int, oldest_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Creation times (ascending, so RECORDNO follows creation) and modification times (some edited later).

    An edit comes 1 minute to 20 days after its creation and before now: drawn within what the record's age
    allows, not cut at now, which would pile every late edit into the last second (thousands of bills of a
    large company edited in one second just before a first sync, which no company does)."""
    created = np.sort(now - rng.integers(2 * DAY, oldest_days * DAY, count))
    edited = rng.random(count) < 0.3
    drawn = rng.integers(60, 20 * DAY, count)  # the same draws as ever: the rest of a dataset does not change
    latest = np.minimum(20 * DAY, now - 1 - created)
    delay = 60 + (drawn - 60) * (latest - 60) // (20 * DAY - 60)  # scaled into the record's age
    return created, created + np.where(edited, delay, 0)


def _load_accounts(store: Store, now: int, rng: np.random.Generator) -> None:
    count = len(CHART_OF_ACCOUNTS)
    created, modified = _history(rng, count, now, 400)
    columns = list(zip(*CHART_OF_ACCOUNTS, strict=True))
    store.tables["GLACCOUNT"].load(count, {
        "RECORDNO": np.arange(1, count + 1), "ACCOUNTNO": list(columns[0]), "TITLE": list(columns[1]),
        "ACCOUNTTYPE": list(columns[2]), "NORMALBALANCE": list(columns[3]), "STATUS": list(columns[4]),
        "CLOSINGTYPE": ["non-closing account" if t == "balancesheet" else "closing account" for t in columns[2]],
        "CLOSINGACCOUNTNO": ["" if t == "balancesheet" else "3200" for t in columns[2]],
        "REQUIREDEPT": ["false"] * count, "REQUIRELOC": ["false"] * count, "ALTERNATIVEACCOUNT": ["None"] * count,
        "CATEGORY": ["" for _ in range(count)], "WHENCREATED": created, "WHENMODIFIED": modified,
        "CREATEDBY": [ADMIN_RECORDNO] * count, "MODIFIEDBY": [ADMIN_RECORDNO] * count})


def _load_vendors(store: Store, company: Company, count: int, now: int, rng: np.random.Generator) -> dict:
    """Vendors: 60 % top level (shared), 20 % private to each entity. Returns rows per visibility group."""
    created, modified = _history(rng, count, now, 400)
    owner = rng.choice(3, size=count, p=[0.6, 0.2, 0.2])  # 0 = top level, 1 = US01, 2 = CA01
    entity_ids = ["", "US01", "CA01"]
    width = max(4, len(str(count)))
    heads, trades, forms = (rng.integers(0, len(x), count) for x in (_NAME_HEADS, _NAME_TRADES, _NAME_FORMS))
    cities = rng.integers(0, len(_CITIES), count)
    streets = rng.integers(0, len(_STREETS), count)
    numbers = rng.integers(10, 9999, count)
    terms = rng.integers(0, len(_TERMS), count)
    has_tax_id = rng.random(count) < 0.1
    inactive = rng.random(count) < 0.03
    names, emails, ids, tax_ids, phones = [], [], [], [], []
    for i in range(count):
        name = " ".join(p for p in (_NAME_HEADS[heads[i]], _NAME_TRADES[trades[i]], _NAME_FORMS[forms[i]]) if p)
        if count > 500:
            name = f"{name} #{i + 1}"
        names.append(name)
        ids.append(f"V{i + 1:0{width}d}")
        slug = "".join(ch for ch in _NAME_HEADS[heads[i]] + _NAME_TRADES[trades[i]] if ch.isalnum()).lower()
        emails.append(f"ap@{slug}{i + 1}.example.com")
        phones.append(f"+1 555 {int(numbers[i]) % 1000:03d} {int(numbers[i]):04d}")
        tax_ids.append(f"{10 + i % 89:02d}-{1000000 + i:07d}" if has_tax_id[i] else "")
    store.tables["VENDOR"].load(count, {
        "RECORDNO": np.arange(1, count + 1), "VENDORID": ids, "NAME": names, "TAXID": tax_ids,
        "TERMNAME": ([t[0] for t in _TERMS], terms), "CURRENCY": (["USD", "CAD"], (owner == 2).astype(int)),
        "STATUS": (["active", "inactive"], inactive.astype(int)), "ONETIME": (["false"], np.zeros(count, int)),
        "ONHOLD": (["false"], np.zeros(count, int)), "VENDTYPE": (["Supplier"], np.zeros(count, int)),
        "DISPLAYCONTACT.CONTACTNAME": names, "PAYTOCONTACT.CONTACTNAME": names, "RETURNTOCONTACT.CONTACTNAME": names,
        "DISPLAYCONTACT.PRINTAS": names, "DISPLAYCONTACT.COMPANYNAME": names,
        "DISPLAYCONTACT.EMAIL1": emails, "DISPLAYCONTACT.PHONE1": phones,
        "DISPLAYCONTACT.MAILADDRESS.ADDRESS1": [f"{numbers[i]} {_STREETS[streets[i]]}" for i in range(count)],
        "DISPLAYCONTACT.MAILADDRESS.CITY": ([c[0] for c in _CITIES], cities),
        "DISPLAYCONTACT.MAILADDRESS.STATE": ([c[1] for c in _CITIES], cities),
        "DISPLAYCONTACT.MAILADDRESS.ZIP": ([c[2] for c in _CITIES], cities),
        "DISPLAYCONTACT.MAILADDRESS.COUNTRY": ([c[3] for c in _CITIES], cities),
        "WHENCREATED": created, "WHENMODIFIED": modified,
        "CREATEDBY": ([ADMIN_RECORDNO], np.zeros(count, int)), "MODIFIEDBY": ([ADMIN_RECORDNO], np.zeros(count, int)),
        **_entity_columns(company, entity_ids, owner),
    })
    active = ~inactive
    return {"ids": ids, "names": names, "currency_owner": owner,
            "US01": np.flatnonzero(active & (owner != 2)), "CA01": np.flatnonzero(active & (owner != 1))}


def _entity_columns(company: Company, entity_ids: list[str], owner: np.ndarray) -> dict:
    keys = np.array([company.entities[e].recordno if e else np.iinfo(np.int64).min for e in entity_ids])
    return {"MEGAENTITYKEY": keys[owner], "MEGAENTITYID": (entity_ids, owner),
            "MEGAENTITYNAME": ([company.entities[e].name if e else "" for e in entity_ids], owner)}


def _load_bills(store: Store, company: Company, vendors: dict, count: int, now: int,
                rng: np.random.Generator) -> None:
    local = LocalTime(company.timezone)
    offset = local.offset(now)
    entity_ids = ["US01", "CA01"]
    owner = rng.integers(0, 2, count)  # every bill belongs to an entity (lines need a LOCATIONID)
    vendor = np.empty(count, dtype=np.int64)
    for index, entity in enumerate(entity_ids):
        mine = owner == index
        vendor[mine] = vendors[entity][rng.integers(0, len(vendors[entity]), int(mine.sum()))]
    audit_created, modified = _history(rng, count, now, 90)
    bill_day = (audit_created + offset) // DAY - rng.integers(0, 3, count)
    term = rng.integers(0, len(_TERMS), count)
    due_day = bill_day + np.array([t[1] for t in _TERMS])[term]
    roll = rng.random(count)
    draft, paid_full, paid_part = roll < 0.02, (roll >= 0.02) & (roll < 0.05), (roll >= 0.05) & (roll < 0.07)

    line_counts = rng.integers(1, 5, count)
    line_total = int(line_counts.sum())
    starts = np.concatenate(([0], np.cumsum(line_counts)[:-1]))
    bill_of_line = np.repeat(np.arange(count), line_counts)
    line_no = np.arange(line_total) - np.repeat(starts, line_counts) + 1
    cents = rng.integers(500, 250_000, line_total) * np.where(rng.random(line_total) < 0.5, 1, 10)
    totals = np.add.reduceat(cents, starts)
    paid = np.where(paid_full, totals, np.where(paid_part, totals // 2, 0))
    state = np.where(draft, 0, np.where(paid_full, 3, np.where(paid_part, 2, 1)))
    null = np.iinfo(np.int64).min
    paid_day = np.where(paid_full, (modified + offset) // DAY, null)
    posted_day = np.where(draft, null, bill_day)
    recordnos = np.arange(1, count + 1)
    vendor_codes = vendor
    currency = (["USD", "CAD"], owner)
    width = len(str(count))
    store.tables["APBILL"].load(count, {
        "RECORDNO": recordnos, "RECORDTYPE": (["pi"], np.zeros(count, int)),
        "RECORDID": [f"BILL-{i:0{width}d}" for i in range(1, count + 1)],
        "DOCNUMBER": [f"INV-{n}" for n in rng.integers(10000, 99999999, count).tolist()],
        "DESCRIPTION": (list(_MEMOS), rng.integers(0, len(_MEMOS), count)),
        "STATE": (["Draft", "Posted", "Partially Paid", "Paid"], state),
        "RAWSTATE": (["D", "A", "PP", "P"], state),
        "VENDORID": (vendors["ids"], vendor_codes), "VENDORNAME": (vendors["names"], vendor_codes),
        "TERMNAME": ([t[0] for t in _TERMS], term), "WHENCREATED": bill_day, "WHENPOSTED": posted_day,
        "WHENDUE": due_day, "WHENPAID": paid_day, "ONHOLD": (["false"], np.zeros(count, int)),
        "BASECURR": currency, "CURRENCY": currency,
        "TOTALENTERED": totals, "TOTALPAID": paid, "TOTALDUE": totals - paid,
        "TRX_TOTALENTERED": totals, "TRX_TOTALPAID": paid, "TRX_TOTALDUE": totals - paid,
        "MODULEKEY": (["3.AP"], np.zeros(count, int)), "SYSTEMGENERATED": (["F"], np.zeros(count, int)),
        "AUWHENCREATED": audit_created, "WHENMODIFIED": modified,
        "CREATEDBY": ([ADMIN_RECORDNO], np.zeros(count, int)), "MODIFIEDBY": ([ADMIN_RECORDNO], np.zeros(count, int)),
        **_entity_columns(company, entity_ids, owner),
    })
    account = rng.integers(0, len(EXPENSE_ACCOUNTS), line_total)
    line_owner = owner[bill_of_line]
    store.tables["APBILLITEM"].load(line_total, {
        "RECORDNO": np.arange(1, line_total + 1), "RECORDKEY": recordnos[bill_of_line], "LINE_NO": line_no,
        "ACCOUNTNO": ([a[0] for a in EXPENSE_ACCOUNTS], account),
        "ACCOUNTTITLE": ([a[1] for a in EXPENSE_ACCOUNTS], account),
        "TRX_AMOUNT": cents, "AMOUNT": cents,
        "ENTRYDESCRIPTION": (list(_MEMOS), rng.integers(0, len(_MEMOS), line_total)),
        "DEPARTMENTID": (list(_DEPARTMENTS), rng.integers(0, len(_DEPARTMENTS), line_total)),
        "LOCATIONID": (entity_ids, line_owner), "CURRENCY": (["USD", "CAD"], line_owner),
        "BASECURR": (["USD", "CAD"], line_owner), "VENDORID": (vendors["ids"], vendor_codes[bill_of_line]),
        "WHENCREATED": bill_day[bill_of_line], "WHENMODIFIED": modified[bill_of_line],
        **_entity_columns(company, entity_ids, line_owner),
    })


def _load_creation_audit(store: Store) -> None:
    """'Created' audit events for the records a small dataset starts with (the real trail would hold them)."""
    audit = store.tables["AUDITHISTORY"]
    for object_name, time_field, desc_field in (("GLACCOUNT", "WHENCREATED", "ACCOUNTNO"),
                                                ("VENDOR", "WHENCREATED", "VENDORID"),
                                                ("APBILL", "AUWHENCREATED", "RECORDID")):
        table = store.tables[object_name]
        count = table.n
        if not count:
            continue
        rows = np.arange(count)
        entity = table.columns["MEGAENTITYID"]
        audit.load(count, {
            "RECORDNO": np.arange(audit.n + 1, audit.n + count + 1),
            "OBJECTTYPE": ([object_name.lower()], np.zeros(count, int)),
            "OBJECTKEY": [str(k) for k in table.recordnos().tolist()],
            "OBJECTDESC": [table.columns[desc_field].values[c] for c in table.columns[desc_field].codes[rows]],
            "ID": [str(n) for n in range(audit.n + 1, audit.n + count + 1)],
            "ACCESSMODE": ([AUDIT_CREATE], np.zeros(count, int)),
            "ACCESSTIME": table.columns[time_field].data[:count],
            "USERID": (["Admin"], np.zeros(count, int)), "SOURCE": (["ui"], np.zeros(count, int)),
            "MEGAENTITYKEY": table.columns["MEGAENTITYKEY"].data[:count],
            "MEGAENTITYID": (entity.values, entity.codes[:count]),
            "MEGAENTITYNAME": (table.columns["MEGAENTITYNAME"].values, table.columns["MEGAENTITYNAME"].codes[:count]),
        })
