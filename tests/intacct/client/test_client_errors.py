import pytest

from intacct.client import errors as E

pytestmark = pytest.mark.unit
CTX = E.ErrorContext(company_id="ACME", user_id="Paymentus-Web", sender_id="Paymentus", entity_id="US01")


def detail(errorno, description2="", description="", correction=""):
    return E.ErrorDetail.from_texts(errorno, description, description2, correction)


def test_support_id_is_parsed_and_url_decoded():
    d = detail("BL01001973", "The account number '5000.11' already exists [Support ID: AbC%40x%7EY]")
    assert d.support_id == "AbC@x~Y"
    assert "Support ID: AbC@x~Y" in str(d)


@pytest.mark.parametrize("level, errorno, text, http, cls, words", [
    ("authentication", "XL03000006", "The sender ID 'Paymentus' is not authorized to make Web Services requests "
     "to company ID 'ACME'.", None, E.SenderNotAuthorized,
     "Company > Setup > Configuration > Company > Security > Web Services authorizations: add sender ID "
     "'Paymentus' with status Active"),
    ("control", "XL03000006", "Incorrect Intacct XML Partner ID or password.", None, E.InvalidSenderCredentials,
     "sender password"),
    ("authentication", "XL03000006", "Sign-in information is incorrect", None, E.InvalidCredentials,
     "Company > Admin > Users, roles & groups > Web Services users"),
    ("control", "XMLGW_JPP0002", "Sign-in information is incorrect. Please check your request.", 401,
     E.InvalidCredentials, "User ID 'Paymentus-Web'"),
    ("authentication", "XL03000006", "Invalid session abc", None, E.SessionExpired, None),
    ("authentication", "XL03000006", "Invalid location or entity 'US01'", None, E.UnknownEntity,
     "Company > Entities > Entity Id"),
    ("function", "PL04000005", "You do not have permission for API operation READ_BY_QUERY on objects of type "
     "apbill", None, E.PermissionDenied,
     "the role of user 'Paymentus-Web' needs subscriptions to Company, General Ledger, Accounts Payable, and "
     "Accounts Receivable with their permissions"),
    ("control", "GW-0010", "Rate limit exceeded", 429, E.RateLimited, "max_concurrency"),
    ("control", "", "The Service is Temporarily Off-line", None, E.Maintenance, "maintenance window"),
    ("function", "BL34000061", "Another Vendor with the given value(s) V1 already exists", None,
     E.DuplicateRecord, None),
    ("function", "XL03000009", "The entire transaction in this operation has been rolled back", None,
     E.TransactionAborted, None),
    ("function", "BL03000018", "Illegal format for Contactversion", None, E.ValidationError, None),
])
def test_catalogue_maps_errors_to_classes_and_setup_guide_remediations(level, errorno, text, http, cls, words):
    error = E.classify(level, [detail(errorno, text)], http_status=http, context=CTX)
    assert type(error) is cls
    assert error.errorno == errorno
    if words:
        assert words in error.remediation
        assert words in str(error)


def test_http_401_without_body_is_wrong_credentials():
    error = E.classify("control", [], http_status=401, context=CTX)
    assert isinstance(error, E.InvalidCredentials) and "Company ID 'ACME'" in error.remediation
