"""A whole run in its own process that SIGKILLs itself at a write point (no cleanup of any kind runs).

``python killed_run.py SPEC`` runs one JSON spec and exits 0 when the run ends before the point is reached.
``python killed_run.py --serve`` imports the engine once and then, for every JSON spec read from standard
input (one a line), forks a child that runs it, and answers one JSON line ``{"returncode": n}`` (``-9``:
killed): a SIGKILLed history costs a fork, not a Python start and the engine's imports (about two seconds of
CPU on the reference machine). The child is a separate process all the same, killed with no cleanup.
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
    with IntacctClient(credentials, ClientSettings(retry_max_seconds=0, **spec.get("read_shape", {}))) as client:
        try:
            SyncEngine(client, warehouse, config, fault_hook=hook).run("scheduled")
        except Exception:  # only the kill matters here; the parent checks what the next runs make of it
            pass


def _child(spec: dict) -> None:
    """In the forked child: errors go to the spec's file (the parent shows them), then exit without cleanup."""
    code = 0
    try:
        with open(spec["stderr"], "w") as errors:
            os.dup2(errors.fileno(), 2)
        main(spec)
    except BaseException:  # reported through the exit code and the error file
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        sys.stderr.flush()
        os._exit(code)


def serve() -> None:
    for line in sys.stdin:
        spec = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(spec)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}), flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
    else:
        main(json.loads(sys.argv[1]))
