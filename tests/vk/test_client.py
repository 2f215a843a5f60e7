"""VkClient against a scripted fake VK: request shape, error mapping, transient faults, no token leaks."""

from __future__ import annotations

import itertools
import json
import logging
import uuid

import httpx
import pytest

from tests.helpers.fake_vk import FakeVk, Handler, envelope, ok, vk_error
from vksync_tui.emulator.server import RunningEmulator
from vksync_tui.secrets import register_secret
from vksync_tui.vk import client as client_module
from vksync_tui.vk import errors
from vksync_tui.vk.client import ExecuteError, VkClient

TOKEN = "vk1.a.client-test-token-5f3c9e2d1a0b"
register_secret(TOKEN)


def make_client(handler, api_url: str = "http://vk.test/method/") -> tuple[VkClient, FakeVk]:
    fake = FakeVk(handler)
    return VkClient(api_url, transport=fake.transport), fake


def fresh_url(name: str) -> str:
    """An API URL no client of this process has heard VK answer from (it has answered nothing yet)."""
    return f"http://{name}.{uuid.uuid4().hex}.test/method/"


def answering_as_vk_first(fault: Handler) -> Handler:
    """VK answers the first call; every later call gets `fault`."""
    calls = itertools.count()
    return lambda method, form: ok(1) if next(calls) == 0 else fault(method, form)


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
        lambda method, form: httpx.Response(502, text="Bad gateway"),
        lambda method, form: envelope({"error": "upstream failed"}, status=503),
        lambda method, form: httpx.Response(200, content=b""),
        lambda method, form: httpx.Response(200, content=b'{"response": {"count": 10, "items": [1, 2'),
        lambda method, form: httpx.Response(200, content=b'{"error": {"error_code": 10, "error_m'),
        lambda method, form: envelope({"error": {"error_msg": "no code"}}),
        lambda method, form: envelope({"response": 1}, status=500),
        _raise(httpx.ReadTimeout("timed out")),
        _raise(httpx.ConnectError("connection refused")),
        _raise(httpx.RemoteProtocolError("peer closed connection without sending complete message body")),
        _raise(httpx.ReadError("[Errno 104] Connection reset by peer")),
    ],
    ids=["500-html", "502-text", "503-json", "empty", "truncated", "truncated-error", "no-code",
         "envelope-with-500", "timeout", "refused", "reset-midway", "reset"],
)
def test_transport_and_body_faults_are_transient_even_as_the_first_answer(handler) -> None:
    """VK's front end sends these on any request, the first of a run included: never a configuration error."""
    client, _ = make_client(handler, fresh_url("first"))
    with pytest.raises(errors.TransientError) as caught:
        client.call("wall.get", {"owner_id": -1}, TOKEN)
    assert TOKEN not in str(caught.value)
    assert caught.value.__cause__ is None  # the httpx exception (which holds the request body) is dropped
    assert errors.is_token_fault(caught.value)


@pytest.mark.parametrize(
    "page",
    [
        httpx.Response(404, text="<html>\r\n<head><title>404 Not Found</title></head></html>"),
        httpx.Response(200, text="<html>oops</html>"),
        httpx.Response(200, text="Error: response too big"),
        httpx.Response(500, text="<html><body>500 Internal Server Error</body></html>"),
    ],
    ids=["404-html", "200-html", "200-text", "500-html"],
)
def test_a_page_from_a_url_that_answered_as_vk_is_an_unreadable_answer(page: httpx.Response) -> None:
    """VK's front end answers an oversized request with an HTML 404/500 page or a body that is not JSON
    (https://github.com/Dementiy/vkR/issues/23, https://github.com/negezor/vk-io/issues/436)."""
    client, _ = make_client(answering_as_vk_first(lambda method, form: page), fresh_url("vk"))
    assert client.call("users.get", {}, TOKEN) == 1
    with pytest.raises(errors.UnreadableAnswer) as caught:
        client.execute("return 1;", TOKEN)
    assert errors.is_token_fault(caught.value)


def _redirect(status: int, location: str) -> Handler:
    return lambda method, form: httpx.Response(status, headers={"Location": location + method})


NOT_VK = {
    "301-to-new-host": _redirect(301, "https://api.vk.ru/method/"),
    "302-relative": _redirect(302, "/login?next="),
    "307": _redirect(307, "https://portal.example/"),
    "200-html": lambda method, form: httpx.Response(200, text="<!DOCTYPE html><html>Welcome</html>"),
    "404-html": lambda method, form: httpx.Response(404, text="<html><title>404 Not Found</title></html>"),
    "200-text": lambda method, form: httpx.Response(200, text="OK"),
    "json-without-envelope": lambda method, form: envelope({"status": "ok", "data": []}),
    "json-not-object": lambda method, form: envelope([1, 2, 3]),
    "404-json": lambda method, form: envelope({"error": "not found"}, status=404),
}
PAGES = ("200-html", "404-html", "200-text")


@pytest.mark.parametrize("answer", list(NOT_VK))
def test_a_non_vk_first_answer_is_a_configuration_error_naming_the_url(answer: str) -> None:
    url = fresh_url("elsewhere")
    client, fake = make_client(NOT_VK[answer], url)
    with pytest.raises(errors.ApiUrlError) as caught:
        client.call("users.get", {}, TOKEN)
    text = str(caught.value)
    assert text.startswith(f"the API URL {url} does not answer as the VK API: users.get was answered with")
    assert text.endswith("set api_url in config.toml (or VKSYNC_API_URL) to VK's API address, "
                         "https://api.vk.ru/method/")
    assert TOKEN not in text
    assert not errors.is_token_fault(caught.value)
    # Not followed, not retried; a page (not a redirect or JSON) is checked once with a tokenless call.
    if answer in PAGES:
        assert len(fake.requests) == 2 and "access_token" not in fake.form(1)
    else:
        assert len(fake.requests) == 1


