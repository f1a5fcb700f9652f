"""One handler per gateway function. Each returns a :class:`Outcome`; the gateway renders it into a
``<result>`` once the whole operation is known (a transaction may still turn a success into ``aborted``)."""

from __future__ import annotations

import array
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from lxml import etree

from intacct_emulator import gateway_errors, legacy, metadata, protocol
from intacct_emulator.data import Scope, parse_query_filter, parse_read_by_query
from intacct_emulator.errors import ErrorDetail, GatewayError

READ_BY_QUERY_MAX_PAGE = 1000
QUERY_MAX_PAGE = 2000
DEFAULT_PAGE = 100
MAX_KEYS = 100
MAX_IN_VALUES = 1000
MAX_OPEN_RESULT_SETS = 500
OPERATIONS = {
    "readByQuery": "READ_BY_QUERY",
    "readMore": "READ_BY_QUERY",
    "query": "QUERY",
    "read": "READ",
    "readByName": "READ",
    "create": "CREATE",
    "update": "UPDATE",
    "delete": "DELETE",
    "create_bill": "CREATE",
}
QUERY_OPERATORS = (
    "equalto",
    "notequalto",
    "lessthan",
    "lessthanorequalto",
    "greaterthan",
    "greaterthanorequalto",
    "between",
    "in",
    "notin",
    "like",
    "notlike",
    "isnull",
    "isnotnull",
    "and",
    "or",
)


@dataclass
class Outcome:
    status: str  # success | failure
    render: Callable[[etree._Element], None] | None = None  # adds <data> (and friends) to the result
    errors: tuple[ErrorDetail, ...] = ()
    records_written: int = 0


@dataclass
class ResultSet:
    """A readByQuery snapshot: the RECORDNO list of the original query, read page by page."""

    id: str
    company_id: str
    user_id: str
    object_name: str
    fields: list[str] | None
    keys: array.array  # RECORDNOs as 64-bit integers: a million-row snapshot stays small
    page_size: int
    position: int
    expires_at: datetime


@dataclass
class ResultSets:
    items: dict[str, ResultSet] = field(default_factory=dict)

    def add(self, result_set: ResultSet) -> None:
        # Bounded like any server-side cursor pool: the oldest snapshot goes first.
        while len(self.items) >= MAX_OPEN_RESULT_SETS:
            del self.items[next(iter(self.items))]
        self.items[result_set.id] = result_set

    def new_id(self) -> str:
        return secrets.token_urlsafe(26)[:35]

    def get(self, result_id: str, company_id: str, now: datetime) -> ResultSet | None:
        found = self.items.get(result_id)
        if found is None or found.company_id != company_id:
            return None
        if now >= found.expires_at:
            del self.items[result_id]
            return None
        return found

    def latest_for(self, company_id: str, user_id: str, object_name: str, now: datetime) -> ResultSet | None:
        for result_set in reversed(list(self.items.values())):
            if (result_set.company_id, result_set.user_id, result_set.object_name) == (
                company_id,
                user_id,
                object_name,
            ):
                return self.get(result_set.id, company_id, now)
        return None

    def clear(self) -> None:
        self.items.clear()


@dataclass
class CallContext:
    """What a function may use: the authenticated company, user and entity, and gateway services."""

    world: Any
    company: Any
    user_id: str
    entity_id: str | None
    session: Any  # sessions.Session or None (login authentication)
    endpoint: str
    now: datetime
    result_sets: ResultSets
    result_set_ttl_seconds: float
    order_rng: random.Random
    open_session: Callable[[str | None], Any]  # entity id -> Session
    lenient_enum_filters: bool = False
    audit_page_error_rate: float = 0.0

    def fail_some_audit_pages(self, object_name: str) -> None:
        """Some audit-trail pages of real companies fail with the generic processing error."""
        rate = self.audit_page_error_rate
        if object_name == "AUDITHISTORY" and rate > 0 and (rate >= 1 or self.order_rng.random() < rate):
            raise GatewayError("DL02000001", "There was an error processing the request.")

    def enum_form_of(self, function: str) -> str | None:
        """The function whose enumeration forms filters use; None (either form) when set to be lenient."""
        return None if self.lenient_enum_filters else function

    @property
    def store(self) -> Any:
        return self.company.store

    def scope(self, show_private: bool = False) -> Any:
        return Scope(self.entity_id, show_private)

    def check_permission(self, function: str, object_name: str) -> None:
        module = self.store.module_of(object_name)
        user = self.company.users.get(self.user_id)
        role = self.company.roles.get(user.role) if user is not None else None
        if role is None or module not in role.modules:
            raise gateway_errors.permission_denied(OPERATIONS[function], object_name)


