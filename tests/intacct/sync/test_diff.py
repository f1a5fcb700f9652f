from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from intacct.sync.diff import three_way_diff

pytestmark = pytest.mark.unit

FIELDS = ["name", "email", "tax_id"]


def frames():
    base = pd.DataFrame(
        {"name": ["Acme", "Beta", "Cora", "Dax"], "email": ["a@x.io", None, "c@x.io", "d@x.io"],
         "tax_id": ["111", "222", "333", "444"]},
        index=pd.Index(["V1", "V2", "V3", "V4"], name="vendor_id"), dtype=object)
    return base, base.copy(), base.copy()


def change_set(result):
    return {(row.key, row.field, row.target, row.value, row.reason) for row in result.changes.itertuples()}


def test_nothing_changed_means_nothing_to_do():
    base, bc, intacct = frames()
    result = three_way_diff(base, bc, intacct, fields=FIELDS, policy="intacct_wins")
    assert result.changes.empty and result.conflicts.empty
    assert list(result.changes.columns) == ["key", "field", "target", "value", "reason"]
    assert list(result.conflicts.columns) == ["key", "field", "base_value", "bc_value", "intacct_value", "winner"]
    assert result.updates_for("bc") == {} and result.updates_for("intacct") == {}


def test_one_sided_changes_go_to_the_other_side():
    base, bc, intacct = frames()
    intacct.loc["V1", "name"] = "Acme Corp"
    bc.loc["V2", "email"] = "b@x.io"
    result = three_way_diff(base, bc, intacct, fields=FIELDS, policy="intacct_wins")
    assert change_set(result) == {
        ("V1", "name", "bc", "Acme Corp", "changed_in_intacct"),
        ("V2", "email", "intacct", "b@x.io", "changed_in_bc"),
    }
    assert result.conflicts.empty
    assert result.updates_for("bc") == {"V1": {"name": "Acme Corp"}}
    assert result.updates_for("intacct") == {"V2": {"email": "b@x.io"}}


def test_both_changed_to_the_same_value_needs_nothing():
    base, bc, intacct = frames()
    bc.loc["V3", "name"] = intacct.loc["V3", "name"] = "Cora Ltd"
    result = three_way_diff(base, bc, intacct, fields=FIELDS, policy="bc_wins")
    assert result.changes.empty and result.conflicts.empty


@pytest.mark.parametrize(("policy", "winner", "target", "value"), [
    ("intacct_wins", "intacct", "bc", "Dax Intacct"),
    ("bc_wins", "bc", "intacct", "Dax BC"),
])
def test_conflicts_follow_the_fixed_policies(policy, winner, target, value):
    base, bc, intacct = frames()
    bc.loc["V4", "name"] = "Dax BC"
    intacct.loc["V4", "name"] = "Dax Intacct"
    result = three_way_diff(base, bc, intacct, fields=FIELDS, policy=policy)
    assert change_set(result) == {("V4", "name", target, value, "conflict")}
    conflict = result.conflicts.iloc[0].to_dict()
    assert conflict == {"key": "V4", "field": "name", "base_value": "Dax", "bc_value": "Dax BC",
                        "intacct_value": "Dax Intacct", "winner": winner}


def test_default_policy_is_intacct_wins():
    base, bc, intacct = frames()
    bc.loc["V4", "name"], intacct.loc["V4", "name"] = "B", "I"
    assert three_way_diff(base, bc, intacct, fields=FIELDS).conflicts["winner"].tolist() == ["intacct"]


