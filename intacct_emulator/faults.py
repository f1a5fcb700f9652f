"""Fault injection: the misbehaviour of the real gateway, switchable at start and at run time.

Random faults draw from one seeded generator, a fixed number of draws per request, so a failing test replays
with the same seed. ``fail_next`` forces named faults on the next requests, one name per request, for exact
tests. The names, and whether the request's work is done:

    maintenance        control failure "The Service is Temporarily Off-line" / "Please Try Again Later"  not done
    http_502, http_503 HTML error page with that status                                                not done
    html_error         HTML page with status 200 instead of XML                                         not done
    rate_limited       HTTP 429, control failure GW-0010                                                not done
    http_524           HTTP 524 (the CDN gave up waiting)                                               done
    truncated_xml      status 200, the XML cut in half                                                  done
    lost_response      HTTP 502 after the work was committed                                            done
    lost_connection    connection closed without an answer                                              done
    session_expiry     the request's session ends just before it is processed                           -
    result_set_expiry  every readByQuery result set is dropped first                                    -
    none               nothing (a placeholder to skip a request)                                        done
Aliases: "502", "503", "524", "429".
"""

from __future__ import annotations

import random
import threading
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields, replace

from intacct_emulator.sessions import DEFAULT_SESSION_SECONDS

# Applied before the request is processed: nothing is committed.
BEFORE_FAULTS = ("maintenance", "http_502", "http_503", "html_error", "rate_limited")
# Applied after the request was processed: writes are committed, the client does not learn it.
AFTER_FAULTS = ("http_524", "truncated_xml", "lost_response", "lost_connection")
# Change state before processing.
STATE_FAULTS = ("session_expiry", "result_set_expiry")
FAULT_NAMES = (*BEFORE_FAULTS, *AFTER_FAULTS, *STATE_FAULTS, "none")
_ALIASES = {"502": "http_502", "503": "http_503", "524": "http_524", "429": "rate_limited"}
HTTP_ERROR_CODES = (502, 503, 524)


@dataclass(frozen=True)
class FaultSettings:
    latency_ms: float = 0
    jitter_ms: float = 0
    max_concurrent_per_company: int | None = None
    http_error_rate: float = 0.0
    http_error_codes: tuple[int, ...] = HTTP_ERROR_CODES
    html_error_rate: float = 0.0
    truncated_xml_rate: float = 0.0
    lost_response_rate: float = 0.0
    lost_response_mode: str = "http_502"  # or "connection_closed"
    maintenance: bool = False
    session_timeout_seconds: float = DEFAULT_SESSION_SECONDS
    result_set_ttl_seconds: float = 1800
    http_401_for_bad_login: bool = False
    # Enumerations in filters take one form per function (readByQuery: VENDOR STATUS 'T', APBILL STATE 'A';
    # query: 'active', 'Posted'; AUDITHISTORY ACCESSMODE the other way round). True accepts both in both.
    lenient_enum_filters: bool = False
    # An unknown company id: HTTP 400 control failure; docs say GW-0011, two clients saw "invalidRequest".
    unknown_company_errorno: str = "GW-0011"
    # Share of AUDITHISTORY pages (query and readByQuery) that fail with DL02000001 "There was an error
    # processing the request", as public clients report of real companies.
    audit_page_error_rate: float = 0.0
    fail_next: tuple[str, ...] = field(default=())


SETTING_NAMES = tuple(f.name for f in fields(FaultSettings))


@dataclass(frozen=True)
class FaultPlan:
    """What happens to one request."""

    before: str | None = None
    after: str | None = None
    expire_session: bool = False
    expire_result_sets: bool = False
    latency_seconds: float = 0.0


def _normalise_name(name: str) -> str:
    name = _ALIASES.get(str(name), str(name))
    if name not in FAULT_NAMES:
        raise ValueError(f"Unknown fault {name!r} in fail_next; use one of: {', '.join(FAULT_NAMES)}.")
    return name


