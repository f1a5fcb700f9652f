"""Sage Intacct XML gateway client (plain Python: httpx + lxml)."""

from . import errors, fields, filters
from .client import IntacctClient
from .credentials import DEFAULT_ENDPOINT, Credentials
from .reading import BillPage, Page
from .session import SessionInfo
from .settings import ClientSettings
from .setup_check import SetupCheck, SetupReport
from .usage import ApiUsage
from .writing import WriteFailed, WriteOutcome, WriteRequest

__all__ = [
    "DEFAULT_ENDPOINT",
    "ApiUsage",
    "ClientSettings",
    "Credentials",
    "IntacctClient",
    "BillPage",
    "Page",
    "SessionInfo",
    "SetupCheck",
    "SetupReport",
    "WriteFailed",
    "WriteOutcome",
    "WriteRequest",
    "errors",
    "fields",
    "filters",
]