def test_newest_wins_compares_the_modification_times():
    base, bc, intacct = frames()
    for key in ("V1", "V2", "V3", "V4"):
        bc.loc[key, "name"], intacct.loc[key, "name"] = f"{key} bc", f"{key} intacct"
    stamp = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    bc_modified = pd.Series({"V1": pd.Timestamp(stamp) + pd.Timedelta(minutes=5),  # BC newer
                             "V2": pd.Timestamp(stamp),                             # tie -> intacct
                             "V3": pd.Timestamp(stamp) - pd.Timedelta(minutes=5),  # Intacct newer
                             "V4": None})                                           # unknown BC time
    # Naive BC times are UTC: 12:03 naive is later than 04:00-08:00 == 12:00 UTC.
    intacct_modified = pd.Series({"V1": stamp, "V2": stamp, "V3": stamp, "V4": stamp})
    result = three_way_diff(base, bc, intacct, fields=["name"], policy="newest_wins",
                            bc_modified=bc_modified, intacct_modified=intacct_modified)
    winners = dict(zip(result.conflicts["key"], result.conflicts["winner"], strict=True))
    assert winners == {"V1": "bc", "V2": "intacct", "V3": "intacct", "V4": "intacct"}
    assert result.updates_for("intacct") == {"V1": {"name": "V1 bc"}}


def test_newest_wins_treats_naive_times_as_utc_and_converts_other_zones():
    base, bc, intacct = frames()
    bc.loc["V1", "name"], intacct.loc["V1", "name"] = "bc", "intacct"
    bc_modified = pd.Series({"V1": datetime(2025, 1, 1, 12, 3)})  # naive = UTC
    intacct_modified = pd.Series({"V1": pd.Timestamp("2025-01-01 04:00", tz="America/Los_Angeles")})  # 12:00 UTC
    result = three_way_diff(base, bc, intacct, fields=["name"], policy="newest_wins",
                            bc_modified=bc_modified, intacct_modified=intacct_modified)
    assert result.conflicts["winner"].tolist() == ["bc"]


def test_newest_wins_needs_both_timestamps():
    base, bc, intacct = frames()
    with pytest.raises(ValueError, match="bc_modified and intacct_modified"):
        three_way_diff(base, bc, intacct, fields=FIELDS, policy="newest_wins")


def test_unknown_policy_names_the_choices():
    base, bc, intacct = frames()
    with pytest.raises(ValueError, match="intacct_wins, bc_wins, newest_wins"):
        three_way_diff(base, bc, intacct, fields=FIELDS, policy="last_writer")


def test_none_nan_and_empty_string_are_the_same_missing_value():
    base, bc, intacct = frames()
    bc.loc["V2", "email"] = ""         # base None -> '' : no change
    intacct.loc["V2", "email"] = np.nan  # base None -> NaN : no change
    bc.loc["V1", "email"] = None       # cleared in BC: a real change
    result = three_way_diff(base, bc, intacct, fields=FIELDS, policy="intacct_wins")
    assert change_set(result) == {("V1", "email", "intacct", None, "changed_in_bc")}


def test_pandas_string_dtype_frames_work_like_object_frames():
    base, bc, intacct = frames()
    base, bc, intacct = (frame.astype("str") for frame in (base, bc, intacct))
    intacct.loc["V3", "email"] = ""
    bc.loc["V4", "email"] = "new@x.io"
    result = three_way_diff(base, bc, intacct, fields=FIELDS)
    assert change_set(result) == {("V3", "email", "bc", None, "changed_in_intacct"),
                                  ("V4", "email", "intacct", "new@x.io", "changed_in_bc")}


def test_clearing_on_both_sides_is_not_a_conflict_but_clearing_versus_editing_is():
    base, bc, intacct = frames()
    bc.loc["V1", "email"] = None
    intacct.loc["V1", "email"] = ""
    bc.loc["V3", "email"] = None
    intacct.loc["V3", "email"] = "new@x.io"
    result = three_way_diff(base, bc, intacct, fields=FIELDS, policy="bc_wins")
    assert change_set(result) == {("V3", "email", "intacct", None, "conflict")}


def test_keys_missing_from_the_snapshot_compare_against_nothing():
    base, bc, intacct = frames()
    base = base.drop(index="V1")
    result = three_way_diff(base, bc, intacct, fields=FIELDS)
    assert result.changes.empty  # both sides agree on V1's values


