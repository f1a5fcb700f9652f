"""A whole run in its own process that SIGKILLs itself at a write point (no cleanup of any kind runs).

Started by ``World.run_killed`` with a JSON spec; exits 0 when the run ends before the point is reached.
"""

import json
import os
import signal
import sys
from datetime import timedelta

from intacct.client import ClientSettings, Credentials, IntacctClient
from intacct.sync import EntityConfig, SyncEngine
from intacct.warehouse import Warehouse


def main(spec: dict) -> None:
    seen = {"n": 0}

    def hook(point, context):
        if point == spec["point"]:
            seen["n"] += 1
            if seen["n"] == spec["nth"]:
                os.kill(os.getpid(), signal.SIGKILL)

    credentials = Credentials(company_id="DEMO", user_id="Paymentus-Web", user_password="demo-user-pw",
                              sender_id="Paymentus", sender_password="demo-sender-pw", entity_id=spec["entity"],
                              endpoint=spec["endpoint"], allowed_hosts=("127.0.0.1",))
    warehouse = Warehouse.from_url(spec["url"])
    warehouse.ensure_schema()
    config = EntityConfig(entity_id=spec["entity"], bc_company_id=spec["company"], conflict_policy=spec["policy"],
                          reconcile_every=timedelta(seconds=spec["reconcile_seconds"]))
    with IntacctClient(credentials, ClientSettings(retry_max_seconds=0)) as client:
        try:
            SyncEngine(client, warehouse, config, fault_hook=hook).run("scheduled")
        except Exception:  # only the kill matters here; the parent checks what the next runs make of it
            pass


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