# -- helpers -------------------------------------------------------------------------------------------------


def _child_text(element: etree._Element, tag: str) -> str | None:
    child = element.find(tag)
    return None if child is None else (child.text or "").strip()


def _required(element: etree._Element, tag: str) -> str:
    value = _child_text(element, tag)
    if not value:
        raise gateway_errors.request_error(
            f"<{element.tag}> needs a <{tag}> element.", f"Add <{tag}> to <{element.tag}>."
        )
    return value


def _object_name(element: etree._Element) -> str:
    return _required(element, "object").upper()


def _field_list(text: str | None) -> list[str] | None:
    if text is None or text.strip() in ("", "*"):
        return None
    return [name.strip().upper() for name in text.split(",") if name.strip()]


def _keys(element: etree._Element) -> list[str]:
    keys = [key.strip() for key in (_child_text(element, "keys") or "").split(",") if key.strip()]
    if not keys:
        raise gateway_errors.request_error(
            f"<{element.tag}> needs <keys> with at least one key.",
            "List the record keys, separated by commas.",
        )
    if len(keys) > MAX_KEYS:
        raise gateway_errors.request_error(
            f"{len(keys)} keys were sent; at most {MAX_KEYS} keys are allowed per {element.tag}.",
            f"Split the keys into calls of at most {MAX_KEYS}.",
        )
    return keys


def _int_arg(element: etree._Element, tag: str, default: int, low: int, high: int | None) -> int:
    text = _child_text(element, tag)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise gateway_errors.request_error(
            f"<{tag}> must be a whole number, got '{text}'.", f"Send <{tag}> as a number."
        ) from None
    if value < low or (high is not None and value > high):
        bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise gateway_errors.request_error(
            f"<{tag}> must be {bounds}, got {value}.", f"Use a {tag} {bounds}."
        )
    return value


def _xml_only(element: etree._Element, tag: str) -> None:
    fmt = _child_text(element, tag)
    if fmt and fmt.lower() != "xml":
        raise gateway_errors.request_error(
            f"{tag} '{fmt}' is not supported by this emulator.", f"Send {tag} xml or leave it out."
        )


def _failure(
    error: GatewayError, render: Callable[[etree._Element], None] | None = None, written: int = 0
) -> Outcome:
    return Outcome("failure", render, error.details, written)


def _data_with_rows(attributes: dict[str, object], row_tag: str, rows: list[dict]) -> Callable:
    def render(result_el: etree._Element) -> None:
        data_el = protocol.data(result_el, attributes)  # type: ignore[arg-type]
        protocol.add_rows(data_el, row_tag, rows)

    return render


# -- getAPISession -------------------------------------------------------------------------------------------


def get_api_session(ctx: CallContext, element: etree._Element) -> Outcome:
    location_el = element.find("locationid")
    entity_id = ctx.entity_id
    if location_el is not None:
        entity_id = (location_el.text or "").strip() or None
        if entity_id is not None and entity_id not in ctx.company.entities:
            raise gateway_errors.unknown_entity(entity_id, ctx.company.id)
    session = ctx.session
    if session is None or session.entity_id != entity_id:
        session = ctx.open_session(entity_id)

    def render(result_el: etree._Element) -> None:
        api = etree.SubElement(protocol.data(result_el, {}), "api")
        for tag, text in (
            ("sessionid", session.id),
            ("endpoint", ctx.endpoint),
            ("locationid", session.entity_id or ""),
        ):
            etree.SubElement(api, tag).text = text

    return Outcome("success", render)


