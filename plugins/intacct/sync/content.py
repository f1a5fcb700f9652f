"""A bill's synced content as one value: the JSON text of its header fields and lines, and that text's hash.

Bills are compared between the sides through these hashes (see ``sync.bills``). The module holds only the
content's definition, so that the preparation of Intacct pages (``sync.prepared``), which may run in a
reading process of its own, computes exactly the hashes the sync compares.
"""

from __future__ import annotations

from json.encoder import encode_basestring_ascii

from intacct.json_text import json_scalar, text_hash
from intacct.sync.mapping import BILL_FIELDS, BILL_LINE_FIELDS, normalizer

_text = encode_basestring_ascii

# (column, its normalizer), looked up once: content_hash runs for every bill of a sync.
HEADER = [(f.bc, normalizer(f.kind)) for f in BILL_FIELDS if f.synced]
LINE = [(f.bc, normalizer(f.kind)) for f in BILL_LINE_FIELDS if f.synced]
_TO_INT = normalizer("int")


def _normalized(normalize, value):
    try:
        return normalize(value)
    except ValueError:
        return str(value)


# The hashed document is {"header": {...}, "lines": [{...}, ...], "vendor": ...} as ``dumps`` writes it (keys
# sorted, no spaces), written here a value at a time: the same text, hence the same hashes as links already
# hold, in three quarters of the encoder's time (this runs for every bill a sync reads or compares).
_HEADER_TEXT = [(name, f'"{name}":', normalize) for name, normalize in sorted(HEADER)]
_LINE_TEXT = [(name, f'"{name}":', normalize) for name, normalize in sorted(LINE)]


def content_text(header: dict, lines: list[dict], vendor_intacct_id: str | None, location: str | None, *,
                 normalized: bool = False) -> str:
    """The JSON text ``content_hash`` hashes: ``dumps`` of the vendor, the synced header fields and the lines
    in line order (a line without a location takes ``location``; an empty value is null)."""
    scalar = json_scalar
    if normalized:
        # Most values are text: written by the JSON encoder's own string function, without a call of ours.
        ordered = sorted(lines, key=lambda line: line.get("line_no") or 0)
        head = ",".join(key + (_text(v) if (v := header.get(name)).__class__ is str else scalar(v))
                        for name, key, _ in _HEADER_TEXT)
        body = "},{".join(",".join(
            key + (_text(v) if (v := line.get(name) or (location if name == "location_id" else None)).__class__ is str
                   else scalar(v))
            for name, key, _ in _LINE_TEXT) for line in ordered)
    else:
        ordered = sorted(lines, key=lambda line: _normalized(_TO_INT, line.get("line_no")) or 0)
        head = ",".join(key + scalar(_normalized(normalize, header.get(name))) for name, key, normalize in _HEADER_TEXT)
        body = "},{".join(",".join(
            key + scalar(_normalized(normalize, line.get(name)) or (location if name == "location_id" else None))
            for name, key, normalize in _LINE_TEXT) for line in ordered)
    return ('{"header":{' + head + '},"lines":[' + ("{" + body + "}" if ordered else "") + '],"vendor":'
            + scalar(vendor_intacct_id) + "}")


def content_hash(header: dict, lines: list[dict], vendor_intacct_id: str | None, location: str | None, *,
                 normalized: bool = False) -> str:
    """Hash of a bill's synced content, computed the same way for the BC and the Intacct side.

    ``normalized``: the values are what the normalizers made of them already (a bill and lines just converted
    from Intacct); normalizing is idempotent, so they are hashed as they are, to the same hash."""
    return text_hash(content_text(header, lines, vendor_intacct_id, location, normalized=normalized))
