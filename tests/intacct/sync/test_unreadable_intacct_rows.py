"""A row the client refuses to read (``Page.rejected``) is a rejection of that record, never a silent gap.

The answer itself is spoiled on the wire, so the real client parses it: a bill with a decimal comma in its
amount must be rejected by name, the other bills must sync, and a first (full) read with an unreadable bill
must not take that bill for deleted.
"""

from __future__ import annotations

import re

import httpx
import pytest
from sync_testkit import COMPANY, ENTITY, outcomes, rows

from intacct.client import ClientSettings, Credentials, IntacctClient
from intacct.sync import EntityConfig, RunOptions, SyncEngine

pytestmark = pytest.mark.integration


class SpoilingTransport(httpx.BaseTransport):
    """Answers as the emulator does, but one bill's TRX_TOTALENTERED reads ``12,34`` (for as long as asked)."""

    def __init__(self, inner, record_no: str):
        self.inner, self.spoil, self.marker = inner, True, b"<RECORDNO>" + record_no.encode() + b"</RECORDNO>"

    def _spoil_row(self, match):  # only inside the one bill's own element
        row = match.group()
        return re.sub(rb"<TRX_TOTALENTERED>[^<]*<", b"<TRX_TOTALENTERED>12,34<", row) if self.marker in row else row

    def handle_request(self, request):
        response = self.inner.handle_request(request)
        body = response.read()
        if self.spoil:
            body = re.sub(rb"<APBILL>.*?</APBILL>", self._spoil_row, body, flags=re.S)
        return httpx.Response(response.status_code, headers={"content-type": "text/xml"}, content=body)


def _client(transport) -> IntacctClient:
    credentials = Credentials(company_id="DEMO", user_id="Paymentus-Web", user_password="demo-user-pw",
                              sender_id="Paymentus", sender_password="demo-sender-pw", entity_id=ENTITY,
                              endpoint="http://emulator.local/ia/xml/xmlgw.phtml", allowed_hosts=("emulator.local",))
    return IntacctClient(credentials, ClientSettings(timezone="America/Los_Angeles", retry_max_seconds=0),
                         transport=transport)


def test_an_unreadable_intacct_bill_is_rejected_by_name_and_never_voided(warehouse, emulator):
    visible = sorted(emulator.admin.find_records("DEMO", "APBILL", MEGAENTITYID=ENTITY), key=lambda r: int(r["RECORDNO"]))
    target, number = int(visible[3]["RECORDNO"]), visible[3]["RECORDID"]
    transport = SpoilingTransport(emulator.transport(), str(target))
    with _client(transport) as client:
        engine = SyncEngine(client, warehouse, EntityConfig(entity_id=ENTITY, bc_company_id=COMPANY))
        first = engine.run("scheduled", RunOptions(full_refresh=True))
        assert first.status == "partial"
        [rejected] = [o for o in outcomes(warehouse, first.run_id, action="rejected")
                      if o["intacct_key"] == str(target)]
        assert "TRX_TOTALENTERED" in rejected["reason"] and number in rejected["reason"]
        assert not rows(warehouse, "bc_bills", company_id=COMPANY, intacct_record_no=target)
        assert len(rows(warehouse, "bc_bills", company_id=COMPANY)) >= len(visible) - 1

        # Once imported, the bill turns unreadable again: a full read must not void it as deleted.
        transport.spoil = False
        engine.run("scheduled", RunOptions(objects=("bills",)))
        [bill] = rows(warehouse, "bc_bills", company_id=COMPANY, intacct_record_no=target)
        assert bill["status"] != "void"
        transport.spoil = True
        again = engine.run("scheduled", RunOptions(objects=("bills",), full_refresh=True))
        [bill] = rows(warehouse, "bc_bills", company_id=COMPANY, intacct_record_no=target)
        assert bill["status"] != "void", outcomes(warehouse, again.run_id, bc_key=bill["bill_id"])
