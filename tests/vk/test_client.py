"""VkClient against a scripted fake VK: request shape, error mapping, transient faults, no token leaks."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.vk.fake_vk import FakeVk, envelope, ok, vk_error
from vksync_tui.emulator.server import RunningEmulator
from vksync_tui.secrets import register_secret
from vksync_tui.vk import errors
from vksync_tui.vk.client import ExecuteError, VkClient

TOKEN = "vk1.a.client-test-token-5f3c9e2d1a0b"
register_secret(TOKEN)


def make_client(handler) -> tuple[VkClient, FakeVk]:
    fake = FakeVk(handler)
    return VkClient("http://vk.test/method/", transport=fake.transport), fake


def test_call_posts_form_with_token_in_body_only() -> None:
    client, fake = make_client(lambda method, form: ok([{"id": 1}]))
    assert client.call("users.get", {"user_ids": [1, 2, 3], "fields": ("sex", "city"), "extended": True,
                                     "skip": None}, TOKEN) == [{"id": 1}]
    request = fake.requests[0]
    assert request.method == "POST"
    assert str(request.url) == "http://vk.test/method/users.get"
    assert TOKEN not in str(request.url)
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert fake.form() == {"user_ids": "1,2,3", "fields": "sex,city", "extended": "1", "v": "5.199",
                           "access_token": TOKEN}


EXPECTED_CLASSES = {
    1: errors.UnknownError, 5: errors.AuthError, 6: errors.TooManyRequests, 9: errors.FloodControl,
    10: errors.InternalError, 12: errors.CompileError, 13: errors.RuntimeError_, 14: errors.Captcha,
    15: errors.AccessDenied, 18: errors.UserDeleted, 27: errors.GroupAuthFailed, 28: errors.AppAuthFailed,
    29: errors.RateLimitReached, 30: errors.PrivateProfile, 100: errors.ParamError, 113: errors.InvalidUserId,
    203: errors.AccessToGroupDenied, 212: errors.RepliesAccessDenied, 917: errors.ChatNoAccess,
}


@pytest.mark.parametrize("code", sorted(EXPECTED_CLASSES))
def test_error_envelope_maps_to_typed_exception(code: int) -> None:
    client, _ = make_client(lambda method, form: vk_error(code, f"Problem {code}: detail"))
    with pytest.raises(errors.VkApiError) as caught:
        client.call("groups.getMembers", {"group_id": 1}, TOKEN)
    error = caught.value
    assert type(error) is EXPECTED_CLASSES[code]
    assert (error.code, error.method, error.message) == (code, "groups.getMembers", f"Problem {code}: detail")
    assert errors.error_for_code(code) is EXPECTED_CLASSES[code]


def test_unlisted_code_is_generic_api_error() -> None:
    client, _ = make_client(lambda method, form: vk_error(936, "Contact not found"))
    with pytest.raises(errors.VkApiError) as caught:
        client.call("messages.getHistory", {}, TOKEN)
    assert type(caught.value) is errors.VkApiError and caught.value.code == 936


def _raise(exc: Exception):
    def handler(method: str, form: dict[str, str]) -> httpx.Response:
        raise exc

    return handler


@pytest.mark.parametrize(
    "handler",
    [
        lambda method, form: httpx.Response(500, text="<html><body>502 Bad Gateway</body></html>"),
        lambda method, form: httpx.Response(404, text="<html>not found</html>"),
        lambda method, form: httpx.Response(200, text="<html>oops</html>"),
        lambda method, form: httpx.Response(200, content=b""),
        lambda method, form: httpx.Response(200, content=b'{"response": {"count": 10, "items": [1, 2'),
        lambda method, form: envelope({"something": 1}),
        lambda method, form: envelope([1, 2, 3]),
        lambda method, form: envelope({"error": {"error_msg": "no code"}}),
        _raise(httpx.ReadTimeout("timed out")),
        _raise(httpx.ConnectError("connection refused")),
        _raise(httpx.RemoteProtocolError("peer closed connection without sending complete message body")),
        _raise(httpx.ReadError("[Errno 104] Connection reset by peer")),
    ],
    ids=["500-html", "404", "200-html", "empty", "truncated", "no-response-key", "not-object", "no-code",
         "timeout", "refused", "reset-midway", "reset"],
)
def test_transport_and_body_faults_are_transient(handler) -> None:
    client, _ = make_client(handler)
    with pytest.raises(errors.TransientError) as caught:
        client.call("wall.get", {"owner_id": -1}, TOKEN)
    assert TOKEN not in str(caught.value)
    assert caught.value.__cause__ is None  # the httpx exception (which holds the request body) is dropped
    assert errors.is_token_fault(caught.value)


def test_token_never_in_exception_text_even_if_vk_echoes_it() -> None:
    client, _ = make_client(lambda method, form: vk_error(5, f"User authorization failed: bad token {TOKEN}"))
    with pytest.raises(errors.AuthError) as caught:
        client.call("users.get", {}, TOKEN)
    assert TOKEN not in str(caught.value) and TOKEN not in caught.value.message


def test_token_never_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client, _ = make_client(lambda method, form: ok(1))
    client.call("users.get", {}, TOKEN)
    failing, _ = make_client(_raise(httpx.ConnectError(f"cannot reach http://vk.test/?access_token={TOKEN}")))
    with pytest.raises(errors.TransientError) as caught:
        failing.call("users.get", {}, TOKEN)
    logging.getLogger("test").error("failed: %s", caught.value)
    assert caplog.records, "the client should log something at debug level"
    assert all(TOKEN not in record.getMessage() for record in caplog.records)
    assert TOKEN not in caplog.text


def test_execute_surfaces_execute_errors() -> None:
    def handler(method: str, form: dict[str, str]) -> httpx.Response:
        assert method == "execute" and form["code"] == "return 1;" and form["offset"] == "5"
        return envelope({
            "response": [1, False],
            "execute_errors": [{"method": "wall.get", "error_code": 15, "error_msg": "Access denied"}],
        })

    client, fake = make_client(handler)
    result = client.execute("return 1;", TOKEN, {"offset": 5})
    assert result.response == [1, False]
    assert result.errors == [ExecuteError("wall.get", 15, "Access denied")]
    assert TOKEN not in str(fake.requests[0].url)


def test_client_is_safe_to_share_between_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    client, fake = make_client(lambda method, form: ok(int(form["n"])))
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: client.call("utils.echo", {"n": n}, TOKEN), range(200)))
    assert results == list(range(200))
    assert len(fake.requests) == 200


def test_on_sent_fires_once_when_the_request_has_left_over_real_http(emulator: RunningEmulator) -> None:
    """The rate budget stamps a request when its bytes are written: before the answer, exactly once."""
    secret = next(info.token for info in emulator.world.tokens if info.label == "user-admin")
    events: list[str] = []
    with VkClient(emulator.url) as client:
        answer = client.call("users.get", {"user_ids": 1}, secret, on_sent=lambda: events.append("sent"))
        events.append("answered")
        client.execute("return 1;", secret, on_sent=lambda: events.append("sent"))
    assert answer[0]["id"] == 1
    assert events == ["sent", "answered", "sent"]