# -- readByQuery / readMore ----------------------------------------------------------------------------------


def _result_set_page(ctx: CallContext, result_set: ResultSet, page_size: int, first: bool = False) -> Outcome:
    start = result_set.position
    keys = result_set.keys[start : start + page_size]
    rows = ctx.store.rows(result_set.object_name, keys.tolist(), result_set.fields, as_columns=True)
    result_set.position = start + len(keys)
    remaining = len(result_set.keys) - result_set.position
    # The TTL counts from the last use: a reader that keeps paging keeps its snapshot.
    result_set.expires_at = ctx.now + timedelta(seconds=ctx.result_set_ttl_seconds)
    result_id = result_set.id
    if remaining == 0:
        ctx.result_sets.items.pop(result_set.id, None)
    if first and remaining == 0:
        result_id = ""  # every row fitted in the first page: the gateway opens no result set
    attributes = {
        "listtype": result_set.object_name.lower(),
        "count": len(rows),
        "totalcount": len(result_set.keys),
        "numremaining": remaining,
        "resultId": result_id,
    }
    return Outcome("success", _data_with_rows(attributes, result_set.object_name.lower(), rows))


def read_by_query(ctx: CallContext, element: etree._Element) -> Outcome:
    object_name = _object_name(element)
    ctx.check_permission("readByQuery", object_name)
    ctx.fail_some_audit_pages(object_name)
    page_size = _int_arg(element, "pagesize", DEFAULT_PAGE, 1, READ_BY_QUERY_MAX_PAGE)
    _xml_only(element, "returnFormat")
    fields = _field_list(_child_text(element, "fields"))
    query_text = _child_text(element, "query") or ""
    where = parse_read_by_query(query_text) if query_text else None
    keys = ctx.store.matching_keys(object_name, where, ctx.scope(), ctx.enum_form_of("readByQuery"))
    if fields is not None:
        ctx.store.rows(object_name, [], fields)  # an unknown field fails now, not on a later page
    result_set = ResultSet(
        ctx.result_sets.new_id(),
        ctx.company.id,
        ctx.user_id,
        object_name,
        fields,
        array.array("q", keys),
        page_size,
        0,
        ctx.now,
    )
    ctx.result_sets.add(result_set)
    return _result_set_page(ctx, result_set, page_size, first=True)


def read_more(ctx: CallContext, element: etree._Element) -> Outcome:
    result_id = _child_text(element, "resultId")
    object_name = _child_text(element, "object")
    if result_id:
        result_set = ctx.result_sets.get(result_id, ctx.company.id, ctx.now)
        if result_set is None:
            raise gateway_errors.result_set_expired(result_id)
    elif object_name:
        result_set = ctx.result_sets.latest_for(ctx.company.id, ctx.user_id, object_name.upper(), ctx.now)
        if result_set is None:
            raise gateway_errors.request_error(
                f"There is no open readByQuery result for object {object_name.upper()}.",
                "Run readByQuery first, then readMore with the resultId it returned.",
            )
    else:
        raise gateway_errors.request_error(
            "<readMore> needs <resultId> or <object>.", "Send the resultId returned by readByQuery."
        )
    ctx.check_permission("readMore", result_set.object_name)
    return _result_set_page(ctx, result_set, result_set.page_size)


# -- query ---------------------------------------------------------------------------------------------------


