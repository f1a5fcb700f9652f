"""Credentials for one company (and optionally one entity) and the endpoint rules they must satisfy."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .errors import ConfigurationError

DEFAULT_ENDPOINT = "https://api.intacct.com/ia/xml/xmlgw.phtml"
INTACCT_DOMAIN = ".intacct.com"
# Hosts that may be reached over plain http: the loopback interface and the in-process emulator.
PLAIN_HTTP_HOSTS = frozenset({"localhost", "emulator.local"})


def is_loopback(host: str) -> bool:
    if host in PLAIN_HTTP_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_endpoint(url: str, allowed_hosts: Iterable[str] = ()) -> str:
    """Return ``url`` if the client may send credentials to it, else raise ConfigurationError.

    Allowed: https on hosts ending in ``.intacct.com``; https on a host listed in ``allowed_hosts``; plain
    http only on a listed host that is loopback (or the in-process emulator host).
    """
    if not isinstance(url, str) or not url.strip():
        raise ConfigurationError("The endpoint is empty: use " + DEFAULT_ENDPOINT)
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    allowed = {h.lower().strip("[]") for h in allowed_hosts}
    if parts.scheme not in ("https", "http") or not host:
        raise ConfigurationError(f"The endpoint {url!r} is not an http(s) URL: use {DEFAULT_ENDPOINT}")
    if parts.username or parts.password:
        raise ConfigurationError("The endpoint must not contain user information; pass credentials separately")
    if parts.scheme == "https" and (host.endswith(INTACCT_DOMAIN) or host in allowed):
        return url.strip()
    if parts.scheme == "http" and host in allowed and is_loopback(host):
        return url.strip()
    if parts.scheme == "http" and host.endswith(INTACCT_DOMAIN):
        raise ConfigurationError(f"The endpoint {url!r} must use https:// (TLS is required by Sage Intacct)")
    if parts.scheme == "http" and host in allowed:
        raise ConfigurationError(
            f"The endpoint host {host!r} is allowed, but plain http is only permitted for loopback hosts: "
            "use https://")
    raise ConfigurationError(
        f"The endpoint host {host!r} is not a Sage Intacct host (*{INTACCT_DOMAIN}). To use another host "
        "(e.g. a local emulator), list it in allowed_hosts.")


@dataclass(frozen=True)
class Credentials:
    """Sender and Web Services user credentials. Passwords never appear in the repr."""

    company_id: str
    user_id: str
    user_password: str = field(repr=False)
    sender_id: str
    sender_password: str = field(repr=False)
    entity_id: str | None = None
    endpoint: str = DEFAULT_ENDPOINT
    allowed_hosts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        names = {"company_id": "Company ID", "user_id": "User ID", "user_password": "user password",
                 "sender_id": "Sender ID", "sender_password": "sender password"}
        for attr, label in names.items():
            value = getattr(self, attr)
            if not isinstance(value, str) or not value.strip():
                raise ConfigurationError(f"The {label} is missing ({attr}); it is required to sign in")
        if self.entity_id is not None and not str(self.entity_id).strip():
            object.__setattr__(self, "entity_id", None)
        object.__setattr__(self, "allowed_hosts", tuple(self.allowed_hosts or ()))
        object.__setattr__(self, "endpoint", validate_endpoint(self.endpoint, self.allowed_hosts))

    def secrets(self) -> tuple[str, ...]:
        """Values that must never be logged or shown."""
        return (self.user_password, self.sender_password)
