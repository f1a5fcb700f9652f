"""Command line: ``python -m intacct_emulator serve --host 127.0.0.1 --port 8765 --dataset demo``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from intacct_emulator import DEMO_CREDENTIALS, Emulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m intacct_emulator", description="Run the Sage Intacct XML gateway emulator."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the XML gateway and the admin API over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    serve.add_argument("--dataset", default="demo", choices=("demo", "empty", "generated"))
    serve.add_argument("--seed", type=int, default=0, help="makes data and random faults replayable")
    serve.add_argument("--latency-ms", type=float, default=0, help="added to every gateway answer")
    serve.add_argument("--jitter-ms", type=float, default=0, help="random extra latency, 0..N ms")
    serve.add_argument("--vendors", type=int, help="vendors to generate (--dataset generated)")
    serve.add_argument("--bills", type=int, help="bills to generate (--dataset generated)")
    return parser


def serve(args: argparse.Namespace) -> int:
    options = {
        name: value for name, value in (("vendors", args.vendors), ("bills", args.bills)) if value is not None
    }
    if options and args.dataset != "generated":
        print("--vendors/--bills only apply to --dataset generated.", file=sys.stderr)
        return 2
    emulator = Emulator.from_dataset(
        args.dataset,
        seed=args.seed,
        faults={"latency_ms": args.latency_ms, "jitter_ms": args.jitter_ms},
        **options,
    )
    try:
        server = emulator.serve_in_thread(args.host, args.port)
    except OSError as error:
        print(f"Cannot listen on {args.host}:{args.port}: {error}. Pick another --port.", file=sys.stderr)
        return 1
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(f"Intacct XML gateway emulator ({args.dataset} dataset, seed {args.seed})")
    print(f"  endpoint:  {server.url}")
    print(f"  admin API: {server.admin_url}")
    if args.dataset == "demo":
        creds = DEMO_CREDENTIALS
        print(f"  company {creds['company_id']}, entities {', '.join(creds['entities'])}")
        print(
            f"  sender {creds['sender_id']} / {creds['sender_password']}, "
            f"user {creds['user_id']} / {creds['user_password']}"
        )
        print(
            "  for setup-error demos: user Limited-Web (role without Accounts Payable), "
            "sender Unauthorized (not authorized for DEMO); same passwords"
        )
    print("Press Ctrl+C to stop.", flush=True)
    stop.wait()
    server.stop()
    print("Stopped.", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
