"""HTTP exchange with the gateway: retries with backoff, bounded total time, per-company concurrency.

Transient failures (429, 502, 503, 504, other 5xx, connection errors, HTML pages, truncated XML, rate-limit
and maintenance answers) are retried with exponential backoff and jitter until ``retry_max_seconds`` is spent.
Every request this client sends may be replayed: reads change nothing and writes carry ``uniqueid=true``
with deterministic function control ids. A 524 ("the gateway is still processing") is therefore resent only
after a long pause, and never for a request marked not replay-safe.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from lxml import etree

from .errors import (
    ErrorContext,
    IntacctError,
    Maintenance,
    RateLimited,
    ResponseTooLarge,
    TransportError,
    classify,
)
from .settings import ClientSettings
from .xml import Redactor, Response, TooManyElements, parse_xml, read_response, secret_values

log = logging.getLogger("intacct.client")

_RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
_LOG_BODY_CHARS = 4000

_limits_lock = threading.Lock()
_company_limits: dict[str, threading.BoundedSemaphore] = {}


def company_semaphore(company_id: str, limit: int) -> threading.BoundedSemaphore:
    """The process-wide semaphore of a company: the first client to ask sets its size."""
    key = company_id.strip().upper()
    with _limits_lock:
        if key not in _company_limits:
            _company_limits[key] = threading.BoundedSemaphore(limit)
        return _company_limits[key]


@dataclass
class _Retry(Exception):
    error: IntacctError
    min_delay: float = 0.0


class GatewayTransport:
    """Posts request bodies and returns parsed responses whose control and authentication levels succeeded."""

    def __init__(self, settings: ClientSettings, company_id: str, context: ErrorContext, redactor: Redactor,
                 transport: httpx.BaseTransport | None = None, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, rng: random.Random | None = None):
        self.settings = settings
        self.context = context
        self.redactor = redactor
        self.sleep = sleep
        self.clock = clock
        self.rng = rng or random.Random()
        self.semaphore = company_semaphore(company_id, settings.max_concurrency)
        self.http = httpx.Client(
            transport=transport, timeout=settings.timeout_seconds, follow_redirects=False, verify=True,
            headers={"Content-Type": "application/xml", "Accept": "application/xml, text/xml",
                     "User-Agent": "intacct-sync-client/0.1"})

    def close(self) -> None:
        self.http.close()

    def send(self, body: bytes, endpoint: str, *, label: str, replay_safe: bool = True) -> Response:
        started = self.clock()
        attempt = 0
        while True:
            try:
                return self._attempt(body, endpoint, label, replay_safe)
            except _Retry as retry:
                attempt += 1
                delay = max(retry.min_delay, self._backoff(attempt))
                spent = self.clock() - started
                if spent + delay > self.settings.retry_max_seconds:
                    error = retry.error
                    error.message += (f" (gave up after {attempt} attempt(s) in {spent:.0f}s; "
                                      f"retry_max_seconds={self.settings.retry_max_seconds:g})")
                    raise error from None
                log.warning("Intacct %s: %s; retrying in %.1fs (attempt %d)", label, retry.error.message, delay,
                            attempt + 1)
                self.sleep(delay)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.settings.retry_cap_seconds, self.settings.retry_base_seconds * 2 ** (attempt - 1))
        return ceiling * (0.5 + self.rng.random() / 2)

    def _attempt(self, body: bytes, endpoint: str, label: str, replay_safe: bool) -> Response:
        # Values this request binds to secret fields (a tax id in a filter, say) are removed wherever they
        # reappear: the logged request, the logged answer and the errors the gateway echoes them in.
        redactor = self.redactor.scoped(secret_values(body))
        if log.isEnabledFor(logging.DEBUG):
            log.debug("Intacct request %s to %s: %s", label, endpoint, redactor.xml(body)[:_LOG_BODY_CHARS])
        with self.semaphore:
            try:
                with self.http.stream("POST", endpoint, content=body) as http:
                    status, headers = http.status_code, http.headers
                    content = self._read_bounded(http, endpoint, label)
            except httpx.TimeoutException as exc:
                error = TransportError(f"{label}: no answer within {self.settings.timeout_seconds:g}s "
                                       f"({type(exc).__name__})")
                if not replay_safe:
                    raise error from None
                raise _Retry(error) from None
            except httpx.TransportError as exc:
                error = TransportError(f"{label}: connection failed ({type(exc).__name__})")
                if not replay_safe and not isinstance(exc, httpx.ConnectError):
                    raise error from None
                raise _Retry(error) from None
        if log.isEnabledFor(logging.DEBUG):
            log.debug("Intacct response %s: HTTP %d %s", label, status,
                      redactor.xml(content[:_LOG_BODY_CHARS * 4])[:_LOG_BODY_CHARS])
        try:
            return self._interpret(status, content, headers, label, replay_safe, redactor)
        except TooManyElements as exc:
            raise self._too_large(endpoint, label, f"more than {self.settings.max_response_elements:,} XML "
                                  "elements", "max_response_elements", exc.args[0] if exc.args else None) from None

    def _read_bounded(self, http: httpx.Response, endpoint: str, label: str) -> bytes:
        """The body, read as it streams in, refused as soon as it passes max_response_bytes."""
        limit = self.settings.max_response_bytes
        declared = http.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise self._too_large(endpoint, label, f"{int(declared):,} bytes announced", "max_response_bytes")
        chunks: list[bytes] = []
        received = 0
        for chunk in http.iter_bytes():
            received += len(chunk)
            if received > limit:
                raise self._too_large(endpoint, label, f"more than {limit:,} bytes", "max_response_bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, endpoint: str, label: str, what: str, setting: str, _count: object = None
                   ) -> ResponseTooLarge:
        limit = getattr(self.settings, setting)
        return ResponseTooLarge(
            f"{label}: the answer from {endpoint} was refused: {what}, over the limit {setting}={limit:,}; "
            "a real 2,000-row page is far smaller, so the endpoint is probably broken. If the answers are "
            f"genuine, raise {setting} (a client setting and an extra of the intacct connection) or lower "
            "page_size. Not retried.")

    def _interpret(self, status: int, content: bytes, headers: httpx.Headers, label: str,
                   replay_safe: bool, redactor: Redactor) -> Response:
        content_type = headers.get("content-type", "").lower()
        head = content[:512].lstrip().lower()
        is_html = "text/html" in content_type or head.startswith((b"<!doctype html", b"<html"))
        response: Response | None = None
        if not is_html and content.strip():
            try:
                response = redactor.response(read_response(parse_xml(
                    content, max_elements=self.settings.max_response_elements)))
            except (etree.XMLSyntaxError, ValueError) as exc:
                if status == 200:
                    raise _Retry(TransportError(f"{label}: the answer is not complete XML ({exc.__class__.__name__}: "
                                                f"{redactor.text(str(exc))[:200]})", http_status=status)) from None
        if status == 200 and is_html:
            raise _Retry(TransportError(f"{label}: the gateway answered with an HTML page instead of XML",
                                        http_status=status))
        if status != 200:
            return self._http_failure(status, response, headers, label, replay_safe, is_html)
        if response is None:  # HTTP 200 with an empty body
            raise _Retry(TransportError(f"{label}: the answer is empty, not XML", http_status=status))
        if response.control_status != "success":
            self._raise_level("control", response.control_errors, label, status)
        if response.auth_status is not None and response.auth_status != "success":
            self._raise_level("authentication", response.auth_errors, label, status)
        return response

    def _raise_level(self, level: str, details: list, label: str, status: int | None) -> None:
        error = classify(level, [self.redactor.detail(d) for d in details], context=self.context,
                         prefix=f"{label}: ")
        if isinstance(error, RateLimited | Maintenance):
            raise _Retry(error)
        raise error

    def _http_failure(self, status: int, response: Response | None, headers: httpx.Headers, label: str,
                      replay_safe: bool, is_html: bool) -> Response:
        details = [self.redactor.detail(d) for d in response.control_errors] if response else []
        error = classify("control" if details else "http", details, http_status=status, context=self.context,
                         prefix=f"{label}: ")
        if not details and status in (401, 400):
            error = classify("control", [], http_status=status, context=self.context, prefix=f"{label}: ")
        if status == 524:
            error = TransportError(f"{label}: HTTP 524, the gateway timed out but may still be processing",
                                   http_status=status, errors=error.errors)
            if not replay_safe:
                raise error
            raise _Retry(error, min_delay=self.settings.retry_after_524_seconds)
        if status == 429 or isinstance(error, RateLimited):
            raise _Retry(error if isinstance(error, RateLimited) else RateLimited(
                error.message, errors=error.errors, remediation=error.remediation, http_status=status),
                min_delay=_retry_after(headers))
        if isinstance(error, Maintenance):
            raise _Retry(error)
        if status in _RETRYABLE_STATUSES or status >= 500:
            kind = "an HTML error page" if is_html else "a server error"
            raise _Retry(TransportError(f"{label}: HTTP {status}, {kind}", http_status=status, errors=error.errors))
        raise error


def _retry_after(headers: httpx.Headers) -> float:
    try:
        return max(0.0, float(headers.get("retry-after", "0")))
    except ValueError:
        return 0.0
