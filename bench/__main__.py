"""Run every benchmark scenario (`make bench`, or `python -m bench [--quick]`).

Each scenario is a script of this folder run in its own process (so peak memory is its own). Scripts that
report figures through ``bench.common.report`` contribute them one by one; the others contribute one
figure: whether they met their targets. Writes ``bench/results.json`` and prints a table; exits non-zero
when any target is missed, naming each.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"

# (script, arguments in the quick profile, arguments in the full profile)
SCENARIOS: list[tuple[str, list[str], list[str]]] = [
    ("bench_first_sync.py", ["--bills", "10000", "--vendors", "2000"], ["--bills", "100000"]),
    ("bench_first_sync.py", ["--bills", "10000", "--vendors", "2000", "--backend", "postgresql"],
     ["--bills", "100000", "--backend", "postgresql"]),
    ("bench_warehouse.py", ["--bills", "20000"], ["--bills", "100000"]),
    # 100k bills in both profiles: a read splits in halves only when its split's calls stay within 5% (60
    # pages or more), and a smaller one, waiting for its lines page after page, cannot reach 1.3x the bound.
    ("bench_latency.py", ["--bills", "100000"], ["--bills", "100000"]),
    ("bench_sdk.py", ["--bills", "4000", "--vendors", "1000", "--write-back", "2000"],
     ["--bills", "100000", "--vendors", "5000", "--write-back", "10000"]),
    # Each size in its own process, each peak within 1.2x of the smallest's. 10k bills are read whole, larger
    # companies in two halves (four reads' pages in memory, not two), so growth is measured from 100k up.
    ("bench_memory.py", ["--bills", "100000,300000"], ["--bills", "10000,100000,300000", "--growth-from", "100000"]),
    # 1M only in the full profile; compared with the 100k peak just measured.
    ("bench_memory.py", [], ["--bills", "1000000", "--vendors", "20000", "--compare-to", "{memory_100k.peak_rss}"]),
    ("bench_sync.py", ["--vendors", "1000", "--bills", "2000"], []),
    ("bench_client.py", ["--vendors", "10000", "--bills", "10000"], []),
    ("bench_client_reads.py", ["--bills", "100000", "--ways", "chosen"], ["--bills", "100000"]),
    ("bench_dag_parse.py", [], []),
    ("bench_emulator.py", ["--bills", "100000", "--vendors", "5000"], []),
    ("bench_emulator_gateway.py", ["--bills", "100000", "--repeat", "5"], []),
    ("bench_vendor_diff.py", ["--vendors", "100000"], []),
]


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in ("apache-airflow", "SQLAlchemy", "psycopg2-binary", "lxml", "httpx", "sageintacctsdk"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    try:
        found["intacct-sync"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE.parent,
                                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return found


def machine() -> dict[str, object]:
    info: dict[str, object] = {"platform": platform.platform(), "processor": platform.machine(),
                               "cpus": os.cpu_count()}
    try:
        info["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        info["memory_gib"] = round(pages * size / 1024**3, 1)
    except (OSError, ValueError, AttributeError):
        pass
    return info


def run_scenario(script: str, args: list[str], quick: bool) -> list[dict]:
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl", delete=False) as handle:
        path = handle.name
    env = {**os.environ, "BENCH_RESULTS_FILE": path, "BENCH_QUICK": "1" if quick else "0"}
    label = f"{Path(script).stem} {' '.join(args)}".strip()
    print(f"\n=== {label} ===", flush=True)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, str(HERE / script), *args], cwd=HERE.parent, env=env)
    wall = time.perf_counter() - started
    with open(path, encoding="utf-8") as reported:
        figures = [json.loads(line) for line in reported if line.strip()]
    os.unlink(path)
    if not figures or (result.returncode != 0 and all(f["meets_target"] for f in figures)):
        # A script that reports no figure of its own (or crashed after them): its exit status is the figure.
        figures.append({"scenario": Path(script).stem, "metric": "targets_met", "value": float(result.returncode == 0),
                        "unit": "bool", "limit": 1.0, "ratio": float(result.returncode == 0),
                        "target": f"the script's own targets ({' '.join(args) or 'defaults'}; exit status "
                                  f"{result.returncode}, {wall:.1f} s)", "meets_target": result.returncode == 0})
    print(f"--- {label}: {wall:.1f} s wall", flush=True)
    return figures


def _resolve(argument: str, results: list[dict]) -> str | None:
    """``{scenario.metric}`` in an argument: a figure measured earlier in this run (None if missing)."""
    if not (argument.startswith("{") and argument.endswith("}")):
        return argument
    scenario, metric = argument[1:-1].split(".", 1)
    found = [r["value"] for r in results if r["scenario"] == scenario and r["metric"] == metric]
    return str(found[-1]) if found else None


def table(results: list[dict]) -> str:
    rows = [("scenario", "metric", "value", "unit", "limit", "ratio", "ok")]
    for r in results:
        rows.append((r["scenario"], r["metric"], f"{r['value']:,.4g}", r["unit"],
                     "" if r["limit"] is None else f"{r['limit']:,.4g}",
                     "" if r["ratio"] is None else f"{r['ratio']:.3f}", "yes" if r["meets_target"] else "NO"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller data sets; the whole run in under 2 minutes")
    parser.add_argument("--only", action="append", default=[], help="run only scripts whose name contains this")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    started = time.perf_counter()
    document = {"machine": machine(), "versions": versions(), "results": []}
    for script, quick_args, full_args in SCENARIOS:
        if args.only and not any(part in script for part in args.only):
            continue
        chosen = quick_args if args.quick else full_args
        if args.quick and not quick_args and script == "bench_memory.py":
            continue  # the 1M memory figure is measured in the full profile only
        chosen = [_resolve(a, document["results"]) for a in chosen]
        if None in chosen:
            continue
        document["results"].extend(run_scenario(script, chosen, args.quick))
    document["machine"]["profile"] = "quick" if args.quick else "full"
    document["machine"]["wall_seconds"] = round(time.perf_counter() - started, 1)
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    print("\n" + table(document["results"]))
    missed = [r for r in document["results"] if not r["meets_target"]]
    print(f"\n{len(document['results']) - len(missed)} of {len(document['results'])} figures met their targets "
          f"({document['machine']['wall_seconds']} s); results in {args.output}")
    for r in missed:
        print(f"MISSED: {r['scenario']} / {r['metric']} = {r['value']:,.4g} {r['unit']} — target {r['target']}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
