"""The Airflow face of the Intacct client: an ``intacct`` connection becomes an :class:`IntacctClient`.

Connection fields (the same names appear in the connection form):

- login: the Web Services user's User ID; password: that user's password
- host: the gateway endpoint (default https://api.intacct.com/ia/xml/xmlgw.phtml); a full URL is accepted
- extra: company_id, entity_id (optional), sender_id, sender_password, and the optional settings
  timezone, page_size, write_batch_size, max_concurrency, max_response_bytes, max_response_elements,
  timeout_seconds, retry_max_seconds, read_process (true/false), allowed_hosts
  (comma list or JSON list of hosts allowed besides ``*.intacct.com``; plain http only for loopback hosts).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from airflow.sdk import BaseHook
from airflow.sdk.exceptions import AirflowException

from intacct.client.credentials import DEFAULT_ENDPOINT, Credentials, is_loopback
from intacct.client.errors import ConfigurationError, Maintenance, RateLimited, TransportError
from intacct.client.settings import ClientSettings
from intacct.setup_steps import WHERE_COMPANY_ID_IS, WHERE_SENDER_IS_AUTHORIZED, WHERE_USER_IS

if TYPE_CHECKING:
    import httpx

    from intacct.client import IntacctClient
    from intacct.client.setup_check import SetupReport

GATEWAY_PATH = urlsplit(DEFAULT_ENDPOINT).path

# Where each required value lives in the connection and where the user finds it in Sage Intacct.
REQUIRED_FIELDS: dict[str, tuple[str, str]] = {
    "company_id": ("extra 'company_id'", WHERE_COMPANY_ID_IS),
    "user_id": ("the connection's login", WHERE_USER_IS),
    "user_password": ("the connection's password", "the password of that Web Services user"),
    "sender_id": ("extra 'sender_id'", WHERE_SENDER_IS_AUTHORIZED),
    "sender_password": ("extra 'sender_password'", "the password issued with that sender ID"),
}
INTEGER_SETTINGS = ("page_size", "write_batch_size", "max_concurrency", "max_response_bytes", "max_response_elements")
SECONDS_SETTINGS = ("timeout_seconds", "retry_max_seconds")
# The connection test (Test button, `airflow connections test`) must answer within 15 s, even for a host that
# never answers: short timeouts and a small retry budget, for the test only. Worst case per request: a
# try started just before the budget ends, plus its timeout; two requests (sign-in, the probes) stay < 15 s.
TEST_TIMEOUT_SECONDS = 4.0
TEST_RETRY_MAX_SECONDS = 2.0
# Failures that may pass on their own: a task retry is worth it. Everything else needs a person.
TRANSIENT_ERRORS = (TransportError, Maintenance, RateLimited)


class IntacctConnectionError(AirflowException):
    """The ``intacct`` connection is incomplete or invalid; the message names the field and its source."""


@dataclass(frozen=True)
class IntacctConnectionConfig:
    credentials: Credentials
    settings: ClientSettings


def endpoint_from_host(host: str | None, port: int | None = None) -> str:
    """The connection's host as a gateway URL: empty → the public gateway; a bare host gets the path."""
    host = (host or "").strip()
    if not host:
        return DEFAULT_ENDPOINT
    if "://" in host:
        return host
    bare = host.split("/", 1)[0]
    scheme = "http" if is_loopback(bare.split(":", 1)[0]) else "https"
    netloc = f"{bare}:{port}" if port and ":" not in bare else bare
    path = "/" + host.split("/", 1)[1] if "/" in host else GATEWAY_PATH
    return f"{scheme}://{netloc}{path}"


