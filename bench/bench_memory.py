"""Benchmark: peak resident memory of the syncing process for a first full sync.

The emulator runs as its own process (its data is not the sync's memory); this process syncs its bills over
loopback HTTP into a fresh SQLite warehouse and reports its peak RSS. Target: <= 300 MiB at 1M bills; pass
``--compare-to MIB`` (the peak at 100k) to check the 1.2x growth limit too.

    python bench/bench_memory.py [--bills 100000] [--vendors 5000] [--compare-to MIB]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, client_for, engine_for, exit_code, peak_rss_mib, report  # noqa: E402

PEAK_TARGET_MIB = 300
GROWTH_TARGET = 1.2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bills", type=int, default=100_000)
    parser.add_argument("--vendors", type=int, default=5_000)
    parser.add_argument("--compare-to", type=float, default=None)
    args = parser.parse_args()

    from intacct.warehouse import Warehouse

    server = subprocess.Popen([sys.executable, "-m", "intacct_emulator", "serve", "--port", "0", "--dataset",
                               "generated", "--bills", str(args.bills), "--vendors", str(args.vendors), "--seed", "1"],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = None
        for line in server.stdout:  # the emulator prints its endpoint once its data is generated
            if "endpoint:" in line:
                url = line.split("endpoint:", 1)[1].strip()
                break
        if url is None:
            raise RuntimeError("the emulator did not start")
        baseline = peak_rss_mib()
        client = client_for(endpoint=url)
        with tempfile.TemporaryDirectory() as folder:
            warehouse = Warehouse.from_url(f"sqlite:///{Path(folder) / 'warehouse.db'}")
            warehouse.ensure_schema()
            engine_for(client, warehouse).run("scheduled")
            warehouse.dispose()
        peak = peak_rss_mib()
    finally:
        server.terminate()
        server.wait(timeout=30)
    scenario = f"memory_{args.bills // 1000}k"
    results = [report(scenario, "peak_rss", peak, "MiB", limit=PEAK_TARGET_MIB,
                      target=f"<= {PEAK_TARGET_MIB} MiB peak RSS of the syncing process "
                             f"(at start {baseline:.0f} MiB; the target is stated for 1M bills)")]
    if args.compare_to:
        results.append(report(scenario, "peak_rss_growth", peak / args.compare_to, "x", limit=GROWTH_TARGET,
                              target=f"<= {GROWTH_TARGET}x the peak at the smaller size ({args.compare_to:.0f} MiB)"))
    return exit_code(results)


if __name__ == "__main__":
    sys.exit(main())
