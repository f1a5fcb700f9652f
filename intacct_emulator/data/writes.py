"""Creates, updates and deletes with the business rules a real company enforces.

Every change is validated completely before anything is written, bumps WHENMODIFIED (the emulator clock, whole
seconds) and writes an AUDITHISTORY event. A failed change leaves no trace: the store rolls back to a
savepoint taken at its start.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from intacct_emulator.data import messages as msg
from intacct_emulator.data.columns import date_to_day, format_cents, parse_amount, parse_us_date
from intacct_emulator.data.schema import AUDIT_CREATE, AUDIT_DELETE, AUDIT_MODIFY, OBJECTS, ObjectSpec
from intacct_emulator.data.world import ADMIN_RECORDNO, Scope
from intacct_emulator.errors import ErrorDetail, GatewayError

if TYPE_CHECKING:
    from intacct_emulator.data.store import Store
    from intacct_emulator.data.table import Table

LINES_CONTAINER, LINE_ELEMENT = "APBILLITEMS", "APBILLITEM"
LEGACY_LINE_FIELDS = {"MEMO": "ENTRYDESCRIPTION", "AMOUNT": "TRX_AMOUNT", "GLACCOUNTNO": "ACCOUNTNO"}
PAYMENT_FIELDS = ("TRX_TOTALPAID", "STATE", "WHENPAID")
LOCKED_STATES = ("Paid", "Partially Paid")


class Rejected(Exception):
    """Validation failures collected for one record (turned into a GatewayError with the generic companion)."""

    def __init__(self, *details: ErrorDetail):
        self.details = list(details)


# ---- turning input into flat text fields -------------------------------------------------------------------------

def flatten_element(element) -> tuple[dict[str, str], list[dict[str, str]] | None]:
    """An object element → ({dotted field: text}, lines or None). Nested DISPLAYCONTACT becomes dotted names."""
    fields: dict[str, str] = {}
    lines: list[dict[str, str]] | None = None
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.tag == LINES_CONTAINER:
            lines = [_flatten_children(item, "") for item in child if isinstance(item.tag, str)]
            continue
        if len(child):
            fields.update(_flatten_children(child, child.tag + "."))
        else:
            fields[child.tag] = (child.text or "").strip()
    return fields, lines


def _flatten_children(element, prefix: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if len(child):
            result.update(_flatten_children(child, f"{prefix}{child.tag}."))
        else:
            result[prefix + child.tag] = (child.text or "").strip()
    return result


def flatten_mapping(values: Mapping) -> tuple[dict[str, str], list[dict[str, str]] | None]:
    """The admin API's dict (nested mappings allowed) → the same shape as ``flatten_element``."""
    fields: dict[str, str] = {}
    lines = None
    for key, value in values.items():
        if key == LINES_CONTAINER:
            items = value.get(LINE_ELEMENT, []) if isinstance(value, Mapping) else value
            items = [items] if isinstance(items, Mapping) else list(items)
            lines = [flatten_mapping(item)[0] for item in items]
        elif isinstance(value, Mapping):
            nested, _ = flatten_mapping(value)
            fields.update({f"{key}.{name}": text for name, text in nested.items()})
        else:
            fields[key] = "" if value is None else str(value).strip()
    return fields, lines


