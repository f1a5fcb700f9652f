"""Named points where the engine writes, so tests can interrupt a run exactly there.

``SyncEngine(..., fault_hook=hook)`` calls ``hook(point, context)`` at each point below; raising from
the hook simulates a crash at that instant (the process dying, a lost connection, a database error).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

BEFORE_INTACCT_WRITE = "before_intacct_write"  # intent journalled, nothing sent yet
AFTER_INTACCT_WRITE = "after_intacct_write"    # Intacct committed, BC/link not yet written
BEFORE_BC_COMMIT = "before_bc_commit"          # BC changes of a chunk/page staged, not committed
AFTER_BC_COMMIT = "after_bc_commit"            # chunk/page (with its watermark) committed

WRITE_POINTS = (BEFORE_INTACCT_WRITE, AFTER_INTACCT_WRITE, BEFORE_BC_COMMIT, AFTER_BC_COMMIT)

FaultHook = Callable[[str, Mapping], None]


def no_faults(point: str, context: Mapping) -> None:
    """The production hook: does nothing."""


class InjectedFault(RuntimeError):
    """Raised by test hooks to simulate a crash."""
