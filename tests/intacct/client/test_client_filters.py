from datetime import UTC, date, datetime

import pytest
from lxml import etree

from intacct.client import filters as F
from intacct.client.values import ValueCodec

pytestmark = pytest.mark.unit
codec = ValueCodec("America/Los_Angeles")


def xml(f):
    return etree.tostring(f.to_element(codec)).decode()


def test_query_filter_xml_with_company_local_timestamp():
    f = F.and_(F.eq("STATUS", "active"), F.gte("WHENMODIFIED", datetime(2024, 7, 1, 17, 0, tzinfo=UTC)))
    assert xml(f) == ("<and><equalto><field>STATUS</field><value>active</value></equalto>"
                      "<greaterthanorequalto><field>WHENMODIFIED</field><value>07/01/2024 10:00:00</value>"
                      "</greaterthanorequalto></and>")


def test_and_or_drop_none_and_collapse_single_parts():
    single = F.and_(None, F.is_null("WHENMODIFIED"))
    assert xml(single) == "<isnull><field>WHENMODIFIED</field></isnull>"
    assert F.and_(None, None) is None
    nested = F.and_(F.and_(F.eq("A", 1), F.eq("B", 2)), F.eq("C", 3))
    assert xml(nested).count("<and>") == 1


def test_in_values_limit_and_query_string_form():
    assert xml(F.in_("RECORDKEY", [1, 2])) == ("<in><field>RECORDKEY</field><value>1</value><value>2</value></in>")
    with pytest.raises(ValueError, match="1000"):
        F.in_("RECORDKEY", range(1001))
    text = F.and_(F.eq("NAME", "Jane's Deli"), F.gte("WHENDUE", date(2024, 1, 2))).to_query_string(codec)
    assert text == "(NAME = 'Jane\\'s Deli' AND WHENDUE >= '01/02/2024')"


def test_none_value_is_rejected_with_hint():
    with pytest.raises(ValueError, match="is_null"):
        F.eq("EMAIL", None)
