"""Benchmark: peak resident memory of the syncing process for a first full sync, at several sizes.

The emulator runs as its own process (its data is not the sync's memory); a fresh process per size syncs
its bills over loopback HTTP into a fresh SQLite warehouse and reports its peak RSS, so every size has a
peak of its own. The bills of a first sync are read and prepared in a reading process of the sync's
(``IntacctClient.process_read``): the figure is the two peaks added up, as if both were reached at once. Targets: <= 300 MiB at every size, and memory bounded by a page, not by the company: the
peak at each larger size within 1.2x of the peak at the smallest, or at ``--growth-from`` (the issue's figure:
1M bills within 1.2x of 100k). ``--compare-to MIB`` compares with a peak measured elsewhere instead (the full
profile's 1M run against the 100k peak). A read of 60 pages or more is split in two halves read side by side
(``intacct.client.halves``): four reads' pages in memory instead of two, about 40 MiB more once, whatever the
size. So growth is measured from 100k bills, the first size read in halves, not from 10k.

    python bench/bench_memory.py [--bills 10000,100000] [--vendors 5000] [--compare-to MIB] [--growth-from N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, Stopwatch, client_for, emulator_process, engine_for, exit_code, peak_rss_mib, report  # noqa: E402

PEAK_TARGET_MIB = 300
GROWTH_TARGET = 1.2
DEFAULT_SIZES = "10000,100000"


def measure(bills: int, vendors: int) -> dict[str, float]:
    """One full sync of ``bills`` bills in this process: its peak RSS and the RSS before syncing."""
    from intacct.warehouse import Warehouse

    with emulator_process(bills=bills, vendors=vendors) as url:
        baseline = peak_rss_mib()
        client = client_for(endpoint=url)
        with tempfile.TemporaryDirectory() as folder:
            warehouse = Warehouse.from_url(f"sqlite:///{Path(folder) / 'warehouse.db'}")
            warehouse.ensure_schema()
            watch = Stopwatch()
            engine_for(client, warehouse).run("scheduled")
            wall, cpu = watch.wall, watch.cpu
            # The sync's reading process (its bills read and prepared there) has ended and been waited for;
            # the emulator, still serving, has not: the children's peak so far is the reading process's.
            reading = peak_rss_mib(children=True)
            client.close()
            warehouse.dispose()
        own = peak_rss_mib()
        return {"peak": own + reading, "own": own, "reading": reading, "baseline": baseline, "wall": wall,
                "cpu": cpu}


def measured_apart(bills: int, vendors: int) -> dict[str, float]:
    """``measure`` in a process of its own: a process's peak RSS only ever grows."""
    done = subprocess.run([sys.executable, __file__, "--measure-one", str(bills), "--vendors", str(vendors)],
                          cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the {bills:,}-bill sync failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def scenario_of(bills: int) -> str:
    return f"memory_{bills // 1000}k"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bills", default=DEFAULT_SIZES, help="comma-separated sizes, smallest first")
    parser.add_argument("--vendors", type=int, default=5_000)
    parser.add_argument("--compare-to", type=float, default=None)
    parser.add_argument("--growth-from", type=int, default=None,
                        help="the size whose peak the larger ones are compared with (default: the smallest)")
    parser.add_argument("--measure-one", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_one is not None:
        print(json.dumps(measure(args.measure_one, args.vendors)))
        return 0

    sizes = sorted(int(size) for size in str(args.bills).split(",") if size.strip())
    results, peaks = [], {}
    for bills in sizes:
        figures = measured_apart(bills, args.vendors)
        peaks[bills] = figures["peak"]
        print(f"  {bills:,} bills: {figures['wall']:.2f} s wall, {figures['cpu']:.2f} s CPU (syncing process); "
              f"peak RSS {figures['own']:.0f} MiB syncing + {figures['reading']:.0f} MiB reading", flush=True)
        results.append(report(scenario_of(bills), "peak_rss", figures["peak"], "MiB", limit=PEAK_TARGET_MIB,
                              target=f"<= {PEAK_TARGET_MIB} MiB peak RSS of the sync at {bills:,} bills and "
                                     f"{args.vendors:,} vendors: its process ({figures['own']:.0f} MiB, at start "
                                     f"{figures['baseline']:.0f}) and its reading process ({figures['reading']:.0f} "
                                     "MiB) added up"))
    smallest = args.growth_from or sizes[0]
    if smallest not in peaks:
        parser.error(f"--growth-from {smallest} is not one of the sizes measured")
    for bills in sizes:
        if args.compare_to:
            base, base_text = args.compare_to, f"the peak at the smaller size ({args.compare_to:.0f} MiB)"
        elif bills > smallest:
            base, base_text = peaks[smallest], f"the peak at {smallest:,} bills ({peaks[smallest]:.0f} MiB)"
        else:
            continue
        results.append(report(scenario_of(bills), "peak_rss_growth", peaks[bills] / base, "x", limit=GROWTH_TARGET,
                              target=f"<= {GROWTH_TARGET}x {base_text}: memory bounded by a page, not by "
                                     "the company"))
    return exit_code(results)


if __name__ == "__main__":
    sys.exit(main())
