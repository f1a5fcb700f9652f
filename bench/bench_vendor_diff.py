"""Benchmark: three-way vendor diff of 1,000,000 vendors, 1% changed on each side.

Targets: the diff itself under 10 s, the whole process under 2 GiB peak resident memory (data included).
Prints the figures and exits with status 1 when a target is missed.

    python bench/bench_vendor_diff.py [--vendors N] [--policy newest_wins]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

from intacct.sync.diff import POLICIES, three_way_diff  # noqa: E402
from intacct.sync.mapping import VENDOR_SYNCED_FIELDS  # noqa: E402

TIME_TARGET_SECONDS = 10.0
MEMORY_TARGET_BYTES = 2 * 1024**3


def _peak_rss_bytes() -> int:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _numbered(prefix: str, numbers: np.ndarray, suffix: str = "") -> np.ndarray:
    return np.char.add(np.char.add(prefix, numbers.astype(str)), suffix).astype(object)


def make_snapshot(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """A realistic-looking vendor snapshot: unique names, emails, phones…; repeated cities, terms, currencies."""
    numbers = np.arange(n)

    def pick(choices: list[str | None]) -> np.ndarray:
        return np.array(choices, dtype=object)[rng.integers(0, len(choices), n)]

    address_line2 = pick(["Suite 100", "Floor 2", None, None, None, None])
    data = {
        "name": _numbered("Vendor ", numbers, " Inc"),
        "email": _numbered("ap", numbers, "@vendor.example"),
        "phone": _numbered("+1 555 ", numbers % 10_000_000),
        "address_line1": _numbered("", numbers % 9999 + 1, " Main Street"),
        "address_line2": address_line2,
        "city": pick(["San Jose", "Toronto", "Austin", "Denver", "Boston", "Seattle"]),
        "state": pick(["CA", "ON", "TX", "CO", "MA", "WA"]),
        "postal_code": _numbered("", 10000 + numbers % 89999),
        "country": pick(["United States", "Canada"]),
        "tax_id": _numbered("", 100000000 + numbers),
        "payment_terms": pick(["Net 30", "Net 15", "Due on receipt", None]),
        "currency": pick(["USD", "CAD"]),
        "status": pick(["active"] * 9 + ["inactive"]),
    }
    index = pd.Index(_numbered("BC-V", numbers), name="vendor_id")
    return pd.DataFrame({field: data[field] for field in VENDOR_SYNCED_FIELDS}, index=index, dtype=object)


def mutate(frame: pd.DataFrame, rows: np.ndarray, fields: np.ndarray, tag: str) -> None:
    """Set ``frame[field][row]`` to a new value for each (row, field) pair, in place."""
    for field in np.unique(fields):
        selected = rows[fields == field]
        column = frame[field].to_numpy(dtype=object).copy()
        column[selected] = _numbered(f"{tag} ", selected)
        frame[field] = column


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendors", type=int, default=1_000_000)
    parser.add_argument("--policy", choices=POLICIES, default="newest_wins")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dtype", choices=("object", "str"), default="object",
                        help="column dtype of the frames: object, or pandas' string dtype as read_sql infers it")
    args = parser.parse_args()
    n = args.vendors
    rng = np.random.default_rng(args.seed)

    started = time.perf_counter()
    base = make_snapshot(n, rng)
    changed_each_side = n // 100
    # A fifth of the changed records are changed on both sides: half to the same value, half differently.
    overlap = changed_each_side // 5
    picked = rng.choice(n, size=2 * changed_each_side - overlap, replace=False)
    bc_rows = picked[:changed_each_side]
    intacct_rows = picked[changed_each_side - overlap:]
    field_names = np.array(VENDOR_SYNCED_FIELDS, dtype=object)
    bc_fields = field_names[rng.integers(0, len(field_names), bc_rows.size)]
    intacct_fields = field_names[rng.integers(0, len(field_names), intacct_rows.size)]
    # Overlapping records change the same field on both sides (otherwise no conflict could arise).
    intacct_fields[:overlap] = bc_fields[changed_each_side - overlap:]
    same_value = np.zeros(intacct_rows.size, dtype=bool)
    same_value[: overlap // 2] = True

    bc = base.copy()
    intacct = base.copy()
    mutate(bc, bc_rows, bc_fields, "bc")
    mutate(intacct, intacct_rows[~same_value], intacct_fields[~same_value], "intacct")
    mutate(intacct, intacct_rows[same_value], intacct_fields[same_value], "bc")
    if args.dtype == "str":
        base, bc, intacct = (frame.astype("str") for frame in (base, bc, intacct))
    now = pd.Timestamp("2025-01-01", tz="UTC")
    bc_modified = pd.Series(now + pd.to_timedelta(rng.integers(0, 86_400, n), unit="s"), index=base.index)
    intacct_modified = pd.Series(now + pd.to_timedelta(rng.integers(0, 86_400, n), unit="s"), index=base.index)
    generation_seconds = time.perf_counter() - started

    started = time.perf_counter()
    result = three_way_diff(base, bc, intacct, fields=VENDOR_SYNCED_FIELDS, policy=args.policy,
                            bc_modified=bc_modified, intacct_modified=intacct_modified)
    diff_seconds = time.perf_counter() - started
    peak = _peak_rss_bytes()

    expected_conflicts = overlap - overlap // 2
    expected_changes = (changed_each_side - overlap) * 2 + expected_conflicts
    reasons = result.changes["reason"].value_counts().to_dict()
    correct = len(result.conflicts) == expected_conflicts and len(result.changes) == expected_changes

    print(f"vendors:              {n:,} x {len(VENDOR_SYNCED_FIELDS)} fields ({args.dtype} columns), "
          f"policy {args.policy}")
    print(f"changed per side:     {changed_each_side:,} (both sides: {overlap:,}, of which same value: {overlap // 2:,})")
    print(f"data generation:      {generation_seconds:.2f} s (not measured)")
    print(f"diff time:            {diff_seconds:.2f} s (target < {TIME_TARGET_SECONDS:.0f} s)")
    print(f"peak RSS (process):   {peak / 1024**2:,.0f} MiB (target < {MEMORY_TARGET_BYTES / 1024**2:,.0f} MiB)")
    print(f"changes:              {len(result.changes):,} {reasons} (expected {expected_changes:,})")
    print(f"conflicts:            {len(result.conflicts):,} (expected {expected_conflicts:,})")

    failures = []
    if not correct:
        failures.append("the diff found a different number of changes or conflicts than were made")
    if diff_seconds >= TIME_TARGET_SECONDS:
        failures.append(f"diff took {diff_seconds:.2f} s")
    if peak >= MEMORY_TARGET_BYTES:
        failures.append(f"peak memory {peak / 1024**2:,.0f} MiB")
    for failure in failures:
        print(f"TARGET MISSED: {failure}")
    if not failures:
        print("all targets met")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
