"""The two filter languages of the gateway, parsed into one small tree.

``parse_read_by_query`` reads readByQuery's SQL-like string; ``parse_query_filter`` reads the ``<filter>``
element of the newer ``query`` function. Neither knows the object: field names and value formats are
checked when the tree is evaluated against a table (see ``evaluate``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from intacct_emulator.data.messages import query_error, schema_error

IN_LIMIT = 1000


@dataclass(frozen=True)
class Literal:
    text: str
    quoted: bool = True


@dataclass(frozen=True)
class Compare:
    field: str
    op: str  # one of = != < > <= >=
    value: Literal


@dataclass(frozen=True)
class Like:
    field: str
    pattern: Literal
    negate: bool = False


@dataclass(frozen=True)
class In:
    field: str
    values: tuple[Literal, ...]
    negate: bool = False


@dataclass(frozen=True)
class IsNull:
    field: str
    negate: bool = False


@dataclass(frozen=True)
class Between:
    field: str
    low: Literal
    high: Literal


@dataclass(frozen=True)
class And:
    children: tuple


@dataclass(frozen=True)
class Or:
    children: tuple


@dataclass(frozen=True)
class Not:
    child: object


Node = Compare | Like | In | IsNull | Between | And | Or | Not


def fields_of(node) -> list[str]:
    if node is None:
        return []
    if isinstance(node, And | Or):
        return [name for child in node.children for name in fields_of(child)]
    if isinstance(node, Not):
        return fields_of(node.child)
    return [node.field]


# ---- readByQuery --------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
  | (?P<op><=|>=|<>|!=|=|<|>)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
  | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
""", re.VERBOSE | re.DOTALL)

_ISO_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?")


def _unescape(body: str) -> str:
    return re.sub(r"\\(.)", r"\1", body, flags=re.DOTALL)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            if text[pos] == "'":
                raise query_error("Unterminated string literal in the query.",
                                  "Close every quoted value with ' and escape quotes inside it as \\'.")
            raise query_error(f"Unexpected character {text[pos]!r} at position {pos} of the query.",
                              "Use the documented readByQuery syntax (field operator 'value').")
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append((kind, match.group()))
        pos = match.end()
    return tokens


class _QueryParser:
    def __init__(self, text: str):
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def peek_word(self, offset: int = 0) -> str:
        index = self.pos + offset
        if index < len(self.tokens) and self.tokens[index][0] == "word":
            return self.tokens[index][1].upper()
        return ""

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise query_error("The query ends too early.", "Complete the last condition of the query.")
        self.pos += 1
        return token

    def expect(self, kind: str, what: str) -> str:
        token = self.take()
        if token[0] != kind:
            raise query_error(f"Expected {what} but found {token[1]!r} in the query.",
                              "Use the documented readByQuery syntax.")
        return token[1]

    def parse(self):
        node = self.parse_or()
        if self.peek() is not None:
            if self.peek_word() == "ORDER":
                raise query_error("ORDER BY is not supported in readByQuery.",
                                  "Remove ORDER BY; use the query function with <orderby> to sort.")
            raise query_error(f"Unexpected {self.peek()[1]!r} in the query.",  # type: ignore[index]
                              "Join conditions with AND / OR and balance the parentheses.")
        return node

    def parse_or(self):
        children = [self.parse_and()]
        while self.peek_word() == "OR":
            self.pos += 1
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self):
        children = [self.parse_not()]
        while self.peek_word() == "AND":
            self.pos += 1
            children.append(self.parse_not())
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_not(self):
        if self.peek_word() == "NOT":
            self.pos += 1
            return Not(self.parse_not())
        token = self.peek()
        if token is not None and token[0] == "lparen":
            self.pos += 1
            node = self.parse_or()
            self.expect("rparen", "')'")
            return node
        return self.parse_condition()

    def literal(self) -> Literal:
        kind, text = self.take()
        if kind == "string":
            return Literal(_unescape(text[1:-1]), quoted=True)
        if kind == "number":
            return Literal(text, quoted=False)
        raise query_error(f"Expected a quoted value or a number but found {text!r} in the query.",
                          "Quote text and date values: FIELD = 'value'.")

    def parse_condition(self):
        name = self.expect("word", "a field name")
        if name.upper() in ("AND", "OR", "NOT", "ORDER", "IN", "LIKE", "IS"):
            raise query_error(f"Expected a field name but found {name!r} in the query.",
                              "Start every condition with a field name.")
        field = name.upper()
        token = self.take()
        if token[0] == "op":
            op = "!=" if token[1] == "<>" else token[1]
            return Compare(field, op, self.literal())
        word = token[1].upper() if token[0] == "word" else ""
        negate = False
        if word == "NOT":
            negate = True
            word = self.expect("word", "LIKE or IN after NOT").upper()
        if word == "LIKE":
            return Like(field, self.literal(), negate)
        if word == "IN":
            self.expect("lparen", "'(' after IN")
            values = [self.literal()]
            while self.peek() is not None and self.peek()[0] == "comma":  # type: ignore[index]
                self.pos += 1
                values.append(self.literal())
            self.expect("rparen", "')' closing the IN list")
            return In(field, tuple(values), negate)
        if word == "IS" and not negate:
            follow = self.expect("word", "NULL or NOT NULL after IS").upper()
            if follow == "NOT":
                if self.expect("word", "NULL").upper() != "NULL":
                    raise query_error("Expected NULL after IS NOT.", "Write FIELD IS NOT NULL.")
                return IsNull(field, negate=True)
            if follow == "NULL":
                return IsNull(field)
        raise query_error(f"Unsupported operator {token[1]!r} after {field} in the query.",
                          "Use = != <> < > <= >= LIKE, NOT LIKE, IN, NOT IN, IS NULL or IS NOT NULL.")


