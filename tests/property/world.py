"""The world a property history runs in: one emulated Intacct company, one warehouse, two BC companies.

Everything here goes through public entry points only: ``SyncEngine(client, warehouse, config)``, the
``IntacctClient``, the emulator's admin API (a person in the Intacct UI) and SQL on the BC tables of the
warehouse contract (a person in BC). Nothing reads the engine's own tables except the run log, which BC's
users read too.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, text

from intacct.client import ClientSettings, Credentials, IntacctClient
from intacct.sync import EntityConfig, InjectedFault, SyncEngine
from intacct.warehouse import Warehouse
from intacct_emulator import Emulator

INTACCT_COMPANY = "DEMO"
# Two BC companies synced with the same Intacct company, one entity each.
COMPANIES = {"bc-us": "US01", "bc-ca": "CA01"}
CURRENCY = {"bc-us": "USD", "bc-ca": "CAD"}
WRITE_FUNCTIONS = ("create", "update", "delete")
HERE = Path(__file__).resolve().parent

# The synced vendor fields as the warehouse contract maps them (written here on purpose, independently
# of the engine's own field catalogue, so the suite checks the engine rather than repeating it).
VENDOR_FIELDS = {
    "name": "NAME", "email": "DISPLAYCONTACT.EMAIL1", "phone": "DISPLAYCONTACT.PHONE1",
    "address_line1": "DISPLAYCONTACT.MAILADDRESS.ADDRESS1", "city": "DISPLAYCONTACT.MAILADDRESS.CITY",
    "tax_id": "TAXID", "status": "STATUS",
}
BILL_FIELDS = {
    "bill_number": "RECORDID", "reference": "DOCNUMBER", "description": "DESCRIPTION", "due_date": "WHENDUE",
    "total_amount": "TRX_TOTALENTERED",
}
LINE_FIELDS = {"account_no": "ACCOUNTNO", "amount": "TRX_AMOUNT", "memo": "ENTRYDESCRIPTION"}
CENT = Decimal("0.01")


def utc_now() -> datetime:
    return datetime.now(UTC)


def norm(value):
    """One reading of a value on either side: stripped text, '' as missing, dates and money typed."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    value = str(value).strip()
    if not value:
        return None
    if len(value) == 10 and value[2] == "/" and value[5] == "/":  # Intacct's MM/DD/YYYY
        return date(int(value[6:]), int(value[:2]), int(value[3:5]))
    return value


def norm_money(value):
    if value is None or str(value).strip() == "":
        return None
    try:
        return Decimal(str(value).strip())
    except Exception:
        return str(value)


def path_get(record: dict, dotted: str):
    return record.get(dotted)


def nested(dotted: str, value) -> dict:
    parts = dotted.split(".")
    out: dict = {}
    node = out
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return out


