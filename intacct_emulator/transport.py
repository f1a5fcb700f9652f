"""An httpx transport that answers in process with the same handler as the HTTP server."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from intacct_emulator import Emulator


class EmulatorTransport(httpx.BaseTransport):
    def __init__(self, emulator: Emulator):
        self._emulator = emulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        answer = self._emulator.handle_http(request.method, str(request.url), body)
        if answer.drop_connection:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body, request=request)