def validate_query_schema(element: etree._Element) -> None:
    """Checks the real gateway makes with its XSD, so they fail the whole request (XL03000003)."""
    if element.find("object") is None:
        raise gateway_errors.schema_missing_child("query", "object")
    select = element.find("select")
    if select is None or len(select) == 0:
        raise gateway_errors.schema_missing_child(
            "select" if select is not None else "query", "field, count, avg, min, max, sum"
        )
    for child in select:
        if child.tag not in ("field", "count", "avg", "min", "max", "sum"):
            raise gateway_errors.schema_not_expected(child.tag)
    filter_el = element.find("filter")
    if filter_el is not None:
        if len(filter_el) != 1:
            raise (
                gateway_errors.schema_not_expected(filter_el[1].tag)
                if len(filter_el) > 1
                else (gateway_errors.schema_missing_child("filter", "one of " + ", ".join(QUERY_OPERATORS)))
            )
        for node in filter_el.iter():
            if node.tag in ("in", "notin"):
                values = node.findall("value")
                if len(values) > MAX_IN_VALUES:
                    raise gateway_errors.schema_not_expected("value")
            elif node.tag == "between" and len(node.findall("value")) != 2:
                raise gateway_errors.schema_missing_child("between", "field, value, value")
            elif node.tag in ("and", "or") and len(node) < 2:
                raise gateway_errors.schema_missing_child(node.tag, "at least two conditions")
    for tag, high in (("pagesize", QUERY_MAX_PAGE), ("offset", None)):
        text = _child_text(element, tag)
        if text is None or text == "":
            continue
        try:
            value = int(text)
        except ValueError:
            raise gateway_errors.schema_bad_value(
                tag, f"'{text}' is not a valid value of the atomic type 'xs:integer'"
            ) from None
        low = 1 if tag == "pagesize" else 0
        if value < low:
            raise gateway_errors.schema_bad_value(
                tag,
                f"[facet 'minInclusive'] The value '{value}' is less than the minimum value allowed "
                f"('{low}')",
            )
        if high is not None and value > high:
            raise gateway_errors.schema_bad_value(
                tag,
                f"[facet 'maxInclusive'] The value '{value}' is greater than the maximum value allowed "
                f"('{high}')",
            )


def _order_by(element: etree._Element) -> list[tuple[str, bool]]:
    orders = []
    orderby = element.find("orderby")
    if orderby is None:
        return orders
    for order in orderby.findall("order"):
        field_name = _child_text(order, "field")
        if not field_name:
            raise gateway_errors.request_error("Each <order> needs a <field>.", "Add <field> to <order>.")
        orders.append((field_name.upper(), order.find("descending") is not None))
    return orders


def query(ctx: CallContext, element: etree._Element) -> Outcome:
    object_name = _object_name(element)
    ctx.check_permission("query", object_name)
    ctx.fail_some_audit_pages(object_name)
    select = element.find("select")
    fields: list[str] = []
    for child in select:
        if child.tag != "field":
            raise gateway_errors.request_error(
                f"The aggregate <{child.tag}> is not supported by this emulator.", "Select plain fields."
            )
        name = (child.text or "").strip().upper()
        if not name:
            raise gateway_errors.request_error(
                "An empty <field> is in <select>.", "Name a field in every <select><field>…</field>."
            )
        if name == "*":
            raise gateway_errors.request_error(
                "The query function does not accept '*' in select.",
                "List each field to return in <select><field>…</field>.",
            )
        fields.append(name)
    options = element.find("options")
    show_private = case_insensitive = False
    if options is not None:
        show_private = (_child_text(options, "showprivate") or "").lower() == "true"
        case_insensitive = (_child_text(options, "caseinsensitive") or "").lower() == "true"
        _xml_only(options, "returnformat")
    filter_el = element.find("filter")
    where = parse_query_filter(filter_el) if filter_el is not None else None
    page_size = _int_arg(element, "pagesize", DEFAULT_PAGE, 1, QUERY_MAX_PAGE)
    offset = _int_arg(element, "offset", 0, 0, None)
    order_by = _order_by(element)
    unordered = not order_by
    if unordered:
        # Without <orderby> the order is undefined on the real gateway; vary it so no client relies on it.
        order_by = [("RECORDNO", ctx.order_rng.random() < 0.5)]
    found = ctx.store.query(
        object_name,
        fields=fields,
        where=where,
        order_by=order_by,
        scope=ctx.scope(show_private),
        offset=offset,
        limit=page_size,
        case_insensitive=case_insensitive,
        function=ctx.enum_form_of("query"),
        as_columns=not unordered,  # an unordered page is shuffled as rows
    )
    rows = found.rows
    if unordered:
        rows = list(rows)
        ctx.order_rng.shuffle(rows)
    attributes = {
        "listtype": object_name,
        "totalcount": found.total,
        "offset": offset,
        "count": len(rows),
        "numremaining": max(0, found.total - offset - len(rows)),
    }
    return Outcome("success", _data_with_rows(attributes, object_name, rows))


