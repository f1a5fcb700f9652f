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


def _normalized_writer():
    """``content_text`` of normalized values, as one function written for the synced fields (made once): a
    bill's text a field at a time in line, without a generator per bill and per line (a quarter less time for
    every bill a first sync imports). Most values are text: written by the JSON encoder's own string function,
    without a call of ours."""
    def written(variable: str, key: str, first: bool) -> str:
        return f"{(key if first else ',' + key)!r} + (_text({variable}) if {variable}.__class__ is str else scalar({variable}))"

    head = " + ".join(written(f"h{i}", key, i == 0) for i, (_, key, _) in enumerate(_HEADER_TEXT))
    line = " + ".join(written(f"l{i}", key, i == 0) for i, (_, key, _) in enumerate(_LINE_TEXT))
    source = [
        "def write(header, lines, vendor, location):",
        "    get = header.get",
        *(f"    h{i} = get({name!r})" for i, (name, _, _) in enumerate(_HEADER_TEXT)),
        f"    head = {head}",
        "    body = []",
        "    for line in (sorted(lines, key=_line_no) if len(lines) > 1 else lines):",
        "        get = line.get",
        # An empty value is null; a line without a location takes the bill's.
        *(f"        l{i} = get({name!r}) or {'location' if name == 'location_id' else 'None'}"
          for i, (name, _, _) in enumerate(_LINE_TEXT)),
        f"        body.append({line})",
        "    return ('{\"header\":{' + head + '},\"lines\":[' + ('{' + '},{'.join(body) + '}' if body else '')",
        "            + '],\"vendor\":' + scalar(vendor) + '}')",
    ]
    scope = {"_text": _text, "scalar": json_scalar, "_line_no": lambda line: line.get("line_no") or 0}
    exec("\n".join(source), scope)  # noqa: S102 - the source is written here from the field catalogue
    return scope["write"]


_write_normalized = _normalized_writer()


def content_text(header: dict, lines: list[dict], vendor_intacct_id: str | None, location: str | None, *,
                 normalized: bool = False) -> str:
    """The JSON text ``content_hash`` hashes: ``dumps`` of the vendor, the synced header fields and the lines
    in line order (a line without a location takes ``location``; an empty value is null)."""
    if normalized:
        return _write_normalized(header, lines, vendor_intacct_id, location)
    scalar = json_scalar
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
