"""The admin face: what a tester or a person in the Intacct UI does, as Python calls and as JSON over HTTP.

Routes (JSON bodies and answers) under ``/_emulator/``::

    POST   /_emulator/reset                              {"dataset": "demo", "seed": 0, ...generator sizes}
    GET    /_emulator/faults        POST (set some)      DELETE (clear all)
    GET    /_emulator/stats
    POST   /_emulator/records/{company}/{object}         {"fields": {...}, "entity": "US01"}  (or the fields)
    GET    /_emulator/records/{company}/{object}?FIELD=value                 find_records
    GET    /_emulator/records/{company}/{object}/{recordno}                  get_record
    PATCH  /_emulator/records/{company}/{object}/{recordno}  {"fields": {...}} (or the fields)
    DELETE /_emulator/records/{company}/{object}/{recordno}
    PUT    /_emulator/records/{company}/{object}/{recordno}/raw  {"fields": {"TRX_TOTALENTERED": "12,34",
                                                     "RECORDNO": null}}  set_raw_values ({} clears)
    POST   /_emulator/clock                              {"advance_seconds": n}
    POST   /_emulator/sessions/expire                    every open session ends
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from intacct_emulator.errors import GatewayError
from intacct_emulator.gateway import HttpResponse

if TYPE_CHECKING:
    from intacct_emulator import Emulator

ADMIN_PREFIX = "/_emulator"


class AdminError(Exception):
    def __init__(self, status: int, message: str, errors: list[dict] | None = None):
        super().__init__(message)
        self.status = status
        self.errors = errors or []


class Admin:
    def __init__(self, emulator: Emulator):
        self._emulator = emulator

    @property
    def _gateway(self):
        return self._emulator.gateway

    def _company(self, company_id: str) -> Any:
        company = self._gateway.world.companies.get(company_id)
        if company is None:
            known = ", ".join(sorted(self._gateway.world.companies)) or "none"
            raise AdminError(404, f"Unknown company {company_id!r}; companies in this dataset: {known}.")
        return company

    # -- datasets, faults, clock, stats ------------------------------------------------------------------

    def reset(self, dataset: str = "demo", seed: int | None = None, **options: Any) -> None:
        """Load a dataset afresh: records, sessions, result sets, control ids and statistics start over."""
        self._emulator.load_dataset(dataset, seed=seed, **options)

    def set_faults(self, **faults: Any) -> dict:
        self._gateway.faults.configure(**faults)
        return self.faults()

    def clear_faults(self) -> None:
        self._gateway.faults.clear()

    def faults(self) -> dict:
        return self._gateway.faults.describe()

    def advance_clock(self, seconds: float) -> str:
        with self._gateway.lock:
            self._gateway.world.clock.advance(seconds)
            return self._gateway.world.clock.now().isoformat()

    def expire_sessions(self) -> None:
        with self._gateway.lock:
            self._gateway.sessions.expire_all()

    def session_ids(self) -> list[str]:
        """The ids of the sessions still open (tests use them to prove no session id reached a log)."""
        with self._gateway.lock:
            return self._gateway.sessions.ids()

    def stats(self) -> dict:
        with self._gateway.lock:
            counted = self._gateway.stats.snapshot()
            counted["records"] = {
                company_id: dict(company.store.counts())
                for company_id, company in self._gateway.world.companies.items()
            }
        return counted

    # -- records as a person in the UI --------------------------------------------------------------------

    def ui_create(
        self, company: str, object: str, fields: Mapping[str, Any], entity: str | None = None
    ) -> dict:
        """Create a record the way a person in the UI would (user "Admin", audit source "ui")."""
        with self._gateway.lock:
            return dict(self._company(company).store.ui_create(object.upper(), dict(fields), entity))

    def ui_update(self, company: str, object: str, recordno: int | str, fields: Mapping[str, Any]) -> dict:
        with self._gateway.lock:
            return dict(self._company(company).store.ui_update(object.upper(), int(recordno), dict(fields)))

    def ui_delete(self, company: str, object: str, recordno: int | str) -> None:
        with self._gateway.lock:
            self._company(company).store.ui_delete(object.upper(), int(recordno))

    def set_raw_values(self, company: str, object: str, recordno: int | str,
                       fields: Mapping[str, str | None]) -> None:
        """Malformed data as Intacct may answer it: every later gateway read of the record (readByQuery,
        readMore, query, read) answers these texts for these fields, ``None`` leaving the element out (a row
        without RECORDNO). The stored record, and what ``get_record``/``find_records`` show, do not change. An
        empty mapping answers the stored values again; ``reset`` clears every such value."""
        with self._gateway.lock:
            self._company(company).store.set_raw_values(object.upper(), int(recordno), dict(fields))

    def get_record(self, company: str, object: str, recordno: int | str) -> dict | None:
        with self._gateway.lock:
            found = self._company(company).store.get(object.upper(), int(recordno))
            return dict(found) if found is not None else None

    def find_records(self, company: str, object: str, **equals: Any) -> list[dict]:
        with self._gateway.lock:
            return [dict(row) for row in self._company(company).store.find(object.upper(), **equals)]

    # -- HTTP ---------------------------------------------------------------------------------------------

    def handle_http(self, method: str, url: str, body: bytes) -> HttpResponse:
        parsed = urllib.parse.urlsplit(url)
        parts = [urllib.parse.unquote(p) for p in parsed.path[len(ADMIN_PREFIX) :].split("/") if p]
        query = dict(urllib.parse.parse_qsl(parsed.query))
        try:
            payload = json.loads(body) if body and body.strip() else {}
            if not isinstance(payload, dict):
                raise AdminError(400, "The request body must be a JSON object.")
            answer = self._route(method.upper(), parts, query, payload)
        except AdminError as error:
            return _json(error.status, {"error": str(error), "errors": error.errors})
        except json.JSONDecodeError as error:
            return _json(400, {"error": f"The request body is not valid JSON: {error}."})
        except (ValueError, TypeError) as error:
            return _json(400, {"error": str(error)})
        except GatewayError as error:
            return _json(
                422,
                {
                    "error": str(error),
                    "errors": [
                        {
                            "errorno": d.errorno,
                            "description": d.description,
                            "description2": d.description2,
                            "correction": d.correction,
                        }
                        for d in error.details
                    ],
                },
            )
        return _json(200, answer)

    def _route(self, method: str, parts: list[str], query: dict[str, str], payload: dict) -> Any:
        head = parts[0] if parts else ""
        if head == "reset" and method == "POST":
            options = dict(payload)
            self.reset(options.pop("dataset", "demo"), options.pop("seed", None), **options)
            return {"ok": True, "stats": self.stats()}
        if head == "faults" and len(parts) == 1:
            if method == "GET":
                return self.faults()
            if method == "POST":
                return self.set_faults(**payload)
            if method == "DELETE":
                self.clear_faults()
                return self.faults()
        if head == "stats" and method == "GET":
            return self.stats()
        if head == "clock" and method == "POST":
            if "advance_seconds" not in payload:
                raise AdminError(400, 'Send {"advance_seconds": n} to move the emulator clock forward.')
            return {"now": self.advance_clock(float(payload["advance_seconds"]))}
        if parts == ["sessions", "expire"] and method == "POST":
            self.expire_sessions()
            return {"ok": True}
        if head == "records" and len(parts) == 5 and parts[4] == "raw" and method == "PUT":
            fields = payload.get("fields", payload)
            if not isinstance(fields, dict):
                raise AdminError(400, '"fields" must be a JSON object of Intacct field names and texts (or null).')
            self.set_raw_values(parts[1], parts[2], parts[3], fields)
            return {"ok": True}
        if head == "records" and len(parts) in (3, 4):
            return self._records(method, parts[1:], query, payload)
        raise AdminError(
            404,
            f"No admin route {method} {ADMIN_PREFIX}/{'/'.join(parts)}; see the admin module "
            "documentation for the routes.",
        )

    def _records(self, method: str, parts: list[str], query: dict[str, str], payload: dict) -> Any:
        company, object_name = parts[0], parts[1]
        # Either {"fields": {...}, "entity": "US01"} or the field mapping itself.
        wrapped = "fields" in payload
        fields = payload["fields"] if wrapped else payload
        if not isinstance(fields, dict):
            raise AdminError(400, '"fields" must be a JSON object of Intacct field names and values.')
        if len(parts) == 2:
            if method == "POST":
                return self.ui_create(
                    company, object_name, fields, payload.get("entity") if wrapped else None
                )
            if method == "GET":
                return self.find_records(company, object_name, **query)
        else:
            recordno = parts[2]
            if method == "GET":
                found = self.get_record(company, object_name, recordno)
                if found is None:
                    raise AdminError(404, f"No {object_name} record {recordno} in company {company}.")
                return found
            if method == "PATCH":
                return self.ui_update(company, object_name, recordno, fields)
            if method == "DELETE":
                self.ui_delete(company, object_name, recordno)
                return {"ok": True}
        raise AdminError(405, f"{method} is not supported on this records route.")


def _json(status: int, payload: Any) -> HttpResponse:
    return HttpResponse(
        status, {"Content-Type": "application/json"}, json.dumps(payload, default=str).encode()
    )
