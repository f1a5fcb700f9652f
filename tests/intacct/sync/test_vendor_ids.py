from __future__ import annotations

import re

import pandas as pd
import pytest

from intacct.sync.vendor_ids import (
    VendorIndex,
    company_vendor_id,
    derive_vendor_id,
    match_candidates,
    normalize_name,
    normalize_tax_id,
)

pytestmark = pytest.mark.unit

ALLOWED = re.compile(r"^[A-Z0-9_-]{1,20}$")


@pytest.mark.parametrize("bc_id", ["BC-V0001", "V_1", "12345678901234567890"])
def test_short_clean_ids_are_kept_as_they_are(bc_id):
    assert derive_vendor_id(bc_id) == bc_id


@pytest.mark.parametrize("bc_id", [
    "vendor-with-a-very-long-identifier-0001", "bc v/0001", "Fournisseur Générale #12", "ÄÖÜ", "!!!",
    "lower-case", "a" * 200, "  padded  ",
])
def test_derived_ids_are_short_allowed_and_deterministic(bc_id):
    derived = derive_vendor_id(bc_id)
    assert ALLOWED.match(derived), derived
    assert derive_vendor_id(bc_id) == derived


def test_ids_sharing_a_20_character_prefix_do_not_collide():
    prefix = "BC-VENDOR-LONG-PREFIX"  # 21 characters
    derived = {derive_vendor_id(f"{prefix}-{n:06d}") for n in range(20_000)}
    assert len(derived) == 20_000
    assert all(len(vendor_id) <= 20 for vendor_id in derived)
    assert derive_vendor_id("A" * 25) != derive_vendor_id("A" * 24 + "B")


def test_ids_differing_only_in_case_or_replaced_characters_do_not_collide():
    ids = ["bc-v1", "BC-v1", "bc v1", "bc/v1", "bc.v1", "BC-V1"]
    assert len({derive_vendor_id(bc_id) for bc_id in ids}) == len(ids)


def test_a_readable_prefix_survives():
    assert derive_vendor_id("acme supplies 0001").startswith("ACME-SU")


def test_an_empty_bc_id_is_refused():
    with pytest.raises(ValueError, match="vendor_id is required"):
        derive_vendor_id("  ")


@pytest.mark.parametrize(("a", "b"), [
    ("ACME, Inc.", "Acme Inc"),
    ("Acme L.L.C.", "acme"),
    ("  Smith &  Sons Co., Ltd. ", "smith and sons"),
    ("Café Crème GmbH", "cafe creme"),
    ("Globex Corporation", "GLOBEX corp."),
])
def test_normalize_name_makes_spellings_of_one_company_equal(a, b):
    assert normalize_name(a) == normalize_name(b) != ""


def test_normalize_name_keeps_meaningful_words():
    assert normalize_name("The Company Store") == "the company store"
    assert normalize_name("Inc") == "inc"  # nothing but a legal form: keep it
    assert normalize_name(None) == "" and normalize_name("  ") == ""
    assert normalize_name("Acme Inc") != normalize_name("Acme Industries")


def test_normalize_tax_id():
    assert normalize_tax_id("12-345 6789") == normalize_tax_id("123456789") == "123456789"
    assert normalize_tax_id("gb 123.456") == "GB123456"
    assert normalize_tax_id(None) == ""


INTACCT_VENDORS = [
    {"RECORDNO": 1, "VENDORID": "V-ACME", "NAME": "ACME, Inc.", "TAXID": "11-1111111", "STATUS": "active"},
    {"RECORDNO": 2, "VENDORID": "V-GLOBEX", "NAME": "Globex", "TAXID": "22-2222222", "STATUS": "active"},
    {"RECORDNO": 3, "VENDORID": "V-GLOBEX2", "NAME": "Globex LLC", "TAXID": None, "STATUS": "inactive"},
    {"RECORDNO": 4, "VENDORID": "BC-V0007", "NAME": "Initech", "TAXID": "", "STATUS": "active"},
    {"RECORDNO": 5, "VENDORID": "V-INITECH", "NAME": "Initech", "TAXID": "", "STATUS": "active"},
]


def test_match_by_derived_vendor_id_is_decisive():
    result = match_candidates({"vendor_id": "BC-V0007", "name": "Initech"}, INTACCT_VENDORS)
    assert result.outcome == "exact" and result.exact.record_no == 4
    assert result.exact.matched_on == ("vendor_id",)


def test_single_match_by_tax_id():
    result = match_candidates({"vendor_id": "BC-V9", "name": "Different", "tax_id": "111111111"},
                              INTACCT_VENDORS)
    assert result.outcome == "exact"
    assert (result.exact.vendor_id, result.exact.matched_on) == ("V-ACME", ("tax_id",))


