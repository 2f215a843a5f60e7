"""check_token against a scripted VK: kind inference, admin levels, scopes/rights, invalid vs failed."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.helpers.fake_vk import FakeVk, ok, vk_error
from vksync_tui.clock import ManualClock
from vksync_tui.config import Community, TokenCheck, TokenEntry, Tuning
from vksync_tui.secrets import register_secret
from vksync_tui.vk.budget import MemoryRateBudget, fingerprint
from vksync_tui.vk.check import apply_check, check_token, checking_token
from vksync_tui.vk.client import VkClient
from vksync_tui.vk.quotas import MemoryQuotaBook, QuotaBook
from vksync_tui.vk.tokens import TokenPool

SECRET = "vk1.a.check-test-secret-abcdef123456"
register_secret(SECRET)
COMMUNITIES = [Community(10, "ten"), Community(20, "twenty")]


class Fail(int):
    """An answer that is VK error `code` rather than a response value."""


def run_check(answers: dict[str, object], entry: TokenEntry | None = None,
              quotas: QuotaBook | None = None) -> tuple[TokenCheck, FakeVk]:
    """`answers`: method → response value, `Fail(code)`, or a callable(form) → httpx.Response.

    Methods not listed answer error 3 (unknown method), as a server without them would.
    """

    def handler(method: str, form: dict[str, str]) -> httpx.Response:
        answer = answers.get(method, Fail(3))
        if callable(answer):
            return answer(form)
        return vk_error(answer) if isinstance(answer, Fail) else ok(answer)

    fake = FakeVk(handler)
    client = VkClient("http://vk.test/method/", transport=fake.transport)
    entry = entry or TokenEntry("t", SECRET, "service")
    clock = ManualClock()
    pool = TokenPool([], Tuning(), budget=MemoryRateBudget(clock), quotas=quotas, clock=clock)
    token = checking_token(pool, entry)
    return check_token(token, client, COMMUNITIES, clock=clock, wall_clock=lambda: 1234.5), fake


def test_user_token_owner_admin_levels_and_scopes() -> None:
    result, fake = run_check({
        "users.get": [{"id": 7, "first_name": "Ann", "last_name": "Lee"}],
        "account.getAppPermissions": 4096 | 8192 | 262144,
        "groups.getById": {
            "groups": [{"id": 10, "is_admin": 1, "admin_level": 3}, {"id": 20, "is_admin": 0}], "profiles": []
        },
    })
    assert result.detected_kind == "user" and (result.owner_id, result.owner_name) == (7, "Ann Lee")
    assert result.admin_levels == {10: 3, 20: 0}
    assert result.scopes == ["messages", "wall", "groups"]
    assert result.last_error is None and not result.invalid and result.checked_at == 1234.5
    assert fake.form(-1)["group_ids"] == "10,20" and "admin_level" in fake.form(-1)["fields"]


def test_legacy_bare_list_from_groups_get_by_id() -> None:
    legacy = [{"id": 10, "is_admin": 1, "admin_level": 2}]
    result, _ = run_check({"users.get": [{"id": 7}], "groups.getById": legacy})
    assert result.admin_levels == {10: 2} and result.scopes == []  # permissions unknown: method refused


def test_community_token_is_found_by_groups_get_by_id_without_ids() -> None:
    own = ok({"groups": [{"id": 20, "name": "Twenty"}]})
    result, _ = run_check({
        "users.get": Fail(100),
        "groups.getById": lambda form: vk_error(100) if "group_ids" in form else own,
        "groups.getTokenPermissions": {"mask": 4096, "permissions": [{"name": "messages", "setting": 4096}]},
    })
    assert (result.detected_kind, result.owner_id, result.owner_name) == ("group", -20, "Twenty")
    assert result.scopes == ["messages"] and result.last_error is None


def test_community_rights_come_from_the_mask_where_the_list_leaves_them_out() -> None:
    """A real answer: bit 4096 (messages) in the mask, no `messages` entry in the list."""
    own = ok({"groups": [{"id": 20, "name": "Twenty"}]})
    result, _ = run_check({
        "users.get": Fail(27),
        "groups.getById": lambda form: vk_error(100) if "group_ids" in form else own,
        "groups.getTokenPermissions": {"mask": 4096 | 262144 | 4,
                                       "permissions": [{"name": "photos", "setting": 4},
                                                       {"name": "manage", "setting": 262144}]},
    })
    assert result.scopes == ["photos", "messages", "manage"] and result.last_error is None


def test_service_key_has_no_owner() -> None:
    result, _ = run_check({"users.get": [], "groups.getById": Fail(100)})
    assert result.detected_kind == "service" and result.owner_id is None and result.last_error is None


def test_revoked_token_is_marked_invalid() -> None:
    result, _ = run_check({"users.get": Fail(5)})
    assert result.invalid and result.last_error == "VK error 5 in users.get: Something"
    assert SECRET not in (result.last_error or "")


def test_network_trouble_is_an_error_but_not_invalid() -> None:
    result, fake = run_check({"users.get": lambda form: httpx.Response(502, text="<html>")})
    assert result.last_error and "HTTP 502" in result.last_error and not result.invalid
    assert len(fake.requests) == 2  # one retry after a pause


def test_error_6_is_retried_once() -> None:
    answers = iter([vk_error(6), ok([{"id": 7}])])
    result, _ = run_check({"users.get": lambda form: next(answers), "groups.getById": {"groups": []}})
    assert result.detected_kind == "user" and result.last_error is None


def test_apply_check_records_kind_and_keeps_knowledge_on_any_failure() -> None:
    entry = TokenEntry("t", SECRET, "user")
    apply_check(entry, TokenCheck(detected_kind="group", owner_id=-20, scopes=["messages"], checked_at=1.0))
    assert (entry.kind, entry.group_id, entry.check.scopes) == ("group", 20, ["messages"])
    apply_check(entry, TokenCheck(last_error="HTTP 502", checked_at=2.0))
    kept = entry.check
    assert (kept.scopes, kept.last_error, kept.checked_at) == (["messages"], "HTTP 502", 2.0)
    apply_check(entry, TokenCheck(last_error="VK error 1117", invalid=True, expired=True, checked_at=3.0))
    dead = entry.check
    assert (dead.invalid, dead.expired, dead.last_error) == (True, True, "VK error 1117")
    assert (entry.kind, entry.group_id, dead.owner_id, dead.scopes) == ("group", 20, -20, ["messages"])
    assert entry.dead(now=4.0) == "expired"
    apply_check(entry, TokenCheck(detected_kind="group", owner_id=-20, checked_at=5.0))
    assert not entry.check.invalid and not entry.check.expired and entry.dead(now=6.0) is None


def answers_error(code: int, message: str) -> Callable[[dict[str, str]], httpx.Response]:
    return lambda form: vk_error(code, message)


@pytest.mark.parametrize(("code", "message", "expired"), [
    (1117, "Access token has expired", True),
    (5, "User authorization failed: access_token has expired.", True),
    (5, "User authorization failed: invalid access_token (4).", False),
    (3610, "User is deactivated", False),
    (3611, "Service is deactivated for user", False),
    (17, "Validation required: please open redirect_uri in browser", False),
])
@pytest.mark.parametrize("asked", ["users.get", "groups.getById"])
def test_a_dead_token_is_invalid_with_vks_reason_whichever_question_met_it(
    code: int, message: str, expired: bool, asked: str
) -> None:
    """A dead token answers every method with its error: not "no current user", not "a service key"."""
    answers: dict[str, object] = {"users.get": [], "groups.getById": {"groups": []}}
    answers[asked] = answers_error(code, message)
    result, _ = run_check(answers)
    assert result.invalid and result.expired is expired
    assert result.last_error == f"VK error {code} in {asked}: {message}"
    assert result.detected_kind is None and result.owner_id is None


@pytest.mark.parametrize(("code", "message"), [
    (29, "Rate limit reached"),
    (10, "Internal server error"),
    (9, "Flood control"),
    (36, "Method execution was interrupted due to timeout"),
])
def test_a_check_that_fails_for_vks_trouble_says_so_and_names_no_kind(code: int, message: str) -> None:
    result, _ = run_check({"users.get": answers_error(code, message), "groups.getById": {"groups": []}})
    assert result.last_error == f"VK error {code} in users.get: {message}"
    assert not result.invalid and result.detected_kind is None


def test_a_check_asks_vk_itself_whatever_earlier_verdicts_say() -> None:
    """A token the last check found dead (VK's validation since passed) and past its expiry, whose users.get
    quota the home saw spent, is asked again; its answers decide."""
    quotas = MemoryQuotaBook()
    quotas.record(fingerprint(SECRET), "users.get")
    dead = TokenEntry("t", SECRET, "user", expires_at=1.0,
                      check=TokenCheck(invalid=True, last_error="VK error 17: Validation required"))
    result, fake = run_check({"users.get": [{"id": 7}], "groups.getById": {"groups": []}}, dead, quotas)
    assert (result.detected_kind, result.owner_id, result.last_error) == ("user", 7, None)
    assert len(fake.requests) >= 1 and not result.invalid


def test_a_question_not_for_this_kind_of_token_is_skipped() -> None:
    own = ok({"groups": [{"id": 20, "name": "Twenty"}]})
    result, _ = run_check({
        "users.get": answers_error(27, "Group authorization failed: method is unavailable with group auth."),
        "groups.getById": lambda form: vk_error(100) if "group_ids" in form else own,
        "groups.getTokenPermissions": Fail(15),
    })
    assert (result.detected_kind, result.owner_id, result.last_error) == ("group", -20, None)
