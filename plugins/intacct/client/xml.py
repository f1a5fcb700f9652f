"""XML in and out: a hardened parser, the request envelope, response parsing and log redaction."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from lxml import etree

from .errors import ErrorDetail
from .fields import SECRET_ELEMENTS, is_secret_field
from .values import ValueCodec

# No entity expansion, no DTD, no network, no giant trees: responses are data, never instructions.
_HARDENED = dict(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
                 collect_ids=False,  # no XML ID lookups are made: building their table is wasted work
                 remove_comments=True, remove_pis=True)
_PARSERS = threading.local()  # one parser per thread: a shared lxml parser parses one document at a time


def _parser() -> etree.XMLParser:
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.XMLParser(**_HARDENED)
    return parser


class TooManyElements(Exception):
    """An answer holds more elements than allowed (raised by parse_xml; the transport names the limit)."""


def parse_xml(body: bytes, max_elements: int | None = None) -> etree._Element:
    """Parse with the hardened parser; raises lxml.etree.XMLSyntaxError on malformed or truncated input.

    With ``max_elements`` a document that may hold more elements is refused (TooManyElements) before any
    tree is built. Every element opens with ``<`` and a closing tag starts with ``</``, so their difference
    bounds the element count from above, at the speed of a byte scan.
    """
    if max_elements is not None:
        elements = body.count(b"<") - body.count(b"</")
        if elements > max_elements:
            raise TooManyElements(elements)
    return etree.fromstring(body, _parser())


# --- text XML can carry --------------------------------------------------------------------------------------

# XML 1.0 characters: tab, newline, carriage return and the ranges below. Anything else (NUL, other control
# characters, U+FFFE/U+FFFF, lone surrogates) cannot be sent, whatever the escaping.
_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def first_incompatible_char(text: str) -> tuple[int, str] | None:
    """(position, "U+XXXX") of the first character XML cannot carry, or None."""
    found = _NOT_XML_CHAR.search(text)
    return (found.start(), f"U+{ord(found.group()):04X}") if found else None


def xml_incompatible_fields(values: Mapping[str, object], prefix: str = "") -> list[str]:
    """Names (dotted for nested mappings) of the text values XML cannot carry; empty when all can be sent.

    Pure: the sync calls it to reject one record with a reason naming the field before anything is sent.
    """
    bad: list[str] = []
    for name, value in values.items():
        path = f"{prefix}{name}"
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            if isinstance(item, Mapping):
                bad.extend(n for n in xml_incompatible_fields(item, f"{path}.") if n not in bad)
            elif isinstance(item, str) and _NOT_XML_CHAR.search(item) and path not in bad:
                bad.append(path)
    return bad


def describe_incompatible(values: Mapping[str, object], fields: list[str]) -> str:
    """A reason naming each field and the offending character (never the value itself)."""
    parts = []
    for path in fields:
        node: object = values
        for part in path.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        texts = node if isinstance(node, list | tuple) else [node]
        for text in texts:
            found = first_incompatible_char(text) if isinstance(text, str) else None
            if found:
                parts.append(f"{path} has the character {found[1]} at position {found[0] + 1}")
                break
        else:
            parts.append(f"{path} has a character XML cannot carry")
    return "; ".join(parts) + " (XML cannot carry it: remove it from the text)"


# --- requests -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Function:
    """One ``<function controlid=…>`` and the operation element inside it."""

    control_id: str
    operation: etree._Element

    @property
    def name(self) -> str:
        return self.operation.tag


@dataclass(frozen=True)
class Login:
    user_id: str
    company_id: str
    password: str = field(repr=False)
    location_id: str | None = None


def build_request(*, sender_id: str, sender_password: str, control_id: str, uniqueid: bool,
                  auth: Login | str, functions: Sequence[Function], transaction: bool = False) -> bytes:
    """Serialize a request; ``auth`` is a Login or a session id."""
    request = etree.Element("request")
    control = etree.SubElement(request, "control")
    for tag, text in (("senderid", sender_id), ("password", sender_password), ("controlid", control_id),
                      ("uniqueid", "true" if uniqueid else "false"), ("dtdversion", "3.0"),
                      ("includewhitespace", "false")):
        etree.SubElement(control, tag).text = text
    operation = etree.SubElement(request, "operation", transaction="true" if transaction else "false")
    authentication = etree.SubElement(operation, "authentication")
    if isinstance(auth, Login):
        login = etree.SubElement(authentication, "login")
        etree.SubElement(login, "userid").text = auth.user_id
        etree.SubElement(login, "companyid").text = auth.company_id
        etree.SubElement(login, "password").text = auth.password
        if auth.location_id:
            etree.SubElement(login, "locationid").text = auth.location_id
    else:
        etree.SubElement(authentication, "sessionid").text = auth
    content = etree.SubElement(operation, "content")
    for function in functions:
        wrapper = etree.SubElement(content, "function", controlid=function.control_id)
        wrapper.append(function.operation)
    return etree.tostring(request, xml_declaration=True, encoding="UTF-8")


def element(tag: str, *children: etree._Element | None, text: str | None = None) -> etree._Element:
    node = etree.Element(tag)
    if text is not None:
        node.text = text
    for child in children:
        if child is not None:
            node.append(child)
    return node


def fill(parent: etree._Element, fields: Mapping[str, object], codec: ValueCodec) -> etree._Element:
    """Append ``fields`` under ``parent``: mappings nest, lists repeat the element, None writes an empty one."""
    for name, value in fields.items():
        if isinstance(value, Mapping):
            fill(etree.SubElement(parent, name), value, codec)
        elif isinstance(value, list | tuple):
            for item in value:
                if isinstance(item, Mapping):
                    fill(etree.SubElement(parent, name), item, codec)
                else:
                    etree.SubElement(parent, name).text = codec.format(item)
        else:
            etree.SubElement(parent, name).text = codec.format(value)
    return parent


# --- responses ----------------------------------------------------------------------------------------------

@dataclass
class Result:
    """One ``<result>``: status, the function's control id, its data element and errors."""

    status: str
    function: str
    control_id: str
    data: etree._Element | None
    errors: list[ErrorDetail]

    @property
    def ok(self) -> bool:
        return self.status == "success"

    def data_int(self, attribute: str) -> int | None:
        if self.data is None:
            return None
        raw = self.data.get(attribute)
        try:
            return int(raw) if raw not in (None, "") else None
        except ValueError:
            return None


