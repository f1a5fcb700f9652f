from decimal import Decimal

import httpx
import pytest
from intacct_client_fakes import FakeGateway, answer, error, make_client, result

from intacct.client import ClientSettings, WriteFailed, WriteRequest
from intacct.client import errors as E

pytestmark = pytest.mark.unit


def created(request):
    return "".join(result(f.tag, cid, f'<data listtype="objects" count="1"><vendor><RECORDNO>{100 + i}</RECORDNO>'
                                      f"<VENDORID>V{i}</VENDORID></vendor></data>")
                   for i, (f, cid) in enumerate(zip(request.functions, request.control_ids, strict=True)))


def requests(n, **extra):
    return [WriteRequest(f"vendor:V{i}", {"VENDORID": f"V{i}", "NAME": f"Vendor {i}", **extra}) for i in range(n)]


def test_writes_use_uniqueid_and_deterministic_control_ids():
    gateway = FakeGateway(default=answer(created))
    client = make_client(gateway)
    first = client.create("VENDOR", requests(3))
    second = client.create("VENDOR", requests(3))
    one, two = gateway.data_requests
    assert one.text("control/uniqueid") == "true"
    assert one.control_ids == two.control_ids and len(set(one.control_ids)) == 3
    assert [o.record_no for o in first] == [100, 101, 102] and first[0].record_id == "V0"
    assert second[0].ok
    changed = client.create("VENDOR", [WriteRequest("vendor:V0", {"VENDORID": "V0", "NAME": "Other"})])
    scoped = client.create("VENDOR", [WriteRequest("vendor:V0", requests(1)[0].fields, scope="run-2")])
    assert changed[0].control_id != first[0].control_id != scoped[0].control_id


def test_nested_fields_and_decimal_amounts_are_serialized():
    gateway = FakeGateway(default=answer(created))
    make_client(gateway).create("APBILL", [WriteRequest("bill:1", {
        "VENDORID": "V1", "APBILLITEMS": {"APBILLITEM": [{"ACCOUNTNO": "6220", "TRX_AMOUNT": Decimal("100.10")},
                                                         {"ACCOUNTNO": "6230", "TRX_AMOUNT": Decimal("5")}]}})])
    bill = gateway.data_requests[0].functions[0].find("APBILL")
    assert [e.text for e in bill.iterfind("APBILLITEMS/APBILLITEM/TRX_AMOUNT")] == ["100.10", "5"]


def test_batches_by_count():
    gateway = FakeGateway(default=answer(created))
    outcomes = make_client(gateway, settings=ClientSettings(write_batch_size=4)).create("VENDOR", requests(10))
    assert [len(r.functions) for r in gateway.data_requests] == [4, 4, 2]
    assert len(outcomes) == 10


def test_already_executed_control_id_is_reported_as_already_applied():
    def replayed(request):
        return "".join(result("create", cid, status="failure", errors=error(
            "XL03000004", f"The function with control ID '{cid}' has already been executed."))
            for cid in request.control_ids)
    outcomes = make_client(FakeGateway(answer(replayed))).create("VENDOR", requests(2))
    assert all(o.ok and o.already_applied and o.error is None for o in outcomes)


def test_transaction_failure_marks_the_others_aborted_and_hides_tax_ids():
    def rolled_back(request):
        first, second = request.control_ids
        return (result("create", first, status="failure", errors=error(
                    "BL34000061", "Another Vendor with the given value(s) 12-3456789 already exists"))
                + result("create", second, status="aborted", errors=error(
                    "XL03000009", "The entire transaction in this operation has been rolled back due to an error.")))
    gateway = FakeGateway(answer(rolled_back))
    outcomes = make_client(gateway).create("VENDOR", requests(2, TAXID="12-3456789"), transaction=True)
    assert gateway.data_requests[0].root.find("operation").get("transaction") == "true"
    assert isinstance(outcomes[0].error, E.DuplicateRecord)
    assert isinstance(outcomes[1].error, E.TransactionAborted)
    assert "12-3456789" not in str(outcomes[0].error)


def test_a_failed_request_keeps_the_outcomes_of_earlier_requests():
    gateway = FakeGateway(answer(created), default=lambda r: httpx.Response(400, text="bad"))
    with pytest.raises(WriteFailed) as caught:
        make_client(gateway, settings=ClientSettings(write_batch_size=2)).create("VENDOR", requests(4))
    assert [o.key for o in caught.value.outcomes] == ["vendor:V0", "vendor:V1"]


def test_update_needs_a_record_number_and_duplicates_are_refused():
    client = make_client(FakeGateway())
    with pytest.raises(ValueError, match="RECORDNO"):
        client.update("APBILL", [WriteRequest("bill:1", {"DESCRIPTION": "x"})])
    with pytest.raises(ValueError, match="twice"):
        client.create("VENDOR", requests(1) * 2)


