"""The look-back window re-reads recent Intacct changes; what it reads again line by line (bills' content).

WHENMODIFIED has whole seconds, so only a bill read in the second of its last edit can hide a same-second
edit (``test_same_second_edits.py``): bills edited long before they were read are not compared again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sync_testkit import COMPANY, rows

from intacct.client import IntacctClient
from intacct_emulator import Emulator
from intacct_emulator.data.world import Clock

pytestmark = pytest.mark.integration


@pytest.fixture
def emulator() -> Emulator:
    """A company whose every record was last edited a day ago (its clock frozen there while it is built); the
    clock then runs on in real time."""
    built = Emulator.from_dataset("demo", seed=0, clock=Clock(datetime.now(UTC) - timedelta(days=1), frozen=True))
    built.world.clock._frozen_at = None
    return built


def test_the_look_back_reads_no_lines_of_bills_edited_long_before_they_were_read(warehouse, make_engine, monkeypatch):
    # Every bill is inside the look-back window of the watermark (the newest WHENMODIFIED), but each was
    # edited a day before the sync read it.
    engine = make_engine(warehouse)
    engine.run("scheduled")
    engine.run("scheduled")
    linked = {r["intacct_record_no"] for r in rows(warehouse, "bc_bills", company_id=COMPANY)} - {None}
    asked: list = []
    original = IntacctClient.read_bill_lines

    def spy(self, record_nos, *args, **kwargs):
        asked.extend(record_nos)
        return original(self, record_nos, *args, **kwargs)

    monkeypatch.setattr(IntacctClient, "read_bill_lines", spy)
    summary = engine.run("scheduled")
    assert summary.status == "succeeded"
    # (bills still to import, e.g. of a vendor not in BC yet, are read again by RECORDNO, with their lines)
    again = sorted(set(asked) & linked)
    assert again == [], f"lines of {len(again)} linked bills were read again, though edited a day before they were read"
