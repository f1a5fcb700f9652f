"""Build requests as an API client would and post them to the emulator (shared by the emulator tests)."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

import httpx
from lxml import etree

from intacct_emulator import DEMO_CREDENTIALS, Emulator

SENDER = DEMO_CREDENTIALS["sender_id"]
SENDER_PW = DEMO_CREDENTIALS["sender_password"]
USER = DEMO_CREDENTIALS["user_id"]
USER_PW = DEMO_CREDENTIALS["user_password"]
COMPANY = DEMO_CREDENTIALS["company_id"]


def login_xml(
    user: str = USER, password: str = USER_PW, company: str = COMPANY, entity: str | None = None
) -> str:
    location = f"<locationid>{escape(entity)}</locationid>" if entity is not None else ""
    return (
        f"<login><userid>{escape(user)}</userid><companyid>{escape(company)}</companyid>"
        f"<password>{escape(password)}</password>{location}</login>"
    )


def envelope(
    *functions: str,
    auth: str | None = None,
    sender: str = SENDER,
    sender_password: str = SENDER_PW,
    transaction: bool = False,
    uniqueid: bool = False,
    controlid: str = "req-1",
    whitespace: bool = False,
) -> bytes:
    """A request with one ``<function>`` per entry; an entry may be a bare function element (gets a
    controlid f1, f2…) or a complete ``<function …>`` element."""
    wrapped = []
    for index, function in enumerate(functions, start=1):
        wrapped.append(
            function
            if function.startswith("<function")
            else f'<function controlid="f{index}">{function}</function>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<request><control>'
        f"<senderid>{escape(sender)}</senderid><password>{escape(sender_password)}</password>"
        f"<controlid>{controlid}</controlid><uniqueid>{'true' if uniqueid else 'false'}</uniqueid>"
        f"<dtdversion>3.0</dtdversion><includewhitespace>{'true' if whitespace else 'false'}"
        "</includewhitespace></control>"
        f'<operation transaction="{"true" if transaction else "false"}"><authentication>'
        f"{auth if auth is not None else login_xml()}</authentication>"
        f"<content>{''.join(wrapped)}</content></operation></request>"
    ).encode()


def session_auth(session_id: str) -> str:
    return f"<sessionid>{escape(session_id)}</sessionid>"


@dataclass
class Answer:
    status: int
    headers: httpx.Headers
    body: bytes

    @property
    def root(self) -> etree._Element:
        return etree.fromstring(self.body)

    def results(self) -> list[etree._Element]:
        return self.root.findall("operation/result")

    def result(self, index: int = 0) -> etree._Element:
        return self.results()[index]

    def errornos(self, element: etree._Element | None = None) -> list[str]:
        scope = self.root if element is None else element
        return [e.text for e in scope.iter("errorno")]


class Gateway:
    """Posts bodies to an emulator through its in-process transport (or a real URL)."""

    def __init__(self, emulator: Emulator, url: str | None = None, client: httpx.Client | None = None):
        self.emulator = emulator
        self.url = url or emulator.url
        self.client = client or httpx.Client(transport=emulator.transport())

    def post(self, body: bytes) -> Answer:
        response = self.client.post(self.url, content=body, headers={"Content-Type": "application/xml"})
        return Answer(response.status_code, response.headers, response.content)

    def call(self, *functions: str, **options) -> Answer:
        return self.post(envelope(*functions, **options))

    def open_session(self, entity: str | None = None) -> str:
        answer = self.call("<getAPISession/>", auth=login_xml(entity=entity))
        session_id = answer.root.findtext("operation/result/data/api/sessionid")
        assert session_id, answer.body
        return session_id


def error_block(element: etree._Element) -> list[dict[str, str]]:
    return [
        {child.tag: child.text or "" for child in error} for error in element.findall("errormessage/error")
    ]
