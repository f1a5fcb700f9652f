"""Intacct VENDORIDs for BC vendors, and finding the Intacct vendor a new BC vendor may already be.

A VENDORID is derived from BC's vendor_id alone, so every run (and a retry after a lost response) derives
the same one. Before a vendor is created, the engine looks for an Intacct vendor that is already it: by that
VENDORID, by tax id or by normalized name.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from intacct.sync.mapping import VENDOR_ID_MAX_LENGTH, normalize_text

# Capital letters, digits, '-' and '_' are safe in every Intacct ID field; other punctuation is not. Only
# upper case passes unchanged, so two BC ids differing in case alone never meet in one VENDORID, whether or
# not Intacct compares ids case-insensitively.
_CLEAN_ID = re.compile(rf"^[A-Z0-9_-]{{1,{VENDOR_ID_MAX_LENGTH}}}$")
_UNSAFE_RUN = re.compile(r"[^A-Z0-9_-]+")
_HASH_LENGTH = 12  # base32 characters = 60 bits: collisions stay negligible even among millions of ids
_PREFIX_LENGTH = VENDOR_ID_MAX_LENGTH - _HASH_LENGTH - 1


def derive_vendor_id(bc_vendor_id: str) -> str:
    """The Intacct VENDORID for a BC vendor: at most 20 characters of [A-Z0-9_-], always the same.

    A BC id that already fits is used unchanged, so users recognise it. Any other id keeps a readable
    upper-case prefix and gains a hash of the full original id, so ids that differ only beyond the 20th
    character, only in case, or only in characters that had to be replaced still get different VENDORIDs.
    """
    original = normalize_text(bc_vendor_id)
    if original is None:
        raise ValueError("A BC vendor_id is required to derive the Intacct VENDORID")
    if _CLEAN_ID.match(original):
        return original
    ascii_text = unicodedata.normalize("NFKD", original).encode("ascii", "ignore").decode("ascii")
    prefix = _UNSAFE_RUN.sub("-", ascii_text.upper()).strip("-_")[:_PREFIX_LENGTH].rstrip("-_")
    digest = hashlib.sha256(original.encode("utf-8")).digest()
    suffix = base64.b32encode(digest).decode("ascii")[:_HASH_LENGTH]
    return f"{prefix}-{suffix}" if prefix else suffix


_COMPANY_HASH_LENGTH = 6  # base32 characters = 30 bits, mixed with the full BC id


def company_vendor_id(bc_vendor_id: str, bc_company_id: str) -> str:
    """The VENDORID for a BC vendor whose plain derived id is held by another vendor in Intacct.

    Two BC companies synced with one Intacct company may both have a vendor ``V001``: the second one to be
    created gets ``V001-`` plus a short hash of its BC company and vendor id, so it never lands on the first
    company's vendor. Always the same for the same company and vendor, so retries find it again.
    """
    plain = derive_vendor_id(bc_vendor_id)
    company = normalize_text(bc_company_id) or ""
    digest = hashlib.sha256(f"{company}\x1f{normalize_text(bc_vendor_id)}".encode()).digest()
    suffix = base64.b32encode(digest).decode("ascii")[:_COMPANY_HASH_LENGTH]
    head = plain[:VENDOR_ID_MAX_LENGTH - _COMPANY_HASH_LENGTH - 1].rstrip("-_")
    return f"{head}-{suffix}" if head else suffix


_LEGAL_SUFFIXES = frozenset({
    "inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "corp", "corporation", "co", "company",
    "plc", "gmbh", "ag", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "pty", "pte", "oy", "ab", "kg",
})
_PUNCTUATION = re.compile(r"[^\w\s]|_")


def normalize_name(name: Any) -> str:
    """A comparable form of a company name: 'ACME, Inc.' and 'Acme Inc' both become 'acme'.

    Case-folded, accents and punctuation removed, '&' read as 'and', whitespace collapsed, and trailing legal
    forms (Inc, LLC, Ltd, Corp, GmbH…) dropped, unless nothing else would be left.
    """
    text = normalize_text(name)
    if text is None:
        return ""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    text = text.replace("&", " and ")
    # Dots vanish ('l.l.c.' -> 'llc'); other punctuation separates words.
    text = _PUNCTUATION.sub(lambda match: "" if match.group() == "." else " ", text)
    words = text.split()
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def normalize_tax_id(tax_id: Any) -> str:
    """Letters and digits only, upper-case: '12-3456789' and '123456789' compare equal."""
    text = normalize_text(tax_id)
    if text is None:
        return ""
    return "".join(char for char in text if char.isalnum()).upper()


@dataclass(frozen=True)
class MatchCandidate:
    """An Intacct vendor that may be the BC vendor. Holds no tax id, so it is safe to log."""

    vendor_id: str | None
    record_no: int | None
    name: str | None
    status: str | None
    matched_on: tuple[str, ...]  # 'vendor_id', 'tax_id', 'name'

    def describe(self) -> str:
        how = ", ".join("same " + reason.replace("_", " ") for reason in self.matched_on)
        return f"{self.vendor_id} {self.name!r} ({how})"


@dataclass(frozen=True)
class MatchResult:
    """The outcome of looking for an existing Intacct vendor: exact, ambiguous or none."""

    exact: MatchCandidate | None = None
    candidates: tuple[MatchCandidate, ...] = field(default_factory=tuple)

    @property
    def ambiguous(self) -> bool:
        return self.exact is None and len(self.candidates) > 1

    @property
    def none(self) -> bool:
        return not self.candidates

    @property
    def outcome(self) -> str:
        return "exact" if self.exact else "ambiguous" if self.ambiguous else "none"

    def describe(self) -> str:
        """A sentence for the run log, e.g. the reason a vendor needs review."""
        if self.exact:
            return f"Linked to the existing Intacct vendor {self.exact.describe()}."
        if self.ambiguous:
            listed = "; ".join(candidate.describe() for candidate in self.candidates)
            return (
                f"Needs review: {len(self.candidates)} Intacct vendors could be this vendor: {listed}. "
                "Set intacct_vendor_id in BC to the right one, or make the vendors' names and tax ids distinct."
            )
        return "No matching Intacct vendor: it will be created."


def _pick(record: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if name in record:
            return record[name]
    return None


class VendorIndex:
    """Intacct vendors indexed by VENDORID, tax id and normalized name, to match many BC vendors quickly.

    Records may use Intacct names (VENDORID, NAME, TAXID, RECORDNO, STATUS) or BC names as produced by
    ``mapping.vendor_from_intacct`` (intacct_vendor_id, name, tax_id, intacct_record_no, status).
    """

    def __init__(self, intacct_vendors: pd.DataFrame | Iterable[Mapping[str, Any]]):
        records: Iterable[Mapping[str, Any]]
        if isinstance(intacct_vendors, pd.DataFrame):
            records = intacct_vendors.to_dict("records")
        else:
            records = intacct_vendors
        self._entries: list[tuple[str | None, int | None, str | None, str | None]] = []
        self._by_vendor_id: dict[str, list[int]] = {}
        self._by_tax_id: dict[str, list[int]] = {}
        self._by_name: dict[str, list[int]] = {}
        self._tax_ids: list[str] = []  # normalized, by position (never logged)
        for record in records:
            vendor_id = normalize_text(_pick(record, "VENDORID", "intacct_vendor_id"))
            record_no = _pick(record, "RECORDNO", "intacct_record_no")
            name = normalize_text(_pick(record, "NAME", "name"))
            status = normalize_text(_pick(record, "STATUS", "status"))
            position = len(self._entries)
            self._entries.append((vendor_id, None if pd.isna(record_no) else int(record_no), name, status))
            if vendor_id:
                self._by_vendor_id.setdefault(vendor_id, []).append(position)
            tax_id = normalize_tax_id(_pick(record, "TAXID", "tax_id"))
            self._tax_ids.append(tax_id)
            if tax_id:
                self._by_tax_id.setdefault(tax_id, []).append(position)
            normalized = normalize_name(name)
            if normalized:
                self._by_name.setdefault(normalized, []).append(position)

    def __repr__(self) -> str:
        return f"VendorIndex({len(self._entries)} vendors)"

    def _candidates(self, hits: dict[int, list[str]]) -> tuple[MatchCandidate, ...]:
        return tuple(
            MatchCandidate(*self._entries[position], matched_on=tuple(reasons))
            for position, reasons in sorted(hits.items())
        )

    def match(self, bc_row: Mapping[str, Any], vendor_ids: Iterable[str] | None = None) -> MatchResult:
        """Find the Intacct vendor this BC vendor already is.

        A vendor with one of ``vendor_ids`` (default: the derived VENDORID), or with the row's
        intacct_vendor_id, is the one this sync created (perhaps in a run whose response was lost), provided
        its name or tax id agrees; one with the same id but another name and tax id belongs to someone else
        (e.g. another BC company's vendor) and is no candidate. Otherwise every vendor with the same tax id or
        the same normalized name is a candidate: exactly one is a match; several need a person to choose.
        Tax ids veto: a vendor whose tax id differs from the BC vendor's is never a candidate, whatever else
        agrees (both tax ids must be known to differ).
        """
        if vendor_ids is None:
            vendor_ids = [derive_vendor_id(bc_row["vendor_id"])] if normalize_text(bc_row.get("vendor_id")) else []
        wanted_ids = {normalize_text(v) for v in vendor_ids} - {None}
        linked = normalize_text(bc_row.get("intacct_vendor_id"))
        if linked:
            wanted_ids.add(linked)
        tax_id = normalize_tax_id(bc_row.get("tax_id"))
        name = normalize_name(bc_row.get("name"))

        def vetoed(position: int) -> bool:
            return bool(tax_id) and bool(self._tax_ids[position]) and self._tax_ids[position] != tax_id

        by_id: dict[int, list[str]] = {}
        for wanted in wanted_ids:
            for position in self._by_vendor_id.get(wanted, ()):
                same_name = bool(name) and normalize_name(self._entries[position][2]) == name
                same_tax = bool(tax_id) and self._tax_ids[position] == tax_id
                if vetoed(position) or not (same_name or same_tax or wanted == linked):
                    continue
                by_id.setdefault(position, []).append("vendor_id")
        if len(by_id) == 1:
            return MatchResult(exact=self._candidates(by_id)[0], candidates=self._candidates(by_id))

        hits = by_id
        for position in self._by_tax_id.get(tax_id, ()) if tax_id else ():
            hits.setdefault(position, []).append("tax_id")
        for position in self._by_name.get(name, ()) if name else ():
            if not vetoed(position):
                hits.setdefault(position, []).append("name")
        candidates = self._candidates(hits)
        if len(candidates) == 1:
            return MatchResult(exact=candidates[0], candidates=candidates)
        return MatchResult(candidates=candidates)


def match_candidates(bc_row: Mapping[str, Any],
                     intacct_vendors: pd.DataFrame | Sequence[Mapping[str, Any]] | VendorIndex) -> MatchResult:
    """Match one BC vendor against Intacct vendors (build a VendorIndex once to match many)."""
    index = intacct_vendors if isinstance(intacct_vendors, VendorIndex) else VendorIndex(intacct_vendors)
    return index.match(bc_row)
