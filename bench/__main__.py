"""Run every benchmark in this folder (`make bench`); each prints its figures and fails if a target is missed."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if not scripts:
        print("no benchmarks found")
        return 1
    failed: list[str] = []
    for script in scripts:
        print(f"\n=== {script.stem} ===", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent)
        print(f"--- {script.stem}: {'ok' if result.returncode == 0 else 'FAILED'} "
              f"({time.perf_counter() - started:.1f} s wall)", flush=True)
        if result.returncode != 0:
            failed.append(script.stem)
    print(f"\n{len(scripts) - len(failed)} of {len(scripts)} benchmarks met their targets"
          + (f"; missed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
