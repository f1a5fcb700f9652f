"""A faithful, quirky emulator of the Sage Intacct XML gateway (DTD 3.0) for tests, benchmarks and demos.

emu = Emulator.from_dataset("demo", seed=0)
client = httpx.Client(transport=emu.transport())      # POST to emu.url
server = emu.serve_in_thread()                         # or a real HTTP server: server.url
emu.admin.set_faults(latency_ms=50)
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from intacct_emulator.admin import ADMIN_PREFIX, Admin
from intacct_emulator.data import build_dataset
from intacct_emulator.faults import Faults
from intacct_emulator.gateway import GATEWAY_PATH, Gateway, HttpResponse

__all__ = ["Emulator", "IN_PROCESS_URL", "DEMO_CREDENTIALS"]

IN_PROCESS_URL = "http://emulator.local" + GATEWAY_PATH

# The demo dataset's credentials (they are published in the README; nothing secret about them).
DEMO_CREDENTIALS = {
    "company_id": "DEMO",
    "sender_id": "Paymentus",
    "sender_password": "demo-sender-pw",
    "user_id": "Paymentus-Web",
    "user_password": "demo-user-pw",
    "entities": ("US01", "CA01"),
}


class Emulator:
    """One emulated gateway: a dataset (``world``), its sessions, faults and statistics."""

    def __init__(
        self,
        world: Any,
        *,
        seed: int = 0,
        faults: dict[str, Any] | None = None,
        dataset: str | None = None,
        dataset_options: dict[str, Any] | None = None,
    ):
        self.seed = seed
        self.dataset = dataset
        self._dataset_options = dict(dataset_options or {})
        self.gateway = Gateway(world, seed=seed, faults=Faults(seed, **(faults or {})))
        self.admin = Admin(self)

    @classmethod
    def from_dataset(
        cls, name: str = "demo", seed: int = 0, *, faults: dict[str, Any] | None = None, **options: Any
    ) -> Emulator:
        """``name`` is "demo", "empty" or "generated" (with ``vendors=N, bills=M``)."""
        world = build_dataset(name, seed=seed, **options)
        return cls(world, seed=seed, faults=faults, dataset=name, dataset_options=options)

    @property
    def world(self) -> Any:
        return self.gateway.world

    @property
    def url(self) -> str:
        """The endpoint for in-process clients (use with :meth:`transport`)."""
        return IN_PROCESS_URL

    def load_dataset(self, name: str | None = None, seed: int | None = None, **options: Any) -> None:
        name = name or self.dataset or "demo"
        seed = self.seed if seed is None else int(seed)
        if not options and name == self.dataset:
            options = dict(self._dataset_options)
        self.gateway.replace_world(build_dataset(name, seed=seed, **options))
        self.dataset, self._dataset_options = name, dict(options)

    def handle_http(self, method: str, url: str, body: bytes) -> HttpResponse:
        """Route one HTTP request: the XML gateway or the JSON admin API."""
        path = urllib.parse.urlsplit(url).path
        if path == GATEWAY_PATH:
            endpoint = urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(query="", fragment=""))
            return self.gateway.handle(method, endpoint, body)
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            return self.admin.handle_http(method, url, body)
        return HttpResponse(
            404,
            {"Content-Type": "text/plain"},
            f"Not found. The XML gateway answers POST {GATEWAY_PATH}; the admin API lives "
            f"under {ADMIN_PREFIX}/.\n".encode(),
        )

    def transport(self):
        """An ``httpx.BaseTransport`` answering in process: ``httpx.Client(transport=emu.transport())``."""
        from intacct_emulator.transport import EmulatorTransport

        return EmulatorTransport(self)

    def serve_in_thread(self, host: str = "127.0.0.1", port: int = 0):
        """Start a real HTTP server in a daemon thread; returns it (``.url``, ``.admin_url``, ``.stop()``)."""
        from intacct_emulator.server import RunningServer

        return RunningServer(self, host, port).start()