def _validated(settings: FaultSettings) -> FaultSettings:
    for rate_name in ("http_error_rate", "html_error_rate", "truncated_xml_rate", "lost_response_rate",
                      "audit_page_error_rate"):
        rate = float(getattr(settings, rate_name))
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"{rate_name} must be between 0 and 1, got {rate}.")
    codes = tuple(int(code) for code in settings.http_error_codes)
    if not codes or any(code not in HTTP_ERROR_CODES for code in codes):
        raise ValueError(
            f"http_error_codes must be a non-empty subset of {list(HTTP_ERROR_CODES)}, got {codes}."
        )
    for name in ("latency_ms", "jitter_ms"):
        if float(getattr(settings, name)) < 0:
            raise ValueError(f"{name} must not be negative.")
    limit = settings.max_concurrent_per_company
    if limit is not None and int(limit) < 1:
        raise ValueError("max_concurrent_per_company must be at least 1 (or null for no limit).")
    for name in ("session_timeout_seconds", "result_set_ttl_seconds"):
        if float(getattr(settings, name)) <= 0:
            raise ValueError(f"{name} must be positive.")
    if settings.unknown_company_errorno not in ("GW-0011", "invalidRequest"):
        raise ValueError("unknown_company_errorno must be 'GW-0011' or 'invalidRequest'.")
    if settings.lost_response_mode not in ("http_502", "connection_closed"):
        raise ValueError("lost_response_mode must be 'http_502' or 'connection_closed'.")
    return replace(
        settings,
        http_error_codes=codes,
        fail_next=tuple(_normalise_name(name) for name in settings.fail_next),
    )


class Faults:
    def __init__(self, seed: int = 0, **settings: object):
        self._lock = threading.Lock()
        self._seed = seed
        self._rng = random.Random(seed)
        self._settings = FaultSettings()
        self._pending: deque[str] = deque()
        self._in_flight: Counter[str] = Counter()
        if settings:
            self.configure(**settings)

    @property
    def settings(self) -> FaultSettings:
        return self._settings

    def configure(self, **changes: object) -> FaultSettings:
        """Change some settings; the others keep their value. ``fail_next`` names are queued."""
        unknown = sorted(set(changes) - set(SETTING_NAMES))
        if unknown:
            raise ValueError(
                f"Unknown fault setting(s) {unknown}; valid settings: {', '.join(SETTING_NAMES)}."
            )
        if "http_error_codes" in changes and changes["http_error_codes"] is not None:
            changes["http_error_codes"] = tuple(changes["http_error_codes"])  # type: ignore[arg-type]
        if "fail_next" in changes:
            value = changes["fail_next"]
            changes["fail_next"] = (value,) if isinstance(value, str) else tuple(value or ())  # type: ignore
        with self._lock:
            updated = _validated(replace(self._settings, **changes))  # type: ignore[arg-type]
            self._pending.extend(updated.fail_next)
            self._settings = replace(updated, fail_next=())
            return self._settings

    def clear(self) -> None:
        with self._lock:
            self._settings = FaultSettings()
            self._pending.clear()
            self._rng = random.Random(self._seed)

    def describe(self) -> dict:
        with self._lock:
            described = asdict(self._settings)
            described["http_error_codes"] = list(self._settings.http_error_codes)
            described["fail_next"] = list(self._pending)
            return described

    def plan(self) -> FaultPlan:
        """Decide the faults of one request (always the same number of random draws)."""
        with self._lock:
            s = self._settings
            draws = [self._rng.random() for _ in range(6)]
            forced = self._pending.popleft() if self._pending else None
        latency = (s.latency_ms + draws[5] * s.jitter_ms) / 1000.0
        if forced is not None:
            return FaultPlan(
                before=forced if forced in BEFORE_FAULTS else ("maintenance" if s.maintenance else None),
                after=forced if forced in AFTER_FAULTS else None,
                expire_session=forced == "session_expiry",
                expire_result_sets=forced == "result_set_expiry",
                latency_seconds=latency,
            )
        before = after = None
        if s.maintenance:
            before = "maintenance"
        elif draws[0] < s.http_error_rate:
            code = s.http_error_codes[int(draws[1] * len(s.http_error_codes)) % len(s.http_error_codes)]
            if code == 524:
                after = "http_524"  # the CDN gave up; the gateway still finishes the work
            else:
                before = f"http_{code}"
        elif draws[2] < s.html_error_rate:
            before = "html_error"
        if before is None and after is None:
            if draws[3] < s.truncated_xml_rate:
                after = "truncated_xml"
            elif draws[4] < s.lost_response_rate:
                after = "lost_response" if s.lost_response_mode == "http_502" else "lost_connection"
        return FaultPlan(before=before, after=after, latency_seconds=latency)

    @contextmanager
    def concurrency_slot(self, company_id: str) -> Iterator[bool]:
        """Yields False when the company already has its limit of requests in flight."""
        with self._lock:
            limit = self._settings.max_concurrent_per_company
            admitted = limit is None or self._in_flight[company_id] < int(limit)
            if admitted:
                self._in_flight[company_id] += 1
        try:
            yield admitted
        finally:
            if admitted:
                with self._lock:
                    self._in_flight[company_id] -= 1
