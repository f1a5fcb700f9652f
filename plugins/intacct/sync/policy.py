"""Which side wins a conflict: one rule for every object (accounts, vendors, bills, and any to come).

Intacct keeps WHENMODIFIED in whole seconds while BC's ``updated_at`` has microseconds, so comparing them
as they come lets BC win every race that happened within one second. ``newest_wins`` therefore compares
both at whole-second resolution in UTC, and a tie goes to Intacct, the system of record. A side whose time
is unknown never wins by it: the conflict goes to Intacct.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

Side = Literal["bc", "intacct"]


def _whole_second(value: Any) -> int | None:
    """Seconds since the epoch (UTC, fraction dropped), or None for a missing time. Naive values are UTC,
    which is how the warehouse stores them."""
    if value is None or value != value:  # None, NaN, NaT
        return None
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
        value = value.to_pydatetime()
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() // 1)


def winner(policy: str, bc_modified: Any = None, intacct_modified: Any = None) -> Side:
    """The side whose value is kept when a record changed on both sides since the last sync."""
    if policy == "bc_wins":
        return "bc"
    if policy == "intacct_wins":
        return "intacct"
    if policy == "newest_wins":
        bc_second, intacct_second = _whole_second(bc_modified), _whole_second(intacct_modified)
        if bc_second is None or intacct_second is None:
            return "intacct"
        return "bc" if bc_second > intacct_second else "intacct"
    raise ValueError(f"Unknown conflict policy {policy!r}: choose intacct_wins, bc_wins or newest_wins")