def parse_read_by_query(text: str | None):
    """readByQuery's query string → tree; ``None`` for an empty query (all rows)."""
    if text is None or not text.strip():
        return None
    return _QueryParser(text).parse()


def looks_like_iso_timestamp(text: str) -> bool:
    return bool(_ISO_TIMESTAMP.match(text.strip()))


# ---- query <filter> -----------------------------------------------------------------------------------------

_COMPARE_TAGS = {"equalto": "=", "notequalto": "!=", "lessthan": "<", "lessthanorequalto": "<=",
                 "greaterthan": ">", "greaterthanorequalto": ">="}


def _children(element) -> list:
    return [child for child in element if isinstance(child.tag, str)]


def _field_and_values(element) -> tuple[str, list[str]]:
    parts = _children(element)
    if not parts or parts[0].tag != "field":
        raise schema_error(f"Element '{element.tag}': Missing child element(s). Expected is ( field ).")
    field = (parts[0].text or "").strip().upper()
    if not field:
        raise schema_error("Element 'field': an empty field name is not allowed.")
    values = []
    for part in parts[1:]:
        if part.tag != "value":
            raise schema_error(f"Element '{part.tag}': This element is not expected. Expected is ( value ).")
        values.append(part.text or "")
    return field, values


def _filter_node(element):
    tag = element.tag
    if tag in ("and", "or"):
        kids = [_filter_node(child) for child in _children(element)]
        if len(kids) < 2:
            raise schema_error(f"Element '{tag}': Missing child element(s). '{tag}' needs at least two conditions.")
        return And(tuple(kids)) if tag == "and" else Or(tuple(kids))
    if tag in _COMPARE_TAGS or tag in ("like", "notlike"):
        field, values = _field_and_values(element)
        if len(values) != 1:
            problem = "Missing child element(s). Expected is ( value )." if not values else \
                "Element 'value': This element is not expected."
            raise schema_error(f"Element '{tag}': {problem}")
        if tag in _COMPARE_TAGS:
            return Compare(field, _COMPARE_TAGS[tag], Literal(values[0]))
        return Like(field, Literal(values[0]), negate=tag == "notlike")
    if tag == "between":
        field, values = _field_and_values(element)
        if len(values) != 2:
            raise schema_error("Element 'between': exactly two <value> elements are expected.")
        return Between(field, Literal(values[0]), Literal(values[1]))
    if tag in ("in", "notin"):
        field, values = _field_and_values(element)
        if not values:
            raise schema_error(f"Element '{tag}': Missing child element(s). Expected is ( value ).")
        if len(values) > IN_LIMIT:
            raise schema_error(f"Element 'value': This element is not expected. ('{tag}' takes at most "
                               f"{IN_LIMIT} values; split the list into several queries.)")
        return In(field, tuple(Literal(v) for v in values), negate=tag == "notin")
    if tag in ("isnull", "isnotnull"):
        field, values = _field_and_values(element)
        if values:
            raise schema_error(f"Element '{tag}': <value> is not expected.")
        return IsNull(field, negate=tag == "isnotnull")
    raise schema_error(f"Element '{tag}': This element is not expected in <filter>.")


def parse_query_filter(filter_element):
    """The ``<filter>`` element (exactly one condition inside) → tree; ``None`` when absent or empty."""
    if filter_element is None:
        return None
    kids = _children(filter_element)
    if not kids:
        return None
    if len(kids) > 1:
        raise schema_error("Element 'filter': only one top-level condition is allowed; wrap several in <and>.")
    return _filter_node(kids[0])
