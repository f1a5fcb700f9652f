"""A loopback HTTP server that signs in normally and then answers queries with a huge or endless body."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from intacct_client_fakes import envelope, operation, result, session_result

ROW = b"<VENDOR><RECORDNO>1</RECORDNO><VENDORID>V1</VENDORID><NAME>Acme Supplies</NAME></VENDOR>"


class HostileGateway:
    """``mode``: "endless" (chunked, never ends), "sized" (a Content-Length of ``size`` bytes of valid rows),
    "elements" (a small body of very many empty elements)."""

    def __init__(self, mode: str, size: int = 0):
        self.mode, self.size, self.sent, self.queries = mode, size, 0, 0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                if b"getAPISession" in body:
                    answer = envelope(operation(session_result(endpoint=gateway.url)))
                    self.send_response(200)
                    self.send_header("Content-Type", "text/xml")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                    return
                gateway.queries += 1
                try:
                    gateway.stream(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client hung up: what we want

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/ia/xml/xmlgw.phtml"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def stream(self, handler: BaseHTTPRequestHandler) -> None:
        head = envelope(operation(result("query", "read-1", '<data listtype="VENDOR" totalcount="1" count="1" '
                                                           'numremaining="0">@@')))
        head = head[:head.index(b"@@")]
        handler.send_response(200)
        handler.send_header("Content-Type", "text/xml")
        if self.mode == "sized":  # a well-formed answer of ``size`` bytes of valid rows
            block, tail = ROW * 1000, b"</data></result></operation></response>"
            blocks = max(1, (self.size - len(head) - len(tail)) // len(block))
            handler.send_header("Content-Length", str(len(head) + blocks * len(block) + len(tail)))
            handler.end_headers()
            handler.wfile.write(head)
            for _ in range(blocks):
                handler.wfile.write(block)
                self.sent += len(block)
            handler.wfile.write(tail)
            return
        if self.mode == "elements":
            body = head + b"<x/>" * 50_000 + b"</data></result></operation></response>"
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            self.sent = len(body)
            return
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        block = ROW * 1000
        chunk = f"{len(block):x}\r\n".encode() + block + b"\r\n"
        handler.wfile.write(f"{len(head):x}\r\n".encode() + head + b"\r\n")
        while self.sent < 8 << 30:  # 8 GiB: endless for any test
            handler.wfile.write(chunk)
            self.sent += len(block)

    def __enter__(self) -> HostileGateway:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
