"""Benchmark: reading every bill with its lines through the client at gateway latency, four ways.

- ``chosen``: ``iter_bills_with_lines(parts=None)``, what a full sync reads: whole, or split in two halves when
  its first answers count enough pages (``intacct.client.halves``). The targets apply to it.
- For reference, the ways it chooses between and the one it replaced:
  ``side_by_side`` (``parts=1``: bills and lines as two keyset reads running at once), ``halves``
  (``parts=2``: the same for each half of the RECORDNO range, whatever the size), and ``in_chunks`` (bills
  page by page, each page's lines by ``read_bill_lines`` in ``in`` chunks of 1,000 bills, one request after
  the other).

Reports each way's API calls against the minimum (1 sign-in + ceil(bills / 2000) + ceil(lines / 2000)) and
its wall time against the bound calls x latency / max_concurrency (what the calls cost with the company's
allowance used fully). No warehouse: this is the client's share of a full sync. The emulator runs as its own
process over loopback HTTP, as a gateway would (in process, its work would share this process's CPU).

    python bench/bench_client_reads.py [--bills 20000] [--vendors 2000] [--latency-ms 200]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PAGE, Stopwatch, client_for, emulator_process, exit_code, report  # noqa: E402

CALLS_RATIO_TARGET = 1.05
WALL_RATIO_TARGET = 1.3


def read_in_chunks(client) -> tuple[int, int]:
    bills = lines = 0
    for page in client.iter_pages("APBILL"):
        numbers = [r["RECORDNO"] for r in page.records]
        bills += len(numbers)
        lines += sum(len(v) for v in client.read_bill_lines(numbers).values())
    return bills, lines


def read_side_by_side(client, parts: int | None = 1) -> tuple[int, int]:
    bills = lines = 0
    for page in client.iter_bills_with_lines(parts=parts):
        bills += len(page.records)
        lines += sum(len(v) for v in page.lines.values())
    return bills, lines


def read_in_halves(client) -> tuple[int, int]:
    return read_side_by_side(client, parts=2)


def read_as_chosen(client) -> tuple[int, int]:
    return read_side_by_side(client, parts=None)


WAYS = {"chosen": read_as_chosen, "side_by_side": read_side_by_side, "halves": read_in_halves,
        "in_chunks": read_in_chunks}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bills", type=int, default=20_000)
    parser.add_argument("--vendors", type=int, default=2_000)
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--ways", default=",".join(WAYS), help=f"comma-separated, of {', '.join(WAYS)}")
    args = parser.parse_args()
    unknown = set(args.ways.split(",")) - set(WAYS)
    if unknown:
        parser.error(f"unknown ways: {', '.join(sorted(unknown))}")

    with emulator_process(bills=args.bills, vendors=args.vendors, latency_ms=args.latency_ms) as url:
        return exit_code(measure(url, args))


def measure(url: str, args: argparse.Namespace) -> list:
    results = []
    counted: tuple[int, int] | None = None
    for way in args.ways.split(","):
        read = WAYS[way]
        client = client_for(endpoint=url)
        watch = Stopwatch()
        bills, lines = read(client)
        wall, cpu = watch.wall, watch.cpu
        client.close()
        print(f"  {way}: {wall:.2f} s wall, {cpu:.2f} s CPU (reading process)", flush=True)
        assert counted in (None, (bills, lines)), f"{way} read {(bills, lines)}, the other way {counted}"
        counted = (bills, lines)
        calls = client.usage.requests
        minimum = 1 + max(1, math.ceil(bills / PAGE)) + max(1, math.ceil(lines / PAGE))
        bound = calls * args.latency_ms / 1000 / client.settings.max_concurrency
        scenario = f"client_reads_{way}_{int(args.latency_ms)}ms_{args.bills // 1000}k"
        chosen = way == "chosen"
        results.append(report(scenario, "api_calls_vs_minimum", calls, "calls",
                              limit=minimum * CALLS_RATIO_TARGET if chosen else None, ratio=calls / minimum,
                              target=(f"<= {CALLS_RATIO_TARGET}x" if chosen else "reference:")
                              + f" the minimum {minimum} ({bills:,} bills, {lines:,} lines; ratio is to the minimum)"))
        if not bound:  # no latency: the client's (and the in-process emulator's) own time, for reference
            results.append(report(scenario, "wall", wall, "s", limit=None, target="no latency: CPU time only"))
            continue
        results.append(report(scenario, "wall", wall, "s", limit=bound * WALL_RATIO_TARGET if chosen else None,
                              ratio=wall / bound,
                              target=(f"<= {WALL_RATIO_TARGET}x" if chosen else "reference:")
                              + f" the bound {bound:.1f} s = {calls} requests x "
                                     f"{args.latency_ms:.0f} ms / concurrency {client.settings.max_concurrency} "
                                     "(ratio is to the bound)"))
    return results


if __name__ == "__main__":
    sys.exit(main())