# -- packing records into requests by count and by bytes -------------------------------------------------------

def test_the_defaults_pack_by_the_gateway_size_limit_not_a_small_count():
    settings = ClientSettings()
    assert settings.max_request_chars == 500_000 and settings.write_batch_size >= 1000
    gateway = FakeGateway(default=answer(created))
    make_client(gateway).create("VENDOR", requests(800))
    assert [len(r.functions) for r in gateway.data_requests] == [800]


@pytest.mark.parametrize("text", ["x" * 900, "é€" * 300])  # multi-byte text counts by its UTF-8 bytes
def test_every_request_stays_within_max_request_chars_as_bytes_and_is_packed_full(text):
    limit = 20_000
    gateway = FakeGateway(default=answer(created))
    outcomes = make_client(gateway, settings=ClientSettings(max_request_chars=limit)).create(
        "VENDOR", requests(60, COMMENTS=text))
    sizes = [len(r.body) for r in gateway.data_requests]
    counts = [len(r.functions) for r in gateway.data_requests]
    assert all(size <= limit for size in sizes), sizes
    assert sum(counts) == 60 and len(outcomes) == 60 and all(o.ok for o in outcomes)
    one = (sizes[0] - 1_000) // counts[0]  # roughly one function's bytes
    # Full: no request but the last could have taken one more record.
    assert all(size + one > limit - 400 for size in sizes[:-1]), sizes


def test_a_record_too_large_for_any_request_goes_alone():
    gateway = FakeGateway(default=answer(created))
    big = [WriteRequest("vendor:BIG", {"VENDORID": "BIG", "COMMENTS": "x" * 30_000})]
    make_client(gateway, settings=ClientSettings(max_request_chars=20_000)).create(
        "VENDOR", requests(3) + big + [WriteRequest("vendor:LAST", {"VENDORID": "LAST"})])
    assert [len(r.functions) for r in gateway.data_requests] == [3, 1, 1]


def test_iter_writes_yields_each_request_outcomes_as_it_is_answered():
    gateway = FakeGateway(default=answer(created))
    client = make_client(gateway, settings=ClientSettings(write_batch_size=3))
    stream = client.iter_writes("create", "VENDOR", iter(requests(7)))
    first = next(stream)
    assert [o.key for o in first] == ["vendor:V0", "vendor:V1", "vendor:V2"] and len(gateway.data_requests) == 1
    rest = [o.key for chunk in stream for o in chunk]
    assert rest == [f"vendor:V{i}" for i in range(3, 7)] and len(gateway.data_requests) == 3
    # The same control ids as create() would send for the same records.
    again = FakeGateway(default=answer(created))
    make_client(again, settings=ClientSettings(write_batch_size=3)).create("VENDOR", requests(7))
    assert [r.control_ids for r in again.data_requests] == [r.control_ids for r in gateway.data_requests]


def test_iter_writes_reports_refused_records_first_and_a_failed_request_with_nothing_left_to_settle():
    gateway = FakeGateway(answer(created), default=lambda r: httpx.Response(400, text="bad"))
    client = make_client(gateway, settings=ClientSettings(write_batch_size=2))
    bad = WriteRequest("vendor:BAD", {"VENDORID": "BAD", "NAME": "a\x00b"})
    stream = client.iter_writes("create", "VENDOR", [bad, *requests(4)])
    refused = next(stream)
    assert [o.key for o in refused] == ["vendor:BAD"] and not refused[0].ok
    assert [o.key for o in next(stream)] == ["vendor:V0", "vendor:V1"]
    with pytest.raises(WriteFailed) as caught:
        next(stream)
    assert caught.value.outcomes == []
    with pytest.raises(ValueError, match="operation"):
        client.iter_writes("delete", "VENDOR", [])
    with pytest.raises(ValueError, match="RECORDNO"):
        next(client.iter_writes("update", "APBILL", [WriteRequest("bill:1", {"DESCRIPTION": "x"})]))


def test_iter_writes_in_a_transaction_with_a_refused_record_sends_nothing():
    gateway = FakeGateway(default=answer(created))
    bad = WriteRequest("vendor:BAD", {"VENDORID": "BAD", "NAME": "a\x00b"})
    (outcomes,) = list(make_client(gateway).iter_writes("create", "VENDOR", [*requests(2), bad], transaction=True))
    assert [o.key for o in outcomes] == ["vendor:BAD", "vendor:V0", "vendor:V1"]
    assert not any(o.ok for o in outcomes) and isinstance(outcomes[1].error, E.TransactionAborted)
    assert gateway.data_requests == []
