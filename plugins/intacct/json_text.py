"""JSON text as the product writes it: Decimals and dates as strings, keys sorted, no spaces; and its hash.

One module for the text that is stored (snapshots, outcome details) and the text that is hashed (a bill's
content, a link's snapshot), so both are always the same. It imports nothing beyond the standard library:
a reading process hashes bills with it without loading the warehouse's database layer.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from json.encoder import encode_basestring_ascii
from types import NoneType


def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


# Built once: ``json.dumps`` with options builds a new encoder on every call.
_ENCODER = json.JSONEncoder(default=_json_default, sort_keys=True, separators=(",", ":"))


def dumps(value) -> str:
    """JSON text with Decimal, date and datetime as strings, keys sorted (stable hashes)."""
    return _ENCODER.encode(value)


def _quoted(value) -> str:
    return '"' + str(value) + '"'  # what _json_default's text becomes: ASCII digits, signs and dashes only


# The scalar types a synced value has, each written exactly as ``dumps`` writes it.
_SCALAR_TEXT = {str: encode_basestring_ascii, NoneType: lambda _: "null", bool: lambda v: "true" if v else "false",
                int: int.__repr__, Decimal: _quoted, date: lambda v: '"' + v.isoformat() + '"',
                datetime: lambda v: '"' + v.isoformat() + '"'}


def json_scalar(value) -> str:
    """``dumps(value)`` for one value, without the encoder's per-document set-up (hashes of synced content
    are written a value at a time, see ``sync.bills.content_hash``). Exactly the same text for every value:
    the scalar types above directly, anything else (a subclass, a float, a container) through ``dumps``."""
    write = _SCALAR_TEXT.get(value.__class__)
    return dumps(value) if write is None else write(value)


class JsonText(str):
    """A document already written by :func:`dumps`: stored as this text, not serialised again (so a snapshot
    is serialised once for both its column and its hash)."""

    __slots__ = ()


def text_hash(text: str) -> str:
    """The hash of a document's JSON text (``dumps``): what ``sync.state.snapshot_hash`` gives for the document."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]
