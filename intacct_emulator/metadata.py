"""``lookup`` and ``inspect``: what an object's fields are, read from the object catalogue.

Sage's SDKs send both and connectors build their schemas from ``lookup`` (``Type/Fields/Field`` with ``ID`` and
``DATATYPE``), so the emulator answers them in the documented shape (reference §3) rather than refusing them.
"""

from __future__ import annotations

from lxml import etree

from intacct_emulator import functions as fn
from intacct_emulator import protocol

# How the catalogue's value kinds are named in DATATYPE.
DATATYPES = {
    "int": "INTEGER",
    "amount": "CURRENCY",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "text": "TEXT",
    "bool": "BOOLEAN",
    "enum": "ENUM",
}
# Fields a create needs (the write rules in data/writes.py enforce the same).
REQUIRED = {
    "GLACCOUNT": ("ACCOUNTNO", "TITLE"),
    "VENDOR": ("VENDORID", "NAME"),
    "APBILL": ("VENDORID", "WHENCREATED", "WHENDUE"),
}


def _label(name: str) -> str:
    return name.replace("_", " ").replace(".", " ").title()


def _specs(ctx: fn.CallContext, object_name: str) -> list:
    if object_name == "*":
        return [ctx.store.spec(name) for name in sorted(ctx.store.tables)]
    return [ctx.store.spec(object_name)]


def _type(parent: etree._Element, spec, detailed: bool) -> None:
    type_el = etree.SubElement(parent, "Type", Name=spec.name, DocumentType="")
    fields_el = etree.SubElement(type_el, "Fields")
    required = REQUIRED.get(spec.name, ())
    for field in spec.fields:
        if not detailed:
            etree.SubElement(fields_el, "Field").text = field.name
            continue
        field_el = etree.SubElement(fields_el, "Field")
        for tag, text in (
            ("ID", field.name),
            ("LABEL", _label(field.name)),
            ("DESCRIPTION", _label(field.name)),
            ("REQUIRED", "true" if field.name in required else "false"),
            ("READONLY", "false" if field.writable and spec.writable else "true"),
            ("DATATYPE", DATATYPES[field.kind]),
        ):
            etree.SubElement(field_el, tag).text = text
        if field.choices:
            values = etree.SubElement(field_el, "VALIDVALUES")
            for choice in field.choices:
                etree.SubElement(values, "VALIDVALUE").text = choice
        etree.SubElement(field_el, "ISCUSTOM").text = "false"
    if detailed:
        etree.SubElement(type_el, "Relationships")


def _answer(specs: list, detailed: bool) -> fn.Outcome:
    def render(result_el: etree._Element) -> None:
        data_el = protocol.data(result_el, {"listtype": "All", "count": len(specs)})
        for spec in specs:
            _type(data_el, spec, detailed)

    return fn.Outcome("success", render)


def lookup(ctx: fn.CallContext, element: etree._Element) -> fn.Outcome:
    return _answer(_specs(ctx, fn._object_name(element)), detailed=True)


def inspect(ctx: fn.CallContext, element: etree._Element) -> fn.Outcome:
    """``detail="1"`` lists the fields as ``lookup`` does; otherwise only their names."""
    object_name = (element.findtext("object") or "*").strip().upper() or "*"
    detailed = (element.get("detail") or "0").strip() == "1"
    return _answer(_specs(ctx, object_name), detailed)