def parse_allowed_hosts(value: object) -> tuple[str, ...]:
    """``"a, b"``, ``'["a", "b"]'`` or a list → ``("a", "b")``."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError as exc:
                raise IntacctConnectionError(
                    f"extra 'allowed_hosts' is not a valid JSON list ({exc.msg}); use a comma-separated list"
                ) from None
        else:
            value = text.split(",")
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise IntacctConnectionError("extra 'allowed_hosts' must be a comma-separated list of host names")
    return tuple(h.strip() for h in value if h.strip())


def config_from_connection(
    conn_id: str,
    *,
    login: str | None,
    password: str | None,
    host: str | None,
    port: int | None,
    extra: Mapping[str, Any],
    entity_id: str | None = None,
) -> IntacctConnectionConfig:
    """Validate an ``intacct`` connection; the error names the missing field and where it comes from."""
    values = {
        "company_id": extra.get("company_id"),
        "user_id": login,
        "user_password": password,
        "sender_id": extra.get("sender_id"),
        "sender_password": extra.get("sender_password"),
    }
    missing = [name for name, value in values.items() if not (isinstance(value, str) and value.strip())]
    if missing:
        lines = [f"  - {REQUIRED_FIELDS[n][0]}: {REQUIRED_FIELDS[n][1]}" for n in missing]
        raise IntacctConnectionError(
            f"Airflow connection '{conn_id}' is missing {len(missing)} field(s):\n" + "\n".join(lines)
        )
    settings_kwargs: dict[str, Any] = {}
    if extra.get("timezone"):
        settings_kwargs["timezone"] = str(extra["timezone"])
    for name in INTEGER_SETTINGS:
        raw = extra.get(name)
        if raw in (None, ""):
            continue
        try:
            settings_kwargs[name] = int(raw)
        except (TypeError, ValueError):
            raise IntacctConnectionError(
                f"Airflow connection '{conn_id}': extra '{name}' must be a whole number, got {raw!r}"
            ) from None
    for name in SECONDS_SETTINGS:
        raw = extra.get(name)
        if raw in (None, ""):
            continue
        try:
            settings_kwargs[name] = float(raw)
        except (TypeError, ValueError):
            raise IntacctConnectionError(
                f"Airflow connection '{conn_id}': extra '{name}' must be a number of seconds, got {raw!r}"
            ) from None
    raw = extra.get("read_process")
    if raw not in (None, ""):
        flag = raw if isinstance(raw, bool) else str(raw).strip().lower()
        if flag not in (True, False, "true", "false"):
            raise IntacctConnectionError(
                f"Airflow connection '{conn_id}': extra 'read_process' must be true or false, got {raw!r}")
        settings_kwargs["read_process"] = flag in (True, "true")
    chosen_entity = entity_id if entity_id is not None else extra.get("entity_id")
    try:
        credentials = Credentials(
            company_id=values["company_id"].strip(),
            user_id=values["user_id"].strip(),
            user_password=values["user_password"],
            sender_id=values["sender_id"].strip(),
            sender_password=values["sender_password"],
            entity_id=str(chosen_entity).strip() if chosen_entity else None,
            endpoint=endpoint_from_host(host, port),
            allowed_hosts=parse_allowed_hosts(extra.get("allowed_hosts")),
        )
        settings = ClientSettings(**settings_kwargs)
    except ConfigurationError as exc:
        raise IntacctConnectionError(f"Airflow connection '{conn_id}': {exc}") from None
    return IntacctConnectionConfig(credentials, settings)


class IntacctHook(BaseHook):
    """Builds the Intacct client from an Airflow connection of type ``intacct``, lazily.

    :param intacct_conn_id: the connection id.
    :param entity_id: the entity to sign in to; overrides the connection's ``entity_id`` so one connection
        per Intacct company serves all its entities.
    :param transport: an httpx transport to use instead of the network (tests, the in-process emulator).
    """

    conn_name_attr = "intacct_conn_id"
    default_conn_name = "intacct_default"
    conn_type = "intacct"
    hook_name = "Sage Intacct"

    def __init__(
        self,
        intacct_conn_id: str = default_conn_name,
        *,
        entity_id: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__()
        self.intacct_conn_id = intacct_conn_id
        self.entity_id = entity_id
        self.transport = transport

    @cached_property
    def config(self) -> IntacctConnectionConfig:
        conn = self.get_connection(self.intacct_conn_id)
        # No mask_secret here: Airflow masks the connection's password when it fetches the connection, and
        # extra_dejson masks every extra whose key names a secret (sender_password). Masking them again
        # would only send more MaskSecret messages, which `airflow dags test` logs with the value at DEBUG.
        extra = conn.extra_dejson
        return config_from_connection(
            self.intacct_conn_id,
            login=conn.login,
            password=conn.password,
            host=conn.host,
            port=conn.port,
            extra=extra,
            entity_id=self.entity_id,
        )

    @cached_property
    def client(self) -> IntacctClient:
        from intacct.client import IntacctClient

        config = self.config
        return IntacctClient(config.credentials, config.settings, transport=self.transport)

    def get_conn(self) -> IntacctClient:
        return self.client

    def close(self) -> None:
        client = self.__dict__.pop("client", None)
        if client is not None and hasattr(client, "close"):
            client.close()

    def check_setup(self, *, probes: bool = True) -> SetupReport:
        """Sign in and probe read access to GLACCOUNT, VENDOR and APBILL (one-row reads); without ``probes``,
        only sign in (a sync run's objects probe with their first reads)."""
        return self.client.check_setup(probes=probes)

    def session_token(self) -> str | None:
        """The client's current session, sealed for the next task of the run (see ``session_handoff``); None
        when there is no session or no Fernet key."""
        from intacct.hooks.session_handoff import seal

        client = self.__dict__.get("client")
        return seal(client.export_session()) if client is not None else None

    def resume_session(self, tokens: Iterable[object]) -> bool:
        """Adopt the usable session among sealed ``tokens`` that stays valid longest, instead of signing in.

        False when none fits (no key, another connection's session, expired): the client then signs in at its
        first call, as it would have anyway."""
        from intacct.hooks.session_handoff import unseal

        states = [(position, state) for position, state in enumerate(map(unseal, tokens)) if state]
        # Valid longest first; of equally long ones, the latest handed on (a session refused and replaced
        # earlier in the run may still carry the same whole-second expiry).
        states.sort(key=lambda item: (_expiry(item[1]), item[0]), reverse=True)
        return any(self.client.adopt_session(state) for _, state in states)

    def test_connection(self) -> tuple[bool, str]:
        """The Test button: one message saying what works and exactly what to fix, within 15 seconds.

        It uses its own client with short timeouts and few retries (the sync keeps its patient ones)."""
        from intacct.client import IntacctClient

        try:
            config = self.config
        except IntacctConnectionError as exc:
            return False, str(exc)
        settings = replace(
            config.settings,
            timeout_seconds=min(config.settings.timeout_seconds, TEST_TIMEOUT_SECONDS),
            retry_max_seconds=min(config.settings.retry_max_seconds, TEST_RETRY_MAX_SECONDS),
        )
        client = None
        try:
            client = IntacctClient(config.credentials, settings, transport=self.transport)
            report = client.check_setup()
        except Exception as exc:  # the Test button must answer, whatever went wrong
            return False, _describe_failure(exc, config)
        finally:
            if client is not None:
                client.close()
        return bool(report.ok), str(report.message)


def _expiry(state: Mapping) -> datetime:
    try:
        expires = datetime.fromisoformat(str(state.get("expires_at")))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return expires if expires.tzinfo else datetime.min.replace(tzinfo=UTC)


def is_transient(report: SetupReport) -> bool:
    """Whether the failed checks failed only for reasons that may pass by themselves (network, maintenance)."""
    failed = [check for check in report.checks if not check.ok]
    return bool(failed) and all(isinstance(check.error, TRANSIENT_ERRORS) for check in failed)


def _describe_failure(exc: Exception, config: IntacctConnectionConfig) -> str:
    text = str(exc)
    for secret in config.credentials.secrets():
        if secret:
            text = text.replace(secret, "***")
    return f"{type(exc).__name__} testing {config.credentials.endpoint}: {text}"