def test_keys_on_one_side_only_are_left_to_the_create_logic():
    base, bc, intacct = frames()
    bc = pd.concat([bc, pd.DataFrame({"name": ["New"], "email": [None], "tax_id": [None]}, index=["V9"])])
    intacct = intacct.iloc[::-1]  # different order, same keys
    intacct.loc["V2", "name"] = "Beta 2"
    result = three_way_diff(base, bc, intacct, fields=FIELDS)
    assert change_set(result) == {("V2", "name", "bc", "Beta 2", "changed_in_intacct")}


def test_conflicts_never_show_tax_ids():
    base, bc, intacct = frames()
    bc.loc["V1", "tax_id"], intacct.loc["V1", "tax_id"] = "999-bc", "999-intacct"
    result = three_way_diff(base, bc, intacct, fields=FIELDS, policy="bc_wins")
    assert "999" not in repr(result.conflicts) and "111" not in repr(result.conflicts)
    assert result.conflicts.iloc[0]["bc_value"] == "(hidden)"
    # The write itself still carries the real value.
    assert result.updates_for("intacct") == {"V1": {"tax_id": "999-bc"}}


def test_bad_frames_are_explained():
    base, bc, intacct = frames()
    with pytest.raises(ValueError, match="lacks the column"):
        three_way_diff(base, bc.drop(columns="email"), intacct, fields=FIELDS)
    with pytest.raises(ValueError, match="duplicate keys"):
        three_way_diff(base, pd.concat([bc, bc]), intacct, fields=FIELDS)
    with pytest.raises(ValueError, match="'bc' or 'intacct'"):
        three_way_diff(base, bc, intacct, fields=FIELDS).updates_for("warehouse")


def test_counts_per_direction():
    base, bc, intacct = frames()
    bc.loc["V1", ["name", "email"]] = ["x", "y@x.io"]
    intacct.loc["V2", "name"] = "z"
    bc.loc["V3", "name"], intacct.loc["V3", "name"] = "b", "i"
    assert three_way_diff(base, bc, intacct, fields=FIELDS).counts() == {
        "to_bc": 2, "to_intacct": 1, "conflicts": 1}


def test_many_rows_match_a_row_by_row_reference():
    rng = np.random.default_rng(3)
    n = 2000
    choices = np.array(["a", "b", "", None], dtype=object)
    base = pd.DataFrame({f: choices[rng.integers(0, 4, n)] for f in FIELDS}, index=[f"K{i}" for i in range(n)])
    bc = pd.DataFrame({f: choices[rng.integers(0, 4, n)] for f in FIELDS}, index=base.index)
    intacct = pd.DataFrame({f: choices[rng.integers(0, 4, n)] for f in FIELDS}, index=base.index)
    result = three_way_diff(base, bc, intacct, fields=FIELDS, policy="bc_wins")

    def norm(value):
        return None if pd.isna(value) or value == "" else value

    expected = set()
    for key in base.index:
        for field in FIELDS:
            b, c, i = (norm(frame.at[key, field]) for frame in (base, bc, intacct))
            if c != b and i == b:
                expected.add((key, field, "intacct", c, "changed_in_bc"))
            elif i != b and c == b:
                expected.add((key, field, "bc", i, "changed_in_intacct"))
            elif c != b and i != b and c != i:
                expected.add((key, field, "intacct", c, "conflict"))
    assert change_set(result) == expected
    assert len(expected) > 100


def test_newest_wins_a_same_second_vendor_race_goes_to_intacct():
    # BC's updated_at has microseconds, Intacct's WHENMODIFIED whole seconds: 12:00:00.7 is the same second.
    base, bc, intacct = frames()
    bc.loc["V1", "name"], intacct.loc["V1", "name"] = "bc", "intacct"
    bc.loc["V2", "name"], intacct.loc["V2", "name"] = "bc", "intacct"
    stamp = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    result = three_way_diff(base, bc, intacct, fields=["name"], policy="newest_wins",
                            bc_modified=pd.Series({"V1": stamp + timedelta(microseconds=700_000),
                                                   "V2": stamp + timedelta(seconds=1)}),
                            intacct_modified=pd.Series({"V1": stamp, "V2": stamp}))
    assert dict(zip(result.conflicts["key"], result.conflicts["winner"], strict=True)) == {
        "V1": "intacct", "V2": "bc"}
