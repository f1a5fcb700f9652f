"""A real HTTP server (standard library, one thread per connection) in front of the emulator."""

from __future__ import annotations

import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from intacct_emulator.admin import ADMIN_PREFIX
from intacct_emulator.gateway import GATEWAY_PATH, HttpResponse

if TYPE_CHECKING:
    from intacct_emulator import Emulator

MAX_BODY_BYTES = 50 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    server_version = "IntacctEmulator/1.0"
    protocol_version = "HTTP/1.1"
    emulator: Emulator  # set on the subclass made per server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        # Quiet by default: request logs would drown test output and could echo request lines.
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.send_error(413, "Request body too large")
            return
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("Host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
        url = f"http://{host}{self.path}"
        try:
            answer = self.emulator.handle_http(self.command, url, body)
        except Exception:  # noqa: BLE001 - a bug must not kill the connection silently
            # Like the real gateway's mid-process failures: HTTP 500 without XML.
            traceback.print_exc(file=sys.stderr)
            answer = HttpResponse(500, {"Content-Type": "text/plain"}, b"Internal emulator error.\n")
        if answer.drop_connection:
            self.close_connection = True
            return
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _answer


class RunningServer:
    """A server answering in a background thread; ``stop()`` shuts it down and frees the port."""

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0):
        handler = type("EmulatorHandler", (_Handler,), {"emulator": emulator})
        self._httpd = ThreadingHTTPServer((host, port), handler)
        self._httpd.daemon_threads = True
        self.host, self.port = self._httpd.server_address[:2]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="intacct-emulator", daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return self.base_url + GATEWAY_PATH

    @property
    def admin_url(self) -> str:
        return self.base_url + ADMIN_PREFIX

    def start(self) -> RunningServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