@dataclass
class Response:
    control_status: str
    control_errors: list[ErrorDetail]
    auth_status: str | None = None
    auth_errors: list[ErrorDetail] = field(default_factory=list)
    session_timeout: str | None = None
    results: list[Result] = field(default_factory=list)


def read_errors(container: etree._Element | None) -> list[ErrorDetail]:
    if container is None:
        return []
    return [ErrorDetail.from_texts(e.findtext("errorno"), e.findtext("description"), e.findtext("description2"),
                                   e.findtext("correction")) for e in container.iterfind("error")]


def read_response(root: etree._Element) -> Response:
    """Split a parsed ``<response>`` into its three status levels. Raises ValueError on another document."""
    if root.tag != "response":
        raise ValueError(f"expected a <response> document, got <{root.tag}>")
    control_status = (root.findtext("control/status") or "").strip()
    response = Response(control_status, read_errors(root.find("errormessage")))
    operation = root.find("operation")
    if operation is None:
        if control_status == "success":
            raise ValueError("the response has a successful control block but no <operation>")
        return response
    authentication = operation.find("authentication")
    if authentication is not None:
        response.auth_status = (authentication.findtext("status") or "").strip()
        response.session_timeout = (authentication.findtext("sessiontimeout") or "").strip() or None
    response.auth_errors = read_errors(operation.find("errormessage"))
    for node in operation.iterfind("result"):
        response.results.append(Result(
            status=(node.findtext("status") or "").strip(),
            function=(node.findtext("function") or "").strip(),
            control_id=(node.findtext("controlid") or "").strip(),
            data=node.find("data"),
            errors=read_errors(node.find("errormessage"))))
    return response


# --- redaction ----------------------------------------------------------------------------------------------

_SECRET_TAGS = "|".join(sorted(re.escape(t) for t in SECRET_ELEMENTS))
# A secret element, closed or cut off (a log excerpt may end inside it).
_SECRET_ELEMENT = re.compile(
    rf"<((?:[A-Za-z0-9_]+\.)*(?:{_SECRET_TAGS}))(\s[^>/]*)?>[^<]*(?:</\1>|$)", re.IGNORECASE)
# A filter condition on a secret field: <field>TAXID</field> followed by its <value> elements.
_SECRET_FILTER = re.compile(
    rf"(<field>\s*(?:[A-Za-z0-9_]+\.)*(?:{_SECRET_TAGS})\s*</field>)((?:\s*<value>[^<]*(?:</value>|$))+)",
    re.IGNORECASE)
