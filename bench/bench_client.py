"""Benchmark: records the client reads and types per second from the in-process emulator (no latency).

Prints two figures per object: end to end (emulator answering + client parsing) and the client's own
parsing and typing alone (the same response bodies replayed without the emulator). Exits non-zero when the
client's own rate is under the target.

    python bench/bench_client.py [--vendors 50000] [--bills 50000] [--target 10000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT)]

from intacct.client import ClientSettings, Credentials, IntacctClient  # noqa: E402
from intacct_emulator import DEMO_CREDENTIALS, IN_PROCESS_URL, Emulator  # noqa: E402


class Recording(httpx.BaseTransport):
    """Passes requests to the emulator and keeps the answers for a replay."""

    def __init__(self, inner: httpx.BaseTransport):
        self.inner = inner
        self.answers: list[bytes] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        self.answers.append(response.content)
        return httpx.Response(response.status_code, headers=response.headers, content=response.content)


class Replay(httpx.BaseTransport):
    def __init__(self, answers: list[bytes]):
        self.answers = iter(answers)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=next(self.answers), headers={"content-type": "text/xml"})


def client(transport: httpx.BaseTransport) -> IntacctClient:
    creds = Credentials(company_id=DEMO_CREDENTIALS["company_id"], user_id=DEMO_CREDENTIALS["user_id"],
                        user_password=DEMO_CREDENTIALS["user_password"], sender_id=DEMO_CREDENTIALS["sender_id"],
                        sender_password=DEMO_CREDENTIALS["sender_password"], endpoint=IN_PROCESS_URL,
                        allowed_hosts=("emulator.local",))
    return IntacctClient(creds, ClientSettings(), transport=transport)


def read_all(c: IntacctClient, obj: str) -> tuple[int, float]:
    started = time.perf_counter()
    count = sum(len(page.records) for page in c.iter_pages(obj))
    return count, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendors", type=int, default=50_000)
    parser.add_argument("--bills", type=int, default=50_000)
    parser.add_argument("--target", type=float, default=10_000,
                        help="minimum client-side records/s; parsing must never be the bottleneck of a sync")
    args = parser.parse_args()
    emu = Emulator.from_dataset("generated", vendors=args.vendors, bills=args.bills)
    worst = float("inf")
    for obj in ("VENDOR", "APBILL"):
        recording = Recording(emu.transport())
        count, seconds = read_all(client(recording), obj)
        replay_count, replay_seconds = read_all(client(Replay(recording.answers)), obj)
        assert replay_count == count
        client_rate = count / replay_seconds
        worst = min(worst, client_rate)
        print(f"{obj:8s} {count:>8,d} records (all default fields): end to end {count / seconds:>10,.0f} rec/s; "
              f"client parsing and typing alone {client_rate:>10,.0f} rec/s")
    ok = worst >= args.target
    print(f"target {args.target:,.0f} rec/s for client parsing: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
