"""Error texts of the data side, in one place.

Error numbers the reference documents (BL34000061, BL01001973, BL03000018, DL02000001, XL03000003) are used
as documented; the others are this emulator's choice and stay stable so tests can rely on them.
"""

from __future__ import annotations

from intacct_emulator.errors import ErrorDetail, GatewayError

PROCESSING_ERROR = "There was an error processing the request."


def query_error(detail: str, correction: str = "") -> GatewayError:
    """A failed read: the gateway's generic DL02000001, with the cause in ``correction``."""
    return GatewayError("DL02000001", PROCESSING_ERROR, "Query Failed", correction or detail)


def schema_error(detail: str) -> GatewayError:
    return GatewayError("XL03000003", f"XML Parse schema error: {detail}", "",
                        "Fix the request so that it follows the documented query structure.")


def unknown_object(name: str) -> GatewayError:
    # Recorded: errorno "Query Failed" (a phrase), empty description and correction (reference §3). ``delete``
    # reports errorno WS instead (see functions.delete).
    return GatewayError("Query Failed", f"Object definition {name} not found")


def cannot_find_to_delete(object_name: str, key: str) -> GatewayError:
    """Recorded as one error, with no "Could not delete" companion (reference §3)."""
    return GatewayError("BL01001973", f"Cannot find {object_name.lower()} with key '{key}' to delete.")


def unknown_field(object_name: str, field_name: str) -> GatewayError:
    return GatewayError("DL02000001", f"Unknown field '{field_name}' for object {object_name}.", "Query Failed",
                        f"Remove '{field_name}' or use a field of {object_name} (see inspect/lookup).")


def detail(errorno: str, description2: str, correction: str = "") -> ErrorDetail:
    return ErrorDetail(errorno, description2, "", correction)


def write_failure(action: str, object_name: str, *specific: ErrorDetail) -> GatewayError:
    """Specific errors followed by the generic BL01001973 companion, as the gateway lists them."""
    generic = ErrorDetail("BL01001973", f"Could not {action} {object_name.lower()} record!", "", "")
    return GatewayError.of([*specific, generic])


def illegal_format(field_name: str, value: str, expected: str) -> ErrorDetail:
    return detail("BL03000018", f"Illegal format for {field_name} : '{value}'", f"Use {expected}.")


def required(field_name: str) -> ErrorDetail:
    return detail("BL01001975", f"Required field {field_name} is missing.", f"Provide a value for {field_name}.")


def too_long(field_name: str, value: str, limit: int) -> ErrorDetail:
    return detail("BL03000018", f"{field_name} '{value}' is longer than {limit} characters.",
                  f"Use at most {limit} characters for {field_name}.")


def duplicate(display_name: str, value: str) -> ErrorDetail:
    return detail("BL34000061", f"Another {display_name} with the given value(s) {value} already exists",
                  "Use a unique value instead.")


def not_found(display_name: str, key_field: str, value: str) -> ErrorDetail:
    return detail("BL01001974", f"{display_name} with {key_field} '{value}' does not exist or is not visible "
                  "in this session.", f"Use the {key_field} of an existing record visible to this entity.")


def invalid_reference(display_name: str, value: str, correction: str) -> ErrorDetail:
    return detail("BL03000130", f"Invalid {display_name} '{value}' specified.", correction)


def unknown_write_field(object_name: str, field_name: str) -> ErrorDetail:
    return detail("BL03000019", f"Unknown field {field_name} for object {object_name}.",
                  f"Remove {field_name}; use the documented field names of {object_name}.")


def read_only_field(object_name: str, field_name: str) -> ErrorDetail:
    return detail("BL03000020", f"Field {field_name} of {object_name} is read-only.", f"Do not send {field_name}.")