_FILTER_VALUE = re.compile(r"<value>[^<]*(?:</value>|$)")
# A readByQuery condition on a secret field: TAXID = '…', TAXID IN ('…', '…'), TAXID LIKE '…'.
_LITERAL = r"(?:'(?:[^'\\]|\\.)*(?:'|$)|&apos;.*?(?:&apos;|$))"
_SECRET_QUERY = re.compile(
    rf"(\b(?:[A-Za-z0-9_]+\.)*(?:{_SECRET_TAGS})\s*(?:=|<>|!=|&lt;&gt;|&lt;=|&gt;=|&lt;|&gt;|<=|>=|<|>|"
    rf"NOT\s+LIKE|LIKE|NOT\s+IN|IN)\s*)(\(?\s*{_LITERAL}(?:\s*,\s*{_LITERAL})*\s*\)?)", re.IGNORECASE)
_QUERY_LITERAL = re.compile(_LITERAL)


def _escaped_forms(value: str) -> set[str]:
    """How a value may reappear: as sent, XML-escaped, or quoted in a query string."""
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return {value, escaped, escaped.replace("'", "&apos;").replace('"', "&quot;"),
            value.replace("\\", "\\\\").replace("'", "\\'")}


def secret_values(body: bytes | etree._Element) -> set[str]:
    """Every value a request binds to a secret field: secret elements, filter values on a secret field and
    literals of a secret field in a query string. They are redacted wherever they reappear (e.g. echoed in
    an error description of the answer)."""
    root = body if isinstance(body, etree._Element) else etree.fromstring(body, _parser())
    found: set[str] = set()
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        if is_secret_field(node.tag) and node.text and node.text.strip():
            found.add(node.text.strip())
        elif node.tag == "field" and is_secret_field(node.text or ""):
            parent = node.getparent()
            if parent is not None:
                found.update(v.text.strip() for v in parent.iterfind("value") if v.text and v.text.strip())
        elif node.tag == "query" and node.text and len(node) == 0:
            for match in _SECRET_QUERY.finditer(node.text):
                for literal in _QUERY_LITERAL.findall(match.group(2)):
                    inner = literal[1:-1] if literal.startswith("'") else literal
                    if inner:
                        found.add(inner.replace("\\'", "'").replace("\\\\", "\\"))
    return found


class Redactor:
    """Removes secrets from text meant for logs and error messages.

    Known secrets (passwords, the session id, values a request bound to a secret field) are removed wherever
    they appear; in XML, every value bound to a secret field is removed by meaning: secret elements, filter
    values on a secret field, and secret fields' literals in query strings.
    """

    def __init__(self, secrets: Iterable[str] = ()):
        self._secrets: set[str] = {s for s in secrets if s}

    def add(self, *secrets: str | None) -> None:
        for secret in secrets:
            if secret and len(secret) >= 4:
                self._secrets.update(f for f in _escaped_forms(secret) if f)

    def scoped(self, secrets: Iterable[str]) -> Redactor:
        """A redactor that also removes ``secrets`` (e.g. the secret values of one request)."""
        scope = Redactor(self._secrets)
        scope.add(*secrets)
        return scope

    def text(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, "***")
        return text

    def xml(self, body: bytes | str) -> str:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        text = _SECRET_ELEMENT.sub(lambda m: f"<{m.group(1)}{m.group(2) or ''}>***</{m.group(1)}>", text)
        text = _SECRET_FILTER.sub(lambda m: m.group(1) + _FILTER_VALUE.sub("<value>***</value>", m.group(2)), text)
        text = _SECRET_QUERY.sub(lambda m: m.group(1) + _QUERY_LITERAL.sub("'***'", m.group(2)), text)
        return self.text(text)

    def detail(self, detail: ErrorDetail) -> ErrorDetail:
        return ErrorDetail(detail.errorno, self.text(detail.description), self.text(detail.description2),
                           self.text(detail.correction), detail.support_id)

    def response(self, response: Response) -> Response:
        """The same response with every error detail scrubbed (control, authentication and function level)."""
        response.control_errors = [self.detail(d) for d in response.control_errors]
        response.auth_errors = [self.detail(d) for d in response.auth_errors]
        for result in response.results:
            result.errors = [self.detail(d) for d in result.errors]
        return response