class KilledRuns:
    """The process that forks the SIGKILLed runs (``killed_run.py --serve``), started once when first needed."""

    def __init__(self):
        self._server: subprocess.Popen | None = None

    def run(self, spec: dict) -> int:
        if self._server is None or self._server.poll() is not None:
            env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parents[1] / "plugins"),
                                                                 str(HERE.parents[1])])}
            self._server = subprocess.Popen([sys.executable, str(HERE / "killed_run.py"), "--serve"], env=env,
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            atexit.register(self.close)
        self._server.stdin.write(json.dumps(spec) + "\n")
        self._server.stdin.flush()
        answer = self._server.stdout.readline()
        if not answer:
            raise AssertionError(f"the process forking the killed runs ended ({self._server.poll()})")
        return json.loads(answer)["returncode"]

    def close(self) -> None:
        if self._server is not None and self._server.poll() is None:
            self._server.stdin.close()  # its loop ends at the end of its input
            self._server.wait(timeout=30)


KILLED_RUNS = KilledRuns()


@dataclass
class RunResult:
    company: str
    run_id: str | None
    error: BaseException | None
    faulty: bool


# How the clients read, chosen by a history's fault seed (a quarter of the histories each): (client settings,
# over loopback HTTP). In process: the defaults; small pages with every full read of bills split in two halves
# read side by side; smaller pages, never split. Over HTTP, as in production: a full read of bills (a first
# sync, a full refresh) is then read and prepared in a reading process of its own, in split halves.
READ_SHAPES: tuple[tuple[dict, bool], ...] = (({}, False), ({"page_size": 7, "split_read_min_pages": 0}, False),
                                              ({"page_size": 3}, False),
                                              ({"page_size": 5, "split_read_min_pages": 0}, True))


@dataclass
class World:
    warehouse: Warehouse  # an empty warehouse with the schema applied; the caller owns (and disposes) it
    policy: str = "intacct_wins"
    reconcile_every: timedelta = timedelta(seconds=1)
    fault_seed: int = 0
    emulator: Emulator = field(init=False)
    offset: timedelta = field(default=timedelta(0), init=False)
    _server: object = field(default=None, init=False)
    _clients: dict = field(default_factory=dict, init=False)

    def __post_init__(self):
        self.emulator = Emulator.from_dataset("empty", seed=self.fault_seed)

    # -- plumbing -----------------------------------------------------------------------------------

    @property
    def sqlite(self) -> bool:
        return self.warehouse.engine.dialect.name == "sqlite"

    def credentials(self, company: str, endpoint: str, hosts: tuple[str, ...]) -> Credentials:
        return Credentials(company_id=INTACCT_COMPANY, user_id="Paymentus-Web", user_password="demo-user-pw",
                           sender_id="Paymentus", sender_password="demo-sender-pw", entity_id=COMPANIES[company],
                           endpoint=endpoint, allowed_hosts=hosts)

    @property
    def read_shape(self) -> dict:
        return READ_SHAPES[self.fault_seed % len(READ_SHAPES)][0]

    @property
    def over_http(self) -> bool:
        return READ_SHAPES[self.fault_seed % len(READ_SHAPES)][1]

    def served(self) -> str:
        """The emulator's gateway URL over loopback HTTP (served from the first call on)."""
        if self._server is None:
            self._server = self.emulator.serve_in_thread(host="127.0.0.1", port=0)
        return self._server.url

    def client(self, company: str, *, faulty: bool = False) -> IntacctClient:
        """The company's client. A run with faults reads nothing early (``read_ahead_pages=0``): which request
        meets the next fault must not depend on how threads interleave, or a replayed history would go
        another way (and hypothesis would refuse it as flaky)."""
        if (company, faulty) not in self._clients:
            shape = {**self.read_shape, **({"read_ahead_pages": 0} if faulty else {})}
            settings = ClientSettings(timezone="America/Los_Angeles", retry_max_seconds=0, retry_base_seconds=0,
                                      retry_cap_seconds=0, retry_after_524_seconds=0, **shape)
            self._clients[(company, faulty)] = (
                IntacctClient(self.credentials(company, self.served(), ("127.0.0.1",)), settings) if self.over_http
                else IntacctClient(self.credentials(company, self.emulator.url, ("emulator.local",)), settings,
                                   transport=self.emulator.transport()))
        return self._clients[(company, faulty)]

    def config(self, company: str) -> EntityConfig:
        return EntityConfig(entity_id=COMPANIES[company], bc_company_id=company, conflict_policy=self.policy,
                            reconcile_every=self.reconcile_every)

    def engine(self, company: str, fault_hook=None, *, faulty: bool = False) -> SyncEngine:
        return SyncEngine(self.client(company, faulty=faulty), self.warehouse, self.config(company),
                          fault_hook=fault_hook)

    def close(self) -> None:
        for bound in self._clients.values():
            bound.close()
        if self._server is not None:
            self._server.stop()

    def now(self) -> datetime:
        """The time a person's edit carries (BC's updated_at); moves with the emulator's clock."""
        return utc_now() + self.offset

    def tick(self, seconds: int) -> None:
        self.emulator.admin.advance_clock(seconds)
        self.offset += timedelta(seconds=seconds)

    def write_calls(self) -> int:
        calls = self.emulator.admin.stats()["calls"].get(INTACCT_COMPANY, {})
        return sum(n for name, n in calls.items() if name.split("_")[0] in WRITE_FUNCTIONS)

    # -- runs ---------------------------------------------------------------------------------------

    def run(self, company: str, *, faults: dict | None = None, crash: tuple[str, int] | None = None,
            full_refresh: bool = False) -> RunResult:
        """One whole run. With faults or a crash an exception is allowed (and returned); without, it is not."""
        from intacct.sync import RunOptions

        hook = None
        if crash is not None:
            point, nth = crash
            seen = {"n": 0}

            def hook(reached, context):
                if reached == point:
                    seen["n"] += 1
                    if seen["n"] == nth:
                        raise InjectedFault(f"crash at {point} #{nth}")
        if faults:
            self.emulator.admin.set_faults(**{k: v for k, v in faults.items() if k != "expire"})
            if faults.get("expire"):
                self.emulator.admin.expire_sessions()
        faulty = bool(faults) or crash is not None
        engine = self.engine(company, hook, faulty=bool(faults))
        run_id, error = None, None
        try:
            summary = engine.run("scheduled", RunOptions(full_refresh=full_refresh))
            run_id = summary.run_id
        except Exception as raised:  # checked by the caller: only allowed under faults or a crash
            error = raised
        finally:
            self.emulator.admin.clear_faults()
        return RunResult(company, run_id, error, faulty)

    def run_killed(self, company: str, point: str, nth: int) -> int:
        """The run in a child process that SIGKILLs itself at the ``nth`` time it reaches ``point``."""
        with tempfile.NamedTemporaryFile("r", suffix=".err") as errors:
            spec = {"url": self.warehouse.engine.url.render_as_string(hide_password=False),
                    "endpoint": self.served(), "company": company, "entity": COMPANIES[company],
                    "policy": self.policy, "reconcile_seconds": self.reconcile_every.total_seconds(),
                    "point": point, "nth": nth, "stderr": errors.name, "read_shape": self.read_shape}
            returncode = KILLED_RUNS.run(spec)
            if returncode not in (0, -signal.SIGKILL):
                raise AssertionError(f"the killed run failed otherwise: {returncode}\n{errors.read()[-3000:]}")
        return returncode

    # -- BC, as a person editing its tables ---------------------------------------------------------

    def sql(self, statement, **params):
        with self.warehouse.engine.begin() as connection:
            return connection.execute(text(statement), params)

    def bc_rows(self, table: str, company: str | None = None) -> list[dict]:
        t = self.warehouse.tables[table]
        statement = select(t)
        if company is not None:
            statement = statement.where(t.c.company_id == company)
        with self.warehouse.engine.connect() as connection:
            return [dict(r) for r in connection.execute(statement).mappings()]

    def bc_insert(self, table: str, row: dict) -> None:
        with self.warehouse.engine.begin() as connection:
            connection.execute(self.warehouse.tables[table].insert(), [row])

    def bc_update(self, table: str, key: dict, values: dict) -> int:
        t = self.warehouse.tables[table]
        with self.warehouse.engine.begin() as connection:
            return connection.execute(t.update().where(*[t.c[k] == v for k, v in key.items()]).values(
                **values)).rowcount

    def bc_raw_money(self, company: str, bill_id: str, raw: str) -> None:
        """A malformed amount written straight into BC's line (SQLite keeps the text as it is)."""
        self.sql("UPDATE bc_bill_lines SET amount = :raw WHERE company_id = :c AND bill_id = :b AND line_no = 1",
                 raw=raw, c=company, b=bill_id)
        self.sql("UPDATE bc_bills SET updated_at = :t WHERE company_id = :c AND bill_id = :b",
                 t=self.now().isoformat(), c=company, b=bill_id)

    # -- Intacct, as a person in the UI -------------------------------------------------------------

    def intacct(self, object_name: str, **equals) -> list[dict]:
        return self.emulator.admin.find_records(INTACCT_COMPANY, object_name, **equals)

    def intacct_record(self, object_name: str, record_no) -> dict | None:
        return self.emulator.admin.get_record(INTACCT_COMPANY, object_name, record_no)

    def bill_lines(self, record_no) -> list[dict]:
        lines = self.intacct("APBILLITEM", RECORDKEY=str(record_no))
        return sorted(lines, key=lambda line: int(line["LINE_NO"] or 0))

    # -- the run log ----------------------------------------------------------------------------------

    def outcomes(self, run_ids: list[str] | None = None) -> list[dict]:
        outcomes = self.warehouse.tables["intacct_record_outcomes"]
        runs = self.warehouse.tables["intacct_runs"]
        statement = select(outcomes, runs.c.company_id).join(runs, runs.c.run_id == outcomes.c.run_id)
        if run_ids is not None:
            statement = statement.where(outcomes.c.run_id.in_(run_ids))
        with self.warehouse.engine.connect() as connection:
            return [dict(r) for r in connection.execute(statement).mappings()]

    def run_row(self, run_id: str) -> dict:
        runs = self.warehouse.tables["intacct_runs"]
        with self.warehouse.engine.connect() as connection:
            return dict(connection.execute(select(runs).where(runs.c.run_id == run_id)).mappings().one())

    def bc_snapshot(self) -> dict:
        return {table: sorted(json.dumps({k: str(v) for k, v in row.items() if k not in ("synced_at",)},
                                          sort_keys=True) for row in self.bc_rows(table))
                for table in ("bc_accounts", "bc_vendors", "bc_bills", "bc_bill_lines")}
