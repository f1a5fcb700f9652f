"""Three-way, per-field diff between the last-synced snapshot, BC and Intacct.

Each field of each record is compared column-wise with numpy (no Python loop over rows), so a diff of a
million vendors takes seconds. A field that differs from the snapshot on one side only is copied to the
other side; a field changed on both sides to different values is a conflict that the entity's policy
resolves; a field changed on both sides to the same value needs nothing.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from intacct.sync.config import CONFLICT_POLICIES
from intacct.sync.mapping import HIDDEN, is_secret
from intacct.sync.policy import winner as decide_winner

POLICIES = CONFLICT_POLICIES
# A base value known to be neither side's: both sides count as changed, so differing values are a conflict
# the policy settles and logs. (A missing base would be "unchanged" for a side with no value, and the other
# side's value would overwrite it silently.) U+FFFE is no character Intacct or XML can carry.
UNKNOWN_BASE = "\ufffe"
TARGETS = ("bc", "intacct")

CHANGE_COLUMNS = ["key", "field", "target", "value", "reason"]
CONFLICT_COLUMNS = ["key", "field", "base_value", "bc_value", "intacct_value", "winner"]


@dataclass(frozen=True)
class DiffResult:
    """What to write where.

    ``changes`` has one row per field to write: key, field, target ('bc' or 'intacct'), value, reason
    ('changed_in_intacct', 'changed_in_bc' or 'conflict'). ``conflicts`` has one row per conflicting field
    with the three values and the winning side (conflicts also appear in ``changes`` as the winner's write).
    Values are str or None; in ``conflicts`` the values of secret fields (``mapping.is_secret``: tax ids)
    read "(hidden)".
    """

    changes: pd.DataFrame
    conflicts: pd.DataFrame
    policy: str

    def __repr__(self) -> str:
        # The frames hold raw values (tax ids among them), so the repr shows only figures.
        return f"DiffResult(policy={self.policy!r}, {self.counts()})"

    def updates_for(self, target: str) -> dict[Hashable, dict[str, Any]]:
        """{key: {field: value}} for the side ``target`` ('bc' or 'intacct')."""
        if target not in TARGETS:
            raise ValueError(f"Unknown target {target!r}: choose 'bc' or 'intacct'")
        selected = self.changes[self.changes["target"].to_numpy() == target]
        updates: dict[Hashable, dict[str, Any]] = {}
        # Only changed fields are visited here, a small fraction of the input.
        for key, field, value in zip(selected["key"], selected["field"], selected["value"], strict=True):
            updates.setdefault(key, {})[field] = value
        return updates

    def counts(self) -> dict[str, int]:
        targets = self.changes["target"].to_numpy()
        return {
            "to_bc": int(pd.unique(self.changes["key"].to_numpy()[targets == "bc"]).size),
            "to_intacct": int(pd.unique(self.changes["key"].to_numpy()[targets == "intacct"]).size),
            "conflicts": len(self.conflicts),
        }


def _as_values(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The column as an object array with every missing value (None, NaN, NA, '') turned into None."""
    values = column.to_numpy(dtype=object, na_value=None)
    missing = pd.isna(values) | (values == "")
    if missing.any():
        values = values.copy()
        values[missing] = None
    return values, missing


def _equal(left: np.ndarray, left_missing: np.ndarray, right: np.ndarray, right_missing: np.ndarray) -> np.ndarray:
    same = np.asarray(left == right, dtype=bool)
    return (same & ~left_missing & ~right_missing) | (left_missing & right_missing)


def _utc(stamps: pd.Series, keys: pd.Index, name: str) -> pd.Series:
    """Timestamps aligned to ``keys`` in UTC (NaT when unknown); naive values are taken as UTC."""
    if not stamps.index.is_unique:
        raise ValueError(f"{name} has duplicate keys")
    return pd.to_datetime(stamps.reindex(keys), utc=True)


def _check_frame(frame: pd.DataFrame, name: str, fields: list[str]) -> None:
    missing = [field for field in fields if field not in frame.columns]
    if missing:
        raise ValueError(f"The {name} frame lacks the column(s) {missing}; every frame needs {fields}")
    if not frame.index.is_unique:
        raise ValueError(f"The {name} frame has duplicate keys; index it by the unique BC vendor_id")


def three_way_diff(base: pd.DataFrame, bc: pd.DataFrame, intacct: pd.DataFrame, *, fields: list[str],
                   policy: str = "intacct_wins", bc_modified: pd.Series | None = None,
                   intacct_modified: pd.Series | None = None,
                   intacct_base: pd.DataFrame | None = None) -> DiffResult:
    """Compare ``fields`` of the records present in both ``bc`` and ``intacct``.

    All frames are indexed by the same key (BC's vendor_id); values are normalized text or missing (None,
    NaN and '' all mean missing). A key with no ``base`` row is compared against an empty snapshot, so
    differing values on first contact are conflicts. Keys present on one side only are not diffed (they
    are creations, handled elsewhere).
    ``policy``: 'intacct_wins' (default), 'bc_wins', or 'newest_wins', which needs ``bc_modified`` and
    ``intacct_modified`` (per key; ``intacct.sync.policy.winner`` decides: whole seconds in UTC, a tie or an unknown
    time goes to Intacct).
    ``intacct_base``: what Intacct last had, where it may differ from what BC last had (``base``): a bill whose
    BC edit is still to be sent keeps BC's old content as its base and Intacct's current one as Intacct's.
    """
    if policy not in POLICIES:
        raise ValueError(f"Unknown conflict policy {policy!r}: choose one of {', '.join(POLICIES)}")
    if policy == "newest_wins" and (bc_modified is None or intacct_modified is None):
        raise ValueError("The newest_wins policy needs bc_modified and intacct_modified timestamps")
    fields = list(fields)
    if intacct_base is None:
        intacct_base = base
    for frame, name in ((base, "base"), (bc, "bc"), (intacct, "intacct"), (intacct_base, "intacct_base")):
        _check_frame(frame, name, fields)

    keys = bc.index
    if not keys.equals(intacct.index):
        keys = keys.intersection(intacct.index, sort=False)
        bc, intacct = bc.reindex(keys), intacct.reindex(keys)
    if not keys.equals(base.index):
        base = base.reindex(keys)
    if not keys.equals(intacct_base.index):
        intacct_base = intacct_base.reindex(keys)
    key_values = keys.to_numpy(dtype=object)

    bc_times: pd.Series | None = None
    intacct_times: pd.Series | None = None
    if policy == "newest_wins":
        assert bc_modified is not None and intacct_modified is not None
        bc_times = _utc(bc_modified, keys, "bc_modified")
        intacct_times = _utc(intacct_modified, keys, "intacct_modified")

    change_parts: list[tuple[np.ndarray, str, str, np.ndarray, str]] = []
    conflict_parts: list[tuple[np.ndarray, str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for field in fields:
        base_values, base_missing = _as_values(base[field])
        bc_values, bc_missing = _as_values(bc[field])
        intacct_values, intacct_missing = _as_values(intacct[field])
        intacct_base_values, intacct_base_missing = (
            (base_values, base_missing) if intacct_base is base else _as_values(intacct_base[field]))

        bc_changed = ~_equal(bc_values, bc_missing, base_values, base_missing)
        intacct_changed = ~_equal(intacct_values, intacct_missing, intacct_base_values, intacct_base_missing)
        both = bc_changed & intacct_changed
        conflict = both & ~_equal(bc_values, bc_missing, intacct_values, intacct_missing)

        only_intacct = np.flatnonzero(intacct_changed & ~bc_changed)
        only_bc = np.flatnonzero(bc_changed & ~intacct_changed)
        change_parts.append((only_intacct, field, "bc", intacct_values[only_intacct], "changed_in_intacct"))
        change_parts.append((only_bc, field, "intacct", bc_values[only_bc], "changed_in_bc"))

        rows = np.flatnonzero(conflict)
        if rows.size:
            if policy == "bc_wins":
                bc_won = np.ones(rows.size, dtype=bool)
            elif policy == "intacct_wins":
                bc_won = np.zeros(rows.size, dtype=bool)
            else:  # the one rule of sync.policy, asked only for the (few) conflicting rows
                assert bc_times is not None and intacct_times is not None
                bc_won = np.array([decide_winner(policy, bc_times.iloc[i], intacct_times.iloc[i]) == "bc"
                                   for i in rows], dtype=bool)
            to_intacct, to_bc = rows[bc_won], rows[~bc_won]
            change_parts.append((to_bc, field, "bc", intacct_values[to_bc], "conflict"))
            change_parts.append((to_intacct, field, "intacct", bc_values[to_intacct], "conflict"))
            winner = np.where(bc_won, "bc", "intacct").astype(object)
            shown = [np.where(base_values[rows] == UNKNOWN_BASE, None, base_values[rows]), bc_values[rows],
                     intacct_values[rows]]
            if is_secret(field):  # conflicts end up in the run log
                shown = [np.where(pd.isna(values), None, HIDDEN).astype(object) for values in shown]
            conflict_parts.append((rows, field, *shown, winner))

    return DiffResult(_changes_frame(change_parts, key_values), _conflicts_frame(conflict_parts, key_values),
                      policy)


def _changes_frame(parts: list[tuple[np.ndarray, str, str, np.ndarray, str]], keys: np.ndarray) -> pd.DataFrame:
    parts = [part for part in parts if part[0].size]
    if not parts:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in CHANGE_COLUMNS})
    rows = np.concatenate([part[0] for part in parts])
    frame = pd.DataFrame({
        "key": keys[rows],
        "field": np.concatenate([np.full(part[0].size, part[1], dtype=object) for part in parts]),
        "target": np.concatenate([np.full(part[0].size, part[2], dtype=object) for part in parts]),
        "value": np.concatenate([part[3] for part in parts]),
        "reason": np.concatenate([np.full(part[0].size, part[4], dtype=object) for part in parts]),
    }, dtype=object)
    # Key order first, so one record's writes sit together (and the output is deterministic).
    order = np.lexsort((frame["field"].to_numpy(), rows))
    return frame.iloc[order].reset_index(drop=True)


def _conflicts_frame(parts: list[tuple[np.ndarray, str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
                     keys: np.ndarray) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in CONFLICT_COLUMNS})
    rows = np.concatenate([part[0] for part in parts])
    frame = pd.DataFrame({
        "key": keys[rows],
        "field": np.concatenate([np.full(part[0].size, part[1], dtype=object) for part in parts]),
        "base_value": np.concatenate([part[2] for part in parts]),
        "bc_value": np.concatenate([part[3] for part in parts]),
        "intacct_value": np.concatenate([part[4] for part in parts]),
        "winner": np.concatenate([part[5] for part in parts]),
    }, dtype=object)
    order = np.lexsort((frame["field"].to_numpy(), rows))
    return frame.iloc[order].reset_index(drop=True)
