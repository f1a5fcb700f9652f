"""The two filter languages: every operator, escapes and the errors the gateway gives."""

import pytest
from lxml import etree

from intacct_emulator.data import parse_query_filter, parse_read_by_query
from intacct_emulator.data.query import And, Between, Compare, In, IsNull, Like, Literal, Not, Or
from intacct_emulator.errors import GatewayError

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("op, expected", [("=", "="), ("!=", "!="), ("<>", "!="), ("<", "<"), (">", ">"),
                                          ("<=", "<="), (">=", ">=")])
def test_comparison_operators(op, expected):
    assert parse_read_by_query(f"RECORDNO {op} 5") == Compare("RECORDNO", expected, Literal("5", quoted=False))


def test_quoted_string_with_backslash_escapes():
    node = parse_read_by_query(r"NAME = 'Jane\'s Deli \\ Co'")
    assert node == Compare("NAME", "=", Literal("Jane's Deli \\ Co"))


def test_like_not_like_in_not_in_is_null():
    assert parse_read_by_query("NAME like 'Ac%'") == Like("NAME", Literal("Ac%"))
    assert parse_read_by_query("NAME NOT LIKE 'A_c'") == Like("NAME", Literal("A_c"), negate=True)
    assert parse_read_by_query("RECORDNO in (1, 2,3)") == In(
        "RECORDNO", (Literal("1", False), Literal("2", False), Literal("3", False)))
    assert parse_read_by_query("VENDORID not in ('A')") == In("VENDORID", (Literal("A"),), negate=True)
    assert parse_read_by_query("TAXID IS NULL") == IsNull("TAXID")
    assert parse_read_by_query("TAXID is not null") == IsNull("TAXID", negate=True)


def test_and_binds_tighter_than_or_and_parentheses_and_not():
    node = parse_read_by_query("A = 1 OR B = 2 AND C = 3")
    assert isinstance(node, Or) and isinstance(node.children[1], And)
    node = parse_read_by_query("NOT (A = 1 OR B = 2) AND C = 3")
    assert isinstance(node, And) and isinstance(node.children[0], Not)


def test_lowercase_field_names_are_normalised():
    assert parse_read_by_query("whenmodified >= '01/02/2024 10:00:00'").field == "WHENMODIFIED"


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_query_means_all_rows(text):
    assert parse_read_by_query(text) is None


@pytest.mark.parametrize("text", [
    "RECORDNO = 1 ORDER BY RECORDNO",
    "NAME = 'unterminated",
    "NAME = ",
    "NAME ~ 'x'",
    "(NAME = 'x'",
    "NAME = 'x' AND",
    "NAME IS 'x'",
    "WHENMODIFIED > 01/01/2024",
    "NAME = unquoted",
])
def test_malformed_queries_fail_with_dl02000001(text):
    with pytest.raises(GatewayError) as failure:
        parse_read_by_query(text)
    assert failure.value.details[0].errorno == "DL02000001"
    assert failure.value.details[0].description2 == "There was an error processing the request."


def _filter(xml: str):
    return parse_query_filter(etree.fromstring(f"<filter>{xml}</filter>"))


@pytest.mark.parametrize("tag, op", [("equalto", "="), ("notequalto", "!="), ("lessthan", "<"),
                                     ("lessthanorequalto", "<="), ("greaterthan", ">"),
                                     ("greaterthanorequalto", ">=")])
def test_filter_comparisons(tag, op):
    node = _filter(f"<{tag}><field>RECORDNO</field><value>7</value></{tag}>")
    assert node == Compare("RECORDNO", op, Literal("7"))


def test_filter_between_in_like_null_and_nesting():
    assert _filter("<between><field>A</field><value>1</value><value>2</value></between>") == Between(
        "A", Literal("1"), Literal("2"))
    assert _filter("<in><field>A</field><value>1</value><value>2</value></in>") == In(
        "A", (Literal("1"), Literal("2")))
    assert _filter("<notin><field>A</field><value>1</value></notin>").negate
    assert _filter("<like><field>A</field><value>x%</value></like>") == Like("A", Literal("x%"))
    assert _filter("<notlike><field>A</field><value>x%</value></notlike>").negate
    assert _filter("<isnull><field>A</field></isnull>") == IsNull("A")
    assert _filter("<isnotnull><field>A</field></isnotnull>") == IsNull("A", negate=True)
    nested = _filter("<or><equalto><field>A</field><value>1</value></equalto><and>"
                     "<equalto><field>B</field><value>2</value></equalto>"
                     "<greaterthan><field>C</field><value>3</value></greaterthan></and></or>")
    assert isinstance(nested, Or) and isinstance(nested.children[1], And)


def test_empty_filter_is_all_rows():
    assert parse_query_filter(None) is None
    assert parse_query_filter(etree.fromstring("<filter/>")) is None


@pytest.mark.parametrize("xml", [
    "<and><equalto><field>A</field><value>1</value></equalto></and>",  # and needs two children
    "<between><field>A</field><value>1</value></between>",
    "<equalto><field>A</field></equalto>",
    "<equalto><value>1</value></equalto>",
    "<isnull><field>A</field><value>1</value></isnull>",
    "<contains><field>A</field><value>1</value></contains>",
    "<equalto><field>A</field><value>1</value></equalto><equalto><field>B</field><value>1</value></equalto>",
])
def test_filter_schema_errors(xml):
    with pytest.raises(GatewayError) as failure:
        _filter(xml)
    assert failure.value.details[0].errorno == "XL03000003"


def test_in_with_more_than_1000_values_is_rejected_and_1000_is_fine():
    values = "".join(f"<value>{i}</value>" for i in range(1000))
    assert len(_filter(f"<in><field>A</field>{values}</in>").values) == 1000
    with pytest.raises(GatewayError) as failure:
        _filter(f"<in><field>A</field>{values}<value>x</value></in>")
    assert failure.value.details[0].errorno == "XL03000003"
    assert "This element is not expected" in failure.value.details[0].description2