def test_single_match_by_normalized_name():
    result = match_candidates({"vendor_id": "BC-V9", "name": "Acme Inc"}, INTACCT_VENDORS)
    assert result.exact.vendor_id == "V-ACME" and result.exact.matched_on == ("name",)


def test_tax_id_and_name_on_the_same_vendor_is_one_candidate():
    result = match_candidates({"vendor_id": "BC-V9", "name": "acme", "tax_id": "11 1111111"}, INTACCT_VENDORS)
    assert result.exact.matched_on == ("tax_id", "name")


def test_several_candidates_need_review_and_say_why():
    result = match_candidates({"vendor_id": "BC-V9", "name": "Globex"}, INTACCT_VENDORS)
    assert result.ambiguous and result.exact is None and result.outcome == "ambiguous"
    assert [c.vendor_id for c in result.candidates] == ["V-GLOBEX", "V-GLOBEX2"]
    message = result.describe()
    assert "Needs review" in message and "V-GLOBEX" in message and "V-GLOBEX2" in message


def test_tax_id_matching_one_and_name_matching_another_is_ambiguous():
    result = match_candidates({"vendor_id": "BC-V9", "name": "Globex LLC", "tax_id": "22-2222222"},
                              INTACCT_VENDORS)
    assert result.ambiguous
    assert {c.matched_on for c in result.candidates} == {("tax_id", "name"), ("name",)}


def test_a_different_tax_id_vetoes_a_name_match():
    # 'Acme LLC' and 'ACME, Inc.' normalize alike, but their tax ids say they are two companies.
    result = match_candidates({"vendor_id": "BC-V9", "name": "Acme LLC", "tax_id": "99-9999999"}, INTACCT_VENDORS)
    assert result.none and result.exact is None
    result = match_candidates({"vendor_id": "BC-V9", "name": "Globex", "tax_id": "99"}, INTACCT_VENDORS)
    assert [c.vendor_id for c in result.candidates] == ["V-GLOBEX2"]  # no tax id there: still a suggestion


def test_a_vendor_id_held_by_another_company_is_no_match():
    result = match_candidates({"vendor_id": "BC-V0007", "name": "Umbrella", "tax_id": "55-5555555"},
                              INTACCT_VENDORS)
    assert result.none
    assert match_candidates({"vendor_id": "BC-V0007", "name": "Initech", "tax_id": "55-5555555"},
                            INTACCT_VENDORS).exact.record_no == 4  # no tax id in Intacct: the name agrees


def test_company_vendor_ids_differ_per_company_and_fit():
    first, second = company_vendor_id("V001", "bc-us"), company_vendor_id("V001", "bc-ca")
    assert first != second and first.startswith("V001-") and len(first) <= 20
    assert company_vendor_id("V001", "bc-us") == first
    long = company_vendor_id("bc-vendor-with-a-long-identifier-0001", "bc-us")
    assert len(long) <= 20 and long != derive_vendor_id("bc-vendor-with-a-long-identifier-0001")


def test_no_match():
    result = match_candidates({"vendor_id": "BC-V9", "name": "Hooli", "tax_id": ""}, INTACCT_VENDORS)
    assert result.none and result.outcome == "none" and not result.ambiguous
    assert "will be created" in result.describe()


def test_empty_tax_ids_and_names_never_match_each_other():
    vendors = [{"VENDORID": "A", "NAME": "", "TAXID": ""}, {"VENDORID": "B", "NAME": None, "TAXID": None}]
    assert match_candidates({"vendor_id": "X", "name": "", "tax_id": ""}, vendors).none


def test_accepts_a_dataframe_of_bc_shaped_rows_and_reuses_an_index():
    frame = pd.DataFrame([{"intacct_vendor_id": "V-ACME", "name": "Acme Inc", "tax_id": "1", "intacct_record_no": 1,
                           "status": "active"}])
    assert match_candidates({"vendor_id": "BC-1", "name": "ACME"}, frame).exact.vendor_id == "V-ACME"
    index = VendorIndex(INTACCT_VENDORS)
    assert match_candidates({"vendor_id": "BC-V9", "name": "Acme"}, index).exact.record_no == 1


def test_results_never_reveal_tax_ids():
    result = match_candidates({"vendor_id": "BC-V9", "name": "Globex", "tax_id": "22-2222222"}, INTACCT_VENDORS)
    shown = repr(result) + result.describe() + repr(VendorIndex(INTACCT_VENDORS))
    assert "2222222" not in shown and "1111111" not in shown
