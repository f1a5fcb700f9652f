"""What every benchmark shares: the result record, the emulator company and client, peak memory.

A benchmark script reports each figure with :func:`report`. Run alone it prints the figure; run by
``python -m bench`` (which sets ``BENCH_RESULTS_FILE``) it also appends the figure as one JSON line that the
harness gathers into ``bench/results.json``.
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _folder in (str(ROOT), str(ROOT / "plugins")):
    if _folder not in sys.path:
        sys.path.insert(0, _folder)

RESULTS_FILE_ENV = "BENCH_RESULTS_FILE"
QUICK_ENV = "BENCH_QUICK"
ENTITY, COMPANY = "US01", "bc-us"
PAGE = 2000  # rows per query call at most (the gateway's maximum page size)


@dataclass(frozen=True)
class Result:
    """One measured figure against its limit. ``target`` says in words what must hold."""

    scenario: str
    metric: str
    value: float
    unit: str
    limit: float | None
    ratio: float | None
    target: str
    meets_target: bool


def report(scenario: str, metric: str, value: float, unit: str, *, limit: float | None, target: str,
           higher_is_better: bool = False, ratio: float | None = None) -> Result:
    """Record a figure. ``meets_target``: value <= limit (or >= limit when ``higher_is_better``)."""
    if ratio is None and limit not in (None, 0):
        ratio = value / limit
    if limit is None:
        meets = True
    else:
        meets = value >= limit if higher_is_better else value <= limit
    result = Result(scenario, metric, round(float(value), 4), unit,
                    None if limit is None else round(float(limit), 4),
                    None if ratio is None else round(float(ratio), 4), target, bool(meets))
    flag = "ok" if meets else "MISSED"
    limit_text = "" if limit is None else f" (limit {limit:,.4g}{'' if ratio is None else f', ratio {ratio:.3f}'})"
    print(f"  {scenario} / {metric}: {value:,.4g} {unit}{limit_text} {flag}", flush=True)
    path = os.environ.get(RESULTS_FILE_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(result)) + "\n")
    return result


def quick() -> bool:
    return os.environ.get(QUICK_ENV) == "1" or "--quick" in sys.argv


def exit_code(results: list[Result]) -> int:
    missed = [r for r in results if not r.meets_target]
    for r in missed:
        print(f"MISSED: {r.scenario} / {r.metric} = {r.value:,.4g} {r.unit} ({r.target})")
    return 1 if missed else 0


def peak_rss_mib(*, children: bool = False) -> float:
    """Peak resident memory of this process so far (Linux reports KiB, macOS bytes); ``children``: the largest
    peak among its child processes that have ended and been waited for."""
    peak = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024**2


def minimum_calls(record_counts: dict[str, int]) -> int:
    """The arithmetic minimum of a first full sync: one sign-in, then ceil(N / 2000) query calls per object
    (one at least, to learn an object is empty)."""
    return 1 + sum(max(1, math.ceil(n / PAGE)) for n in record_counts.values())


@contextmanager
def emulator_process(*, bills: int, vendors: int, seed: int = 1, latency_ms: float = 0) -> Iterator[str]:
    """A generated company served by ``python -m intacct_emulator serve`` in a process of its own, on a free
    loopback port; yields its gateway endpoint once it answers. The emulator's work (generating, answering)
    is then not the syncing process's CPU time or memory, as with a real gateway."""
    server = subprocess.Popen([sys.executable, "-m", "intacct_emulator", "serve", "--host", "127.0.0.1", "--port", "0",
                               "--dataset", "generated", "--bills", str(bills), "--vendors", str(vendors),
                               "--seed", str(seed), "--latency-ms", str(latency_ms)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = None
        for line in server.stdout:  # the emulator prints its endpoint once its data is generated
            if "endpoint:" in line:
                url = line.split("endpoint:", 1)[1].strip()
                break
        if url is None:
            raise RuntimeError(f"the emulator did not start (exit status {server.poll()})")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Stopwatch:
    """Wall time and this process's CPU time (user + system, all threads) from ``start()``."""

    def __init__(self) -> None:
        self.start()

    def start(self) -> Stopwatch:
        self._wall, self._cpu, self._children = time.perf_counter(), time.process_time(), _children_cpu()
        return self

    @property
    def wall(self) -> float:
        return time.perf_counter() - self._wall

    @property
    def cpu(self) -> float:
        return time.process_time() - self._cpu

    @property
    def children_cpu(self) -> float:
        """CPU time of the child processes that ended and were waited for since ``start()`` (a sync's reading
        process; not the emulator, which is still serving)."""
        return _children_cpu() - self._children



def credentials(endpoint: str | None = None):
    from intacct.client import Credentials
    from intacct_emulator import DEMO_CREDENTIALS, IN_PROCESS_URL

    endpoint = endpoint or IN_PROCESS_URL
    host = endpoint.split("//", 1)[1].split("/", 1)[0].split(":", 1)[0]
    return Credentials(company_id=DEMO_CREDENTIALS["company_id"], user_id=DEMO_CREDENTIALS["user_id"],
                       user_password=DEMO_CREDENTIALS["user_password"], sender_id=DEMO_CREDENTIALS["sender_id"],
                       sender_password=DEMO_CREDENTIALS["sender_password"], entity_id=ENTITY,
                       endpoint=endpoint, allowed_hosts=(host,))


def client_for(emulator=None, *, endpoint: str | None = None, **settings):
    """A client of entity US01: in process when ``emulator`` is given, else over HTTP at ``endpoint``."""
    from intacct.client import ClientSettings, IntacctClient

    transport = emulator.transport() if emulator is not None else None
    return IntacctClient(credentials(endpoint), ClientSettings(timezone="America/Los_Angeles", **settings),
                         transport=transport)


def engine_for(client, warehouse):
    from intacct.sync import EntityConfig, SyncEngine

    return SyncEngine(client, warehouse, EntityConfig(entity_id=ENTITY, bc_company_id=COMPANY))


def postgres_database(prefix: str = "bench"):
    """A fresh PostgreSQL database on the local server (dropped by the returned ``drop()``), or None."""
    import uuid

    from sqlalchemy import create_engine, text

    admin_url = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server: the PostgreSQL figures are reported as missing, not invented
        print(f"  PostgreSQL not available ({type(exc).__name__}); skipping its figures")
        return None, None

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop


def warehouse_rows(warehouse) -> dict[str, int]:
    """BC rows of the company per table (what a first sync imported)."""
    from sqlalchemy import func, select

    counts = {}
    with warehouse.engine.connect() as connection:
        for name in ("bc_accounts", "bc_vendors", "bc_bills", "bc_bill_lines"):
            table = warehouse.tables[name]
            counts[name] = connection.execute(
                select(func.count()).select_from(table).where(table.c.company_id == COMPANY)).scalar_one()
    return counts
