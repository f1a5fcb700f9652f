"""Benchmark: wall time of a first full sync at 200 ms emulator latency against calls x latency / concurrency.

The bound is what the calls cost when the company's allowance (``max_concurrency``, default 2) is used
fully; the target is a wall time within 1.3x of it. The emulator runs as its own process over loopback HTTP;
the syncing process's CPU time is printed beside the wall time. The clock starts at the run, with the engine
built and its modules imported (an Airflow worker has them imported before a task starts).

A read splits in two halves only when it is long enough for the split's extra calls to stay within 5% (see
``intacct.client.halves``): a smaller sync waits for its lines one page after the other, so its floor is
(1 + line pages) x latency, about 1.35x the bound with two lines per bill.

    python bench/bench_latency.py [--bills 20000] [--vendors 2000] [--latency-ms 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Stopwatch, client_for, emulator_process, engine_for, exit_code, report  # noqa: E402

RATIO_TARGET = 1.3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bills", type=int, default=20_000)
    parser.add_argument("--vendors", type=int, default=2_000)
    parser.add_argument("--latency-ms", type=float, default=200)
    args = parser.parse_args()

    from intacct.warehouse import Warehouse

    with (tempfile.TemporaryDirectory() as folder,
          emulator_process(bills=args.bills, vendors=args.vendors, latency_ms=args.latency_ms) as endpoint):
        client = client_for(endpoint=endpoint)
        warehouse = Warehouse.from_url(f"sqlite:///{Path(folder) / 'warehouse.db'}")
        warehouse.ensure_schema()
        engine = engine_for(client, warehouse)
        watch = Stopwatch()
        engine.run("scheduled")
        wall, cpu = watch.wall, watch.cpu
        client.close()
        warehouse.dispose()
    print(f"  full sync: {wall:.2f} s wall, {cpu:.2f} s CPU (syncing process)", flush=True)
    calls = client.usage.requests  # each request waits the latency once, whatever functions it carries
    bound = calls * args.latency_ms / 1000 / client.settings.max_concurrency
    scenario = f"latency_{int(args.latency_ms)}ms_{args.bills // 1000}k"
    results = [report(scenario, "full_sync_wall", wall, "s", limit=bound * RATIO_TARGET, ratio=wall / bound,
                      target=f"<= {RATIO_TARGET}x the bound {bound:.1f} s = {calls} requests x "
                             f"{args.latency_ms:.0f} ms / concurrency {client.settings.max_concurrency} "
                             f"(ratio is to the bound)")]
    return exit_code(results)


if __name__ == "__main__":
    sys.exit(main())