# -- read / readByName ---------------------------------------------------------------------------------------


def _read(ctx: CallContext, element: etree._Element, by_name: bool) -> Outcome:
    object_name = _object_name(element)
    ctx.check_permission("readByName" if by_name else "read", object_name)
    keys = _keys(element)
    _xml_only(element, "returnFormat")
    fields = _field_list(_child_text(element, "fields"))
    rows = ctx.store.read(object_name, keys, fields, ctx.scope(), by_name)
    return Outcome(
        "success", _data_with_rows({"listtype": object_name, "count": len(rows)}, object_name, rows)
    )


def read(ctx: CallContext, element: etree._Element) -> Outcome:
    return _read(ctx, element, by_name=False)


def read_by_name(ctx: CallContext, element: etree._Element) -> Outcome:
    return _read(ctx, element, by_name=True)


# -- create / update / delete --------------------------------------------------------------------------------


def _with_companion(error: GatewayError, function: str, object_name: str) -> GatewayError:
    if any(detail.errorno == "BL01001973" for detail in error.details):
        return error
    if error.details[0].errorno.startswith(("PL", "DL")):
        return error
    return GatewayError.of([*error.details, *gateway_errors.companion_error(function, object_name).details])


def _write(ctx: CallContext, element: etree._Element, function: str) -> Outcome:
    objects = list(element)
    if not objects:
        raise gateway_errors.request_error(
            f"<{function}> holds no object.", f"Put one or more objects (e.g. <VENDOR>) inside <{function}>."
        )
    written: list[tuple[str, dict]] = []

    def render(result_el: etree._Element) -> None:
        data_el = protocol.data(result_el, {"listtype": "objects", "count": len(written)})
        for object_name, row in written:
            protocol.add_rows(data_el, object_name.lower(), [row])

    for object_element in objects:
        object_name = object_element.tag.upper()
        try:
            ctx.check_permission(function, object_name)
            store_write = ctx.store.create if function == "create" else ctx.store.update
            row = store_write(object_name, object_element, ctx.scope(), ctx.user_id, source="api")
        except GatewayError as error:
            # The objects before the failing one stay written; the rest are not attempted.
            return _failure(_with_companion(error, function, object_name), render, len(written))
        written.append((object_name, row))
    return Outcome("success", render, records_written=len(written))


def create(ctx: CallContext, element: etree._Element) -> Outcome:
    return _write(ctx, element, "create")


def update(ctx: CallContext, element: etree._Element) -> Outcome:
    return _write(ctx, element, "update")


def delete(ctx: CallContext, element: etree._Element) -> Outcome:
    object_name = _object_name(element)
    try:
        ctx.check_permission("delete", object_name)
    except GatewayError as error:
        if error.details[0].errorno == "Query Failed":  # recorded: delete names an unknown object with "WS"
            raise GatewayError("WS", error.details[0].description2) from None
        raise
    keys = _keys(element)
    try:
        ctx.store.delete(object_name, keys, ctx.scope(), ctx.user_id, source="api")
    except GatewayError as error:
        raise _with_companion(error, "delete", object_name) from None
    return Outcome("success", None, records_written=len(keys))


HANDLERS: dict[str, Callable[[CallContext, etree._Element], Outcome]] = {
    "getAPISession": get_api_session,
    "readByQuery": read_by_query,
    "readMore": read_more,
    "query": query,
    "read": read,
    "readByName": read_by_name,
    "create": create,
    "update": update,
    "delete": delete,
    "lookup": metadata.lookup,
    "inspect": metadata.inspect,
    "create_bill": legacy.create_bill,
}


def run(ctx: CallContext, name: str, element: etree._Element) -> Outcome:
    try:
        return HANDLERS[name](ctx, element)
    except GatewayError as error:
        return _failure(error)