def test_a_redirect_names_its_target() -> None:
    client, _ = make_client(_redirect(301, "https://api.vk.ru/method/"), fresh_url("old-host"))
    with pytest.raises(errors.ApiUrlError, match=r"redirect \(HTTP 301 to https://api\.vk\.ru/method/users\.get\)"):
        client.call("users.get", {}, TOKEN)


ALWAYS_NOT_VK = ["301-to-new-host", "json-without-envelope", "json-not-object", "404-json"]


@pytest.mark.parametrize("answer", ALWAYS_NOT_VK)
def test_a_redirect_or_a_non_envelope_is_a_configuration_error_even_after_vk_answered(answer: str) -> None:
    """VK never redirects an API call nor sends JSON without its envelope: no oversized answer explains it."""
    client, _ = make_client(answering_as_vk_first(NOT_VK[answer]), fresh_url("later"))
    assert client.call("users.get", {}, TOKEN) == 1
    with pytest.raises(errors.ApiUrlError):
        client.call("users.get", {}, TOKEN)


def test_a_page_as_the_first_answer_of_a_url_that_is_vk_is_an_unreadable_answer() -> None:
    """VK's front end may answer the very first call with its 404 page (an oversized execute): the check
    without a token gets VK's error 5 envelope, so the page is VK's trouble, and later pages are too."""
    page = httpx.Response(404, text="<html><head><title>404 Not Found</title></head></html>")

    def handler(method: str, form: dict[str, str]) -> httpx.Response:
        if "access_token" not in form:
            return vk_error(5, "User authorization failed: no access_token passed.")
        return page

    client, fake = make_client(handler, fresh_url("oversized-first"))
    for _ in range(2):
        with pytest.raises(errors.UnreadableAnswer):
            client.execute("return 1;", TOKEN)
    assert [("access_token" in fake.form(index)) for index in range(3)] == [True, False, True]


@pytest.mark.parametrize(
    "check_answer",
    [lambda method, form: httpx.Response(502, text="<html>Bad Gateway</html>"),
     _raise(httpx.ReadTimeout("slow"))],
    ids=["502", "timeout"],
)
def test_a_check_that_cannot_tell_leaves_the_page_transient(check_answer: Handler) -> None:
    def handler(method: str, form: dict[str, str]) -> httpx.Response:
        if "access_token" not in form:
            return check_answer(method, form)
        return httpx.Response(200, text="<html>?</html>")

    client, _ = make_client(handler, fresh_url("undecided"))
    with pytest.raises(errors.UnreadableAnswer):
        client.call("users.get", {}, TOKEN)


def test_the_url_in_a_configuration_error_shows_no_credentials_query_or_token() -> None:
    secret_url = f"http://operator:hunter22@{uuid.uuid4().hex}.test/method/?access_token={TOKEN}&x=1"
    client, _ = make_client(NOT_VK["200-html"], secret_url)
    with pytest.raises(errors.ApiUrlError) as caught:
        client.call("users.get", {}, TOKEN)
    text = str(caught.value)
    assert "hunter22" not in text and "operator" not in text and TOKEN not in text and "x=1" not in text
    assert caught.value.api_url.endswith(".test/method/")


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


# A VK-like answer: Cyrillic and emoji text (surrogate-pair escapes), nested objects, null, floats, big ids.
ANSWER = (
    b'{"response":{"count":2,"items":[{"id":9223372036854775807,"first_name":"\\u041c\\u0430\\u0440\\u0438\\u044f",'
    b'"last_seen":{"time":1760244873,"platform":7},"city":null,"rate":0.1,"text":"hi \\ud83d\\ude00 ok"},'
    b'{"id":1,"first_name":"Ann","deactivated":"deleted"}]},"execute_errors":[]}'
)


def test_answers_are_decoded_by_orjson_when_it_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    orjson = pytest.importorskip("orjson")
    decoded: list[bytes] = []

    def spy(content: bytes) -> object:
        decoded.append(content)
        return orjson.loads(content)

    monkeypatch.setattr(client_module, "_orjson", type("Spy", (), {"loads": staticmethod(spy),
                                                                  "JSONDecodeError": orjson.JSONDecodeError}))
    client, _ = make_client(lambda method, form: httpx.Response(200, content=ANSWER))
    assert client.call("users.get", {}, TOKEN) == json.loads(ANSWER)["response"]
    assert decoded == [ANSWER]


@pytest.mark.parametrize("orjson_installed", [True, False], ids=["orjson", "json-only"])
def test_every_answer_decodes_the_same_with_or_without_orjson(
    monkeypatch: pytest.MonkeyPatch, orjson_installed: bool
) -> None:
    """Without the wheel the standard decoder reads everything; with it, an answer orjson refuses (a lone
    surrogate escape in a user's text, NaN) still goes to the standard decoder, so no answer turns into a
    'garbled' one only because orjson is there."""
    if orjson_installed:
        pytest.importorskip("orjson")
    else:
        monkeypatch.setattr(client_module, "_orjson", None)
    refused_by_orjson = b'{"response":{"text":"half an emoji \\ud83d","score":NaN}}'
    for content in (ANSWER, refused_by_orjson):
        client, _ = make_client(lambda method, form, content=content: httpx.Response(200, content=content))
        value = client.call("users.get", {}, TOKEN)
        assert json.dumps(value) == json.dumps(json.loads(content)["response"])
    client, _ = make_client(lambda method, form: httpx.Response(200, content=b'{"response": [1, 2'))
    with pytest.raises(errors.TransientError, match="not JSON"):
        client.call("users.get", {}, TOKEN)
