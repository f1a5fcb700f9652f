"""Vendor writes to Intacct: a control id per intended write, and "already applied" verified, never assumed."""

from __future__ import annotations

import pytest
from sync_testkit import bc_update, intacct_vendor, linked_vendor, new_bc_vendor, one, outcomes

from intacct.sync import RunOptions
from intacct.sync.vendor_ids import derive_vendor_id

pytestmark = pytest.mark.integration
VENDORS = RunOptions(objects=("vendors",))


def synced(engine, **options):
    return engine.run("scheduled", RunOptions(objects=("vendors",), **options))


class ReplayingClient:
    """A client whose vendor writes reach Intacct twice: the first answer is lost, the replay is answered."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def create(self, object_name, requests, **kwargs):
        self._inner.create(object_name, requests, **kwargs)
        return self._inner.create(object_name, requests, **kwargs)


def test_a_bc_change_reapplied_after_intacct_reverted_it_reaches_intacct(warehouse, make_engine, emulator):
    engine = make_engine(warehouse)
    synced(engine)
    vendor, record = linked_vendor(warehouse, emulator)
    original = record["DISPLAYCONTACT.PHONE1"]
    bc_update(warehouse, "bc_vendors", {"vendor_id": vendor["vendor_id"]}, phone="+1 555 777 0001")  # b
    synced(engine)
    assert intacct_vendor(emulator, vendor["intacct_vendor_id"])["DISPLAYCONTACT.PHONE1"] == "+1 555 777 0001"
    emulator.admin.ui_update("DEMO", "VENDOR", record["RECORDNO"], {"DISPLAYCONTACT.PHONE1": original})  # a
    synced(engine)
    assert one(warehouse, "bc_vendors", vendor_id=vendor["vendor_id"])["phone"] == original
    bc_update(warehouse, "bc_vendors", {"vendor_id": vendor["vendor_id"]}, phone="+1 555 777 0001")  # b again
    summary = synced(engine)
    assert intacct_vendor(emulator, vendor["intacct_vendor_id"])["DISPLAYCONTACT.PHONE1"] == "+1 555 777 0001"
    [logged] = outcomes(warehouse, summary.run_id, bc_key=vendor["vendor_id"])
    assert (logged["direction"], logged["action"]) == ("to_intacct", "updated")
    synced(engine)  # and the next run keeps BC's value
    assert one(warehouse, "bc_vendors", vendor_id=vendor["vendor_id"])["phone"] == "+1 555 777 0001"


def test_a_vendor_created_by_a_replayed_request_is_linked_with_its_recordno(warehouse, make_engine, client,
                                                                             emulator):
    engine = make_engine(warehouse)
    synced(engine)
    new_bc_vendor(warehouse, "bc-replay", "Replay Office Supply")
    summary = synced(make_engine(warehouse, bound_client=ReplayingClient(client)))
    created = intacct_vendor(emulator, derive_vendor_id("bc-replay"))
    [logged] = outcomes(warehouse, summary.run_id, bc_key="bc-replay")
    assert logged["action"] == "created" and "already applied" in logged["reason"]
    link = one(warehouse, "intacct_links", object="vendors", bc_key="bc-replay")
    assert link["intacct_record_no"] == int(created["RECORDNO"])
    emulator.admin.ui_delete("DEMO", "VENDOR", created["RECORDNO"])
    synced(engine, full_refresh=True)
    assert one(warehouse, "bc_vendors", vendor_id="bc-replay")["status"] == "inactive"


def test_an_update_called_already_applied_is_checked_against_intacct(warehouse, make_engine, client, emulator):
    engine = make_engine(warehouse)
    synced(engine)
    vendor, record = linked_vendor(warehouse, emulator)

    class RevertedBetween(ReplayingClient):
        def update(self, object_name, requests, **kwargs):  # applied, reverted by a person, then replayed
            self._inner.update(object_name, requests, **kwargs)
            emulator.admin.ui_update("DEMO", "VENDOR", record["RECORDNO"], {"DISPLAYCONTACT.PHONE1": "+1 555 000 0000"})
            return self._inner.update(object_name, requests, **kwargs)

    bc_update(warehouse, "bc_vendors", {"vendor_id": vendor["vendor_id"]}, phone="+1 555 777 0002")
    summary = synced(make_engine(warehouse, bound_client=RevertedBetween(client)))
    [logged] = outcomes(warehouse, summary.run_id, bc_key=vendor["vendor_id"])
    assert logged["action"] == "rejected" and "already applied" in logged["reason"]
    assert one(warehouse, "intacct_rejections", record_key=vendor["vendor_id"])
