"""Hand-built gateway answers in the shapes of the public reference, for unit tests without the emulator."""

from __future__ import annotations

from collections.abc import Callable
from xml.sax.saxutils import escape

import httpx
from lxml import etree

from intacct.client import ClientSettings, Credentials, IntacctClient

ENDPOINT = "https://api.intacct.com/ia/xml/xmlgw.phtml"
SESSION_ENDPOINT = "https://na99.intacct.com/ia/xml/xmlgw.phtml"
SECRETS = {"user_password": "Us3r-Secret!pw", "sender_password": "S3nder-Secret!pw"}
SESSION_ID = "SESSxyz123secretSESSION.."


def credentials(**overrides) -> Credentials:
    values = dict(company_id="ACME", user_id="Paymentus-Web", sender_id="Paymentus", endpoint=ENDPOINT,
                  **SECRETS)
    values.update(overrides)
    return Credentials(**values)


def envelope(operation: str = "", *, control_ok: bool = True, control_errors: str = "") -> bytes:
    status = "success" if control_ok else "failure"
    control = (f"<control><status>{status}</status><senderid>Paymentus</senderid><controlid>c</controlid>"
               "<uniqueid>false</uniqueid><dtdversion>3.0</dtdversion></control>")
    errors = f"<errormessage>{control_errors}</errormessage>" if control_errors else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><response>{control}{errors}{operation}</response>'.encode()


def error(errorno: str, description2: str = "", description: str = "", correction: str = "") -> str:
    return (f"<error><errorno>{errorno}</errorno><description>{escape(description)}</description>"
            f"<description2>{escape(description2)}</description2><correction>{escape(correction)}</correction>"
            "</error>")


def operation(results: str, *, auth_ok: bool = True, auth_errors: str = "",
              timeout: str | None = "2030-01-01T12:00:00-08:00") -> str:
    status = "success" if auth_ok else "failure"
    timeout_el = f"<sessiontimeout>{timeout}</sessiontimeout>" if timeout and auth_ok else ""
    auth = (f"<authentication><status>{status}</status><userid>Paymentus-Web</userid><companyid>ACME</companyid>"
            f"<locationid></locationid><sessiontimestamp>2029-12-31T12:00:00-08:00</sessiontimestamp>"
            f"{timeout_el}</authentication>")
    errors = f"<errormessage>{auth_errors}</errormessage>" if auth_errors else ""
    return f"<operation>{auth}{errors}{results}</operation>"


def result(function: str, controlid: str, data: str = "", *, status: str = "success", errors: str = "") -> str:
    error_el = f"<errormessage>{errors}</errormessage>" if errors else ""
    return (f"<result><status>{status}</status><function>{function}</function><controlid>{controlid}</controlid>"
            f"{data}{error_el}</result>")


def session_result(session_id: str = SESSION_ID, endpoint: str = SESSION_ENDPOINT, location: str = "") -> str:
    return result("getAPISession", "session",
                  f"<data><api><sessionid>{session_id}</sessionid><endpoint>{endpoint}</endpoint>"
                  f"<locationid>{location}</locationid></api></data>")


def rows_xml(tag: str, rows: list[dict]) -> str:
    out = []
    for row in rows:
        cells = "".join(f"<{k}>{escape('' if v is None else str(v))}</{k}>" for k, v in row.items())
        out.append(f"<{tag}>{cells}</{tag}>")
    return "".join(out)


def query_data(obj: str, rows: list[dict], *, totalcount: int | None = None, numremaining: int = 0) -> str:
    total = len(rows) + numremaining if totalcount is None else totalcount
    return (f'<data listtype="{obj}" totalcount="{total}" offset="0" count="{len(rows)}" '
            f'numremaining="{numremaining}">{rows_xml(obj, rows)}</data>')


class Request:
    """A request the fake received, parsed."""

    def __init__(self, http: httpx.Request):
        self.http = http
        self.body = http.content
        self.root = etree.fromstring(http.content)

    @property
    def functions(self) -> list[etree._Element]:
        return [f[0] for f in self.root.iterfind("operation/content/function")]

    @property
    def control_ids(self) -> list[str]:
        return [f.get("controlid") for f in self.root.iterfind("operation/content/function")]

    @property
    def function_names(self) -> list[str]:
        return [f.tag for f in self.functions]

    def text(self, path: str) -> str | None:
        return self.root.findtext(path)


Handler = Callable[[Request], httpx.Response | bytes]


class FakeGateway:
    """Answers getAPISession by itself and everything else from a queue of handlers (or one default)."""

    def __init__(self, *handlers: Handler, default: Handler | None = None, session_timeout: str | None = None):
        self.queue = list(handlers)
        self.default = default
        self.requests: list[Request] = []
        self.sessions_opened = 0
        self.session_timeout = session_timeout or "2030-01-01T12:00:00-08:00"

    def __call__(self, http: httpx.Request) -> httpx.Response:
        request = Request(http)
        self.requests.append(request)
        if request.function_names == ["getAPISession"] and request.root.find(
                "operation/authentication/login") is not None and not (self.queue and getattr(
                self.queue[0], "handles_login", False)):
            self.sessions_opened += 1
            body = envelope(operation(session_result(), timeout=self.session_timeout))
            return httpx.Response(200, content=body, headers={"content-type": "text/xml"})
        handler = self.queue.pop(0) if self.queue else self.default
        if handler is None:
            raise AssertionError(f"unexpected request {request.function_names}")
        answer = handler(request)
        if isinstance(answer, bytes):
            return httpx.Response(200, content=answer, headers={"content-type": "text/xml"})
        return answer

    @property
    def data_requests(self) -> list[Request]:
        return [r for r in self.requests if r.function_names != ["getAPISession"]]


def login_handler(handler: Handler) -> Handler:
    """Mark a handler as answering the sign-in request itself."""
    handler.handles_login = True  # type: ignore[attr-defined]
    return handler


def answer(results_for: Callable[[Request], str], **operation_kwargs) -> Handler:
    return lambda request: envelope(operation(results_for(request), **operation_kwargs))


def make_client(gateway: FakeGateway, *, sleeps: list[float] | None = None, clock=None, now=None,
                settings: ClientSettings | None = None, **cred_overrides) -> IntacctClient:
    sleeps = sleeps if sleeps is not None else []
    extra = {}
    if clock is not None:
        extra["clock"] = clock
    if now is not None:
        extra["now"] = now
    return IntacctClient(credentials(**cred_overrides), settings or ClientSettings(),
                         transport=httpx.MockTransport(gateway), sleep=sleeps.append, **extra)