class Writer:
    def __init__(self, store: Store):
        self.store = store

    # ---- entry points ---------------------------------------------------------------------------------------
    def create_element(self, object_name: str, element, scope: Scope, user: str, source: str) -> dict[str, str]:
        spec = self._writable(object_name, "create")
        fields, lines = flatten_element(element)
        return self._guarded("create", spec, lambda: self._create(spec, fields, lines, scope, user, source))

    def create_mapping(self, object_name: str, values: Mapping, scope: Scope, user: str,
                       source: str) -> dict[str, str]:
        spec = self._writable(object_name, "create")
        fields, lines = flatten_mapping(values)
        return self._guarded("create", spec, lambda: self._create(spec, fields, lines, scope, user, source))

    def update_element(self, object_name: str, element, scope: Scope, user: str, source: str) -> dict[str, str]:
        spec = self._writable(object_name, "update")
        fields, lines = flatten_element(element)
        return self._guarded("update", spec, lambda: self._update(spec, fields, lines, scope, user, source))

    def ui_update(self, object_name: str, recordno: int, values: Mapping) -> dict[str, str]:
        spec = self._writable(object_name, "update")
        fields, lines = flatten_mapping(values)
        fields["RECORDNO"] = str(recordno)
        scope = Scope(None, show_private=True)
        payment = {k: fields.pop(k) for k in PAYMENT_FIELDS if k in fields} if spec.name == "APBILL" else {}

        def apply() -> dict[str, str]:
            result = {"RECORDNO": str(recordno)}
            if len(fields) > 1 or lines is not None or not payment:
                result = self._update(spec, fields, lines, scope, "Admin", "ui")
            if payment:
                self._record_payment(recordno, payment)
            return result

        return self._guarded("update", spec, apply)

    def delete(self, object_name: str, keys: list[str], scope: Scope, user: str, source: str) -> list[dict[str, str]]:
        spec = self._writable(object_name, "delete")
        return self._guarded("delete", spec, lambda: [self._delete(spec, key, scope, user, source) for key in keys])

    # ---- plumbing --------------------------------------------------------------------------------------------
    def _writable(self, object_name: str, action: str) -> ObjectSpec:
        spec = self.store.spec(object_name)
        if not spec.writable:
            raise msg.write_failure(action, spec.name, msg.detail(
                "BL01001976", f"{action.capitalize()} is not allowed on objects of type {spec.name}.",
                f"{spec.name} records are maintained by Intacct; write its parent object instead."))
        return spec

    def _guarded(self, action: str, spec: ObjectSpec, work):
        token = self.store.savepoint()
        try:
            return work()
        except Rejected as rejected:
            self.store.rollback(token)
            raise msg.write_failure(action, spec.name, *rejected.details) from None
        except GatewayError:
            self.store.rollback(token)
            raise

    def _now(self) -> int:
        return self.store.clock.epoch()

    def _entity_values(self, entity_id: str | None) -> dict[str, object]:
        entity = self.store.company.entities.get(entity_id or "")
        if entity is None:
            return {"MEGAENTITYKEY": None, "MEGAENTITYID": "", "MEGAENTITYNAME": ""}
        return {"MEGAENTITYKEY": entity.recordno, "MEGAENTITYID": entity.id, "MEGAENTITYNAME": entity.name}

    def _audit(self, spec: ObjectSpec, row_values: dict[str, object], mode: str, user: str, source: str) -> None:
        audit = self.store.tables["AUDITHISTORY"]
        description = row_values.get(spec.id_field or "") or row_values.get("RECORDID") or ""
        audit.append({
            "RECORDNO": audit.next_recordno(), "ID": str(audit.next_recordno()), "OBJECTTYPE": spec.name.lower(),
            "OBJECTKEY": str(row_values["RECORDNO"]), "OBJECTDESC": str(description), "ACCESSMODE": mode,
            "ACCESSTIME": self._now(), "USERID": user, "SOURCE": source,
            "MEGAENTITYKEY": row_values.get("MEGAENTITYKEY"), "MEGAENTITYID": row_values.get("MEGAENTITYID", ""),
            "MEGAENTITYNAME": row_values.get("MEGAENTITYNAME", ""),
        })

    def _convert(self, spec: ObjectSpec, fields: dict[str, str], *, allow: tuple[str, ...] = ()) -> dict[str, object]:
        """Text → stored values, checking names, read-only fields, formats and lengths; collects every problem."""
        problems: list[ErrorDetail] = []
        values: dict[str, object] = {}
        for name, text in fields.items():
            field = spec.field(name)
            if name in allow:
                continue
            if field is None and text == "" and any(f.startswith(name + ".") for f in spec.field_names):
                # An empty group such as <DISPLAYCONTACT/> (Sage's SDKs always send one) changes nothing.
                continue
            if field is None:
                problems.append(msg.unknown_write_field(spec.name, name))
                continue
            if not field.writable:
                problems.append(msg.read_only_field(spec.name, name))
                continue
            converted = self._convert_value(field.name, field.kind, field.choices, field.max_length, text, problems)
            values[name] = converted
        if problems:
            raise Rejected(*problems)
        return values

    @staticmethod
    def _convert_value(name: str, kind: str, choices, max_length, text: str, problems: list[ErrorDetail]):
        if text == "":
            return None if kind in ("int", "amount", "date", "timestamp") else ""
        if kind == "amount":
            cents = parse_amount(text)
            if cents is None:
                problems.append(msg.illegal_format(name, text, "a plain decimal number such as 1234.56"))
            return cents
        if kind == "date":
            parsed = parse_us_date(text)
            if parsed is None:
                problems.append(msg.illegal_format(name, text, "a valid date in MM/DD/YYYY format"))
                return None
            return date_to_day(parsed)
        if kind == "int":
            if not text.lstrip("-").isdigit():
                problems.append(msg.illegal_format(name, text, "a whole number"))
                return None
            return int(text)
        if kind == "bool":
            lowered = text.lower()
            if lowered not in ("true", "false"):
                problems.append(msg.illegal_format(name, text, "true or false"))
            return lowered
        if kind == "enum":
            for choice in choices:
                if choice.lower() == text.lower():
                    return choice
            problems.append(msg.illegal_format(name, text, "one of " + ", ".join(choices)))
            return text
        if max_length is not None and len(text) > max_length:
            problems.append(msg.too_long(name, text, max_length))
        return text

    def _live_row(self, table: Table, recordno_text: str | None, scope: Scope) -> int:
        spec = table.spec
        if not recordno_text:
            raise Rejected(msg.required("RECORDNO"))
        row = table.row_of(int(recordno_text)) if recordno_text.isdigit() else None
        if row is None or not self.store.visible(table, row, scope):
            raise Rejected(msg.not_found(spec.display_name, "RECORDNO", recordno_text))
        return row

    def _row_by_id(self, table: Table, value: str) -> int | None:
        return self.store.find_row(table, value, by_name=True)

    def _stamp(self, values: dict[str, object], user: str, created: bool) -> None:
        now = self._now()
        values["WHENMODIFIED"] = now
        # CREATEDBY/MODIFIEDBY hold the user's record number, not the login ID (reference §4).
        found = self.store.company.users.get(user)
        number = str(found.recordno) if found is not None and found.recordno else ADMIN_RECORDNO
        values["MODIFIEDBY"] = number
        if created:
            values["CREATEDBY"] = number

    # ---- create -------------------------------------------------------------------------------------------------
    def _create(self, spec: ObjectSpec, fields: dict[str, str], lines, scope: Scope, user: str,
                source: str) -> dict[str, str]:
        if spec.name == "APBILL":
            return self._create_bill(fields, lines, scope, user, source)
        if lines is not None:
            raise Rejected(msg.unknown_write_field(spec.name, LINES_CONTAINER))
        table = self.store.tables[spec.name]
        values = self._convert(spec, fields)
        self._check_master(spec, table, values, current_row=None)
        values.update(self._entity_values(scope.entity_id))
        values["RECORDNO"] = table.next_recordno()
        values["WHENCREATED"] = self._now()
        self._stamp(values, user, created=True)
        self._apply_defaults(spec, values)
        table.append(values)
        self._audit(spec, values, AUDIT_CREATE, user, source)
        return self._key_of(spec, values)

    @staticmethod
    def _apply_defaults(spec: ObjectSpec, values: dict[str, object]) -> None:
        defaults: dict[str, dict[str, str]] = {
            "GLACCOUNT": {"ACCOUNTTYPE": "balancesheet", "NORMALBALANCE": "debit",
                          "CLOSINGTYPE": "non-closing account", "STATUS": "active", "REQUIREDEPT": "false",
                          "REQUIRELOC": "false", "ALTERNATIVEACCOUNT": "None"},
            "VENDOR": {"STATUS": "active", "ONETIME": "false", "ONHOLD": "false"},
        }
        for name, default in defaults.get(spec.name, {}).items():
            if not values.get(name):
                values[name] = default
        if spec.name == "VENDOR":
            for contact_field in ("DISPLAYCONTACT.CONTACTNAME", "DISPLAYCONTACT.PRINTAS", "DISPLAYCONTACT.COMPANYNAME"):
                if not values.get(contact_field):
                    values[contact_field] = values["NAME"]
            Writer._mirror_contact_name(values)

    @staticmethod
    def _mirror_contact_name(values: dict[str, object]) -> None:
        """The pay-to and return-to contacts default to the vendor's display contact."""
        if values.get("DISPLAYCONTACT.CONTACTNAME"):
            values["PAYTOCONTACT.CONTACTNAME"] = values["DISPLAYCONTACT.CONTACTNAME"]
            values["RETURNTOCONTACT.CONTACTNAME"] = values["DISPLAYCONTACT.CONTACTNAME"]

    def _check_master(self, spec: ObjectSpec, table: Table, values: dict[str, object], current_row: int | None) -> None:
        """Required fields and the unique business key of GLACCOUNT / VENDOR."""
        merged = dict(table.record(current_row)) if current_row is not None else {}
        merged.update(values)
        required = {"GLACCOUNT": ("ACCOUNTNO", "TITLE"), "VENDOR": ("VENDORID", "NAME")}[spec.name]
        missing = [name for name in required if not merged.get(name)]
        if missing:
            raise Rejected(*(msg.required(name) for name in missing))
        key = str(merged[spec.id_field])  # type: ignore[index]
        other = self._row_by_id(table, key)
        if other is not None and other != current_row:
            if spec.name == "GLACCOUNT":
                raise Rejected(ErrorDetail("BL01001973", f"The account number '{key}' already exists",
                                           "Duplicate account number", "Enter unique account number"))
            raise Rejected(msg.duplicate(spec.display_name, key))

    @staticmethod
    def _key_of(spec: ObjectSpec, values: dict[str, object]) -> dict[str, str]:
        result = {"RECORDNO": str(values["RECORDNO"])}
        if spec.id_field:
            result[spec.id_field] = str(values.get(spec.id_field) or "")
        return result

    # ---- bills ----------------------------------------------------------------------------------------------------
    def _bill_lines(self, lines: list[dict[str, str]] | None, scope: Scope) -> list[dict[str, object]]:
        if not lines:
            raise Rejected(msg.detail("BL01001975", "A bill needs at least one line item (APBILLITEMS/APBILLITEM).",
                                      "Add at least one APBILLITEM with ACCOUNTNO and TRX_AMOUNT."))
        spec = OBJECTS["APBILLITEM"]
        accounts = self.store.tables["GLACCOUNT"]
        company = self.store.company
        problems: list[ErrorDetail] = []
        converted = []
        for number, line in enumerate(lines, start=1):
            for legacy, modern in LEGACY_LINE_FIELDS.items():
                if legacy in line:
                    problems.append(msg.detail(
                        "BL03000019", f"Line {number}: {legacy} is not a field of APBILLITEM.",
                        f"Use {modern} instead of {legacy} (the name {legacy} belongs to the legacy create_bill)."))
            line = {k: v for k, v in line.items() if k not in LEGACY_LINE_FIELDS}
            try:
                values = self._convert(spec, line)
            except Rejected as rejected:
                problems.extend(rejected.details)
                continue
            if not values.get("ACCOUNTNO"):
                problems.append(msg.required(f"APBILLITEM {number} ACCOUNTNO"))
            else:
                row = self._row_by_id(accounts, str(values["ACCOUNTNO"]))
                if row is None:
                    problems.append(msg.invalid_reference("GL account", str(values["ACCOUNTNO"]),
                                                          "Use the ACCOUNTNO of an existing GL account."))
                elif accounts.get(row, "STATUS") != "active":
                    problems.append(msg.detail("BL03000131", f"GL account {values['ACCOUNTNO']} is inactive.",
                                               "Use an active GL account or reactivate it."))
                else:
                    values["ACCOUNTTITLE"] = accounts.get(row, "TITLE")
            if values.get("TRX_AMOUNT") is None:
                problems.append(msg.required(f"APBILLITEM {number} TRX_AMOUNT"))
            location = values.get("LOCATIONID") or ""
            if company.multi_entity and not location:
                problems.append(msg.detail("BL01001975", f"Line {number}: LOCATIONID is required in a multi-entity "
                                           "company.", "Give every line the LOCATIONID of its entity."))
            elif location and location not in company.entities:
                problems.append(msg.invalid_reference("location", str(location), "Use the id of an existing "
                                                      "location/entity."))
            elif location and scope.entity_id and location != scope.entity_id:
                problems.append(msg.invalid_reference("location", str(location),
                                                      f"Lines of a bill in entity {scope.entity_id} must use "
                                                      f"LOCATIONID {scope.entity_id}."))
            converted.append(values)
        if problems:
            raise Rejected(*problems)
        return converted

    def _bill_header(self, values: dict[str, object], scope: Scope, draft: bool) -> None:
        """Required header fields and the vendor reference; fills VENDORNAME and currencies."""
        problems = []
        for name in ("VENDORID", "WHENCREATED") + (() if draft else ("WHENDUE",)):
            if values.get(name) in (None, ""):
                problems.append(msg.required(name))
        vendor_id = values.get("VENDORID")
        if vendor_id:
            vendors = self.store.tables["VENDOR"]
            row = self._row_by_id(vendors, str(vendor_id))
            if row is None or not self.store.visible(vendors, row, scope):
                problems.append(msg.invalid_reference("Vendor", str(vendor_id),
                                                      "Use the VENDORID of an existing vendor visible to this entity."))
            elif vendors.get(row, "STATUS") != "active":
                problems.append(msg.detail("BL03000132", f"Vendor {vendor_id} is inactive.",
                                           "Reactivate the vendor or choose another one."))
            else:
                values["VENDORNAME"] = vendors.get(row, "NAME")
                if not values.get("CURRENCY"):
                    values["CURRENCY"] = vendors.get(row, "CURRENCY") or ""
        if problems:
            raise Rejected(*problems)
        base = self.store.company.currency_of(values.get("MEGAENTITYID") or scope.entity_id)  # type: ignore[arg-type]
        values["BASECURR"] = values.get("BASECURR") or base
        values["CURRENCY"] = values.get("CURRENCY") or values["BASECURR"]

    @staticmethod
    def _bill_state(values: dict[str, object], draft: bool) -> None:
        entered = int(values.get("TRX_TOTALENTERED") or 0)
        paid = int(values.get("TRX_TOTALPAID") or 0)
        if draft:
            state, raw = "Draft", "D"
        elif paid and paid >= entered:
            state, raw = "Paid", "P"
        elif paid:
            state, raw = "Partially Paid", "PP"
        else:
            state, raw = "Posted", "A"
        values.update({"STATE": state, "RAWSTATE": raw, "TRX_TOTALDUE": entered - paid,
                       "TOTALENTERED": entered, "TOTALPAID": paid, "TOTALDUE": entered - paid})

    @staticmethod
    def _action(fields: dict[str, str]) -> str | None:
        action = fields.pop("ACTION", None)
        if action is None:
            return None
        if action.lower() not in ("draft", "submit"):
            raise Rejected(msg.illegal_format("ACTION", action, "Draft or Submit"))
        return action.capitalize()

    def _create_bill(self, fields, lines, scope: Scope, user: str, source: str) -> dict[str, str]:
        spec = OBJECTS["APBILL"]
        table = self.store.tables["APBILL"]
        draft = self._action(fields) == "Draft"
        problems: list[ErrorDetail] = []
        line_values: list[dict[str, object]] = []
        try:
            values = self._convert(spec, fields)
        except Rejected as rejected:  # keep going so every problem of the bill is reported at once
            problems.extend(rejected.details)
            values = {}
        values.update(self._entity_values(scope.entity_id))
        try:
            self._bill_header(values, scope, draft)
        except Rejected as rejected:
            problems.extend(rejected.details)
        try:
            line_values = self._bill_lines(lines, scope)
        except Rejected as rejected:
            problems.extend(rejected.details)
        if problems:
            raise Rejected(*problems)
        now = self._now()
        values["RECORDNO"] = table.next_recordno()
        values.update({"RECORDTYPE": "pi", "MODULEKEY": "3.AP", "SYSTEMGENERATED": "F", "ONHOLD": "false",
                       "AUWHENCREATED": now, "TRX_TOTALPAID": 0})
        if not draft and values.get("WHENPOSTED") is None:
            values["WHENPOSTED"] = values["WHENCREATED"]
        self._stamp(values, user, created=True)
        self._write_lines(values, line_values)
        self._bill_state(values, draft)
        table.append(values)
        self._audit(spec, values, AUDIT_CREATE, user, source)
        return {"RECORDNO": str(values["RECORDNO"])}

    def _write_lines(self, bill: dict[str, object], lines: list[dict[str, object]]) -> None:
        items = self.store.tables["APBILLITEM"]
        total = 0
        for number, line in enumerate(lines, start=1):
            line.update({
                "RECORDNO": items.next_recordno(), "RECORDKEY": bill["RECORDNO"], "LINE_NO": number,
                "AMOUNT": line["TRX_AMOUNT"], "CURRENCY": bill["CURRENCY"], "BASECURR": bill["BASECURR"],
                "VENDORID": bill["VENDORID"], "WHENCREATED": bill["WHENCREATED"],
                "WHENMODIFIED": bill["WHENMODIFIED"], "MEGAENTITYKEY": bill.get("MEGAENTITYKEY"),
                "MEGAENTITYID": bill.get("MEGAENTITYID", ""), "MEGAENTITYNAME": bill.get("MEGAENTITYNAME", ""),
            })
            total += int(line["TRX_AMOUNT"])  # type: ignore[call-overload]
            items.append(line)
        bill["TRX_TOTALENTERED"] = total

    def _line_rows(self, bill_recordno: int) -> np.ndarray:
        items = self.store.tables["APBILLITEM"]
        keys = items.columns["RECORDKEY"].data[: items.n]  # type: ignore[union-attr]
        return np.flatnonzero((keys == bill_recordno) & items.alive[: items.n])

    # ---- update ---------------------------------------------------------------------------------------------------
    def _update(self, spec: ObjectSpec, fields: dict[str, str], lines, scope: Scope, user: str,
                source: str) -> dict[str, str]:
        table = self.store.tables[spec.name]
        recordno = fields.pop("RECORDNO", "")
        if not recordno and spec.id_field and fields.get(spec.id_field):
            row = self._row_by_id(table, fields[spec.id_field])
            if row is None or not self.store.visible(table, row, scope):
                raise Rejected(msg.not_found(spec.display_name, spec.id_field, fields[spec.id_field]))
        else:
            if not recordno:
                hint = f"RECORDNO (or {spec.id_field})" if spec.id_field else "RECORDNO"
                raise Rejected(msg.detail("BL01001975", f"Required field {hint} is missing.",
                                          f"Identify the record to update with {hint}."))
            row = self._live_row(table, recordno, scope)
        if spec.name == "APBILL":
            return self._update_bill(row, fields, lines, scope, user, source)
        if lines is not None:
            raise Rejected(msg.unknown_write_field(spec.name, LINES_CONTAINER))
        values = self._convert(spec, fields)
        self._check_master(spec, table, values, current_row=row)
        old_name = table.get(row, "NAME") if spec.name == "VENDOR" else None
        if spec.name == "VENDOR":
            self._mirror_contact_name(values)
        self._stamp(values, user, created=False)
        for name, value in values.items():
            table.set(row, name, value)
        if spec.name == "VENDOR" and values.get("NAME") and values["NAME"] != old_name:
            self._rename_vendor_on_bills(str(table.get(row, "VENDORID")), str(values["NAME"]))
        record = table.record(row)
        self._audit(spec, record, AUDIT_MODIFY, user, source)
        return self._key_of(spec, record)

    def _rename_vendor_on_bills(self, vendor_id: str, name: str) -> None:
        bills = self.store.tables["APBILL"]
        column = bills.columns["VENDORID"]
        code = column.lookup.get(vendor_id)  # type: ignore[union-attr]
        if code is None:
            return
        for row in np.flatnonzero(column.codes[: bills.n] == code).tolist():  # type: ignore[union-attr]
            bills.set(row, "VENDORNAME", name)

    def _update_bill(self, row: int, fields, lines, scope: Scope, user: str, source: str) -> dict[str, str]:
        spec = OBJECTS["APBILL"]
        table = self.store.tables["APBILL"]
        current = table.record(row)
        if current["STATE"] in LOCKED_STATES:
            raise Rejected(msg.detail("BL03000140", f"Bill {current['RECORDNO']} is {str(current['STATE']).lower()} "
                                      "and cannot be edited.", "Reverse the payment in Intacct before editing "
                                      "the bill."))
        action = self._action(fields)
        draft = current["STATE"] == "Draft" and action != "Submit"
        changes = self._convert(spec, fields)
        merged = {**current, **changes}
        problems = []
        line_values = None
        try:
            self._bill_header(merged, scope, draft)
        except Rejected as rejected:
            problems.extend(rejected.details)
        if lines is not None:
            try:
                line_values = self._bill_lines(lines, scope)
            except Rejected as rejected:
                problems.extend(rejected.details)
        if problems:
            raise Rejected(*problems)
        self._stamp(merged, user, created=False)
        if not draft and merged.get("WHENPOSTED") is None:
            merged["WHENPOSTED"] = merged["WHENCREATED"]
        items = self.store.tables["APBILLITEM"]
        if line_values is not None:
            for line_row in self._line_rows(int(current["RECORDNO"])).tolist():  # type: ignore[arg-type]
                items.kill(line_row)
            self._write_lines(merged, line_values)
        else:
            for line_row in self._line_rows(int(current["RECORDNO"])).tolist():  # type: ignore[arg-type]
                items.set(line_row, "WHENMODIFIED", merged["WHENMODIFIED"])
        self._bill_state(merged, draft)
        for name, value in merged.items():
            if value != current.get(name):
                table.set(row, name, value)
        self._audit(spec, merged, AUDIT_MODIFY, user, source)
        return {"RECORDNO": str(current["RECORDNO"])}

    def _record_payment(self, recordno: int, payment: dict[str, str]) -> None:
        """A payment made in the UI: sets TRX_TOTALPAID (or derives it from STATE) and WHENPAID."""
        table = self.store.tables["APBILL"]
        row = table.row_of(recordno)
        if row is None:
            raise Rejected(msg.not_found("Bill", "RECORDNO", str(recordno)))
        current = table.record(row)
        entered = int(current["TRX_TOTALENTERED"] or 0)
        if current["STATE"] == "Draft":
            raise Rejected(msg.detail("BL03000141", "A draft bill cannot be paid.", "Submit the bill first."))
        if "TRX_TOTALPAID" in payment:
            paid = parse_amount(payment["TRX_TOTALPAID"])
            if paid is None or paid < 0 or paid > entered:
                raise Rejected(msg.illegal_format("TRX_TOTALPAID", payment["TRX_TOTALPAID"],
                                                  f"an amount between 0 and {format_cents(entered)}"))
        else:
            state = payment.get("STATE", "")
            targets = {"paid": entered, "partially paid": entered // 2 or min(entered, 1), "posted": 0}
            if state.lower() not in targets:
                raise Rejected(msg.illegal_format("STATE", state, "Paid, Partially Paid or Posted"))
            paid = targets[state.lower()]
        values = dict(current, TRX_TOTALPAID=paid)
        self._bill_state(values, draft=False)
        paid_day = parse_us_date(payment["WHENPAID"]) if payment.get("WHENPAID") else None
        if values["STATE"] == "Paid":
            values["WHENPAID"] = date_to_day(paid_day) if paid_day else self.store.local.epoch_to_local_date(self._now())
        else:
            values["WHENPAID"] = None
        self._stamp(values, "Admin", created=False)
        for name, value in values.items():
            if value != current.get(name):
                table.set(row, name, value)
        self._audit(OBJECTS["APBILL"], values, AUDIT_MODIFY, "Admin", "ui")

    # ---- delete ---------------------------------------------------------------------------------------------------
    def _delete(self, spec: ObjectSpec, key: str, scope: Scope, user: str, source: str) -> dict[str, str]:
        table = self.store.tables[spec.name]
        key = str(key).strip()
        found = table.row_of(int(key)) if key.isdigit() else None
        if found is None or not self.store.visible(table, found, scope):
            raise msg.cannot_find_to_delete(spec.name, key)
        row = found
        record = table.record(row)
        if spec.name == "APBILL":
            if record["STATE"] in LOCKED_STATES:
                raise Rejected(msg.detail("BL03000140", f"Bill {key} is {str(record['STATE']).lower()} and cannot be "
                                          "deleted.", "Reverse the payment in Intacct before deleting the bill."))
            items = self.store.tables["APBILLITEM"]
            for line_row in self._line_rows(int(record["RECORDNO"])).tolist():  # type: ignore[arg-type]
                items.kill(line_row)
        elif spec.name == "VENDOR":
            if self._referenced("APBILL", "VENDORID", record["VENDORID"]):
                raise Rejected(msg.detail("BL03000142", f"Vendor {record['VENDORID']} has bills and cannot be "
                                          "deleted.", "Make the vendor inactive instead."))
        elif spec.name == "GLACCOUNT":
            if self._referenced("APBILLITEM", "ACCOUNTNO", record["ACCOUNTNO"]):
                raise Rejected(msg.detail("BL03000143", f"Account {record['ACCOUNTNO']} is used by transactions and "
                                          "cannot be deleted.", "Make the account inactive instead."))
        table.kill(row)
        record["WHENMODIFIED"] = self._now()
        self._audit(spec, record, AUDIT_DELETE, user, source)
        return {"RECORDNO": str(record["RECORDNO"])}

    def _referenced(self, object_name: str, column_name: str, value: object) -> bool:
        """Whether a live record of ``object_name`` holds ``value`` in the text column ``column_name``."""
        table = self.store.tables[object_name]
        column = table.columns[column_name]
        code = column.lookup.get(str(value))  # type: ignore[union-attr]
        if code is None:
            return False
        return bool(((column.codes[: table.n] == code) & table.alive[: table.n]).any())  # type: ignore[union-attr]
