"""Malformed Intacct vendor and account rows: each is rejected naming the record and the field; the rest syncs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sync_testkit import COMPANY, outcomes, rows

from intacct.sync import RunOptions

pytestmark = pytest.mark.integration


class TamperingClient:
    """A client that reads some records back broken, as a faulty endpoint or a bad export would send them."""

    def __init__(self, inner, object_name, key_field, broken: dict[str, dict]):
        self._inner, self._object, self._key, self._broken = inner, object_name, key_field, broken

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def _tamper(self, records):
        out = []
        for record in records:
            changes = self._broken.get(str(record.get(self._key)))
            out.append({**record, **changes} if changes else record)
        return out

    def iter_pages(self, object_name, *args, **kwargs):
        for page in self._inner.iter_pages(object_name, *args, **kwargs):
            yield replace(page, records=self._tamper(page.records)) if object_name == self._object else page

    def iter_records(self, object_name, *args, **kwargs):
        for page in self.iter_pages(object_name, *args, **kwargs):
            yield from page.records

    def find(self, object_name, *args, **kwargs):
        found = self._inner.find(object_name, *args, **kwargs)
        return self._tamper(found) if object_name == self._object else found


VENDOR_BREAKS = {
    "V0001": {"RECORDNO": "12,5"},
    "V0002": {"RECORDNO": None},
    "V0003": {"WHENMODIFIED": "yesterday"},
    "V0004": {"NAME": "   "},
    "V0005": {"RECORDNO": "1e400"},
}


def test_malformed_intacct_vendors_are_rejected_one_by_one(warehouse, make_engine, client):
    engine = make_engine(warehouse, bound_client=TamperingClient(client, "VENDOR", "VENDORID", VENDOR_BREAKS))
    summary = engine.run("scheduled", RunOptions(objects=("vendors",)))
    assert summary.status == "partial"
    expected_field = {"V0001": "RECORDNO", "V0002": "RECORDNO", "V0003": "WHENMODIFIED", "V0004": "NAME",
                      "V0005": "RECORDNO"}
    for vendor_id, field in expected_field.items():
        logged = [o for o in outcomes(warehouse, summary.run_id, intacct_key=vendor_id) if o["action"] == "rejected"]
        assert logged, vendor_id
        assert f"VENDORID {vendor_id}" in logged[0]["reason"] and f"field {field}" in logged[0]["reason"]
        assert not rows(warehouse, "bc_vendors", company_id=COMPANY, intacct_vendor_id=vendor_id)
    assert len(rows(warehouse, "bc_vendors", company_id=COMPANY)) > 100  # the others came in


def test_a_vendor_without_vendorid_is_rejected_by_its_recordno(warehouse, make_engine, client, emulator):
    broken = TamperingClient(client, "VENDOR", "VENDORID", {"V0006": {"VENDORID": ""}})
    summary = make_engine(warehouse, bound_client=broken).run("scheduled", RunOptions(objects=("vendors",)))
    record_no = emulator.admin.find_records("DEMO", "VENDOR", VENDORID="V0006")[0]["RECORDNO"]
    [logged] = [o for o in rows(warehouse, "intacct_record_outcomes", run_id=summary.run_id)
                if f"RECORDNO {record_no}" in (o["reason"] or "")]
    assert logged["action"] == "rejected" and "field VENDORID" in logged["reason"]


def test_malformed_intacct_accounts_are_rejected_one_by_one(warehouse, make_engine, client):
    breaks = {"1000": {"TITLE": ""}, "6500": {"RECORDNO": "x"}, "2000": {"WHENMODIFIED": "13/45/2026"}}
    engine = make_engine(warehouse, bound_client=TamperingClient(client, "GLACCOUNT", "ACCOUNTNO", breaks))
    summary = engine.run("scheduled", RunOptions(objects=("accounts",)))
    assert summary.status == "partial"
    for account_no, field in {"1000": "TITLE", "6500": "RECORDNO", "2000": "WHENMODIFIED"}.items():
        [logged] = outcomes(warehouse, summary.run_id, intacct_key=account_no)
        assert logged["action"] == "rejected" and f"ACCOUNTNO {account_no}" in logged["reason"]
        assert f"field {field}" in logged["reason"]
        assert not rows(warehouse, "bc_accounts", company_id=COMPANY, account_no=account_no)
    assert len(rows(warehouse, "bc_accounts", company_id=COMPANY)) > 5
