"""Every VK error code is classified (token dead, token throttled, try again, refused), and an unknown or
token-side code never reads as a refusal of the request."""

from __future__ import annotations

import json

import pytest

from tests.helpers.paths import VK_API_SCHEMA
from vksync_tui.vk.errors import (
    FAULTS,
    REQUEST_ERROR_CODES,
    ApiUrlError,
    Cancelled,
    Fault,
    TransientError,
    is_token_fault,
    make_api_error,
)

SCHEMA_ERRORS = VK_API_SCHEMA / "errors.json"


def schema_codes() -> dict[int, str]:
    errors = json.loads(SCHEMA_ERRORS.read_text(encoding="utf-8"))["errors"]
    return {entry["code"]: entry["description"] for entry in errors.values()}


def test_every_code_of_the_schema_is_classified_and_nothing_else() -> None:
    codes = schema_codes()
    assert len(codes) > 200  # the whole list was read, not a stub
    assert sorted(set(codes) - set(FAULTS)) == [], "codes of errors.json without a class"
    assert sorted(set(FAULTS) - set(codes)) == [], "classified codes that errors.json does not have"


EXPECTED = {
    Fault.TOKEN_DEAD: (5, 17, 1117, 3610, 3611),
    Fault.TOKEN_THROTTLED: (6, 9, 14, 29),
    Fault.TRY_AGAIN: (1, 10, 13, 27, 28, 36, 43),
    Fault.REFUSED: (15, 18, 30, 100, 113, 125, 203, 212, 917),
}


@pytest.mark.parametrize(("fault", "code"), [(fault, code) for fault in EXPECTED for code in EXPECTED[fault]])
def test_the_codes_a_sync_meets_are_in_their_class(fault: Fault, code: int) -> None:
    assert FAULTS[code] is fault


def test_refusals_are_the_request_error_codes() -> None:
    assert {code for code, fault in FAULTS.items() if fault is Fault.REFUSED} == REQUEST_ERROR_CODES


@pytest.mark.parametrize("code", [1117, 3610, 3611, 36, 43, 17, 37, 7])
def test_a_token_side_or_passing_code_is_worth_another_token(code: int) -> None:
    """One token answering these must not end a run that another token can finish."""
    assert is_token_fault(make_api_error(code, "whatever", "groups.getById"))


def test_a_code_vk_adds_later_is_never_a_refusal() -> None:
    assert 987654 not in FAULTS
    assert is_token_fault(make_api_error(987654, "Something new", "groups.getMembers"))


@pytest.mark.parametrize("code", sorted(REQUEST_ERROR_CODES))
def test_a_refusal_is_no_token_fault(code: int) -> None:
    assert not is_token_fault(make_api_error(code, "refused", "wall.get"))


def test_transport_faults_are_token_faults_and_configuration_errors_are_not() -> None:
    assert is_token_fault(TransientError("wall.get: HTTP 502"))
    assert not is_token_fault(ApiUrlError("http://example.test/method/", "a redirect"))
    assert not is_token_fault(Cancelled())
