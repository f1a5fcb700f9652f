"""The gateway-level error texts: one place for every error the protocol layer produces.

Texts quoted by the API reference are reproduced verbatim. Where the real gateway's wording is unknown the
emulator states its own choice here, so clients and tests have a single place to look it up.
"""

from __future__ import annotations

import secrets

from intacct_emulator.errors import ErrorDetail, GatewayError

# -- control level -------------------------------------------------------------------------------------------


def xml_parse_error(detail: str) -> GatewayError:
    """Malformed XML or a request that breaks the gateway's schema (reported as a control failure)."""
    return GatewayError("XL03000003", f"XML Parse schema error: {detail}")


def xml_syntax_errors(errors: list[tuple[int, str, int, int]]) -> GatewayError:
    """Malformed XML: one <error> per parser error, in libxml's words, as the gateway reports them:
    "XML Parse schema error: Fatal Error 76: Opening and ending tag mismatch: … Line: 19, column: 18."."""
    details = [
        ErrorDetail(
            "XL03000003",
            f"XML Parse schema error: Fatal Error {code}: {message.rstrip('.')}. Line: {line}, column: {column}.",
        )
        for code, message, line, column in errors
    ]
    return GatewayError.of(details)


def schema_not_expected(element: str) -> GatewayError:
    return xml_parse_error(
        f"Error 1871: Element '{element}': This element is not expected.. Line: 1, column: 0."
    )


def schema_missing_child(parent: str, expected: str) -> GatewayError:
    return xml_parse_error(
        f"Error 1871: Element '{parent}': Missing child element(s). Expected is ( {expected} ).. "
        "Line: 1, column: 0."
    )


def schema_bad_value(element: str, detail: str) -> GatewayError:
    return xml_parse_error(f"Error 1824: Element '{element}': {detail}. Line: 1, column: 0.")


def bad_sender() -> GatewayError:
    return GatewayError("XL03000006", "Incorrect Intacct XML Partner ID or password.")


def maintenance() -> GatewayError:
    # UNCERTAIN: no errorno is documented; clients recognise the texts (description2 / correction).
    return GatewayError(
        "XL03000002",
        "The Service is Temporarily Off-line",
        description="Service unavailable",
        correction="Please Try Again Later",
    )


def rate_limited() -> GatewayError:
    return GatewayError(
        "GW-0010",
        "Too many concurrent requests for this company. Retry after the running requests finish.",
        description="Rate limit exceeded",
        correction="Retry with exponential back-off, or lower the number of parallel requests.",
    )


def unknown_company(errorno: str = "GW-0011") -> GatewayError:
    """An unknown company id: a control failure in the minimal HTTP-error layout (text in description)."""
    return GatewayError(errorno, "", description=f"Invalid Request [Request ID: {secrets.token_hex(8)}]")


def bad_login_http_401() -> GatewayError:
    # Newer gateways answer bad user credentials with HTTP 401 and this control failure.
    return GatewayError(
        "XMLGW_JPP0002", "", description="Sign-in information is incorrect. Please check your request."
    )


# -- authentication level ------------------------------------------------------------------------------------


def sign_in_incorrect() -> GatewayError:
    return GatewayError("XL03000006", "Sign-in information is incorrect")


def sender_not_authorized(sender_id: str, company_id: str) -> GatewayError:
    return GatewayError(
        "XL03000006",
        f"The sender ID '{sender_id}' is not authorized to make Web Services requests to company ID "
        f"'{company_id}'.",
        description="Invalid Web Services Authorization",
        correction="Contact the company administrator to grant Web Services authorization to this sender ID.",
    )


def invalid_session() -> GatewayError:
    return GatewayError("XL03000006", "Invalid session")


def unknown_entity(entity_id: str, company_id: str) -> GatewayError:
    # UNCERTAIN wording: the real errorno for a bad location ID at login was not found.
    return GatewayError(
        "XL03000006",
        f"Invalid entity ID '{entity_id}' for company '{company_id}'.",
        description="Invalid entity",
        correction="Use an entity ID listed under Company > Setup > Entities, or leave the location ID empty "
        "for a top-level session.",
    )


# -- function level ------------------------------------------------------------------------------------------


def request_error(detail: str, correction: str = "") -> GatewayError:
    """Bad function arguments: the generic processing error plus the specific reason."""
    return GatewayError(
        "DL02000001", f"There was an error processing the request. {detail}", correction=correction
    )


def permission_denied(operation: str, object_name: str) -> GatewayError:
    return GatewayError(
        "PL04000005",
        f"You do not have permission for API operation {operation} on objects of type {object_name.lower()}",
        correction="Grant the Web Services user's role permission for this object (its application module "
        "must be subscribed and the object's permissions enabled).",
    )


def duplicate_control_id(controlid: str) -> GatewayError:
    # UNCERTAIN: the real text is undocumented. Chosen: errorno XL03000004 and "has already been executed".
    return GatewayError(
        "XL03000004",
        f"The function with control ID '{controlid}' has already been executed.",
        description="Duplicate control ID",
        correction="Nothing was done again. Send a new function control ID to run it again, or set uniqueid "
        "to false.",
    )


def transaction_aborted() -> GatewayError:
    return GatewayError(
        "XL03000009", "The entire transaction in this operation has been rolled back due to an error."
    )


def result_set_expired(result_id: str) -> GatewayError:
    # Recorded for an invalid resultId: errorno is the phrase "readMore failed", description and correction
    # empty. An expired one is reported the same way (the text says "invalid or expired").
    return GatewayError("readMore failed", f"Attempt to readMore with an invalid or expired resultId: {result_id}")


def companion_error(function: str, object_name: str) -> GatewayError:
    """The generic error Intacct adds after the specific reason a write failed."""
    verb = {"create": "create", "update": "update", "delete": "delete"}[function]
    return GatewayError("BL01001973", f"Could not {verb} {object_name.lower()} record!")
