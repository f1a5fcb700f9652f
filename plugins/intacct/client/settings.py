"""Tunable behaviour of the client, validated up front so a bad value fails before any request."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigurationError

MAX_QUERY_PAGE_SIZE = 2000  # the `query` function's documented maximum
MAX_IN_VALUES = 1000  # `in` / `notin` accept at most this many values
MAX_READ_AHEAD_PAGES = 4  # pages a read may hold beyond the caller's: memory stays a few pages
# A full read of bills and lines splits in two halves from this many pages (bills and lines): the split's up to
# three extra calls (the highest key, two partial pages) stay within 5% of the pages read (see halves).
SPLIT_READ_MIN_PAGES = 60
REQUEST_CHAR_LIMIT = 500_000  # the gateway's request-size limit (characters; documented for async requests)
# No maximum of functions per request is documented (the often-quoted 100 is unverified): by default the
# size limit decides, and the count stops at the largest list the gateway documents anywhere (1,000 `in`
# values, 1,000 rows per readByQuery page), which also keeps one request's work far from the 15-minute
# processing limit.
DEFAULT_WRITE_BATCH_SIZE = 1000
# A real 2,000-row page of vendors is about 6 MB and 120,000 elements: the defaults leave ample room while
# keeping one hostile or broken answer from exhausting memory.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_RESPONSE_ELEMENTS = 1_000_000


@dataclass(frozen=True)
class ClientSettings:
    """How the client talks to one company.

    ``timezone`` is the company's timezone: Intacct returns and accepts timestamps such as WHENMODIFIED as
    naive local times in it. Writes go in requests of at most ``write_batch_size`` records and
    ``max_request_chars`` (measured as UTF-8 bytes of the whole request, never fewer than its characters);
    ``write_batch_size`` is defined here only: the sync engine takes its batches from the client's value
    unless its EntityConfig says otherwise. ``read_ahead_pages`` is how many pages a read asked to read ahead
    fetches before its caller needs them (0: none, even when asked); every request still takes one of the
    company's ``max_concurrency`` slots. A full read of bills with their lines is split in two halves read
    side by side when its first page shows it at least ``split_read_min_pages`` pages long (see ``halves``).
    ``read_process``: a long full read asked to run in a process of its own (``IntacctClient.process_read``)
    does so, reading on another CPU than the caller's work (on a machine with one CPU it never does).
    """

    timezone: str = "America/Los_Angeles"
    page_size: int = MAX_QUERY_PAGE_SIZE
    write_batch_size: int = DEFAULT_WRITE_BATCH_SIZE
    max_concurrency: int = 2
    read_ahead_pages: int = 2  # two pages: the reader's bursts (a page's commit) do not stall the request slots
    split_read_min_pages: int = SPLIT_READ_MIN_PAGES
    timeout_seconds: float = 300.0
    retry_max_seconds: float = 120.0
    retry_base_seconds: float = 1.0
    retry_cap_seconds: float = 30.0
    retry_after_524_seconds: float = 60.0
    session_refresh_margin_seconds: float = 120.0
    max_request_chars: int = REQUEST_CHAR_LIMIT
    show_private: bool = True
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    max_response_elements: int = DEFAULT_MAX_RESPONSE_ELEMENTS
    read_process: bool = True

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ConfigurationError(
                f"Unknown timezone {self.timezone!r}: use an IANA name such as 'America/Los_Angeles' "
                "(the company's timezone in Sage Intacct: Company > Company Info)") from exc
        _require(isinstance(self.page_size, int) and 1 <= self.page_size <= MAX_QUERY_PAGE_SIZE,
                 f"page_size must be an integer from 1 to {MAX_QUERY_PAGE_SIZE}, got {self.page_size!r}")
        check_write_batch_size(self.write_batch_size)
        _require(isinstance(self.max_concurrency, int) and self.max_concurrency >= 1,
                 f"max_concurrency must be a positive integer, got {self.max_concurrency!r}")
        _require(isinstance(self.read_ahead_pages, int) and 0 <= self.read_ahead_pages <= MAX_READ_AHEAD_PAGES,
                 f"read_ahead_pages must be an integer from 0 to {MAX_READ_AHEAD_PAGES}, got {self.read_ahead_pages!r}")
        _require(isinstance(self.split_read_min_pages, int) and not isinstance(self.split_read_min_pages, bool)
                 and self.split_read_min_pages >= 0,
                 f"split_read_min_pages must be an integer >= 0, got {self.split_read_min_pages!r}")
        for name in ("timeout_seconds", "retry_max_seconds", "retry_base_seconds", "retry_cap_seconds",
                     "retry_after_524_seconds", "session_refresh_margin_seconds"):
            value = getattr(self, name)
            _require(isinstance(value, int | float) and value >= 0, f"{name} must be a number >= 0, got {value!r}")
        _require(self.timeout_seconds > 0, "timeout_seconds must be greater than 0")
        _require(isinstance(self.max_request_chars, int) and 10_000 <= self.max_request_chars <= REQUEST_CHAR_LIMIT,
                 f"max_request_chars must be between 10000 and {REQUEST_CHAR_LIMIT}, got {self.max_request_chars!r}")

        _require(isinstance(self.read_process, bool), f"read_process must be true or false, got {self.read_process!r}")
        for name, minimum in (("max_response_bytes", 10_000), ("max_response_elements", 1_000)):
            value = getattr(self, name)
            _require(isinstance(value, int) and not isinstance(value, bool) and value >= minimum,
                     f"{name} must be an integer >= {minimum}, got {value!r}")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def check_write_batch_size(value: object) -> int:
    """The one rule for ``write_batch_size``, whoever sets it (the connection's extra, ClientSettings, an
    engine's EntityConfig): a whole number of records, at least 1."""
    _require(isinstance(value, int) and not isinstance(value, bool) and value >= 1,
             f"write_batch_size must be a positive integer, got {value!r}")
    return value  # type: ignore[return-value]


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigurationError(f"Invalid client setting: {message}")
