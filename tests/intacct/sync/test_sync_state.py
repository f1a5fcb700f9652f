"""The sync's own tables through SyncState: links streamed for whole-company passes."""

from __future__ import annotations

import pytest
from sync_testkit import COMPANY, ENTITY

from intacct.sync.state import Link, SyncState

pytestmark = pytest.mark.integration


def test_links_are_streamed_in_batches_and_agree_with_the_lookup(any_warehouse):
    state = SyncState(any_warehouse, COMPANY, ENTITY)
    links = [Link(f"ia-V{n}", f"V{n}", n, {"name": f"Vendor {n}"}, None) for n in range(2500)]
    with any_warehouse.engine.begin() as connection:
        state.save_links(connection, "vendors", links)
        state.save_links(connection, "bills", [Link("ia-1", "1", 1, {}, None)])
    with any_warehouse.engine.connect() as connection:
        streamed = list(state.iter_links(connection, "vendors", batch=1000))
        looked_up = state.links(connection, "vendors")
    assert len(streamed) == 2500 and {link.bc_key: link for link in streamed} == looked_up
    assert {link.intacct_record_no for link in streamed} == set(range(2500))
